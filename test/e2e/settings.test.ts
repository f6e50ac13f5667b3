// What the settings promise, in a real VS Code: a missing notes folder is one clear warning, and
// mlNotes.includeBundledNotes, mlNotes.languages, mlNotes.hover.enabled, mlNotes.rules.<id>, mlNotes.analysis.maxLines
// and mlNotes.maxNoteFileSizeKB change what the user sees as soon as the settings file changes (no window reload);
// each scene waits for what shows the change (an output line, a squiggle, a hover). Reload Notes and Show Output do
// what they say.
import assert from 'node:assert/strict';
import { describeVSCode, lastMessage, messagesSince, waitForOutput, type Workbench } from './lib';

/** Waits until the output channel shows the notes read again since `since` (a Date.now()); returns that line. */
async function notesLoadedSince(workbench: Workbench, since: number, files?: number): Promise<string> {
  const loaded = files === undefined ? /Loaded \d+ note file\(s\)/ : new RegExp(`Loaded ${files} note file\\(s\\)`);
  const messages = await waitForOutput(workbench, (m) => lastMessage(messagesSince(m, since), loaded) !== undefined, `a line matching ${loaded} logged since the change`);
  await workbench.runCommand('View: Hide Panel');
  return lastMessage(messagesSince(messages, since), loaded)!;
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
    const since = Date.now();
    await vs.updateSettings({ 'mlNotes.includeBundledNotes': false });
    // The user's two notes, without the bundled one.
    await notesLoadedSince(vs.workbench, since, 2);
    await vs.workbench.openFile('model.py');
    const focal = await vs.workbench.hover('sigmoid_focal_loss', { occurrence: 2 });
    assert.match(focal.text, /Focal loss/);
    assert.equal(await vs.workbench.expectNoHoverContaining('FPN', 'FPN architecture', { occurrence: 2 }), undefined);
  });

  scene('mlNotes.languages decides where hovers show; mlNotes.hover.enabled turns them off', async (vs) => {
    // Every setting the scene changes is set first, so that a retry starts where the first attempt did.
    await vs.updateSettings({ 'mlNotes.includeBundledNotes': true, 'mlNotes.hover.enabled': true, 'mlNotes.languages': ['yaml'] });
    await vs.workbench.openFile('train.yaml');
    // A hover waits for the notes the settings change started reading (the bundled note is back).
    const warm = await vs.workbench.hover('warmup_epochs');
    assert.match(warm.text, /Learning Rate warming up/);
    await vs.workbench.openFile('model.py');
    assert.equal(await vs.workbench.expectNoHoverContaining('FPN', 'ML Notes', { occurrence: 2 }), undefined);

    await vs.updateSettings({ 'mlNotes.languages': ['python', 'yaml'], 'mlNotes.hover.enabled': false });
    await vs.workbench.openFile('model.py');
    await vs.workbench.expectSquiggles('warning', 1); // the extension is running
    assert.equal(await vs.workbench.expectNoHoverContaining('FPN', 'ML Notes', { occurrence: 2 }), undefined);
    await vs.updateSettings({ 'mlNotes.hover.enabled': true });
    assert.match((await vs.workbench.hover('FPN', { occurrence: 2 })).text, /FPN architecture/, 'hovers are back');
  });

  scene('mlNotes.rules.<id> sets a rule\'s severity, or turns it off', async (vs) => {
    await vs.updateSettings({ 'mlNotes.rules.conv-bias-before-batchnorm': 'warning' });
    await vs.workbench.openFile('model.py');
    await vs.workbench.expectSquiggles('warning', 1);
    await vs.updateSettings({ 'mlNotes.rules.conv-bias-before-batchnorm': 'error' });
    await vs.workbench.expectSquiggles('error', 1);
    await vs.workbench.expectSquiggles('warning', 0);
    await vs.updateSettings({ 'mlNotes.rules.conv-bias-before-batchnorm': 'off' });
    await vs.workbench.expectSquiggles('error', 0);
    await vs.workbench.expectSquiggles('warning', 0);
    assert.equal((await vs.workbench.problems((rows) => rows.length === 0)).length, 0, 'nothing in Problems');
    await vs.workbench.runCommand('View: Hide Panel');
  });

  scene('mlNotes.analysis.maxLines: a file over the limit is not analysed, and the output channel says why', async (vs) => {
    await vs.updateSettings({ 'mlNotes.rules.conv-bias-before-batchnorm': 'warning', 'mlNotes.analysis.maxLines': 10 });
    await vs.workbench.openFile('model.py');
    const messages = await waitForOutput(vs.workbench, (m) => lastMessage(m, /Not analysed: .*model\.py/) !== undefined, 'that model.py is not analysed');
    assert.match(lastMessage(messages, /Not analysed/)!, /Not analysed: .*model\.py has 21 lines, over mlNotes\.analysis\.maxLines \(10\)/);
    await vs.workbench.runCommand('View: Hide Panel');
    await vs.workbench.expectSquiggles('warning', 0);
    await vs.updateSettings({ 'mlNotes.analysis.maxLines': 10000 });
    await vs.workbench.expectSquiggles('warning', 1);
  });

  scene('mlNotes.maxNoteFileSizeKB: a note over the limit is skipped and named in the output channel', async (vs) => {
    await vs.updateSettings({ 'mlNotes.maxNoteFileSizeKB': 2048, 'mlNotes.analysis.maxLines': 10000 });
    await vs.workbench.openFile('model.py');
    const before = await vs.workbench.hover('label_smoothing');
    assert.match(before.text, /Label smoothing/);
    await vs.updateSettings({ 'mlNotes.maxNoteFileSizeKB': 1 });
    // The note is dropped before the line that says so is logged.
    const messages = await waitForOutput(vs.workbench, (m) => lastMessage(m, /Skipped .*regularisation\.md/) !== undefined, 'that regularisation.md is skipped');
    assert.match(lastMessage(messages, /Skipped/)!, /Skipped .*regularisation\.md: File is 1\.1 KB, over the 1\.0 KB limit \(mlNotes\.maxNoteFileSizeKB\); skipped\./);
    await vs.workbench.screenshot();
    await vs.workbench.runCommand('View: Hide Panel');
    await vs.workbench.hover('sigmoid_focal_loss', { occurrence: 2 }); // the small note still loads
    assert.equal(await vs.workbench.expectNoHoverContaining('label_smoothing', 'Label smoothing'), undefined);
    const since = Date.now();
    await vs.updateSettings({ 'mlNotes.maxNoteFileSizeKB': 2048 });
    await notesLoadedSince(vs.workbench, since, 3);
    assert.match((await vs.workbench.hover('label_smoothing')).text, /Label smoothing/, 'the note is back');
  });

  scene('ML Notes: Show Output shows the channel; ML Notes: Reload Notes reads the notes again', async ({ workbench }) => {
    await workbench.openFile('model.py');
    await waitForOutput(workbench, (m) => lastMessage(m, /Loaded \d+ note file\(s\)/) !== undefined, 'the notes loading');
    const since = Date.now();
    await workbench.runCommand('ML Notes: Reload Notes');
    assert.match(await notesLoadedSince(workbench, since), /Loaded 3 note file\(s\)/);
  });
});
