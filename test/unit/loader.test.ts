import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectNoteFiles, readNoteFile } from '../../src/core/notes/loader';
import { nodeNoteFs } from '../../src/cli/nodeFs';
import { tempDir } from './helpers';

function tmpDir(): string {
  return tempDir('ml-notes-loader-');
}

test('collects .md and .markdown files recursively, in a stable order, and nothing else', async () => {
  const d = tmpDir();
  fs.mkdirSync(path.join(d, 'b', 'c'), { recursive: true });
  fs.mkdirSync(path.join(d, 'node_modules'));
  fs.writeFileSync(path.join(d, 'z.md'), '# z');
  fs.writeFileSync(path.join(d, 'b', 'a.markdown'), '# a');
  fs.writeFileSync(path.join(d, 'b', 'c', 'deep.MD'), '# deep');
  fs.writeFileSync(path.join(d, 'b', 'notes.txt'), 'x');
  fs.writeFileSync(path.join(d, 'node_modules', 'pkg.md'), '# vendored');
  const { files, problems } = await collectNoteFiles(nodeNoteFs, [d]);
  assert.deepEqual(files.map((f) => path.relative(d, f)), [path.join('b', 'a.markdown'), path.join('b', 'c', 'deep.MD'), 'z.md']);
  assert.deepEqual(problems, []);
});

test('a missing notes path is one clear problem, not an exception', async () => {
  const { files, problems } = await collectNoteFiles(nodeNoteFs, ['/nonexistent/ml-notes-folder']);
  assert.deepEqual(files, []);
  assert.equal(problems.length, 1);
  assert.match(problems[0].message, /does not exist/);
  assert.equal(problems[0].missing, true, 'marked missing: the editor warns once and names the setting');
});

test('a symbolic link loop under a notes folder terminates', async () => {
  const d = tmpDir();
  fs.writeFileSync(path.join(d, 'a.md'), '# a');
  fs.symlinkSync(d, path.join(d, 'loop'));
  const { files } = await collectNoteFiles(nodeNoteFs, [d]);
  assert.deepEqual(files.map((f) => path.basename(f)), ['a.md']);
});

test('oversized, binary and invalid UTF-8 files are reported, not thrown', async () => {
  const d = tmpDir();
  const big = path.join(d, 'big.md');
  fs.writeFileSync(big, '# big\n' + 'x'.repeat(5000));
  const r1 = await readNoteFile(nodeNoteFs, big, 1024);
  assert.equal(r1.ok, false);
  assert.match(!r1.ok ? r1.reason : '', /File is 4.9 KB, over the 1.0 KB limit/);

  const bin = path.join(d, 'bin.md');
  fs.writeFileSync(bin, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3]));
  const r2 = await readNoteFile(nodeNoteFs, bin, 1 << 20);
  assert.equal(r2.ok, false);
  assert.match(!r2.ok ? r2.reason : '', /binary/);

  const bad = path.join(d, 'bad.md');
  fs.writeFileSync(bad, Buffer.concat([Buffer.from('# 标题\n'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('\ntext\n')]));
  const r3 = await readNoteFile(nodeNoteFs, bad, 1 << 20);
  assert.equal(r3.ok, true);
  assert.match(r3.ok ? r3.warning ?? '' : '', /not valid UTF-8/);
  assert.match(r3.ok ? r3.text : '', /# 标题\n��A\ntext/);
});

test('a note read with one open file (node:fs) says what a stat and a read say; a named pipe is refused at once', async () => {
  const d = tmpDir();
  const note = path.join(d, 'note.md');
  fs.writeFileSync(note, '# Note\n\nText.\n');
  fs.symlinkSync(note, path.join(d, 'link.md'));
  fs.symlinkSync(path.join(d, 'gone.md'), path.join(d, 'dangling.md'));
  fs.mkdirSync(path.join(d, 'folder.md'));
  fs.writeFileSync(path.join(d, 'big.md'), '# big\n' + 'x'.repeat(5000));
  const separate = { ...nodeNoteFs, statAndRead: undefined };
  for (const name of ['note.md', 'link.md', 'dangling.md', 'missing.md', 'folder.md', 'big.md']) {
    const loc = path.join(d, name);
    assert.deepEqual(await readNoteFile(nodeNoteFs, loc, 1024), await readNoteFile(separate, loc, 1024), name);
  }
  const read = await readNoteFile(nodeNoteFs, note, 1024);
  assert.ok(read.ok && read.text === '# Note\n\nText.\n' && read.size === fs.statSync(note).size && read.mtime === fs.statSync(note).mtimeMs);
  if (process.platform !== 'win32') {
    const pipe = path.join(d, 'pipe.md');
    execFileSync('mkfifo', [pipe]);
    // Opening a pipe with no writer must not wait for one.
    const r = await readNoteFile(nodeNoteFs, pipe, 1024);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /Not a file/);
  }
});
