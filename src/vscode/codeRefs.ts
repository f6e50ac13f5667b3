import * as vscode from 'vscode';
import { looksBinary } from '../core/notes/loader';
import { slicePause } from '../core/slices';
import { codeKindOf, CODE_FILE_GLOB, findRefsInFile, RefFinder, type CodeKind, type CodeRef } from '../core/terms/refs';
import { Disposable, KeyedDebouncer } from './dispose';
import { logFailure, type Log } from './log';
import type { NotesService } from './notesService';

/** One place in the workspace's code whose hover shows a section of a note. */
export interface CodePlace {
  uri: vscode.Uri;
  /** For a notebook: the index of the code cell among all the notebook's cells. */
  cell?: number;
  ref: CodeRef;
}

/** The places of one note, by section slug (points are places of their section, with `ref.point`). */
export type NotePlaces = Map<string, CodePlace[]>;

/** Folders never searched for code (tools, environments, caches). */
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.hg/**,**/.venv/**,**/venv/**,**/__pycache__/**,**/.tox/**,**/.mypy_cache/**,**/site-packages/**}';
const MAX_FILES = 20_000;
const MAX_FILE_BYTES = 5 * 1024 * 1024;
/** Texts of closed files are kept up to this total, so that the next scan (after a note changes) reads no file. */
const TEXT_CACHE_BYTES = 64 * 1024 * 1024;
const READ_CONCURRENCY = 16;

interface FileText {
  kind: CodeKind;
  text: string;
  /** Open notebook: its Python code cells as the editor holds them (the JSON on disk may be older). */
  cells?: { index: number; text: string }[];
}

/** One note's scan: its results per code file, valid for one state of the notes. */
interface NoteScan {
  libraryGeneration: number;
  perFile: Map<string, CodePlace[]>;
  /** Files changed since their results were computed. */
  stale: Set<string>;
  running?: Promise<NotePlaces | undefined>;
}

/**
 * From a note to the code, in the workspace: the places where a hover shows each section of a note. The code files
 * are found once (then kept in step by a watcher), their texts cached, and a note's scan runs in short slices
 * (never holding the extension host more than a few milliseconds), once per state of the notes; after an edit to a
 * code file only that file is scanned again. Shared by the CodeLens on note headings and the panel's "Used in code".
 */
export class CodeRefs extends Disposable {
  private files: Promise<vscode.Uri[]> | undefined;
  private readonly texts = new Map<string, FileText>();
  private cachedBytes = 0;
  private readonly scans = new Map<string, NoteScan>();
  /** Each note's places from its last complete scan (the notes or the code may have changed since). */
  private readonly last = new Map<string, NotePlaces>();
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Fires (debounced) when code files or notes change, so places shown may be out of date. */
  readonly onDidChange = this.changed.event;
  private readonly debouncer = this.register(new KeyedDebouncer((e) => logFailure(this.log, 'Telling of changed code', e)));

