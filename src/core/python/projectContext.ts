/**
 * The project's modules inside one analysis: a `ProjectSnapshot` (project.ts) turned into models of those modules,
 * each built on first use with its own context (so that its imports resolve from where it is). Parses are shared by
 * text across analyses (a module imported by many files of a lint run is parsed once).
 */
import type { ParsedPython } from './parse';
import { parseShared, type ProjectSnapshot } from './project';
import type { PythonModel } from './model';

/** Builds a model for a module (model.ts registers it: this file does not import the model's code). */
type ModelFactory = (parsed: ParsedPython, project: ProjectContext) => PythonModel;

/**
 * How many lookups were cut short (too deep, or at a cycle) in the models of one analysis, counted so that an answer
 * worked out while one was is not memoised (see Symbols): a lookup may run through another module's model.
 */
export class LookupCuts {
  count = 0;
}

export class ProjectContext {
  private readonly models: Map<string, PythonModel | null>;

  private constructor(
    private readonly snapshot: ProjectSnapshot,
    /** The file whose imports this context resolves. */
    readonly path: string,
    private readonly factory: ModelFactory,
    models: Map<string, PythonModel | null>,
    /** Shared by every context (and model) of the analysis. */
    readonly cuts: LookupCuts,
  ) {
    this.models = models;
  }

  /** The context of the analysed file of a snapshot (undefined when the snapshot reaches no module). */
  static of(snapshot: ProjectSnapshot | undefined, factory: ModelFactory): ProjectContext | undefined {
    if (!snapshot || !Object.keys(snapshot.modules).length) return undefined;
    return new ProjectContext(snapshot, snapshot.path, factory, new Map(), new LookupCuts());
  }

  /**
   * The project module a qualified name (as this file's imports write it: `.utils.conv_bn`, `models.blocks.ConvBlock`)
   * starts with, and the rest of the name.
   */
  resolve(qname: string): { model: PythonModel; rest: string[] } | undefined {
    const links = this.snapshot.imports[this.path];
    if (!links) return undefined;
    let level = 0;
    while (qname[level] === '.') level++;
    const dots = qname.slice(0, level);
    const names = qname.slice(level).split('.').filter((x) => x);
    for (let n = names.length; n >= (level ? 0 : 1); n--) {
      const key = n ? `${dots}${names.slice(0, n).join('.')}` : dots;
      const path = links[key];
      if (!path) continue;
      const model = this.modelOf(path);
      return model ? { model, rest: names.slice(n) } : undefined;
    }
    return undefined;
  }

  /** The model of a project module by its path (a `@<path>:<name>` qualified name's module). */
  moduleAt(path: string): PythonModel | undefined {
    return this.modelOf(path);
  }

  private modelOf(path: string): PythonModel | undefined {
    if (this.models.has(path)) return this.models.get(path) ?? undefined;
    const text = this.snapshot.modules[path];
    if (text === undefined) return undefined;
    this.models.set(path, null); // a module importing itself (or a cycle) sees nothing while it is being built
    const model = this.factory(parseShared(text), new ProjectContext(this.snapshot, path, this.factory, this.models, this.cuts));
    this.models.set(path, model);
    return model;
  }
}
