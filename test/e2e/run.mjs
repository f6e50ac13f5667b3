// `npm run test:e2e`: builds the extension, transpiles the tests, sets up code-server (cached), then runs
// every out/test/e2e/**/*.test.js with node:test, one file at a time (each file owns one VS Code).
//
//   node test/e2e/run.mjs [--no-build] [name-filter ...]
//
// A filter keeps test files whose path contains it (e.g. `hover`). Scenes that failed once and passed
// on their retry are listed at the end as flaky.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const filters = args.filter((a) => !a.startsWith('--'));
const cache = process.env.ML_NOTES_E2E_CACHE ?? join(root, '.vscode-test');
const flakyLog = join(cache, 'flaky.jsonl');

function step(title, command, commandArgs) {
  const t0 = Date.now();
  console.log(`\n[e2e] ${title}`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[e2e] FAILED: ${title} (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
  console.log(`[e2e] ${title}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const started = Date.now();
if (build) step('build the extension (npm run build)', 'npm', ['run', 'build', '--silent']);
step('transpile the tests (node esbuild.mjs --tests)', process.execPath, ['esbuild.mjs', '--tests']);
step('set up code-server and Chromium (test/e2e/setup)', 'bash', [join(root, 'test', 'e2e', 'setup')]);

const files = walk(join(root, 'out', 'test', 'e2e'))
  .map((p) => relative(root, p))
  .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`[e2e] no test files under out/test/e2e${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

rmSync(flakyLog, { force: true });
console.log(`\n[e2e] running ${files.length} file(s): ${files.join(' ')}`);
const t0 = Date.now();
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
});
console.log(`[e2e] scenes: ${((Date.now() - t0) / 1000).toFixed(1)} s; whole run: ${((Date.now() - started) / 1000).toFixed(1)} s`);

const flaky = existsSync(flakyLog)
  ? readFileSync(flakyLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  : [];
if (flaky.length > 0) {
  console.log(`[e2e] ${flaky.length} flaky scene(s) (failed once, passed on retry):`);
  for (const f of flaky) console.log(`[e2e]   ${f.suite} › ${f.scene}: ${f.firstError}`);
} else {
  console.log('[e2e] no flaky scenes');
}
process.exit(result.status ?? 1);
