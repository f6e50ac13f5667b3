/**
 * PythonModel: what the names in a Python file really are.
 *
 * - scopes with their bindings (imports, assignments, parameters, functions, classes);
 * - qualified names through imports and aliases (`from torch import nn as tnn; tnn.Conv2d` → torch.nn.Conv2d);
 * - classes with the attributes their methods assign (`self.conv = …`) and class-level fields;
 * - callables: layer classes, `functools.partial` of them, parameters defaulting to them (`norm_layer=nn.BatchNorm2d`),
 *   helper functions that return a layer (`def conv3x3(…): return nn.Conv2d(…)`), local subclasses of layers;
 * - layer instances: the call that creates a layer, with everything needed to read its arguments.
 *
 * Built once per parse; lookups are memoised.
 */
import { exprKey, normaliseTest, type Arg, type CallExpr, type ClassDef, type Expr, type FunctionDef, type Module, type Param, type Span, type Stmt } from './ast';
import { functionSpec, layerSpec, type FunctionSpec, type LayerSpec } from './catalog';
import { parsePython, type ParsedPython } from './parse';

export type ScopeKind = 'module' | 'function' | 'class';

export interface FunctionInfo {
  def: FunctionDef;
  scope: Scope;
  /** The scope the function is defined in (defaults are evaluated there). */
  outer: Scope;
  /** The class when this is a method. */
  cls?: ClassInfo;
}

export interface AttrDef {
  value: Expr;
  /** Scope the value expression is evaluated in. */
  scope: Scope;
  stmt: Stmt;
  /** Method the attribute is assigned in; undefined for class-level fields. */
  method?: FunctionInfo;
}

export interface ClassInfo {
  def: ClassDef;
  scope: Scope;
  outer: Scope;
  methods: Map<string, FunctionInfo>;
  attrs: Map<string, AttrDef[]>;
}

export type Binding =
  | { kind: 'import'; qname: string; at: number }
  | { kind: 'assign'; value: Expr; at: number; stmt: Stmt }
  | { kind: 'param'; param: Param; index: number }
  | { kind: 'def'; fn: FunctionInfo; at: number }
  | { kind: 'class'; cls: ClassInfo; at: number }
  | { kind: 'unknown'; at: number };

export class Scope {
  readonly bindings = new Map<string, Binding[]>();
  /** Modules imported with `from m import *`. */
  readonly starImports: string[] = [];
  /** Name of the first parameter of a method (`self`). */
  selfName?: string;
  fn?: FunctionInfo;
  cls?: ClassInfo;

  constructor(
    readonly kind: ScopeKind,
    readonly parent: Scope | undefined,
  ) {}

  bind(name: string, b: Binding): void {
    const list = this.bindings.get(name);
    if (list) list.push(b);
    else this.bindings.set(name, [b]);
  }
}

/** A condition under which something happens: `test` true (or false when `negated`). */
export interface Guard {
  key: string;
  test: Expr;
  negated: boolean;
  scope: Scope;
}

export function guardOf(test: Expr, negated: boolean, scope: Scope): Guard {
  const n = normaliseTest(test);
  return { key: exprKey(n.test), test: n.test, negated: n.negated !== negated, scope };
}

export type Callable =
  | { kind: 'layer'; spec: LayerSpec; partialKw: Arg[]; partialPos: Expr[]; partialCalls: CallExpr[] }
  | { kind: 'func'; spec: FunctionSpec }
  | { kind: 'helper'; fn: FunctionInfo }
  | { kind: 'class'; cls: ClassInfo; base?: LayerSpec }
  | { kind: 'unknown' };

export interface Guarded<T> {
  value: T;
  guards: Guard[];
}

