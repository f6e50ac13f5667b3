// `npm run test:e2e`: packages the extension (`npm run package`: production bundles and a .vsix, into the
// cache), transpiles the scenes, sets up code-server (cached), then runs every test/e2e/**/*.test.ts with
// node:test. Each file owns one VS Code (code-server + Chromium, which installs that .vsix); files run
// in parallel, two at a time by default, longest first: by test/e2e/durations.json (seconds each file took in a
// whole run, two at a time, on the 2-core CI machine; a file not listed there counts as long), so that every
// machine, a fresh one included, runs them in the same order, whatever ran before.
//
//   node test/e2e/run.mjs [--no-build] [--source] [--jobs N] [--repeat N] [--load] [--lenient] [--screenshots] [name-filter ...]
//
// --no-build     use the .vsix (or the dist/ build) already there
// --source       test the source folder (`npm run build`, installed as an unpacked folder), not the .vsix;
//                ML_NOTES_E2E_EXTENSION=<.vsix or folder> installs that instead, also without a build
// --jobs N       test files run at once (default 2, or ML_NOTES_E2E_JOBS); each is its own VS Code window
// --repeat N     the whole selection N times in a row; the run fails if any round has a failure or a retry
// --lenient      a scene that passed on its retry does not fail the run (it is still listed); by default it does
//                (--strict, the default, is accepted)
// --file-timeout M  minutes after which a test file that has not ended is stopped and counted as failed (20)
// --load         a busy loop on one core while the scenes run (another CPU-heavy process on the machine)
// --screenshots  only the files that take the README's screenshots (`readme-*`), and write those into
//                test/e2e/screenshots/ (`npm run screenshots`); other runs never touch tracked files
// A filter keeps test files whose path contains it (e.g. `hover`). A scene that failed once and passed on
// its retry is flaky: it is listed at the end, and fails the run (unless --lenient).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);

function numberOption(name, fallback) {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`[e2e] ${name} takes a whole number ≥ 1, not ${JSON.stringify(args[i + 1] ?? '')}`);
    process.exit(2);
  }
  args.splice(i, 2);
  return n;
}

const jobs = numberOption('--jobs', Number(process.env.ML_NOTES_E2E_JOBS) || Math.min(2, cpus().length));
const repeat = numberOption('--repeat', 1);
const fileTimeoutMin = numberOption('--file-timeout', 20);
const build = !args.includes('--no-build');
const source = args.includes('--source');
const load = args.includes('--load');
const strict = !args.includes('--lenient');
const readmeScreenshots = args.includes('--screenshots');
const unknown = args.filter((a) => a.startsWith('--') && !['--no-build', '--source', '--load', '--screenshots', '--strict', '--lenient'].includes(a));
if (unknown.length) {
  console.error(`[e2e] unknown option(s): ${unknown.join(' ')} (see the top of test/e2e/run.mjs)`);
  process.exit(2);
}
const filters = args.filter((a) => !a.startsWith('--'));
const cache = process.env.ML_NOTES_E2E_CACHE ?? join(root, '.vscode-test');
// Same paths as test/e2e/lib/paths.ts (vsixPath, resultsDir, flakyLog).
const vsix = join(cache, 'package', 'ml-notes.vsix');
const resultsDir = join(root, 'test', 'e2e', 'results');
const flakyLog = join(resultsDir, 'flaky.jsonl');
const durationsFile = join(root, 'test', 'e2e', 'durations.json');
// The scenes are transpiled here, not into out/: `npm run test:unit` wipes out/ whenever it runs. Under
// node_modules so that `require('playwright-core')` resolves from there.
const outDir = join(root, 'node_modules', '.cache', 'ml-notes-e2e');

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function step(title, command, commandArgs) {
  const t0 = Date.now();
  console.log(`\n[e2e] ${title}`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[e2e] FAILED: ${title} (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
  console.log(`[e2e] ${title}: ${seconds(Date.now() - t0)}`);
}

function walk(dir, suffix, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (!['fixtures', 'screenshots', 'results', 'tools'].includes(name)) walk(p, suffix, out);
    } else if (p.endsWith(suffix) && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const env = { ...process.env };
if (source) env.ML_NOTES_E2E_EXTENSION = root;
if (readmeScreenshots) env.ML_NOTES_E2E_README_SCREENSHOTS = '1';
else delete env.ML_NOTES_E2E_README_SCREENSHOTS;
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
  console.log(`\n[e2e] transpiled the scenes into ${relative(root, outDir)}: ${seconds(Date.now() - t0)}`);
}
step('set up code-server and Chromium (test/e2e/setup)', 'bash', [join(root, 'test', 'e2e', 'setup')]);

/** Whether a scene file takes a README screenshot (`screenshot('readme-…')`). */
const takesReadmeScreenshot = (compiled) => /['"`]readme-/.test(readFileSync(join(root, compiled.replace(/\.js$/, '.ts')), 'utf8'));

const durations = JSON.parse(readFileSync(durationsFile, 'utf8'));
const files = walk(join(outDir, 'test', 'e2e'), '.test.js')
  .map((p) => relative(outDir, p))
  .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)))
  .filter((p) => !readmeScreenshots || takesReadmeScreenshot(p))
  // Longest first (a file not listed counts as long), so that two workers finish together.
  .sort((a, b) => (durations[b] ?? Infinity) - (durations[a] ?? Infinity) || a.localeCompare(b));
