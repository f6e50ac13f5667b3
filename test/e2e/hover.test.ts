// Hovers over Python code in real VS Code: the note a user sees for each ML term, nothing of ours on
// plain words, and the hover's link into the notes panel.
import assert from 'node:assert/strict';
import { describeVSCode } from './lib';

const OPEN_LINK = 'Open in ML Notes';

describeVSCode('hover', { workspace: 'python-project' }, (scene) => {
  scene('hover on FPN shows the FPN architecture note', async ({ workbench }) => {
    await workbench.openFile('detector.py');
    const hover = await workbench.hover('FPN', { occurrence: 2 }); // `class FPN(...)`
    assert.match(hover.text, /FPN architecture/);
    assert.ok(hover.links.includes(OPEN_LINK), `links in the hover: ${JSON.stringify(hover.links)}`);
    await workbench.screenshot('hover-fpn');
  });

  scene('hover on nn.BatchNorm2d shows the BatchNorm note', async ({ workbench }) => {
    await workbench.openFile('detector.py');
    const hover = await workbench.hover('nn.BatchNorm2d');
    assert.match(hover.text, /BN|BatchNorm/);
    assert.ok(hover.links.includes(OPEN_LINK), `links in the hover: ${JSON.stringify(hover.links)}`);
  });

  scene('hover on warmup_epochs shows the learning-rate warm-up note', async ({ workbench }) => {
    await workbench.openFile('detector.py');
    const hover = await workbench.hover('warmup_epochs');
    assert.match(hover.text, /Learning Rate warming up/);
    assert.ok(hover.links.includes(OPEN_LINK), `links in the hover: ${JSON.stringify(hover.links)}`);
  });

  scene('hover on torch.cat shows the note on fusing features by add', async ({ workbench }) => {
    await workbench.openFile('detector.py');
    const hover = await workbench.hover('torch.cat');
    assert.match(hover.text, /\badd\b/);
    assert.match(hover.text, /理解神经网络中通过add的方式融合特征/);
    assert.ok(hover.links.includes(OPEN_LINK), `links in the hover: ${JSON.stringify(hover.links)}`);
    await workbench.screenshot('readme-hover');
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
