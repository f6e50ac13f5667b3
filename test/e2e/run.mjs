// `npm run test:e2e`: packages the extension (`npm run package`: production bundles and a .vsix, into the
// cache), transpiles the scenes, sets up code-server (cached), then runs every test/e2e/**/*.test.ts with
// node:test, one file at a time (each file owns one VS Code, which installs that .vsix).
//
//   node test/e2e/run.mjs [--no-build] [--source] [name-filter ...]
//
// --no-build    use the .vsix (or the dist/ build) already there
// --source      test the source folder (`npm run build`, installed as an unpacked folder), not the .vsix;
//               ML_NOTES_E2E_EXTENSION=<.vsix or folder> installs that instead, also without a build
// A filter keeps test files whose path contains it (e.g. `hover`). Scenes that failed once and passed
// on their retry are listed at the end as flaky.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const source = args.includes('--source');
const filters = args.filter((a) => !a.startsWith('--'));
const cache = process.env.ML_NOTES_E2E_CACHE ?? join(root, '.vscode-test');
const flakyLog = join(cache, 'flaky.jsonl');
// Same path as test/e2e/lib/paths.ts's vsixPath.
const vsix = join(cache, 'package', 'ml-notes.vsix');
// The scenes are transpiled here, not into out/: `npm run test:unit` wipes out/ whenever it runs. Under
// node_modules so that `require('playwright-core')` resolves from there.
const outDir = join(root, 'node_modules', '.cache', 'ml-notes-e2e');

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

function walk(dir, suffix, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'fixtures' && name !== 'screenshots' && name !== 'tools') walk(p, suffix, out);
    } else if (p.endsWith(suffix) && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const env = { ...process.env };
if (source) env.ML_NOTES_E2E_EXTENSION = root;
const installs = env.ML_NOTES_E2E_EXTENSION ? `ML_NOTES_E2E_EXTENSION=${env.ML_NOTES_E2E_EXTENSION}` : vsix;
const started = Date.now();
if (build && env.ML_NOTES_E2E_EXTENSION) step('build the extension (npm run build)', 'npm', ['run', 'build', '--silent']);
else if (build) {
  mkdirSync(dirname(vsix), { recursive: true });
  step(`package the extension (npm run package -- ${relative(root, vsix)})`, 'npm', ['run', 'package', '--silent', '--', vsix]);
}
{
  const t0 = Date.now();
  rmSync(outDir, { recursive: true, force: true });
  await esbuild.build({
    // The bench's library generator too: a scene loads the library the bench measures.
    entryPoints: [...walk(join(root, 'test', 'e2e'), '.ts'), join(root, 'bench', 'generate.ts')],
    outdir: outDir,
    outbase: root,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  console.log(`\n[e2e] transpiled the scenes into ${relative(root, outDir)}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
step('set up code-server and Chromium (test/e2e/setup)', 'bash', [join(root, 'test', 'e2e', 'setup')]);

const files = walk(join(outDir, 'test', 'e2e'), '.test.js')
  .map((p) => relative(outDir, p))
  .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`[e2e] no test files under test/e2e${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

rmSync(flakyLog, { force: true });
console.log(`\n[e2e] running ${files.length} file(s) against ${installs}: ${files.join(' ')}`);
const t0 = Date.now();
const result = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files.map((f) => join(outDir, f))], {
  cwd: root,
  stdio: 'inherit',
  env,
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
