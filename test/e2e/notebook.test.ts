// ML Notes in a Jupyter notebook, opened by VS Code's built-in ipynb support (no Jupyter extension, no
// kernel): the hover on FPN in a cell, the conv-bias finding of a conv built in one cell and fed to batch
// norm in the next (drawn in the conv's cell, not elsewhere), and its quick fix editing that cell; a cell pasted with
// its indentation, read as IPython runs it.
import assert from 'node:assert/strict';
import { describeVSCode, type Workbench } from './lib';

const NOTEBOOK = 'detector.ipynb';
// Cells of the fixture, 0-based over all cells: 0 Markdown, 1 imports, 2 the conv, 3 batch norm on it, 4 FPN, 5 IPython
// magics inside an `if` and `files = !ls` (read as IPython runs them: no problem of their own).
const CONV_CELL = 2;
const BN_CELL = 3;
const FPN_CELL = 4;
const CODE_CELLS = [1, 2, 3, 4];

async function squiggleCounts(workbench: Workbench): Promise<number[]> {
  return Promise.all(CODE_CELLS.map((i) => workbench.squiggles('warning', workbench.cellEditor(i)).count()));
}

/** Waits until the cells draw these squiggle counts (one per code cell). */
async function expectSquiggles(workbench: Workbench, expected: number[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const counts = await squiggleCounts(workbench);
    if (counts.join() === expected.join()) return;
    if (Date.now() > deadline) assert.fail(`warning squiggles per code cell ${JSON.stringify(counts)}, expected ${JSON.stringify(expected)}`);
    await workbench.page.waitForTimeout(100);
  }
}

describeVSCode('notebook', { workspace: 'notebook' }, (scene) => {
  scene('hovering FPN in a notebook cell shows the FPN architecture note', async ({ workbench }) => {
    await workbench.openNotebook(NOTEBOOK);
    const hover = await workbench.hoverInCell(FPN_CELL, 'FPN');
    assert.match(hover.text, /FPN architecture/);
    assert.ok(hover.links.includes('Open in ML Notes'), `links in the hover: ${JSON.stringify(hover.links)}`);
    await workbench.screenshot('notebook-hover');
  });

  scene('a conv built in one cell and batch-normed in the next is flagged in the conv\'s cell', async ({ workbench }) => {
    await workbench.openNotebook(NOTEBOOK);
    await expectSquiggles(workbench, [0, 1, 0, 0]);
    const squiggle = await workbench.squiggles('warning', workbench.cellEditor(CONV_CELL)).first().boundingBox();
    const line = await workbench.cellEditor(CONV_CELL).locator('.view-line', { hasText: 'stem_conv = nn.Conv2d' }).boundingBox();
    assert.ok(squiggle && line && squiggle.y >= line.y - 2 && squiggle.y + squiggle.height <= line.y + line.height + 2, 'the squiggle is under the conv line');

    const problems = await workbench.problems((rows) => rows.length === 1);
    assert.equal(problems.length, 1, `Problems: ${JSON.stringify(problems)}`);
    assert.equal(problems[0]!.source, 'ML Notes');
    assert.equal(problems[0]!.code, 'conv-bias-before-batchnorm');
    // The position is in the cell: line 1, where `nn.Conv2d` starts.
    assert.equal(problems[0]!.position, '[Ln 1, Col 13]');
    assert.match(problems[0]!.message, /BatchNorm2d/);
    await workbench.screenshot('notebook-diagnostic');
  });

  scene('a cell whose first line is indented is read as IPython runs it: no syntax error, the finding at the cell\'s column, its fix', async ({ workbench }) => {
    await workbench.openNotebook('pasted.ipynb');
    const PASTED = 2;
    const problems = await workbench.problems((rows) => rows.length === 1);
    assert.equal(problems[0]!.code, 'conv-bias-before-batchnorm', `Problems: ${JSON.stringify(problems)}`);
    // Line 2 of the cell, where `nn.Conv2d` starts after its 8 spaces.
    assert.equal(problems[0]!.position, '[Ln 2, Col 9]');
    assert.equal(await workbench.squiggles('error', workbench.cellEditor(PASTED)).count(), 0, 'no syntax error');
    await workbench.clickInCell(PASTED, 'Conv2d');
    await workbench.openCodeActions();
    await workbench.applyCodeAction(/^Set bias=False/);
    const text = await workbench.waitForEditorText(workbench.cellEditor(PASTED), (t) => t.includes('bias=False'), 'the fixed conv');
    assert.equal(text, '    head = nn.Sequential(\n        nn.Conv2d(64, 64, 3, padding=1, bias=False),\n        nn.BatchNorm2d(64),\n    )');
    await workbench.problems((rows) => rows.length === 0);
  });

  scene('the quick fix edits the conv\'s cell to bias=False, and undo restores it', async ({ workbench }) => {
    await workbench.openNotebook(NOTEBOOK);
    await expectSquiggles(workbench, [0, 1, 0, 0]);
    const bnCellBefore = await workbench.cellText(BN_CELL);
    await workbench.clickInCell(CONV_CELL, 'Conv2d');
    const titles = await workbench.openCodeActions();
    assert.ok(titles.some((t) => /^Set bias=False/.test(t)), `the menu offers the fix: ${JSON.stringify(titles)}`);
    await workbench.applyCodeAction(/^Set bias=False/);

    const text = await workbench.waitForEditorText(workbench.cellEditor(CONV_CELL), (t) => t.includes('bias=False'), 'the fixed conv');
    assert.equal(text, 'stem_conv = nn.Conv2d(3, 64, 3, padding=1, bias=False)\nprint(stem_conv)');
    assert.equal(await workbench.cellText(BN_CELL), bnCellBefore, 'the batch norm cell is unchanged');
    await expectSquiggles(workbench, [0, 0, 0, 0]);

    await workbench.press('Control+Z');
    const undone = await workbench.waitForEditorText(workbench.cellEditor(CONV_CELL), (t) => !t.includes('bias=False'), 'the conv after undo');
    assert.equal(undone, 'stem_conv = nn.Conv2d(3, 64, 3, padding=1)\nprint(stem_conv)');
    await expectSquiggles(workbench, [0, 1, 0, 0]);
  });
});
