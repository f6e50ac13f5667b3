import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectNoteFiles, readNoteFile } from '../../src/core/notes/loader';
import { nodeNoteFs } from '../../src/cli/nodeFs';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ml-notes-loader-'));
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