/** A layer object created at one call site. */
export interface LayerInstance {
  /** The call creating it where it is used (a constructor call, a partial's call or a helper call). */
  site: CallExpr;
  siteScope: Scope;
  spec: LayerSpec;
  /** The constructor call carrying the layer's own arguments (the site, or the call inside a helper). */
  ctor: CallExpr;
  ctorScope: Scope;
  /** Keyword and positional arguments bound by `functools.partial` (applied before the ctor's own). */
  partialKw: Arg[];
  partialPos: Expr[];
  /** The helper function when the instance comes from one, and the instance its return creates. */
  helper?: { fn: FunctionInfo; inner: LayerInstance };
  /** A local class deriving from a known layer (its arguments are not modelled). */
  localClass?: ClassInfo;
  /** For sequential containers: their first and last elements, filled by the flow analysis. */
  seq?: { first: { v: LayerInstance | null; g: Guard[] }[]; last: { v: LayerInstance | null; g: Guard[] }[] };
}

const MAX_DEPTH = 8;

/** Shared answers for "something unknown" (never mutated: callers copy before adding). */
const UNKNOWN_CALLABLE: readonly Guarded<Callable>[] = Object.freeze([Object.freeze({ value: Object.freeze({ kind: 'unknown' as const }), guards: [] })]);
const UNKNOWN_INSTANCE: readonly Guarded<LayerInstance | null>[] = Object.freeze([Object.freeze({ value: null, guards: [] })]);

export class PythonModel {
  readonly module: Module;
  readonly text: string;
  readonly moduleScope: Scope;
  readonly functions: FunctionInfo[] = [];
  readonly classes: ClassInfo[] = [];
  /** Function and class bodies (where their scope applies), sorted by start. */
  private readonly regions: { from: number; to: number; scope: Scope }[] = [];
  private readonly regionOf = new Map<Scope, { from: number; to: number }>();
  /** Every name bound anywhere in the file (for picking fresh names). */
  readonly allNames = new Set<string>();
  /** The statement whose value (right-hand side, expression, return value) an expression is. */
  readonly statementOf = new Map<Expr, Stmt>();
  private appliedBy?: Map<CallExpr, CallExpr>;

  private readonly nameMemo = new Map<Binding[], string | null>();
  private readonly joinMemo = new Map<string, Map<string, string>>();
  private readonly qnameCallables = new Map<string, readonly Guarded<Callable>[]>();
  private readonly callableMemo = new Map<Expr, readonly Guarded<Callable>[]>();
  private readonly instanceMemo = new Map<CallExpr, LayerInstance | null>();
  private readonly resolvingNames = new Set<Binding[]>();
  private readonly resolvingCallables = new Set<Expr>();

  constructor(readonly parsed: ParsedPython) {
    this.module = parsed.module;
    this.text = parsed.text;
    this.moduleScope = new Scope('module', undefined);
    this.collect(this.module.body, this.moduleScope);
    for (const fn of this.functions) this.addRegion(fn.def.bodyFrom, fn.def.to, fn.scope);
    for (const cls of this.classes) this.addRegion(cls.def.bodyFrom, cls.def.to, cls.scope);
    this.regions.sort((a, b) => a.from - b.from);
  }

  static fromText(text: string): PythonModel {
    return new PythonModel(parsePython(text));
  }

  get hasSyntaxErrors(): boolean {
    return this.module.errors.length > 0;
  }

  // ---- building ----------------------------------------------------------------------------------

  private addRegion(from: number, to: number, scope: Scope): void {
    this.regions.push({ from, to, scope });
    this.regionOf.set(scope, { from, to });
  }

  private collect(stmts: Stmt[], scope: Scope): void {
    for (const s of stmts) this.collectStmt(s, scope);
  }

