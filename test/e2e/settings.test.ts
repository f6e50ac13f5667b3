// What the settings promise, in a real VS Code: a missing notes folder is one clear warning, and
// mlNotes.includeBundledNotes, mlNotes.languages, mlNotes.hover.enabled and mlNotes.rules.<id> change what the
// user sees (each change reloads the window with the new user settings).
import assert from 'node:assert/strict';
import { describeVSCode, type Workbench } from './lib';

/** Waits until the active editor draws exactly `count` squiggles of that kind. */
async function expectSquiggles(workbench: Workbench, kind: 'warning' | 'error', count: number): Promise<void> {
  const squiggles = workbench.squiggles(kind);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const n = await squiggles.count();
    if (n === count) return;
    if (Date.now() > deadline) assert.fail(`expected ${count} ${kind} squiggle(s), found ${n}`);
    await workbench.page.waitForTimeout(100);
  }
}

describeVSCode('settings', { workspace: 'settings' }, (scene) => {
  scene('a notes path that does not exist is one warning naming it; the other notes still work', async ({ workbench, page }) => {
    await workbench.openFile('model.py');
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'missing-folder' });
    await toast.first().waitFor({ state: 'visible' });
    assert.match(await toast.first().innerText(), /does not exist/);
    assert.equal(await toast.count(), 1, 'one warning, not a stream');
    const hover = await workbench.hover('sigmoid_focal_loss', { occurrence: 2 });
    assert.match(hover.text, /Focal loss/);
  });

  scene('mlNotes.includeBundledNotes: false leaves out the bundled notes, not the user\'s', async (vs) => {
    await vs.updateSettings({ 'mlNotes.includeBundledNotes': false });
    await vs.workbench.openFile('model.py');
    const focal = await vs.workbench.hover('sigmoid_focal_loss', { occurrence: 2 });
    assert.match(focal.text, /Focal loss/);
    assert.equal(await vs.workbench.expectNoHoverContaining('FPN', 'FPN architecture', { occurrence: 2 }), undefined);
  });

  scene('mlNotes.languages decides where hovers show; mlNotes.hover.enabled turns them off', async (vs) => {
    await vs.updateSettings({ 'mlNotes.includeBundledNotes': true, 'mlNotes.languages': ['yaml'] });
    await vs.workbench.openFile('train.yaml');
    const warm = await vs.workbench.hover('warmup_epochs');
    assert.match(warm.text, /Learning Rate warming up/);
    await vs.workbench.openFile('model.py');
    assert.equal(await vs.workbench.expectNoHoverContaining('FPN', 'ML Notes', { occurrence: 2 }), undefined);

    await vs.updateSettings({ 'mlNotes.languages': ['python', 'yaml'], 'mlNotes.hover.enabled': false });
    await vs.workbench.openFile('model.py');
    await expectSquiggles(vs.workbench, 'warning', 1); // the extension is running
    assert.equal(await vs.workbench.expectNoHoverContaining('FPN', 'ML Notes', { occurrence: 2, withinMs: 3000 }), undefined);
  });

  scene('mlNotes.rules.<id> sets a rule\'s severity, or turns it off', async (vs) => {
    await vs.updateSettings({ 'mlNotes.hover.enabled': true });
    await vs.workbench.openFile('model.py');
    await expectSquiggles(vs.workbench, 'warning', 1);
    await vs.updateSettings({ 'mlNotes.rules.conv-bias-before-batchnorm': 'error' });
    await vs.workbench.openFile('model.py');
    await expectSquiggles(vs.workbench, 'error', 1);
    await vs.updateSettings({ 'mlNotes.rules.conv-bias-before-batchnorm': 'off' });
    await vs.workbench.openFile('model.py');
    await vs.workbench.hover('FPN', { occurrence: 2 }); // the extension has answered
    await expectSquiggles(vs.workbench, 'warning', 0);
    await expectSquiggles(vs.workbench, 'error', 0);
  });
});
