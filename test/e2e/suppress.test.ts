// Silencing a finding from the editor, as a linter user expects: "Ignore … on this line" writes an
// `# ml-notes: ignore[rule]` comment at the end of the line, "Ignore … in this file" an `ignore-file`
// line at the top; the squiggles go at once, and one Ctrl+Z puts the text and the squiggle back.
import assert from 'node:assert/strict';
import { describeVSCode } from './lib';

const RULE = 'conv-bias-before-batchnorm';

describeVSCode('suppress', { workspace: 'python-fixes' }, (scene) => {
  scene('"Ignore on this line" writes the ignore comment on the conv line; the squiggle goes, Ctrl+Z brings it back', async ({ workbench }) => {
    await workbench.openFile('backbone.py');
    await workbench.expectSquiggles('warning', 1);
    const conv = workbench.positionOf('backbone.py', 'nn.Conv2d');
    const original = '        self.conv1 = nn.Conv2d(64, 64, 3, padding=1)';
    assert.equal(await workbench.lineText(conv.line), original);

    await workbench.goTo(conv.line, conv.column + 4);
    const titles = await workbench.openCodeActions();
    const onLine = `Ignore ${RULE} on this line`;
    const inFile = `Ignore ${RULE} in this file`;
    assert.ok(titles.includes(onLine) && titles.includes(inFile), `the menu offers both ignores: ${JSON.stringify(titles)}`);
    assert.ok(titles.indexOf(onLine) > 0, 'the fix itself comes before the ignores');
    await workbench.applyCodeAction(onLine);

    await workbench.waitForEditorText(workbench.activeEditor(), (t) => t.includes(`# ml-notes: ignore[${RULE}]`), 'the ignore comment');
    assert.equal(await workbench.lineText(conv.line), `${original}  # ml-notes: ignore[${RULE}]`);
    await workbench.expectSquiggles('warning', 0);
    await workbench.screenshot('ignore-on-line');

    await workbench.undo((t) => !t.includes('ml-notes: ignore'), 'the line without the comment');
    assert.equal(await workbench.lineText(conv.line), original);
    await workbench.expectSquiggles('warning', 1);
  });

  scene('"Ignore in this file" writes one ignore-file line at the top of the file and silences all four findings', async ({ workbench }) => {
    const file = 'blocks.py';
    const original = workbench.readWorkspaceFile(file);
    await workbench.openFile(file);
    await workbench.expectSquiggles('warning', 4);
    const conv = workbench.positionOf(file, 'nn.Conv2d');
    await workbench.goTo(conv.line, conv.column + 4);
    await workbench.openCodeActions();
    await workbench.applyCodeAction(`Ignore ${RULE} in this file`);

    await workbench.waitForEditorText(workbench.activeEditor(), (t) => t.includes(`ml-notes: ignore-file[${RULE}]`), 'the ignore-file line');
    await workbench.expectSquiggles('warning', 0);
    await workbench.save();
    assert.equal(workbench.readWorkspaceFile(file), `# ml-notes: ignore-file[${RULE}]\n${original}`, 'one directive line on top, nothing else changed');

    await workbench.undo((t) => !t.includes('ml-notes:'), 'the file without the directive');
    await workbench.save();
    assert.equal(workbench.readWorkspaceFile(file), original, 'one Ctrl+Z restores the file');
    await workbench.expectSquiggles('warning', 4);
  });
});
