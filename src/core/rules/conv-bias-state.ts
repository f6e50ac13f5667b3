/**
 * How a layer's bias comes to be on, for conv-bias-before-batchnorm: written out (`bias=True`), by the layer's default,
 * through a partial, or inside a helper that builds the layer (from one of its parameters, forwarded `**kwargs`, or its
 * own code); with the edits that would turn it off, where one is safe.
 */
import { findArg, type Arg, type CallExpr, type Expr } from '../python/ast';
import { walkModule } from '../python/walk';
import type { FunctionInfo, LayerInstance, PythonModel, Scope } from '../python/model';
import { calledAs, type Owner } from '../python/calls';
import { addKeyword } from './edits';
import { forwardsArgsShort, forwardsKwargs, helperChain, kwargsEffect, passesOwnKwargs, type KwEffect } from './bias-kwargs';
import { msg, type Msg } from '../message';
import type { OffsetEdit, RuleContext } from './rule';

export interface BiasOn {
  /** How the bias comes to be on, for the message (code as it is written, or a phrase). */
  how: string | Msg;
  /** The explicit `bias=True` argument, when there is one (the finding's range). */
  explicit?: Arg;
  /** Where the fix's value is evaluated (for conditional values). */
  at: { scope: Scope; offset: number } | undefined;
  /** Edits that set the bias to `value`; undefined when no edit is safe. */
  edits(value: string): OffsetEdit[] | undefined;
}

export type BiasState = { state: 'on'; on: BiasOn } | { state: 'off' } | { state: 'unknown' };

type HelperFn = NonNullable<LayerInstance['helper']>['fn'];

