// `npm run test:unit:built`: the built unit tests (out/test/unit/), one test file per core at a time. Node's own default
// is one fewer than the cores, which on a 2-core machine runs the files one after the other: 110 s there, 59 s with
// two at a time (the same tests; no unit test depends on having the machine to itself).
//
//   node scripts/unit-tests.mjs [node --test options…]
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = ['--test', '--test-reporter=spec', `--test-concurrency=${availableParallelism()}`, ...process.argv.slice(2), 'out/test/unit/'];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
