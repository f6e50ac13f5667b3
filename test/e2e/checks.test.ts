// Checks written in a note, in the demo workspace: demo/my-notes/training-practices.md holds three ml-notes-check
// blocks and demo/pytorch/finetune.py trips each. A squiggle from a note's check, its quick fix, "Explain" opening
// the check's section, the hover naming the note, a severity set with mlNotes.rules.<check id>, "Try this check"
// listing the matches, a broken check shown in the note as you type, and an edited check applied on save.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describeVSCode, paths, type Workbench } from './lib';

const PY = 'pytorch/finetune.py';
const NOTE = 'my-notes/training-practices.md';
const FIX = /^Apply the note’s fix: optim\.AdamW\(model\.parameters\(\), lr=3e-4, weight_decay=0\.05\)/;
const EXPLAIN = /^Explain: open the note “AdamW, not Adam with weight decay”/;

/** Waits for the three findings of the note's checks in finetune.py (two warnings, one information). */
async function threeFindings(workbench: Workbench): Promise<void> {
  await workbench.openFile(PY);
  await workbench.expectSquiggles('warning', 2);
  await workbench.expectSquiggles('info', 1);
}

describeVSCode('checks', { workspace: join(paths.repoRoot, 'demo') }, (scene) => {
  scene('a check written in a note squiggles the code it finds, listed in Problems under the check’s id', async ({ workbench }) => {
    await threeFindings(workbench);
    const rows = await workbench.problems((r) => r.filter((x) => x.source === 'ML Notes').length === 3);
    const mine = rows.filter((r) => r.source === 'ML Notes').map((r) => `${r.code} ${r.position}`);
    const load = workbench.positionOf(PY, 'torch.load');
    const adam = workbench.positionOf(PY, 'optim.Adam');
    const loop = workbench.positionOf(PY, 'with torch.no_grad');
    assert.deepEqual(mine.sort(), [
      `adamw-for-weight-decay [Ln ${adam.line}, Col ${adam.column}]`,
      `eval-mode-for-validation [Ln ${loop.line}, Col ${loop.column}]`,
      `torch-load-weights-only [Ln ${load.line}, Col ${load.column}]`,
    ]);
    const adamRow = rows.find((r) => r.code === 'adamw-for-weight-decay');
    assert.match(adamRow!.message, /^Adam with weight_decay=0\.05 adds the decay to the gradient/, 'the message names what $WD captured');
    await workbench.screenshot('readme-note-check');
  });

  scene('its quick fix rewrites the call the way the file names it, and Ctrl+Z puts it back', async ({ workbench }) => {
    await threeFindings(workbench);
    const adam = workbench.positionOf(PY, 'optim.Adam');
    const original = '    return optim.Adam(model.parameters(), lr=3e-4, weight_decay=0.05)';
    assert.equal(await workbench.lineText(adam.line), original);
    await workbench.goTo(adam.line, adam.column + 7);
    const titles = await workbench.openCodeActions();
    assert.match(titles[0]!, FIX, `the note's fix comes first: ${JSON.stringify(titles)}`);
    assert.ok(titles.some((t) => EXPLAIN.test(t)), `the menu offers the note: ${JSON.stringify(titles)}`);
    await workbench.applyCodeAction(FIX);
    await workbench.waitForEditorText(workbench.activeEditor(), (t) => t.includes('optim.AdamW('), 'the fixed line');
    assert.equal(await workbench.lineText(adam.line), '    return optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.05)');
    await workbench.expectSquiggles('warning', 1);
    await workbench.undo((t) => !t.includes('AdamW('), 'the original line after undo');
    assert.equal(await workbench.lineText(adam.line), original);
    await workbench.expectSquiggles('warning', 2);
  });

  scene('"Explain: open the note" opens the panel at the check’s section; the hover on the finding shows it too', async ({ workbench }) => {
    await threeFindings(workbench);
    const hover = await workbench.hover('optim.Adam');
    assert.match(hover.text, /adamw-for-weight-decay: the note it comes from/);
    assert.match(hover.text, /Training practices › AdamW, not Adam with weight decay/);
    assert.match(hover.text, /Adam adds the L2 term to the gradient/);
    await workbench.clearHover();

    const adam = workbench.positionOf(PY, 'optim.Adam');
    await workbench.goTo(adam.line, adam.column + 7);
    await workbench.openCodeActions();
    await workbench.applyCodeAction(EXPLAIN);
    await workbench.tab('ML Notes').first().waitFor({ state: 'visible' });
    const panel = await workbench.waitForWebview('AdamW, not Adam with weight decay');
    const heading = panel.locator('h2', { hasText: 'AdamW, not Adam with weight decay' });
    await workbench.waitInViewport(heading);
    // The check's block shows as code in the panel, under its section.
    assert.match(await panel.locator('pre').first().innerText(), /id: adamw-for-weight-decay/);
  });

  scene('"Try this check" above a block lists what it finds in the workspace; a click opens it', async ({ workbench }) => {
    await workbench.openFile(NOTE);
    // The first block (the AdamW check), brought into view: the editor draws the lenses of the lines it shows.
    const block = workbench.positionOf(NOTE, 'id: adamw-for-weight-decay');
    await workbench.goTo(block.line, 1);
    // The click shows the search's progress, then the list of matches.
    const trying = workbench.page.locator('.notification-toast', { hasText: 'Trying check' }).filter({ visible: true });
    await workbench.clickCodeLens('Try this check', workbench.quickInput().or(trying));
    const rows = await matchRows(workbench, 'pytorch/finetune.py:');
    const adam = workbench.positionOf(PY, 'optim.Adam');
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.match(rows[0]!, new RegExp(`pytorch/finetune\\.py:${adam.line}.*return optim\\.Adam\\(model\\.parameters\\(\\), lr=3e-4, weight_decay=0\\.05\\)`));
    await workbench.press('Enter');
    await workbench.page.locator('.editor-group-container.active .monaco-editor[data-uri$="/pytorch/finetune.py"]').filter({ visible: true }).waitFor();
    // The match is selected.
    await workbench.page.locator('.statusbar-item', { hasText: new RegExp(`Ln ${adam.line}, Col \\d+ \\(\\d+ selected\\)`) }).first().waitFor();
  });

  scene('from the palette, "Try This Check" runs the block at the cursor', async ({ workbench }) => {
    await workbench.openFile(NOTE);
    const block = workbench.positionOf(NOTE, 'id: torch-load-weights-only');
    await workbench.goTo(block.line, 1);
    await workbench.runCommand('ML Notes: Try This Check (ml-notes-check block at the cursor)');
    const rows = await matchRows(workbench, 'pytorch/finetune.py:');
    const load = workbench.positionOf(PY, 'torch.load');
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.match(rows[0]!, new RegExp(`pytorch/finetune\\.py:${load.line}.*state = torch\\.load\\(path, map_location="cpu"\\)`));
    await workbench.press('Escape');
  });

  scene('a broken check shows its error in the note as you type, and the other checks keep working', async ({ workbench }) => {
    await workbench.openFile(NOTE);
    const pattern = workbench.positionOf(NOTE, 'pattern: torch.load($$$ARGS)');
    await workbench.typeAt(pattern.line, 'end', ')');
    await workbench.expectSquiggles('error', 1);
    const rows = await workbench.problems((r) => r.some((x) => x.message.startsWith('This is not Python: ')));
    const row = rows.find((x) => x.message.startsWith('This is not Python: '));
    assert.ok(row, JSON.stringify(rows));
    assert.equal(row.source, 'ML Notes');
    assert.equal(row.code, 'torch-load-weights-only');
    assert.equal(row.position, `[Ln ${pattern.line}, Col ${pattern.column + 'pattern: torch.load($$$ARGS)'.length}]`);
    await workbench.screenshot('readme-broken-check');
    await workbench.focusEditor();
    await workbench.press('Control+Z');
    await workbench.expectSquiggles('error', 0);
  });

  scene('mlNotes.rules.<check id> sets a check’s severity like a built-in rule’s', async (vs) => {
    await vs.updateSettings({ 'mlNotes.rules.eval-mode-for-validation': 'error', 'mlNotes.rules.torch-load-weights-only': 'off' });
    await vs.workbench.openFile(PY);
    await vs.workbench.expectSquiggles('error', 1);
    await vs.workbench.expectSquiggles('warning', 1);
    await vs.workbench.expectSquiggles('info', 0);
    await vs.updateSettings({ 'mlNotes.rules.eval-mode-for-validation': undefined, 'mlNotes.rules.torch-load-weights-only': undefined });
  });

  // Last: it saves the note, and a scene after it would start on a reloaded window (the note put back).
  scene('editing a check in the note and saving changes the squiggles, with no reload', async ({ workbench }) => {
    await threeFindings(workbench);
    await workbench.openFile(NOTE);
    const severity = workbench.positionOf(NOTE, 'severity: warning');
    await workbench.goTo(severity.line, severity.column + 'severity: '.length);
    await workbench.press('Shift+End');
    await workbench.page.keyboard.type('error');
    await workbench.save();
    await workbench.openFile(PY);
    // adamw-for-weight-decay is an error now; torch.load stays a warning.
    await workbench.expectSquiggles('error', 1);
    await workbench.expectSquiggles('warning', 1);
    const rows = await workbench.problems((r) => r.some((x) => x.code === 'adamw-for-weight-decay' && x.message.length > 0));
    assert.ok(rows.some((x) => x.code === 'adamw-for-weight-decay'));
  });
});

/** The rows of the check's results once the list shows its matches (rows naming `file`), whitespace collapsed. */
async function matchRows(workbench: Workbench, file: string): Promise<string[]> {
  await workbench.quickInputRows().filter({ hasText: file }).first().waitFor({ state: 'visible', timeout: 60_000 });
  return (await workbench.quickInputRows().allInnerTexts()).map((r) => r.replace(/\s+/g, ' '));
}