  private collectStmt(s: Stmt, scope: Scope): void {
    switch (s.kind) {
      case 'import':
        for (const n of s.names) {
          if (n.asname) scope.bind(n.asname, { kind: 'import', qname: n.module, at: s.from });
          else {
            const top = n.module.split('.')[0];
            scope.bind(top, { kind: 'import', qname: top, at: s.from });
          }
          this.allNames.add(n.asname ?? n.module.split('.')[0]);
        }
        return;
      case 'from': {
        const base = s.level > 0 ? `${'.'.repeat(s.level)}${s.module}` : s.module;
        for (const n of s.names) {
          if (n.name === '*') {
            if (s.level === 0) scope.starImports.push(s.module);
            continue;
          }
          const local = n.asname ?? n.name;
          scope.bind(local, { kind: 'import', qname: base ? `${base}${base.endsWith('.') ? '' : '.'}${n.name}` : n.name, at: s.from });
          this.allNames.add(local);
        }
        return;
      }
      case 'assign':
        for (const t of s.targets) this.bindTarget(t, scope, s, s.value);
        if (s.value) {
          this.statementOf.set(s.value, s);
        }
        return;
      case 'augassign':
        if (s.target.kind === 'name') {
          scope.bind(s.target.id, { kind: 'unknown', at: s.from });
        }
        return;
      case 'expr':
        this.statementOf.set(s.value, s);
        this.selfAttrCall(s.value, scope, s);
        return;
      case 'return':
        if (s.value) {
          this.statementOf.set(s.value, s);
        }
        return;
      case 'def':
        this.collectDef(s, scope);
        return;
      case 'class':
        this.collectClass(s, scope);
        return;
      case 'if':
        this.collect(s.body, scope);
        this.collect(s.orelse, scope);
        return;
      case 'for':
      case 'while':
        if (s.target) this.bindTarget(s.target, scope, s, undefined);
        this.collect(s.body, scope);
        this.collect(s.orelse, scope);
        return;
      case 'with':
        this.collect(s.body, scope);
        return;
      case 'try':
        this.collect(s.body, scope);
        for (const h of s.handlers) this.collect(h, scope);
        this.collect(s.orelse, scope);
        this.collect(s.finalbody, scope);
        return;
      case 'other':
        return;
    }
  }

  private bindTarget(t: Expr, scope: Scope, stmt: Stmt, value: Expr | undefined): void {
    if (t.kind === 'name') {
      scope.bind(t.id, value ? { kind: 'assign', value, at: stmt.from, stmt } : { kind: 'unknown', at: stmt.from });
      this.allNames.add(t.id);
    } else if (t.kind === 'tuple' || t.kind === 'list') {
      // Unpack a literal tuple element-wise when the value is one of the same length.
      const vals = value && (value.kind === 'tuple' || value.kind === 'list') && value.elts.length === t.elts.length ? value.elts : undefined;
      t.elts.forEach((e, i) => this.bindTarget(e.kind === 'starred' ? e.value : e, scope, stmt, vals ? vals[i] : undefined));
    } else if (t.kind === 'attr' && value) {
      const method = scope.fn;
      if (method?.cls && scope.selfName && t.value.kind === 'name' && t.value.id === scope.selfName) {
        addAttr(method.cls, t.attr, { value, scope, stmt, method });
      }
    }
  }

  /** `self.add_module('name', layer)` and `setattr(self, 'name', layer)` define attributes too. */
  private selfAttrCall(e: Expr, scope: Scope, stmt: Stmt): void {
    const method = scope.fn;
    if (e.kind !== 'call' || !method?.cls || !scope.selfName) return;
    const f = e.func;
    let nameArg: Expr | undefined;
    let valueArg: Expr | undefined;
    if (f.kind === 'attr' && f.attr === 'add_module' && f.value.kind === 'name' && f.value.id === scope.selfName) {
      nameArg = e.args[0]?.value;
      valueArg = e.args[1]?.value;
    } else if (f.kind === 'name' && f.id === 'setattr' && e.args[0]?.value.kind === 'name' && e.args[0].value.id === scope.selfName) {
      nameArg = e.args[1]?.value;
      valueArg = e.args[2]?.value;
    }
    if (nameArg?.kind === 'string' && nameArg.value !== undefined && valueArg) {
      addAttr(method.cls, nameArg.value, { value: valueArg, scope, stmt, method });
    }
  }

