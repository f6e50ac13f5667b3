// The web entry (`browser` in the manifest: vscode.dev, github.dev) in the browser's web worker extension host: the
// package is installed with its Node entry removed, so VS Code can only run the web one. Notes come through
// workspace.fs, the renderer is bundled, and the analysis runs in the extension host itself.
import assert from 'node:assert/strict';
import { describeVSCode, lookUpRows } from './lib';

describeVSCode('web extension host', { workspace: 'python-fixes', webExtensionHost: true }, (scene) => {
  scene('a hover on nn.BatchNorm2d shows the BatchNorm note from the bundled notes', async ({ workbench }) => {
    await workbench.openFile('backbone.py');
    const hover = await workbench.hover('nn.BatchNorm2d');
    assert.match(hover.text, /Misc details · point 1/);
    assert.match(hover.text, /标准的BN 是对channel算均值和方差/);
    assert.ok(hover.links.includes('Open in ML Notes'), `links in the hover: ${JSON.stringify(hover.links)}`);
  });

  scene('the conv before BatchNorm is squiggled and the quick fix writes bias=False', async ({ workbench }) => {
    await workbench.openFile('backbone.py');
    await workbench.expectSquiggles('warning', 1);
    const conv = workbench.positionOf('backbone.py', 'nn.Conv2d');
    await workbench.goTo(conv.line, conv.column + 4);
    const titles = await workbench.openCodeActions();
    assert.ok(titles.some((t) => /^Set bias=False/.test(t)), `the menu offers the fix: ${JSON.stringify(titles)}`);
    await workbench.applyCodeAction(/^Set bias=False/);
    await workbench.waitForEditorText(workbench.activeEditor(), (t) => t.includes('padding=1, bias=False)'), 'the fixed line');
    await workbench.expectSquiggles('warning', 0);
    await workbench.undo((t) => !t.includes('bias=False'), 'the original line after undo');
  });

  scene('Look Up finds the warm-up note and the panel shows it there, figures drawn', async (vs) => {
    const { workbench } = vs;
    await workbench.runCommand('ML Notes: Look Up…');
    // The same rows, in the same order, as ml-notes lookup: the extension's answer is there.
    const { rows } = await lookUpRows(vs, 'gradual warmup');
    assert.match(rows[0]!.label, /Gradual warmup/);
    await workbench.press('Enter');
    const panel = await workbench.waitForWebview('Gradual warmup');
    await workbench.waitInViewport(panel.locator('li').filter({ hasText: 'Gradual warmup' }).first());
    // The bundled SVG figures load from the extension through the web host's resource URIs.
    const figure = panel.locator('article img').first();
    await figure.waitFor({ state: 'visible' });
    const drawn = await figure.evaluate(async (img: HTMLImageElement) => {
      if (!img.complete) await new Promise((r) => img.addEventListener('load', r, { once: true }));
      return img.naturalWidth;
    });
    assert.ok(drawn > 0, 'the figure is drawn');
  });
});
