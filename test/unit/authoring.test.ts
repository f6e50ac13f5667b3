import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NoteLibrary } from '../../src/core/notes/library';
import { collectNoteFiles, readNoteFile } from '../../src/core/notes/loader';
import { nodeNoteFs } from '../../src/cli/nodeFs';
import { noteCompletions } from '../../src/core/authoring/completion';
import { checkNote } from '../../src/core/authoring/diagnostics';
import { frontMatterSpans, termKeyAt } from '../../src/core/authoring/frontMatterNodes';
import { closest, editDistance } from '../../src/core/authoring/suggest';
import { linkNameOf } from '../../src/core/authoring/linkNames';
import { applyEdits } from '../../src/core/text';
import { bundledNotesDir, fixturesDir } from './helpers';

const VAULT = path.join(fixturesDir, 'vault');

async function vaultLibrary(): Promise<NoteLibrary> {
  const lib = new NoteLibrary();
  for (const [root, bundled] of [[bundledNotesDir, true], [VAULT, false]] as const) {
    const { files, attachments } = await collectNoteFiles(nodeNoteFs, [root]);
    lib.setAttachments(root, attachments);
    for (const f of files) {
      const r = await readNoteFile(nodeNoteFs, f, 1 << 21);
      if (r.ok) lib.setFile(f, r.text, { bundled, root });
    }
  }
  return lib;
}

const HOME = path.join(VAULT, 'Home.md');
const WARMUP = path.join(VAULT, 'Warmup.md');

/** Completions at the "‸" of a text written as note `id`. */
function complete(lib: NoteLibrary, id: string, withCursor: string) {
  const offset = withCursor.indexOf('‸');
  const text = withCursor.replace('‸', '');
  return { text, items: noteCompletions(lib, id, text, offset) };
}

describe('completion while writing a note', () => {
  test('inside [[: every note by the name its links resolve with (folder path where names repeat), and aliases', async () => {
    const lib = await vaultLibrary();
    const { text, items } = complete(lib, HOME, 'See [[Ada‸]] for more.');
    const labels = items.map((i) => i.label);
    assert.ok(labels.includes('Warmup'));
    assert.ok(labels.includes('Optim/AdamW') && labels.includes('Archive/AdamW'), `AdamW is in two folders: ${labels.join(', ')}`);
    assert.ok(labels.includes('ml.optim.lamb'), 'Dendron-style names');
    assert.ok(labels.includes('ml-basis-notes'), 'bundled notes too');
    const adamw = items.find((i) => i.label === 'Optim/AdamW')!;
    // The link is already closed (VS Code types `]]` with `[[`): only the name is inserted, over what was typed.
    assert.equal(applyEdits(text, [{ range: rangeOf(text, adamw.replace), newText: adamw.insertText }]), 'See [[Optim/AdamW]] for more.');
    const alias = items.find((i) => i.label === 'LR warmup')!;
    assert.equal(alias.insertText, 'Warmup|LR warmup');
    // Every name offered resolves to its note.
    for (const i of items.filter((x) => x.kind === 'note')) {
      const r = lib.resolveLink(HOME, { path: i.insertText });
      assert.equal(r.kind, 'note', i.insertText);
    }
  });

  test('an unclosed [[ gets its ]]; an embed ![[ completes the same names', async () => {
    const lib = await vaultLibrary();
    const open = complete(lib, HOME, 'See [[Warm‸');
    assert.equal(open.items.find((i) => i.label === 'Warmup')!.insertText, 'Warmup]]');
    const embed = complete(lib, HOME, '![[Warm‸]]');
    assert.ok(embed.items.some((i) => i.label === 'Warmup'));
  });

  test('after # the headings of that note; after #^ its block ids; [[# the headings of the note being written', async () => {
    const lib = await vaultLibrary();
    const headings = complete(lib, HOME, 'See [[Warmup#gra‸]].').items;
    assert.deepEqual(headings.map((i) => i.label), ['Warmup', 'Linear scaling rule', 'Gradual warmup']);
    assert.equal(headings[2].insertText, 'Gradual warmup');
    const blocks = complete(lib, HOME, 'See [[Warmup#^‸]].').items;
    assert.deepEqual(blocks.map((i) => [i.label, i.insertText]), [['^linear-ramp', 'linear-ramp']]);
    const own = complete(lib, HOME, '# Mine\n\n## Draft heading\n\nSee [[#‸]].').items;
    assert.deepEqual(own.map((i) => i.label), ['Mine', 'Draft heading'], 'unsaved headings of the note itself');
  });

  test('no completion in code, after a label, or outside [[', async () => {
    const lib = await vaultLibrary();
    assert.deepEqual(complete(lib, HOME, '```\n[[Warm‸\n```').items, []);
    assert.deepEqual(complete(lib, HOME, 'Use `[[Warm‸` here').items, []);
    assert.deepEqual(complete(lib, HOME, 'See [[Warmup|the war‸]]').items, []);
    assert.deepEqual(complete(lib, HOME, 'See [Warm‸').items, []);
  });

  test('front-matter terms: section slugs and slug/N, the keys already there last; snippet adds ": [ ]"', async () => {
    const lib = await vaultLibrary();
    const text = '---\nterms:\n  gradual-warmup: [LinearLR]\n  gr‸\n---\n\n# Warmup\n\n## Gradual warmup\n\n- ramp\n- constant\n';
    const { items } = complete(lib, WARMUP, text);
    const labels = items.map((i) => i.label);
    assert.deepEqual(labels.slice().sort(), ['gradual-warmup', 'gradual-warmup/1', 'gradual-warmup/2', 'warmup'].sort());
    const sorted = [...items].sort((a, b) => (a.sortText! < b.sortText! ? -1 : 1)).map((i) => i.label);
    assert.equal(sorted[sorted.length - 1], 'gradual-warmup', 'a key already used sorts last');
    assert.equal(items.find((i) => i.label === 'gradual-warmup/2')!.insertText, 'gradual-warmup/2: [$0]');
    assert.deepEqual(complete(lib, WARMUP, '---\ntitle: x‸\n---\n# A\n').items, [], 'not outside terms');
    assert.deepEqual(complete(lib, WARMUP, '---\nterms:\n  a: [x‸]\n---\n# A\n').items, [], 'not in the value');
  });
});

