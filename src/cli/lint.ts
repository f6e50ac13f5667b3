import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinHost, type AnalyzeOptions, type RuleErrorReporter, type RuleHost, type RuleMeta } from '../core/rules/index';
import type { Severity } from '../core/rules/types';
import { ProjectConfigs } from '../core/config/projectConfigs';
import { formatProblem, unknownRuleProblems, type ConfigProblem, type ProjectConfig } from '../core/config/projectConfig';
import type { CliIo } from './main';
import { shownPath } from './files';
import { nodeConfigFs } from './nodeFs';
import { collectFiles, walkProblems } from './walk';
import { lintFile, UNUSED_SUPPRESSION, type FileReport, type FileSettings } from './lintFile';
import { lintInThreads, threadsFor, type LintJob } from './parallel';
import { CliProject } from './project';
import { formatGithub, formatJson, formatSarif, formatText, type Format, type RunFacts } from './formats';
import { toolVersion } from './version';
import { NotesHosts, type NotesHost, type NotesToLoad } from './library';
import { checkProblemLine } from '../core/checks/index';

export interface LintArgs {
  paths: string[];
  format: Format;
  fix: boolean;
  /** Only these rules (`--rule`, repeatable). */
  rules: string[];
  /** `--notes` (added to the config's notes) and `--no-bundled`: for the rules' help in SARIF. */
  notes: string[];
  bundled: boolean;
  /** Report `# ml-notes: ignore…` comments that silence nothing (as findings of `unused-suppression`). */
  reportUnusedIgnores?: boolean;
  /** Worker threads (`--jobs`); by default one per core from 4 MB of Python a thread, 1 = none. */
  jobs?: number;
}

/** Exit codes of `ml-notes lint` (also in `--help` and the README). */
export const EXIT = { clean: 0, findings: 1, error: 2 } as const;

/**
 * `ml-notes lint [paths…]`: exit 0 when there are no findings, 1 when there are, 2 on a usage error, a broken project
 * config or a rule that failed (named on stderr with the file; the other files and rules are still checked and
 * reported). `hostWith` builds the rule host around the reporter that hears about failing rules.
 */
export async function runLint(args: LintArgs, io: CliIo, hostWith: (report: RuleErrorReporter) => RuleHost = builtinHost): Promise<number> {
  let current = '';
  const failedRules = new Map<string, string>();
  const reportRuleError = (rule: string, message: string) => {
    io.err(`ml-notes lint: ${current}: rule ${rule} failed: ${message}`);
    if (!failedRules.has(rule)) failedRules.set(rule, message);
  };
  const base = hostWith((rule, e) => reportRuleError(rule, String((e as Error)?.stack ?? e)));
  const configs = new ProjectConfigs(nodeConfigFs);
  const walked = await collectFiles(
    (args.paths.length ? args.paths : ['.']).map((p) => path.resolve(io.cwd, p)),
    configs,
  );
  const problems = walkProblems(io.cwd, walked, 'checked');
  for (const line of problems.lines) io.err(`ml-notes lint: ${line}`);
  if (problems.stop) return EXIT.error;
  const files: { file: string; config?: ProjectConfig }[] = [];
  const lookups = [];
  for (const file of walked.files) {
    const lookup = await configs.forFile(file);
    lookups.push(lookup);
    files.push({ file, config: lookup.config });
  }

  // The notes' checks run beside the built-in rules: those of the notes each file's config names, `--notes`, and the
  // bundled ones. A check that cannot work is named on stderr (once) and left out; the run then exits 2.
  const checkProblems = new Set<string>();
  const hosts = new NotesHosts(base, io);
  const hostFor = async (config: ProjectConfig | undefined): Promise<NotesHost> => {
    const entry = await hosts.for(notesToLoad(config, args, io.cwd));
    for (const p of entry.problems) {
      const line = `ml-notes lint: ${checkProblemLine(p, shownPath(io.cwd, p.file))}`;
      if (!checkProblems.has(line)) io.err(line);
      checkProblems.add(line);
    }
    return entry;
  };
  const hostOfFile: NotesHost[] = [];
  for (const f of files) hostOfFile.push(await hostFor(f.config));
  if (!files.length) await hostFor(undefined);
  const loaded = await hosts.all();
  const ruleIds = [...new Set(loaded.flatMap((h) => h.host.ids))];
  const unknown = args.rules.filter((r) => !ruleIds.includes(r));
  if (unknown.length) {
    io.err(`ml-notes lint: unknown rule ${unknown.join(', ')} (rules and checks: ${ruleIds.join(', ')})`);
    return EXIT.error;
  }

  const configProblems: ConfigProblem[] = [];
  const seenConfigs = new Set<string>();
  const usedConfigs: ProjectConfig[] = [];
  for (let i = 0; i < files.length; i++) {
    const lookup = lookups[i];
    const host = hostOfFile[i].host;
    const configFile = lookup.config?.file ?? lookup.broken?.file;
    if (configFile && !seenConfigs.has(configFile)) {
      seenConfigs.add(configFile);
      const ids = host.ids;
      const problems = lookup.broken ? lookup.broken.problems : [...lookup.warnings, ...unknownRuleProblems(lookup.config!, (id) => ids.includes(id), ids)];
      for (const p of problems) {
        configProblems.push(p);
        io.err(`ml-notes: ${p.severity === 'warning' ? 'warning: ' : ''}${formatProblem(p, shownPath(io.cwd, p.file))}${p.severity === 'error' ? ' (the configuration is not applied)' : ''}`);
      }
      if (lookup.config) usedConfigs.push(lookup.config);
    }
  }

  // Many files go to worker threads (not with --fix: a file fixed is a module another file may import, read in order).
  const threads = hostWith === builtinHost && !args.fix ? threadsFor({ files: files.length, bytes: args.jobs === undefined ? totalBytes(files.map((f) => f.file)) : 0 }, args.jobs) : 1;
  const checkSets = [...new Set(hostOfFile)];
  const jobs: LintJob[] = files.map(({ file, config }, i) => ({
    file,
    shown: shownPath(io.cwd, file),
    settings: { ...fileSettings(config, args), projectRoot: config?.dir },
    checks: checkSets.indexOf(hostOfFile[i]),
  }));
  let reports: FileReport[];
  let unreadable: string[];
  const project = new CliProject();
  const lintHere = (j: LintJob, i: number) => {
    current = j.shown;
    return lintFile(j.file, j.shown, { ...j.settings, project }, hostOfFile[i].host);
  };
  if (threads > 1) {
    ({ reports, unreadable } = await lintInThreads(
      jobs,
      threads,
      checkSets.map((h) => h.sources),
      (shown, rule, message) => {
        current = shown;
        reportRuleError(rule, message);
      },
      lintHere,
    ));
    unreadable = [...new Set([...unreadable, ...project.unreadable])];
  } else {
    reports = jobs.map(lintHere);
    unreadable = project.unreadable;
  }

  for (const u of [...unreadable].sort()) io.err(`ml-notes lint: ${u} (an imported module; followed as absent)`);
  for (const r of reports) {
    for (const n of r.notices) io.err(`ml-notes lint: ${n}`);
    // In every format: stdout is the format's own, and a file Python rejects is worth a line wherever the run is read.
    if (r.syntaxError) io.err(r.syntaxError);
    for (const a of r.applied) io.err(`fixed ${r.shown}:${a.line + 1}: ${a.rule} — ${a.title}`);
  }

  const total = reports.reduce((n, r) => n + r.findings.length, 0);
  if (args.format === 'text') {
    for (const line of formatText(reports)) io.out(line);
    if (total) io.err(`${total} finding(s) in ${reports.filter((r) => r.findings.length).length} file(s); ${reports.length} file(s) checked`);
  } else if (args.format === 'json') {
    io.out(formatJson(reports, { resolve: (f, i) => hostOfFile[i].library.resolveRef(f.noteRef), cwd: io.cwd }));
  } else {
    const notes = [...args.notes.map((n) => path.resolve(io.cwd, n)), ...usedConfigs.flatMap((c) => (c.notes ?? []).map((n) => resolveNotePath(c.dir, n)))];
    const bundled = args.bundled && usedConfigs.every((c) => c.includeBundledNotes !== false);
    const metas = new Map<string, RuleMeta>();
    for (const h of loaded) for (const r of h.host.rules) if (!metas.has(r.meta.id)) metas.set(r.meta.id, r.meta);
    if (args.reportUnusedIgnores) metas.set(UNUSED_SUPPRESSION_META.id, UNUSED_SUPPRESSION_META);
    const facts: RunFacts = { cwd: io.cwd, toolVersion: toolVersion(), rules: [...metas.values()], configProblems, failedRules };
    if (args.format === 'sarif') {
      // The notes the checks came from, when they are these (one config, or none), are not read (nor warned about) again.
      const { library } = await hosts.for({ notes, bundled });
      io.out(formatSarif(reports, { ...facts, library }));
    } else for (const line of formatGithub(reports, facts)) io.out(line);
  }
  if (failedRules.size || checkProblems.size || configProblems.some((p) => p.severity === 'error')) return EXIT.error;
  return total ? EXIT.findings : EXIT.clean;
}

