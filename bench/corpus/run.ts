/**
 * `npm run bench:corpus`: the rules on real code nobody here wrote, measured against labels read by hand.
 *
 * The development corpus is a set of public repositories at fixed commits (bench/corpus/labels.json lists them). Their
 * code is never part of this project: checkouts live outside the tree (ML_NOTES_CORPUS, by default
 * ~/.cache/ml-notes/corpus, one folder per repository named `owner+name`). When a checkout is missing, the bench says
 * how to get it, and extracts it itself from git directories when ML_NOTES_CORPUS_GIT points at them.
 *
 * It reports, per rule: findings, findings labelled true and false, findings nobody labelled yet, and labelled-true
 * sites no longer found; spurious syntax errors (files `python3` compiles but the analysis calls broken); the time of
 * the whole `ml-notes lint` process over the corpus, on one thread, and on one core against every core; and the fix check: `ml-notes lint --fix` on a copy of the corpus,
 * where every changed file must still compile, pyflakes (flake8 F821/F811/F841) must find nothing new, and a second --fix
 * must change nothing; and the edit check (editCheck.ts): every file edited line by line, each version re-analysed as the
 * editor re-analyses it and compared with a fresh analysis.
 *
 * A second set, the held-out corpus (bench/corpus/held-out.json: seven more repositories, their findings labelled once by
 * reading them after the rules were written), measures the rules on code they were not developed against.
 *
 *   node out/bench/corpus/run.js [--held-out] [--show] [--no-fix] [--no-edits] [--context N]
 *     --held-out   the held-out corpus instead of the development corpus
 *     --show       print every unlabelled finding with the code around it (for labelling)
 *     --no-fix     skip the fix check
 *     --no-edits   skip the edit check
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePython } from '../../src/core/python/parse';
import { editCheck } from './editCheck';
import { median } from '../stats';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const heldOut = process.argv.includes('--held-out');
const corpusName = heldOut ? 'held-out corpus' : 'development corpus';
const labelsFile = path.join(repoRoot, 'bench', 'corpus', heldOut ? 'held-out.json' : 'labels.json');
const cli = path.join(repoRoot, 'dist', 'cli.js');
const argv = process.argv.slice(2);
const show = argv.includes('--show');
const contextArg = argv.indexOf('--context');
const CONTEXT = contextArg >= 0 ? Number(argv[contextArg + 1]) : 6;

export interface Repository {
  repo: string;
  commit: string;
}

export interface Label {
  repo: string;
  commit: string;
  path: string;
  /** 1-based line of the finding's start. */
  line: number;
  rule: string;
  /** true: the finding is right; false: it is wrong. */
  verdict: boolean;
  reason: string;
}

interface Manifest {
  repositories: Repository[];
  labels: Label[];
}

interface CliFinding {
  file: string;
  line: number;
  column: number;
  rule: string;
  message: string;
}

const folderOf = (r: Repository) => r.repo.replace('/', '+');

function corpusRoot(): string {
  const env = process.env.ML_NOTES_CORPUS;
  return env ? path.resolve(env) : path.join(os.homedir(), '.cache', 'ml-notes', 'corpus');
}

/** Git directories that may hold a repository: `owner+name/repo` (what the fetch tool leaves), `owner+name`, `owner/name`. */
function gitDirCandidates(base: string, r: Repository): string[] {
  const f = folderOf(r);
  return [path.join(base, f, 'repo'), path.join(base, f, 'repo', '.git'), path.join(base, f), path.join(base, f + '.git'), path.join(base, r.repo), path.join(base, r.repo, '.git')];
}

function hasCommit(gitDir: string, commit: string): boolean {
  return spawnSync('git', ['--git-dir', gitDir, 'cat-file', '-e', `${commit}^{commit}`], { stdio: 'ignore' }).status === 0;
}

const STAMP = '.ml-notes-corpus-commit';

