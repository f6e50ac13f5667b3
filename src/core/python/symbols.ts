/**
 * Symbols: what the names in a Python file stand for, without knowing anything about layers.
 *
 * - the scopes and bindings of the file (scopes.ts), and the scope any offset is in;
 * - qualified names through imports and aliases (`from torch import nn as tnn; tnn.Conv2d` → torch.nn.Conv2d);
 * - `self.x` inside methods: the assignments of attribute x in the class and its local bases;
 * - literal values (numbers, strings, tuples, module-level constants), source text, fresh names.
 *
 * Built once per parse; lookups are memoised. PythonModel (model.ts) adds what calls construct.
 */
import type { CallExpr, Expr, Module, Span, Stmt } from './ast';
import type { ParsedPython } from './parse';
import { ModuleOrder, OWN, starEffect, type NameEnd } from './moduleEnd';
import { LookupCuts, type ProjectContext } from './projectContext';
import { collectScopes, type AttrDef, type Binding, type ClassInfo, type FunctionInfo, type Scope, type StatementIndex } from './scopes';
import { bodyOf, wholeFile, type KeptUnits } from './unitScopes';
import { walkModule } from './walk';

export const MAX_DEPTH = 8;

/** The lookups of one kind under way, innermost last (see Symbols.resolveOnce). */
export type ResolvingStack<K> = K[];

/** What `get_submodules_from_kwargs` returns, in order. */
const KERAS_SUBMODULES = ['keras.backend', 'keras.layers', 'keras.models', 'keras.utils'];

export class Symbols {
  readonly module: Module;
  readonly text: string;
  readonly moduleScope: Scope;
  readonly functions: FunctionInfo[];
  readonly classes: ClassInfo[];
  /** The statement whose value (right-hand side, expression, return value) an expression is. */
  readonly statementOf: StatementIndex;
  private readonly namesOf: () => Set<string>;
  /** The scopes of function and class bodies (where they apply), in the order of the bodies' starts, and the starts. */
  private readonly bodies: Scope[];
  private bodyStarts?: number[];
  private appliedBy?: Map<CallExpr, CallExpr>;
  private readonly nameMemo = new Map<Binding[], string | null>();
  private readonly joinMemo = new Map<string, Map<string, string>>();
  private readonly resolvingNames: ResolvingStack<Binding[]> = [];
  /** The module's `__all__` when it is written out as literal strings; null when it has none; 'unknown' otherwise. */
  private dunderAll?: Set<string> | null | 'unknown';
  /** What module-level names stand for once the module body has run, where star imports or `del` take part. */
  private order?: ModuleOrder;
  private readonly endMemo = new Map<string, NameEnd>();
  private readonly resolvingEnds: ResolvingStack<string> = [];
  /** Per name whose end is undecided: the one binding standing for it (of an unknown value). */
  private readonly undecided = new Map<string, Binding[]>();

  /** Other modules of the project, when the analysis was given them. */
  readonly project?: ProjectContext;
  private readonly projectMemo = new Map<string, string>();
  /**
   * Lookups follow names, calls and helpers only so deep (MAX_DEPTH) and stop at a cycle. An answer worked out while
   * one was cut short depends on where the lookup started (a helper's layers looked up from a deep call chain, or
   * from the helper itself), so it is not memoised: asked again, it is worked out in full. Shared with the project's
   * other models, which a lookup may run through.
   */
  protected readonly cuts: LookupCuts;

  /**
   * @param kept  what earlier versions of the same document found of their statements (scopes, calls' targets), reused
   *              for the statements this parse shares with them (see unitScopes.ts); without it, all is built here.
   */
  constructor(
    readonly parsed: ParsedPython,
    project?: ProjectContext,
    readonly kept?: KeptUnits,
  ) {
    this.project = project;
    this.cuts = project?.cuts ?? new LookupCuts();
    this.module = parsed.module;
    this.text = parsed.text;
    const s = kept ? kept.scopes.collect(parsed) : wholeFile(collectScopes(this.module, this.text));
    this.moduleScope = s.moduleScope;
    this.functions = s.functions;
    this.classes = s.classes;
    this.namesOf = s.allNames;
    this.statementOf = s.statementOf;
    this.moduleScope.owner = this;
    const functions = this.functions;
    for (let i = 0; i < functions.length; i++) functions[i].scope.owner = this;
    const classes = this.classes;
    for (let i = 0; i < classes.length; i++) classes[i].scope.owner = this;
    this.bodies = s.bodies;
  }