  private collectDef(d: FunctionDef, scope: Scope): void {
    const fnScope = new Scope('function', scope);
    const cls = scope.kind === 'class' ? scope.cls : undefined;
    const fn: FunctionInfo = { def: d, scope: fnScope, outer: scope, cls };
    fnScope.fn = fn;
    this.functions.push(fn);
    scope.bind(d.name, { kind: 'def', fn, at: d.from });
    this.allNames.add(d.name);
    if (cls) {
      cls.methods.set(d.name, fn);
      const first = d.params[0];
      const isStatic = d.decorators.some((x) => x.kind === 'name' && x.id === 'staticmethod');
      if (first && !first.star && !isStatic) fnScope.selfName = first.name;
    }
    d.params.forEach((p, index) => {
      fnScope.bind(p.name, { kind: 'param', param: p, index });
      this.allNames.add(p.name);
    });
    this.collect(d.body, fnScope);
  }

  private collectClass(c: ClassDef, scope: Scope): void {
    const clsScope = new Scope('class', scope);
    const cls: ClassInfo = { def: c, scope: clsScope, outer: scope, methods: new Map(), attrs: new Map() };
    clsScope.cls = cls;
    this.classes.push(cls);
    scope.bind(c.name, { kind: 'class', cls, at: c.from });
    this.allNames.add(c.name);
    for (const s of c.body) {
      if (s.kind === 'assign' && s.value) {
        for (const t of s.targets) if (t.kind === 'name') addAttr(cls, t.id, { value: s.value, scope: clsScope, stmt: s });
      }
    }
    this.collect(c.body, clsScope);
  }


  // ---- lookups -----------------------------------------------------------------------------------

  /** Bindings of `name` visible from `scope` (Python rules: class bodies do not enclose their methods). */
  lookup(name: string, scope: Scope): { bindings: Binding[]; scope: Scope } | undefined {
    let s: Scope | undefined = scope;
    while (s) {
      if (s.kind !== 'class' || s === scope) {
        const b = s.bindings.get(name);
        if (b) return { bindings: b, scope: s };
      }
      s = s.parent;
    }
    return undefined;
  }