export function biasStateOf(ctx: RuleContext, inst: LayerInstance, allSitesFire: (fn: HelperFn) => boolean): BiasState {
  const model = ctx.model;
  const text = ctx.text;
  const b = inst.spec.bias;
  if (!b || (inst.localClass && !inst.baseArgs)) return { state: 'unknown' };
  const defaultHow = msg('{0} defaults to True', b.name);
  if (!inst.helper) {
    const built = layerBias(model, inst);
    if (built.state === 'unknown') return biasFromOwnKwargs(model, text, inst) ?? built;
    if (built.state !== 'on') return built;
    const at = { scope: inst.ctorScope, offset: inst.ctor.from };
    const arg = built.arg;
    if (arg && !built.partial) return { state: 'on', on: { how: built.how, explicit: arg, at, edits: (v) => [{ from: arg.value.from, to: arg.value.to, text: v }] } };
    return { state: 'on', on: { how: built.how, at, edits: (v) => addKeyword(text, inst.ctor, `${b.name}=${v}`) } };
  }

  // Created by a helper function: the bias is set inside it, maybe from one of its parameters. The helper may be in
  // another module of the project: its code is quoted from there, and never edited from here.
  const fn = inst.helper.fn;
  const helperFile = fn.scope.owner;
  const foreign = helperFile !== model;
  const site = inst.site;
  const ctor = inst.ctor;
  const chain = helperChain(inst);
  const forwardsKw = forwardsKwargs(chain);
  const inner = chain[chain.length - 1].fn;
  const innerFile = inner.scope.owner as PythonModel;
  const carried = (a: Arg) => (forwardsKw && passesOwnKwargs(a, inner)) || (chain.length === 1 && forwardsArgsShort(a, inner, ctor, site, b.index));
  if (ctor.args.some((a) => innerFile.hides(a, ctor) && !carried(a))) return { state: 'unknown' };
  // What the helpers do to the bias keyword on its way (`kwargs.setdefault("bias", False)`): a call's own `bias=` wins
  // over a default, a value set in a helper wins over the call's.
  const kw = forwardsKw ? kwargsEffect(chain, b.name) : ({ kind: 'none' } as KwEffect);
  if (kw.kind === 'unknown') return { state: 'unknown' };
  // The helper the call names passing one of its parameters on (`inner(c, c, bias=use_bias, **kw)`): that parameter.
  const passed = kw.kind === 'set' && kw.fn === fn && kw.value.kind === 'name' ? kw.value : undefined;
  if (kw.kind === 'set' && !passed) return truth(kw.value) === false ? { state: 'off' } : { state: 'unknown' };
  if (!site.complete || !ctor.complete) return { state: 'unknown' };
  const r = model.argOf(inst, b.name, b.index);
  const siteAt = { scope: inst.siteScope, offset: site.from };
  // Or the layer's own `bias=<name>`, when the helper the call names builds it (a name further down is another
  // function's).
  const named = passed ?? (chain.length === 1 && r.value?.kind === 'name' && !r.fromPartial ? r.value : undefined);
  if (named) {
    const pIndex = fn.def.params.findIndex((p) => p.name === named.id && !p.star);
    if (pIndex < 0 && passed) return { state: 'unknown' };
    if (pIndex >= 0) {
      const p = fn.def.params[pIndex];
      if (model.hiddenArgs(site)) return { state: 'unknown' };
      const siteArg = findArg(site, p.name, pIndex);
      const value = siteArg?.value ?? p.default;
      if (!value) return { state: 'unknown' };
      const lit = truth(value);
      if (lit === undefined) return { state: 'unknown' };
      if (!lit) return { state: 'off' };
      if (siteArg)
        return { state: 'on', on: { how: model.source(siteArg), explicit: siteArg, at: siteAt, edits: (v) => [{ from: siteArg.value.from, to: siteArg.value.to, text: v }] } };
      return {
        state: 'on',
        on: { how: msg('{0}() defaults {1} to {2}', fn.def.name, p.name, helperFile.source(p.default!)), at: siteAt, edits: (v) => addKeyword(text, site, `${p.name}=${v}`) },
      };
    }
  }
  if (forwardsKw) {
    // `helper(..., bias=X)` reaches the layer through **kwargs.
    const siteKw = site.args.find((a) => a.name === b.name);
    if (siteKw && kw.kind === 'removed') return { state: 'unknown' };
    if (siteKw) {
      const lit = truth(siteKw.value);
      if (lit === undefined) return { state: 'unknown' };
      if (!lit) return { state: 'off' };
      return { state: 'on', on: { how: model.source(siteKw), explicit: siteKw, at: siteAt, edits: (v) => [{ from: siteKw.value.from, to: siteKw.value.to, text: v }] } };
    }
  }
  if (kw.kind === 'default') {
    // No `bias=` at the call: the helper's default decides (a call passing `bias=False` overrides it, and may be added).
    const lit = truth(kw.value);
    if (lit === undefined || model.hiddenArgs(site)) return { state: 'unknown' };
    if (!lit) return { state: 'off' };
    const how = msg('{0}() sets {1}={2} unless the call passes it', kw.fn.def.name, b.name, (kw.fn.scope.owner as PythonModel).source(kw.value));
    return { state: 'on', on: { how, at: siteAt, edits: (v) => addKeyword(text, site, `${b.name}=${v}`) } };
  }
  let how: string | Msg = defaultHow;
  let explicitInHelper: Arg | undefined;
  if (r.value) {
    const lit = truth(r.value);
    if (lit === undefined) return { state: 'unknown' };
    if (!lit) return { state: 'off' };
    how = msg('{0}() builds it with {1}', fn.def.name, helperFile.source(r.arg ?? r.value));
    explicitInHelper = r.fromPartial ? undefined : r.arg;
    if (r.fromPartial) return { state: 'unknown' };
  } else if (!b.default) return { state: 'off' };
  else how = msg('{0}() builds it with the default {1}=True', fn.def.name, b.name);
  // A helper that pops the key (`kwargs.pop("bias", None)`) drops a `bias=` given at the call: no edit there would do.
  if (forwardsKw && !explicitInHelper && kw.kind !== 'removed') {
    // The call's keywords reach the layer: one hidden in its own `**dict` may set the bias (and a keyword added beside
    // the helper's `**kwargs` would then be given twice, a TypeError when the layer is built).
    if (model.hiddenArgs(site)) return { state: 'unknown' };
    return { state: 'on', on: { how, at: siteAt, edits: (v) => addKeyword(text, site, `${b.name}=${v}`) } };
  }
  // Only a change inside the helper would do: safe when every use of the helper feeds batch norm.
  return {
    state: 'on',
    on: {
      how,
      at: undefined,
      edits: (v) => {
        // The layer is built in the helper the call names, not in one further down that others may call as well.
        if (foreign || v !== 'False' || chain.length > 1 || !allSitesFire(fn)) return undefined;
        if (explicitInHelper) return [{ from: explicitInHelper.value.from, to: explicitInHelper.value.to, text: v }];
        return addKeyword(text, ctor, `${b.name}=${v}`);
      },
    },
  };
}

