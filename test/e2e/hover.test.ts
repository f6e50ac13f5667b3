// Hovers over Python code in real VS Code: the note a user sees for each ML term, nothing of ours on
// plain words, and the hover's link into the notes panel; then the command palette's commands and Look Up, on the
// same workspace in the same window (a VS Code window costs ~20 CPU-s to start).
import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TIMEOUT, describeVSCode, headingBefore, locate, lookUpRows, type VSCode, type Workbench } from './lib';

const OPEN_LINK = 'Open in ML Notes';
const MORE_LINK = '…more in the panel';

/**
 * Where the hover draws its figure and its lines of text: the figure's box, the text lines beside it (overlapping its
 * height) and above it.
 */
async function figureLayout(hover: Locator): Promise<{ figure: { top: number; bottom: number; height: number }; beside: string[]; above: string[] }> {
  return hover.evaluate((root) => {
    const img = root.querySelector('img')!;
    const f = img.getBoundingClientRect();
    const beside: string[] = [];
    const above: string[] = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
      if (!node.data.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of Array.from(range.getClientRects())) {
        if (r.width < 1) continue;
        if (r.top < f.bottom - 1 && r.bottom > f.top + 1) beside.push(node.data.trim());
        else if (r.bottom <= f.top + 1) above.push(node.data.trim());
      }
    }
    return { figure: { top: f.top, bottom: f.bottom, height: Math.round(f.height) }, beside, above };
  });
}

/**
 * The note excerpt of an ML Notes hover (between its title and "…more in the panel" or the links below the rule):
 * its text and how many lines it is drawn on.
 */
async function excerptLayout(hover: Locator): Promise<{ text: string; lines: number }> {
  return hover.evaluate((root, more) => {
    const md = Array.from(root.querySelectorAll('.rendered-markdown')).find((m) => m.textContent?.includes('ML Notes'))!;
    const blocks = Array.from(md.children);
    // Breadcrumb, then the section's title; the excerpt ends at "…more in the panel" or at the rule before the links.
    const end = blocks.findIndex((b, i) => i >= 2 && (b.tagName === 'HR' || b.textContent?.trim() === more));
    const excerpt = blocks.slice(2, end < 0 ? undefined : end);
    const tops = new Set<number>();
    for (const block of excerpt) {
      const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
        if (!node.data.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const r of Array.from(range.getClientRects())) if (r.width >= 1) tops.add(Math.round(r.top));
      }
    }
    return { text: excerpt.map((b) => (b as HTMLElement).innerText.trim()).join('\n'), lines: tops.size };
  }, MORE_LINK);
}

/**
 * Types `query` into the open Look Up picker, waits until it lists what `ml-notes lookup` lists (same rows, same
 * order), checks that the row Enter would take (the first, focused) belongs to `section` (it names the section, or
 * a point of it as its description) and returns the start of its label.
 */
async function expectTopResult(vs: VSCode, query: string, section: string): Promise<string> {
  const { rows } = await lookUpRows(vs, query);
  const top = rows[0]!;
  assert.ok(top.label.includes(section) || top.description.includes(section), `"${query}": the first row ${JSON.stringify(top)} is not in "${section}"`);
  return top.label.replace(/…$/, '').slice(0, 20);
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
  const heading = await headingBefore(target);
  assert.ok(heading, `no section heading above "${text}"`);
  assert.ok(heading.text.includes(section), `"${text}" is shown in section "${heading.text}", expected "${section}"`);
  return heading.id;
}

