/**
 * Call sites and what a condition is at each of them.
 *
 * A layer built inside a function or a class often depends on how that function or class is called: `bias=bias`,
 * `if normalize: layers.append(nn.BatchNorm1d(c))`, `self.bn = nn.BatchNorm2d(c) if use_bn else None`. `CallSites`
 * finds the calls of a function (or the instantiations of a class, whose `__init__` — or, for a Flax module, whose
 * fields — take the arguments) and binds their arguments to the parameters; `Conditions` evaluates an expression
 * (a guard's test, a bias argument) under one such binding: true, false, a literal, "some object", or unknown.
 */
import { callsWithin, type CallExpr, type Expr } from './ast';
import { callTargetOf, type CallTarget } from './callTargets';

export { callTargetOf };
import type { ClassInfo, FunctionInfo, PythonModel, Scope } from './model';
import { NameCallers } from './nameCallers';

/** What binds the arguments: a function's parameters, or a Flax-style module's class-level fields. */
export type Owner = { kind: 'fn'; fn: FunctionInfo } | { kind: 'fields'; cls: ClassInfo };

/** An argument as bound at a call site: the expression and the scope it is evaluated in. */
export interface BoundArg {
  value: Expr;
  scope: Scope;
  /** The parameter's default (the call leaves it out). */
  isDefault: boolean;
  /** How the names of the argument are bound in turn: the defaults of the function making the call, when known. */
  outer?: CallSite;
}

export interface CallSite {
  owner: Owner;
  /** The call; undefined for the pseudo-site of the defaults (no call in the file). */
  call?: CallExpr;
  /** The argument bound to a parameter; 'hidden' when `*args`/`**kwargs` may carry it; undefined when nothing is. */
  arg(param: string): BoundArg | 'hidden' | undefined;
  /** The same call with the names of its arguments bound by `outer` (what decides the code making the call). */
  rebound?(outer: CallSite | undefined): CallSite;
}

/**
 * What a call names to pass arguments to a function's parameters: its class for `__init__`, the function itself when it
 * is a plain function; undefined for another method (called through objects, not by name).
 */
export function calledAs(fn: FunctionInfo): FunctionInfo | ClassInfo | undefined {
  return !fn.cls ? fn : fn.def.name === '__init__' ? fn.cls : undefined;
}


/** A non-None object (a layer, a call's result known to be one). */
export const OBJECT: unique symbol = Symbol('object');
export type Value = boolean | number | string | null | typeof OBJECT | undefined;

export function truthOf(v: Value): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === OBJECT) return true;
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  return v !== '';
}

const MAX_DEPTH = 6;
/** How far up callersOf follows the calls of the code making a call, and how many bound calls it gives at most. */
const MAX_CALLER_DEPTH = 2;
const MAX_CALLER_SITES = 16;

export class CallSites {
  private readonly memo = new Map<FunctionInfo | ClassInfo, CallSite[]>();
  /** Per method: the class's own calls of it through `self` (see selfCalls). */
  private readonly selfMemo = new Map<FunctionInfo, CallSite[]>();
  private readonly namedMemo = new Map<FunctionInfo, CallSite[]>();
  private readonly decidingMemo = new Map<FunctionInfo | ClassInfo, CallSite[]>();
  private names?: NameCallers;
  private byTarget?: Map<FunctionInfo | ClassInfo, CallExpr[]>;

  constructor(private readonly model: PythonModel) {}

  /** The owner whose call sites decide the values seen inside a class's methods (`self.x`). */
  classOwner(cls: ClassInfo): Owner {
    const init = cls.methods.get('__init__');
    return init ? { kind: 'fn', fn: init } : { kind: 'fields', cls };
  }

  /** The calls of a function (of its class, for `__init__`) in this file, with their arguments bound. */
  of(owner: Owner): CallSite[] {
    const key = owner.kind === 'fn' ? owner.fn : owner.cls;
    const memo = this.memo.get(key);
    if (memo) return memo;
    const model = this.model;
    const cls = owner.kind === 'fields' ? owner.cls : owner.fn.def.name === '__init__' ? owner.fn.cls : undefined;
    const fn = owner.kind === 'fn' ? owner.fn : undefined;
    let calls: readonly CallExpr[] = [];
    if (cls && cls.scope.owner === model) calls = this.callsByTarget().get(cls) ?? [];
    else if (fn && !fn.cls && fn.scope.owner === model) calls = this.callsByTarget().get(fn) ?? [];
    const out = calls.map((call) => this.bindCall(owner, call, model.scopeOf(call)));
    this.memo.set(key, out);
    return out;
  }