  constructor(
    private readonly notes: NotesService,
    private readonly log: Log,
  ) {
    super();
    const watcher = this.register(vscode.workspace.createFileSystemWatcher(CODE_FILE_GLOB));
    this.registerAll(
      watcher.onDidChange((u) => this.fileChanged(u, false)),
      watcher.onDidCreate((u) => this.fileChanged(u, true)),
      watcher.onDidDelete((u) => this.fileChanged(u, true)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length && isCodeDocument(e.document)) this.fileChanged(fileOf(e.document), false);
      }),
      // Closed with unsaved edits, the file counts as on disk again; closed clean, nothing changed.
      vscode.workspace.onDidCloseTextDocument((d) => d.isDirty && isCodeDocument(d) && this.fileChanged(fileOf(d), false)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.reset()),
      notes.library.onDidChange(() => this.fire()),
    );
  }

  /**
   * The places of every section of a note, from a scan of the workspace's code (one at a time per note; a call
   * during a scan shares it). Undefined when cancelled, or when the notes changed during the scan.
   */
  async placesOf(noteId: string, token?: vscode.CancellationToken): Promise<NotePlaces | undefined> {
    await this.notes.wantAll();
    if (!this.notes.library.has(noteId)) return new Map();
    const generation = this.notes.library.generation;
    let scan = this.scans.get(noteId);
    if (!scan || scan.libraryGeneration !== generation) {
      scan = { libraryGeneration: generation, perFile: new Map(), stale: new Set() };
      this.scans.set(noteId, scan);
    }
    const current = scan;
    current.running ??= this.scan(noteId, current)
      .then((places) => {
        if (places) this.last.set(noteId, places);
        return places;
      })
      .finally(() => (current.running = undefined));
    const result = await raceCancel(current.running, token);
    return result;
  }

  /**
   * The places of a note as its last complete scan found them, at once (undefined before the first): what a CodeLens
   * shows while a newer scan runs. Every change that starts a newer scan fires onDidChange, whose listener counts again.
   */
  lastPlacesOf(noteId: string): NotePlaces | undefined {
    return this.last.get(noteId);
  }

  private async scan(noteId: string, scan: NoteScan): Promise<NotePlaces | undefined> {
    const files = await this.listFiles();
    const finder = new RefFinder(this.notes.library, { file: noteId });
    const todo = files.filter((u) => !scan.perFile.has(u.toString()) || scan.stale.has(u.toString()));
    scan.stale.clear();
    // The scan holds the extension host at most a slice before other work (a hover, a completion) runs.
    const pause = slicePause();
    for (let i = 0; i < todo.length; i += READ_CONCURRENCY) {
      const batch = todo.slice(i, i + READ_CONCURRENCY);
      const texts = await Promise.all(batch.map((u) => this.textOf(u)));
      for (let k = 0; k < batch.length; k++) {
        if (this.notes.library.generation !== scan.libraryGeneration) return undefined;
        const uri = batch[k];
        const ft = texts[k];
        scan.perFile.set(uri.toString(), ft ? placesIn(finder, uri, ft) : []);
        await pause();
      }
    }
    const known = new Set(files.map((u) => u.toString()));
    for (const k of [...scan.perFile.keys()]) if (!known.has(k)) scan.perFile.delete(k);
    const bySlug: NotePlaces = new Map();
    for (const places of scan.perFile.values()) {
      for (const p of places) {
        const list = bySlug.get(p.ref.slug);
        if (list) list.push(p);
        else bySlug.set(p.ref.slug, [p]);
      }
    }
    return bySlug;
  }

  private listFiles(): Promise<vscode.Uri[]> {
    this.files ??= Promise.resolve(vscode.workspace.findFiles(CODE_FILE_GLOB, EXCLUDE, MAX_FILES)).then(
      (uris) => uris.sort((a, b) => (a.toString() < b.toString() ? -1 : 1)),
      (e) => {
        this.log.warn(`Finding the code files failed: ${String((e as Error)?.message ?? e)}`);
        this.files = undefined;
        return [];
      },
    );
    return this.files;
  }

  /** The file's text as the editor holds it (open documents and notebooks), else from disk (cached). */
  private async textOf(uri: vscode.Uri): Promise<FileText | undefined> {
    const key = uri.toString();
    const kind = codeKindOf(uri.path);
    if (!kind) return undefined;
    if (kind === 'notebook') {
      const nb = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === key);
      if (nb) {
        const cells = nb.getCells().flatMap((c, index) => (c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python' ? [{ index, text: c.document.getText() }] : []));
        return { kind, text: '', cells };
      }
    } else {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
      if (doc) return { kind, text: doc.getText() };
    }
    const cached = this.texts.get(key);
    if (cached) return cached;
    try {
      const st = await vscode.workspace.fs.stat(uri);
      if (st.size > MAX_FILE_BYTES) return undefined;
      const bytes = await vscode.workspace.fs.readFile(uri);
      if (looksBinary(bytes)) return undefined;
      const ft: FileText = { kind, text: new TextDecoder('utf-8').decode(bytes) };
      if (this.cachedBytes + ft.text.length * 2 <= TEXT_CACHE_BYTES) {
        this.texts.set(key, ft);
        this.cachedBytes += ft.text.length * 2;
      }
      return ft;
    } catch {
      return undefined; // deleted or unreadable since it was listed: no places in it
    }
  }

  private fileChanged(uri: vscode.Uri, listChanged: boolean): void {
    const key = uri.toString();
    const old = this.texts.get(key);
    if (old) {
      this.cachedBytes -= old.text.length * 2;
      this.texts.delete(key);
    }
    if (listChanged) this.files = undefined;
    for (const scan of this.scans.values()) scan.stale.add(key);
    this.fire();
  }

  private reset(): void {
    this.files = undefined;
    this.texts.clear();
    this.cachedBytes = 0;
    this.scans.clear();
    this.last.clear();
    this.fire();
  }

  private fire(): void {
    this.debouncer.run('changed', 500, () => this.changed.fire());
  }
}

/** The range of a place's token in its file (or notebook cell). */
export function placeRange(p: CodePlace): vscode.Range {
  return new vscode.Range(p.ref.line, p.ref.character, p.ref.line, p.ref.character + p.ref.token.length);
}

function placesIn(finder: RefFinder, uri: vscode.Uri, ft: FileText): CodePlace[] {
  if (ft.cells) return ft.cells.flatMap((c) => finder.find(c.text).map((ref) => ({ uri, cell: c.index, ref })));
  const found = findRefsInFile(finder, ft.kind, ft.text);
  if (!found) return [];
  return found.refs.map((ref, i) => ({ uri, cell: found.cells?.[i].index, ref }));
}

/** A code document of a file the scan reads (a notebook cell stands for its notebook). */
function isCodeDocument(d: vscode.TextDocument): boolean {
  return codeKindOf(fileOf(d).path) !== undefined;
}

function fileOf(d: vscode.TextDocument): vscode.Uri {
  if (d.uri.scheme !== 'vscode-notebook-cell') return d.uri;
  const nb = vscode.workspace.notebookDocuments.find((n) => n.getCells().some((c) => c.document === d));
  return nb?.uri ?? d.uri;
}

function raceCancel<T>(p: Promise<T | undefined>, token: vscode.CancellationToken | undefined): Promise<T | undefined> {
  if (!token) return p;
  if (token.isCancellationRequested) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const sub = token.onCancellationRequested(() => {
      sub.dispose();
      resolve(undefined);
    });
    p.then(
      (v) => {
        sub.dispose();
        resolve(v);
      },
      (e) => {
        sub.dispose();
        reject(e);
      },
    );
  });
}