describeVSCode('hover', { workspace: 'python-project' }, (scene) => {
  scene('hover on FPN shows the FPN architecture note', async ({ workbench }) => {
    await workbench.openFile('detector.py');
    const hover = await workbench.hover('FPN', { occurrence: 2 }); // `class FPN(...)`
    assert.match(hover.text, /FPN architecture/);
    assert.ok(hover.links.includes(OPEN_LINK), `links in the hover: ${JSON.stringify(hover.links)}`);
    await workbench.screenshot('hover-fpn');
  });

  scene('hover on nn.BatchNorm2d: its figure is a block under its text, at most 180 px high, and a click opens it in the panel', async ({ workbench }) => {
    await workbench.openFile('detector.py');
    const hover = await workbench.hover('nn.BatchNorm2d');
    assert.match(hover.text, /标准的BN 是对channel算均值和方差/);
    assert.ok(hover.links.includes(OPEN_LINK), `links in the hover: ${JSON.stringify(hover.links)}`);
    const img = hover.locator.locator('img').first();
    await img.waitFor({ state: 'visible' });
    assert.ok(await img.evaluate(async (el: HTMLImageElement) => (await el.decode().then(() => true, () => false)) && el.naturalWidth > 0), 'the figure is drawn');
    const layout = await figureLayout(hover.locator);
    assert.ok(layout.figure.height <= 181, `the figure is ${layout.figure.height} px high`);
    assert.ok(layout.figure.height >= 40, `the figure is ${layout.figure.height} px high: still a figure`);
    assert.deepEqual(layout.beside, [], 'no line of text beside the figure');
    assert.match(layout.above.join(' '), /标准的BN 是对channel算均值和方差/, 'its text is above it');
    await workbench.screenshot('hover-figure-below-text');
    await img.click();
    await workbench.tab('ML Notes').first().waitFor({ state: 'visible' });
    const panel = await workbench.waitForWebview('Misc details');
    await workbench.waitInViewport(panel.locator('[id="misc-details/1"]'));
  });

  scene('hover on warmup_epochs shows the learning-rate warm-up note', async ({ workbench }) => {
    await workbench.openFile('detector.py');
    const hover = await workbench.hover('warmup_epochs');
    assert.match(hover.text, /Learning Rate warming up/);
    assert.ok(hover.links.includes(OPEN_LINK), `links in the hover: ${JSON.stringify(hover.links)}`);
  });

  scene('hover on torch.cat starts at the paragraph on add vs concat; the rest is behind "…more in the panel"; mlNotes.hover.maxLines applies', async (vs) => {
    const { workbench } = vs;
    await vs.updateSettings({ 'mlNotes.hover.maxLines': 12 });
    await workbench.openFile('detector.py');
    const hover = await workbench.hover('torch.cat');
    assert.match(hover.text, /理解神经网络中通过add的方式融合特征/);
    const long = await excerptLayout(hover.locator);
    // Not the link that opens the section: the paragraph that speaks of concatenation comes first.
    assert.match(long.text, /^对于两路输入来说，如果是通道数相同且后面带卷积的话，add等价于concat/);
    assert.doesNotMatch(hover.text, /zhihu\.com/);
    assert.ok(hover.links.includes(MORE_LINK), `links in the hover: ${JSON.stringify(hover.links)}`);
    assert.ok(long.lines <= 12 + 1, `${long.lines} lines drawn for mlNotes.hover.maxLines 12`);
    await workbench.screenshot('readme-hover');

    await vs.updateSettings({ 'mlNotes.hover.maxLines': 4 });
    const short = await excerptLayout((await workbench.hover('torch.cat')).locator);
    assert.ok(short.lines <= 4 + 1, `${short.lines} lines drawn for mlNotes.hover.maxLines 4`);
    assert.ok(short.lines < long.lines, `fewer lines: ${short.lines} < ${long.lines}`);
    assert.match(short.text, /^对于两路输入来说/);
    await workbench.screenshot('hover-max-lines-4');

    await workbench.clearHover();
    await vs.updateSettings({ 'mlNotes.hover.maxLines': 12 });
    const hover2 = await workbench.hover('torch.cat');
    await hover2.locator.getByRole('link', { name: MORE_LINK }).click();
    const panel = await workbench.waitForWebview('理解神经网络中通过add的方式融合特征');
    await workbench.waitInViewport(panel.locator('h2').filter({ hasText: '理解神经网络中通过add的方式融合特征' }));
  });

  scene('hover on an unrelated word shows nothing of ML Notes', async ({ workbench }) => {
    await workbench.openFile('detector.py');
    // First a hover of ours, so the extension is known to be active and answering...
    const start = Date.now();
    await workbench.hover('warmup_epochs');
    const answerMs = Date.now() - start;
    // ...then `print`, given several times as long to show anything.
    const shown = await workbench.expectNoHoverContaining('print', /ML Notes|Open in ML Notes/, { withinMs: Math.max(2000, answerMs * 3) });
    assert.equal(shown, undefined, `an ML Notes hover appeared on print: ${shown}`);
  });

  scene('the hover link "Open in ML Notes" opens the notes panel at that note', async ({ workbench }) => {
    await workbench.openFile('detector.py');
    const hover = await workbench.hover('FPN', { occurrence: 2 });
    await hover.locator.getByRole('link', { name: OPEN_LINK }).click();
    await workbench.tab('ML Notes').waitFor({ state: 'visible' });
    const panel = await workbench.waitForWebview('FPN architecture');
    const heading = panel.locator('h1, h2, h3, h4').filter({ hasText: 'FPN architecture' }).first();
    await workbench.waitInViewport(heading);
    assert.equal(await heading.getAttribute('id'), 'fpn-architecture', 'the section heading\'s id is its slug');
  });

  // ---- The command palette: ML Notes' commands are there by their titles, Look Up finds notes in English and
  // Chinese, and Enter (or Look Up Term at Cursor) opens the notes panel scrolled to that section.
  scene('the palette lists the ML Notes commands by title', async ({ workbench }) => {
    for (const title of ['ML Notes: Look Up…', 'ML Notes: Look Up Term at Cursor', 'ML Notes: Open Notes Panel']) {
      assert.ok(await workbench.commandExists(title), `"${title}" is in the command palette`);
    }
    // The others are listed by now, so a short wait shows this one is not.
    assert.equal(await workbench.commandExists('ML Notes: Open Note Section', 2000), false, 'the internal command is hidden');
  });

  scene('Look Up "warmup" and Enter opens the panel at the warm-up note', async (vs) => {
    const { workbench } = vs;
    await workbench.runCommand('ML Notes: Look Up…');
    const label = await expectTopResult(vs, 'warmup', 'Learning Rate warming up');
    await workbench.page.mouse.move(1, 1); // no row under the mouse in the picture
    await workbench.screenshot('readme-lookup');
    await workbench.press('Enter');
    const id = await expectPanelAt(workbench, 'Learning Rate warming up', label);
    assert.equal(id, 'learning-rate-warming-up', 'the section heading\'s id is its slug');
    await workbench.screenshot('lookup-warmup');
  });

  scene('Look Up "语义分割": the Chinese point row shows a short title, its section beside it, and Enter shows it', async (vs) => {
    const { workbench } = vs;
    await workbench.runCommand('ML Notes: Look Up…');
    const { rows } = await lookUpRows(vs, '语义分割');
    // The point's first clause, not its whole first line cut short; its section as the description.
    assert.equal(rows[0]!.label, '语义分割本身就是一个退而求其次的课题');
    assert.equal(rows[0]!.description, 'semantic segmentation 本质上的难点？');
    assert.ok(rows.every((r) => r.label.length <= 40), `row titles: ${JSON.stringify(rows.map((r) => r.label))}`);
    await workbench.page.mouse.move(1, 1);
    await workbench.screenshot('lookup-chinese-row');
    await workbench.press('Enter');
    await expectPanelAt(workbench, 'semantic segmentation 本质上的难点', rows[0]!.label);
  });

  scene('Look Up "batchnorm bias" lists the point first, in the order ml-notes lookup gives; Enter opens it under its heading, highlighted', async (vs) => {
    const { workbench } = vs;
    // The panel is open first, to watch the point being highlighted when Look Up opens it.
    await workbench.runCommand('ML Notes: Open Notes Panel');
    const panel = await workbench.waitForWebview('Misc details');
    await workbench.waitForWebviewFocus();
    await panel.locator('body').evaluate(() => {
      const seen: string[] = ((window as unknown as { flashed: string[] }).flashed = []);
      new MutationObserver((records) => {
        for (const r of records) if (r.target instanceof HTMLElement && r.target.classList.contains('flash')) seen.push(r.target.id);
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['class'] });
    });
    await workbench.runCommand('ML Notes: Look Up…');
    const { rows, expected } = await lookUpRows(vs, 'batchnorm bias');
    assert.equal(rows[0]!.label, '假如有了BN，那么之前的Conv不再需要Bias了');
    assert.equal(rows[0]!.description, 'Misc details');
    assert.equal(rows[1]!.label, 'Misc details', 'its section next');
    assert.deepEqual(expected.slice(0, 2).map((r) => r.point), [2, null]);
    await workbench.page.mouse.move(1, 1);
    await workbench.screenshot('lookup-order');
    await workbench.press('Enter');
    const point = panel.locator('[id="misc-details/2"]');
    await workbench.waitInViewport(point);
    await workbench.waitInViewport(panel.locator('h2#misc-details'));
    const flashed = await panel.locator('body').evaluate(
      (_, ms) =>
        new Promise<boolean>((resolve) => {
          const end = performance.now() + ms;
          const check = () => {
            if ((window as unknown as { flashed: string[] }).flashed.includes('misc-details/2')) resolve(true);
            else if (performance.now() > end) resolve(false);
            else requestAnimationFrame(check);
          };
          check();
        }),
      20_000,
    );
    assert.ok(flashed, 'the point is highlighted when it opens');
    await workbench.screenshot('panel-point-highlight');
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
    // The note picker shows the note's whole title, or gives it as a tooltip when there is no room.
    const picker = await panel.locator('select.file-picker').evaluate((el: HTMLSelectElement) => {
      const label = el.selectedOptions[0]?.textContent ?? '';
      const style = getComputedStyle(el);
      const context = document.createElement('canvas').getContext('2d')!;
      context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20; // the arrow
      return { label, width: context.measureText(label).width, room, title: el.title };
    });
    assert.ok(picker.label.length > 0, 'the picker names the note');
    assert.ok(picker.width <= picker.room || picker.title === picker.label, `the title "${picker.label}" (${Math.round(picker.width)} px) fits in ${Math.round(picker.room)} px or is the tooltip`);
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
    // The row may show a default icon first and then the package's (a decode under way when the source changes is
    // abandoned): wait until the package's own icon is loaded and has a size.
    const icon = row.locator('img.icon');
    await icon.waitFor({ state: 'visible' });
    const deadline = Date.now() + DEFAULT_TIMEOUT;
    for (;;) {
      const shown = await icon.evaluate((img: HTMLImageElement) => ({ drawn: img.complete && img.naturalWidth > 0, src: decodeURIComponent(img.getAttribute('src') ?? '') })).catch(() => undefined);
      if (shown?.drawn && shown.src.includes(vs.extension.dir)) break;
      assert.ok(Date.now() < deadline, `the package's icon is drawn from the installed extension's folder: ${JSON.stringify(shown)}`);
      await page.waitForTimeout(100);
    }
    await workbench.screenshot('extension-installed');
    // Back to the Explorer, as the other scenes expect.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+E');
    await page.locator('.explorer-folders-view').filter({ visible: true }).waitFor({ state: 'visible' });
  });
});
