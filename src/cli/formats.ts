/**
 * `ml-notes lint --format text|json|sarif|github`: the findings of all files, printed once the files are checked.
 *
 * - text: `path:line:col: rule message` (notebooks: `path#cellN:line:col`), the default.
 * - json: an array of findings with their ranges, note and fixes (also `--json`).
 * - sarif: SARIF 2.1.0, one run: the rules with their note as help (text and Markdown) and `helpUri`, the results
 *   with regions, fixes as SARIF `fixes`, configuration problems and failed rules as notifications.
 * - github: GitHub Actions workflow commands, one `::warning file=…,line=…,col=…,title=…::message` line per finding.
 *
 * A file with a syntax error is said on stderr in every format; SARIF also lists it as a notification of the run, and
 * GitHub as an error annotation on the file.
 */
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import type { Finding, Severity } from '../core/rules/types';
import type { RuleMeta } from '../core/rules/index';
import type { NoteLibrary, ResolvedRef } from '../core/notes/library';
import { breadcrumbOf, excerptOf } from '../core/explain';
import type { ConfigProblem } from '../core/config/projectConfig';
import { locate, type FileReport } from './lintFile';
import { cellEdit, cellRange, type CellLines } from '../core/notebook';
import type { Range } from '../core/text';
import { shownPath } from './files';

export const FORMATS = ['text', 'json', 'sarif', 'github'] as const;
export type Format = (typeof FORMATS)[number];

export interface RunFacts {
  cwd: string;
  toolVersion: string;
  rules: readonly RuleMeta[];
  /** The notes, for the rules' help (SARIF); undefined when not loaded. */
  library?: NoteLibrary;
  /** Problems of the project configs met (errors: not applied; warnings). */
  configProblems: readonly ConfigProblem[];
  /** Rules that threw, with what they threw. */
  failedRules: ReadonlyMap<string, string>;
}

