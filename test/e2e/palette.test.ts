// The command palette: ML Notes' commands are there by their titles, Look Up finds notes in English and
// Chinese, and Enter (or Look Up Term at Cursor) opens the notes panel scrolled to that section.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeVSCode, locate, type Workbench } from './lib';

/**
 * Types `query` into the open Look Up picker, waits until the row Enter would take (the focused one)
 * belongs to `section` (it names the section, or a point of it) and returns the start of its label.
 */
async function expectTopResult(workbench: Workbench, query: string, section: string): Promise<string> {
  await workbench.quickInputType(query);
  // The first rows shown are VS Code's filtering of the previous items; ML Notes' own answer comes next.
  await workbench.quickInputSettled();
  const focused = workbench.quickInput().locator('.quick-input-list .monaco-list-row.focused');
  await focused
    .filter({ hasText: section })
    .waitFor({ state: 'visible' })
    .catch(async () => {
      const items = await workbench.quickInputItems().catch(() => []);
      const current = await focused.innerText().catch(() => 'none');
      assert.fail(`"${query}": expected the focused result in "${section}"; focused: ${JSON.stringify(current)}; list: ${JSON.stringify(items.slice(0, 5))}`);
    });
  const label = (await focused.locator('.label-name').first().innerText()).trim().replace(/…$/, '');
  return label.slice(0, 20);
}

/**
 * Waits for the notes panel to show `text` scrolled into view, inside the section headed `section`;
 * returns that heading's id.
 */
async function expectPanelAt(workbench: Workbench, section: string, text = section): Promise<string> {
  await workbench.tab('ML Notes').first().waitFor({ state: 'visible' });
  const panel = await workbench.waitForWebview(text);
  const target = panel.locator('h1, h2, h3, h4, h5, h6, p, li').filter({ hasText: text }).last();
  await workbench.waitInViewport(target);
  // The section it is in: the last heading before it in the document.
  const heading = await target.evaluate((el) => {
    const before = Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6')).filter(
      (h) => h === el || (h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0,
    );
    const h = before[before.length - 1];
    return h ? { text: h.textContent?.trim() ?? '', id: h.id } : undefined;
  });
  assert.ok(heading, `no section heading above "${text}"`);
  assert.ok(heading.text.includes(section), `"${text}" is shown in section "${heading.text}", expected "${section}"`);
  return heading.id;
}

describeVSCode('palette', { workspace: 'python-project' }, (scene) => {
  scene('the palette lists the ML Notes commands by title', async ({ workbench }) => {
    for (const title of ['ML Notes: Look Up…', 'ML Notes: Look Up Term at Cursor', 'ML Notes: Open Notes Panel']) {
      assert.ok(await workbench.commandExists(title), `"${title}" is in the command palette`);
    }
    // The others are listed by now, so a short wait shows this one is not.
    assert.equal(await workbench.commandExists('ML Notes: Open Note Section', 2000), false, 'the internal command is hidden');
  });

  scene('Look Up "warmup" and Enter opens the panel at the warm-up note', async ({ workbench }) => {
    await workbench.runCommand('ML Notes: Look Up…');
    const label = await expectTopResult(workbench, 'warmup', 'Learning Rate warming up');
    await workbench.page.mouse.move(1, 1); // no row under the mouse in the picture
    await workbench.screenshot('readme-lookup');
    await workbench.press('Enter');
    const id = await expectPanelAt(workbench, 'Learning Rate warming up', label);
    assert.equal(id, 'learning-rate-warming-up', 'the section heading\'s id is its slug');
    await workbench.screenshot('lookup-warmup');
  });

  scene('Look Up "语义分割" finds the semantic segmentation note and Enter shows it', async ({ workbench }) => {
    await workbench.runCommand('ML Notes: Look Up…');
    const label = await expectTopResult(workbench, '语义分割', 'semantic segmentation 本质上的难点');
    await workbench.press('Enter');
    await expectPanelAt(workbench, 'semantic segmentation 本质上的难点', label);
    await workbench.screenshot('lookup-chinese');
  });

  scene('Look Up Term at Cursor on warmup_epochs opens its note', async ({ workbench }) => {
    await workbench.openFile('detector.py');
    const { line, column } = locate(workbench.readWorkspaceFile('detector.py'), 'warmup_epochs');
    await workbench.goTo(line, column + 2);
    await workbench.runCommand('ML Notes: Look Up Term at Cursor');
    await expectPanelAt(workbench, 'Learning Rate warming up');
  });

  scene('Open Notes Panel shows the notes with a slug id on every section heading', async ({ workbench }) => {
    await workbench.runCommand('ML Notes: Open Notes Panel');
    await workbench.tab('ML Notes').first().waitFor({ state: 'visible' });
    const panel = await workbench.waitForWebview('FPN architecture');
    const headings = panel.locator('h2');
    const ids = await headings.evaluateAll((hs) => hs.map((h) => ({ id: h.id, text: h.textContent?.trim() ?? '' })));
    assert.ok(ids.length >= 5, `section headings shown: ${JSON.stringify(ids)}`);
    for (const h of ids) assert.match(h.id, /\S/, `heading "${h.text}" has an id`);
    assert.equal(new Set(ids.map((h) => h.id)).size, ids.length, 'heading ids are unique');
  });

  scene('the Extensions view lists the installed package as ML Notes, with its description and icon', async (vs) => {
    const { workbench, page } = vs;
    if (!process.env.ML_NOTES_E2E_EXTENSION) assert.equal(vs.extension.kind, 'vsix', 'the scenes test the packaged .vsix');
    await workbench.dismissPopups();
    await page.keyboard.press('Control+Shift+X');
    const viewlet = page.locator('.extensions-viewlet').filter({ visible: true });
    await viewlet.waitFor({ state: 'visible' });
    await page.keyboard.type('@installed ML Notes');
    // Name and description come from package.nls.json (the manifest holds %displayName% and %description%).
    const row = viewlet.locator('.monaco-list-row').filter({ has: page.locator('.name', { hasText: /^ML Notes$/ }) });
    await row.waitFor({ state: 'visible' });
    assert.equal((await row.locator('.description').innerText()).trim(), JSON.parse(readFileSync(join(vs.extension.dir, 'package.nls.json'), 'utf8')).description);
    assert.equal((await row.locator('.publisher-name').innerText()).trim(), 'ml-notes');
    const icon = row.locator('img.icon');
    await icon.waitFor({ state: 'visible' });
    const loaded = await icon.evaluate(async (img: HTMLImageElement) => (await img.decode().then(() => true, () => false)) && img.naturalWidth > 0);
    assert.ok(loaded, 'the icon of the package is drawn');
    assert.ok(decodeURIComponent((await icon.getAttribute('src')) ?? '').includes(vs.extension.dir), 'from the installed extension\'s folder');
    await workbench.screenshot('extension-installed');
    // Back to the Explorer, as the other scenes expect.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+E');
    await page.locator('.explorer-folders-view').filter({ visible: true }).waitFor({ state: 'visible' });
  });
});
