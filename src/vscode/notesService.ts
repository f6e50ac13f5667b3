import * as vscode from 'vscode';
import { imageSize } from '../core/render/imageSize';
import type { FigureState } from '../core/hoverMarkdown';
import { Disposable, DisposableStore, toDisposable } from './dispose';
import { NoteLibrary } from '../core/notes/library';
import { DEFAULT_MAX_NOTE_KB, errorMessage, isNoteFile, type LoadProblem, type NoteFileSystem } from '../core/notes/loader';
import { WorkspaceNoteFs } from './noteFs';
import { LibraryLoader, type LoaderRoot } from '../core/notes/libraryLoader';
import { SLICE_MS } from '../core/slices';
import { NotesCache } from './notesCache';
import type { Log } from './log';
import { t, tt } from './l10n';
import { explicitSetting, type ProjectConfigService } from './projectConfig';

/** Figures larger than this are shown without reading their size (a thumbnail of the box's height). */
const MAX_FIGURE_BYTES = 8 * 1024 * 1024;
/**
 * After a start from the kept index, how long the notes it knows wait before they are read again (see LibraryLoader's
 * `restMs`): the window is starting around the extension host meanwhile, and on a 2-core machine reading a large vault
 * at once slowed it (README, Large vaults). Hovers answer from the kept terms in the meantime; a feature that needs
 * every note (Look Up, the panel, completion…) ends the wait through `wantAll`.
 */
const REST_AFTER_KEPT_TERMS_MS = 2000;

export interface NotesServiceOptions {
  extensionUri: vscode.Uri;
  /** Where the notes of the last session are kept (the extension's storage); none: every start reads all. */
  storageUri?: vscode.Uri;
  /** The extension's version: a cache of another version is not used. */
  version?: string;
  /** The user's home folder for `~/…` paths (undefined in the browser). */
  homedir?: string;
  /** How notes (and the kept index) are read: workspace.fs, and node:fs for `file:` ones on desktop (see WorkspaceNoteFs). */
  files?: WorkspaceNoteFs;
  log: Log;
  /** The project configs: their `notes` and `include-bundled-notes` apply unless the settings are set. */
  configs: ProjectConfigService;
}

/** A load of every note, once finished: how many files the library holds and the characters of their text. */
export interface LoadSummary {
  files: number;
  chars: number;
}

interface Root {
  uri: vscode.Uri;
  setting: string;
  bundled: boolean;
}

/**
 * Keeps the NoteLibrary in step with the bundled notes and `mlNotes.notesPaths`: loads them at start, re-reads one file
 * when it is saved or changes on disk, drops deleted files, and reloads everything when the settings change.
 */
export class NotesService extends Disposable {
  readonly library = new NoteLibrary();
  private readonly fs: WorkspaceNoteFs;
  private roots: Root[] = [];
  private readonly watchers = this.register(new DisposableStore());
  private readonly reported = new Set<string>();
  private loading: Promise<void> = Promise.resolve();
  /** Whether files next to the notes (figures) exist; forgotten whenever a note changes. */
  private readonly existing = new Map<string, boolean>();
  /** Figures (missing, or their size), read once until a note changes. */
  private readonly figures = new Map<string, Promise<FigureState>>();
  readonly loader: LibraryLoader;
  private readonly cache: NotesCache | undefined;
  private cacheKey = '';
  private terms: Deferred;
  private cacheTimer: ReturnType<typeof setTimeout> | undefined;
  private writingCache = false;
  private loadingNow = false;
  private readonly loaded = this.register(new vscode.EventEmitter<LoadSummary>());
  /** Fires when a load of every note has finished (see LoadSummary). */
  readonly onDidLoad = this.loaded.event;
  /** When the last load of every note began, and whether the first hover since has yet to be told of. */
  private loadStartedAt = 0;
  private firstHoverUntold = false;
  /** Notes indexed from an editor's unsaved text (see indexUnsaved). */
  private readonly unsaved = new Set<string>();