  /**
   * The calls of `withNamed`, each also bound in turn by the calls of the code making it (`callersOf` with no defaults
   * standing in, when the file calls that code), so that a flag a caller passes on from its own parameter (`ConvUnit(c, c, use_bn=use_bn)` in
   * `Stage`, `Stage(8, use_bn=True)`) is known to be on there.
   */
  deciding(owner: Owner): CallSite[] {
    const key = owner.kind === 'fn' ? owner.fn : owner.cls;
    let out = this.decidingMemo.get(key);
    if (out) return out;
    out = [];
    for (const site of this.withNamed(owner)) {
      if (!site.call || !site.rebound) {
        out.push(site);
        continue;
      }
      // The call as written (what it passes from its caller's parameters unknown), and bound by each call of that caller
      // in the file: a chain of calls turning a flag on is evidence; one turning it off is not taken as all there is
      // (the caller's other calls may be out of sight: `efficientdet(args.phi, separable_conv=…)` in another module).
      out.push(site);
      // (The call is a level already: its caller's calls are bound by theirs, no further.)
      const callers = this.callersOf(this.model.scopeOf(site.call), 1, false);
      if (callers.called) for (const outer of callers.sites) if (out.length < MAX_CALLER_SITES * 4) out.push(site.rebound(outer));
    }
    this.decidingMemo.set(key, out);
    return out;
  }

  /**
   * The calls of `of(owner)` and those NameCallers finds besides (through a subclass keeping the `__init__`,
   * `super().__init__(…)`, `functools.partial`, the class handed on as a value), with their arguments bound; not a call
   * by the class's own name that may call another definition of that name (`of` decides those).
   */
  withNamed(owner: Owner): CallSite[] {
    const direct = this.of(owner);
    if (owner.kind !== 'fn') return direct;
    const seen = new Set(direct.map((s) => s.call));
    // A call by the class's (or function's) own name that `of` leaves out calls another definition of that name too.
    const own = owner.fn.cls && owner.fn.def.name === '__init__' ? owner.fn.cls.def.name : owner.fn.def.name;
    const more = this.namedCalls(owner.fn).filter((s) => !seen.has(s.call) && !(s.call!.func.kind === 'name' && s.call!.func.id === own) && this.builds(s.call!, owner.fn));
    return more.length ? [...direct, ...more] : direct;
  }

  /**
   * Whether a call found by name builds what the class's `__init__` makes, as it makes it: not a `functools.partial(…)`
   * (which builds nothing; its name's calls do), and not `super().__init__(…)` in a subclass that is not the one its
   * name gives (a later class of the same name) or whose methods then change the layers (`self.conv.bias = None`,
   * `self.bn = nn.Identity()`: any attribute the base class assigns, or a bias).
   */
  private builds(call: CallExpr, init: FunctionInfo): boolean {
    const model = this.model;
    const scope = model.scopeOf(call);
    const q = model.qname(call.func, scope);
    if (q === 'functools.partial' || q === 'partial') return false;
    const f = call.func;
    const base = init.cls;
    const sub = scope.fn?.cls;
    if (f.kind !== 'attr' || f.attr !== '__init__' || !base || !sub || sub === base) return true;
    const named = model.lookup(sub.def.name, sub.outer)?.bindings;
    if (named?.length !== 1 || named[0].kind !== 'class' || named[0].cls !== sub) return false;
    // (What its methods assign to `self` the scopes keep, in `attrs`; a bias set is `self.X.bias = …`.)
    for (const [attr, defs] of sub.attrs) if (base.attrs.has(attr) && defs.some((d) => d.method)) return false;
    for (const m of sub.methods.values()) {
      for (const st of m.def.body) if (st.kind === 'assign' && st.targets.some((t) => t.kind === 'attr' && t.attr === 'bias')) return false;
    }
    return true;
  }

  /**
   * What the class's own calls of a private method (`self._construct(norm_module)` in its other methods) pass for one
   * of its parameters; undefined when a call hides it, when there is no such call, or for a method anyone may call (not
   * named `_…`, or a dunder).
   */
  privateMethodArgs(fn: FunctionInfo, param: string): BoundArg[] | undefined {
    const name = fn.def.name;
    if (!fn.cls || !name.startsWith('_') || name.startsWith('__')) return undefined;
    const sites = this.selfCalls(fn);
    const out: BoundArg[] = [];
    for (const site of sites) {
      const a = site.arg(param);
      if (!a || a === 'hidden') return undefined;
      out.push(a);
    }
    return out.length ? out : undefined;
  }

