/**
 * Bad note files and folders: each is read through the core loader (the editor reads through vscode.workspace.fs,
 * the CLI through node:fs; both go through these functions) and, when it is text, parsed, indexed and rendered.
 * Every case ends with a note or a clear message, never an exception or an unhandled rejection; the big ones are
 * timed for the published figures.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectNoteFiles, decodeNote, readNoteFile, type LoadProblem, type NoteFileSystem, type ReadResult } from '../../src/core/notes/loader';
import { parseNote } from '../../src/core/notes/parse';
import { NoteLibrary } from '../../src/core/notes/library';
import { Renderer } from '../../src/core/render/renderer';
import { nodeNoteFs } from '../../src/cli/nodeFs';
import { bundledNotesDir, tempDir } from './helpers';
import { recordFigures, watchUnhandled } from './securityFigures';

const unhandled = watchUnhandled();
const figures: Record<string, unknown> = {};
const badFiles: { name: string; outcome: string }[] = [];
const MAX_BYTES = 2048 * 1024; // mlNotes.maxNoteFileSizeKB default
const renderer = new Renderer();

const tmpDirs: string[] = [];

function tmpDir(): string {
  const d = tempDir('ml-notes-robust-');
  tmpDirs.push(d);
  return d;
}

/** Messages name the temporary folder; the figures show the path inside it. */
function short(message: string): string {
  return message.replace(/\/[^\s'"]*ml-notes-robust-[^/\s'"]+/g, '…');
}

function ms(t0: number): number {
  return Math.round((performance.now() - t0) * 10) / 10;
}

/** A message a user can act on: a sentence, no `[object Object]`, `undefined` or stack trace. */
function assertClear(message: string): void {
  assert.ok(message.length >= 10, `too short: ${JSON.stringify(message)}`);
  assert.doesNotMatch(message, /\[object |undefined|null|^\s*at |\n\s+at /);
}

/** Reads a note like the notes service: loader → parse → index → render; returns what the user would see. */
async function load(fsys: NoteFileSystem, loc: string, name: string): Promise<ReadResult> {
  const r = await readNoteFile(fsys, loc, MAX_BYTES);
  if (!r.ok) {
    assertClear(r.reason);
    badFiles.push({ name, outcome: `refused: ${short(r.reason)}` });
    return r;
  }
  if (r.warning) assertClear(r.warning);
  const lib = new NoteLibrary();
  const warnings = lib.setFile(loc, r.text);
  for (const w of warnings) assertClear(w.message);
  const doc = lib.get(loc)!;
  renderer.renderDocument(doc);
  badFiles.push({ name, outcome: r.warning ? `read with a warning: ${r.warning}` : `read: ${doc.sections.length} section(s)` });
  return r;
}

function problemsFor(problems: LoadProblem[], name: string): void {
  for (const p of problems) assertClear(p.message);
  badFiles.push({ name, outcome: problems.length ? `${problems.length} problem(s): ${[...new Set(problems.map((p) => short(p.message)))].join(' | ')}` : 'no problem' });
}

const bundledText = fs.readFileSync(path.join(bundledNotesDir, 'ml-basis-notes.md'), 'utf8');
const bundledBody = bundledText.slice(bundledText.indexOf('\n---\n', 4) + 5);

describe('bad note files', () => {
  const dir = tmpDir();

  test('invalid UTF-8: read with replacement characters and a warning; parsed and rendered', async () => {
    const f = path.join(dir, 'latin1.md');
    fs.writeFileSync(f, Buffer.concat([Buffer.from('# Caf'), Buffer.from([0xe9]), Buffer.from('\n\n- point '), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), Buffer.from('\n')]));
    const r = await load(nodeNoteFs, f, 'invalid UTF-8');
    assert.ok(r.ok);
    assert.match(r.warning ?? '', /not valid UTF-8/);
    assert.match(r.text, /# Caf\ufffd/);
  });

  test('GBK-encoded Chinese: not UTF-8, read with a warning instead of failing', async () => {
    const f = path.join(dir, 'gbk.md');
    fs.writeFileSync(f, Buffer.from([0x23, 0x20, 0xd3, 0xef, 0xd2, 0xe5, 0xb7, 0xd6, 0xb8, 0xee, 0x0a])); // "# 语义分割" in GBK
    const r = await load(nodeNoteFs, f, 'GBK-encoded Chinese');
    assert.ok(r.ok && r.warning);
  });

  test('UTF-16 with a BOM (little- and big-endian) is decoded, not refused as binary', async () => {
    const text = '# 语义分割\n\n- mIoU\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [le[i + 1], le[i]];
    for (const [name, bytes] of [
      ['UTF-16 LE', le],
      ['UTF-16 BE', be],
    ] as const) {
      const f = path.join(dir, `${name.replace(/\W/g, '')}.md`);
      fs.writeFileSync(f, bytes);
      const r = await load(nodeNoteFs, f, `${name} with BOM`);
      assert.ok(r.ok, name);
      assert.equal(r.text, text, name);
    }
  });

  test('binary files (an image, NULs, control characters) named .md are refused', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63fccf', 'hex');
    const controls = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i % 3 === 0 ? 0x01 : 0x41)));
    for (const [name, bytes] of [
      ['a PNG image', png],
      ['control characters', controls],
      ['one NUL byte in text', Buffer.from('# Title\n\nText \u0000 more\n')],
    ] as const) {
      const f = path.join(dir, `${name.replace(/\W/g, '')}.md`);
      fs.writeFileSync(f, bytes);
      const r = await load(nodeNoteFs, f, `binary: ${name}`);
      assert.equal(r.ok, false, name);
      assert.match(!r.ok ? r.reason : '', /looks binary/);
    }
  });

  test('a 50 MB file is refused by its size before it is read', async () => {
    const f = path.join(dir, 'huge.md');
    fs.writeFileSync(f, '');
    fs.truncateSync(f, 50 * 1024 * 1024); // sparse: 50 MB without writing them
    let reads = 0;
    const counting: NoteFileSystem = { ...nodeNoteFs, readFile: (loc) => (reads++, nodeNoteFs.readFile(loc)) };
    const t0 = performance.now();
    const r = await load(counting, f, '50 MB file');
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /50\.0 MB, over the 2\.0 MB limit \(mlNotes\.maxNoteFileSizeKB\)/);
    assert.equal(reads, 0, 'never read');
    figures.refuse50MbMs = ms(t0);
  });

  test('a file that grows past the limit between stat and read is refused after the read', async () => {
    const lying: NoteFileSystem = {
      ...nodeNoteFs,
      // A stat, then a read (workspace.fs): the file changes between the two.
      statAndRead: undefined,
      stat: async () => ({ kind: 'file', size: 10 }),
      readFile: async () => new Uint8Array(3 * 1024 * 1024).fill(0x61),
    };
    const r = await load(lying, '/virtual/growing.md', 'file growing during the read');
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /3\.0 MB, over the 2\.0 MB limit/);
  });

  test('parseNote on a 50 MB string of notes completes, and is indexed (the loader never hands it over; measured anyway)', () => {
    const parts: string[] = [];
    let bytes = 0;
    for (let i = 0; bytes < 50 * 1024 * 1024; i++) {
      const copy = bundledBody.replace(/^## (.*)$/gm, `## $1 ${i}`);
      parts.push(copy);
      bytes += Buffer.byteLength(copy);
    }
    const text = parts.join('\n');
    let t0 = performance.now();
    const doc = parseNote(text, 'huge.md');
    figures.parse50MbMs = ms(t0);
    figures.parse50MbSections = doc.sections.length;
    assert.ok(doc.sections.length > 50000);
    t0 = performance.now();
    new NoteLibrary().setDocument(doc);
    figures.index50MbMs = ms(t0);
    // The same text as one line, and as blank lines only.
    t0 = performance.now();
    parseNote('x'.repeat(50 * 1024 * 1024), 'one-line.md');
    parseNote('\n'.repeat(5 * 1024 * 1024), 'blank-lines.md');
    figures.parse50MbOneLineAnd5MBlankLinesMs = ms(t0);
    badFiles.push({ name: '50 MB of note text parsed in memory', outcome: `${doc.sections.length} sections in ${figures.parse50MbMs} ms` });
  });

  test('a note at the size limit (2 MB) parses and renders', () => {
    const text = bundledBody.repeat(Math.floor(MAX_BYTES / Buffer.byteLength(bundledBody)));
    assert.ok(Buffer.byteLength(text) <= MAX_BYTES && Buffer.byteLength(text) > MAX_BYTES * 0.9, `${Buffer.byteLength(text)} bytes`);
    const t0 = performance.now();
    const html = renderer.renderDocument(parseNote(text, 'limit.md')).html;
    figures.render2MbMs = ms(t0);
    assert.ok(html.length > text.length);
    badFiles.push({ name: '2 MB note (the default size limit)', outcome: `parsed and rendered in ${figures.render2MbMs} ms` });
  });

  test('10,000 headings: 10,000 sections with unique slugs, indexed and rendered with every id', async () => {
    const f = path.join(dir, 'headings.md');
    fs.writeFileSync(f, Array.from({ length: 10000 }, (_, i) => `${'#'.repeat((i % 6) + 1)} Heading ${i % 100}\n\n- point of ${i}\n`).join('\n'));
    const t0 = performance.now();
    const r = await load(nodeNoteFs, f, '10,000 headings');
    assert.ok(r.ok);
    const doc = parseNote(r.text, f);
    assert.equal(doc.sections.length, 10000);
    assert.equal(new Set(doc.sections.map((s) => s.slug)).size, 10000);
    const html = renderer.renderDocument(doc).html;
    assert.equal((html.match(/<h[1-6][^>]* id="/g) ?? []).length, 10000);
    figures.headings10kMs = ms(t0);
  });

  test('100-deep nested lists: one point, every level rendered, the note goes on after them', async () => {
    const f = path.join(dir, 'deep.md');
    const list = Array.from({ length: 100 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n');
    fs.writeFileSync(f, `# Deep\n\n${list}\n\n# After the list\n\nFinal paragraph.\n`);
    const r = await load(nodeNoteFs, f, '100-deep nested list');
    assert.ok(r.ok);
    const doc = parseNote(r.text, f);
    assert.equal(doc.sections[0].points.length, 1);
    const html = renderer.renderDocument(doc).html;
    assert.equal((html.match(/level \d+/g) ?? []).length, 100);
    assert.match(html, /<h1[^>]*>After the list<\/h1>/);
    assert.match(html, /Final paragraph\./);
    // Far deeper than markdown-it nests: the deep part is shown as text, nothing after it is lost.
    const deeper = renderer.renderMarkdown(`${Array.from({ length: 1000 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n')}\n\n# After\n`);
    assert.equal((deeper.match(/level \d+/g) ?? []).length, 1000);
    assert.match(deeper, /<h1[^>]*>After<\/h1>/);
    badFiles.push({ name: '1,000-deep nested list', outcome: 'levels past 150 shown as text; the rest of the note rendered' });
  });

  test('empty, BOM-only, whitespace-only, front-matter-only, CR-only and 1,000,000-line files', async () => {
    const cases: [string, string | Buffer][] = [
      ['empty file', ''],
      ['BOM only', Buffer.from([0xef, 0xbb, 0xbf])],
      ['whitespace only', ' \n\t\n   \n'],
      ['front matter only', '---\ntitle: Only\n---\n'],
      ['unclosed front matter only', '---\ntitle: x\n'],
      ['CR-only line endings', '# A\r\r- one\r- two\r# B\rtext\r'],
      ['1,000,000 lines', '# Many\n' + 'x\n'.repeat(1_000_000)],
    ];
    for (const [name, content] of cases) {
      const f = path.join(dir, `${name.replace(/\W/g, '')}.md`);
      fs.writeFileSync(f, content);
      const r = await load(nodeNoteFs, f, name);
      assert.ok(r.ok, name);
      const doc = parseNote(r.text, f);
      assert.ok(doc.sections.length >= 1, name);
    }
    assert.deepEqual(
      parseNote('# A\r\r- one\r- two\r# B\rtext\r', 'cr.md').sections.map((s) => [s.slug, s.points.length]),
      [
        ['a', 2],
        ['b', 0],
      ],
    );
  });

  test('a folder named like a note, a pipe named like a note, a broken link named like a note', async () => {
    const d = tmpDir();
    fs.mkdirSync(path.join(d, 'folder.md'));
    fs.writeFileSync(path.join(d, 'folder.md', 'inside.md'), '# Inside\n');
    execFileSync('mkfifo', [path.join(d, 'pipe.md')]);
    fs.symlinkSync(path.join(d, 'missing-target.md'), path.join(d, 'broken.md'));
    const { files, problems } = await collectNoteFiles(nodeNoteFs, [d]);
    assert.deepEqual(files.map((f) => path.relative(d, f)), [path.join('folder.md', 'inside.md')]);
    assert.deepEqual(problems.map((p) => [path.basename(p.loc), p.message]).sort(), [
      ['broken.md', 'Broken symbolic link (or a link loop); skipped.'],
      ['pipe.md', 'Not a regular file (a pipe, socket or device); skipped.'],
    ]);
    problemsFor(problems, 'a folder, a pipe and a broken link named *.md');
    // Given directly: the pipe is refused without being opened (opening it would block until a writer comes).
    const pipe = await load(nodeNoteFs, path.join(d, 'pipe.md'), 'a pipe given as a note file');
    assert.equal(pipe.ok, false);
    const asRoot = await collectNoteFiles(nodeNoteFs, [path.join(d, 'pipe.md')]);
    assert.match(asRoot.problems[0]?.message ?? '', /Not a file or folder/);
  });
});

describe('bad notes folders', () => {
  test('a notes folder deleted while it is being read: what was listed is read or reported, nothing throws', async () => {
    const d = tmpDir();
    for (const sub of ['a', 'b', 'c']) {
      fs.mkdirSync(path.join(d, sub, 'deeper'), { recursive: true });
      fs.writeFileSync(path.join(d, sub, 'note.md'), `# ${sub}\n`);
      fs.writeFileSync(path.join(d, sub, 'deeper', 'more.md'), `# more ${sub}\n`);
    }
    let listings = 0;
    const deleting: NoteFileSystem = {
      ...nodeNoteFs,
      async readDirectory(loc) {
        const entries = await nodeNoteFs.readDirectory(loc);
        // The folder disappears right after its first two listings (the root and its first subfolder).
        if (++listings === 2) fs.rmSync(d, { recursive: true, force: true });
        return entries;
      },
    };
    const { files, problems } = await collectNoteFiles(deleting, [d]);
    assert.ok(problems.length >= 2, JSON.stringify(problems));
    for (const p of problems) assert.match(p.message, /^Cannot read the folder: it no longer exists \(removed while being read\?\)/);
    problemsFor(problems, 'notes folder deleted while being listed');
    for (const f of files) {
      const r = await readNoteFile(nodeNoteFs, f, MAX_BYTES);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.reason, 'File does not exist.');
    }
    badFiles.push({ name: 'note files of a deleted folder, read after the listing', outcome: `${files.length} refused: File does not exist.` });
    // The library drops them; lookups keep working.
    const lib = new NoteLibrary();
    lib.setFile(path.join(d, 'a', 'note.md'), '# a\n');
    assert.ok(lib.removeFile(path.join(d, 'a', 'note.md')));
    assert.deepEqual(lib.lookupToken({ chain: ['a'] }), []);
  });

  test('a file deleted between its stat and its read', async () => {
    const d = tmpDir();
    const f = path.join(d, 'gone.md');
    fs.writeFileSync(f, '# gone\n');
    const racing: NoteFileSystem = {
      ...nodeNoteFs,
      // A stat, then a read (workspace.fs): the file goes between the two.
      statAndRead: undefined,
      async stat(loc) {
        const st = await nodeNoteFs.stat(loc);
        fs.rmSync(loc, { force: true });
        return st;
      },
    };
    const r = await load(racing, f, 'file deleted between stat and read');
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /^Cannot read the file: it no longer exists/);
  });

  test('symbolic link loops under a notes folder: listing terminates, each loop is reported or skipped', async () => {
    const d = tmpDir();
    fs.mkdirSync(path.join(d, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(d, 'a', 'note.md'), '# a\n');
    fs.symlinkSync(d, path.join(d, 'a', 'b', 'to-root')); // a folder loop
    fs.symlinkSync(path.join(d, 'self'), path.join(d, 'self')); // a link to itself
    fs.symlinkSync(path.join(d, 'y.md'), path.join(d, 'x.md')); // two file links pointing at each other
    fs.symlinkSync(path.join(d, 'x.md'), path.join(d, 'y.md'));
    const t0 = performance.now();
    const { files, problems } = await collectNoteFiles(nodeNoteFs, [d]);
    assert.ok(performance.now() - t0 < 2000);
    assert.deepEqual(files.map((f) => path.relative(d, f)), [path.join('a', 'note.md')]);
    assert.deepEqual(problems.map((p) => path.basename(p.loc)).sort(), ['x.md', 'y.md']);
    problemsFor(problems, 'symbolic link loops under a notes folder');
    // The loop given as the notes path itself, and as a note file.
    const asRoot = await collectNoteFiles(nodeNoteFs, [path.join(d, 'self')]);
    assert.match(asRoot.problems[0]?.message ?? '', /symbolic link loop|Broken symbolic link|does not exist/);
    problemsFor(asRoot.problems, 'a symbolic link loop given as the notes path');
    const asFile = await load(nodeNoteFs, path.join(d, 'x.md'), 'a symbolic link loop given as a note file');
    assert.equal(asFile.ok, false);
  });

  test('a file system that fails: permission denied, odd errors, thrown strings — each a message, never a throw', async () => {
    const err = (code: string, message: string) => Object.assign(new Error(message), { code });
    const failing = (how: 'stat' | 'readDirectory' | 'readFile', e: unknown): NoteFileSystem => ({
      stat: async (loc) => (how === 'stat' ? Promise.reject(e) : loc.endsWith('.md') ? { kind: 'file', size: 10 } : { kind: 'directory', size: 0 }),
      readDirectory: async () => (how === 'readDirectory' ? Promise.reject(e) : [['n.md', 'file', false]]),
      readFile: async () => (how === 'readFile' ? Promise.reject(e) : new TextEncoder().encode('# n\n')),
      join: (a, b) => `${a}/${b}`,
    });
    const errors: [string, unknown][] = [
      ['EACCES', err('EACCES', "EACCES: permission denied, scandir '/notes'")],
      ['VS Code NoPermissions', err('NoPermissions', 'No permissions')],
      ['VS Code Unavailable', err('Unavailable', 'Unavailable')],
      ['a thrown string', 'disk on fire'],
      ['undefined', undefined],
      ['a plain object', { reason: 'weird' }],
    ];
    for (const [name, e] of errors) {
      for (const how of ['stat', 'readDirectory', 'readFile'] as const) {
        const fsys = failing(how, e);
        const { files, problems } = await collectNoteFiles(fsys, ['/notes']);
        for (const p of problems) assertClear(p.message);
        for (const f of files) {
          const r = await readNoteFile(fsys, f, MAX_BYTES);
          if (!r.ok) assertClear(r.reason);
        }
        if (how !== 'readFile') assert.equal(problems.length, 1, `${name} in ${how}`);
      }
      badFiles.push({ name: `file system error: ${name}`, outcome: 'reported as a message' });
    }
    assert.match((await collectNoteFiles(failing('readDirectory', errors[0][1]), ['/notes'])).problems[0].message, /^Cannot read the folder: permission denied/);
  });

  test('a folder tree deeper than 16 levels, and more than 20,000 notes: listing stops with one message each', async () => {
    const deep: NoteFileSystem = {
      stat: async () => ({ kind: 'directory', size: 0 }),
      readDirectory: async () => [['sub', 'directory', false]],
      readFile: async () => new Uint8Array(),
      join: (a, b) => `${a}/${b}`,
    };
    const r1 = await collectNoteFiles(deep, ['/deep']);
    assert.equal(r1.problems.length, 1);
    assert.match(r1.problems[0].message, /deeper than 16 levels/);
    problemsFor(r1.problems, 'endless folder nesting');
    const many: NoteFileSystem = { ...deep, readDirectory: async () => Array.from({ length: 25000 }, (_, i): [string, 'file', boolean] => [`n${i}.md`, 'file', false]) };
    const r2 = await collectNoteFiles(many, ['/many']);
    assert.equal(r2.files.length, 20000);
    assert.match(r2.problems[0]?.message ?? '', /More than 20000 note files/);
    problemsFor(r2.problems, '25,000 note files in one folder');
  });
});

describe('decodeNote', () => {
  test('an odd-length UTF-16 file keeps its text and says its last byte is broken', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('# A\n', 'utf16le'), Buffer.from([0x41])]);
    const r = decodeNote(bytes);
    assert.ok(r.ok);
    assert.match(r.text, /^# A\n/);
    assert.match(r.warning ?? '', /odd number of bytes/);
  });
});

after(() => {
  unhandled.stop();
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
  recordFigures('robust-notes', { ...figures, badFiles, badFilesTried: badFiles.length, unhandledErrors: unhandled.count });
});

test('no unhandled rejection or uncaught exception', async () => {
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(unhandled.messages, []);
});
