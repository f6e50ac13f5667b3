import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { FileKind, NoteFileSystem } from '../core/notes/loader';
import type { ConfigFs } from '../core/config/projectConfigs';

/** node:fs as the core's NoteFileSystem; locations are absolute paths. */
export const nodeNoteFs: NoteFileSystem = {
  async stat(loc) {
    try {
      const l = await fs.lstat(loc);
      const st = l.isSymbolicLink() ? await fs.stat(loc) : l;
      return { kind: kindOf(st), size: st.size, symlink: l.isSymbolicLink(), mtime: st.mtimeMs };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  },
  async readDirectory(loc) {
    const entries = await fs.readdir(loc, { withFileTypes: true });
    const out: [string, FileKind, boolean][] = [];
    for (const e of entries) {
      if (e.isSymbolicLink()) {
        const st = await fs.stat(path.join(loc, e.name)).catch(() => undefined);
        out.push([e.name, st ? kindOf(st) : 'other', true]);
      } else out.push([e.name, e.isDirectory() ? 'directory' : e.isFile() ? 'file' : 'other', false]);
    }
    return out;
  },
  async readFile(loc) {
    return fs.readFile(loc);
  },
  join(loc, name) {
    return path.join(loc, name);
  },
  async statAndRead(loc, maxBytes) {
    let handle: fs.FileHandle;
    try {
      // Non-blocking: opening a named pipe for reading must not wait for a writer (it is then refused as not a file).
      handle = await fs.open(loc, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const st = await handle.stat();
      const kind = kindOf(st);
      if (kind !== 'file' || st.size > maxBytes) return { kind, size: st.size, mtime: st.mtimeMs };
      return { kind, size: st.size, mtime: st.mtimeMs, bytes: await handle.readFile() };
    } finally {
      await handle.close();
    }
  },
};

function kindOf(st: { isDirectory(): boolean; isFile(): boolean }): FileKind {
  return st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'other';
}

/** node:fs as the core's ConfigFs (project configuration lookup); locations are absolute paths. */
export const nodeConfigFs: ConfigFs = {
  async readText(loc) {
    try {
      return await fs.readFile(loc, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw e;
    }
  },
  join: (dir, name) => path.join(dir, name),
  parent(loc) {
    const up = path.dirname(loc);
    return up === loc ? undefined : up;
  },
};