/**
 * A layer built with the `**kwargs` of the function or class building it, and nothing else hidden (`nn.Conv2d(c_in,
 * c_out, k, **kwargs)` in `BasicConv2d.__init__`, its output into `self.bn`): the bias is what the calls of that
 * function or class in the file pass. On when none passes it (and none hides arguments of its own), the fix giving
 * each call `bias=False` (a keyword written beside `**kwargs` in the layer's own call would be given twice by any caller
 * passing it, in this file or another); off when every call passes a false value; undefined otherwise (no call in the
 * file, calls that disagree or hide arguments, the dict changed on its way).
 */
function biasFromOwnKwargs(model: PythonModel, text: string, inst: LayerInstance): BiasState | undefined {
  const b = inst.spec.bias!;
  const fn = inst.ctorScope.fn;
  const ctor = inst.ctor;
  if (!fn || inst.ctorScope.owner !== model || inst.partialKw.length || inst.partialPos.length || !ctor.complete) return undefined;
  if (ctor.args.some((a) => model.hides(a, ctor) && !passesOwnKwargs(a, fn)) || model.argOf(inst, b.name, b.index).value) return undefined;
  if (kwargsEffect([{ fn, call: ctor }], b.name).kind !== 'none') return undefined;
  // Calls name a class (its `__init__`) or a plain function; a method's calls go through objects this cannot follow.
  const called = calledAs(fn);
  if (!called) return undefined;
  const sites = model.callSites.of(called === fn ? { kind: 'fn', fn } : model.callSites.classOwner(fn.cls!));
  if (!sites.length) return undefined;
  const passed = sites.map((s) => (s.call!.args.some((a) => a.star) ? null : s.call!.args.find((a) => a.name === b.name)));
  if (passed.some((a) => a === null)) return undefined;
  if (passed.every((a) => a && truth(a.value) === false)) return { state: 'off' };
  if (passed.some((a) => a)) return undefined;
  return {
    state: 'on',
    on: {
      how: msg('{0} defaults to True, and no call of {1}() passes it', b.name, called.def.name),
      at: undefined,
      edits: (v) => (v === 'False' ? sites.flatMap((s) => addKeyword(text, s.call!, `${b.name}=False`)) : undefined),
    },
  };
}

/**
 * The bias of a layer built directly (not by a helper), as its own module writes it: `bias=True` written out (`arg`),
 * set by a partial, or the layer's default; off, or unknown when it is computed or hidden in `*args` / `**kwargs`.
 */
export function layerBias(model: PythonModel, inst: LayerInstance): { state: 'off' | 'unknown' } | { state: 'on'; how: string | Msg; arg?: Arg; partial: boolean } {
  const b = inst.spec.bias;
  if (!b || (inst.localClass && !inst.baseArgs) || !inst.ctor.complete) return { state: 'unknown' };
  // What this rule reads of the layer, its bias and its activation (which makes its output an activation's, roleOf),
  // must be where it can be read: not in a `**options` dict that may hold it.
  const activation = inst.spec.args.activation?.name;
  const read = activation ? [b.name, activation] : [b.name];
  if (inst.ctor.args.some((a) => model.hidesKeyword(a, inst.ctor, read))) return { state: 'unknown' };
  const r = model.argOf(inst, b.name, b.index);
  if (r.value) {
    const lit = truth(r.value);
    if (lit === undefined) return { state: 'unknown' };
    if (!lit) return { state: 'off' };
    if (!r.fromPartial && r.arg) return { state: 'on', how: model.source(r.arg), arg: r.arg, partial: false };
    if (r.arg?.name) return { state: 'on', how: msg('set by a partial'), arg: r.arg, partial: true };
    return { state: 'unknown' };
  }
  if (!b.default) return { state: 'off' };
  return { state: 'on', how: msg('{0} defaults to True', b.name), partial: false };
}

