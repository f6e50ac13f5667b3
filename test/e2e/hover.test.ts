// Hovers over Python code in real VS Code: the note a user sees for each ML term, nothing of ours on
// plain words, and the hover's link into the notes panel.
import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import { describeVSCode } from './lib';

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
});
