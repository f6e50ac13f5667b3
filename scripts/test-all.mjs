// `npm run test:all`: every test, in three steps.
//   1. the build of the tests (out/);
//   2. the type check, the unit tests and the integration tests (pre-commit and Neovim, test/integration/setup first)
//      at once (`typecheck`, `test:unit:built`, `test:integration:built`): the unit tests run a file per core, the
//      integration tests (35–52 s in CI) and the type check (10–12 s) beside them; they have nothing in common but out/,
//      which step 1 wrote. (The type check beside the build, as step 1, left a core idle for 8–10 s: steps 1 and 2 took
//      102.2 and 94.1 s that way, 91.2 and 84.4 s this way, alternating);
//   3. the end-to-end scenes in VS Code (npm run test:e2e, with the arguments given to this script).
// Jobs that run at once print their whole output when they end, in the order above, each under a header. A failed
// step stops the run before the next one, as `a && b` would; the exit status is the first failure's.
//
//   npm run test:all [-- <test:e2e arguments>]
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a command with its output kept (stdout and stderr interleaved as they came); resolves with both. */
function run(label, command, args) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('error', (e) => chunks.push(Buffer.from(`${label}: could not start ${command}: ${e.message}\n`)));
    child.on('close', (code, signal) => resolve({ label, status: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks), seconds: (Date.now() - started) / 1000 }));
  });
}

/** Runs the jobs at once; prints each one's output in order; returns the first non-zero status (0 when all passed). */
async function together(jobs) {
  const results = await Promise.all(jobs.map(([label, command, args]) => run(label, command, args)));
  for (const r of results) {
    process.stdout.write(`\n[test:all] ── ${r.label}: ${r.seconds.toFixed(1)} s, ${r.status === 0 ? 'passed' : `FAILED (exit ${r.status})`}\n`);
    process.stdout.write(r.output);
  }
  return results.find((r) => r.status !== 0)?.status ?? 0;
}

const started = Date.now();
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const node = process.execPath;
const steps = [
  () => together([['build the tests (out/)', node, ['esbuild.mjs', '--tests']]]),
  () => together([
    ['type check (tsc)', npm, ['run', '-s', 'typecheck']],
    // The tests as `npm run test:unit` and `test:integration` run them, without building them again.
    ['unit tests', npm, ['run', '-s', 'test:unit:built']],
    ['integration tests (pre-commit, Neovim)', npm, ['run', '-s', 'test:integration:built']],
  ]),
];
let status = 0;
for (const step of steps) {
  status = await step();
  if (status !== 0) break;
}
if (status === 0) {
  process.stdout.write(`\n[test:all] type check, unit and integration tests: ${((Date.now() - started) / 1000).toFixed(1)} s; now the end-to-end scenes\n`);
  const e2e = spawn(npm, ['run', 'test:e2e', '--', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  status = await new Promise((resolve) => e2e.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}
process.stdout.write(`\n[test:all] ${status === 0 ? 'passed' : `FAILED (exit ${status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(status);
