/**
 * `ml-notes lsp`: the language server (stdio) for editors other than VS Code (Neovim, Helix, Zed, Sublime LSP,
 * jupyterlab-lsp). A thin adapter over the core, as src/vscode is:
 *
 * - hover: the extension's Markdown (src/core/hoverMarkdown.ts), links as file URIs of the notes;
 * - diagnostics, pushed on open, change (debounced) and save: code = rule id, codeDescription = the note;
 * - code actions: the fixes (preferred first), "Ignore … on this line / in this file", "Explain: open the note"
 *   (command `mlNotes.explain`, which returns the note's location), and fix-all (`source.fixAll.mlNotes`);
 * - `workspace/executeCommand`: `mlNotes.lookUp` (ranked sections for a query) and `mlNotes.explain`;
 * - settings: initializationOptions, then `workspace/configuration` (section `mlNotes`) over the project config
 *   (`[tool.ml-notes]` / `.ml-notes.toml`, nearest above each file).
 *
 * Python is analysed in a worker thread (the editor's engine), so a large file never blocks hovers; an analysis made
 * stale by a newer edit is dropped, and requests honour their cancellation tokens.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
// `vscode-languageserver/node` is mapped through the package's `exports`; tsconfig's `paths` points the type checker
// (whose module resolution does not read `exports`) at the same files.
import { createConnection, ProposedFeatures, TextDocuments, type Connection } from 'vscode-languageserver/node';
import {
  CodeActionKind,
  DiagnosticSeverity,
  TextDocumentSyncKind,
  type CodeAction,
  type Diagnostic,
  type InitializeParams,
  type TextEdit as LspTextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ANALYSIS_WORKER_LIMITS, LocalAnalysisEngine, WorkerAnalysisEngine, type AnalysisEngine, type AnalysisResponse } from '../core/analysisEngine';
import { excerptFigures, excerptOf, explainAt, focusOf, hoverWindow } from '../core/explain';
import type { Excerpt } from '../core/excerpt';
import { hoverMarkdownText, type FigureState } from '../core/hoverMarkdown';
import { imageSize } from '../core/render/imageSize';
import type { NoteLibrary } from '../core/notes/library';
import type { NoteRef } from '../core/notes/types';
import { mergeFixes, ruleIds, type AnalyzeOptions, type RuleErrorReporter } from '../core/rules/index';
import { checkProblemLine, checkSourcesOf, compileChecks } from '../core/checks/index';
import type { Finding, Fix, Severity } from '../core/rules/types';
import { SuppressionFixes } from '../core/rules/suppressions';
import { ProjectConfigs, excludedByConfig } from '../core/config/projectConfigs';
import { SEVERITIES, formatProblem, type ProjectConfig } from '../core/config/projectConfig';
import { LibraryLookup } from '../core/search/libraryLookup';
import { fillText } from '../core/message';
import { nodeConfigFs } from '../cli/nodeFs';
import { loadLibrary } from '../cli/library';
import { resolveNotePath } from '../cli/lint';

/** What a client may set (initializationOptions, or the `mlNotes` section of workspace/configuration). */
export interface LspSettings {
  notesPaths?: string[];
  includeBundledNotes?: boolean;
  rules?: Record<string, Severity>;
  analysis?: { enabled?: boolean; maxLines?: number; instanceNormAsBatchNorm?: boolean };
  hover?: { enabled?: boolean; maxLines?: number };
}

export const LSP_COMMANDS = { lookUp: 'mlNotes.lookUp', explain: 'mlNotes.explain' } as const;
const FIX_ALL = `${CodeActionKind.SourceFixAll}.mlNotes`;
const DEBOUNCE_MS = 200;