export function formatText(reports: readonly FileReport[]): string[] {
  const out: string[] = [];
  for (const r of reports) {
    for (const f of r.findings) {
      const loc = locate(f.range.start, r.cells);
      out.push(`${r.shown}${loc.cell !== undefined ? `#cell${loc.cell}` : ''}:${loc.line}:${loc.column}: ${f.rule} ${f.message}`);
    }
  }
  return out;
}

/**
 * The findings as JSON. With the notes (`resolve`), each also names its note (the file, relative to `cwd`) and the
 * section (and point) that teaches it: for a note check, where the check is written.
 */
export function formatJson(reports: readonly FileReport[], notes?: { resolve: (f: Finding, report: number) => ResolvedRef | undefined; cwd: string }): string {
  const noteOf = (f: Finding, i: number) => {
    const r = notes?.resolve(f, i);
    if (!r) return {};
    // The CLI's notes are named by their paths.
    const file = r.doc.id;
    return { note: path.isAbsolute(file) ? shownPath(notes!.cwd, file) : file, section: r.section.title, ...(r.point ? { point: r.point.summary } : {}) };
  };
  return JSON.stringify(
    reports.flatMap((r, i) =>
      r.findings.map((f) => ({
        file: r.shown,
        ...locate(f.range.start, r.cells),
        rule: f.rule,
        severity: f.severity,
        message: f.message,
        range: inCell(f.range, r.cells)?.range ?? f.range,
        noteRef: f.noteRef,
        ...noteOf(f, i),
        fixes: jsonFixes(f, r.cells),
      })),
    ),
    null,
    2,
  );
}

/**
 * A range as its notebook cell holds it (0-based lines and columns of the cell, and the cell, 1-based as `cell` is);
 * undefined when it spans cells. In a plain file, the range itself.
 */
function inCell(range: Range, cells: CellLines | undefined): { range: Range; cell?: number } | undefined {
  if (!cells) return { range };
  const at = cellRange(cells, range);
  return at && { cell: at.cell + 1, range: at.range };
}

/**
 * A finding's fixes as JSON; in a notebook, each edit in its cell's coordinates. A fix is left out, as the editor
 * leaves it out, when one of its edits spans cells or puts lines into a cell whose indentation the program took off.
 */
function jsonFixes(f: Finding, cells: CellLines | undefined) {
  const out = [];
  for (const x of f.fixes) {
    const edits = x.edits.map((e) => {
      if (!cells) return { range: e.range, newText: e.newText };
      const at = cellEdit(cells, e.range, e.newText);
      return at && { cell: at.cell + 1, range: at.range, newText: e.newText };
    });
    if (edits.every((e) => e)) out.push({ title: x.title, isPreferred: !!x.isPreferred, edits });
  }
  return out;
}

// ---- GitHub Actions workflow commands --------------------------------------------------------------------------

/** `::warning file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`, one line per finding. */
export function formatGithub(reports: readonly FileReport[], facts: RunFacts): string[] {
  const out: string[] = [];
  for (const p of facts.configProblems) {
    out.push(workflowCommand(p.severity === 'error' ? 'error' : 'warning', { file: shownPath(facts.cwd, p.file), line: p.line, col: p.column, title: 'ml-notes configuration' }, p.message));
  }
  for (const r of reports) {
    const x = r.syntax;
    if (x) {
      const why = `${x.message} (${x.count} in the file; the rest is still checked)`;
      if (x.cell !== undefined) out.push(workflowCommand('error', { file: r.shown, title: `syntax error (cell ${x.cell})` }, `cell ${x.cell}, line ${x.line}: ${why}`));
      else out.push(workflowCommand('error', { file: r.shown, line: x.line, col: x.column, title: 'syntax error' }, why));
    }
    for (const f of r.findings) {
      if (r.cells) {
        // Lines in a notebook are lines of a cell, not of the file's JSON: the annotation is on the file.
        const loc = locate(f.range.start, r.cells);
        out.push(workflowCommand(githubLevel(f.severity), { file: r.shown, title: `${f.rule} (cell ${loc.cell})` }, `cell ${loc.cell}, line ${loc.line}: ${f.message}`));
        continue;
      }
      const { start, end } = f.range;
      out.push(
        workflowCommand(
          githubLevel(f.severity),
          { file: r.shown, line: start.line + 1, col: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1, title: f.rule },
          f.message,
        ),
      );
    }
  }
  return out;
}

function githubLevel(s: Severity): 'error' | 'warning' | 'notice' {
  return s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'notice';
}

/** One workflow command, its properties and message escaped as the Actions runner reads them. */
export function workflowCommand(command: string, props: Record<string, string | number | undefined>, message: string): string {
  const list = Object.entries(props)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${command}${list ? ' ' + list : ''}::${escapeData(message)}`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

// ---- SARIF 2.1.0 -----------------------------------------------------------------------------------------------

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export function formatSarif(reports: readonly FileReport[], facts: RunFacts): string {
  const ruleIndex = new Map(facts.rules.map((r, i) => [r.id, i]));
  const srcRoot = pathToFileURL(facts.cwd.endsWith(path.sep) ? facts.cwd : facts.cwd + path.sep).href;
  const artifact = (file: string) => {
    const rel = path.relative(facts.cwd, file);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' } : { uri: pathToFileURL(file).href };
  };
  const results = reports.flatMap((r) => r.findings.map((f) => sarifResult(f, r, artifact(r.file), ruleIndex.get(f.rule))));
  const notifications = [
    ...facts.configProblems.map((p) => ({
      level: p.severity,
      message: { text: p.message },
      locations: [{ physicalLocation: { artifactLocation: artifact(p.file), region: { startLine: p.line, startColumn: p.column } } }],
      descriptor: { id: 'config' },
    })),
  ];
  const failures: object[] = [...facts.failedRules].map(([rule, message]) => ({
    level: 'error',
    message: { text: `Rule ${rule} failed: ${firstLine(message)}` },
    associatedRule: ruleIndex.has(rule) ? { id: rule, index: ruleIndex.get(rule) } : { id: rule },
    descriptor: { id: 'rule-failed' },
  }));
  // A file Python rejects: checked around the error, which the run reports where it is (in a notebook, by its cell).
  for (const r of reports) {
    const x = r.syntax;
    if (!x) continue;
    const why = `${x.message} (${x.count} in the file; the rest is still checked)`;
    const region = x.cell === undefined ? { region: { startLine: x.line, startColumn: x.column } } : {};
    failures.push({
      level: 'error',
      message: { text: x.cell === undefined ? why : `cell ${x.cell}, line ${x.line}: ${why}` },
      locations: [{ physicalLocation: { artifactLocation: artifact(r.file), ...region } }],
      descriptor: { id: 'syntax-error' },
    });
  }
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'ml-notes',
            version: facts.toolVersion,
            semanticVersion: facts.toolVersion,
            rules: facts.rules.map((m) => sarifRule(m, facts.library)),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: srcRoot } },
        invocations: [
          {
            executionSuccessful: facts.failedRules.size === 0 && !facts.configProblems.some((p) => p.severity === 'error'),
            ...(notifications.length ? { toolConfigurationNotifications: notifications } : {}),
            ...(failures.length ? { toolExecutionNotifications: failures } : {}),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}

function sarifRule(m: RuleMeta, library?: NoteLibrary) {
  const resolved = library?.resolveRef(m.noteRef);
  const note = resolved ? `${breadcrumbOf(resolved).join(' › ')}${resolved.point ? ` · point ${resolved.point.index}` : ''}` : m.noteRef.slug;
  const excerpt = resolved ? excerptOf(resolved, 40).markdown : '';
  const why = m.docs?.why;
  const text = [m.description, ...(why ? [why] : []), `The note: ${note}`, ...(excerpt ? [excerpt] : [])].join('\n\n');
  const markdown = [
    m.description,
    ...(why ? ['', why] : []),
    ...(m.docs ? ['', '```python', '# before', m.docs.before.trimEnd(), '# after', m.docs.after.trimEnd(), '```'] : []),
    '',
    `**The note:** ${note}`,
    ...(excerpt ? ['', excerpt] : []),
  ].join('\n');
  return {
    id: m.id,
    name: m.id.replace(/(^|-)(\w)/g, (_s, _d, c: string) => c.toUpperCase()),
    shortDescription: { text: m.description },
    fullDescription: { text: why ?? m.description },
    help: { text, markdown },
    ...(resolved ? { helpUri: `${pathToFileURL(resolved.doc.id).href}#${encodeURIComponent(resolved.section.slug)}` } : {}),
    defaultConfiguration: { level: sarifLevel(m.defaultSeverity) },
    properties: { tags: ['ml-notes', 'machine-learning'], fixable: m.fixable, note: note },
  };
}

