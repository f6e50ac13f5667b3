// Findings from the Python analysis in a real editor: the conv-bias-before-batchnorm warning as a squiggle
// and in the Problems panel, its quick fix and undo, "Fix All Findings in File" as one undoable edit, and
// the "Explain" action that opens the note the rule comes from; a block imported from another module of the project;
// then silencing a finding from the editor. One window for all (a VS Code window costs ~20 CPU-s to start).
import assert from 'node:assert/strict';
import { describeVSCode, showOutput, type Workbench } from './lib';

const RULE = 'conv-bias-before-batchnorm';
const FIX = /^Set bias=False/;
const EXPLAIN = /^Explain: open the note/;
/** backbone.py's one finding: its conv line as the fixture has it. */
const BACKBONE_CONV = '        self.conv1 = nn.Conv2d(64, 64, 3, padding=1)';

/** Opens backbone.py with its one squiggle and puts the cursor on the conv; returns its line. */
async function cursorOnBackboneConv(workbench: Workbench): Promise<number> {
  await workbench.openFile('backbone.py');
  const conv = workbench.positionOf('backbone.py', 'nn.Conv2d');
  assert.equal(await workbench.lineText(conv.line), BACKBONE_CONV);
  await workbench.expectSquiggles('warning', 1);
  await workbench.goTo(conv.line, conv.column + 4);
  return conv.line;
}

/**
 * After an action on the conv line: the line reads `changed` (once the text has `marker`) and the squiggle is gone;
 * Ctrl+Z gives back the original line and its squiggle. `screenshot`: taken before the undo.
 */
async function expectConvLineThenUndo(workbench: Workbench, line: number, marker: string, changed: string, screenshot?: string): Promise<void> {
  await workbench.waitForEditorText(workbench.activeEditor(), (t) => t.includes(marker), `the line with ${marker}`);
  assert.equal(await workbench.lineText(line), changed);
  await workbench.expectSquiggles('warning', 0);
  if (screenshot) await workbench.screenshot(screenshot);

  await workbench.undo((t) => !t.includes(marker), `the line without ${marker} after undo`);
  assert.equal(await workbench.lineText(line), BACKBONE_CONV);
  await workbench.expectSquiggles('warning', 1);
}

