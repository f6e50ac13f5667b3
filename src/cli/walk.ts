/**
 * The files `ml-notes lint` checks: Python files and notebooks under the folders it is given, leaving out what git
 * ignores (.gitignore files, inside a git repository, as git reads them: each relative to its folder, deeper ones
 * first), `.git`, `node_modules`, virtual environments (any folder with a `pyvenv.cfg` or `conda-meta`), and the
 * `exclude` / `extend-exclude` patterns of the nearest project config (Ruff's default folder list when it sets no
 * `exclude`). Files named on the command line are checked unless their config's own patterns exclude them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { Exclusions, relativeLocation, type ProjectConfigs } from '../core/config/projectConfigs';
import { shownPath } from './files';
import type { ProjectConfig } from '../core/config/projectConfig';

export const LINTED_EXTENSIONS = ['.py', '.ipynb'];
const ALWAYS_SKIPPED = new Set(['.git', 'node_modules']);
const MAX_DEPTH = 64;

interface GitIgnore {
  /** The folder the patterns are relative to. */
  base: string;
  matcher: Ignore;
}

export interface Walked {
  files: string[];
  /**
   * What could not be read, and why (an error code: ENOENT, EACCES…): a path given (nothing is then checked), a folder
   * met in the walk (its files are not checked), an ignore file (its patterns are not applied).
   */
  unreadable: { path: string; kind: 'path' | 'folder' | 'ignore-file'; reason: string }[];
}

/** Lists a folder (the walk's one way to read one). */
export type ListFolder = (dir: string) => fs.Dirent[];

const listFolder: ListFolder = (dir) => fs.readdirSync(dir, { withFileTypes: true });

/** The files under `paths` with one of `extensions` (Python files and notebooks by default: what lint checks). */
export async function collectFiles(
  paths: readonly string[],
  configs: ProjectConfigs,
  extensions: readonly string[] = LINTED_EXTENSIONS,
  list: ListFolder = listFolder,
): Promise<Walked> {
  const files: string[] = [];
  const unreadable: Walked['unreadable'] = [];
  const seen = new Set<string>();
  const add = (f: string) => {
    if (!seen.has(f)) {
      seen.add(f);
      files.push(f);
    }
  };
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      unreadable.push({ path: p, kind: 'path', reason: errorCode(e) });
      continue;
    }
    if (!st.isDirectory()) {
      const config = (await configs.forFile(p)).config;
      if (!config || !excludedBy(config, new Exclusions(config, false), p, false)) add(p);
      continue;
    }
    const above = gitIgnoresAbove(p, unreadable);
    await new Walker(configs, add, extensions, unreadable, list).walk(p, above.ignores, above.inRepo, 0);
  }
  return { files, unreadable };
}

/**
 * What `ml-notes lint` and `refs` say of the walk on stderr (`what`: what they do with files, checked or searched), and
 * whether they stop there: when a path they were given is missing or cannot be read.
 */
export function walkProblems(cwd: string, walked: Walked, what: string): { lines: string[]; stop: boolean } {
  const lines = walked.unreadable.map((u) => {
    const shown = shownPath(cwd, u.path);
    if (u.kind === 'folder') return `${shown}: cannot read the folder (${u.reason}); its files are not ${what}`;
    if (u.kind === 'ignore-file') return `${shown}: cannot read (${u.reason}); its patterns are not applied`;
    return isMissing(u.reason) ? `${shown}: no such file or folder` : `${shown}: cannot read (${u.reason})`;
  });
  return { lines, stop: walked.unreadable.some((u) => u.kind === 'path') };
}

function isMissing(code: string): boolean {
  return code === 'ENOENT' || code === 'ENOTDIR';
}

class Walker {
  /** Exclusions per config file (with the default folder list when the config sets no `exclude`). */
  private readonly exclusions = new Map<string, Exclusions>();
  private readonly defaults = new Exclusions(undefined, true);

  constructor(
    private readonly configs: ProjectConfigs,
    private readonly add: (file: string) => void,
    private readonly extensions: readonly string[],
    private readonly unreadable: Walked['unreadable'],
    private readonly list: ListFolder,
  ) {}

