/**
 * Modules of the user's own project: `from .utils import conv_bn`, `from models.blocks import ConvBlock`.
 *
 * Resolution is host-agnostic and step by step: a `ProjectResolution` says which files it needs to read next, the host
 * reads them (the CLI with node:fs, at once: resolveProjectSync; the editor's workspace.fs: resolveProject) and hands the
 * texts back, until nothing more is wanted. The result, a `ProjectSnapshot`, is plain data: it
 * goes with the text into the analysis (and across to the analysis worker), where `ProjectContext` turns it into the
 * models of those modules, built on demand and cached by their text.
 *
 * Paths are '/'-separated (file system paths, or the paths of the editor's URIs). Only imports that may be the
 * project's are followed: relative ones, and absolute ones whose package is found above the importing file (up to
 * the project root), never the libraries the analysis knows (torch, keras, flax…).
 */
import { parsePython, type ParsedPython } from './parse';
import { Tokenizer } from './lexical';
import { T } from './tokens';
import { hash } from '../text';
import { dirname } from '../notes/paths';
import { walkModule } from './walk';

/** The modules one file reaches in its project, read. */
export interface ProjectSnapshot {
  /** The analysed file. */
  path: string;
  /** Texts of the project's modules it reaches (not the file itself), by path. */
  modules: Record<string, string>;
  /** Per file (the analysed one and each module): a module name as its imports write it (`.utils`, `models.blocks`) → path, or null. */
  imports: Record<string, Record<string, string | null>>;
  /** Set when a limit stopped the resolution: the imports left unresolved are followed as unknown. */
  limited?: 'modules' | 'reads';
}

/** Libraries (and standard modules) that are never the project's own: their imports are not looked for in it. */
const NOT_PROJECT = new Set([
  'torch', 'torchvision', 'torchaudio', 'tensorflow', 'keras', 'tf_keras', 'flax', 'jax', 'jaxlib', 'optax', 'haiku', 'numpy', 'scipy', 'sklearn',
  'pandas', 'timm', 'transformers', 'mmcv', 'mmdet', 'detectron2', 'lightning', 'pytorch_lightning', 'keras_applications', 'tensorflow_datasets',
  'os', 'sys', 'math', 'time', 'json', 're', 'copy', 'random', 'logging', 'argparse', 'functools', 'collections', 'itertools', 'typing', 'pathlib',
  'dataclasses', 'abc', 'warnings', 'shutil', 'subprocess', 'pickle', '__future__', 'datetime', 'io', 'glob', 'threading', 'multiprocessing',
  'cv2', 'PIL', 'matplotlib', 'tqdm', 'yaml', 'einops', 'wandb', 'tensorboard', 'absl', 'ml_collections', 'apex', 'horovod', 'accelerate',
]);

export interface ResolutionLimits {
  /** Import hops followed from the analysed file (2: its imports, and what those modules re-export). */
  depth: number;
  /** Modules read at most. */
  modules: number;
  /** Folders above a file searched for an absolute import's package. */
  ancestors: number;
  /** Files asked for at most (found or not): what one analysed file may cost the host in reads. */
  reads: number;
}

export const DEFAULT_LIMITS: ResolutionLimits = { depth: 3, modules: 48, ancestors: 6, reads: 400 };

interface Pending {
  importer: string;
  name: string;
  candidates: string[];
  /** The importer's distance from the analysed file. */
  depth: number;
}

/**
 * One resolution: `wanted()` lists the files to read next, `provide()` takes their texts (undefined: no such file),
 * until `wanted()` is empty; then `snapshot()`.
 */
export class ProjectResolution {
  private readonly texts = new Map<string, string | undefined>();
  private readonly pending: Pending[] = [];
  private readonly scanned = new Set<string>();
  private readonly out: ProjectSnapshot;

  /**
   * @param path  the analysed file (absolute, '/'-separated)
   * @param root  the project's folder: absolute imports are looked for between the file's folder and it
   */
  constructor(
    path: string,
    text: string | ParsedPython,
    private readonly root: string,
    private readonly limits: ResolutionLimits = DEFAULT_LIMITS,
  ) {
    this.out = { path, modules: {}, imports: {} };
    this.scan(path, typeof text === 'string' ? parseShared(text) : text, 0);
  }