  /** The calls of a method through `self` in the other methods of its class (`self._construct(norm_module)`). */
  private selfCalls(fn: FunctionInfo): CallSite[] {
    let sites = this.selfMemo.get(fn);
    if (sites) return sites;
    const model = this.model;
    const cls = fn.cls!;
    sites = [];
    for (const call of callsWithin(model.module.calls, cls.def)) {
      const f = call.func;
      if (f.kind !== 'attr' || f.attr !== fn.def.name || f.value.kind !== 'name') continue;
      const scope = model.scopeOf(call);
      if (scope.fn?.cls === cls && f.value.id === scope.selfName) sites.push(this.bindCall({ kind: 'fn', fn }, call, scope));
    }
    this.selfMemo.set(fn, sites);
    return sites;
  }

  /**
   * The calls of the file binding the parameters of a function: of a class's `__init__` or a plain function, those found
   * by names (see NameCallers); of another method, its calls through `self` in its class.
   */
  namedCalls(fn: FunctionInfo): CallSite[] {
    let sites = this.namedMemo.get(fn);
    if (sites) return sites;
    if (fn.cls && fn.def.name !== '__init__') sites = this.selfCalls(fn);
    else sites = (this.names ??= new NameCallers(this.model)).of(fn).map((c) => this.bindCall({ kind: 'fn', fn }, c.call, c.scope, undefined, c.skip, c.partial));
    this.namedMemo.set(fn, sites);
    return sites;
  }

  /**
   * Every call of the file by what it calls, when that is one class or one plain function of this file: built once, in
   * order (from what was kept of the statements of an earlier version when the model has it, see callTargets.ts).
   */
  private callsByTarget(): Map<FunctionInfo | ClassInfo, CallExpr[]> {
    if (this.byTarget) return this.byTarget;
    const out = new Map<FunctionInfo | ClassInfo, CallExpr[]>();
    const model = this.model;
    const resolve = (call: CallExpr): CallTarget | undefined => {
      const target = callTargetOf(model, call);
      return target?.scope.owner === model ? target : undefined;
    };
    const add = (call: CallExpr, target: CallTarget) => {
      const list = out.get(target);
      if (list) list.push(call);
      else out.set(target, [call]);
    };
    if (model.kept) for (const [call, target] of model.kept.calls.targets(model, model.parsed, resolve)) add(call, target);
    else {
      for (const call of model.module.calls) {
        const target = resolve(call);
        if (target) add(call, target);
      }
    }
    return (this.byTarget = out);
  }

  /**
   * What decides the parameters of the function or class whose code is at `scope` (`self.is_batchnorm` or `use_bn`
   * passed on from there to a block): its calls in this file (`called`), each bound in turn by what decides the
   * parameters of the code making it (`sononet2(is_batchnorm=True)` calling `sononet(…, is_batchnorm)`, two levels up
   * at most, 16 sites at most), else its defaults; at module level, nothing (one undefined site). `standIn` false: no
   * defaults stand in for a function nothing in the file calls (one undefined site: its calls out of sight may pass
   * anything, `make_layer(64, 2, stride=2)` in another module), at any level.
   */
  callersOf(scope: Scope, depth = 0, standIn = true): { sites: (CallSite | undefined)[]; called: boolean } {
    const fn = scope.fn;
    if (!fn) return { sites: [undefined], called: false };
    const owner: Owner = fn.cls ? this.classOwner(fn.cls) : { kind: 'fn', fn };
    const real = this.of(owner);
    if (!real.length) return { sites: [standIn ? this.defaults(owner) : undefined], called: false };
    if (depth >= MAX_CALLER_DEPTH) return { sites: real, called: true };
    const out: CallSite[] = [];
    for (const site of real) {
      if (!site.call) {
        out.push(site);
        continue;
      }
      const at = this.model.scopeOf(site.call);
      for (const outer of this.callersOf(at, depth + 1, standIn).sites) {
        if (out.length < MAX_CALLER_SITES) out.push(this.bindCall(owner, site.call, at, outer));
      }
    }
    return { sites: out, called: true };
  }

  /** The pseudo-site where every parameter has its default (what a call leaving them all out gets). */
  defaults(owner: Owner): CallSite {
    return { owner, arg: (name) => this.defaultOf(owner, name) };
  }

