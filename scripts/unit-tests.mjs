// `npm run test:unit:built`: the built unit tests (out/test/unit/), one test file per core at a time. Node's own default
// is one fewer than the cores, which on a 2-core machine runs the files one after the other: 110 s there, 59 s with
// two at a time (the same tests; no unit test depends on having the machine to itself).
//
// The tests run with a temporary folder of their own (TMPDIR, and TEMP and TMP, which Windows reads): a run that leaves
// anything in it fails, naming what it left, and the folder is removed either way.
//
//   node scripts/unit-tests.mjs [node --test options…]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = ['--test', '--test-reporter=spec', `--test-concurrency=${availableParallelism()}`, ...process.argv.slice(2), 'out/test/unit/'];
const temp = mkdtempSync(join(tmpdir(), 'ml-notes-unit-'));
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, TMPDIR: temp, TEMP: temp, TMP: temp } });
child.on('close', (code, signal) => {
  const left = readdirSync(temp);
  rmSync(temp, { recursive: true, force: true });
  if (left.length) console.error(`\nThe unit tests left ${left.length} item(s) in their temporary folder: ${left.sort().join(', ')}`);
  const status = code ?? (signal ? 1 : 0);
  process.exit(status || (left.length ? 1 : 0));
});
