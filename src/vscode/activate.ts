import * as vscode from 'vscode';
import type { NoteRef } from '../core/notes/types';
import type { NoteFileSystem } from '../core/notes/loader';
import { WorkspaceNoteFs } from './noteFs';
import { createLog, type Log } from './log';
import { NotesService } from './notesService';
import { NotesHoverProvider } from './hover';
import { NotesPanel, PANEL_VIEW_TYPE } from './panel';
import { lookUp, lookUpAtCursor } from './lookup';
import { NotesSearch } from './search';
import { EXPLORER_VIEW_ID, NotesExplorer } from './explorer';
import { AnalysisService } from './analysis';
import { ProjectModules } from './projectModules';
import { ProjectConfigService } from './projectConfig';
import { CodeRefs } from './codeRefs';
import { UsedInCode } from './usedInCode';
import { NoteCodeLens } from './noteCodeLens';
import { LinkSymbol } from './linkSymbol';
import { NewNoteFromSelection } from './newNote';
import { NoteDiagnostics } from './noteDiagnostics';
import { NOTE_COMPLETION_TRIGGERS, NoteCompletionProvider } from './noteCompletion';
import { TermKeyHoverProvider } from './termKeyHover';
import { CheckBlocks } from './checks';
import { MemoryReclaimer, type Collection } from './memoryReclaimer';
import { labelOf } from '../core/explain';
import type { Renderer } from '../core/render/renderer';
import { LocalAnalysisEngine, type AnalysisEngine } from '../core/analysisEngine';
import type { RuleErrorReporter } from '../core/rules/index';

export interface PlatformOptions {
  /** Home folder for `~/…` notes paths; undefined in the browser. */
  homedir?: string;
  /** node:fs for notes on the local disk (`file:`), on desktop; the browser reads every note through workspace.fs. */
  localNoteFs?: NoteFileSystem;
  /** markdown-it + KaTeX: a separate bundle loaded on first use on desktop, bundled in the browser. */
  loadRenderer(): Renderer;
  /** Where Python is analysed: a worker thread on desktop; on this thread when absent (the browser). */
  createAnalysisEngine?(log: Log, report: RuleErrorReporter): AnalysisEngine;
  /** One full garbage collection of the extension host (desktop); after a large load of notes (see MemoryReclaimer). */
  collectHeap?(): Promise<Collection>;
}

