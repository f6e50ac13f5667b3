import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { generateLibrary } from '../../bench/generate';
import { parseNote } from '../../src/core/notes/parse';
import { restoreNote, snapshotOf } from '../../src/core/notes/snapshot';
import type { NoteDocument } from '../../src/core/notes/types';
import { bundledNotesDir, fixturesDir } from './helpers';

/** Everything a reader of a note sees of it. */
function view(doc: NoteDocument): unknown {
  return {
    id: doc.id,
    title: doc.title,
    // Whether the title is the file name: such a title gives hovers no words, rebuilt or parsed.
    titleFromFile: doc.titleFromFile,
    terms: [...doc.terms],
    lineCount: doc.lineCount,
    text: doc.text,
    contentStartLine: doc.contentStartLine,
    warnings: doc.warnings,
    aliases: doc.aliases,
    tags: doc.tags,
    links: doc.links,
    blocks: doc.blocks,
    sections: doc.sections.map((s) => ({
      title: s.title,
      slug: s.slug,
      level: s.level,
      startLine: s.startLine,
      bodyEndLine: s.bodyEndLine,
      endLine: s.endLine,
      body: s.body,
      breadcrumb: s.breadcrumb,
      parent: s.parent?.slug,
      children: s.children.map((c) => c.slug),
      points: s.points.map((p) => ({ index: p.index, id: p.id, startLine: p.startLine, endLine: p.endLine, markdown: p.markdown, summary: p.summary })),
    })),
  };
}

function noteFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) noteFiles(p, out);
    else if (/\.(md|markdown)$/i.test(name)) out.push(p);
  }
  return out;
}

test('a note rebuilt from its snapshot (through JSON) and its text is the note the parser makes', () => {
  const inputs: { id: string; text: string }[] = [
    ...noteFiles(bundledNotesDir),
    ...noteFiles(path.join(fixturesDir, 'notes')),
    ...noteFiles(path.join(fixturesDir, 'vault')),
    ...noteFiles(path.join(fixturesDir, 'user-notes')),
    ...noteFiles(path.join(fixturesDir, 'hostile')),
  ].map((f) => ({ id: f, text: readFileSync(f, 'utf8') }));
  inputs.push(...generateLibrary({ files: 30, sectionsPerFile: 50, seed: 3 }));
  assert.ok(inputs.length > 200);
  assert.ok(inputs.some(({ id, text }) => parseNote(text, id).titleFromFile), 'some notes are titled by their file name');
  for (const { id, text } of inputs) {
    const parsed = parseNote(text, id);
    const snapshot = JSON.parse(JSON.stringify(snapshotOf(parsed)));
    const restored = restoreNote(snapshot, id, text);
    assert.ok(restored, id);
    assert.deepEqual(view(restored), view(parsed), id);
  }
});

test('a snapshot that does not fit the text (lines added) or of another version is refused', () => {
  const text = '# A\n\n- one\n- two\n';
  const snapshot = snapshotOf(parseNote(text, 'a.md'));
  assert.equal(restoreNote(snapshot, 'a.md', text + 'more\n'), undefined);
  assert.equal(restoreNote({ ...snapshot, v: 999 as never }, 'a.md', text), undefined);
  assert.ok(restoreNote(snapshot, 'a.md', text.replace('\n', '\r\n')), 'line endings do not matter');
});

test('the ml-notes-check blocks of a note come back from its snapshot', () => {
  const text = '# A\n\n## B\n\n```ml-notes-check\nid: no-print\nmessage: m\npattern: print($$$_)\n```\n';
  const doc = parseNote(text, 'a.md');
  const restored = restoreNote(snapshotOf(doc), 'a.md', text);
  assert.equal(doc.checkBlocks.length, 1);
  assert.deepEqual(restored?.checkBlocks, doc.checkBlocks);
});
