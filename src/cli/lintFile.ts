/**
 * One file's work for `ml-notes lint`: read it (a Python file or a notebook), analyse it, fix it when asked (written
 * atomically, never when it does not parse). No output here: the caller prints the report, so that files can be
 * checked in any order, or in other threads, and still be reported in one order.
 */
import * as fs from 'node:fs';
import { fixText, lintText, syntaxErrorsOf, type AppliedFix } from '../core/lint';
import type { UnusedSuppression } from '../core/rules/suppressions';
import type { AnalyzeOptions, RuleHost } from '../core/rules/index';
import type { Finding } from '../core/rules/types';
import { cellPosition, notebookProgram, type CellLines } from '../core/notebook';
import { decodePythonSource, type PythonSource } from '../core/python/source';
import { writeAtomic } from './files';
import { parsePython } from '../core/python/parse';
import { parseShared } from '../core/python/project';
import type { CliProject } from './project';

export const MAX_LINT_BYTES = 5 * 1024 * 1024;

export interface FileSettings {
  options: AnalyzeOptions;
  fix: boolean;
  /** Longer files are skipped (set by the project config's `analysis-max-lines`; the CLI has no limit otherwise). */
  maxLines?: number;
  /** Suppressions that silence nothing are findings of their own (`--report-unused-ignores`). */
  reportUnusedIgnores?: boolean;
  /** The project's modules are read from here, to follow what a file imports from them. */
  project?: CliProject;
  /** The project's root folder, when a project config names it (else found from the file). */
  projectRoot?: string;
}

/** The id under which `--report-unused-ignores` reports a suppression that silences nothing. */
export const UNUSED_SUPPRESSION = 'unused-suppression';

export interface FileReport {
  /** The file as given (absolute). */
  file: string;
  /** As printed: relative to the working folder when inside it. */
  shown: string;
  findings: Finding[];
  /** For notebooks: where each code cell starts in the joined program, and its dedented lines. */
  cells?: CellLines;
  /** Fixes written to the file. */
  applied: AppliedFix[];
  /** Lines for stderr (skipped, unreadable, fix refused). */
  notices: string[];
  /** The file's first syntax error, for stderr: `file:line:col: syntax error: …`. */
  syntaxError?: string;
  /** The same, for the formats that place it (SARIF, GitHub): where (1-based; in a notebook, in its cell), why, how many. */
  syntax?: { line: number; column: number; cell?: number; message: string; count: number };
}

/**
 * Lints (and with `fix`, fixes) one file with the rules of `host` (whose reporter hears about a rule that fails).
 * Never throws for a bad file: what went wrong is a notice.
 */