/** The commit a checkout is at: its stamp (extracted by this bench) or its git HEAD (a clone); undefined if unknown. */
function checkoutCommit(dir: string): string | undefined {
  const stamp = path.join(dir, STAMP);
  if (fs.existsSync(stamp)) return fs.readFileSync(stamp, 'utf8').trim();
  const r = spawnSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Makes sure every repository is checked out at its commit; returns the problems that remain. */
function prepare(root: string, repos: Repository[]): string[] {
  const problems: string[] = [];
  const gitBase = process.env.ML_NOTES_CORPUS_GIT;
  for (const r of repos) {
    const dir = path.join(root, folderOf(r));
    if (fs.existsSync(dir)) {
      const at = checkoutCommit(dir);
      if (at && at !== r.commit) problems.push(`${dir} is at ${at.slice(0, 12)}, not ${r.commit.slice(0, 12)}: the labels are for the listed commit`);
      continue;
    }
    const gitDir = gitBase ? gitDirCandidates(path.resolve(gitBase), r).find((g) => fs.existsSync(g) && hasCommit(g, r.commit)) : undefined;
    if (!gitDir) {
      problems.push(`missing: ${dir}`);
      continue;
    }
    // The Python files at the commit are all the bench needs (large data files may be absent from a snapshot).
    fs.mkdirSync(dir, { recursive: true });
    const tar = spawnSync('git', ['--git-dir', gitDir, 'archive', r.commit, '--', ':(glob)**/*.py'], { maxBuffer: 1 << 30 });
    if (!tar.stdout?.length) {
      fs.rmSync(dir, { recursive: true, force: true });
      problems.push(`could not extract ${r.repo} from ${gitDir}: ${tar.stderr?.toString().trim()}`);
      continue;
    }
    execFileSync('tar', ['-x', '-C', dir], { input: tar.stdout });
    fs.writeFileSync(path.join(dir, STAMP), r.commit + '\n');
    console.log(`extracted ${r.repo}@${r.commit.slice(0, 12)} from ${gitDir}`);
  }
  return problems;
}

function howToGet(root: string, repos: Repository[]): string {
  return [
    `The ${corpusName} is not (all) here. It stays outside the project tree; get it one of these ways:`,
    `  - clone each repository at its commit into ${root}/<owner>+<name>:`,
    ...repos.map((r) => `      git clone https://github.com/${r.repo} ${path.join(root, folderOf(r))} && git -C ${path.join(root, folderOf(r))} checkout ${r.commit}`),
    '  - or set ML_NOTES_CORPUS_GIT to a folder of git directories (owner+name/repo, as the `fetch` tool leaves them,',
    '    owner+name.git, or owner/name): the bench extracts the Python files at the listed commits into the corpus folder;',
    '  - or set ML_NOTES_CORPUS to a folder that already has the checkouts (owner+name).',
  ].join('\n');
}

function pyFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!e.name.startsWith('.')) pyFiles(p, out);
    } else if (e.isFile() && e.name.endsWith('.py')) out.push(p);
  }
  return out;
}

/** Files (absolute paths) that python3 does not compile. */
function pythonRejects(files: string[]): Set<string> {
  const script = [
    'import sys, json, warnings',
    'warnings.simplefilter("ignore")',
    'bad = []',
    'for f in json.load(sys.stdin):',
    '    try:',
    '        compile(open(f, "rb").read(), f, "exec", dont_inherit=True)',
    '    except (SyntaxError, ValueError):',
    '        bad.append(f)',
    'print(json.dumps(bad))',
  ].join('\n');
  const out = execFileSync('python3', ['-c', script], { input: JSON.stringify(files), encoding: 'utf8', maxBuffer: 1 << 28 });
  return new Set(JSON.parse(out) as string[]);
}

