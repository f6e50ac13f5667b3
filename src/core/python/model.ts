/**
 * PythonModel: what the calls in a Python file construct, on top of what its names stand for (symbols.ts).
 *
 * - callables: layer classes, `functools.partial` of them, parameters defaulting to them (`norm_layer=nn.BatchNorm2d`),
 *   helper functions that return a layer (`def conv3x3(…): return nn.Conv2d(…)`), local subclasses of layers;
 * - layer instances: the call that creates a layer, with everything needed to read its arguments.
 *
 * Built once per parse; lookups are memoised.
 */
import { exprKey, findArg, normaliseTest, type Arg, type CallExpr, type Expr } from './ast';
import { functionSpec, layerSpec, type FunctionSpec, type LayerSpec, type Role } from './catalog';
import { CallSites, Conditions } from './calls';
import { parsePython, type ParsedPython } from './parse';
import type { ProjectSnapshot } from './project';
import { ProjectContext } from './projectContext';
import type { ClassInfo, FunctionInfo, Scope } from './scopes';
import { KeywordDicts } from './keywordDicts';
import { ModuleClasses } from './moduleClasses';
import { ParamUses } from './paramUses';
import { isNone, leftOut, oneLayer, PassedLayers } from './passedLayers';
import { MAX_DEPTH, Symbols, type ResolvingStack } from './symbols';
import type { KeptUnits } from './unitScopes';
import { ownReturns } from './walk';

export { Scope } from './scopes';
export type { AttrDef, Binding, ClassInfo, FunctionInfo, ScopeKind } from './scopes';

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
  /** A class of the project deriving from a known layer. */
  localClass?: ClassInfo;
  /**
   * A module class of the file (an `nn.Module` subclass with a `forward` of its own, deriving from no known layer): an
   * instance stands for the layers its `forward` returns the output of (see FlowAnalysis), its spec is MODULE_SPEC.
   */
  module?: ClassInfo;
  /** It takes the base layer's own arguments (no `__init__` of its own, or one passing `*args, **kwargs` on). */
  baseArgs?: boolean;
  /** For sequential containers: their first and last elements, filled by the flow analysis. */
  seq?: { first: { v: LayerInstance | null; g: Guard[] }[]; last: { v: LayerInstance | null; g: Guard[] }[] };
}

/** Shared answers for "something unknown" (never mutated: callers copy before adding). */
const UNKNOWN_CALLABLE: readonly Guarded<Callable>[] = Object.freeze([Object.freeze({ value: Object.freeze({ kind: 'unknown' as const }), guards: [] })]);
const UNKNOWN_INSTANCE: readonly Guarded<LayerInstance | null>[] = Object.freeze([Object.freeze({ value: null, guards: [] })]);

/** What an instance of a module class of the file is to the rules: a layer of no known kind (role `module`). */
export const MODULE_SPEC: LayerSpec = Object.freeze({ qname: '', name: 'Module', framework: 'torch', role: 'module', args: Object.freeze({}) }) as LayerSpec;

export class PythonModel extends Symbols {
  private readonly qnameCallables = new Map<string, readonly Guarded<Callable>[]>();
  private readonly callableMemo = new Map<Expr, readonly Guarded<Callable>[]>();
  private readonly instanceMemo = new Map<CallExpr, LayerInstance | null>();
  /** Per function: the layer class it returns (see returnedClass). */
  private readonly returnedClassMemo = new Map<FunctionInfo, readonly Guarded<Callable>[] | undefined>();
  private kwDicts?: KeywordDicts;
  private readonly resolvingCallables: ResolvingStack<Expr> = [];
  private readonly resolvingInstances: ResolvingStack<CallExpr> = [];
  private readonly resolvingModules: ResolvingStack<ClassInfo> = [];
  private modules?: ModuleClasses;
  private params?: ParamUses;
  private passed?: PassedLayers;

  private sites?: CallSites;
  private conds?: Conditions;