  /** A lookup cut short (too deep, or at a cycle): `value`, and nothing worked out meanwhile is memoised. */
  protected cutShort<T>(value: T): T {
    this.cuts.count++;
    return value;
  }

  /** `work()`, given to `keep` (a memo) only when no lookup was cut short while it ran. */
  protected keptIfWhole<T>(work: () => T, keep: (value: T) => void): T {
    const before = this.cuts.count;
    const value = work();
    if (this.cuts.count === before) keep(value);
    return value;
  }

  /**
   * A lookup of `key` that may come back to itself: `stop` (cut short) when too deep or already under way (`resolving`),
   * else `work()`, kept as keptIfWhole says.
   */
  protected resolveOnce<K, T>(resolving: ResolvingStack<K>, key: K, depth: number, stop: T, work: () => T, keep: (value: T) => void): T {
    // The lookups under way are those of the current chain of calls: a few, at most one per level of depth.
    if (depth > MAX_DEPTH || resolving.includes(key)) return this.cutShort(stop);
    resolving.push(key);
    try {
      return this.keptIfWhole(work, keep);
    } finally {
      resolving.pop();
    }
  }

  /** Every name bound anywhere in the file (for picking fresh names). */
  get allNames(): Set<string> {
    return this.namesOf();
  }

  get hasSyntaxErrors(): boolean {
    return this.module.errors.length > 0;
  }

  /**
   * Bindings of `name` visible from `scope` (Python rules: class bodies do not enclose their methods). At module level
   * in a module with star imports, the module's own bindings only where they are what the name is bound to once the
   * module body has run (a star import after them may rebind it: then none, and `qname` finds what the star import
   * binds); one binding of an unknown value where that is undecided.
   */
  lookup(name: string, scope: Scope): { bindings: Binding[]; scope: Scope } | undefined {
    let s: Scope | undefined = scope;
    while (s) {
      if (s.kind === 'module' && s.starImports.length) return s.owner.moduleLookup(name);
      if (s.kind !== 'class' || s === scope) {
        const b = s.bindings.get(name);
        if (b) return { bindings: b, scope: s };
      }
      s = s.parent;
    }
    return undefined;
  }

  private moduleLookup(name: string): { bindings: Binding[]; scope: Scope } | undefined {
    const scope = this.moduleScope;
    const end = this.nameEnd(name, 0);
    if (end === 'undecided') {
      const stars = scope.starImports;
      let b = this.undecided.get(name);
      if (!b) this.undecided.set(name, (b = [{ kind: 'unknown', node: stars[stars.length - 1].node }]));
      return { bindings: b, scope };
    }
    const own = scope.bindings.get(name);
    return end.to === OWN && own ? { bindings: own, scope } : undefined;
  }

  /** What a module-level name is bound to once the module body has run (see moduleEnd.ts). */
  private nameEnd(name: string, depth: number): NameEnd {
    const memo = this.endMemo.get(name);
    if (memo !== undefined) return memo;
    return this.resolveOnce(
      this.resolvingEnds,
      name,
      depth,
      'undecided' as NameEnd,
      () => {
        const own = this.moduleScope.bindings.get(name);
        const ownImport = () => {
          const q = own?.[0].kind === 'import' ? own[0].qname : undefined;
          if (!q || own!.some((b) => b.kind !== 'import' || b.qname !== q)) return undefined;
          return this.project ? this.throughProject(q, depth + 1) : q;
        };
        return (this.order ??= new ModuleOrder(this.module)).end(name, own, this.moduleScope.starImports, (star) => starEffect(this.project, star, name, depth), ownImport);
      },
      (end) => this.endMemo.set(name, end),
    );
  }

