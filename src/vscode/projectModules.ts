import * as vscode from 'vscode';
import { importStatements, resolveProject, snapshotDigest, type ProjectSnapshot } from '../core/python/project';
import { decodePythonSource } from '../core/python/source';
import { errorMessage } from '../core/notes/loader';
import { Disposable } from './dispose';
import { t } from './l10n';
import type { Log } from './log';
import { displayUri } from './notesService';

/** Modules larger than this are not read (followed as absent, said once). */
const MAX_MODULE_BYTES = 2 * 1024 * 1024;
/** Texts of closed modules kept between analyses. */
const MAX_CACHED = 512;

/**
 * The project's own modules a Python file imports (`from .utils import conv_bn`, `from models.blocks import
 * ConvBlock`), read through workspace.fs (desktop, web and remote alike) for the analysis to follow. Read lazily: only
 * the files a file's imports may name, when the file is analysed. An open document's module is its editor text (its
 * current version); a closed one is read once and kept until the file watcher says it changed. When a file that a
 * unit's imports looked for changes, appears or goes (or an open module's editor is edited or closed), that unit is to
 * be analysed again (`onDidChange`).
 */
export class ProjectModules extends Disposable {
  /** Closed files read: their text, or undefined when there is no such file (or it is not read: too large). */
  private readonly texts = new Map<string, string | undefined>();
  /** File URI (a module found, or a place looked for) → the units (keys) whose last resolution asked for it. */
  private readonly dependents = new Map<string, Set<string>>();
  /** Unit key → the file URIs its last resolution asked for. */
  private readonly asked = new Map<string, Set<string>>();
  private readonly reported = new Set<string>();
  private readonly changed = this.register(new vscode.EventEmitter<string[]>());
  /** The keys of the units to analyse again: a file they looked for changed, appeared or went. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: Log) {
    super();
    // Every path, not only *.py: a package folder created, moved or deleted is one event for the folder.
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**'));
    this.registerAll(
      watcher.onDidChange((u) => this.invalidate(u, false)),
      watcher.onDidCreate((u) => this.invalidate(u, true)),
      watcher.onDidDelete((u) => this.invalidate(u, true)),
      // An open module's text is read from its editor: an edit there is a new version for the files following it,
      // and closing it (unsaved edits dropped) makes the file on disk the module again.
      vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length && this.invalidate(e.document.uri, false)),
      vscode.workspace.onDidCloseTextDocument((d) => this.invalidate(d.uri, false)),
    );
  }

  /**
   * The modules of its project that the unit at `uri` reaches (undefined when none: outside a workspace folder, or
   * nothing it imports is the project's), with a digest of their content for cache keys. Only the unit's import
   * statements are parsed here (its analysis runs elsewhere).
   */
  async snapshot(key: string, uri: vscode.Uri, text: string): Promise<{ snapshot: ProjectSnapshot; digest: string } | undefined> {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder || uri.scheme !== folder.uri.scheme) {
      this.forget(key);
      return undefined;
    }
    const asked = new Set<string>();
    const snapshot = await resolveProject(
      uri.path,
      importStatements(text),
      folder.uri.path,
      (p) => {
        const file = uri.with({ path: p });
        asked.add(file.toString());
        return this.read(file);
      },
      (p, e) => this.reportOnce(t('Project module {0} could not be read ({1}); followed as absent.', displayUri(uri.with({ path: p })), errorMessage(e))),
    );
    this.follow(key, asked);
    if (snapshot.limited === 'modules') this.reportOnce(t('{0} reaches more of its project than is followed (the limit on modules); the rest is not followed.', displayUri(uri)));
    else if (snapshot.limited === 'reads') this.reportOnce(t('{0} reaches more of its project than is followed (the limit on files read); the rest is not followed.', displayUri(uri)));
    return Object.keys(snapshot.modules).length ? { snapshot, digest: snapshotDigest(snapshot) } : undefined;
  }

  /** Drops what is kept for a unit (closed). */
  forget(key: string): void {
    for (const file of this.asked.get(key) ?? []) {
      const set = this.dependents.get(file);
      set?.delete(key);
      if (set && !set.size) this.dependents.delete(file);
    }
    this.asked.delete(key);
  }

  private follow(key: string, files: Set<string>): void {
    this.forget(key);
    this.asked.set(key, files);
    for (const file of files) {
      let set = this.dependents.get(file);
      if (!set) this.dependents.set(file, (set = new Set()));
      set.add(key);
    }
  }

  private async read(uri: vscode.Uri): Promise<string | undefined> {
    const key = uri.toString();
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    if (open) return this.withinLimit(uri, open.getText().length) ? open.getText() : undefined;
    if (this.texts.has(key)) return this.texts.get(key);
    const stat = await vscode.workspace.fs.stat(uri).then(
      (s) => s,
      (e: unknown) => {
        if (e instanceof vscode.FileSystemError && (e.code === 'FileNotFound' || e.code === 'FileNotADirectory')) return undefined;
        throw e;
      },
    );
    let text: string | undefined;
    if (stat && stat.type & vscode.FileType.File && this.withinLimit(uri, stat.size)) {
      // Read as Python reads it (its coding declaration, a byte order mark); bytes Python would refuse: absent.
      const source = decodePythonSource(await vscode.workspace.fs.readFile(uri));
      if (source.errors.length) this.reportOnce(t('Project module {0} could not be read ({1}); followed as absent.', displayUri(uri), source.errors[0].message ?? 'undecodable'));
      else text = source.text;
    }
    if (this.texts.size >= MAX_CACHED) this.texts.delete(this.texts.keys().next().value!);
    this.texts.set(key, text);
    return text;
  }

  private withinLimit(uri: vscode.Uri, size: number): boolean {
    if (size <= MAX_MODULE_BYTES) return true;
    this.reportOnce(t('Project module {0} is over {1} MB; followed as absent.', displayUri(uri), MAX_MODULE_BYTES / (1024 * 1024)));
    return false;
  }

  /**
   * A file changed (`tree` false), or a file or folder appeared or went (`tree` true: what was read under it is stale
   * too): the units that asked for it are analysed again.
   */
  private invalidate(uri: vscode.Uri, tree: boolean): void {
    const key = uri.toString();
    const units = new Set<string>(this.dependents.get(key));
    this.texts.delete(key);
    if (tree) {
      const under = `${key}/`;
      for (const file of [...this.texts.keys()]) if (file.startsWith(under)) this.texts.delete(file);
      for (const [file, set] of this.dependents) if (file.startsWith(under)) for (const k of set) units.add(k);
    }
    if (units.size) this.changed.fire([...units]);
  }

  private reportOnce(line: string): void {
    if (this.reported.has(line)) return;
    this.reported.add(line);
    this.log.warn(line);
  }
}
