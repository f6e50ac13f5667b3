// From a note to the code, capturing new terms, and writing notes with help, in a workspace with its own notes
// (`mlNotes.notesPaths`: notes/) and the Python code that uses them.
import assert from 'node:assert/strict';
import { describeVSCode, locate, lookUpRows } from './lib';

describeVSCode('note to code', { workspace: 'note-to-code' }, (scene) => {
  scene('the CodeLens above a note heading counts the places in code, and a click lists them', async ({ workbench, page }) => {
    await workbench.openFile('notes/losses.md');
    const lens = page.locator('.codelens-decoration', { hasText: '5 places in code' });
    // The first count scans the workspace's code (in the background, in slices): on a busy machine it took over 30 s.
    await lens.waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.codelens-decoration', { hasText: '0 places in code' }).first().waitFor({ state: 'visible' });
    const peek = page.locator('.reference-zone-widget').filter({ visible: true });
    await workbench.clickCodeLens('5 places in code', peek);
    const tree = peek.locator('.ref-tree');
    await tree.locator('.monaco-list-row', { hasText: 'train.py' }).first().waitFor({ state: 'visible' });
    const rows = await tree.locator('.monaco-list-row').allInnerTexts();
    assert.ok(rows.some((r) => /head\.py/.test(r)), `the peek lists models/head.py: ${JSON.stringify(rows)}`);
    await workbench.screenshot();
  });

  scene('"Used in code" in the panel lists the places under the heading, and a click opens one', async (vs) => {
    const { workbench, page } = vs;
    await workbench.runCommand('ML Notes: Look Up…');
    // Once the rows are what ml-notes lookup lists for the window's notes (the extension's answer, not VS Code's
    // filtering of the previous rows).
    await lookUpRows(vs, 'focal loss', { notes: ['notes'] });
    await workbench.quickInputSelect(/Focal loss/);
    const panel = await workbench.waitForWebview('Used in code (5)');
    const block = panel.locator('details.used-in-code', { hasText: 'Used in code (5)' });
    await block.locator('summary').click();
    const place = block.locator('button.used-in-code-place', { hasText: /^train\.py:8(?!\d)/ });
    await place.waitFor({ state: 'visible' });
    assert.match(await place.innerText(), /return sigmoid_focal_loss\(logits, targets/);
    await workbench.screenshot('readme-used-in-code');
    await place.click();
    await page.locator('.editor-group-container .monaco-editor[data-uri$="/train.py"]').filter({ visible: true }).first().waitFor({ state: 'visible' });
    // The place's token is selected: the cursor at its end.
    await page.locator('.statusbar-item', { hasText: /Ln 8, Col 30 \(18 selected\)/ }).first().waitFor({ state: 'visible' });
  });

  scene('inside [[ a completion lists the notes by name; choosing one writes the link', async ({ workbench, page }) => {
    await workbench.openFile('notes/losses.md');
    // The extension answers in this window (the CodeLens is drawn) before anything is typed.
    await page.locator('.codelens-decoration', { hasText: '5 places in code' }).waitFor({ state: 'visible', timeout: 30_000 });
    const lines = workbench.readWorkspaceFile('notes/losses.md').split('\n');
    await workbench.typeAt(lines.length, 1, '\nThe schedule: [[War');
    const suggest = page.locator('.suggest-widget').filter({ visible: true });
    // The note itself, not its alias "LR warmup" (whose row also reads "warmup").
    const row = suggest.locator('.monaco-list-row[aria-label^="Warmup"]').first();
    await row.waitFor({ state: 'visible' });
    await workbench.screenshot('readme-link-completion');
    await row.click();
    await suggest.waitFor({ state: 'hidden' });
    // Read as the editor draws it, until it does (a line read at the cursor while the CodeLens above the headings is
    // drawn again can come out empty).
    await workbench.waitForEditorText(workbench.activeEditor(), (t) => t.split('\n').includes('The schedule: [[Warmup]]'), 'the link written');
  });

  scene('a broken link is a warning with a "did you mean" fix', async ({ workbench }) => {
    await workbench.openFile('notes/losses.md');
    await workbench.expectSquiggles('warning', 1);
    const text = workbench.readWorkspaceFile('notes/losses.md');
    const at = locate(text, 'Warmpu');
    await workbench.goTo(at.line, at.column + 1);
    const actions = await workbench.openCodeActions({ lightBulb: false }); // Markdown editors show no light bulb
    assert.ok(actions.includes('Did you mean “Warmup”?'), JSON.stringify(actions));
    await workbench.applyCodeAction('Did you mean “Warmup”?');
    assert.match(await workbench.lineText(at.line), /See \[\[Warmup\]\] for the schedule\./);
    await workbench.expectSquiggles('warning', 0);
  });

  scene('New Note from Selection makes a note about the selected function, and its hover shows it', async ({ workbench, page }) => {
    await workbench.openFile('train.py');
    const text = workbench.readWorkspaceFile('train.py');
    const from = locate(text, 'def classification_loss');
    await workbench.goTo(from.line, 1);
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+End');
    await workbench.runCommand('ML Notes: New Note from Selection…');
    const input = workbench.quickInput().locator('input').first();
    await input.waitFor({ state: 'visible' });
    assert.equal(await input.inputValue(), 'Classification loss');
    await page.keyboard.press('Enter');
    await page.locator('.editor-group-container .monaco-editor[data-uri$="/notes/classification-loss.md"]').filter({ visible: true }).first().waitFor({ state: 'visible' });
    const note = workbench.readWorkspaceFile('notes/classification-loss.md');
    assert.equal(
      note,
      '---\nterms:\n  classification-loss: [classification_loss]\n---\n# Classification loss\n\n```python\ndef classification_loss(logits, targets):\n    return sigmoid_focal_loss(logits, targets, alpha=0.25, gamma=2.0, reduction="sum")\n```\n',
    );
    await workbench.openFile('train.py');
    const hover = await workbench.hover('classification_loss');
    assert.match(hover.text, /Classification loss/);
  });

  scene('in the front matter a terms key shows its section on hover, and a point key completes after /', async ({ workbench, page }) => {
    await workbench.openFile('notes/losses.md');
    const hover = await workbench.hover('focal-loss');
    assert.match(hover.text, /Focal loss/);
    assert.match(hover.text, /Easy negatives dominate plain cross-entropy/);
    await workbench.screenshot();
    await workbench.clearHover();
    const line = locate(workbench.readWorkspaceFile('notes/losses.md'), 'focal-loss').line;
    await workbench.typeAt(line, 'end', '\n');
    // Whatever indentation the editor carried over, the new key starts at the line's start.
    await page.keyboard.press('Shift+Home');
    await page.keyboard.type('  focal-loss/');
    const suggest = page.locator('.suggest-widget').filter({ visible: true });
    const row = suggest.locator('.monaco-list-row[aria-label^="focal-loss/1"]').first();
    await row.waitFor({ state: 'visible' });
    await row.click();
    await suggest.waitFor({ state: 'hidden' });
    assert.equal(await workbench.lineText(line + 1), '  focal-loss/1: []');
  });

  // Last: it saves notes/losses.md, and a scene after it would start on a reloaded window (the file put back).
  scene('Link Symbol to Note adds the symbol to the note, and the next hover shows the section', async (vs) => {
    const { workbench, page } = vs;
    await workbench.openFile('train.py');
    // A positive hover first: the extension answers hovers in this window.
    assert.match((await workbench.hover('sigmoid_focal_loss', { occurrence: 2 })).text, /Focal loss/);
    assert.equal(await workbench.expectNoHoverContaining('smooth_l1_loss', 'Box regression'), undefined);
    const at = locate(workbench.readWorkspaceFile('train.py'), 'smooth_l1_loss');
    await workbench.goTo(at.line, at.column + 3);
    await workbench.runCommand('ML Notes: Link Symbol to Note…');
    // The picker lists the sections of the user's own notes, in the lookup's order: ml-notes lookup without the
    // bundled notes.
    await lookUpRows(vs, 'box', { notes: ['notes'], bundled: false });
    await workbench.quickInputSelect(/Box regression/);
    await page.locator('.notifications-toasts .notification-toast', { hasText: 'Linked “F.smooth_l1_loss” to “Box regression”' }).waitFor({ state: 'visible' });
    const note = workbench.readWorkspaceFile('notes/losses.md');
    assert.match(note, /\n {2}focal-loss: \[FocalLoss, sigmoid_focal_loss\] {3}# the module and the function\n {2}box-regression: \[F\.smooth_l1_loss\]\n---\n/, 'one key added; the comments and the other key as written; saved');
    const hover = await workbench.hover('smooth_l1_loss');
    assert.match(hover.text, /Box regression/);
    assert.match(hover.text, /less sensitive to outliers/);
    await workbench.screenshot();
  });
});
