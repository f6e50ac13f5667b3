import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixText, lintText } from '../core/lint';
import { builtinHost, type AnalyzeOptions, type RuleErrorReporter, type RuleHost } from '../core/rules/index';
import type { Finding } from '../core/rules/types';
import type { Range } from '../core/text';
import { cellOfLine, notebookProgram } from '../core/notebook';
import type { CliIo } from './main';
import { shownPath, writeAtomic } from './files';

export interface LintArgs {
  paths: string[];
  json: boolean;
  fix: boolean;
  rules: string[];
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache', 'build', 'dist']);
const MAX_BYTES = 5 * 1024 * 1024;

/**
 * `ml-notes lint [paths…] [--json] [--fix] [--rule ID…]`: exit 1 when there are findings, 2 on usage errors and when a
 * rule failed (named on stderr, with the file; the other rules' findings are still reported).
 */
export async function runLint(args: LintArgs, io: CliIo, hostWith: (report: RuleErrorReporter) => RuleHost = builtinHost): Promise<number> {
  let current = '';
  let ruleFailures = 0;
  const host = hostWith((rule, e) => {
    ruleFailures++;
    io.err(`ml-notes lint: ${current}: rule ${rule} failed: ${String((e as Error)?.stack ?? e)}`);
  });
  const unknown = args.rules.filter((r) => !host.byId(r));
  if (unknown.length) {
    io.err(`ml-notes lint: unknown rule ${unknown.join(', ')} (rules: ${host.ids.join(', ')})`);
    return 2;
  }
  const options: AnalyzeOptions = args.rules.length ? { only: args.rules } : {};
  const files: string[] = [];
  for (const p of args.paths.length ? args.paths : ['.']) {
    const abs = path.resolve(io.cwd, p);
    if (!fs.existsSync(abs)) {
      io.err(`ml-notes lint: ${p}: no such file or folder`);
      return 2;
    }
    collect(abs, files, 0);
  }
  const report: { file: string; findings: Finding[]; cells?: number[] }[] = [];
  let total = 0;
  for (const file of files) {
    const shown = shownPath(io.cwd, file);
    current = shown;
    let text: string;
    try {
      const st = fs.statSync(file);
      if (st.size > MAX_BYTES) {
        io.err(`ml-notes lint: ${shown}: skipped (${Math.round(st.size / 1024)} KB, over ${MAX_BYTES / 1024 / 1024} MB)`);
        continue;
      }
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      io.err(`ml-notes lint: ${shown}: cannot read (${(e as Error).message})`);
      continue;
    }
    const isNotebook = file.endsWith('.ipynb');
    let program = text;
    let cellStarts: number[] | undefined;
    if (isNotebook) {
      const nb = notebookProgram(text);
      if (!nb) {
        io.err(`ml-notes lint: ${shown}: not a readable Jupyter notebook; skipped`);
        continue;
      }
      program = nb.text;
      cellStarts = nb.cellStartLines;
    }
    if (args.fix && !isNotebook) {
      const res = fixText(program, options, undefined, host);
      if (res.refused && !res.applied.length) io.err(`ml-notes lint: ${shown}: ${res.refused}`);
      if (res.output !== program) {
        writeAtomic(file, res.output);
        for (const a of res.applied) io.err(`fixed ${shown}:${a.line + 1}: ${a.rule} — ${a.title}`);
      }
      report.push({ file: shown, findings: res.remaining });
      total += res.remaining.length;
    } else {
      if (args.fix && isNotebook) io.err(`ml-notes lint: ${shown}: --fix does not edit notebooks; open it in VS Code to apply fixes`);
      const { findings, syntaxErrors, firstSyntaxError } = lintText(program, options, host);
      if (syntaxErrors.length && !args.json) {
        // Said once per file: the analysis goes on around the error, and --fix will leave the file alone.
        const at = locate(syntaxErrors[0], cellStarts);
        const where = `${shown}${at.cell !== undefined ? `#cell${at.cell}` : ''}:${at.line}:${at.column}`;
        io.err(`${where}: syntax error${firstSyntaxError ? `: ${firstSyntaxError}` : ''} (${syntaxErrors.length} in the file; the rest is still checked)`);
      }
      report.push({ file: shown, findings, cells: cellStarts });
      total += findings.length;
    }
  }
  if (args.json) {
    io.out(JSON.stringify(report.flatMap((r) => r.findings.map((f) => ({ file: r.file, ...locate(f.range, r.cells), rule: f.rule, severity: f.severity, message: f.message, range: f.range, noteRef: f.noteRef, fixes: f.fixes.map((x) => ({ title: x.title, isPreferred: !!x.isPreferred, edits: x.edits })) }))), null, 2));
  } else {
    for (const r of report) {
      for (const f of r.findings) {
        const loc = locate(f.range, r.cells);
        io.out(`${r.file}${loc.cell !== undefined ? `#cell${loc.cell}` : ''}:${loc.line}:${loc.column}: ${f.rule} ${f.message}`);
      }
    }
    if (total) io.err(`${total} finding(s) in ${report.filter((r) => r.findings.length).length} file(s); ${files.length} file(s) checked`);
  }
  if (ruleFailures) return 2;
  return total ? 1 : 0;
}

/** 1-based line and column, within its notebook cell (1-based cell number) for notebooks. */
function locate(range: Range, cellStarts?: number[]): { line: number; column: number; cell?: number } {
  if (!cellStarts) return { line: range.start.line + 1, column: range.start.character + 1 };
  const i = cellOfLine(cellStarts, range.start.line);
  return { cell: i + 1, line: range.start.line - cellStarts[i] + 1, column: range.start.character + 1 };
}

function collect(p: string, out: string[], depth: number): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return;
  }
  if (st.isSymbolicLink() && depth > 0) return;
  if (st.isDirectory() || (st.isSymbolicLink() && fs.statSync(p).isDirectory())) {
    if (depth > 32) return;
    for (const name of fs.readdirSync(p).sort()) {
      if (SKIP_DIRS.has(name) || name.startsWith('.')) continue;
      collect(path.join(p, name), out, depth + 1);
    }
  } else if (p.endsWith('.py') || p.endsWith('.ipynb') || depth === 0) out.push(p);
}
