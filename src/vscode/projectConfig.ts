import * as vscode from 'vscode';
import { ProjectConfigs, type ConfigFs, type ConfigLookup } from '../core/config/projectConfigs';
import { formatProblem, type ConfigProblem } from '../core/config/projectConfig';
import type { Log } from './log';
import { Disposable } from './dispose';
import { displayUri } from './notesService';
import { isADirectory, isNotFound, WorkspaceNoteFs } from './noteFs';

/**
 * The files as the core's ConfigFs: locations are URI strings (desktop, web, remote alike), read through `files`
 * (node:fs for `file:` ones on desktop: a config lookup reads a couple of files in every folder up to the root).
 */
function configFs(files: WorkspaceNoteFs): ConfigFs {
  return {
    async readText(loc) {
      try {
        return new TextDecoder().decode(await files.readFile(loc));
      } catch (e) {
        if (isNotFound(e) || isADirectory(e)) return undefined;
        throw e;
      }
    },
    join: (dir, name) => vscode.Uri.joinPath(vscode.Uri.parse(dir), name).toString(),
    parent(loc) {
      const uri = vscode.Uri.parse(loc);
      if (uri.path === '/' || uri.path === '') return undefined;
      return vscode.Uri.joinPath(uri, '..').toString();
    },
  };
}

/**
 * The project configuration in the editor: the nearest `.ml-notes.toml` / `pyproject.toml` `[tool.ml-notes]` above a
 * file (read by the core). Config files are watched: a save (or any change on disk) is read again and
 * `onDidChange` fires, so open files are analysed again and the notes reloaded. Problems of a config show as
 * diagnostics on the config file itself and in the output channel.
 */
export class ProjectConfigService extends Disposable {
  private readonly configs: ProjectConfigs;
  private readonly problems = this.register(vscode.languages.createDiagnosticCollection('mlNotes.config'));
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly logged = new Set<string>();

  constructor(
    private readonly log: Log,
    /** How config files are read (see WorkspaceNoteFs). */
    files: WorkspaceNoteFs = new WorkspaceNoteFs(),
  ) {
    super();
    this.configs = new ProjectConfigs(configFs(files));
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/{pyproject.toml,.ml-notes.toml}'));
    const changed = (uri: vscode.Uri) => {
      this.configs.invalidate(uri.toString());
      this.problems.delete(uri);
      this.logged.clear();
      this.changed.fire();
    };
    this.registerAll(
      watcher.onDidChange(changed),
      watcher.onDidCreate(changed),
      watcher.onDidDelete(changed),
      // A save is seen by the watcher too, but not for files outside the workspace folders.
      vscode.workspace.onDidSaveTextDocument((d) => /(^|\/)(pyproject\.toml|\.ml-notes\.toml)$/.test(d.uri.path) && changed(d.uri)),
    );
  }

  /** The configuration for a document (a file, a notebook or a cell: the notebook's location counts). */
  async forUri(uri: vscode.Uri): Promise<ConfigLookup> {
    const lookup = await this.configs.forFile(uri.toString()).catch((e: unknown): ConfigLookup => {
      this.log.error(`Reading the project configuration for ${displayUri(uri)} failed: ${String((e as Error)?.message ?? e)}`);
      return { warnings: [] };
    });
    this.show(lookup.broken ? lookup.broken.problems : lookup.warnings);
    return lookup;
  }

  /** The configuration that applies to a folder's files (a workspace folder's root). */
  async forFolder(uri: vscode.Uri): Promise<ConfigLookup> {
    const lookup = await this.configs.forFolder(uri.toString()).catch((): ConfigLookup => ({ warnings: [] }));
    this.show(lookup.broken ? lookup.broken.problems : lookup.warnings);
    return lookup;
  }

  /** Problems as diagnostics on the config file, and once each in the output channel. */
  show(problems: readonly ConfigProblem[]): void {
    const byFile = new Map<string, ConfigProblem[]>();
    for (const p of problems) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p]);
    for (const [file, list] of byFile) {
      const uri = vscode.Uri.parse(file);
      this.problems.set(
        uri,
        list.map((p) => {
          const at = new vscode.Position(p.line - 1, p.column - 1);
          const d = new vscode.Diagnostic(new vscode.Range(at, at.translate(0, 1)), p.severity === 'error' ? `${p.message} (the ML Notes configuration is not applied)` : p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
          d.source = 'ML Notes';
          return d;
        }),
      );
      for (const p of list) {
        const text = formatProblem(p, displayUri(uri));
        if (this.logged.has(text)) continue;
        this.logged.add(text);
        if (p.severity === 'error') this.log.error(`${text} — the project configuration is not applied.`);
        else this.log.warn(text);
      }
    }
  }
}

/**
 * A setting's value only when the user set it (user, workspace or folder settings), so that the project config applies
 * otherwise: an explicit setting overrides the config, a default does not.
 */
export function explicitSetting<T>(section: string, key: string, scope?: vscode.ConfigurationScope): T | undefined {
  const i = vscode.workspace.getConfiguration(section, scope).inspect<T>(key);
  if (!i) return undefined;
  return i.workspaceFolderLanguageValue ?? i.workspaceLanguageValue ?? i.globalLanguageValue ?? i.workspaceFolderValue ?? i.workspaceValue ?? i.globalValue;
}

/** `mlNotes.rules` as the user set it: user, then workspace, then folder settings, each overriding the one before. */
export function explicitRules(scope?: vscode.ConfigurationScope): Record<string, unknown> {
  const i = vscode.workspace.getConfiguration('mlNotes', scope).inspect<Record<string, unknown>>('rules');
  return { ...(i?.globalValue ?? {}), ...(i?.workspaceValue ?? {}), ...(i?.workspaceFolderValue ?? {}) };
}