  /** A model for a text, with the project's modules it imports when the snapshot has them (`kept`: see Symbols). */
  static withProject(parsed: ParsedPython, snapshot: ProjectSnapshot | undefined, kept?: KeptUnits): PythonModel {
    return new PythonModel(parsed, ProjectContext.of(snapshot, (p, ctx) => new PythonModel(p, ctx)), kept);
  }

  /** The calls of this file's functions and classes, with their arguments bound. */
  get callSites(): CallSites {
    return (this.sites ??= new CallSites(this));
  }

  /** Expressions evaluated under a call site's arguments. */
  get conditions(): Conditions {
    return (this.conds ??= new Conditions(this));
  }

  static fromText(text: string): PythonModel {
    return new PythonModel(parsePython(text));
  }

  /** What calling `e` does: construct a layer, apply a function, run a helper… (with the conditions). */
  callables(e: Expr, scope: Scope, depth = 0): readonly Guarded<Callable>[] {
    if (scope.owner !== this) return (scope.owner as PythonModel).callables(e, scope, depth);
    const memo = this.callableMemo.get(e);
    if (memo) return memo;
    return this.resolveOnce(
      this.resolvingCallables,
      e,
      depth,
      UNKNOWN_CALLABLE,
      () => this.callablesUncached(e, scope, depth),
      (out) => this.callableMemo.set(e, out),
    );
  }

  private callablesUncached(e: Expr, scope: Scope, depth: number): readonly Guarded<Callable>[] {
    const unknown = UNKNOWN_CALLABLE;
    if (e.kind === 'const' && e.value === 'None') return [];
    if (e.kind === 'ifexp') {
      const body = this.callables(e.body, scope, depth + 1);
      const orelse = this.callables(e.orelse, scope, depth + 1);
      return (
        oneLayer([...body, ...orelse]) ?? [
          ...body.map((c) => withGuard(c, guardOf(e.test, false, scope))),
          ...orelse.map((c) => withGuard(c, guardOf(e.test, true, scope))),
        ]
      );
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
      // A function of the project that returns a layer class (`def norm_cls(sync): return nn.SyncBatchNorm if sync
      // else nn.BatchNorm1d`, then `norm_cls(sync)(dim)`): the class, when every return gives the same kind of layer.
      const fns = this.callables(e.func, scope, depth + 1);
      if (fns.length === 1 && !fns[0].guards.length && fns[0].value.kind === 'helper') return this.returnedClass(fns[0].value.fn, depth + 1) ?? unknown;
      return unknown;
    }
    if (e.kind !== 'name' && e.kind !== 'attr') return unknown;
    const q = this.qname(e, scope, depth + 1);
    if (q) {
      return (
        this.qnameCallables.get(q) ??
        this.keptIfWhole(
          (): readonly Guarded<Callable>[] => {
            const spec = layerSpec(q);
            const fspec = spec ? undefined : functionSpec(q);
            return spec
              ? [{ value: { kind: 'layer', spec, partialKw: [], partialPos: [], partialCalls: [] }, guards: [] }]
              : fspec
                ? [{ value: { kind: 'func', spec: fspec }, guards: [] }]
                : this.projectCallables(q, depth) ?? unknown;
          },
          (known) => this.qnameCallables.set(q, known),
        )
      );
    }
    if (e.kind === 'attr') {
      const defs = this.selfAttr(e, scope);
      if (!defs) return unknown;
      const out: Guarded<Callable>[] = [];
      for (const d of defs) out.push(...this.callables(d.value, d.scope, depth + 1));
      return out.length ? out : unknown;
    }
    return this.nameCallables(e.id, scope, depth);
  }

  /** A class or function defined in another module of the project (`@<path>:<name>`): what calling it does there. */
  private projectCallables(q: string, depth: number): readonly Guarded<Callable>[] | undefined {
    if (!q.startsWith('@')) return undefined;
    const colon = q.lastIndexOf(':');
    const name = q.slice(colon + 1);
    if (name.includes('.')) return undefined;
    const m = this.project?.moduleAt(q.slice(1, colon));
    return m ? m.nameCallables(name, m.moduleScope, depth + 1) : undefined;
  }

