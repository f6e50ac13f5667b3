import * as vscode from 'vscode';
import { mergeFixes, type AnalyzeOptions } from '../core/rules/index';
import type { AnalysisEngine, TriedChecks } from '../core/analysisEngine';
import type { CheckSource } from '../core/checks/index';
import type { Finding, Severity } from '../core/rules/types';
import type { Range as CoreRange } from '../core/text';
import { logFailure, type Log } from './log';
import { cellEdit, cellRange, joinCells } from '../core/notebook';
import { commandLink } from './hover';
import { t, tt } from './l10n';
import { showDiagnostics } from './diagnostics';
import { Disposable, KeyedDebouncer } from './dispose';
import { explicitRules, explicitSetting, type ProjectConfigService } from './projectConfig';
import { SuppressionFixes } from '../core/rules/suppressions';
import { excludedByConfig } from '../core/config/projectConfigs';
import { SEVERITIES, type ProjectConfig } from '../core/config/projectConfig';
import type { ProjectModules } from './projectModules';
import { AnalysisRuns } from './analysisRuns';

export const SOURCE = 'ML Notes';
export const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('mlNotes');
const DEBOUNCE_MS = 300;

/** Text of one analysed unit: a Python document, or all Python cells of a notebook as one program. */
interface Unit {
  key: string;
  /** Version stamp: the document version, or the cell versions joined. */
  version: string;
  text: string;
  /**
   * Maps a range of `text` to a document (cell) and a range in it; undefined when it spans cells, or when it is to be
   * replaced by lines (`newText` with a line break) in a cell whose indentation the program took off (the new lines
   * would lack it).
   */
  map(range: CoreRange, newText?: string): { uri: vscode.Uri; range: vscode.Range } | undefined;
  /** The documents the unit covers (to clear their diagnostics). */
  uris: vscode.Uri[];
  /** A notebook's cells joined: parsed as IPython compiles a cell (see AnalyzeOptions.cells). */
  cells?: boolean;
}

interface Result {
  findings: Finding[];
  /** Findings by the document they land in (cells of a notebook). */
  byUri: Map<string, { finding: Finding; range: vscode.Range }[]>;
  /** The options it was analysed with (settings over the project config). */
  options: AnalyzeOptions;
}

/**
 * Diagnostics and code actions from the core rules. Analysis runs on open and change, debounced, once per document
 * version, in the analysis engine (a worker thread on desktop); files over `mlNotes.analysis.maxLines` are skipped
 * with one message.
 */