/** The CLI as a whole process; with `cores`, pinned to that many cores (`taskset`: the process sees only those). */
function runCli(cwd: string, args: string[], cores?: number): { status: number | null; stdout: string; stderr: string; ms: number } {
  const command = cores === undefined ? [process.execPath, cli, ...args] : ['taskset', '-c', `0-${cores - 1}`, process.execPath, cli, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command[0], command.slice(1), { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms };
}

const keyOf = (repo: string, p: string, line: number, rule: string) => `${repo}|${p}|${line}|${rule}`;

interface FixCheck {
  changedFiles: number;
  fixesApplied: number;
  notCompiling: string[];
  newPyflakes: string[];
  secondRunChanged: string[];
  flake8: boolean;
  ms: number;
}

function hashFiles(files: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of files) m.set(f, crypto.createHash('sha1').update(fs.readFileSync(f)).digest('hex'));
  return m;
}

/** flake8 (all its default checks) over the same folders, whole processes: with one job and with its default jobs. */
function flake8Times(cwd: string, folders: string[]): { version: string; oneJobMs: number; defaultMs: number } {
  const time = (args: string[]) => {
    const t0 = process.hrtime.bigint();
    spawnSync('flake8', [...args, ...folders], { cwd, stdio: 'ignore' });
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const version = spawnSync('flake8', ['--version'], { encoding: 'utf8' }).stdout.trim().split(/\s/)[0];
  return { version, oneJobMs: time(['--jobs', '1']), defaultMs: time([]) };
}

/**
 * The whole process on one core and on every core, alternately (`runs` times each, medians): what a machine with more
 * cores gains, with everything the process runs beside its own thread (worker threads, and V8's compiler and garbage
 * collector threads). Undefined on a one-core machine or without `taskset`.
 */
function coreScaling(cwd: string, args: string[], expected: string, runs = 3): { oneCoreMs: number; allCoresMs: number; same: boolean; runs: number } | undefined {
  const all = availableParallelism();
  if (all < 2 || spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status !== 0) return undefined;
  const one: number[] = [];
  const every: number[] = [];
  let same = true;
  for (let r = 0; r < runs; r++) {
    const a = runCli(cwd, args, 1);
    const b = runCli(cwd, args, all);
    same &&= a.stdout === expected && b.stdout === expected;
    one.push(a.ms);
    every.push(b.ms);
  }
  const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
  return { oneCoreMs: median(sorted(one)), allCoresMs: median(sorted(every)), same, runs };
}

function flake8Available(): boolean {
  return spawnSync('flake8', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * pyflakes' undefined-name, redefinition and unused-variable messages per file (`F821 undefined name 'x'`), as counts:
 * a fix must not leave a name it uses undefined, define one twice, or add one nothing uses.
 */
function pyflakes(files: string[], cwd: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  if (!files.length) return out;
  const r = spawnSync('flake8', ['--select=F821,F811,F841', '--format=%(path)s\t%(code)s %(text)s', ...files], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  for (const line of r.stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const file = path.resolve(cwd, line.slice(0, tab));
    // Line numbers move with the fixes: compare the messages (code and names), counted.
    const msg = line.slice(tab + 1).replace(/ from line \d+/, '');
    let m = out.get(file);
    if (!m) out.set(file, (m = new Map()));
    m.set(msg, (m.get(msg) ?? 0) + 1);
  }
  return out;
}

function fixCheck(root: string, repos: Repository[]): FixCheck {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-notes-corpus-fix-'));
  try {
    for (const r of repos) {
      const src = path.join(root, folderOf(r));
      for (const f of pyFiles(src)) {
        const dest = path.join(tmp, folderOf(r), path.relative(src, f));
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.copyFileSync(f, dest);
      }
    }
    const files = pyFiles(tmp);
    const before = hashFiles(files);
    const first = runCli(tmp, ['lint', '--fix', ...repos.map(folderOf)]);
    const fixesApplied = first.stderr.split('\n').filter((l) => l.startsWith('fixed ')).length;
    const afterFirst = hashFiles(files);
    const changed = files.filter((f) => before.get(f) !== afterFirst.get(f));
    const rejectedOriginals = pythonRejects(changed.map((f) => path.join(root, path.relative(tmp, f))));
    const notCompiling = [...pythonRejects(changed)].filter((f) => !rejectedOriginals.has(path.join(root, path.relative(tmp, f)))).map((f) => path.relative(tmp, f));
    const flake8 = flake8Available();
    const newPyflakes: string[] = [];
    if (flake8 && changed.length) {
      const originals = changed.map((f) => path.join(root, path.relative(tmp, f)));
      const was = pyflakes(originals, root);
      const now = pyflakes(changed, tmp);
      for (const f of changed) {
        const orig = path.join(root, path.relative(tmp, f));
        for (const [msg, n] of now.get(f) ?? []) {
          const m = n - (was.get(orig)?.get(msg) ?? 0);
          if (m > 0) newPyflakes.push(`${path.relative(tmp, f)}: ${msg}${m > 1 ? ` (×${m})` : ''}`);
        }
      }
    }
    runCli(tmp, ['lint', '--fix', ...repos.map(folderOf)]);
    const afterSecond = hashFiles(files);
    const secondRunChanged = files.filter((f) => afterFirst.get(f) !== afterSecond.get(f)).map((f) => path.relative(tmp, f));
    return { changedFiles: changed.length, fixesApplied, notCompiling, newPyflakes, secondRunChanged, flake8, ms: first.ms };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function printContext(root: string, f: CliFinding): void {
  const lines = fs.readFileSync(path.join(root, f.file), 'utf8').split('\n');
  const from = Math.max(0, f.line - 1 - CONTEXT);
  const to = Math.min(lines.length, f.line + CONTEXT);
  console.log(`\n--- ${f.file}:${f.line}:${f.column} ${f.rule}\n    ${f.message}`);
  for (let i = from; i < to; i++) console.log(`${i + 1 === f.line ? '>' : ' '}${String(i + 1).padStart(5)}  ${lines[i]}`);
}

function main(): void {
  if (!fs.existsSync(cli)) {
    console.error(`${path.relative(process.cwd(), cli)} is missing: run \`npm run build\` first (npm run bench:corpus does).`);
    process.exitCode = 2;
    return;
  }
  const manifest = JSON.parse(fs.readFileSync(labelsFile, 'utf8')) as Manifest;
  const repos = manifest.repositories;
  const root = corpusRoot();
  const problems = prepare(root, repos);
  if (problems.length) {
    for (const p of problems) console.error(p);
    console.error('\n' + howToGet(root, repos));
    process.exitCode = 2;
    return;
  }

  // Findings: the whole CLI process, as a user runs it.
  const lint = runCli(root, ['lint', '--json', ...repos.map(folderOf)]);
  if (lint.status !== 0 && lint.status !== 1) {
    console.error(`ml-notes lint failed (exit ${lint.status}):\n${lint.stderr}`);
    process.exitCode = 2;
    return;
  }
  const findings = JSON.parse(lint.stdout) as CliFinding[];
  // The same on one thread: the same output, and how much the worker threads gain.
  const oneThread = runCli(root, ['lint', '--json', '--jobs', '1', ...repos.map(folderOf)]);
  const sameOnOneThread = oneThread.stdout === lint.stdout && oneThread.stderr === lint.stderr && oneThread.status === lint.status;
  const cores = coreScaling(root, ['lint', '--json', ...repos.map(folderOf)], lint.stdout);

  // Spurious syntax errors: files python3 compiles that the parser calls broken.
  const files = repos.flatMap((r) => pyFiles(path.join(root, folderOf(r))));
  let lines = 0;
  const flagged: string[] = [];
  const tParse0 = process.hrtime.bigint();
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    lines += text.split('\n').length;
    if (parsePython(text).module.errors.length) flagged.push(f);
  }
  const parseMs = Number(process.hrtime.bigint() - tParse0) / 1e6;
  const rejected = pythonRejects(files);
  const spurious = flagged.filter((f) => !rejected.has(f)).map((f) => path.relative(root, f));
  const missedErrors = [...rejected].filter((f) => !flagged.includes(f)).map((f) => path.relative(root, f));

  // Against the labels.
  const repoOfFolder = new Map(repos.map((r) => [folderOf(r), r] as const));
  const labels = new Map(manifest.labels.map((l) => [keyOf(l.repo, l.path, l.line, l.rule), l] as const));
  const seen = new Set<string>();
  const perRule = new Map<string, { findings: number; true: number; false: number; unlabelled: number; lost: number }>();
  const row = (rule: string) => {
    let r = perRule.get(rule);
    if (!r) perRule.set(rule, (r = { findings: 0, true: 0, false: 0, unlabelled: 0, lost: 0 }));
    return r;
  };
  const falseFindings: string[] = [];
  const unlabelled: CliFinding[] = [];
  for (const f of findings) {
    const slash = f.file.indexOf('/');
    const repo = repoOfFolder.get(f.file.slice(0, slash));
    if (!repo) continue;
    const key = keyOf(repo.repo, f.file.slice(slash + 1), f.line, f.rule);
    seen.add(key);
    const r = row(f.rule);
    r.findings++;
    const l = labels.get(key);
    if (!l) {
      r.unlabelled++;
      unlabelled.push(f);
    } else if (l.verdict) r.true++;
    else {
      r.false++;
      falseFindings.push(`${f.file}:${f.line} ${f.rule} — ${l.reason}`);
    }
  }
  const lost: string[] = [];
  for (const [key, l] of labels) {
    if (!l.verdict || seen.has(key)) continue;
    row(l.rule).lost++;
    lost.push(`${folderOf(l)}/${l.path}:${l.line} ${l.rule} — ${l.reason}`);
  }

  const fix = argv.includes('--no-fix') ? undefined : fixCheck(root, repos);
  const edits = argv.includes('--no-edits') ? undefined : editCheck(files, (f) => path.relative(root, f));

  console.log(`ML Notes corpus bench, ${corpusName} — ${repos.length} repositories, ${files.length} Python files, ${lines.toLocaleString('en')} lines (${root})\n`);
  console.log('| Rule | Findings | Labelled true | Labelled false | Unlabelled | True sites no longer found |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [rule, r] of [...perRule].sort()) console.log(`| ${rule} | ${r.findings} | ${r.true} | ${r.false} | ${r.unlabelled} | ${r.lost} |`);
  console.log('');
  console.log(`Spurious syntax errors (python3 compiles the file, the analysis flags it): ${spurious.length} of ${files.length} files`);
  for (const s of spurious) console.log(`  ${s}`);
  if (missedErrors.length) console.log(`Files python3 rejects that the analysis accepts: ${missedErrors.length}`);
  console.log(`Time: ml-notes lint over the corpus (whole process) ${Math.round(lint.ms)} ms; parse only, in process ${Math.round(parseMs)} ms`);
  console.log(
    `Threads: ${availableParallelism()} core(s); --jobs 1 ${Math.round(oneThread.ms)} ms, default ${Math.round(lint.ms)} ms: ` +
      `${(oneThread.ms / lint.ms).toFixed(2)}× faster; the same output on one thread: ${sameOnOneThread ? 'yes' : 'NO'}`,
  );
  if (cores) {
    console.log(
      `Cores: the same command on 1 core and on all ${availableParallelism()} (taskset, alternately, median of ${cores.runs}): ` +
        `${Math.round(cores.oneCoreMs)} ms and ${Math.round(cores.allCoresMs)} ms, ${(cores.oneCoreMs / cores.allCoresMs).toFixed(2)}× faster on all; ` +
        `the same output on 1 core: ${cores.same ? 'yes' : 'NO'}`,
    );
  } else console.log('Cores: not measured (one core, or taskset not installed)');
  const flake8 = argv.includes('--no-flake8') || !flake8Available() ? undefined : flake8Times(root, repos.map(folderOf));
  const perSecond = (ms: number) => Math.round(lines / (ms / 1000)).toLocaleString('en');
  if (flake8) {
    console.log(
      `Lines per second, whole processes: ml-notes lint ${perSecond(lint.ms)} (default threads), ${perSecond(oneThread.ms)} (--jobs 1); ` +
        `flake8 ${flake8.version} ${perSecond(flake8.oneJobMs)} (--jobs 1), ${perSecond(flake8.defaultMs)} (its default jobs)`,
    );
  } else console.log('flake8: not run (--no-flake8, or not installed: apt-get install flake8)');
  if (!sameOnOneThread || (cores && !cores.same)) process.exitCode = 1;
  if (fix) {
    console.log(
      `Fix check: ml-notes lint --fix changed ${fix.changedFiles} file(s) (${fix.fixesApplied} fixes, ${Math.round(fix.ms)} ms); ` +
        `not compiling after: ${fix.notCompiling.length}; new pyflakes F821/F811/F841: ${fix.flake8 ? fix.newPyflakes.length : 'not run (flake8 not installed: apt-get install flake8)'}; ` +
        `changed again by a second --fix: ${fix.secondRunChanged.length}`,
    );
    for (const f of [...fix.notCompiling.map((x) => `does not compile: ${x}`), ...fix.newPyflakes.map((x) => `new pyflakes: ${x}`), ...fix.secondRunChanged.map((x) => `changed again: ${x}`)]) console.log(`  ${f}`);
  }
  if (edits) {
    console.log(
      `Edit check: ${edits.edits.toLocaleString('en')} line edits (${Math.round(edits.ms)} ms); ${edits.compared.toLocaleString('en')} versions that parse ` +
        `re-analysed as the editor does and compared with a fresh analysis: findings differ in ${edits.findingsDiffer.length}, syntax trees in ${edits.treesDiffer.length}`,
    );
    for (const d of [...edits.findingsDiffer.map((x) => `findings differ: ${x}`), ...edits.treesDiffer.map((x) => `tree differs: ${x}`)]) console.log(`  ${d}`);
  }
  if (falseFindings.length) {
    console.log(`\nFalse findings (${falseFindings.length}):`);
    for (const f of falseFindings) console.log(`  ${f}`);
  }
  if (lost.length) {
    console.log(`\nSites labelled true that are no longer found (${lost.length}):`);
    for (const f of lost) console.log(`  ${f}`);
  }
  if (unlabelled.length) {
    console.log(`\nUnlabelled findings (${unlabelled.length}): read each one and label it in bench/corpus/${path.basename(labelsFile)}${show ? '' : ' (--show prints them with their code)'}`);
    for (const f of unlabelled) {
      if (show) printContext(root, f);
      else console.log(`  ${f.file}:${f.line} ${f.rule}`);
    }
  }

  const outDir = path.join(repoRoot, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    files: files.length,
    lines,
    rules: Object.fromEntries(perRule),
    spuriousSyntaxErrors: spurious,
    lintMs: Math.round(lint.ms),
    ...(cores ? { oneCoreMs: Math.round(cores.oneCoreMs), allCoresMs: Math.round(cores.allCoresMs) } : {}),
    parseMs: Math.round(parseMs),
    fix,
    edits: edits && { edits: edits.edits, compared: edits.compared, findingsDiffer: edits.findingsDiffer, treesDiffer: edits.treesDiffer },
    falseFindings,
    lost,
    unlabelled: unlabelled.map((f) => `${f.file}:${f.line} ${f.rule}`),
  };
  fs.writeFileSync(path.join(outDir, 'corpus-latest.json'), JSON.stringify(result, null, 2) + '\n');
  if (falseFindings.length || spurious.length || edits?.findingsDiffer.length || edits?.treesDiffer.length || fix?.notCompiling.length || fix?.newPyflakes.length || fix?.secondRunChanged.length) process.exitCode = 1;
}

main();