  constructor(private readonly options: NotesServiceOptions) {
    super();
    this.terms = deferred();
    this.fs = options.files ?? new WorkspaceNoteFs();
    this.cache = options.storageUri ? new NotesCache(options.storageUri, this.fs, options.log) : undefined;
    this.loader = new LibraryLoader(this.library, {
      fs: this.fs,
      maxBytes: () => Math.max(1, vscode.workspace.getConfiguration('mlNotes').get<number>('maxNoteFileSizeKB', DEFAULT_MAX_NOTE_KB)) * 1024,
      label: (loc) => displayUri(vscode.Uri.parse(loc)),
      problem: (root, p) => this.reportProblem(root, p),
      fileIssue: (loc, issue) => {
        const shown = displayUri(vscode.Uri.parse(loc));
        const text = tt(issue.l10n, issue.message);
        if (issue.skipped) this.reportOnce(`${loc}|${issue.message}`, t('Skipped {0}: {1}', shown, text));
        else this.reportOnce(`${loc}|${issue.line ?? ''}|${issue.message}`, issue.line === undefined ? `${shown}: ${text}` : `${shown}:${issue.line + 1}: ${text}`);
      },
    }, SLICE_MS, REST_AFTER_KEPT_TERMS_MS);
    this.registerAll(
      this.library.onDidChange(() => {
        this.existing.clear();
        this.figures.clear();
        // A load decides at its end whether the kept index is out of date (each note it sets is a change).
        if (!this.loadingNow) this.scheduleCacheWrite(10_000);
      }),
      toDisposable(() => this.cacheTimer && clearTimeout(this.cacheTimer)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mlNotes.notesPaths') || e.affectsConfiguration('mlNotes.includeBundledNotes') || e.affectsConfiguration('mlNotes.maxNoteFileSizeKB')) {
          void this.reload();
        }
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.reload()),
      options.configs.onDidChange(() => void this.reload()),
      // Trusting the workspace lets notes outside it in: read them now, not at the next reload.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.reload()),
      vscode.workspace.onDidSaveTextDocument((d) => {
        this.unsaved.delete(d.uri.toString());
        if (this.isNoteUri(d.uri)) void this.reloadFile(d.uri);
      }),
      // A note indexed unsaved and closed without saving: what counts again is the file.
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (this.unsaved.delete(d.uri.toString())) void this.reloadFile(d.uri);
      }),
    );
  }

  /**
   * Resolves when the first (or latest) full load has finished. After a start from the kept index that includes the
   * wait before its notes are read again: what needs every note now asks `wantAll`.
   */
  get ready(): Promise<void> {
    return this.loading;
  }

  /** `ready`, without the wait after a start from the kept index: for what needs every note now. */
  wantAll(): Promise<void> {
    this.loader.hurry();
    return this.loading;
  }

  /** Whether the notes are known by the kept index's terms only, their reading put off for a while (see `wantAll`). */
  get resting(): boolean {
    return this.loader.resting;
  }

  /** While the notes are being read: how many files of how many. Undefined once loaded. */
  get indexing(): { done: number; total: number } | undefined {
    return this.loadingNow ? { ...this.loader.progress } : undefined;
  }

  /**
   * Resolves when every note's terms are known: what a hover needs (with `ensureDocs` for the notes it shows). From the
   * cache of the last session this comes before any note is read again.
   */
  get termsReady(): Promise<void> {
    return this.terms.promise;
  }

  /**
   * A hover answered (asked at `askedAt`, its terms there at `termsAt`): the first since the notes began loading says
   * in the output channel when it was asked and what it waited for, as the load's own line says where its time went.
   */
  hoverAnswered(askedAt: number, termsAt: number): void {
    if (!this.firstHoverUntold) return;
    this.firstHoverUntold = false;
    this.options.log.info(
      t('First hover since the notes began loading: asked {0} ms after the load began, answered in {1} ms ({2} ms of it waiting for the terms).', Math.max(0, askedAt - this.loadStartedAt), Date.now() - askedAt, termsAt - askedAt),
    );
  }

  /** Reads now the notes among `ids` that are known by their terms only. */
  ensureDocs(ids: readonly string[]): Promise<void> {
    return this.loader.ensure(ids);
  }

  /** The folders the panel may load resources from: the notes roots (or their folders). */
  resourceRoots(): vscode.Uri[] {
    const out: vscode.Uri[] = [];
    for (const r of this.roots) out.push(isNoteFile(r.uri.path) ? vscode.Uri.joinPath(r.uri, '..') : r.uri);
    return out;
  }

  isNoteUri(uri: vscode.Uri): boolean {
    if (!isNoteFile(uri.path)) return false;
    const s = uri.toString();
    return this.library.has(s) || this.roots.some((r) => s === r.uri.toString() || s.startsWith(withSlash(r.uri.toString())));
  }

  /** Whether a URI lies inside one of the notes roots (used to decide which links the panel may open). */
  isInsideRoots(uri: vscode.Uri): boolean {
    const s = uri.toString();
    return this.resourceRoots().some((r) => s === r.toString() || s.startsWith(withSlash(r.toString())));
  }

  /** Whether the file exists, if already checked since the notes last changed. */
  knownFile(uri: vscode.Uri): boolean | undefined {
    return this.existing.get(uri.toString());
  }

  /**
   * A figure next to the notes: missing, or its intrinsic size (undefined when it is not an image this can read), from
   * one read through the notes' file system (node:fs for a local file: no round trip to the window; a file over the
   * limit is not read). Cached until a note changes; whether the file exists is remembered for knownFile.
   */
  figure(uri: vscode.Uri): Promise<FigureState> {
    const key = uri.toString();
    let figure = this.figures.get(key);
    if (!figure) {
      figure = this.fs.statAndRead(key, MAX_FIGURE_BYTES).then(
        (got): FigureState => {
          const exists = got?.kind === 'file';
          this.remember(key, exists);
          return exists ? { size: got.bytes ? imageSize(got.bytes) : undefined } : 'missing';
        },
        () => 'missing' as const,
      );
      if (this.figures.size > 500) this.figures.clear();
      this.figures.set(key, figure);
    }
    return figure;
  }

  /** Whether the file exists (cached until a note changes). */
  async fileExists(uri: vscode.Uri): Promise<boolean> {
    const key = uri.toString();
    const known = this.existing.get(key);
    if (known !== undefined) return known;
    const ok = await this.fs.stat(key).then(
      (st) => st?.kind === 'file',
      () => false,
    );
    this.remember(key, ok);
    return ok;
  }

  private remember(key: string, exists: boolean): void {
    if (this.existing.size > 2000) this.existing.clear();
    this.existing.set(key, exists);
  }

  reload(): Promise<void> {
    // A load still waiting after the kept terms ends its wait: this one follows it.
    this.loader.hurry();
    this.loading = this.loading.then(() => this.loadAll()).catch((e) => this.options.log.error(`Loading notes failed: ${errorMessage(e)}`));
    return this.loading;
  }

  private async loadAll(): Promise<void> {
    const t0 = Date.now();
    this.loadStartedAt = t0;
    this.firstHoverUntold = true;
    // Hovers wait for the terms of this load (a hover that came before it waits for the same promise).
    const terms = this.terms.done ? (this.terms = deferred()) : this.terms;
    let termsAt = 0;
    let kept = 0;
    this.loadingNow = true;
    try {
      kept = await this.loadRoots(t0, terms, (ms) => (termsAt = ms));
    } finally {
      this.loadingNow = false;
      terms.resolve();
    }
    const docs = this.library.documents();
    const { restored, parsed } = this.loader.counts;
    this.options.log.info(
      t('Loaded {0} note file(s), {1} sections, {2} terms in {3} ms (terms ready after {4} ms; {5} rebuilt from the last session, {6} parsed).', docs.length, docs.reduce((n, d) => n + d.sections.length, 0), this.library.terms.size, Date.now() - t0, termsAt, restored, parsed),
    );
    // Kept again unless every note came back from the kept index as it was (none parsed, none gone).
    if (parsed || restored !== kept) this.scheduleCacheWrite(2_000);
    this.loaded.fire({ files: docs.length, chars: docs.reduce((n, d) => n + d.text.length, 0) });
  }

  /** Whether a load is under way, or the kept index is due to be written or being written. */
  get busy(): boolean {
    return this.loadingNow || this.cacheTimer !== undefined || this.writingCache;
  }

  /** Loads the notes of the roots; returns how many notes the kept index held. */
  private async loadRoots(t0: number, terms: Deferred, termsAt: (ms: number) => void): Promise<number> {
    let rootsMs = 0;
    // The kept index is read while the notes folders are worked out; it is decoded once they are known (its key).
    const key = this.computeRoots().then((roots) => {
      this.roots = roots;
      this.watch();
      const maxKB = vscode.workspace.getConfiguration('mlNotes').get<number>('maxNoteFileSizeKB', DEFAULT_MAX_NOTE_KB);
      this.cacheKey = JSON.stringify({ roots: roots.map((r) => [r.uri.toString(), r.bundled]), maxKB, version: this.options.version ?? '' });
      rootsMs = Date.now() - t0;
      return this.cacheKey;
    });
    const kept = this.cache ? await this.cache.read(key) : undefined;
    await key;
    const cached = kept?.notes ?? new Map();
    const t1 = Date.now();
    await this.loader.loadAll(this.roots.map((r) => ({ loc: r.uri.toString(), bundled: r.bundled })), cached, () => {
      if (terms.done) return;
      const now = Date.now();
      termsAt(now - t0);
      terms.resolve();
      // Where the time to the first hover goes, on a start from the kept index.
      if (kept?.notes.size) {
        this.options.log.info(
          t('Terms ready after {0} ms: notes folders {1} ms; the kept index ({2} MB) read in {3} ms, decoded in {4} ms; its terms registered in {5} ms.', now - t0, rootsMs, (kept.bytes / 1048576).toFixed(1), kept.readMs, kept.decodeMs, now - t1),
        );
      }
    });
    return cached.size;
  }

  /** Keeps the notes for the next session, once they have been quiet for a while. */
  private scheduleCacheWrite(delay: number): void {
    if (!this.cache) return;
    if (this.cacheTimer) clearTimeout(this.cacheTimer);
    this.cacheTimer = setTimeout(() => {
      this.cacheTimer = undefined;
      this.writingCache = true;
      void this.loading
        .then(() => {
          const notes = [];
          for (const doc of this.library.documents()) {
            const stamp = this.loader.stamps.get(doc.id);
            if (stamp) notes.push({ doc, info: this.library.info(doc.id) ?? {}, ...stamp });
          }
          return this.cache?.write(this.cacheKey, notes, this.library.terms);
        })
        .finally(() => (this.writingCache = false));
    }, delay);
  }

  private reportProblem(root: LoaderRoot, p: LoadProblem): void {
    const r = this.roots.find((x) => x.uri.toString() === root.loc);
    const missing = !!p.missing;
    const message = missing ? t('Notes path “{0}” ({1}) does not exist; it is skipped until it appears.', r?.setting ?? root.loc, displayUri(vscode.Uri.parse(p.loc))) : `${displayUri(vscode.Uri.parse(p.loc))}: ${tt(p.l10n, p.message)}`;
    this.reportOnce(`${p.loc}|${p.message}`, message, missing && !root.bundled);
  }

  /**
   * Indexes a note as an editor holds it, unsaved: a command edited a note the user was already editing, and the
   * next hover must see the change without saving the user's other edits. Closed unsaved, the note is read from disk.
   */
  indexUnsaved(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    const root = this.rootOf(key);
    if (!root) return;
    this.unsaved.add(key);
    // Not the file's text: not kept under the file's stamp, and not overwritten by a load under way.
    this.loader.keepIndexed(key);
    this.library.setFile(key, document.getText(), { bundled: root.bundled, label: displayUri(document.uri), root: root.uri.toString() });
  }

  /** Folders of the user's notes (not the bundled ones), in the order of the setting: where new notes go. */
  userNoteFolders(): vscode.Uri[] {
    return this.roots.filter((r) => !r.bundled).map((r) => (isNoteFile(r.uri.path) ? vscode.Uri.joinPath(r.uri, '..') : r.uri));
  }

  private rootOf(key: string): Root | undefined {
    return this.roots.find((r) => key === r.uri.toString() || key.startsWith(withSlash(r.uri.toString())));
  }

  /** Re-reads one file (saved, created or changed on disk), or drops it when it is gone. */
  async reloadFile(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    try {
      const root = this.rootOf(key);
      if (!root) return;
      const st = await this.fs.stat(key).catch(() => undefined);
      if (!st) {
        this.library.removeFile(key);
        return;
      }
      await this.loader.reloadFile(key, { loc: root.uri.toString(), bundled: root.bundled });
    } catch (e) {
      this.options.log.error(`Reloading ${displayUri(uri)} failed: ${errorMessage(e)}`);
    }
  }

  private removeUnder(uri: vscode.Uri): void {
    const s = uri.toString();
    for (const id of this.library.fileIds()) if (id === s || id.startsWith(withSlash(s))) this.library.removeFile(id);
  }

  /**
   * The notes roots: `mlNotes.notesPaths` and `mlNotes.includeBundledNotes` where the user set them; otherwise the
   * `notes` and `include-bundled-notes` of the project config that applies at each workspace folder's root (its
   * paths relative to the config file), and the defaults.
   */
  private async computeRoots(): Promise<Root[]> {
    const cfg = vscode.workspace.getConfiguration('mlNotes');
    const roots: Root[] = [];
    const explicitPaths = explicitSetting<unknown>('mlNotes', 'notesPaths');
    let bundled = explicitSetting<boolean>('mlNotes', 'includeBundledNotes');
    const fromConfigs: { raw: string; base: vscode.Uri; label: string }[] = [];
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const config = (await this.options.configs.forFolder(f.uri)).config;
      if (!config) continue;
      if (bundled === undefined && config.includeBundledNotes === false) bundled = false;
      if (explicitPaths === undefined) for (const n of config.notes ?? []) fromConfigs.push({ raw: n, base: vscode.Uri.parse(config.dir), label: `${n} (${displayUri(vscode.Uri.parse(config.file))})` });
    }
    if (bundled ?? cfg.get<boolean>('includeBundledNotes', true)) roots.push({ uri: vscode.Uri.joinPath(this.options.extensionUri, 'notes'), setting: '(bundled notes)', bundled: true });
    const paths = explicitPaths ?? cfg.get<unknown>('notesPaths', []);
    const list = Array.isArray(paths) ? paths.filter((p): p is string => typeof p === 'string' && p.trim() !== '') : [];
    const trusted = vscode.workspace.isTrusted;
    for (const c of fromConfigs) {
      const p = c.raw.trim();
      if (p === '~' || p.startsWith('~/')) {
        if (this.options.homedir) roots.push({ uri: vscode.Uri.file(this.options.homedir + p.slice(1)), setting: c.label, bundled: false });
      } else if (isAbsolutePath(p)) roots.push({ uri: vscode.Uri.file(p), setting: c.label, bundled: false });
      else roots.push({ uri: vscode.Uri.joinPath(c.base, p), setting: c.label, bundled: false });
    }
    for (const raw of list) {
      const p = raw.trim();
      const folders = vscode.workspace.workspaceFolders ?? [];
      if (/^[a-zA-Z][\w+.-]+:\/\//.test(p)) {
        roots.push({ uri: vscode.Uri.parse(p), setting: p, bundled: false });
      } else if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) {
        if (!this.options.homedir) {
          this.reportOnce(`home|${p}`, t('Notes path “{0}” uses “~”, which has no meaning here (no home folder); it is skipped.', p));
          continue;
        }
        roots.push({ uri: vscode.Uri.file(this.options.homedir + p.slice(1)), setting: p, bundled: false });
      } else if (isAbsolutePath(p)) {
        roots.push({ uri: vscode.Uri.file(p), setting: p, bundled: false });
      } else {
        if (!folders.length) this.reportOnce(`nofolder|${p}`, t('Notes path “{0}” is relative, but no folder is open; it is skipped.', p));
        for (const f of folders) roots.push({ uri: vscode.Uri.joinPath(f.uri, p), setting: p, bundled: false });
      }
    }
    if (!trusted) {
      // In an untrusted workspace, only notes inside the workspace (and the bundled ones) are read.
      return roots.filter((r) => {
        if (r.bundled) return true;
        const inside = (vscode.workspace.workspaceFolders ?? []).some((f) => r.uri.toString().startsWith(withSlash(f.uri.toString())));
        if (!inside) this.reportOnce(`untrusted|${r.setting}`, t('Notes path “{0}” is outside this untrusted workspace; it is read once you trust the workspace.', r.setting));
        return inside;
      });
    }
    const seen = new Set<string>();
    return roots.filter((r) => (seen.has(r.uri.toString()) ? false : (seen.add(r.uri.toString()), true)));
  }

  private watch(): void {
    this.watchers.clear();
    for (const root of this.roots) {
      const isFile = isNoteFile(root.uri.path);
      const base = isFile ? vscode.Uri.joinPath(root.uri, '..') : root.uri;
      const pattern = new vscode.RelativePattern(base, isFile ? root.uri.path.split('/').pop()! : '**/*.{md,markdown,MD,Markdown}');
      const w = vscode.workspace.createFileSystemWatcher(pattern);
      w.onDidCreate((u) => void this.reloadFile(u));
      w.onDidChange((u) => void this.reloadFile(u));
      w.onDidDelete((u) => {
        if (isNoteFile(u.path)) this.library.removeFile(u.toString());
        else this.removeUnder(u);
      });
      this.watchers.add(w);
      if (!isFile) {
        // A deleted or re-created notes folder: drop or reload its notes.
        const parent = vscode.Uri.joinPath(base, '..');
        const dw = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(parent, base.path.split('/').pop()!));
        dw.onDidDelete(() => this.removeUnder(base));
        dw.onDidCreate(() => void this.reload());
        this.watchers.add(dw);
      }
    }
  }

  private reportOnce(key: string, message: string, warnUser = false): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.options.log.warn(message);
    if (warnUser) void vscode.window.showWarningMessage(`ML Notes: ${message}`, t('Open Settings')).then((a) => a && vscode.commands.executeCommand('workbench.action.openSettings', 'mlNotes.notesPaths'));
  }
}

function withSlash(s: string): string {
  return s.endsWith('/') ? s : s + '/';
}

function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

export function displayUri(uri: vscode.Uri): string {
  if (uri.scheme === 'file') return vscode.workspace.asRelativePath(uri, true);
  return uri.toString(true);
}

/** A link or image path as written in a note (relative to it, or rooted at its file system), as a URI. */
export function resolveNoteLink(noteId: string, ref: string): vscode.Uri | undefined {
  try {
    const decoded = decodeURI(ref.split(/[?#]/)[0]);
    if (!decoded) return undefined;
    const base = vscode.Uri.parse(noteId);
    if (decoded.startsWith('/')) return base.with({ path: decoded });
    return vscode.Uri.joinPath(base, '..', decoded);
  } catch {
    return undefined;
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  done: boolean;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const d: Deferred = { promise: new Promise<void>((r) => (resolve = r)), resolve: () => ((d.done = true), resolve()), done: false };
  return d;
}