/** Wires every feature; shared by the desktop and web entries. Nothing heavy runs here: notes load in the background. */
export function activateWith(context: vscode.ExtensionContext, platform: PlatformOptions): void {
  const log = createLog();
  const files = new WorkspaceNoteFs(platform.localNoteFs);
  const configs = new ProjectConfigService(log, files);
  const notes = new NotesService({ extensionUri: context.extensionUri, storageUri: context.storageUri ?? context.globalStorageUri, version: String(context.extension.packageJSON?.version ?? ''), homedir: platform.homedir, files, log, configs });
  const lookup = new NotesSearch(notes.library, log);
  const codeRefs = new CodeRefs(notes, log);
  const usedInCode = new UsedInCode(codeRefs);
  const panel = new NotesPanel({ extensionUri: context.extensionUri, notes, log, lookup, loadRenderer: platform.loadRenderer, usedInCode });
  const lookupDeps = { notes, panel, lookup };
  context.subscriptions.push(log, configs, notes, lookup, codeRefs, usedInCode, panel);
  if (platform.collectHeap) context.subscriptions.push(new MemoryReclaimer({ notes, collect: platform.collectHeap, log }));

  const codeLens = new NoteCodeLens(notes, codeRefs, log);
  context.subscriptions.push(codeLens, vscode.languages.registerCodeLensProvider({ language: 'markdown' }, codeLens));
  context.subscriptions.push(new LinkSymbol({ notes, log, lookup }), new NewNoteFromSelection(notes));

  // Writing notes: completion, checks with quick fixes, and hovers on the front matter's terms keys.
  const noteDiagnostics = new NoteDiagnostics(notes, log);
  context.subscriptions.push(
    noteDiagnostics,
    vscode.languages.registerCodeActionsProvider({ language: 'markdown' }, noteDiagnostics, { providedCodeActionKinds: NoteDiagnostics.providedCodeActionKinds }),
    vscode.languages.registerCompletionItemProvider({ language: 'markdown' }, new NoteCompletionProvider(notes), ...NOTE_COMPLETION_TRIGGERS),
    vscode.languages.registerHoverProvider({ language: 'markdown' }, new TermKeyHoverProvider(notes)),
  );

  const report = ruleErrorsOnce(log);
  const engine = platform.createAnalysisEngine?.(log, report) ?? new LocalAnalysisEngine(report);
  const modules = new ProjectModules(log);
  const analysis = new AnalysisService(log, engine, configs, modules, (ref) => {
    const r = notes.library.resolveRef(ref);
    return r && labelOf(r);
  });
  context.subscriptions.push(
    modules,
    analysis,
    vscode.languages.registerCodeActionsProvider([{ language: 'python' }], analysis, { providedCodeActionKinds: AnalysisService.providedCodeActionKinds }),
  );
  context.subscriptions.push(registerHover(notes, (uri, position) => analysis.findingsAt(uri, position)));

  const checks = new CheckBlocks(notes, analysis, log);
  context.subscriptions.push(
    checks,
    vscode.languages.registerCodeLensProvider([{ language: 'markdown' }], checks),
    vscode.commands.registerCommand('mlNotes.tryCheck', (uri?: unknown, line?: unknown) => checks.tryCheck(uri, line)),
  );


  const explorer = new NotesExplorer(notes.library, log, () => void notes.wantAll());
  context.subscriptions.push(explorer, vscode.window.createTreeView(EXPLORER_VIEW_ID, { treeDataProvider: explorer, showCollapseAll: true }));

  context.subscriptions.push(
    vscode.commands.registerCommand('mlNotes.lookUp', (query?: unknown) => lookUp(lookupDeps, typeof query === 'string' ? query.slice(0, 200) : undefined)),
    vscode.commands.registerCommand('mlNotes.lookUpAtCursor', () => lookUpAtCursor(lookupDeps)),
    vscode.commands.registerCommand('mlNotes.openPanel', () => panel.show()),
    vscode.commands.registerCommand('mlNotes.openSection', (ref?: unknown) => panel.show(parseRef(ref))),
    vscode.commands.registerCommand('mlNotes.showOutput', () => log.show()),
    vscode.commands.registerCommand('mlNotes.fixAll', () => analysis.fixAllInEditor(vscode.window.activeTextEditor)),
    vscode.commands.registerCommand('mlNotes.reloadNotes', () => notes.reload()),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: (webviewPanel, state) => panel.restore(webviewPanel, state),
    }),
  );

  void notes.reload();
}

/** A rule that throws, in the output channel: once per rule and error (it would otherwise repeat on every keystroke). */
export function ruleErrorsOnce(log: Log): RuleErrorReporter {
  const seen = new Set<string>();
  return (id, e) => {
    const text = String((e as Error)?.stack ?? e);
    const key = `${id}\u0000${text.split('\n', 1)[0]}`;
    if (seen.has(key)) return;
    seen.add(key);
    log.error(`Rule ${id} failed: ${text}`);
  };
}

/** The hover provider for `mlNotes.languages`, re-registered when the setting changes. */
function registerHover(notes: NotesService, findingsAt: ConstructorParameters<typeof NotesHoverProvider>[1]): vscode.Disposable {
  const provider = new NotesHoverProvider(notes, findingsAt);
  let registration: vscode.Disposable | undefined;
  const register = () => {
    registration?.dispose();
    const langs = vscode.workspace.getConfiguration('mlNotes').get<unknown>('languages', ['python', 'yaml']);
    const list = Array.isArray(langs) ? langs.filter((l): l is string => typeof l === 'string') : ['python', 'yaml'];
    registration = vscode.languages.registerHoverProvider(
      list.map((language) => ({ language })),
      provider,
    );
  };
  register();
  const sub = vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('mlNotes.languages') && register());
  return { dispose: () => (registration?.dispose(), sub.dispose()) };
}

/** Validates a NoteRef passed to a command (it may come from a hover link). */
export function parseRef(raw: unknown): NoteRef | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.slug !== 'string' || r.slug.length > 512) return undefined;
  const ref: NoteRef = { slug: r.slug };
  if (typeof r.file === 'string' && r.file.length < 4096) ref.file = r.file;
  if (typeof r.point === 'number' && Number.isInteger(r.point) && r.point > 0) ref.point = r.point;
  return ref;
}