  async walk(dir: string, ignores: GitIgnore[], inRepo: boolean, depth: number): Promise<void> {
    if (depth > MAX_DEPTH) return;
    let entries: fs.Dirent[];
    try {
      entries = this.list(dir);
    } catch (e) {
      this.unreadable.push({ path: dir, kind: 'folder', reason: errorCode(e) });
      return;
    }
    inRepo ||= isRepoRoot(dir);
    const here = inRepo ? readGitIgnore(dir, this.unreadable) : undefined;
    const stack = here ? [...ignores, here] : ignores;
    const config = (await this.configs.forFolder(dir)).config;
    const exclusions = this.exclusionsOf(config);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.isSymbolicLink()) continue; // links are not followed inside a walk (loops, files outside the tree)
      const full = path.join(dir, e.name);
      const isDir = e.isDirectory();
      if (isDir && (ALWAYS_SKIPPED.has(e.name) || isVirtualEnv(full))) continue;
      if (!isDir && !this.extensions.some((x) => e.name.endsWith(x))) continue;
      if (gitIgnored(stack, full, isDir)) continue;
      if (config ? excludedBy(config, exclusions, full, isDir) : this.defaults.excludes(e.name, isDir)) continue;
      if (isDir) await this.walk(full, stack, inRepo, depth + 1);
      else if (e.isFile()) this.add(full);
    }
  }

  private exclusionsOf(config: ProjectConfig | undefined): Exclusions {
    if (!config) return this.defaults;
    let ex = this.exclusions.get(config.file);
    if (!ex) this.exclusions.set(config.file, (ex = new Exclusions(config, true)));
    return ex;
  }
}

function excludedBy(config: ProjectConfig, exclusions: Exclusions, full: string, isDir: boolean): boolean {
  const rel = relativeLocation(config.dir, full);
  return rel !== undefined && exclusions.excludes(rel, isDir);
}

function isVirtualEnv(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'pyvenv.cfg')) || fs.existsSync(path.join(dir, 'conda-meta'));
}

function isRepoRoot(dir: string): boolean {
  return fs.existsSync(path.join(dir, '.git'));
}

/** A folder's ignore patterns (its .gitignore, and the repository's own at its root); an unreadable file is noted. */
function readGitIgnore(dir: string, unreadable: Walked['unreadable']): GitIgnore | undefined {
  const patterns: string[] = [];
  for (const f of [path.join(dir, '.gitignore'), ...(isRepoRoot(dir) ? [path.join(dir, '.git', 'info', 'exclude')] : [])]) {
    try {
      patterns.push(fs.readFileSync(f, 'utf8'));
    } catch (e) {
      const code = errorCode(e);
      if (!isMissing(code)) unreadable.push({ path: f, kind: 'ignore-file', reason: code });
    }
  }
  // One string per file: `add` splits a string into lines (an array's strings are taken as single patterns).
  return patterns.length ? { base: dir, matcher: ignore({ allowRelativePaths: true }).add(patterns.join('\n')) } : undefined;
}

/** The .gitignore files of the folders above `dir`, up to its repository's root (none outside a repository). */
function gitIgnoresAbove(dir: string, unreadable: Walked['unreadable']): { inRepo: boolean; ignores: GitIgnore[] } {
  const chain: string[] = [];
  for (let d = path.dirname(dir), i = 0; i < MAX_DEPTH; d = path.dirname(d), i++) {
    chain.unshift(d);
    if (isRepoRoot(d)) return { inRepo: true, ignores: chain.map((c) => readGitIgnore(c, unreadable)).filter((g): g is GitIgnore => !!g) };
    if (path.dirname(d) === d) break;
  }
  // `dir` itself may be the repository's root: walk() finds that out.
  return { inRepo: false, ignores: [] };
}

/** Git's answer: the deepest .gitignore with a rule for the path decides (a `!pattern` there un-ignores it). */
function gitIgnored(stack: readonly GitIgnore[], full: string, isDir: boolean): boolean {
  for (let i = stack.length - 1; i >= 0; i--) {
    const rel = path.relative(stack[i].base, full).split(path.sep).join('/');
    const r = stack[i].matcher.test(isDir ? rel + '/' : rel);
    if (r.unignored) return false;
    if (r.ignored) return true;
  }
  return false;
}

/** A file system error's code (EACCES, ENOENT…), or its message when it has none. */
function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String((e as Error)?.message ?? e);
}