/** What the project config sets for a file, with the command line on top (`--rule` runs a rule the config turns off). */
export function fileSettings(config: ProjectConfig | undefined, args: Pick<LintArgs, 'rules' | 'fix' | 'reportUnusedIgnores'>): FileSettings {
  const severities: Partial<Record<string, Severity>> = { ...(config?.rules ?? {}) };
  for (const id of args.rules) if (severities[id] === 'off') delete severities[id];
  const options: AnalyzeOptions = { severities, ...(args.rules.length ? { only: args.rules } : {}) };
  return { options, fix: args.fix, maxLines: config?.analysisMaxLines, reportUnusedIgnores: args.reportUnusedIgnores };
}

/** A notes path of a config: relative to its folder, `~/…` from the home folder, or absolute. */
export function resolveNotePath(dir: string, p: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(process.env.HOME ?? '', p.slice(1));
  return path.resolve(dir, p);
}

/** `unused-suppression` as a rule, for the SARIF rules list. */
const UNUSED_SUPPRESSION_META: RuleMeta = {
  id: UNUSED_SUPPRESSION,
  noteRef: { slug: UNUSED_SUPPRESSION },
  defaultSeverity: 'warning',
  fixable: false,
  description: 'A `# ml-notes: ignore…` comment that silences no finding (reported with --report-unused-ignores).',
};

/** The notes a file's checks come from: `--notes`, its config's notes, and the bundled ones unless left out. */
function notesToLoad(config: ProjectConfig | undefined, args: Pick<LintArgs, 'notes' | 'bundled'>, cwd: string): NotesToLoad {
  return {
    notes: [...args.notes.map((n) => path.resolve(cwd, n)), ...(config?.notes ?? []).map((n) => resolveNotePath(config!.dir, n))],
    bundled: args.bundled && config?.includeBundledNotes !== false,
  };
}

/** The files' sizes added up (a file that cannot be read counts for nothing: linting it will say why). */
function totalBytes(files: readonly string[]): number {
  let n = 0;
  for (const f of files) {
    try {
      n += fs.statSync(f).size;
    } catch {
      // unreadable: lintFile reports it
    }
  }
  return n;
}
