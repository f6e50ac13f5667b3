/**
 * What a module-level name stands for once the module body has run, where star imports take part: Python binds the
 * names of `from m import *` when the statement runs, so a star import after a `def` (or an import) of the same name
 * rebinds it, and a `def` after a star import rebinds what the star import bound. Statements that may not run (under
 * `if`, `try`, a loop, or in a function declaring the name `global`) leave either outcome possible, and `del` unbinds.
 *
 * Worked out by going through the statements that bind, unbind or star-import in source order (Symbols.nameEnd gives
 * what each star import does to the name); an answer that two different things may stand for is undecided.
 */
import { spanAt, type Expr, type Module, type OtherStmt, type Span, type Stmt } from './ast';
import { functionSpec, layerSpec } from './catalog';
import type { ProjectContext } from './projectContext';
import type { Binding, StarImport } from './scopes';
import { StmtWalker } from './walk';

/** Library names a star import is known to bind besides the layers and functions of the catalog. */
const STAR_KNOWN = new Set(['functools.partial', 'collections.OrderedDict']);

/** The name's own bindings in the module (what `Symbols.lookup` returns for it). */
export const OWN: unique symbol = Symbol('own');

/**
 * What a name may be bound to at the end of the module body: `to` (a qualified name, or the module's own bindings),
 * and whether it may be left unbound (`to` undefined: it is never bound); 'undecided' when it may stand for two
 * different things, or for something that cannot be known.
 */
export type NameEnd = { to?: string | typeof OWN; unbound: boolean } | 'undecided';

export const UNBOUND: NameEnd = { unbound: true };
const BOUND_HERE: NameEnd = { to: OWN, unbound: false };

/** Either of two ends. */
export function eitherEnd(a: NameEnd, b: NameEnd): NameEnd {
  if (a === 'undecided' || b === 'undecided') return 'undecided';
  if (a.to !== undefined && b.to !== undefined && a.to !== b.to) return 'undecided';
  return { to: a.to ?? b.to, unbound: a.unbound || b.unbound };
}

/**
 * What a star import does to a name: 'keep' when it does not bind it, else the end of the name in the module it
 * imports (which, where that module may leave the name unbound, keeps what the name was before).
 */
export type StarEffect = 'keep' | NameEnd;

/**
 * What `from m import *` does to a name of the module it is in: binds what module m of the project exports under that
 * name (its `__all__` when it writes one out as a literal list, else every name without a leading underscore), or a
 * library layer or function the analysis knows; a module of the project that cannot be read, or whose `__all__` cannot
 * be, may bind anything.
 */
export function starEffect(project: ProjectContext | undefined, star: StarImport, name: string, depth: number): StarEffect {
  const q = `${star.module}${star.module.endsWith('.') ? '' : '.'}${name}`;
  const r = project?.resolve(q);
  if (r) {
    if (r.rest.length !== 1) return 'keep';
    const exports = r.model.starExports(name);
    if (exports === undefined) return 'undecided';
    return exports ? r.model.exportedEnd(name, depth + 1) : 'keep';
  }
  if (layerSpec(q) || functionSpec(q) || STAR_KNOWN.has(q)) return { to: q, unbound: false };
  return star.module.startsWith('.') ? 'undecided' : 'keep';
}

/** The statements of a module body that bind, unbind or star-import names, and which of them may not run. */
export class ModuleOrder {
  private deleted?: Map<string, OtherStmt[]>;

  constructor(private readonly module: Module) {}

  /**
   * The end of a name given its own bindings in the module, its star imports and what each does to the name
   * (`starEffect`, asked in source order, only for the star imports after the last of the module's own bindings that
   * always runs: that one rebinds the name whatever came before). A star import binding the name to what the module's
   * own bindings import (`ownImport`: `import torch.nn as nn`, and a star import of a module with the same import)
   * binds it to the same thing.
   */
  end(
    name: string,
    own: readonly Binding[] | undefined,
    stars: readonly StarImport[],
    starEffect: (star: StarImport) => StarEffect,
    ownImport: () => string | undefined,
  ): NameEnd {
    const deletes = this.deletes(name);
    if (!own?.length && !stars.length) return UNBOUND;
    const events: { at: Span; star?: StarImport; del?: true }[] = [];
    for (const b of own ?? []) if (b.kind !== 'param') events.push({ at: b.node });
    for (const d of deletes) events.push({ at: d, del: true });
    for (const s of stars) events.push({ at: s.node, star: s });
    events.sort((a, b) => a.at.from - b.at.from);
    let first = 0;
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i];
      if (!e.star && !e.del && !this.conditional(e.at)) {
        first = i;
        break;
      }
    }
    let end: NameEnd = UNBOUND;
    let imported: string | null | undefined;
    for (let i = first; i < events.length; i++) {
      const e = events[i];
      let now: NameEnd;
      // A star import of a module that may leave the name unbound keeps what it was, as does a statement that may not run.
      let keeps = this.conditional(e.at);
      if (e.star) {
        const effect = starEffect(e.star);
        if (effect === 'keep') continue;
        if (effect === 'undecided') {
          end = 'undecided';
          continue;
        }
        if (effect.to === undefined) continue;
        now = effect.to !== OWN && effect.to === (imported ??= ownImport() ?? null) ? BOUND_HERE : { to: effect.to, unbound: false };
        keeps ||= effect.unbound;
      } else now = e.del ? UNBOUND : BOUND_HERE;
      end = keeps ? eitherEnd(now, end) : now;
    }
    return end;
  }

  /**
   * Whether the statement (or definition) `at` may not run, or not bind, when the module body runs: it lies under `if`,
   * `try`, a loop, or in a function (assigning a name declared `global`), or it is a loop (binding its target only if
   * it runs once). The body of a `with` runs.
   */
  conditional(at: Span): boolean {
    let body: readonly Stmt[] = this.module.body;
    for (;;) {
      const s = spanAt(body, at.from);
      if (!s) return false;
      if (s === at) return s.kind === 'for' || s.kind === 'while';
      if (s.kind !== 'with') return true;
      body = s.body;
    }
  }

  /** The `del` statements of the module body (not of its functions and classes) deleting a name. */
  private deletes(name: string): readonly OtherStmt[] {
    if (!this.deleted) {
      const finder = new Deletes();
      finder.walk(this.module.body);
      this.deleted = finder.found;
    }
    return this.deleted.get(name) ?? [];
  }
}


class Deletes extends StmtWalker {
  readonly found = new Map<string, OtherStmt[]>();

  protected override onOther(s: OtherStmt): void {
    if (s.what !== 'DeleteStatement') return;
    for (const e of s.exprs) this.add(e, s);
  }

  /** `del a`, `del a, b`, `del (a, b)`. */
  private add(e: Expr, s: OtherStmt): void {
    if (e.kind === 'tuple' || e.kind === 'list') for (const x of e.elts) this.add(x, s);
    if (e.kind !== 'name') return;
    const list = this.found.get(e.id);
    if (list) list.push(s);
    else this.found.set(e.id, [s]);
  }

  protected override onDef(): void {}

  protected override onClass(): void {}
}