  /** Files whose text is needed to go on (each asked once). */
  wanted(): string[] {
    if (this.texts.size >= this.limits.reads && this.pending.length) {
      // Out of reads: what is still pending stays unresolved (unknown to the analysis, so it decides nothing).
      for (const p of this.pending.splice(0)) (this.out.imports[p.importer] ??= {})[p.name] = null;
      this.out.limited = 'reads';
      return [];
    }
    const out = new Set<string>();
    for (const p of this.pending) {
      for (const c of p.candidates) {
        if (!this.texts.has(c)) out.add(c);
        // Candidates are tried in order: the first that exists wins, later ones are needed only if it does not.
        if (this.texts.get(c) !== undefined) break;
        if (!this.texts.has(c)) break;
      }
    }
    return [...out].slice(0, Math.max(0, this.limits.reads - this.texts.size));
  }

  provide(path: string, text: string | undefined): void {
    this.texts.set(path, text);
    this.settle();
  }

  snapshot(): ProjectSnapshot {
    return this.out;
  }

  /** Resolves the pending imports whose candidates are all known. */
  private settle(): void {
    for (let i = 0; i < this.pending.length; ) {
      const p = this.pending[i];
      let found: string | null | undefined = null;
      for (const c of p.candidates) {
        if (!this.texts.has(c)) {
          found = undefined;
          break;
        }
        if (this.texts.get(c) !== undefined) {
          found = c;
          break;
        }
      }
      if (found === undefined) {
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      (this.out.imports[p.importer] ??= {})[p.name] = found;
      if (found && found !== this.out.path && !(found in this.out.modules)) {
        if (Object.keys(this.out.modules).length >= this.limits.modules) {
          this.out.limited = 'modules';
          continue;
        }
        const text = this.texts.get(found)!;
        this.out.modules[found] = text;
        if (p.depth + 1 < this.limits.depth) this.scan(found, parseShared(text), p.depth + 1);
      }
    }
  }

  /** Queues the project candidates of every import in a file. */
  private scan(file: string, parsed: ParsedPython, depth: number): void {
    if (this.scanned.has(file)) return;
    this.scanned.add(file);
    this.out.imports[file] ??= {};
    const dir = dirname(file);
    const want = (name: string) => {
      if (name in this.out.imports[file] || this.pending.some((p) => p.importer === file && p.name === name)) return;
      const candidates = this.candidates(dir, name);
      if (candidates.length) this.pending.push({ importer: file, name, candidates, depth });
      else this.out.imports[file][name] = null;
    };
    walkModule(parsed.module.body, {
      stmt: (s) => {
        if (s.kind === 'import') {
          for (const n of s.names) {
            const parts = n.module.split('.');
            for (let i = 1; i <= parts.length; i++) want(parts.slice(0, i).join('.'));
          }
        } else if (s.kind === 'from') {
          const dots = '.'.repeat(s.level);
          const base = s.module ? `${dots}${s.module}` : dots;
          if (s.module) want(base);
          // `from . import utils`, `from .models import blocks`: the names may be modules too.
          for (const n of s.names) if (n.name !== '*') want(s.module ? `${base}.${n.name}` : `${dots}${n.name}`);
          if (!s.module && s.level) want(dots);
        }
      },
    });
    this.settle();
  }

  /** Where a module name may live, in the order Python would find it. */
  private candidates(dir: string, name: string): string[] {
    let level = 0;
    while (name[level] === '.') level++;
    const parts = name.slice(level).split('.').filter((p) => p);
    const files = (base: string) => (parts.length ? [`${base}/${parts.join('/')}.py`, `${base}/${parts.join('/')}/__init__.py`] : [`${base}/__init__.py`]);
    if (level > 0) {
      // A relative import counts from the importing module's package (its folder, for an `__init__.py` too).
      let base = dir;
      for (let i = 1; i < level; i++) base = dirname(base);
      return base ? files(base) : [];
    }
    if (!parts.length || NOT_PROJECT.has(parts[0])) return [];
    const out: string[] = [];
    let base = dir;
    for (let i = 0; i <= this.limits.ancestors && base && isInside(base, this.root); i++) {
      out.push(...files(base));
      if (base === this.root) break;
      base = dirname(base);
    }
    return out;
  }
}

/**
 * Resolves with a synchronous reader (the CLI's file system): the whole snapshot at once. `read` returns undefined for
 * a file that does not exist.
 */
export function resolveProjectSync(path: string, text: string | ParsedPython, root: string, read: (path: string) => string | undefined, limits = DEFAULT_LIMITS): ProjectSnapshot {
  const r = new ProjectResolution(path, text, root, limits);
  for (let wanted = r.wanted(); wanted.length; wanted = r.wanted()) for (const p of wanted) r.provide(p, read(p));
  return r.snapshot();
}

/**
 * Resolves with an asynchronous reader (the editor's workspace.fs): each round's files are read together. `read`
 * resolves to undefined for a file that does not exist; a file it fails to read goes to `report` and is followed as
 * absent.
 */
export async function resolveProject(
  path: string,
  text: string | ParsedPython,
  root: string,
  read: (path: string) => Promise<string | undefined>,
  report: (path: string, error: unknown) => void,
  limits = DEFAULT_LIMITS,
): Promise<ProjectSnapshot> {
  const r = new ProjectResolution(path, text, root, limits);
  for (let wanted = r.wanted(); wanted.length; wanted = r.wanted()) {
    const texts = await Promise.all(
      wanted.map((p) =>
        read(p).catch((e: unknown) => {
          report(p, e);
          return undefined;
        }),
      ),
    );
    wanted.forEach((p, i) => r.provide(p, texts[i]));
  }
  return r.snapshot();
}

const PARSES_KEPT = 64;
/** The last parses, the most recent last. */
const parses: ParsedPython[] = [];

/**
 * A module's parse, shared by text (across the files of a lint run, and between resolution and analysis). Found by
 * comparing texts of the same length (no digest: most lookups find the text, and comparing it costs less).
 */
export function parseShared(text: string): ParsedPython {
  for (let i = parses.length - 1; i >= 0; i--) {
    const p = parses[i];
    if (p.text.length !== text.length || p.text !== text) continue;
    parses.splice(i, 1);
    parses.push(p);
    return p;
  }
  const p = parsePython(text);
  parses.push(p);
  if (parses.length > PARSES_KEPT) parses.shift();
  return p;
}

/**
 * The import statements of a file (wherever they stand: in a function, a try block, after `;` or `if x:`), parsed on
 * their own: what resolution reads of the analysed file, for a host that does not parse it otherwise (the editor,
 * whose analysis runs in a worker). One tokenizer pass over the file, and the parser on those statements only.
 */
export function importStatements(text: string): ParsedPython {
  const t = new Tokenizer(text, text.charCodeAt(0) === 0xfeff ? 1 : 0).fillAll();
  const out: string[] = [];
  for (let i = 0; i < t.count; i++) {
    const k = t.kind[i];
    if (k !== T.Import && k !== T.From) continue;
    const before = i ? t.kind[i - 1] : T.NEWLINE;
    // `from` also follows `yield` and `raise …`: only a statement's first word starts an import.
    if (before !== T.NEWLINE && before !== T.INDENT && before !== T.DEDENT && before !== T.SEMI && before !== T.COLON) continue;
    let j = i;
    while (j < t.count && t.kind[j] !== T.NEWLINE && t.kind[j] !== T.SEMI && t.kind[j] !== T.EOF) j++;
    out.push(text.slice(t.start[i], t.start[j]));
    i = j;
  }
  return parsePython(out.join('\n'));
}

/** A digest of what a snapshot holds (which modules each import names, and their texts): equal snapshots, equal digests. */
export function snapshotDigest(s: ProjectSnapshot): string {
  const parts = [s.path, JSON.stringify(s.imports), s.limited ?? ''];
  for (const p of Object.keys(s.modules).sort()) parts.push(`${p}\u0000${s.modules[p].length}:${hash(s.modules[p])}`);
  return hash(parts.join('\u0001'));
}

function isInside(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);
}