  /** The scope a call is evaluated in: the innermost function or class body around it. */
  scopeOf(call: Span): Scope {
    const regions = this.regions;
    let lo = 0;
    let hi = regions.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (regions[mid].from <= call.from) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // The last body starting before the call, or one of the bodies around it.
    let s: Scope | undefined = found >= 0 ? regions[found].scope : undefined;
    while (s) {
      const r = this.regionOf.get(s);
      if (!r || (r.from <= call.from && call.from < r.to)) return s;
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

  /** The qualified name an expression denotes (`nn.Conv2d` → `torch.nn.Conv2d`), if it is an imported thing. */
  qname(e: Expr, scope: Scope, depth = 0): string | undefined {
    if (e.kind === 'name') return this.qnameOfName(e.id, scope, depth);
    if (e.kind === 'attr') {
      const base = this.qname(e.value, scope, depth + 1);
      return base === undefined ? undefined : this.joinName(base, e.attr);
    }
    return undefined;
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
    if (!found) {
      for (const mod of this.moduleScope.starImports) {
        const q = `${mod}.${name}`;
        if (layerSpec(q) || functionSpec(q) || STAR_KNOWN.has(q)) return q;
      }
      return undefined;
    }
    const memo = this.nameMemo.get(found.bindings);
    if (memo !== undefined) return memo ?? undefined;
    if (depth > MAX_DEPTH || this.resolvingNames.has(found.bindings)) return undefined;
    this.resolvingNames.add(found.bindings);
    let result: string | undefined;
    try {
      result = this.qnameOfBindings(found.bindings, found.scope, depth);
    } finally {
      this.resolvingNames.delete(found.bindings);
    }
    this.nameMemo.set(found.bindings, result ?? null);
    return result;
  }

  private qnameOfBindings(bindings: Binding[], scope: Scope, depth: number): string | undefined {
    let result: string | undefined;
    for (const b of bindings) {
      let q: string | undefined;
      if (b.kind === 'import') q = b.qname;
      else if (b.kind === 'assign' && (b.value.kind === 'name' || b.value.kind === 'attr')) q = this.qname(b.value, scope, depth + 1);
      else return undefined;
      if (!q || (result !== undefined && result !== q)) return undefined;
      result = q;
    }
    return result;
  }

  /** What calling `e` does: construct a layer, apply a function, run a helper… (with the conditions). */
  callables(e: Expr, scope: Scope, depth = 0): readonly Guarded<Callable>[] {
    const memo = this.callableMemo.get(e);
    if (memo) return memo;
    if (depth > MAX_DEPTH || this.resolvingCallables.has(e)) return UNKNOWN_CALLABLE;
    this.resolvingCallables.add(e);
    let out: readonly Guarded<Callable>[];
    try {
      out = this.callablesUncached(e, scope, depth);
    } finally {
      this.resolvingCallables.delete(e);
    }
    this.callableMemo.set(e, out);
    return out;
  }

  private callablesUncached(e: Expr, scope: Scope, depth: number): readonly Guarded<Callable>[] {
    const unknown = UNKNOWN_CALLABLE;
    if (e.kind === 'const' && e.value === 'None') return [];
    if (e.kind === 'ifexp') {
      return [
        ...this.callables(e.body, scope, depth + 1).map((c) => withGuard(c, guardOf(e.test, false, scope))),
        ...this.callables(e.orelse, scope, depth + 1).map((c) => withGuard(c, guardOf(e.test, true, scope))),
      ];
    }
    if (e.kind === 'call') {
      const fq = this.qname(e.func, scope, depth + 1);
      if ((fq === 'functools.partial' || fq === 'partial') && e.args[0] && !e.args[0].name && !e.args[0].star) {
        const inner = this.callables(e.args[0].value, scope, depth + 1);
        const kws = e.args.slice(1).filter((a) => a.name !== undefined);
        const pos = e.args.slice(1).filter((a) => a.name === undefined && !a.star).map((a) => a.value);
        if (e.args.some((a) => a.star)) return unknown;
        return inner.map((c) =>
          c.value.kind === 'layer'
            ? {
                value: {
                  kind: 'layer',
                  spec: c.value.spec,
                  partialKw: [...c.value.partialKw, ...kws],
                  partialPos: [...c.value.partialPos, ...pos],
                  partialCalls: [...c.value.partialCalls, e],
                },
                guards: c.guards,
              }
            : { value: { kind: 'unknown' }, guards: c.guards },
        );
      }
      return unknown;
    }
    if (e.kind !== 'name' && e.kind !== 'attr') return unknown;
    const q = this.qname(e, scope, depth + 1);
    if (q) {
      let known = this.qnameCallables.get(q);
      if (!known) {
        const spec = layerSpec(q);
        const fspec = spec ? undefined : functionSpec(q);
        known = spec
          ? [{ value: { kind: 'layer', spec, partialKw: [], partialPos: [], partialCalls: [] }, guards: [] }]
          : fspec
            ? [{ value: { kind: 'func', spec: fspec }, guards: [] }]
            : unknown;
        this.qnameCallables.set(q, known);
      }
      return known;
    }
    if (e.kind === 'attr') {
      const defs = this.selfAttr(e, scope);
      if (!defs) return unknown;
      const out: Guarded<Callable>[] = [];
      for (const d of defs) out.push(...this.callables(d.value, d.scope, depth + 1));
      return out.length ? out : unknown;
    }
    const found = this.lookup(e.id, scope);
    if (!found) return unknown;
    const out: Guarded<Callable>[] = [];
    for (const b of found.bindings) {
      switch (b.kind) {
        case 'assign':
          out.push(...this.callables(b.value, found.scope, depth + 1));
          break;
        case 'param': {
          const fn = found.scope.fn;
          if (b.param.default && fn && !b.param.star) out.push(...this.callables(b.param.default, fn.outer, depth + 1));
          else out.push(...unknown);
          break;
        }
        case 'def':
          out.push({ value: { kind: 'helper', fn: b.fn }, guards: [] });
          break;
        case 'class':
          out.push({ value: { kind: 'class', cls: b.cls, base: this.layerBase(b.cls, depth + 1) }, guards: [] });
          break;
        default:
          out.push(...unknown);
      }
    }
    return out;
  }

  /** The known layer a local class derives from (directly or through other local classes). */
  layerBase(cls: ClassInfo, depth = 0): LayerSpec | undefined {
    if (depth > MAX_DEPTH) return undefined;
    for (const b of cls.def.bases) {
      if (b.name) continue;
      for (const c of this.callables(b.value, cls.outer, depth + 1)) {
        if (c.value.kind === 'layer') return c.value.spec;
        if (c.value.kind === 'class') {
          const s = this.layerBase(c.value.cls, depth + 1);
          if (s) return s;
        }
      }
    }
    return undefined;
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

  /** What a layer-constructing call `call` creates, if it is one (memoised per call). */
  instanceAt(call: CallExpr, scope?: Scope, depth = 0): LayerInstance | null {
    if (this.instanceMemo.has(call)) return this.instanceMemo.get(call) ?? null;
    if (depth > MAX_DEPTH) return null;
    this.instanceMemo.set(call, null); // cycle guard
    const s = scope ?? this.scopeOf(call);
    const cs = this.callables(call.func, s, depth + 1);
    let inst: LayerInstance | null = null;
    if (cs.length === 1) {
      const c = cs[0].value;
      if (c.kind === 'layer') {
        inst = { site: call, siteScope: s, spec: c.spec, ctor: call, ctorScope: s, partialKw: c.partialKw, partialPos: c.partialPos };
      } else if (c.kind === 'helper') {
        const inner = this.helperReturn(c.fn, depth + 1);
        if (inner) inst = { site: call, siteScope: s, spec: inner.spec, ctor: inner.ctor, ctorScope: inner.ctorScope, partialKw: inner.partialKw, partialPos: inner.partialPos, helper: { fn: c.fn, inner } };
      } else if (c.kind === 'class' && c.base) {
        inst = { site: call, siteScope: s, spec: c.base, ctor: call, ctorScope: s, partialKw: [], partialPos: [], localClass: c.cls };
      }
    }
    this.instanceMemo.set(call, inst);
    return inst;
  }

  /** The single layer instance a helper function returns, if it always returns the same constructor call. */
  helperReturn(fn: FunctionInfo, depth = 0): LayerInstance | null {
    const returns: Expr[] = [];
    collectReturns(fn.def.body, returns);
    let result: LayerInstance | null = null;
    for (const r of returns) {
      const insts = this.instances(r, fn.scope, depth + 1);
      if (insts.length !== 1 || !insts[0].value) return null;
      if (result && result !== insts[0].value) return null;
      result = insts[0].value;
    }
    return result;
  }

  /**
   * The layer instances an expression may hold, flow-insensitively: a constructor call, a name
   * assigned one, `self.x`, a conditional expression. `null` entries stand for "something unknown".
   */
  instances(e: Expr, scope: Scope, depth = 0): readonly Guarded<LayerInstance | null>[] {
    if (depth > MAX_DEPTH) return UNKNOWN_INSTANCE;
    switch (e.kind) {
      case 'const':
        return e.value === 'None' ? [] : UNKNOWN_INSTANCE;
      case 'ifexp':
        return [
          ...this.instances(e.body, scope, depth + 1).map((c) => withGuard(c, guardOf(e.test, false, scope))),
          ...this.instances(e.orelse, scope, depth + 1).map((c) => withGuard(c, guardOf(e.test, true, scope))),
        ];
      case 'call':
        return [{ value: this.instanceAt(e, scope, depth + 1), guards: [] }];
      case 'attr': {
        const defs = this.selfAttr(e, scope);
        if (!defs) return UNKNOWN_INSTANCE;
        const out: Guarded<LayerInstance | null>[] = [];
        for (const d of defs) out.push(...this.instances(d.value, d.scope, depth + 1));
        return out;
      }
      case 'name': {
        const found = this.lookup(e.id, scope);
        if (!found) return UNKNOWN_INSTANCE;
        const out: Guarded<LayerInstance | null>[] = [];
        for (const b of found.bindings) {
          if (b.kind === 'assign') out.push(...this.instances(b.value, found.scope, depth + 1));
          else out.push(UNKNOWN_INSTANCE[0]);
        }
        return out;
      }
      default:
        return UNKNOWN_INSTANCE;
    }
  }

  /** Value of a keyword/positional argument of a layer instance, through partials. */
  layerArg(inst: LayerInstance, role: keyof LayerSpec['args']): { arg?: Arg; value?: Expr; fromPartial: boolean } {
    const a = inst.spec.args[role];
    if (!a) return { fromPartial: false };
    return this.argOf(inst, a.name, a.index);
  }

  argOf(inst: LayerInstance, name: string, index: number | undefined): { arg?: Arg; value?: Expr; fromPartial: boolean } {
    const call = inst.ctor;
    for (const x of call.args) if (x.name === name) return { arg: x, value: x.value, fromPartial: false };
    if (index !== undefined) {
      const pos = [...inst.partialPos];
      let i = 0;
      for (const x of call.args) {
        if (x.name !== undefined || x.star) break;
        if (pos.length + i === index) return { arg: x, value: x.value, fromPartial: false };
        i++;
      }
      if (index < pos.length) return { value: pos[index], fromPartial: true };
    }
    for (let i = inst.partialKw.length - 1; i >= 0; i--) if (inst.partialKw[i].name === name) return { arg: inst.partialKw[i], value: inst.partialKw[i].value, fromPartial: true };
    return { fromPartial: false };
  }

  /** Whether a call could pass a parameter we cannot see (`*args`, `**kwargs`). */
  hiddenArgs(call: CallExpr): boolean {
    return call.args.some((a) => a.star !== undefined);
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

const STAR_KNOWN = new Set(['functools.partial', 'collections.OrderedDict']);

function addAttr(cls: ClassInfo, name: string, def: AttrDef): void {
  const list = cls.attrs.get(name);
  if (list) list.push(def);
  else cls.attrs.set(name, [def]);
}

function withGuard<T>(g: Guarded<T>, guard: Guard): Guarded<T> {
  return { value: g.value, guards: [...g.guards, guard] };
}

function collectReturns(stmts: Stmt[], out: Expr[]): void {
  for (const s of stmts) {
    switch (s.kind) {
      case 'return':
        if (s.value) out.push(s.value);
        else out.push({ kind: 'const', value: 'None', from: s.from, to: s.to });
        break;
      case 'if':
        collectReturns(s.body, out);
        collectReturns(s.orelse, out);
        break;
      case 'for':
      case 'while':
        collectReturns(s.body, out);
        collectReturns(s.orelse, out);
        break;
      case 'with':
        collectReturns(s.body, out);
        break;
      case 'try':
        collectReturns(s.body, out);
        for (const h of s.handlers) collectReturns(h, out);
        collectReturns(s.orelse, out);
        collectReturns(s.finalbody, out);
        break;
      default:
        break;
    }
  }
}