export function startLanguageServer(connection: Connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout)): Connection {
  const documents = new TextDocuments(TextDocument);
  const configs = new ProjectConfigs(nodeConfigFs);
  /** The suppression fixes of code actions, from one scan per text of a document. */
  const suppressionFixes = new SuppressionFixes();
  let initSettings: LspSettings = {};
  let clientSettings: LspSettings = {};
  let canPullConfiguration = false;
  let roots: string[] = [];
  let library: Promise<NoteLibrary> | undefined;
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Last result per document: its version, findings and options. */
  const results = new Map<string, { version: number; findings: Finding[]; options: AnalyzeOptions }>();
  const log = (m: string) => connection.console.log(m);
  const report: RuleErrorReporter = (rule, e) => connection.console.error(`Rule ${rule} failed: ${String((e as Error)?.stack ?? e)}`);
  const engine = createEngine(report, log);

  const settings = (): LspSettings => ({ ...initSettings, ...clientSettings, analysis: { ...initSettings.analysis, ...clientSettings.analysis }, hover: { ...initSettings.hover, ...clientSettings.hover }, rules: { ...initSettings.rules, ...clientSettings.rules } });

  const notes = (): Promise<NoteLibrary> => {
    library ??= (async () => {
      const s = settings();
      let bundled = s.includeBundledNotes;
      const paths: string[] = [...(s.notesPaths ?? []).map((p) => (path.isAbsolute(p) || p.startsWith('~') ? p : path.resolve(roots[0] ?? process.cwd(), p)))];
      for (const root of roots) {
        const { config, broken } = await configs.forFolder(root);
        for (const p of broken?.problems ?? []) connection.console.warn(`${formatProblem(p)} (the project configuration is not applied)`);
        if (!config) continue;
        if (s.notesPaths === undefined) paths.push(...(config.notes ?? []).map((n) => resolveNotePath(config.dir, n)));
        if (bundled === undefined && config.includeBundledNotes === false) bundled = false;
      }
      const lines: string[] = [];
      const lib = await loadLibrary({ notes: paths, bundled: bundled ?? true }, { out: log, err: (m) => lines.push(m), cwd: roots[0] ?? process.cwd() });
      for (const l of lines) connection.console.warn(l);
      log(`ML Notes: ${lib.documents().length} note file(s) loaded.`);
      // The notes' checks run beside the built-in rules; those that cannot work are said here and left out.
      const sources = checkSourcesOf(lib.documents());
      engine.setChecks(sources);
      for (const p of compileChecks(sources, new Set(ruleIds)).problems) connection.console.warn(checkProblemLine(p, fileOf(p.file) ?? p.file));
      return lib;
    })();
    return library;
  };

  /** Defaults < project config < the client's settings. */
  const optionsFor = (config: ProjectConfig | undefined): AnalyzeOptions => {
    const s = settings();
    const severities: Partial<Record<string, Severity>> = { ...(config?.rules ?? {}) };
    for (const [id, v] of Object.entries(s.rules ?? {})) if ((SEVERITIES as readonly string[]).includes(v)) severities[id] = v;
    return { severities, instanceNormAsBatchNorm: s.analysis?.instanceNormAsBatchNorm ?? false };
  };

  const analyze = async (doc: TextDocument) => {
    if (doc.languageId && doc.languageId !== 'python') return;
    const file = fileOf(doc.uri);
    const lookup = file ? await configs.forFile(file) : { config: undefined, broken: undefined };
    if (lookup.broken) for (const p of lookup.broken.problems) connection.console.warn(`${formatProblem(p)} (the project configuration is not applied)`);
    const s = settings();
    const maxLines = s.analysis?.maxLines ?? lookup.config?.analysisMaxLines ?? 10000;
    const excluded = file !== undefined && excludedByConfig(lookup.config, file);
    if (s.analysis?.enabled === false || excluded || doc.lineCount > maxLines) {
      if (doc.lineCount > maxLines) log(`Not analysed: ${doc.uri} has ${doc.lineCount} lines, over the limit (${maxLines}).`);
      results.set(doc.uri, { version: doc.version, findings: [], options: {} });
      void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: [] });
      return;
    }
    const version = doc.version;
    const options = optionsFor(lookup.config);
    // The notes first: their checks are part of the analysis.
    const lib = await notes();
    const r = await engine.analyze(doc.uri, doc.getText(), options).catch((e: unknown) => {
      connection.console.error(`Analysis failed: ${String((e as Error)?.stack ?? e)}`);
      return undefined;
    });
    // A newer version was asked for meanwhile (or the document closed): this result is stale.
    if (!r || documents.get(doc.uri)?.version !== version) return;
    results.set(doc.uri, { version, findings: r.findings, options });
    void connection.sendDiagnostics({ uri: doc.uri, version, diagnostics: r.findings.map((f) => toDiagnostic(f, lib)) });
  };

  const schedule = (doc: TextDocument, delay: number) => {
    clearTimeout(timers.get(doc.uri));
    timers.set(
      doc.uri,
      setTimeout(() => {
        timers.delete(doc.uri);
        void analyze(doc);
      }, delay),
    );
  };

  /** The findings of the document's current version (analysed now if the last result is older). */
  const current = async (doc: TextDocument) => {
    const r = results.get(doc.uri);
    if (r && r.version === doc.version) return r;
    await analyze(doc);
    const again = results.get(doc.uri);
    return again && again.version === doc.version ? again : undefined;
  };

  connection.onInitialize((params: InitializeParams) => {
    initSettings = sanitize(params.initializationOptions);
    canPullConfiguration = !!params.capabilities.workspace?.configuration;
    roots = (params.workspaceFolders ?? []).map((f) => fileOf(f.uri)).filter((p): p is string => !!p);
    if (!roots.length && params.rootUri) roots = [fileOf(params.rootUri)].filter((p): p is string => !!p);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL] },
        executeCommandProvider: { commands: Object.values(LSP_COMMANDS) },
      },
      serverInfo: { name: 'ml-notes' },
    };
  });

  connection.onInitialized(async () => {
    if (canPullConfiguration) await pullConfiguration();
    void notes();
  });

  const pullConfiguration = async () => {
    try {
      const [section] = (await connection.workspace.getConfiguration([{ section: 'mlNotes' }])) as unknown[];
      clientSettings = sanitize(section);
    } catch {
      clientSettings = {};
    }
  };

  connection.onDidChangeConfiguration(async (change) => {
    if (canPullConfiguration) await pullConfiguration();
    else clientSettings = sanitize((change.settings as { mlNotes?: unknown } | undefined)?.mlNotes);
    library = undefined;
    results.clear();
    for (const d of documents.all()) schedule(d, 0);
  });

  connection.onDidChangeWatchedFiles(() => {
    configs.invalidate();
    library = undefined;
    for (const d of documents.all()) schedule(d, 0);
  });

  documents.onDidOpen((e) => schedule(e.document, 0));
  documents.onDidChangeContent((e) => schedule(e.document, DEBOUNCE_MS));
  documents.onDidSave((e) => {
    // A project config saved through the editor: read again, and every open file analysed again.
    if (/(^|\/)(pyproject\.toml|\.ml-notes\.toml)$/.test(e.document.uri)) {
      configs.invalidate();
      library = undefined;
      for (const d of documents.all()) schedule(d, 0);
    } else schedule(e.document, 0);
  });
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    results.delete(e.document.uri);
    engine.forget(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onHover(async (params, token) => {
    const doc = documents.get(params.textDocument.uri);
    const s = settings();
    if (!doc || s.hover?.enabled === false) return null;
    const lib = await notes();
    if (token.isCancellationRequested) return null;
    const w = hoverWindow(params.position.line, doc.lineCount);
    const start = doc.offsetAt({ line: w.startLine, character: 0 });
    const text = doc.getText({ start: { line: w.startLine, character: 0 }, end: { line: w.endLine + 1, character: 0 } });
    const ex = explainAt(lib, text, doc.offsetAt(params.position) - start);
    if (!ex) return null;
    const word = text.slice(ex.start, ex.end);
    const excerpt = excerptOf(ex.best, s.hover?.maxLines ?? 12, focusOf(ex, word));
    const markdown = hoverMarkdownText(ex.best, ex.others, word, excerpt, figureStates(excerpt, ex.best.doc.id), {
      t: (template, ...args) => fillText({ template, args }),
      icons: false,
      sectionLink: (ref, match) => noteUri(match.doc.id, ref.slug, (match.point?.startLine ?? match.section.startLine) + 1),
      figureSrc: (src, match) => absoluteFigure(src, match.doc.id),
    });
    return { contents: { kind: 'markdown', value: markdown }, range: { start: doc.positionAt(start + ex.start), end: doc.positionAt(start + ex.end) } };
  });

  connection.onCodeAction(async (params, token) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const cur = await current(doc);
    if (!cur || token.isCancellationRequested) return [];
    const lib = await notes();
    const text = doc.getText();
    const only = params.context.only;
    const wants = (kind: string) => !only || only.some((k) => kind === k || kind.startsWith(`${k}.`));
    const edit = (edits: readonly { range: LspTextEdit['range']; newText: string }[]): WorkspaceEdit => ({
      documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits: edits.map((e) => ({ range: e.range, newText: e.newText })) }],
    });
    const actions: CodeAction[] = [];
    if (wants(CodeActionKind.QuickFix)) {
      // Diagnostics a client sends back may be partial (some keep only the code): matched by range when there is one.
      const asked = params.context.diagnostics.filter((d) => d.source === 'ML Notes' && d.range);
      const overlapping = cur.findings.filter((f) => (asked.length ? asked.some((d) => d.code === f.rule && sameRange(d.range, f.range)) : contains(f.range, params.range.start)));
      for (const f of overlapping) {
        const diagnostic = toDiagnostic(f, lib);
        const fixes = [...f.fixes].sort((a, b) => Number(!!b.isPreferred) - Number(!!a.isPreferred));
        for (const fix of [...fixes, ...suppressionFixes.fixesFor(doc.uri, text, f)]) {
          actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: !!fix.isPreferred, edit: edit(fix.edits) });
        }
        const label = lib.resolveRef(f.noteRef)?.section.title ?? f.noteRef.slug;
        actions.push({ title: `Explain: open the note “${label}”`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], command: { title: 'Explain', command: LSP_COMMANDS.explain, arguments: [f.noteRef] } });
      }
    }
    if (only?.some((k) => FIX_ALL === k || FIX_ALL.startsWith(`${k}.`) || k === CodeActionKind.SourceFixAll)) {
      const merged = mergeFixes(text, cur.findings);
      if (merged.edits.length) actions.push({ title: `Fix all ML Notes findings (${merged.applied.length})`, kind: FIX_ALL, edit: edit(merged.edits) });
    }
    return actions;
  });

  connection.onExecuteCommand(async (params) => {
    const lib = await notes();
    const arg = params.arguments?.[0];
    if (params.command === LSP_COMMANDS.lookUp) {
      const query = typeof arg === 'string' ? arg.slice(0, 200) : '';
      return new LibraryLookup(lib)
        .search(query, 20)
        .map((r) => ({ title: r.title, breadcrumb: r.breadcrumb, uri: noteUri(r.file, r.slug, r.line + 1), location: location(r.file, r.line) }));
    }
    if (params.command === LSP_COMMANDS.explain) {
      const ref = arg && typeof arg === 'object' && typeof (arg as NoteRef).slug === 'string' ? (arg as NoteRef) : undefined;
      const r = ref && lib.resolveRef(ref);
      if (!r) return null;
      const line = r.point?.startLine ?? r.section.startLine;
      return { ...location(r.doc.id, line), title: r.section.title, uri: noteUri(r.doc.id, r.section.slug, line + 1) };
    }
    return null;
  });

  connection.onShutdown(() => {
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    engine.dispose();
  });
  connection.onExit(() => process.exit(0));

  documents.listen(connection);
  connection.listen();
  return connection;
}