  private params(owner: Owner): { name: string; star?: '*' | '**'; default?: Expr; scope: Scope }[] {
    if (owner.kind === 'fn') {
      const ps = owner.fn.def.params.map((p) => ({ name: p.name, star: p.star, default: p.default, scope: owner.fn.outer }));
      // `self` is not passed by the call.
      return owner.fn.cls && owner.fn.scope.selfName ? ps.slice(1) : ps;
    }
    const out: { name: string; default?: Expr; scope: Scope }[] = [];
    for (const s of owner.cls.def.body) {
      if (s.kind !== 'assign' || !s.annotation || s.targets.length !== 1 || s.targets[0].kind !== 'name') continue;
      out.push({ name: s.targets[0].id, default: s.value, scope: owner.cls.scope });
    }
    return out;
  }

  private defaultOf(owner: Owner, name: string): BoundArg | undefined {
    const p = this.params(owner).find((x) => x.name === name && !x.star);
    return p?.default ? { value: p.default, scope: p.scope, isDefault: true } : undefined;
  }

  /**
   * A call (in this file or another) bound to the parameters of `owner`; `outer`, when given, binds the names its
   * arguments use (see BoundArg.outer); `skip`: positional arguments of the call before those the parameters take
   * (`self` in `Base.__init__(self, …)`, the class in `partial(Class, …)`), negative for those a partial binds before
   * them; `partial`: the `partial(Class, …)` whose name the call calls, binding what the call does not.
   */
  bindCall(owner: Owner, call: CallExpr, scope: Scope, outer?: CallSite, skip = 0, partial?: { call: CallExpr; scope: Scope }): CallSite {
    const params = this.params(owner);
    const bound = partial && this.bindCall(owner, partial.call, partial.scope, outer, 1);
    return {
      owner,
      call,
      rebound: (o) => this.bindCall(owner, call, scope, o, skip, partial),
      arg: (name) => {
        const index = params.findIndex((p) => p.name === name && !p.star);
        if (index < 0) return undefined;
        let i = -skip;
        let hiddenPositional = false;
        // A parameter after `*args` is keyword-only: no positional argument reaches it.
        const keywordOnly = params.slice(0, index).some((p) => p.star);
        for (const a of call.args) {
          if (a.name === name) return { value: a.value, scope, isDefault: false, outer };
          if (a.star === '*') hiddenPositional = true;
          if (a.name !== undefined || a.star) continue;
          if (i === index && !hiddenPositional && !keywordOnly) return { value: a.value, scope, isDefault: false, outer };
          i++;
        }
        if (hiddenPositional || call.args.some((a) => a.star === '**')) return 'hidden';
        if (bound) return bound.arg(name);
        const p = params[index];
        return p.default ? { value: p.default, scope: p.scope, isDefault: true } : undefined;
      },
    };
  }
}

/** Expressions evaluated under a call site's arguments. */
export class Conditions {
  constructor(private readonly model: PythonModel) {}

  truth(e: Expr, scope: Scope, site?: CallSite): boolean | undefined {
    return truthOf(this.value(e, scope, site, 0));
  }

  value(e: Expr, scope: Scope, site: CallSite | undefined, depth: number): Value {
    if (depth > MAX_DEPTH) return undefined;
    if (scope.owner !== this.model) return (scope.owner as PythonModel).conditions.value(e, scope, site, depth);
    const model = this.model;
    switch (e.kind) {
      case 'const':
        return e.value === 'True' ? true : e.value === 'False' ? false : e.value === 'None' ? null : OBJECT;
      case 'number':
        return Number.isNaN(e.value) ? undefined : e.value;
      case 'string':
        return e.value;
      case 'list':
      case 'tuple':
      case 'dict':
      case 'set':
        return (e.kind === 'dict' ? e.items.length : e.elts.length) ? OBJECT : false;
      case 'call': {
        if (e.func.kind === 'name' && e.func.id === 'bool' && e.args.length === 1 && !e.args[0].name) return this.truth(e.args[0].value, scope, site);
        return scope.owner === model && model.instanceAt(e, scope) ? OBJECT : undefined;
      }
      case 'unary': {
        if (e.op !== 'not') {
          const v = this.value(e.operand, scope, site, depth + 1);
          return e.op === '-' && typeof v === 'number' ? -v : undefined;
        }
        const t = truthOf(this.value(e.operand, scope, site, depth + 1));
        return t === undefined ? undefined : !t;
      }
      case 'ifexp': {
        const t = truthOf(this.value(e.test, scope, site, depth + 1));
        if (t === undefined) return undefined;
        return this.value(t ? e.body : e.orelse, scope, site, depth + 1);
      }
      case 'binop':
        return this.binop(e.op, e.left, e.right, scope, site, depth);
      case 'name':
        return this.name(e.id, scope, site, depth);
      case 'attr':
        return this.attr(e, scope, site, depth);
      default:
        return undefined;
    }
  }

