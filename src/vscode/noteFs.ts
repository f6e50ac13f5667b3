import * as vscode from 'vscode';
import { statThenRead, type FileKind, type NoteFileSystem, type StatAndBytes } from '../core/notes/loader';

/**
 * vscode.workspace.fs as the core's NoteFileSystem: locations are URI strings (desktop, web, remote alike). With a
 * `local` file system (node:fs, in a Node extension host), `file:` locations are read through it instead: every
 * workspace.fs call on a `file:` URI first asks the window (a round trip that waits behind whatever the window is
 * doing), so reading a library of a thousand notes through it took seconds where node:fs takes a fraction of one.
 */
export class WorkspaceNoteFs implements NoteFileSystem {
  constructor(private readonly local?: NoteFileSystem) {}

  /** The path to give the local file system, for a `file:` location when there is one. */
  private localPath(loc: string): string | undefined {
    return this.local && loc.startsWith('file:') ? vscode.Uri.parse(loc).fsPath : undefined;
  }

  async stat(loc: string) {
    const path = this.localPath(loc);
    if (path !== undefined) return this.local!.stat(path);
    try {
      const st = await vscode.workspace.fs.stat(vscode.Uri.parse(loc));
      return { kind: kindOf(st.type), size: st.size, symlink: (st.type & vscode.FileType.SymbolicLink) !== 0, mtime: st.mtime };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }
  async readDirectory(loc: string): Promise<[string, FileKind, boolean][]> {
    const path = this.localPath(loc);
    if (path !== undefined) return this.local!.readDirectory(path);
    const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.parse(loc));
    return entries.map(([name, type]) => [name, kindOf(type), (type & vscode.FileType.SymbolicLink) !== 0]);
  }
  async readFile(loc: string): Promise<Uint8Array> {
    const path = this.localPath(loc);
    return path !== undefined ? this.local!.readFile(path) : vscode.workspace.fs.readFile(vscode.Uri.parse(loc));
  }
  join(loc: string, name: string): string {
    return vscode.Uri.joinPath(vscode.Uri.parse(loc), name).toString();
  }
  async statAndRead(loc: string, maxBytes: number): Promise<StatAndBytes | undefined> {
    const path = this.localPath(loc);
    if (path !== undefined && this.local!.statAndRead) return this.local!.statAndRead(path, maxBytes);
    return statThenRead(this, loc, maxBytes);
  }
}

/** A missing file, as workspace.fs (FileSystemError) or node:fs (ENOENT) says it. */
export function isNotFound(e: unknown): boolean {
  return (e instanceof vscode.FileSystemError && e.code === 'FileNotFound') || (!!e && typeof e === 'object' && (e as { code?: unknown }).code === 'ENOENT');
}

/** A folder where a file was expected, as workspace.fs or node:fs says it. */
export function isADirectory(e: unknown): boolean {
  if (e instanceof vscode.FileSystemError) return e.code === 'FileIsADirectory' || e.code === 'FileNotADirectory';
  const code = !!e && typeof e === 'object' ? (e as { code?: unknown }).code : undefined;
  return code === 'EISDIR' || code === 'ENOTDIR';
}

function kindOf(t: vscode.FileType): FileKind {
  if (t & vscode.FileType.Directory) return 'directory';
  if (t & vscode.FileType.File) return 'file';
  return 'other';
}
