/**
 * The project's own modules for `ml-notes lint`: what a file imports from its project (`from .utils import conv_bn`,
 * `from models.blocks import ConvBlock`), read from disk once per run, for the analysis to follow
 * (core/python/project.ts does the resolution).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ParsedPython } from '../core/python/parse';
import { resolveProjectSync, type ProjectSnapshot } from '../core/python/project';
import { decodePythonSource } from '../core/python/source';

/** Files that mark a project's root folder. */
const ROOT_MARKERS = ['.git', 'pyproject.toml', 'setup.py', 'setup.cfg', '.ml-notes.toml'];
const MAX_MODULE_BYTES = 2 * 1024 * 1024;
/** Folders above a file looked at for a root marker. */
const MAX_ROOT_HOPS = 8;

export class CliProject {
  private readonly texts = new Map<string, string | undefined>();
  private readonly roots = new Map<string, string>();
  /** Modules that exist but could not be read or decoded (said once by the caller). */
  readonly unreadable: string[] = [];

  /**
   * The project modules `file` imports. The project's root is the folder of its configuration when there is one, else
   * the nearest folder above the file holding a repository or a Python project file, else the file's own folder.
   */
  snapshot(file: string, parsed: ParsedPython, configDir?: string): ProjectSnapshot {
    const root = configDir ?? this.rootOf(path.dirname(file));
    return resolveProjectSync(toPosix(file), parsed, toPosix(root), (p) => this.read(p));
  }

  private rootOf(dir: string): string {
    const memo = this.roots.get(dir);
    if (memo) return memo;
    let root: string | undefined;
    for (let d = dir, i = 0; i < MAX_ROOT_HOPS; i++) {
      if (ROOT_MARKERS.some((m) => fs.existsSync(path.join(d, m)))) {
        root = d;
        break;
      }
      const up = path.dirname(d);
      if (up === d) break;
      d = up;
    }
    // No marker: the folder above the outermost package around the file (where `python -m` would run from).
    if (!root) {
      root = dir;
      while (fs.existsSync(path.join(root, '__init__.py')) && path.dirname(root) !== root) root = path.dirname(root);
    }
    this.roots.set(dir, root);
    return root;
  }

  private read(posixPath: string): string | undefined {
    if (this.texts.has(posixPath)) return this.texts.get(posixPath);
    const p = fromPosix(posixPath);
    let text: string | undefined;
    try {
      const st = fs.statSync(p, { throwIfNoEntry: false });
      if (st?.isFile() && st.size <= MAX_MODULE_BYTES) {
        // Read as Python reads it (its coding declaration, a byte order mark), as the linted file is.
        const source = decodePythonSource(fs.readFileSync(p));
        // Bytes Python would refuse: followed as if it were not there (said once), as an unreadable module is.
        if (source.errors.length) this.unreadable.push(`${p}: ${source.errors[0].message}`);
        else text = source.text;
      } else if (st?.isFile()) this.unreadable.push(`${p}: over ${MAX_MODULE_BYTES / (1024 * 1024)} MB, not read`);
    } catch (e) {
      // A module that cannot be read is followed as if it were not there (said once): the file's own findings still come.
      this.unreadable.push(`${p}: ${(e as Error).message}`);
    }
    this.texts.set(posixPath, text);
    return text;
  }
}

function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

function fromPosix(p: string): string {
  return path.sep === '/' ? p : p.split('/').join(path.sep);
}
