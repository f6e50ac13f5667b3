// What the settings promise, in a real VS Code: a missing notes folder is one clear warning, and
// mlNotes.includeBundledNotes, mlNotes.languages, mlNotes.hover.enabled, mlNotes.rules.<id>, mlNotes.analysis.maxLines
// and mlNotes.maxNoteFileSizeKB change what the user sees (each change reloads the window with the new user settings);
// Reload Notes and Show Output do what they say.
import assert from 'node:assert/strict';
import { describeVSCode, outputViewText, showOutput } from './lib';

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
    await vs.workbench.expectSquiggles('warning', 1); // the extension is running
    assert.equal(await vs.workbench.expectNoHoverContaining('FPN', 'ML Notes', { occurrence: 2, withinMs: 3000 }), undefined);
  });

  scene('mlNotes.rules.<id> sets a rule\'s severity, or turns it off', async (vs) => {
    // Every setting the scene changes is set first, so that a retry starts where the first attempt did.
    await vs.updateSettings({ 'mlNotes.hover.enabled': true, 'mlNotes.rules.conv-bias-before-batchnorm': 'warning' });
    await vs.workbench.openFile('model.py');
    await vs.workbench.expectSquiggles('warning', 1);
    await vs.updateSettings({ 'mlNotes.rules.conv-bias-before-batchnorm': 'error' });
    await vs.workbench.openFile('model.py');
    await vs.workbench.expectSquiggles('error', 1);
    await vs.updateSettings({ 'mlNotes.rules.conv-bias-before-batchnorm': 'off' });
    await vs.workbench.openFile('model.py');
    await vs.workbench.hover('FPN', { occurrence: 2 }); // the extension has answered
    await vs.workbench.expectSquiggles('warning', 0);
    await vs.workbench.expectSquiggles('error', 0);
  });

  scene('mlNotes.analysis.maxLines: a file over the limit is not analysed, and the output channel says why', async (vs) => {
    await vs.updateSettings({ 'mlNotes.rules.conv-bias-before-batchnorm': 'warning', 'mlNotes.analysis.maxLines': 10 });
    await vs.workbench.openFile('model.py');
    await vs.workbench.hover('FPN', { occurrence: 2 }); // the extension has answered
    await vs.workbench.expectSquiggles('warning', 0);
    const shown = await showOutput(vs.workbench, /Not analysed: .*model\.py has 21 lines/);
    assert.match(shown, /Not analysed: .*model\.py has 21 lines, over mlNotes\.analysis\.maxLines \(10\)/);
    await vs.workbench.runCommand('View: Hide Panel');
    await vs.updateSettings({ 'mlNotes.analysis.maxLines': 10000 });
    await vs.workbench.openFile('model.py');
    await vs.workbench.expectSquiggles('warning', 1);
  });

  scene('mlNotes.maxNoteFileSizeKB: a note over the limit is skipped and named in the output channel', async (vs) => {
    await vs.updateSettings({ 'mlNotes.maxNoteFileSizeKB': 2048, 'mlNotes.analysis.maxLines': 10000 });
    await vs.workbench.openFile('model.py');
    const before = await vs.workbench.hover('label_smoothing');
    assert.match(before.text, /Label smoothing/);
    await vs.updateSettings({ 'mlNotes.maxNoteFileSizeKB': 1 });
    await vs.workbench.openFile('model.py');
    // The window may start with the previous settings and get the new ones a moment later: the output channel
    // says when the note has been skipped.
    const shown = await showOutput(vs.workbench, /Skipped .*regularisation\.md/);
    assert.match(shown, /Skipped .*regularisation\.md: File is 1\.1 KB, over the 1\.0 KB limit \(mlNotes\.maxNoteFileSizeKB\); skipped\./);
    await vs.workbench.runCommand('View: Hide Panel');
    await vs.workbench.hover('sigmoid_focal_loss', { occurrence: 2 }); // the small note still loads
    assert.equal(await vs.workbench.expectNoHoverContaining('label_smoothing', 'Label smoothing'), undefined);
    await vs.updateSettings({ 'mlNotes.maxNoteFileSizeKB': 2048 });
  });

  scene('ML Notes: Show Output shows the channel; ML Notes: Reload Notes reads the notes again', async ({ workbench, page }) => {
    await workbench.openFile('model.py');
    const loaded = (text: string) => (text.match(/Loaded \d+ note file\(s\)/g) ?? []).length;
    const before = loaded(await showOutput(workbench, /Loaded \d+ note file\(s\)/));
    assert.ok(before >= 1, 'the channel shows the notes loading');
    await workbench.runCommand('ML Notes: Reload Notes');
    const deadline = Date.now() + 15_000;
    let after = before;
    while (after === before && Date.now() < deadline) {
      await page.waitForTimeout(250);
      after = loaded(await outputViewText(workbench));
    }
    assert.equal(after, before + 1, 'one more "Loaded" line');
    await workbench.runCommand('View: Hide Panel');
  });
});