  private binop(op: string, left: Expr, right: Expr, scope: Scope, site: CallSite | undefined, depth: number): Value {
    const l = this.value(left, scope, site, depth + 1);
    if (op === 'and' || op === 'or') {
      const lt = truthOf(l);
      if (op === 'and' && lt === false) return l;
      if (op === 'or' && lt === true) return l;
      const r = this.value(right, scope, site, depth + 1);
      if (lt === undefined) {
        // `x and False` is falsy, `x or True` truthy, whatever x is.
        const rt = truthOf(r);
        if (op === 'and' && rt === false) return false;
        if (op === 'or' && rt === true) return true;
        return undefined;
      }
      return r;
    }
    const r = this.value(right, scope, site, depth + 1);
    if (op === 'is' || op === 'is not') {
      // Only comparisons with None, True and False are decided (`x is None`, `preact is False`: each is one object);
      // identity of anything else (a number, a string) is unknown.
      const known = (v: Value) => v !== undefined;
      const single = (v: Value) => v === null || typeof v === 'boolean';
      if (!(single(l) || single(r)) || !known(l) || !known(r)) return undefined;
      const same = l === r;
      return op === 'is' ? same : !same;
    }
    if (op === '==' || op === '!=') {
      if (l === undefined || r === undefined || l === OBJECT || r === OBJECT) return undefined;
      const same = l === r;
      return op === '==' ? same : !same;
    }
    if ((op === 'in' || op === 'not in') && (right.kind === 'tuple' || right.kind === 'list' || right.kind === 'set')) {
      if (l === undefined || l === OBJECT) return undefined;
      let found = false;
      for (const x of right.elts) {
        const v = this.value(x, scope, site, depth + 1);
        if (v === undefined || v === OBJECT) return undefined;
        if (v === l) found = true;
      }
      return op === 'in' ? found : !found;
    }
    return undefined;
  }

  private name(id: string, scope: Scope, site: CallSite | undefined, depth: number): Value {
    const model = this.model;
    const found = model.lookup(id, scope);
    if (!found) return undefined;
    if (site?.owner.kind === 'fn' && found.scope === site.owner.fn.scope && found.bindings.length === 1 && found.bindings[0].kind === 'param') {
      const a = site.arg(id);
      if (!a || a === 'hidden') return undefined;
      // The argument is evaluated where the call is (a default, where the function is defined).
      return this.value(a.value, a.scope, a.outer, depth + 1);
    }
    // A module-level constant, assigned once.
    if (found.scope.kind === 'module' && found.bindings.length === 1 && found.bindings[0].kind === 'assign') return this.value(found.bindings[0].value, found.scope, undefined, depth + 1);
    return undefined;
  }

  /** `self.x` in a method: its assignments in the class, the last one whose conditions hold at the site. */
  private attr(e: Extract<Expr, { kind: 'attr' }>, scope: Scope, site: CallSite | undefined, depth: number): Value {
    const model = this.model;
    const defs = model.selfAttr(e, scope);
    if (!defs?.length) return undefined;
    const cls = defs[0].method?.cls ?? (defs[0].scope.cls as ClassInfo | undefined);
    if (site?.owner.kind === 'fields' && cls === site.owner.cls) {
      const a = site.arg(e.attr);
      if (a && a !== 'hidden') return this.value(a.value, a.scope, a.outer, depth + 1);
      if (a === 'hidden') return undefined;
    }
    // Assignments in `__init__` (and class-level fields) decide; later ones override earlier ones.
    const ordered = [...defs].sort((a, b) => b.stmt.from - a.stmt.from);
    for (const d of ordered) {
      if (d.method && d.method.def.name !== '__init__') return undefined;
      const siteHere = site && d.method && site.owner.kind === 'fn' && site.owner.fn === d.method ? site : undefined;
      let holds: boolean | undefined = true;
      for (const c of d.conds) {
        const t = this.truth(c.test, d.scope, siteHere);
        const cond = t === undefined ? undefined : t !== c.negated;
        if (cond === false) {
          holds = false;
          break;
        }
        if (cond === undefined) holds = undefined;
      }
      if (holds === false) continue;
      if (holds === undefined) return undefined;
      return this.value(d.value, d.scope, siteHere, depth + 1);
    }
    return undefined;
  }
}