/** The analysis engine: a worker thread next to this bundle (dist/analysisWorker.js); on this thread if none. */
function createEngine(report: RuleErrorReporter, log: (m: string) => void): AnalysisEngine {
  const candidates = [path.join(__dirname, 'analysisWorker.js'), path.join(__dirname, '..', 'worker', 'analysisWorker.js')];
  const script = candidates.find((c) => fs.existsSync(c));
  if (!script) return new LocalAnalysisEngine(report);
  return new WorkerAnalysisEngine(
    (engine) => {
      const worker = new Worker(script, { name: 'ML Notes analysis', resourceLimits: ANALYSIS_WORKER_LIMITS });
      worker.on('message', (m: AnalysisResponse) => engine.receive(m));
      worker.on('error', (e) => engine.fail(String(e?.stack ?? e)));
      worker.on('exit', (code) => engine.fail(`exit code ${code}`));
      worker.unref();
      return { post: (req) => worker.postMessage(req), terminate: () => void worker.terminate() };
    },
    { onFallback: (reason) => log(`The analysis worker is not available (${reason}); analysing on the main thread.`), onRuleError: report },
  );
}

function toDiagnostic(f: Finding, lib: NoteLibrary): Diagnostic {
  const r = lib.resolveRef(f.noteRef);
  return {
    range: f.range,
    message: f.message,
    severity: f.severity === 'error' ? DiagnosticSeverity.Error : f.severity === 'warning' ? DiagnosticSeverity.Warning : f.severity === 'information' ? DiagnosticSeverity.Information : DiagnosticSeverity.Hint,
    source: 'ML Notes',
    code: f.rule,
    ...(r ? { codeDescription: { href: noteUri(r.doc.id, r.section.slug, (r.point?.startLine ?? r.section.startLine) + 1) } } : {}),
  };
}

