/**
 * Which project configuration applies to a file: the nearest `.ml-notes.toml` or `pyproject.toml` with
 * `[tool.ml-notes]` in its folder or above (as Ruff does). Folders are read once and remembered until a config file
 * changes (`invalidate`). Works over any file system: node:fs paths in the CLI and the language server, URI strings
 * in the editor.
 */
import ignore, { type Ignore } from 'ignore';
import { CONFIG_FILE_NAMES, parseProjectConfig, type ConfigProblem, type ParsedConfig, type ProjectConfig } from './projectConfig';

export interface ConfigFs {
  /** The file's text, or undefined when it does not exist (other failures throw). */
  readText(loc: string): Promise<string | undefined>;
  join(dir: string, name: string): string;
  /** The folder holding `loc`, or undefined at the root. */
  parent(loc: string): string | undefined;
}

export interface ConfigLookup {
  /** The configuration that applies (undefined: none, or the nearest one is broken). */
  config?: ProjectConfig;
  /** The nearest config file, when it is broken: its problems; it is not applied. */
  broken?: { file: string; problems: ConfigProblem[] };
  /** Warnings of the config that applies (it still applies). */
  warnings: ConfigProblem[];
}

interface FolderConfig {
  file: string;
  parsed: ParsedConfig;
}

const MAX_DEPTH = 64;

export class ProjectConfigs {
  private readonly folders = new Map<string, Promise<FolderConfig | null>>();

  constructor(private readonly fs: ConfigFs) {}

  /** The configuration for a file (or a folder's contents): the nearest one above it. */
  async forFile(loc: string): Promise<ConfigLookup> {
    const dir = this.fs.parent(loc);
    return dir === undefined ? { warnings: [] } : this.forFolder(dir);
  }

  /**
   * The configuration for the files of a folder: its own config, or the nearest one above. Every folder up to the
   * root is asked at once (in a remote editor each read is a round trip: one after another they took 3 s for a
   * workspace seven folders deep), and the nearest that has a config wins.
   */
  async forFolder(dir: string): Promise<ConfigLookup> {
    const asked: Promise<FolderConfig | null>[] = [];
    let d: string | undefined = dir;
    for (let depth = 0; d !== undefined && depth < MAX_DEPTH; depth++) {
      asked.push(this.folder(d));
      const up = this.fs.parent(d);
      d = up === d ? undefined : up;
    }
    for (const ask of asked) {
      const found = await ask;
      if (found) {
        if (found.parsed.config) return { config: found.parsed.config, warnings: found.parsed.problems };
        return { broken: { file: found.file, problems: found.parsed.problems }, warnings: [] };
      }
    }
    return { warnings: [] };
  }

  /** Forget what was read (one config file changed, was created or deleted; or everything). */
  invalidate(configFile?: string): void {
    if (configFile === undefined) this.folders.clear();
    else {
      const dir = this.fs.parent(configFile);
      if (dir !== undefined) this.folders.delete(dir);
    }
  }

  /** The config file in this folder that configures ML Notes (`.ml-notes.toml` first), if any. */
  private folder(dir: string): Promise<FolderConfig | null> {
    let p = this.folders.get(dir);
    if (!p) {
      p = this.readFolder(dir);
      this.folders.set(dir, p);
    }
    return p;
  }

  /** Both names are read at once; `.ml-notes.toml` wins when both configure ML Notes. */
  private async readFolder(dir: string): Promise<FolderConfig | null> {
    const reads = CONFIG_FILE_NAMES.map((name) => {
      const file = this.fs.join(dir, name);
      return this.fs.readText(file).then(
        (text) => ({ file, name, text }),
        (e: unknown) => ({ file, name, error: e as Error }),
      );
    });
    for (const read of reads) {
      const r = await read;
      if ('error' in r) {
        const problem: ConfigProblem = { file: r.file, line: 1, column: 1, severity: 'error', message: `cannot read the file: ${r.error?.message ?? String(r.error)}` };
        return { file: r.file, parsed: { relevant: true, problems: [problem] } };
      }
      if (r.text === undefined) continue;
      const parsed = parseProjectConfig(r.file, dir, r.name, r.text);
      if (parsed.relevant) return { file: r.file, parsed };
    }
    return null;
  }
}

/**
 * Folders left out of a walk when the config does not set `exclude` (as Ruff's defaults, plus notebook checkpoints).
 * `.git`, `node_modules` and virtual environments are always left out.
 */
export const DEFAULT_EXCLUDE: readonly string[] = [
  '.bzr',
  '.direnv',
  '.eggs',
  '.hg',
  '.ipynb_checkpoints',
  '.mypy_cache',
  '.nox',
  '.pants.d',
  '.pytest_cache',
  '.pytype',
  '.ruff_cache',
  '.svn',
  '.tox',
  '.venv',
  '__pycache__',
  '__pypackages__',
  '_build',
  'buck-out',
  'build',
  'dist',
  'site-packages',
  'venv',
];

/**
 * The exclusion patterns of a config, as a matcher of paths relative to its folder. `withDefaults` adds the default
 * exclusions when the config does not set `exclude` (a folder walk); without it only the config's own patterns count
 * (a file opened in an editor).
 */
export class Exclusions {
  private readonly matcher: Ignore;
  readonly empty: boolean;

  constructor(config: Pick<ProjectConfig, 'exclude' | 'extendExclude'> | undefined, withDefaults: boolean) {
    const patterns = [...(config?.exclude ?? (withDefaults ? DEFAULT_EXCLUDE : [])), ...(config?.extendExclude ?? [])];
    this.matcher = ignore({ allowRelativePaths: true }).add(patterns);
    this.empty = patterns.length === 0;
  }

  /** Whether a path relative to the config's folder ('/'-separated) is excluded; folders are tested with `isDir`. */
  excludes(relativePath: string, isDir = false): boolean {
    if (this.empty || !relativePath) return false;
    return this.matcher.ignores(isDir ? relativePath.replace(/\/?$/, '/') : relativePath);
  }
}

/**
 * `loc` relative to the folder `dir` ('/'-separated, URI escapes decoded), or undefined when it is not inside it.
 * Both may be paths (either separator) or URI strings.
 */
export function relativeLocation(dir: string, loc: string): string | undefined {
  const norm = (s: string) => s.replace(/\\/g, '/').replace(/\/+$/, '');
  const d = norm(dir);
  const l = norm(loc);
  if (!l.startsWith(d + '/')) return undefined;
  const rel = l.slice(d.length + 1);
  if (!/^[a-z][\w+.-]*:/i.test(dir) || /^[a-zA-Z]:[\\/]/.test(dir)) return rel;
  try {
    return rel.split('/').map(decodeURIComponent).join('/');
  } catch {
    return rel;
  }
}

/** Whether a config's own `exclude` / `extend-exclude` patterns leave this file out (editors and the language server). */
export function excludedByConfig(config: ProjectConfig | undefined, fileLoc: string): boolean {
  if (!config || (!config.exclude && !config.extendExclude)) return false;
  const rel = relativeLocation(config.dir, fileLoc);
  if (rel === undefined) return false;
  let ex = editorExclusions.get(config);
  if (!ex) editorExclusions.set(config, (ex = new Exclusions(config, false)));
  return ex.excludes(rel);
}

const editorExclusions = new WeakMap<ProjectConfig, Exclusions>();