if (files.length === 0) {
  console.error(`[e2e] no test files under test/e2e${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}
const unlisted = files.filter((f) => durations[f] === undefined);
if (unlisted.length) console.log(`\n[e2e] not in ${relative(root, durationsFile)} (run first, as if long): ${unlisted.join(' ')}`);

// --load: another CPU-heavy process on the machine, for as long as the scenes run.
let busy;
if (load) {
  busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  console.log(`\n[e2e] --load: a busy loop (pid ${busy.pid}) keeps one core busy while the scenes run`);
}
const children = new Set();
function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
const stopAll = () => {
  busy?.kill('SIGKILL');
  for (const child of children) killGroup(child, 'SIGTERM');
};
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    stopAll();
    process.exit(130);
  });
}

const SUMMARY = /^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/;

/** Runs one scene file in its own node:test process; its output is printed whole when it ends. */
function runFile(file) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    // Its own process group, so that a file that hangs can be stopped with everything it started.
    const child = spawn(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=spec', join(outDir, file)], { cwd: root, env, detached: true });
    children.add(child);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    // Every wait of a scene is bounded; a file still running after this long is stuck (a browser or server that no
    // longer answers): it is stopped and counts as failed, so that the run (and the lock it holds) ends.
    const watchdog = setTimeout(() => {
      output += `\n[e2e] ${file} still running after ${fileTimeoutMin} min: stopped (SIGTERM, then SIGKILL)\n`;
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), 15_000).unref();
    }, fileTimeoutMin * 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      children.delete(child);
      const counts = {};
      const kept = output.split('\n').filter((line) => {
        const m = SUMMARY.exec(line);
        if (m) counts[m[1]] = Number(m[2]);
        return !m;
      });
      resolve({ file, code: code ?? signal, ms: Date.now() - t0, counts, output: kept.join('\n').trimEnd() });
    });
  });
}

/** One pass over the files, `jobs` at a time. */
async function runRound(round) {
  rmSync(flakyLog, { force: true });
  const queue = [...files];
  const results = [];
  const t0 = Date.now();
  const label = repeat > 1 ? ` (round ${round} of ${repeat})` : '';
  console.log(`\n[e2e] running ${files.length} file(s)${label}, ${Math.min(jobs, files.length)} at a time, against ${installs}: ${files.join(' ')}`);
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const r = await runFile(file);
      results.push(r);
      console.log(`\n[e2e] ── ${file}: ${seconds(r.ms)}, ${r.counts.pass ?? 0} passed, ${r.counts.fail ?? 0} failed${r.code === 0 ? '' : `, exit ${r.code}`}`);
      console.log(r.output);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
  const sum = (key) => results.reduce((n, r) => n + (r.counts[key] ?? 0), 0);
  const flaky = existsSync(flakyLog) ? readFileSync(flakyLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const crashed = results.filter((r) => r.code !== 0 && !(r.counts.fail > 0)).map((r) => r.file);
  return { round, ms: Date.now() - t0, pass: sum('pass'), fail: sum('fail') + sum('cancelled'), todo: sum('todo'), flaky, crashed };
}

const rounds = [];
for (let round = 1; round <= repeat; round++) rounds.push(await runRound(round));
stopAll();

// One summary for the whole run (the lines .ci/run adds up), then each round.
const total = (key) => rounds.reduce((n, r) => n + r[key], 0);
console.log(`\nℹ pass ${total('pass')}`);
console.log(`ℹ fail ${total('fail')}`);
if (total('todo')) console.log(`ℹ todo ${total('todo')} (known bugs)`);
for (const r of rounds) {
  const label = repeat > 1 ? `round ${r.round} of ${repeat}: ` : '';
  console.log(`[e2e] ${label}${r.pass} passed, ${r.fail} failed, ${r.flaky.length} retried; scenes ${seconds(r.ms)}${load ? ' (under --load)' : ''}, ${Math.min(jobs, files.length)} at a time`);
  for (const f of r.flaky) console.log(`[e2e]   FLAKY (failed once, passed on retry): ${f.suite} › ${f.scene}: ${f.firstError}`);
  for (const f of r.crashed) console.log(`[e2e]   ${f} ended without a result (exit status not 0)`);
}
const flakyCount = rounds.reduce((n, r) => n + r.flaky.length, 0);
const bad = total('fail') > 0 || (strict && flakyCount > 0) || rounds.some((r) => r.crashed.length > 0);
const flakyNote = flakyCount ? (strict ? ` (${flakyCount} retried scene(s) fail the run)` : ` (${flakyCount} scene(s) passed only on their retry: listed above)`) : '';
console.log(`[e2e] whole run: ${seconds(Date.now() - started)}; ${bad ? 'FAILED' : 'passed'}${flakyNote}`);
if (readmeScreenshots && !bad) console.log('[e2e] README screenshots written to test/e2e/screenshots/ (review them with git diff --stat)');
process.exit(bad ? 1 : 0);