/** A note section as a file URI (with `#L<line>` so that editors that read it open the right line). */
function noteUri(file: string, _slug: string, line: number): string {
  return `${pathToFileURL(file).href}#L${line}`;
}

function location(file: string, line: number) {
  return { targetUri: pathToFileURL(file).href, range: { start: { line, character: 0 }, end: { line, character: 0 } } };
}

/** A relative figure path as a file URI (a client renders the hover far from the note). */
function absoluteFigure(src: string, noteFile: string): string {
  if (/^[a-z][\w+.-]*:/i.test(src)) return src;
  try {
    return pathToFileURL(path.resolve(path.dirname(noteFile), decodeURI(src))).href;
  } catch {
    return src;
  }
}

/** The excerpt's figures next to the note: missing, or their size (read from the file's start). */
function figureStates(excerpt: Excerpt, noteFile: string): Map<string, FigureState> {
  const out = new Map<string, FigureState>();
  for (const { src } of excerptFigures(excerpt)) {
    if (out.has(src) || /^[a-z][\w+.-]*:/i.test(src)) continue;
    try {
      const file = path.resolve(path.dirname(noteFile), decodeURI(src));
      const fd = fs.openSync(file, 'r');
      try {
        const head = Buffer.alloc(64 * 1024);
        const n = fs.readSync(fd, head, 0, head.length, 0);
        out.set(src, { size: imageSize(head.subarray(0, n)) });
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      out.set(src, 'missing');
    }
  }
  return out;
}

function fileOf(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

function sameRange(a: LspTextEdit['range'], b: LspTextEdit['range']): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

function contains(r: LspTextEdit['range'], p: { line: number; character: number }): boolean {
  const after = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const before = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return after && before;
}

/** Client settings as data we trust: unknown shapes are dropped, never thrown on. */
export function sanitize(raw: unknown): LspSettings {
  if (!raw || typeof raw !== 'object') return {};
  const r = raw as Record<string, unknown>;
  const out: LspSettings = {};
  if (Array.isArray(r.notesPaths)) out.notesPaths = r.notesPaths.filter((p): p is string => typeof p === 'string');
  if (typeof r.includeBundledNotes === 'boolean') out.includeBundledNotes = r.includeBundledNotes;
  if (r.rules && typeof r.rules === 'object') out.rules = Object.fromEntries(Object.entries(r.rules as Record<string, unknown>).filter((e): e is [string, Severity] => (SEVERITIES as readonly unknown[]).includes(e[1])));
  const a = r.analysis as Record<string, unknown> | undefined;
  if (a && typeof a === 'object') out.analysis = { enabled: typeof a.enabled === 'boolean' ? a.enabled : undefined, maxLines: typeof a.maxLines === 'number' ? a.maxLines : undefined, instanceNormAsBatchNorm: a.instanceNormAsBatchNorm === true ? true : undefined };
  const h = r.hover as Record<string, unknown> | undefined;
  if (h && typeof h === 'object') out.hover = { enabled: typeof h.enabled === 'boolean' ? h.enabled : undefined, maxLines: typeof h.maxLines === 'number' ? h.maxLines : undefined };
  // Keys left unset must not override another source's value.
  return JSON.parse(JSON.stringify(out)) as LspSettings;
}