/** True / False for literal booleans and 0/1/None; undefined for anything computed. */
function truth(e: Expr): boolean | undefined {
  if (e.kind === 'const') return e.value === 'True' ? true : e.value === 'False' || e.value === 'None' ? false : undefined;
  if (e.kind === 'number') return Number.isNaN(e.value) ? undefined : e.value !== 0;
  return undefined;
}

/**
 * A layer built in a function nested in a plain function (a block factory returning it: `def conv_bn(f, k,
 * use_bias=True): def block(x): …Conv2D(f, k, use_bias=use_bias)(x)…; return block`) whose bias is a parameter of that
 * factory: the factory, whose calls (`conv_bn(64, 3)(x)`) bind it.
 */
export function closureFactory(model: PythonModel, inst: LayerInstance): FunctionInfo | undefined {
  const b = inst.spec.bias!;
  const r = model.argOf(inst, b.name, b.index);
  if (r.value?.kind !== 'name' || r.fromPartial) return undefined;
  const found = model.lookup(r.value.id, inst.ctorScope);
  const factory = found?.scope.fn;
  if (found?.bindings.length !== 1 || found.bindings[0].kind !== 'param' || found.scope === inst.ctorScope || !factory || factory.cls) return undefined;
  // The function building the layer is the one the factory returns (not another it defines beside it).
  const inner = inst.ctorScope.fn;
  if (!inner || inner.outer !== factory.scope || factory.scope.owner !== model) return undefined;
  let returned = false;
  walkModule(factory.def.body, {
    stmt: (st) => {
      if (st.kind === 'return' && st.value?.kind === 'name' && st.value.id === inner.def.name && model.scopeOf(st.value) === factory.scope) returned = true;
    },
  });
  return returned ? factory : undefined;
}

const appliedMemo = new WeakMap<PythonModel, Set<CallExpr>>();

/** The calls of the file whose result is called at once (`conv_bn(64, 3)(x)`): what a block factory's calls must be to build. */
export function appliedCalls(model: PythonModel): Set<CallExpr> {
  let out = appliedMemo.get(model);
  if (!out) {
    out = new Set();
    for (const c of model.module.calls) if (c.func.kind === 'call') out.add(c.func);
    appliedMemo.set(model, out);
  }
  return out;
}

/**
 * `bias=<parameter>` (or a Flax field `use_bias=self.use_bias`): the parameter it comes from, when there is one; `real`
 * when the arguments are the function's own (not a method's, which no call in view binds).
 */
export function biasParameter(model: PythonModel, inst: LayerInstance, owner: Owner): { name: string; real: boolean } | undefined {
  const b = inst.spec.bias!;
  const r = model.argOf(inst, b.name, b.index);
  if (!r.value || r.fromPartial) return undefined;
  const e = r.value;
  if (e.kind === 'name') {
    const found = model.lookup(e.id, inst.ctorScope);
    const bd = found?.bindings.length === 1 ? found.bindings[0] : undefined;
    if (bd?.kind !== 'param') return undefined;
    // A parameter of the factory the layer's function is nested in counts when that factory is the owner.
    if (found!.scope !== inst.ctorScope && !(owner.kind === 'fn' && owner.fn === found!.scope.fn)) return undefined;
    return { name: e.id, real: owner.kind === 'fn' && owner.fn === found!.scope.fn };
  }
  if (e.kind === 'attr' && owner.kind === 'fields' && model.selfAttr(e, inst.ctorScope)?.every((d) => !d.method)) return { name: e.attr, real: true };
  return undefined;
}