export function lintFile(file: string, shown: string, settings: FileSettings, host: RuleHost): FileReport {
  const report: FileReport = { file, shown, findings: [], applied: [], notices: [] };
  let source: PythonSource;
  try {
    const st = fs.statSync(file);
    if (st.size > MAX_LINT_BYTES) {
      report.notices.push(`${shown}: skipped (${Math.round(st.size / 1024)} KB, over ${MAX_LINT_BYTES / 1024 / 1024} MB)`);
      return report;
    }
    // Read as Python reads it: a coding declaration, a byte order mark, bytes it cannot decode (a syntax error).
    source = decodePythonSource(fs.readFileSync(file));
  } catch (e) {
    report.notices.push(`${shown}: cannot read (${(e as Error).message})`);
    return report;
  }
  const text = source.text;
  const isNotebook = file.endsWith('.ipynb');
  const sourceErrors = isNotebook ? [] : source.errors;
  let program = text;
  if (isNotebook) {
    const nb = notebookProgram(text);
    if (!nb) {
      report.notices.push(`${shown}: not a readable Jupyter notebook; skipped`);
      return report;
    }
    program = nb.text;
    report.cells = { cellStartLines: nb.cellStartLines, dedented: nb.dedented };
  }
  if (settings.maxLines !== undefined) {
    const lines = countLines(program);
    if (lines > settings.maxLines) {
      report.notices.push(`${shown}: skipped (${lines} lines, over analysis-max-lines = ${settings.maxLines} in the project config)`);
      return report;
    }
  }
  // The modules of the project the file imports, for the analysis to follow (one parse, shared with the analysis, and
  // with the files of the run that import this one or that it imports).
  const parsed = isNotebook ? parsePython(program, undefined, 'cells') : parseShared(program);
  const base = isNotebook ? { ...settings.options, cells: true } : settings.options;
  const options = settings.project ? { ...base, project: settings.project.snapshot(file, parsed, settings.projectRoot) } : base;
  if (settings.fix && !isNotebook && (sourceErrors.length || source.encoding !== 'utf-8')) {
    // Not read as Python reads it, or it would not be written back in its own encoding: left alone.
    report.notices.push(`${shown}: ${sourceErrors[0]?.message ?? `declared ${source.encoding}: --fix writes UTF-8 only`}; nothing was changed.`);
  } else if (settings.fix && !isNotebook) {
    const res = fixText(program, options, undefined, host, parsed);
    if (res.refused && !res.applied.length) report.notices.push(`${shown}: ${res.refused}`);
    if (res.output !== program) {
      writeAtomic(file, source.bom ? `\ufeff${res.output}` : res.output);
      report.applied = res.applied;
    }
    report.findings = res.remaining;
    if (settings.reportUnusedIgnores) report.findings = withUnused(res.remaining, lintText(res.output, options, host).unusedSuppressions);
    // A file that does not parse is left as it is: its syntax error is said as without --fix.
    const { syntaxErrors, firstSyntaxError } = syntaxErrorsOf(program, parsed.module.errors);
    noteSyntaxErrors(report, syntaxErrors, firstSyntaxError);
    return report;
  }
  const { findings, syntaxErrors, firstSyntaxError, unusedSuppressions } = lintText(program, options, host, sourceErrors, parsed);
  // Said of a notebook with a fix to apply (not of every notebook of the tree).
  if (settings.fix && isNotebook && findings.some((f) => f.fixes.some((x) => x.isPreferred))) {
    report.notices.push(`${shown}: --fix does not edit notebooks; open it in VS Code to apply fixes`);
  }
  noteSyntaxErrors(report, syntaxErrors, firstSyntaxError);
  report.findings = settings.reportUnusedIgnores ? withUnused(findings, unusedSuppressions) : findings;
  return report;
}

/** A file's syntax errors, said once per file: the analysis goes on around them, and --fix leaves the file alone. */
function noteSyntaxErrors(report: FileReport, syntaxErrors: readonly { start: { line: number; character: number } }[], first: string | undefined): void {
  if (!syntaxErrors.length) return;
  const at = locate(syntaxErrors[0].start, report.cells);
  const message = `syntax error${first ? `: ${first}` : ''}`;
  report.syntaxError = `${report.shown}${at.cell !== undefined ? `#cell${at.cell}` : ''}:${at.line}:${at.column}: ${message} (${syntaxErrors.length} in the file; the rest is still checked)`;
  report.syntax = { ...at, message, count: syntaxErrors.length };
}

/** The findings and the unused suppressions (as findings of `unused-suppression`), in the order of the file. */
function withUnused(findings: Finding[], unused: readonly UnusedSuppression[]): Finding[] {
  if (!unused.length) return findings;
  const extra = unused.map((u): Finding => ({ rule: UNUSED_SUPPRESSION, range: u.range, message: u.message, severity: 'warning', noteRef: { slug: UNUSED_SUPPRESSION }, fixes: [] }));
  return [...findings, ...extra].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** 1-based line and column, within its notebook cell (1-based cell number) for notebooks. */
export function locate(pos: { line: number; character: number }, cells?: CellLines): { line: number; column: number; cell?: number } {
  if (!cells) return { line: pos.line + 1, column: pos.character + 1 };
  const at = cellPosition(cells, pos.line, pos.character);
  return { cell: at.cell + 1, line: at.line + 1, column: at.character + 1 };
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
