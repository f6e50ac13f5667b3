// The user's own notes, wired through `mlNotes.notesPaths` in the workspace settings: their hovers, their
// math in the panel, the ML Notes view in the Explorer, and an edit to a note showing in the next hover without a
// reload; then the notes panel as a reader uses it. One window for all (a VS Code window costs ~20 CPU-s to start).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { DEFAULT_TIMEOUT, describeVSCode, headingBefore, type Workbench } from './lib';

const BUNDLED = 'Long term machine learning basis';
const LOSSES = /^Losses for imbalanced detection/;
const ANCHORS = /^Anchors and matching/;

/**
 * Runs "ML Notes: Open Notes Panel" and waits for the panel: it opens at the note the reader was last at
 * in this window, or at the first note (the bundled one).
 */
async function openPanel(workbench: Workbench): Promise<FrameLocator> {
  await workbench.runCommand('ML Notes: Open Notes Panel');
  await workbench.tab('ML Notes').first().waitFor({ state: 'visible' });
  return workbench.waitForWebview(/^(Theory basis|Focal loss|Anchor matching)$/);
}

/** Picks a note in the panel's note picker, by the start of its label, and waits for its first heading. */
async function pickNote(panel: FrameLocator, label: RegExp, heading: string): Promise<void> {
  const picker = panel.locator('select.file-picker');
  const options = await picker.locator('option').allInnerTexts();
  const option = options.find((o) => label.test(o));
  assert.ok(option, `the note picker lists ${label}: ${JSON.stringify(options)}`);
  await picker.selectOption({ label: option });
  await panel.locator('h1, h2, h3').filter({ hasText: heading }).first().waitFor({ state: 'visible' });
}

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

  // ---- The notes panel as a reader uses it: the user's note with typeset math, the bundled figures, a missing
  // figure shown as its alt text, the contents sidebar, the search box with Back, and the note staying
  // readable in the light, dark and high-contrast themes.
  scene('the panel typesets the math of the user\'s note with KaTeX and its fonts', async ({ workbench }) => {
    const panel = await openPanel(workbench);
    await pickNote(panel, LOSSES, 'Focal loss');
    const display = panel.locator('article .katex-display').first();
    await workbench.waitInViewport(display);
    assert.ok((await panel.locator('article .katex').count()) >= 3, 'the display formula and the inline ones are typeset');
    assert.equal(await panel.locator('article .katex-error').count(), 0, 'no formula failed');
    const text = await panel.locator('article').innerText();
    assert.doesNotMatch(text, /\\mathrm|\\alpha|\\gamma|\$/, 'no TeX source is left in view');
    assert.match(text, /FL\s*\(\s*p\s*t/, 'the formula reads FL(p_t)');
    // KaTeX's own fonts (shipped in the package) draw the math, not a fallback font.
    const fonts = await panel.locator('body').evaluate(async () => {
      await document.fonts.ready;
      const loaded: string[] = [];
      document.fonts.forEach((f) => {
        const family = f.family.replace(/"/g, '');
        if (family.startsWith('KaTeX_') && f.status === 'loaded') loaded.push(family);
      });
      return loaded;
    });
    assert.ok(fonts.includes('KaTeX_Main') && fonts.includes('KaTeX_Math'), `KaTeX fonts loaded: ${JSON.stringify(fonts)}`);
  });

  scene('a click in the contents scrolls to FPN architecture, and its figure is drawn', async ({ workbench }) => {
    const panel = await openPanel(workbench);
    await pickNote(panel, new RegExp(`^${BUNDLED}$`), 'Theory basis');
    const link = panel.locator('nav.toc a', { hasText: 'FPN architecture' });
    await link.click();
    const heading = panel.locator('article h2#fpn-architecture');
    await workbench.waitInViewport(heading);
    await panel.locator('nav.toc a[aria-current="location"]', { hasText: 'FPN architecture' }).waitFor({ state: 'visible' });

    const figure = panel.locator('article img[src$="/figures/fpn.svg"]');
    await figure.scrollIntoViewIfNeeded();
    await workbench.waitInViewport(figure);
    const drawn = await figure.evaluate(async (img: HTMLImageElement) => {
      await img.decode().catch(() => undefined);
      return { complete: img.complete, naturalWidth: img.naturalWidth, width: img.getBoundingClientRect().width, alt: img.alt };
    });
    assert.ok(drawn.complete && drawn.naturalWidth > 0 && drawn.width > 100, `the FPN figure is drawn: ${JSON.stringify(drawn)}`);
    assert.match(drawn.alt, /^FPN:/);
    // Every bundled figure of the note loads (none is a placeholder).
    const figures = await panel.locator('article img').evaluateAll((imgs) => (imgs as HTMLImageElement[]).map((i) => ({ src: i.src.split('/').pop(), w: i.naturalWidth })));
    assert.equal(figures.length, 4, `figures: ${JSON.stringify(figures)}`);
    assert.ok(figures.every((f) => f.w > 0), `figures: ${JSON.stringify(figures)}`);
    assert.equal(await panel.locator('article .missing-image').count(), 0);
  });

  scene('a missing figure shows as its alt text in a placeholder', async ({ workbench }) => {
    const panel = await openPanel(workbench);
    await pickNote(panel, ANCHORS, 'Anchor matching');
    const placeholder = panel.locator('article .missing-image');
    await workbench.waitInViewport(placeholder);
    assert.equal((await placeholder.innerText()).trim(), 'IoU matching of anchors to ground-truth boxes');
    assert.equal(await placeholder.getAttribute('role'), 'img');
    assert.equal(await placeholder.getAttribute('title'), 'Image not found: figures/anchor-matching.png');
    assert.equal(await panel.locator('article img').count(), 0, 'no broken image is drawn');
    assert.match(await panel.locator('article').innerText(), /The figure above was never drawn/);
  });

  scene('the panel\'s search finds BatchNorm: Enter and a click go there, Back returns', async ({ workbench }) => {
    const panel = await openPanel(workbench);
    await pickNote(panel, LOSSES, 'Focal loss');
    const back = panel.locator('button[aria-label="Back"]');
    const forward = panel.locator('button[aria-label="Forward"]');
    const search = panel.locator('input.search-input');
    const picker = panel.locator('select.file-picker');

    // Enter takes the highlighted result.
    await search.click();
    await search.pressSequentially('BatchNorm');
    const selected = panel.locator('#search-results [role="option"][aria-selected="true"]');
    await selected.waitFor({ state: 'visible' });
    const titles = await panel.locator('#search-results [role="option"] .result-title').allInnerTexts();
    assert.ok(titles.some((t) => /BN|BatchNorm/.test(t)), `results for BatchNorm: ${JSON.stringify(titles)}`);
    const chosen = (await selected.locator('.result-title').innerText()).trim();
    assert.match(chosen, /BN|BatchNorm/);
    await workbench.screenshot('panel-search');
    await search.press('Enter');
    const target = panel.locator('article :is(h1, h2, h3, h4, li)').filter({ hasText: chosen }).first();
    await workbench.waitInViewport(target);
    assert.equal(await picker.locator('option:checked').innerText(), BUNDLED);

    // Back returns to the user's note, where the reader was.
    assert.equal(await back.isEnabled(), true, 'Back is enabled after a navigation');
    await back.click();
    await workbench.waitInViewport(panel.locator('article h2', { hasText: 'Focal loss' }));
    assert.match(await picker.locator('option:checked').innerText(), LOSSES);
    assert.equal(await forward.isEnabled(), true, 'Forward is enabled after Back');

    // A click on another result goes there too.
    await search.click();
    await search.fill('');
    await search.pressSequentially('BatchNorm');
    const misc = panel.locator('#search-results [role="option"]').filter({ has: panel.locator('.result-title', { hasText: /^Misc details$/ }) });
    await misc.click();
    const heading = panel.locator('article h2#misc-details');
    await workbench.waitInViewport(heading);
    assert.equal((await headingBefore(heading, 'article h1, article h2, article h3, article h4, article h5, article h6'))?.text, 'Misc details');
  });

  scene('the note stays readable in the Light Modern, Dark Modern and High Contrast themes', async (vs) => {
    const { workbench } = vs;
    const panel = await openPanel(workbench);
    await pickNote(panel, new RegExp(`^${BUNDLED}$`), 'Theory basis');
    await panel.locator('nav.toc a', { hasText: 'FPN architecture' }).click();
    await workbench.waitInViewport(panel.locator('article h2#fpn-architecture'));

    /** Checks the contrast of the note's text in the theme shown now, and takes the screenshot. */
    const expectReadable = async (theme: string, bodyClass: string, dark: boolean, screenshot: string): Promise<void> => {
      const shown = await workbench.waitForWebview('FPN architecture', 30_000);
      await shown.locator(`body.${bodyClass}`).waitFor({ state: 'attached' });
      const heading = shown.locator('article h2#fpn-architecture');
      await workbench.waitInViewport(heading);
      const samples = {
        heading,
        paragraph: shown.locator('article p').filter({ hasText: 'ResNet' }).first(),
        link: shown.locator('article a[href^="http"]').first(),
        contents: shown.locator('nav.toc a').first(),
      };
      for (const [what, locator] of Object.entries(samples)) {
        const c = await workbench.textContrast(locator);
        assert.ok(c.ratio >= 4.5, `${theme}: ${what} text ${c.color} on ${c.background} has contrast ${c.ratio} (needs 4.5)`);
      }
      const { background } = await workbench.textContrast(samples.paragraph);
      const grey = background.match(/\d+/g)!.map(Number).reduce((a, b) => a + b, 0) / 3;
      assert.equal(grey < 128, dark, `${theme}: the note's background ${background} is ${dark ? 'dark' : 'light'}`);
      await workbench.page.mouse.move(1, 1);
      await workbench.screenshot(screenshot);
    };

    try {
      await expectReadable('Default Light Modern', 'vscode-light', false, 'readme-panel-light');
      // A user picks a theme: the open panel follows at once.
      await workbench.runCommand('Preferences: Color Theme');
      // The picker lists the theme by its label ("Dark Modern"); the setting holds its id ("Default Dark Modern").
      await workbench.quickInputType('Dark Modern');
      await workbench.quickInputSelect(workbench.page.locator('.label-name').getByText('Dark Modern', { exact: true }));
      await workbench.quickInput().waitFor({ state: 'hidden' });
      await expectReadable('Default Dark Modern', 'vscode-dark', true, 'readme-panel-dark');
      // The setting, written to the user's settings.json: the open panel follows too.
      await vs.updateSettings({ 'workbench.colorTheme': 'Default High Contrast' });
      await expectReadable('Default High Contrast', 'vscode-high-contrast', true, 'panel-high-contrast');
    } finally {
      await vs.updateSettings({ 'workbench.colorTheme': 'Default Light Modern' });
    }
  }, { timeoutMs: 240_000 });

  scene('a note added, retitled or removed while the panel is open shows so in its note picker; changed on disk while it is read, it re-renders in place: the section in view stays in view', async ({ workbench }) => {
    const para = 'A paragraph long enough to take room in the panel, so that the later parts are far below the first. '.repeat(8);
    const note = (first: string) =>
      ['# Long read', '', ...Array.from({ length: 12 }, (_, i) => [`## Part ${i + 1}`, '', i === 0 ? `${first}\n\n${para}` : para, '']).flat()].join('\n');
    const panel = await openPanel(workbench);
    await panel.locator('select.file-picker option').first().waitFor({ state: 'attached' });
    // Another program writes a new note while the panel shows another one: the picker lists it (no reopening).
    workbench.writeWorkspaceFile('notes/long.md', note('The first version.'));
    const option = (label: RegExp) => panel.locator('select.file-picker option', { hasText: label }).first();
    await option(/^Long read/).waitFor({ state: 'attached' });
    // Retitled, then removed, then back: the picker follows each time.
    workbench.writeWorkspaceFile('notes/long.md', note('The first version.').replace('# Long read', '# A long read'));
    await option(/^A long read/).waitFor({ state: 'attached' });
    assert.equal(await option(/^Long read/).count(), 0, 'the old title is gone from the picker');
    rmSync(join(workbench.workspaceDir, 'notes/long.md'));
    await option(/long read/i).waitFor({ state: 'detached' });
    workbench.writeWorkspaceFile('notes/long.md', note('The first version.'));
    await option(/^Long read/).waitFor({ state: 'attached' });
    await pickNote(panel, /^Long read/, 'Part 1');
    await panel.locator('nav.toc a', { hasText: 'Part 9' }).click();
    const heading = panel.locator('article h2#part-9');
    await workbench.waitInViewport(heading);
    const before = await heading.evaluate((el) => el.getBoundingClientRect().top);

    // Another program rewrites the note with more text above the part being read: the panel shows the new text,
    // and the reader is still at Part 9, where they were.
    workbench.writeWorkspaceFile('notes/long.md', note(`The second version.\n\n${para}\n\n${para}`));
    await panel.locator('article p', { hasText: 'The second version.' }).waitFor({ state: 'attached' });
    await workbench.waitInViewport(heading);
    const after = await heading.evaluate((el) => el.getBoundingClientRect().top);
    assert.ok(Math.abs(after - before) <= 4, `Part 9 stays where it was read: ${Math.round(before)} px from the top, then ${Math.round(after)} px`);
  });

  // Last: it saves a note, which the reset after a scene would restore with a window reload.
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