function sarifResult(f: Finding, r: FileReport, artifactLocation: { uri: string; uriBaseId?: string }, ruleIndex: number | undefined) {
  const loc = locate(f.range.start, r.cells);
  const result: Record<string, unknown> = {
    ruleId: f.rule,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    level: sarifLevel(f.severity),
    message: { text: r.cells ? `${f.message} (cell ${loc.cell}, line ${loc.line})` : f.message },
  };
  if (r.cells) {
    // A notebook's lines are lines of its cells, not of the .ipynb file: the result names the cell instead.
    result.locations = [{ physicalLocation: { artifactLocation }, logicalLocations: [{ name: `cell ${loc.cell}`, kind: 'module' }] }];
    return result;
  }
  result.locations = [{ physicalLocation: { artifactLocation, region: region(f.range) } }];
  if (f.fixes.length) {
    result.fixes = f.fixes.map((x) => ({
      description: { text: x.title },
      artifactChanges: [{ artifactLocation, replacements: x.edits.map((e) => ({ deletedRegion: region(e.range), insertedContent: { text: e.newText } })) }],
    }));
  }
  return result;
}

/** A SARIF region: 1-based lines and columns (UTF-16 code units, as the run's columnKind says). */
function region(range: { start: { line: number; character: number }; end: { line: number; character: number } }) {
  return { startLine: range.start.line + 1, startColumn: range.start.character + 1, endLine: range.end.line + 1, endColumn: range.end.character + 1 };
}

function sarifLevel(s: Severity): 'error' | 'warning' | 'note' | 'none' {
  return s === 'error' ? 'error' : s === 'warning' ? 'warning' : s === 'off' ? 'none' : 'note';
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