describe('checks while writing a note', () => {
  test('a terms key naming no section, with a did-you-mean fix; a point the section does not have', async () => {
    const lib = await vaultLibrary();
    const text = '---\nterms:\n  gradual-warmpu: [LinearLR]\n  gradual-warmup/5: [x]\n  nothing-like-it: [y]\n---\n\n# Warmup\n\n## Gradual warmup\n\n- one\n';
    const problems = checkNote(lib, WARMUP, text);
    assert.deepEqual(problems.map((p) => [p.code, p.range.start.line, p.message.text]), [
      ['unknown-section', 2, '“gradual-warmpu” names no section of this note: a terms key is a section’s slug or heading, with /N for its N-th point.'],
      ['unknown-point', 3, '“Gradual warmup” has 1 point(s): “gradual-warmup/5” names none of them.'],
      ['unknown-section', 4, '“nothing-like-it” names no section of this note: a terms key is a section’s slug or heading, with /N for its N-th point.'],
    ]);
    const fix = problems[0].fixes[0];
    assert.equal(fix.title.text, 'Did you mean “gradual-warmup”?');
    assert.ok(applyEdits(text, [fix.edit]).includes('  gradual-warmup: [LinearLR]'));
    assert.deepEqual(problems[2].fixes, [], 'nothing close: no fix');
  });

  test('broken links and embeds, with the resolver’s reason and a did-you-mean fix for the note, heading or block', async () => {
    const lib = await vaultLibrary();
    const text = '# Notes\n\nSee [[Wramup]], [[Warmup#Gradual wramup]], [[Warmup#^linear-rmap]], ![[Nowhere]] and [[AdamW]].\n\n## Own\n\n[[#Onw]] [[#Own]]\n';
    const problems = checkNote(lib, HOME, text);
    assert.deepEqual(problems.map((p) => [p.code, p.message.text]), [
      ['broken-link', 'No note is named “Wramup”.'],
      ['broken-link', '“Warmup” has no heading “Gradual wramup”.'],
      ['broken-link', '“Warmup” has no block “^linear-rmap”.'],
      ['broken-link', 'No note is named “Nowhere”.'],
      ['ambiguous-link', '“AdamW” names 2 notes (Archive/AdamW, Optim/AdamW); write a folder path to choose one, such as “Archive/AdamW”.'],
      ['broken-link', '“Notes” has no heading “Onw”.'],
    ]);
    const fixed = (i: number, k = 0) => applyEdits(text, [problems[i].fixes[k].edit]);
    assert.match(fixed(0), /See \[\[Warmup\]\],/);
    assert.match(fixed(1), /\[\[Warmup#Gradual warmup\]\]/);
    assert.match(fixed(2), /\[\[Warmup#\^linear-ramp\]\]/);
    assert.deepEqual(problems[3].fixes, []);
    assert.deepEqual(problems[4].fixes.map((f) => f.title.text), ['Link to “Archive/AdamW”', 'Link to “Optim/AdamW”']);
    assert.match(fixed(4, 1), /\[\[Optim\/AdamW\]\]/);
    assert.match(fixed(5), /\[\[#Own\]\] \[\[#Own\]\]/);
  });

  test('an alias another note goes by, and one listed twice', async () => {
    const lib = await vaultLibrary();
    const text = '---\naliases: [Recipes, LR warmup, lr warmup, Fresh name]\n---\n# Mine\n';
    const problems = checkNote(lib, path.join(VAULT, 'New.md'), text);
    assert.deepEqual(problems.map((p) => [p.code, p.message.text, p.range.start.character]), [
      ['duplicate-alias', 'The alias “Recipes” is also a name of “Training recipes”: Look Up and hovers cannot tell the two apart by it.', 10],
      ['duplicate-alias', 'The alias “LR warmup” is also a name of “Warmup”: Look Up and hovers cannot tell the two apart by it.', 19],
      ['duplicate-alias', 'The alias “lr warmup” is listed twice.', 30],
    ]);
    const asString = checkNote(lib, path.join(VAULT, 'New.md'), '---\naliases: Fresh, Warmup\n---\n# Mine\n');
    assert.deepEqual(asString.map((p) => [p.range.start.character, p.range.end.character]), [[16, 22]]);
  });

  test('a clean note has no problems (the vault’s own notes, apart from the links they keep broken on purpose)', async () => {
    const lib = await vaultLibrary();
    const warmup = fs.readFileSync(WARMUP, 'utf8');
    assert.deepEqual(checkNote(lib, WARMUP, warmup), []);
    const home = checkNote(lib, HOME, fs.readFileSync(HOME, 'utf8'));
    assert.deepEqual(home.map((p) => p.message.text), [
      '“AdamW” names 2 notes (Archive/AdamW, Optim/AdamW); write a folder path to choose one, such as “Archive/AdamW”.',
      'No note is named “Missing note”.', '“Warmup” has no heading “No such heading”.', 'No file is named “lr-schedule.svg”.']);
  });
});

describe('front matter spans, names and suggestions', () => {
  test('term keys and their ranges; the key under the cursor', () => {
    const text = '---\r\ntitle: x\r\nterms:\r\n  "focal-loss": [a]\r\n  b/2: [c]\r\n---\r\n';
    const span = frontMatterSpans(text)!;
    assert.deepEqual(span.termKeys.map((k) => [k.key, k.range.start.line, k.range.start.character, k.range.end.character]), [['focal-loss', 3, 2, 14], ['b/2', 4, 2, 5]]);
    assert.equal(termKeyAt(text, text.indexOf('b/2') + 1)?.key, 'b/2');
    assert.equal(termKeyAt(text, text.indexOf('[c]')), undefined);
  });
  test('did you mean: close slips only', () => {
    assert.equal(editDistance('warmpu', 'warmup'), 1);
    assert.equal(closest('gradual-warmpu', ['gradual-warmup', 'warmup']), 'gradual-warmup');
    assert.equal(closest('Gradual Warmup', ['gradual-warmup']), 'gradual-warmup');
    assert.equal(closest('xyz', ['gradual-warmup']), undefined);
  });
  test('link names: the shortest that resolves', async () => {
    const lib = await vaultLibrary();
    assert.equal(linkNameOf(lib, HOME, WARMUP), 'Warmup');
    assert.equal(linkNameOf(lib, HOME, path.join(VAULT, 'Optim', 'AdamW.md')), 'Optim/AdamW');
  });
});

function rangeOf(text: string, span: { start: number; end: number }) {
  const pos = (o: number) => {
    const before = text.slice(0, o).split('\n');
    return { line: before.length - 1, character: before[before.length - 1].length };
  };
  return { start: pos(span.start), end: pos(span.end) };
}