export class AnalysisService extends Disposable implements vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix, FIX_ALL_KIND, vscode.CodeActionKind.RefactorRewrite];
  private readonly collection = vscode.languages.createDiagnosticCollection('mlNotes');
  /** The kept results, and the runs under way (shared by a code action request and a diagnostics run). */
  private readonly runs = new AnalysisRuns<Result>();
  private readonly debouncer: KeyedDebouncer;
  private readonly skipped = new Set<string>();
  /** The suppression fixes of code actions, from one scan per text of a document. */
  private readonly suppressionFixes = new SuppressionFixes();

  constructor(
    private readonly log: Log,
    private readonly engine: AnalysisEngine,
    private readonly configs: ProjectConfigService,
    /** The project's modules a file imports, followed by the analysis. */
    private readonly modules: ProjectModules,
    /** The title a note reference shows in "Explain: open the note …" (the section, and the point's first words). */
    private readonly noteLabel: (ref: Finding['noteRef']) => string | undefined = () => undefined,
  ) {
    super();
    this.register(engine);
    this.debouncer = this.register(new KeyedDebouncer((e) => logFailure(this.log, 'Analysis', e)));
    this.registerAll(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length && this.schedule(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      vscode.workspace.onDidOpenNotebookDocument((n) => this.scheduleNotebook(n, 0)),
      vscode.workspace.onDidChangeNotebookDocument((e) => this.scheduleNotebook(e.notebook, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseNotebookDocument((n) => {
        this.forgetKey(n.uri.toString());
        for (const c of n.getCells()) this.collection.delete(c.document.uri);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mlNotes.rules') || e.affectsConfiguration('mlNotes.analysis')) this.analyzeAll();
      }),
      // A project config saved (or changed on disk): every open file is analysed again under it.
      configs.onDidChange(() => this.analyzeAll()),
      // A module of the project changed: the files that follow it are analysed again.
      modules.onDidChange((keys) => this.reanalyze(keys)),
    );
    this.analyzeAll();
  }

  /** The notes' checks changed: the engine runs the new ones, and every open document is analysed again. */
  setChecks(sources: CheckSource[]): void {
    this.engine.setChecks(sources);
    this.analyzeAll();
  }

  /** Where a note's checks match a text (one file of "Try this check"), in the analysis engine, off this thread. */
  tryChecks(sources: CheckSource[], text: string): Promise<TriedChecks> {
    return this.engine.tryChecks(sources, text);
  }

  /** The findings shown at a position of a document (for the hover). */
  findingsAt(uri: vscode.Uri, position: vscode.Position): Finding[] {
    const out: Finding[] = [];
    for (const r of this.runs.all()) for (const x of r.byUri.get(uri.toString()) ?? []) if (x.range.contains(position)) out.push(x.finding);
    return out;
  }

  private reanalyze(keys: readonly string[]): void {
    for (const key of keys) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
      if (doc) this.schedule(doc, DEBOUNCE_MS);
      const nb = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === key);
      if (nb) this.scheduleNotebook(nb, DEBOUNCE_MS);
    }
  }

  private analyzeAll(): void {
    this.runs.invalidate();
    for (const d of vscode.workspace.textDocuments) if (d.uri.scheme !== 'vscode-notebook-cell') this.schedule(d, 0);
    for (const n of vscode.workspace.notebookDocuments) this.scheduleNotebook(n, 0);
  }

  /**
   * Severities: the rules' defaults, then the project config's `rules`, then `mlNotes.rules.<id>` where the user set
   * it (built-in rules and note checks alike). A setting left at its default does not override the config.
   */
  private options(scope: vscode.ConfigurationScope | undefined, config: ProjectConfig | undefined): AnalyzeOptions {
    const cfg = vscode.workspace.getConfiguration('mlNotes', scope);
    const severities: Partial<Record<string, Severity>> = { ...(config?.rules ?? {}) };
    for (const [id, v] of Object.entries(explicitRules(scope))) {
      if ((SEVERITIES as readonly unknown[]).includes(v)) severities[id] = v as Severity;
    }
    return { severities, instanceNormAsBatchNorm: cfg.get<boolean>('analysis.instanceNormAsBatchNorm', false) };
  }

  private enabled(scope?: vscode.ConfigurationScope): boolean {
    return vscode.workspace.getConfiguration('mlNotes', scope).get<boolean>('analysis.enabled', true);
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    if (doc.languageId !== 'python' || doc.uri.scheme === 'vscode-notebook-cell') {
      if (doc.uri.scheme === 'vscode-notebook-cell') {
        const nb = vscode.workspace.notebookDocuments.find((n) => n.getCells().some((c) => c.document === doc));
        if (nb) this.scheduleNotebook(nb, delay);
      }
      return;
    }
    this.debounce(doc.uri.toString(), delay, () => void this.run(documentUnit(doc), doc));
  }

  private scheduleNotebook(nb: vscode.NotebookDocument, delay: number): void {
    if (!nb.getCells().some((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python')) return;
    this.debounce(nb.uri.toString(), delay, () => void this.run(notebookUnit(nb), nb.uri));
  }

  private debounce(key: string, delay: number, fn: () => void): void {
    this.debouncer.run(key, delay, fn);
  }

  /** Findings for the unit, from the cache when the version matches (or the run under way for it). */
  private async analyze(unit: Unit, scope: vscode.ConfigurationScope): Promise<Result | undefined> {
    const order = this.runs.ask();
    const { config } = await this.configs.forUri(vscode.Uri.parse(unit.key));
    // A result is for one version of the text under one set of options (a severity changed is another result).
    const settings = unit.cells ? { ...this.options(scope, config), cells: true } : this.options(scope, config);
    if (!this.enabled(scope) || excludedByConfig(config, unit.key)) return undefined;
    // mlNotes.analysis.maxLines where the user set it, else the config's analysis-max-lines, else the default.
    const explicitMax = explicitSetting<number>('mlNotes', 'analysis.maxLines', scope);
    const maxLines = explicitMax ?? config?.analysisMaxLines ?? vscode.workspace.getConfiguration('mlNotes', scope).get<number>('analysis.maxLines', 10000);
    const lines = countLines(unit.text);
    if (lines > maxLines) {
      if (!this.skipped.has(`${unit.key}|${maxLines}`)) {
        this.skipped.add(`${unit.key}|${maxLines}`);
        if (explicitMax === undefined && config?.analysisMaxLines !== undefined) this.log.info(t('Not analysed: {0} has {1} lines, over analysis-max-lines ({2}) in {3}.', unit.key, lines, maxLines, config.file));
        else this.log.info(t('Not analysed: {0} has {1} lines, over mlNotes.analysis.maxLines ({2}).', unit.key, lines, maxLines));
      }
      return undefined;
    }
    // The project's modules it imports go with the text (their digest in the stamp: a module edited is another result).
    const project = await this.modules.snapshot(unit.key, vscode.Uri.parse(unit.key), unit.text);
    const options: AnalyzeOptions = project ? { ...settings, project: project.snapshot } : settings;
    const stamp = `${unit.version}|${JSON.stringify(settings)}|${project?.digest ?? ''}`;
    return this.runs.run(unit.key, stamp, order, () => this.engine.analyze(unit.key, unit.text, options).then(
      (analysis) => {
        const byUri = new Map<string, { finding: Finding; range: vscode.Range }[]>();
        for (const f of analysis.findings) {
          const m = unit.map(f.range);
          if (!m) continue;
          const k = m.uri.toString();
          const list = byUri.get(k) ?? [];
          list.push({ finding: f, range: m.range });
          byUri.set(k, list);
        }
        return { findings: analysis.findings, byUri, options };
      },
      (e: unknown) => {
        logFailure(this.log, 'Analysis', e);
        return undefined;
      },
    ));
  }

  private async run(unit: Unit, scope: vscode.ConfigurationScope): Promise<void> {
    const result = await this.analyze(unit, scope);
    if (result && this.runs.latest(unit.key) !== result) return; // a newer analysis of the unit is shown
    for (const uri of unit.uris) {
      showDiagnostics(this.collection, uri, (result?.byUri.get(uri.toString()) ?? []).map((x) => toDiagnostic(x.finding, x.range)));
    }
  }

  private forget(uri: vscode.Uri): void {
    if (uri.scheme === 'vscode-notebook-cell') return;
    this.forgetKey(uri.toString());
    this.collection.delete(uri);
  }

  private forgetKey(key: string): void {
    this.debouncer.cancel(key);
    this.engine.forget(key);
    this.modules.forget(key);
    this.runs.forget(key);
  }

  /** The up-to-date analysis of the document's unit (computed now if the cached one is stale). */
  private async current(doc: vscode.TextDocument): Promise<{ result: Result; unit: Unit } | undefined> {
    let unit: Unit;
    if (doc.uri.scheme === 'vscode-notebook-cell') {
      const nb = vscode.workspace.notebookDocuments.find((n) => n.getCells().some((c) => c.document === doc));
      if (!nb) return undefined;
      unit = notebookUnit(nb);
    } else if (doc.languageId === 'python') unit = documentUnit(doc);
    else return undefined;
    const result = await this.analyze(unit, doc);
    return result ? { result, unit } : undefined;
  }

  async provideCodeActions(
    doc: vscode.TextDocument,
    range: vscode.Range | vscode.Selection,
    context: vscode.CodeActionContext,
    token?: vscode.CancellationToken,
  ): Promise<vscode.CodeAction[]> {
    const cur = await this.current(doc);
    if (!cur || token?.isCancellationRequested) return [];
    const mine = cur.result.byUri.get(doc.uri.toString()) ?? [];
    const actions: vscode.CodeAction[] = [];
    const only = context.only;
    const wants = (kind: vscode.CodeActionKind) => !only || only.contains(kind) || kind.contains(only);

    if (wants(vscode.CodeActionKind.QuickFix)) {
      const diags = context.diagnostics.filter((d) => d.source === SOURCE);
      for (const { finding, range: fr } of mine) {
        const diag = diags.find((d) => d.range.isEqual(fr) && codeOf(d) === finding.rule);
        if (!diag) continue;
        for (const fix of finding.fixes) {
          const a = new vscode.CodeAction(tt(fix.titleL10n, fix.title), vscode.CodeActionKind.QuickFix);
          a.edit = this.workspaceEdit(cur.unit, fix.edits);
          a.diagnostics = [diag];
          a.isPreferred = fix.isPreferred;
          if (a.edit) actions.push(a);
        }
        const explain = new vscode.CodeAction(t('Explain: open the note “{0}”', this.noteLabel(finding.noteRef) ?? finding.noteRef.slug), vscode.CodeActionKind.QuickFix);
        explain.command = { command: 'mlNotes.openSection', title: t('Open in ML Notes'), arguments: [finding.noteRef] };
        explain.diagnostics = [diag];
        actions.push(explain);
        // Suppressions: comments written into the file (one undoable edit each; a comment already there is kept).
        for (const fix of this.suppressionFixes.fixesFor(cur.unit.key, cur.unit.text, finding)) {
          const a = new vscode.CodeAction(tt(fix.titleL10n, fix.title), vscode.CodeActionKind.QuickFix);
          a.edit = this.workspaceEdit(cur.unit, fix.edits);
          a.diagnostics = [diag];
          if (a.edit) actions.push(a);
        }
      }
      const fixable = mine.filter((x) => x.finding.fixes.some((f) => f.isPreferred));
      if (fixable.length > 1 && diags.length) {
        const all = this.fixAllAction(cur, vscode.CodeActionKind.QuickFix);
        if (all) actions.push(all);
      }
    }
    if (only && only.intersects(FIX_ALL_KIND)) {
      const all = this.fixAllAction(cur, FIX_ALL_KIND);
      if (all) actions.push(all);
    }

    // The rules' own actions at the cursor (a refactoring on any construct they know), without a diagnostic; a rule
    // with a finding here offers that finding's fixes instead.
    if (wants(vscode.CodeActionKind.RefactorRewrite) && doc.uri.scheme !== 'vscode-notebook-cell') {
      const offers = await this.engine.actionsAt(cur.unit.key, cur.unit.text, { line: range.start.line, character: range.start.character }, cur.result.options).catch((e: unknown) => {
        logFailure(this.log, 'Code actions', e);
        return [];
      });
      for (const { rule, fix } of offers) {
        if (mine.some((x) => x.finding.rule === rule && x.range.contains(range.start))) continue;
        const a = new vscode.CodeAction(tt(fix.titleL10n, fix.title), vscode.CodeActionKind.RefactorRewrite);
        a.edit = this.workspaceEdit(cur.unit, fix.edits);
        if (a.edit) actions.push(a);
      }
    }
    return actions;
  }

  /** "ML Notes: Fix All Findings in File": one undoable edit, refused if the document changed meanwhile. */
  async fixAllInEditor(editor: vscode.TextEditor | undefined): Promise<boolean> {
    if (!editor) return false;
    const doc = editor.document;
    const version = doc.version;
    const cur = await this.current(doc);
    const action = cur && this.fixAllAction(cur, FIX_ALL_KIND);
    if (!action?.edit) {
      void vscode.window.showInformationMessage(t('No ML Notes findings with a fix in this file.'));
      return false;
    }
    if (doc.version !== version) return false;
    return vscode.workspace.applyEdit(action.edit);
  }

  private fixAllAction(cur: { result: Result; unit: Unit }, kind: vscode.CodeActionKind): vscode.CodeAction | undefined {
    // A fix the documents cannot take (one spanning notebook cells…) is left out, not the others with it.
    const mappable = (f: Finding) => {
      const fix = f.fixes.find((x) => x.isPreferred);
      return fix?.edits.every((e) => cur.unit.map(e.range, e.newText)) ? fix : undefined;
    };
    const { edits, applied } = mergeFixes(cur.unit.text, cur.result.findings, mappable);
    if (!edits.length) return undefined;
    const a = new vscode.CodeAction(t('Fix all ML Notes findings ({0})', applied.length), kind);
    a.edit = this.workspaceEdit(cur.unit, edits);
    return a.edit ? a : undefined;
  }

  /**
   * Core edits → one WorkspaceEdit. VS Code applies it only to the document version it was computed for (the
   * extension host stamps text edits with the document's version), so a stale fix is refused, never misapplied.
   */
  private workspaceEdit(unit: Unit, edits: readonly { range: CoreRange; newText: string }[]): vscode.WorkspaceEdit | undefined {
    const we = new vscode.WorkspaceEdit();
    for (const e of edits) {
      const m = unit.map(e.range, e.newText);
      if (!m) return undefined;
      we.replace(m.uri, m.range, e.newText);
    }
    return we;
  }

}

function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}

function toDiagnostic(f: Finding, range: vscode.Range): vscode.Diagnostic {
  const d = new vscode.Diagnostic(range, tt(f.messageL10n, f.message), severityOf(f.severity));
  d.source = SOURCE;
  d.code = { value: f.rule, target: vscode.Uri.parse(commandLink('mlNotes.openSection', [f.noteRef])) };
  return d;
}

function severityOf(s: Severity): vscode.DiagnosticSeverity {
  switch (s) {
    case 'error':
      return vscode.DiagnosticSeverity.Error;
    case 'warning':
      return vscode.DiagnosticSeverity.Warning;
    case 'information':
      return vscode.DiagnosticSeverity.Information;
    default:
      return vscode.DiagnosticSeverity.Hint;
  }
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function documentUnit(doc: vscode.TextDocument): Unit {
  return {
    key: doc.uri.toString(),
    version: String(doc.version),
    text: doc.getText(),
    uris: [doc.uri],
    map: (r) => ({ uri: doc.uri, range: new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character) }),
  };
}

/** The notebook's Python code cells joined into one program; each cell starts on a known line. */
export function notebookUnit(nb: vscode.NotebookDocument): Unit {
  const cells = nb.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python');
  const joined = joinCells(cells.map((c) => c.document.getText()));
  return {
    key: nb.uri.toString(),
    version: cells.map((c) => c.document.version).join('.'),
    text: joined.text,
    cells: true,
    uris: cells.map((c) => c.document.uri),
    map: (r, newText) => {
      const at = newText === undefined ? cellRange(joined, r) : cellEdit(joined, r, newText);
      if (!at) return undefined;
      const { start, end } = at.range;
      return { uri: cells[at.cell].document.uri, range: new vscode.Range(start.line, start.character, end.line, end.character) };
    },
  };
}