  private nameCallables(id: string, scope: Scope, depth: number): readonly Guarded<Callable>[] {
    const unknown = UNKNOWN_CALLABLE;
    const found = this.lookup(id, scope);
    if (!found) return unknown;
    const out: Guarded<Callable>[] = [];
    for (const b of found.bindings) {
      switch (b.kind) {
        case 'assign':
          out.push(...this.callables(b.value, found.scope, depth + 1));
          break;
        case 'param': {
          const fn = found.scope.fn;
          if (b.param.default && fn && !b.param.star) {
            const byDefault = this.callables(b.param.default, fn.outer, depth + 1);
            out.push(...byDefault);
            // For a default of None, what the body binds in its place (its own bindings, below) is what calls leaving it out get.
            const standsFor = isNone(b.param.default) ? leftOut(this, found.bindings, b, found.scope, fn, depth) : byDefault;
            if (standsFor && (this.passed ??= new PassedLayers(this)).passedOtherwise(fn, id, standsFor, depth)) out.push(...unknown);
          } else {
            // A private method's parameter: what the class's own calls of it pass.
            const args = fn && !b.param.star && fn.scope.owner === this ? this.callSites.privateMethodArgs(fn, id) : undefined;
            if (args) for (const a of args) out.push(...this.callables(a.value, a.scope, depth + 1));
            else out.push(...unknown);
          }
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
    return oneLayer(out) ?? out;
  }

  /** The known layer a local class derives from (directly or through other local classes). */
  layerBase(cls: ClassInfo, depth = 0): LayerSpec | undefined {
    if (cls.scope.owner !== this) return (cls.scope.owner as PythonModel).layerBase(cls, depth);
    if (depth > MAX_DEPTH) return this.cutShort(undefined);
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

  /** What a layer-constructing call `call` creates, if it is one (memoised per call). */
  instanceAt(call: CallExpr, scope?: Scope, depth = 0): LayerInstance | null {
    if (scope && scope.owner !== this) return (scope.owner as PythonModel).instanceAt(call, scope, depth);
    const memo = this.instanceMemo.get(call);
    if (memo !== undefined) return memo;
    const keep = (inst: LayerInstance | null) => this.instanceMemo.set(call, inst);
    const inst = this.resolveOnce(this.resolvingInstances, call, depth, null, () => this.instanceUncached(call, scope ?? this.scopeOf(call), depth), keep);
    return inst;
  }

  private instanceUncached(call: CallExpr, s: Scope, depth: number): LayerInstance | null {
    const cs = this.callables(call.func, s, depth + 1);
    let inst: LayerInstance | null = null;
    if (cs.length === 1) {
      const c = cs[0].value;
      if (c.kind === 'layer' && c.spec.role === 'wrap') {
        // `TimeDistributed(Conv2D(…))` applies the Conv2D to each time step: it is that layer.
        const a = c.spec.args.in;
        const inner = a ? findArg(call, a.name, a.index)?.value : undefined;
        inst = inner?.kind === 'call' ? this.instanceAt(inner, s, depth + 1) : null;
      } else if (c.kind === 'layer') {
        inst = { site: call, siteScope: s, spec: c.spec, ctor: call, ctorScope: s, partialKw: c.partialKw, partialPos: c.partialPos };
      } else if (c.kind === 'helper') {
        const inner = this.helperReturn(c.fn, depth + 1);
        if (inner) inst = { site: call, siteScope: s, spec: inner.spec, ctor: inner.ctor, ctorScope: inner.ctorScope, partialKw: inner.partialKw, partialPos: inner.partialPos, helper: { fn: c.fn, inner } };
      } else if (c.kind === 'class' && c.base) {
        inst = { site: call, siteScope: s, spec: c.base, ctor: call, ctorScope: s, partialKw: [], partialPos: [], localClass: c.cls, baseArgs: this.takesBaseArgs(c.cls) };
      } else if (c.kind === 'class' && this.forwardsLayerOutput(c.cls, depth + 1)) {
        inst = { site: call, siteScope: s, spec: MODULE_SPEC, ctor: call, ctorScope: s, partialKw: [], partialPos: [], module: c.cls };
      }
    }
    return inst;
  }

  /** What the functions of the file do first with their parameters (see ParamUses). */
  get paramUses(): ParamUses {
    return (this.params ??= new ParamUses(this));
  }

  /**
   * Whether a module class hands on a layer's output (see ModuleClasses); for a class of another module of the project,
   * its own module's answer.
   */
  forwardsLayerOutput(cls: ClassInfo, depth = 0): boolean {
    if (cls.scope.owner !== this) return (cls.scope.owner as PythonModel).forwardsLayerOutput(cls, depth);
    this.modules ??= new ModuleClasses(this, (cls, depth, work, keep) => this.resolveOnce(this.resolvingModules, cls, depth, false, work, keep), () => this.cutShort(false));
    return this.modules.forwardsLayerOutput(cls, depth);
  }

  /**
   * Whether a project class deriving from a layer takes that layer's arguments: no `__init__` of its own (nor in the
   * project classes between it and the layer), or one that only passes `*args, **kwargs` on to `super().__init__`.
   */
  takesBaseArgs(cls: ClassInfo, depth = 0): boolean {
    if (cls.scope.owner !== this) return (cls.scope.owner as PythonModel).takesBaseArgs(cls, depth);
    if (depth > MAX_DEPTH) return this.cutShort(false);
    const init = cls.methods.get('__init__');
    if (init) {
      const ps = init.def.params;
      const forwards =
        ps.length === 3 &&
        ps[1].star === '*' &&
        ps[2].star === '**' &&
        init.def.body.every((st) => {
          if (st.kind === 'expr' && st.value.kind === 'string') return true;
          if (st.kind !== 'expr' || st.value.kind !== 'call') return false;
          const c = st.value;
          const f = c.func;
          return (
            f.kind === 'attr' &&
            f.attr === '__init__' &&
            c.args.length >= 2 &&
            c.args[c.args.length - 2].star === '*' &&
            c.args[c.args.length - 1].star === '**'
          );
        });
      if (!forwards) return false;
    }
    for (const b of cls.def.bases) {
      if (b.name) continue;
      for (const c of this.callables(b.value, cls.outer, depth + 1)) if (c.value.kind === 'class' && !this.takesBaseArgs(c.value.cls, depth + 1)) return false;
    }
    return true;
  }

  /**
   * The layer class a function returns (not an instance: `return nn.SyncBatchNorm if sync else nn.BatchNorm1d`), the same
   * kind from every return; undefined when a return comes from the function's own names (a parameter, `norm =
   * …`): what the call passes decides then, and a parameter's default would stand for every call.
   */
  private returnedClass(fn: FunctionInfo, depth: number): readonly Guarded<Callable>[] | undefined {
    if (fn.scope.owner !== this) return (fn.scope.owner as PythonModel).returnedClass(fn, depth);
    if (this.returnedClassMemo.has(fn)) return this.returnedClassMemo.get(fn);
    if (depth > MAX_DEPTH) return this.cutShort(undefined);
    return this.keptIfWhole(
      () => this.returnedClassUncached(fn, depth),
      (result) => this.returnedClassMemo.set(fn, result),
    );
  }

  private returnedClassUncached(fn: FunctionInfo, depth: number): readonly Guarded<Callable>[] | undefined {
    const returns = ownReturns(fn.def.body);
    const ownName = (e: Expr): boolean => {
      if (e.kind === 'ifexp') return ownName(e.body) || ownName(e.orelse);
      let root: Expr = e;
      while (root.kind === 'attr') root = root.value;
      return root.kind !== 'name' || this.lookup(root.id, fn.scope)?.scope === fn.scope;
    };
    let result: readonly Guarded<Callable>[] | undefined;
    const found: Guarded<Callable>[] = [];
    if (returns.every((r) => !ownName(r))) {
      let ok = true;
      for (const r of returns) {
        const cs = this.callables(r, fn.scope, depth + 1);
        if (!cs.length || cs.some((c) => c.value.kind !== 'layer' || c.guards.length)) ok = false;
        found.push(...cs);
      }
      result = !ok ? undefined : found.length === 1 ? found : oneLayer(found);
    }
    return result;
  }

  /** The single layer instance a helper function returns, if it always returns the same constructor call. */
  helperReturn(fn: FunctionInfo, depth = 0): LayerInstance | null {
    if (fn.scope.owner !== this) return (fn.scope.owner as PythonModel).helperReturn(fn, depth);
    const returns = ownReturns(fn.def.body);
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
    if (scope.owner !== this) return (scope.owner as PythonModel).instances(e, scope, depth);
    if (depth > MAX_DEPTH) return this.cutShort(UNKNOWN_INSTANCE);
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
        // Set in the branches of `if` statements of one method (`if norm_fn == 'group': self.norm1 = nn.GroupNorm(…)`,
        // `elif norm_fn == 'batch': …`): each value holds where its branch is taken.
        const choice = defs.length > 1 && defs.every((d) => d.conds.length > 0 && d.method && d.method === defs[0].method);
        for (const d of defs) {
          const found = this.instances(d.value, d.scope, depth + 1);
          if (!choice) out.push(...found);
          else for (const c of found) out.push({ value: c.value, guards: [...d.conds.map((k) => guardOf(k.test, k.negated, d.scope)), ...c.guards] });
        }
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

  /**
   * Whether a call could pass a parameter we cannot see (`*args`, `**kwargs`). `**dd` where `dd` is assigned once a dict
   * of only `device` and `dtype` (`dd = {'device': device, 'dtype': dtype}`, PyTorch's factory keyword arguments, as
   * timm passes them to every layer) hides nothing.
   */
  hiddenArgs(call: CallExpr): boolean {
    return call.args.some((a) => this.hides(a, call));
  }

  /** Whether one argument of a call is `*args` / `**kwargs` that may pass parameters we cannot see (see hiddenArgs). */
  hides(a: Arg, call: CallExpr): boolean {
    if (a.star === undefined) return false;
    const keys = this.keywordDicts.keysOf(a, call);
    return !keys?.size || ![...keys.keys()].every((k) => FACTORY_KWARGS.has(k));
  }

  /**
   * Whether one argument of a call may pass one of `keys`: `*args` or `**kwargs` that may pass anything (see hides), or
   * a dict of known keys holding one (`Conv2D(filters=w, **options)`, `options` holding no `use_bias`: no).
   */
  hidesKeyword(a: Arg, call: CallExpr, keys: readonly string[]): boolean {
    const known = a.star === '**' ? this.keywordDicts.keysOf(a, call) : undefined;
    return known ? keys.some((k) => known.has(k)) : this.hides(a, call);
  }

  get keywordDicts(): KeywordDicts {
    return (this.kwDicts ??= new KeywordDicts(this));
  }
}

/** Keyword arguments every PyTorch layer takes that no rule reads. */
const FACTORY_KWARGS = new Set(['device', 'dtype']);

function withGuard<T>(g: Guarded<T>, guard: Guard): Guarded<T> {
  return { value: g.value, guards: [...g.guards, guard] };
}

/** The role a layer plays on its output: a Keras conv with a fused activation acts as an activation. */
export function roleOf(inst: LayerInstance): Role {
  const spec = inst.spec;
  if ((spec.role === 'conv' || spec.role === 'linear') && spec.args.activation && !inst.localClass) {
    const a = spec.args.activation;
    for (const x of inst.ctor.args) {
      if (x.name === a.name || (a.index !== undefined && x === positionalArg(inst.ctor, a.index))) {
        const v = x.value;
        if (v.kind === 'const' && v.value === 'None') return spec.role;
        if (v.kind === 'string' && v.value === 'linear') return spec.role;
        return 'act';
      }
    }
    for (const x of inst.partialKw) if (x.name === a.name && !(x.value.kind === 'const' && x.value.value === 'None')) return 'act';
  }
  return spec.role;
}

function positionalArg(call: CallExpr, index: number) {
  let i = 0;
  for (const a of call.args) {
    if (a.name !== undefined || a.star) return undefined;
    if (i === index) return a;
    i++;
  }
  return undefined;
}
