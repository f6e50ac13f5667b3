// VS Code in Chinese (code-server's `--locale zh-cn`): the extension's own strings come from package.nls.zh-cn.json
// (commands) and l10n/bundle.l10n.zh-cn.json (hovers, diagnostics, fixes). VS Code's own menus stay in English here:
// no language pack can be installed offline, and none is needed for the extension's strings.
import assert from 'node:assert/strict';
import { describeVSCode } from './lib';

describeVSCode('zh-cn', { workspace: 'python-fixes', locale: 'zh-cn' }, (scene) => {
  scene('the hover links are in Chinese', async ({ workbench }) => {
    await workbench.openFile('backbone.py');
    const hover = await workbench.hover('nn.BatchNorm2d');
    assert.ok(hover.links.includes('在 ML 笔记中打开'), `links in the hover: ${JSON.stringify(hover.links)}`);
    assert.ok(hover.links.includes('搜索笔记'), `links in the hover: ${JSON.stringify(hover.links)}`);
  });

  scene('the finding, its fix and its note action are in Chinese; the fix still writes bias=False', async ({ workbench }) => {
    await workbench.openFile('backbone.py');
    await workbench.expectSquiggles('warning', 1);
    const problems = await workbench.problems((rows) => rows.length === 1);
    assert.match(problems[0]!.message, /保留了 bias/);
    const conv = workbench.positionOf('backbone.py', 'nn.Conv2d');
    await workbench.goTo(conv.line, conv.column + 4);
    const titles = await workbench.openCodeActions();
    await workbench.screenshot('readme-zh-cn');
    assert.ok(titles.some((t) => /^设置 bias=False/.test(t)), `the fix in Chinese: ${JSON.stringify(titles)}`);
    assert.ok(titles.some((t) => /^解释：打开笔记/.test(t)), `the note action in Chinese: ${JSON.stringify(titles)}`);
    await workbench.applyCodeAction(/^设置 bias=False/);
    await workbench.waitForEditorText(workbench.activeEditor(), (t) => t.includes('padding=1, bias=False)'), 'the fixed line');
    await workbench.undo((t) => !t.includes('bias=False'), 'the original line after undo');
  });

  scene('the commands have their Chinese titles in the palette', async ({ workbench }) => {
    assert.ok(await workbench.commandExists('ML 笔记: 查找…'), 'Look Up in Chinese');
    assert.ok(await workbench.commandExists('ML 笔记: 修复文件中的全部问题'), 'Fix All in Chinese');
  });
});