  /** The scope a call is evaluated in: the innermost function or class body around it. */
  scopeOf(call: Span): Scope {
    const bodies = this.bodies;
    const starts = (this.bodyStarts ??= bodies.map((s) => bodyOf(s).bodyFrom));
    let lo = 0;
    let hi = bodies.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= call.from) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // The last body starting before the call, or one of the bodies around it (the module has none: it is everywhere).
    let s: Scope | undefined = found >= 0 ? bodies[found] : undefined;
    while (s) {
      if (s.kind === 'module') return s;
      const def = bodyOf(s);
      if (def.bodyFrom <= call.from && call.from < def.to) return s;
      s = s.parent;
    }
    return this.moduleScope;
  }

  /** For a call that is itself called (`layers.Conv2D(…)(x)`): the outer call. */
  applicationOf(call: CallExpr): CallExpr | undefined {
    if (!this.appliedBy) {
      this.appliedBy = new Map();
      for (const c of this.module.calls) if (c.func.kind === 'call') this.appliedBy.set(c.func, c);
    }
    return this.appliedBy.get(call);
  }

  /**
   * The qualified name an expression denotes (`nn.Conv2d` → `torch.nn.Conv2d`), if it is an imported thing. Through the
   * project's modules too: `from .layers import BN` where layers.py has `from torch.nn import BatchNorm2d as BN` is
   * `torch.nn.BatchNorm2d`; a class or function the project defines keeps its project name (`.layers.ConvBlock`).
   */
  qname(e: Expr, scope: Scope, depth = 0): string | undefined {
    if (scope.owner && scope.owner !== this) return scope.owner.qname(e, scope, depth);
    let q: string | undefined;
    if (e.kind === 'name') q = this.qnameOfName(e.id, scope, depth);
    else if (e.kind === 'attr') {
      // (An attribute chain is one name written in parts, not a step through another binding: no depth of its own.)
      const base = this.qname(e.value, scope, depth);
      q = base === undefined ? undefined : this.joinName(base, e.attr);
    }
    return q && this.project ? this.throughProject(q, depth) : q;
  }

  private throughProject(q: string, depth: number): string {
    const memo = this.projectMemo.get(q);
    if (memo !== undefined) return memo;
    if (depth > MAX_DEPTH) return this.cutShort(q);
    return this.keptIfWhole(
      () => {
        const r = this.project!.resolve(q);
        const exported = r && r.rest.length ? r.model.exportedQname(r.rest[0], depth + 1) : undefined;
        return exported ? [exported, ...r!.rest.slice(1)].join('.') : q;
      },
      (out) => this.projectMemo.set(q, out),
    );
  }

  /**
   * What a module-level name of this file stands for when another module imports it: the qualified name an import
   * (or an alias of one) binds it to, through this file's own project imports and star imports; `@<path>:<name>` for a
   * class, function or value defined in this file (a project module); undefined when there is no such name, or when
   * what it is bound to is undecided.
   */
  exportedQname(name: string, depth = 0): string | undefined {
    return boundElsewhere(this.exportedEnd(name, depth));
  }

  /**
   * What a module-level name of this file is bound to once its body has run, its own bindings named as exportedQname
   * names them (what a star import of this module binds the name to, see moduleEnd.ts).
   */
  exportedEnd(name: string, depth: number): NameEnd {
    if (depth > MAX_DEPTH) return this.cutShort('undecided');
    const end = this.nameEnd(name, depth);
    if (end === 'undecided' || end.to !== OWN) return end;
    const here = this.project ? `@${this.project.path}:${name}` : undefined;
    const found = this.moduleScope.bindings.get(name)!;
    const alias = found.every((b) => b.kind === 'import' || (b.kind === 'assign' && (b.value.kind === 'name' || b.value.kind === 'attr')));
    const to = (alias && this.qname({ kind: 'name', id: name, from: -1, to: -1 }, this.moduleScope, depth + 1)) || here;
    return to === undefined ? 'undecided' : { to, unbound: end.unbound };
  }

  /** What this file's star imports bind a name to, where that is what the name is bound to once the module body has run. */
  private starImported(name: string, depth: number): string | undefined {
    if (!this.moduleScope.starImports.length) return undefined;
    return boundElsewhere(this.nameEnd(name, depth));
  }

  /** Whether `from <this module> import *` binds a name (see starEffect); undefined when its `__all__` cannot be read. */
  starExports(name: string): boolean | undefined {
    if (this.dunderAll === undefined) this.dunderAll = literalAll(this.module.body, this.moduleScope);
    if (this.dunderAll === 'unknown') return undefined;
    return this.dunderAll ? this.dunderAll.has(name) : !name.startsWith('_');
  }

  private joinName(base: string, attr: string): string {
    let m = this.joinMemo.get(base);
    if (!m) {
      m = new Map();
      this.joinMemo.set(base, m);
    }
    let q = m.get(attr);
    if (q === undefined) {
      q = `${base}.${attr}`;
      m.set(attr, q);
    }
    return q;
  }

  private qnameOfName(name: string, scope: Scope, depth: number): string | undefined {
    const found = this.lookup(name, scope);
    if (!found) return this.starImported(name, depth);
    const memo = this.nameMemo.get(found.bindings);
    if (memo !== undefined) return memo ?? undefined;
    return this.resolveOnce(
      this.resolvingNames,
      found.bindings,
      depth,
      undefined,
      () => this.qnameOfBindings(found.bindings, found.scope, depth),
      (q) => this.nameMemo.set(found.bindings, q ?? null),
    );
  }

  /**
   * The one qualified name all bindings of a name agree on. `layers = None` does not count against it: Keras
   * applications bind their modules at run time (`layers = None` at module level, then
   * `backend, layers, models, utils = get_submodules_from_kwargs(kwargs)` in the function building the model).
   */
  private qnameOfBindings(bindings: Binding[], scope: Scope, depth: number): string | undefined {
    let result: string | undefined;
    let placeholders = 0;
    for (const b of bindings) {
      let q: string | undefined;
      if (b.kind === 'import') q = b.qname;
      else if (b.kind === 'assign' && (b.value.kind === 'name' || b.value.kind === 'attr')) q = this.qname(b.value, scope, depth + 1);
      else if (b.kind === 'assign' && b.value.kind === 'const' && b.value.value === 'None') {
        placeholders++;
        continue;
      } else if (b.kind === 'unpack') q = this.unpackedModule(b.value, b.index, scope, depth);
      else return undefined;
      if (!q || (result !== undefined && result !== q)) return undefined;
      result = q;
    }
    return placeholders && result && !result.startsWith('keras.') ? undefined : result;
  }

  /**
   * `backend, layers, models, utils = get_submodules_from_kwargs(kwargs)` (keras_applications' convention), the function
   * imported from a library or from a module of the project defining its own (keras-applications itself,
   * `from . import get_submodules_from_kwargs`).
   */
  private unpackedModule(value: Expr, index: number, scope: Scope, depth: number): string | undefined {
    if (value.kind !== 'call') return undefined;
    const q = this.qname(value.func, scope, depth + 1);
    const name = q?.slice(Math.max(q.lastIndexOf('.'), q.lastIndexOf(':')) + 1);
    if (name !== 'get_submodules_from_kwargs') return undefined;
    if (q!.startsWith('@') && !this.ownSubmodules(q!, index, depth)) return undefined;
    return KERAS_SUBMODULES[index];
  }

  /**
   * A project's own `get_submodules_from_kwargs` (`@<path>:get_submodules_from_kwargs`) gives Keras' module at `index`
   * when, as keras-applications writes it, every `return` hands back there what the caller passed (`kwargs.get('layers',
   * _KERAS_LAYERS)`, `kwargs['layers']`, directly or through a local name bound once) with a default that is nothing
   * or names no project or other library module (`_KERAS_LAYERS = None`, set at run time to Keras'). A module of its own
   * given back (`return None, mylayers, None, None`, or as the default) is not Keras.
   */
  private ownSubmodules(q: string, index: number, depth: number): boolean {
    const at = q.lastIndexOf(':');
    const module = this.project?.moduleAt(q.slice(1, at));
    const def = module?.moduleScope.bindings.get(q.slice(at + 1));
    if (!module || def?.length !== 1 || def[0].kind !== 'def') return false;
    const fn = def[0].fn;
    const kwargs = fn.def.params.length === 1 ? fn.def.params[0].name : undefined;
    const returns: (Expr | undefined)[] = [];
    walkModule(fn.def.body, {
      stmt: (st) => {
        if (st.kind === 'return' && module.scopeOf(st) === fn.scope) returns.push(st.value);
      },
    });
    const given = (e: Expr): boolean => {
      if (e.kind === 'name') {
        const b = module.lookup(e.id, fn.scope);
        return b?.scope === fn.scope && b.bindings.length === 1 && b.bindings[0].kind === 'assign' && given(b.bindings[0].value);
      }
      if (e.kind === 'subscript') return e.value.kind === 'name' && e.value.id === kwargs;
      if (e.kind !== 'call' || e.func.kind !== 'attr' || e.func.attr !== 'get' || e.func.value.kind !== 'name' || e.func.value.id !== kwargs) return false;
      const d = e.args[1]?.value;
      if (!d || (d.kind === 'const' && d.value === 'None')) return true;
      if (d.kind !== 'name') return false;
      const dq = module.qname(d, module.moduleScope, depth + 1);
      return dq === undefined || dq.startsWith('keras') || dq.startsWith('tensorflow');
    };
    return !!kwargs && returns.length > 0 && returns.every((r) => r?.kind === 'tuple' && r.elts.length > index && given(r.elts[index]));
  }

  /** The local base classes of a class (for attribute inheritance). */
  localBases(cls: ClassInfo): ClassInfo[] {
    const out: ClassInfo[] = [];
    for (const b of cls.def.bases) {
      if (b.name || b.value.kind !== 'name') continue;
      const found = this.lookup(b.value.id, cls.outer);
      for (const x of found?.bindings ?? []) if (x.kind === 'class' && x.cls !== cls) out.push(x.cls);
    }
    return out;
  }

  /** For `self.x` inside a method: the assignments of attribute x in the class (and its local bases). */
  selfAttr(e: Expr, scope: Scope): AttrDef[] | undefined {
    if (e.kind !== 'attr' || e.value.kind !== 'name') return undefined;
    let s: Scope | undefined = scope;
    // Nested functions inside a method still see `self` of the method.
    while (s && !(s.fn?.cls && s.selfName)) s = s.parent;
    if (!s || !s.fn?.cls || s.selfName !== e.value.id) return undefined;
    return this.classAttr(s.fn.cls, e.attr);
  }

  classAttr(cls: ClassInfo, name: string, depth = 0): AttrDef[] | undefined {
    const own = cls.attrs.get(name);
    if (own) return own;
    if (depth > 4) return undefined;
    for (const b of this.localBases(cls)) {
      const inherited = this.classAttr(b, name, depth + 1);
      if (inherited) return inherited;
    }
    return undefined;
  }

  /** A constant value for simple literal expressions (numbers, tuples of numbers, strings, booleans). */
  literal(e: Expr | undefined, scope?: Scope, depth = 0): number | string | boolean | null | (number | string | boolean | null)[] | undefined {
    if (!e) return undefined;
    switch (e.kind) {
      case 'number':
        return Number.isNaN(e.value) ? undefined : e.value;
      case 'string':
        return e.value;
      case 'const':
        return e.value === 'True' ? true : e.value === 'False' ? false : e.value === 'None' ? null : undefined;
      case 'tuple':
      case 'list': {
        const out: (number | string | boolean | null)[] = [];
        for (const x of e.elts) {
          const v = this.literal(x, scope, depth + 1);
          if (v === undefined || Array.isArray(v)) return undefined;
          out.push(v);
        }
        return out;
      }
      case 'unary':
        if (e.op === '-') {
          const v = this.literal(e.operand, scope, depth + 1);
          return typeof v === 'number' ? -v : undefined;
        }
        return undefined;
      case 'name': {
        // Module-level constants (KERNEL = 3) are followed once.
        if (!scope || depth > 3) return undefined;
        const found = this.lookup(e.id, scope);
        if (!found || found.scope.kind !== 'module' || found.bindings.length !== 1) return undefined;
        const b = found.bindings[0];
        return b.kind === 'assign' ? this.literal(b.value, found.scope, depth + 1) : undefined;
      }
      default:
        return undefined;
    }
  }

  /** `base` if no binding in the file uses it, else `base_2`, `base_3`… */
  freshName(base: string): string {
    if (!this.allNames.has(base)) return base;
    for (let i = 2; ; i++) if (!this.allNames.has(`${base}_${i}`)) return `${base}_${i}`;
  }

  /** Source text of a span. */
  source(span: { from: number; to: number }): string {
    return this.text.slice(span.from, span.to);
  }
}

/** The qualified name an end binds a name to, when it is decided and not the module's own bindings. */
function boundElsewhere(end: NameEnd): string | undefined {
  return end === 'undecided' || end.to === OWN ? undefined : end.to;
}

/**
 * `__all__ = ['a', 'b']` (a list or tuple of plain strings, bound once at the top of the module and not mentioned again:
 * no `+=`, `append`, `remove`): its names; null when the module has no `__all__`; 'unknown' for anything else.
 */
function literalAll(body: readonly Stmt[], scope: Scope): Set<string> | null | 'unknown' {
  const bindings = scope.bindings.get('__all__');
  if (!bindings) return null;
  const b = bindings.length === 1 ? bindings[0] : undefined;
  if (b?.kind !== 'assign' || (b.value.kind !== 'list' && b.value.kind !== 'tuple') || !body.includes(b.stmt)) return 'unknown';
  const names = new Set<string>();
  for (const e of b.value.elts) {
    if (e.kind !== 'string' || e.value === undefined) return 'unknown';
    names.add(e.value);
  }
  let mentions = 0;
  walkModule(body, { expr: (e) => void (e.kind === 'name' && e.id === '__all__' && mentions++) });
  return mentions === 1 ? names : 'unknown';
}
