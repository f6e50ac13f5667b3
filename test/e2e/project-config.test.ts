// The project configuration in a real VS Code: [tool.ml-notes] in pyproject.toml sets the rules' severities and the
// notes; saving a broken config shows its problem on the config file and falls back to the defaults; a setting the
// user sets explicitly wins over the config.
import assert from 'node:assert/strict';
import { describeVSCode } from './lib';

describeVSCode('project config', { workspace: 'project-config' }, (scene) => {
  scene('pyproject.toml [tool.ml-notes]: its rule severity and its notes apply', async ({ workbench }) => {
    await workbench.openFile('model.py');
    await workbench.expectSquiggles('error', 1);
    const hover = await workbench.hover('sigmoid_focal_loss', { occurrence: 2 });
    assert.match(hover.text, /Down-weights the easy examples of this project's detector/);
  });

  scene('a setting set explicitly overrides the config; one left at its default does not', async (vs) => {
    await vs.updateSettings({ 'mlNotes.rules.conv-bias-before-batchnorm': 'information' });
    await vs.workbench.openFile('model.py');
    await vs.workbench.expectSquiggles('info', 1);
    await vs.workbench.expectSquiggles('error', 0);
    await vs.updateSettings({ 'mlNotes.rules.conv-bias-before-batchnorm': undefined });
  });

  // Last: it saves pyproject.toml, and a scene after it would start on a reloaded window (the file put back).
  scene('saving a broken config: its problem shows at its line on the config file, and the defaults apply', async ({ workbench }) => {
    await workbench.openFile('model.py');
    await workbench.expectSquiggles('error', 1);
    await workbench.openFile('pyproject.toml');
    await workbench.typeAt(8, 'end', '\nlr-warmup = "sometimes"');
    await workbench.save();
    const rows = await workbench.problems((r) => r.some((x) => /lr-warmup/.test(x.message)));
    const row = rows.find((x) => /lr-warmup/.test(x.message));
    assert.ok(row, `a problem for the config: ${JSON.stringify(rows)}`);
    assert.match(row.message, /rule "lr-warmup": expected one of "off", "hint", "information", "warning", "error", found "sometimes" \(the ML Notes configuration is not applied\)/);
    assert.match(row.position, /9/);
    await workbench.openFile('model.py');
    await workbench.expectSquiggles('warning', 1);
    await workbench.expectSquiggles('error', 0);
    await workbench.screenshot('project-config-broken');
  });
});
