// The user's own notes, wired through `mlNotes.notesPaths` in the workspace settings: their hovers, their
// math in the panel, the ML Notes view in the Explorer, and an edit to a note showing in the next hover without a
// reload.
import assert from 'node:assert/strict';
import { DEFAULT_TIMEOUT, describeVSCode } from './lib';

describeVSCode('user notes', { workspace: 'user-notes' }, (scene) => {
  scene('a hover shows the section of the user\'s own note', async ({ workbench }) => {
    await workbench.openFile('train.py');
    const hover = await workbench.hover('sigmoid_focal_loss', { occurrence: 2 });
    assert.match(hover.text, /Focal loss/);
    assert.match(hover.text, /Easy negatives dominate plain cross-entropy/);
    assert.ok(hover.links.includes('Open in ML Notes'), `links in the hover: ${JSON.stringify(hover.links)}`);
  });

  scene('a hover shows a missing figure of the note as its alt text, not as a broken image', async ({ workbench }) => {
    await workbench.openFile('train.py');
    const hover = await workbench.hover('anchor_matching', { occurrence: 1 });
    assert.match(hover.text, /Anchor matching/);
    assert.match(hover.text, /IoU matching of anchors to ground-truth boxes \(image not found\)/);
    assert.equal(await hover.locator.locator('img').count(), 0, 'no <img> for a missing figure');
  });

  scene('the panel opens at the user\'s note with its math typeset', async ({ workbench }) => {
    await workbench.openFile('train.py');
    const hover = await workbench.hover('sigmoid_focal_loss', { occurrence: 2 });
    await hover.locator.getByRole('link', { name: 'Open in ML Notes' }).click();
    const panel = await workbench.waitForWebview('Easy negatives dominate');
    await workbench.clearHover();
    await workbench.waitInViewport(panel.locator('h1, h2, h3').filter({ hasText: 'Focal loss' }).first());
    // KaTeX turned the $$ block and the inline $...$ into typeset math: no TeX source is left in view.
    await panel.locator('.katex-display').first().waitFor({ state: 'visible' });
    assert.ok((await panel.locator('.katex').count()) >= 3, 'display and inline math are typeset');
    const text = await panel.locator('body').innerText();
    assert.doesNotMatch(text, /\\mathrm|\\alpha|\$\$/);
    await workbench.screenshot('readme-panel-math');
  });

  // The "ML Notes" view in the Explorer: note files → sections → points; a click opens the panel there.
  scene('the ML Notes view lists note files, sections and points, and a click opens the panel there', async ({ workbench, page }) => {
    await workbench.runCommand('View: Show Explorer');
    const header = page.locator('.pane-header', { hasText: /^ML Notes$/ }).first();
    await header.waitFor({ state: 'visible' });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const view = page.locator('.pane', { has: header });
    const row = (label: string | RegExp) => view.locator('.monaco-list-row', { hasText: label }).first();
    // Opens a row's children with its twistie. The tree redraws while the notes load (rows move): a click that
    // landed on another row is given again, until this row shows itself expanded.
    const expand = async (label: string): Promise<void> => {
      const deadline = Date.now() + DEFAULT_TIMEOUT;
      while ((await row(label).getAttribute('aria-expanded')) !== 'true') {
        if (Date.now() > deadline) assert.fail(`the row "${label}" did not expand`);
        await row(label).locator('.monaco-tl-twistie').click();
        await view.locator('.monaco-list-row[aria-expanded="true"]', { hasText: label }).first().waitFor({ state: 'visible', timeout: 2000 }).catch(() => undefined);
      }
    };
    // Room for the tree: fold the workspace folder's pane, and start from a collapsed tree (the state persists).
    const folders = page.locator('.pane-header', { hasText: /^workspace$/i }).first();
    if ((await folders.getAttribute('aria-expanded')) === 'true') await folders.click();
    await header.hover();
    await view.getByRole('button', { name: 'Collapse All' }).click();

    // Files: the bundled note and the user's notes.
    await row('Long term machine learning basis').waitFor({ state: 'visible' });
    await row('Anchors and matching').waitFor({ state: 'visible' });

    // Sections under a file, points under a section.
    await expand('Long term machine learning basis');
    await row('FPN architecture').waitFor({ state: 'visible' });
    // Sections open the panel on a click; their twistie shows their points.
    await expand('Misc details');
    await row(/标准的BN 是对channel算均值和方差/).waitFor({ state: 'visible' });

    // A click on a section opens the panel with that heading in view.
    await row('FPN architecture').click();
    const panel = await workbench.waitForWebview('FPN architecture');
    await workbench.waitInViewport(panel.locator('h2#fpn-architecture'));

    // A click on a point opens the panel at that list item.
    await row(/假如有了BN/).click();
    await workbench.waitInViewport(panel.locator('[id="misc-details/2"]'));
    assert.match(await panel.locator('[id="misc-details/2"]').innerText(), /不再需要Bias/);
  });

  scene('editing and saving the note changes the next hover, without a reload', async ({ workbench }) => {
    await workbench.openFile('notes/losses.md');
    const lines = workbench.readWorkspaceFile('notes/losses.md').split('\n');
    const line = lines.findIndex((l) => l.startsWith('Easy negatives')) + 1;
    await workbench.typeAt(line, 'end', ' Initialise the classifier bias to -log((1 - pi) / pi).');
    await workbench.save();
    await workbench.openFile('train.py');
    const hover = await workbench.hover('sigmoid_focal_loss', { occurrence: 2 });
    assert.match(hover.text, /Initialise the classifier bias/);
  });
});
