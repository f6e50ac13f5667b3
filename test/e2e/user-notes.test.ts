// The user's own notes, wired through `mlNotes.notesPaths` in the workspace settings: their hovers, their
// math in the panel, and an edit to a note showing in the next hover without a reload.
import assert from 'node:assert/strict';
import { describeVSCode } from './lib';

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