describeVSCode('fixes', { workspace: 'python-fixes' }, (scene) => {
  scene('a conv with its bias before BatchNorm is squiggled and listed in Problems as ML Notes', async ({ workbench }) => {
    await workbench.openFile('backbone.py');
    const conv = workbench.positionOf('backbone.py', 'nn.Conv2d');
    await workbench.expectSquiggles('warning', 1);
    // The squiggle is drawn under the conv call on its line.
    const squiggle = await workbench.squiggles('warning').first().boundingBox();
    const line = await workbench.activeEditor().locator('.view-line', { hasText: 'self.conv1 = nn.Conv2d(64, 64, 3, padding=1)' }).boundingBox();
    assert.ok(squiggle && line, 'the squiggle and the conv line are drawn');
    assert.ok(squiggle.y >= line.y - 2 && squiggle.y + squiggle.height <= line.y + line.height + 2, `the squiggle (y ${squiggle.y}) is on the conv line (y ${line.y})`);

    const problems = await workbench.problems((rows) => rows.length === 1);
    assert.equal(problems.length, 1, `Problems lists one finding: ${JSON.stringify(problems)}`);
    const [p] = problems;
    assert.equal(p!.source, 'ML Notes');
    assert.equal(p!.code, RULE);
    assert.equal(p!.position, `[Ln ${conv.line}, Col ${conv.column}]`);
    assert.match(p!.message, /^nn\.Conv2d keeps its bias.*BatchNorm2d.*Set bias=False/);
    // The Problems panel shows messages as plain text: no Markdown marks in them.
    assert.doesNotMatch(p!.message, /[`*]/, 'no literal Markdown in the Problems panel');
    await workbench.screenshot('readme-diagnostic');
  });

  scene('the analysis runs in its worker thread, not on the extension host', async ({ workbench }) => {
    await workbench.openFile('backbone.py');
    await workbench.expectSquiggles('warning', 1);
    const log = await showOutput(workbench, /Python analysis runs in a worker thread\./);
    assert.match(log, /Python analysis runs in a worker thread\./);
    assert.doesNotMatch(log, /analysing on the extension host instead/);
    await workbench.runCommand('View: Hide Panel');
  });

  scene('the quick fix makes the line read bias=False, and Ctrl+Z puts it back', async ({ workbench }) => {
    const line = await cursorOnBackboneConv(workbench);
    const titles = await workbench.openCodeActions();
    assert.ok(titles.some((t) => FIX.test(t)), `the menu offers the fix: ${JSON.stringify(titles)}`);
    assert.ok(titles.some((t) => EXPLAIN.test(t)), `the menu offers the note: ${JSON.stringify(titles)}`);
    assert.match(titles[0]!, FIX, 'the fix comes first');
    for (const t of titles) assert.doesNotMatch(t, /`/, `no literal Markdown in the quick fix title "${t}"`);
    await workbench.screenshot('readme-quick-fix');
    await workbench.applyCodeAction(FIX);
    await expectConvLineThenUndo(workbench, line, 'padding=1, bias=False)', '        self.conv1 = nn.Conv2d(64, 64, 3, padding=1, bias=False)');
  });

  scene('Fix All Findings in File fixes every case in one step that one Ctrl+Z undoes', async ({ workbench }) => {
    const file = 'blocks.py';
    const original = workbench.readWorkspaceFile(file);
    const fixedLines: [string, string][] = [
      ['self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)', 'self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False)'],
      ['self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)', 'self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False)'],
      ['nn.Conv2d(ch, ch, 1),', 'nn.Conv2d(ch, ch, 1, bias=False),'],
      ['nn.Linear(ch, hidden),', 'nn.Linear(ch, hidden, bias=False),'],
    ];
    let expected = original;
    for (const [before, after] of fixedLines) {
      assert.ok(expected.includes(before), `the fixture holds ${before}`);
      expected = expected.replace(before, after);
    }

    await workbench.openFile(file);
    await workbench.expectSquiggles('warning', 4);
    const problems = await workbench.problems((rows) => rows.length === 4);
    assert.equal(problems.length, 4, `Problems lists the four cases: ${JSON.stringify(problems)}`);
    assert.ok(problems.every((p) => p.source === 'ML Notes' && p.code === RULE));

    // With several findings, Ctrl+. on one of them offers the fix-all too.
    const conv1 = workbench.positionOf(file, 'nn.Conv2d');
    await workbench.goTo(conv1.line, conv1.column + 4);
    const titles = await workbench.openCodeActions();
    assert.ok(titles.includes('Fix all ML Notes findings (4)'), `the menu offers the fix-all: ${JSON.stringify(titles)}`);
    await workbench.press('Escape');
    await workbench.codeActionMenu().waitFor({ state: 'hidden' });

    await workbench.runCommand('ML Notes: Fix All Findings in File');
    await workbench.waitForEditorText(workbench.activeEditor(), (t) => (t.match(/bias=False/g) ?? []).length === 4, 'four fixed lines');
    await workbench.expectSquiggles('warning', 0);
    await workbench.save();
    assert.equal(workbench.readWorkspaceFile(file), expected, 'exactly the four layers changed');

    await workbench.undo((t) => !t.includes('bias=False'), 'no fixed line after one undo');
    await workbench.save();
    assert.equal(workbench.readWorkspaceFile(file), original, 'one Ctrl+Z restores the whole file');
    await workbench.expectSquiggles('warning', 4);
  });

  scene('"Explain: open the note" opens the panel at the Misc details point about conv bias', async ({ workbench }) => {
    await workbench.openFile('backbone.py');
    await workbench.expectSquiggles('warning', 1);
    const conv = workbench.positionOf('backbone.py', 'nn.Conv2d');
    await workbench.goTo(conv.line, conv.column + 4);
    await workbench.openCodeActions();
    await workbench.applyCodeAction(EXPLAIN);

    await workbench.tab('ML Notes').first().waitFor({ state: 'visible' });
    const panel = await workbench.waitForWebview('Misc details');
    // The rule's note is point 2 of "Misc details": a conv before BN needs no bias.
    const point = panel.locator('[id="misc-details/2"]');
    await workbench.waitInViewport(point);
    assert.match(await point.innerText(), /假如有了BN，那么之前的Conv不再需要Bias了/);
    const section = await point.evaluate((el) => {
      const headings = Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6')).filter((h) => (h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0);
      return headings[headings.length - 1]?.textContent?.trim();
    });
    assert.equal(section, 'Misc details');
  });

  scene('a block imported from another module of the project is followed, and editing that module updates the finding', async ({ workbench }) => {
    const net = 'project/models/net.py';
    const blocks = 'project/models/blocks.py';
    await workbench.openFile(net);
    await workbench.expectSquiggles('warning', 1);
    const call = workbench.positionOf(net, 'ConvBN(3, 32)');
    const rows = await workbench.problems((r) => r.some((x) => /ConvBN\(3, 32\)/.test(x.message)));
    const row = rows.find((x) => /ConvBN\(3, 32\)/.test(x.message));
    assert.ok(row, `Problems lists the call of the imported block: ${JSON.stringify(rows)}`);
    assert.equal(row.code, RULE);
    assert.equal(row.position, `[Ln ${call.line}, Col ${call.column}]`);
    assert.match(row.message, /nn\.Conv2d in “ConvBN” keeps its bias \(“ConvBN\(3, 32\)” leaves bias at its default True\)/);
    await workbench.screenshot();

    // The module (open, not saved) turns the bias off by default: the file importing it is analysed again.
    const convbn = (r: { message: string }[]) => r.some((x) => /ConvBN\(3, 32\)/.test(x.message));
    await workbench.openFile(blocks);
    const def = workbench.positionOf(blocks, 'bias=True');
    await workbench.goTo(def.line, def.column + 'bias='.length);
    await workbench.press('Control+Shift+ArrowRight');
    await workbench.page.keyboard.type('False');
    await workbench.waitForEditorText(workbench.activeEditor(), (t) => t.includes('out_ch, bias=False):'), 'the edited default');
    assert.ok(!convbn(await workbench.problems((r) => !convbn(r))), 'the finding in net.py goes once its module is edited');
    await workbench.openFile(net);
    await workbench.expectSquiggles('warning', 0);

    // Ctrl+Z in the module: the default is True again, and so is the finding.
    await workbench.openFile(blocks);
    await workbench.undo((t) => t.includes('out_ch, bias=True):'), 'the default back');
    assert.ok(convbn(await workbench.problems(convbn)), 'the finding in net.py comes back with the module’s old default');
    await workbench.openFile(net);
    await workbench.expectSquiggles('warning', 1);
  });

  scene('a block of another module whose batch norm a flag turns on: the call that turns it on is flagged, naming where the layers are built', async ({ workbench }) => {
    const unet = 'project/models/unet.py';
    await workbench.openFile(unet);
    // `DoubleConv(3, 64, self.use_bn)` turns batch norm on (UNet's default); `DoubleConv(64, 64, False)` does not.
    await workbench.expectSquiggles('warning', 1);
    const call = workbench.positionOf(unet, 'DoubleConv(3, 64, self.use_bn)');
    const flagged = (r: { message: string }[]) => r.some((x) => /in “DoubleConv”/.test(x.message));
    const row = (await workbench.problems(flagged)).find((x) => /in “DoubleConv”/.test(x.message));
    assert.ok(row, 'Problems lists the call that turns batch norm on');
    assert.equal(row.code, RULE);
    assert.equal(row.position, `[Ln ${call.line}, Col ${call.column}]`);
    assert.match(row.message, /2 layers in “DoubleConv” keep their bias, and as it is called here .*BatchNorm2d.*\(lines 21, 22 of its module\)/);
    await workbench.screenshot();
  });

  // ---- Silencing a finding from the editor, as a linter user expects: "Ignore … on this line" writes an
  // `# ml-notes: ignore[rule]` comment at the end of the line, "Ignore … in this file" an `ignore-file`
  // line at the top; the squiggles go at once, and one Ctrl+Z puts the text and the squiggle back.
  scene('"Ignore on this line" writes the ignore comment on the conv line; the squiggle goes, Ctrl+Z brings it back', async ({ workbench }) => {
    const line = await cursorOnBackboneConv(workbench);
    const titles = await workbench.openCodeActions();
    const onLine = `Ignore ${RULE} on this line`;
    const inFile = `Ignore ${RULE} in this file`;
    assert.ok(titles.includes(onLine) && titles.includes(inFile), `the menu offers both ignores: ${JSON.stringify(titles)}`);
    assert.ok(titles.indexOf(onLine) > 0, 'the fix itself comes before the ignores');
    await workbench.applyCodeAction(onLine);
    await expectConvLineThenUndo(workbench, line, `# ml-notes: ignore[${RULE}]`, `${BACKBONE_CONV}  # ml-notes: ignore[${RULE}]`, 'ignore-on-line');
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
