/**
 * What the calls of the file pass for a parameter whose default is a known layer (`norm_layer=nn.BatchNorm2d`, or
 * torchvision's `norm_layer=None` replaced by `nn.BatchNorm2d` in the body): whether any passes something else, which
 * makes the default one possibility among others.
 */
import type { Arg, CallExpr, Expr } from './ast';
import { interchangeableLayers } from './catalog';
import type { BoundArg } from './calls';
import type { Callable, FunctionInfo, Guarded, PythonModel, Scope } from './model';
import type { Binding } from './scopes';
import { MAX_DEPTH } from './symbols';

/** What a call passes for one keyword through its `**` arguments: the expressions, or `unknown`. */
interface Through {
  values: BoundArg[];
  unknown: boolean;
}

export class PassedLayers {
  constructor(private readonly model: PythonModel) {}

  /**
   * Whether a call of the file passes parameter `param` of `fn` something other than `byDefault` (the layer it stands
   * for when left out): not that layer, nor another parameter passed on (`norm_layer=norm_layer`, whose own default
   * counts where it is), nor left out. A choice made at run time (`LocalEnhancer(…, norm_layer)` with `norm_layer =
   * get_norm_layer(opt.norm)`) makes the default one possibility among others. The calls are those NameCallers finds
   * (through subclasses, `super().__init__`, `functools.partial`) or a method's calls through `self`. A dict of known keys
   * unpacked into a call (`**{'norm_layer': nn.InstanceNorm2d}`) passes what it holds, and a function's own `**kwargs`
   * handed on what its calls give it; any other `**kwargs` or `*args` counts as leaving the parameter out, unless the
   * parameter passed on has no default of its own (`noDefault`). A default that is not a known layer stands for every
   * call as before (what calls of the file's classes resolve to stays a fact of the statements that make them, see
   * callTargets.ts).
   */
  passedOtherwise(fn: FunctionInfo, param: string, byDefault: DefaultLayers, depth: number, noDefault = false): boolean {
    const model = this.model;
    if (fn.scope.owner !== model || !byDefault.length || byDefault.some((c) => c.value.kind !== 'layer')) return false;
    if (depth > MAX_DEPTH) return true;
    for (const site of model.callSites.namedCalls(fn)) {
      const a = site.arg(param);
      let passed: BoundArg[];
      if (a === 'hidden') {
        const t = this.throughStars(site.call!, param, depth);
        if (t.unknown && noDefault) return true;
        passed = t.values;
      } else passed = a && !a.isDefault ? [a] : [];
      for (const p of passed) if (this.passesOtherwise(p, byDefault, depth)) return true;
    }
    return false;
  }

  /** Whether one argument passed is other than the default's layer. */
  private passesOtherwise(a: BoundArg, byDefault: DefaultLayers, depth: number): boolean {
    const model = this.model;
    // `None` where the body puts the layer in its place (torchvision's way) is the default.
    if (isNone(a.value) && byDefault.noneDefault) return false;
    const outer = a.value.kind === 'name' ? model.lookup(a.value.id, a.scope) : undefined;
    const bs = outer?.bindings ?? [];
    const b = bs.find((x) => x.kind === 'param');
    if (b?.kind === 'param' && bs.every((x) => x === b || x.kind === 'assign')) {
      // A parameter of the calling function passed on (`Inner(c, norm_layer=norm_layer)`): what that one takes, by its
      // own default and from the calls of its function, however many levels up (the editor's re-analysis signs a unit
      // with all its callers for this: UnitGraph.callersSig).
      const outerFn = outer!.scope.fn;
      if (!outerFn || b.param.star || outerFn.scope.owner !== model) return true;
      const own = leftOut(model, bs, b, outer!.scope, outerFn, depth);
      if (!own || (own.length ? !sameLayers(own, byDefault) : !model.callSites.namedCalls(outerFn).length)) return true;
      return this.passedOtherwise(outerFn, b.param.name, byDefault, depth + 1, !own.length);
    }
    return !sameLayers(model.callables(a.value, a.scope, depth + 1), byDefault);
  }

  /**
   * What `call` passes for keyword `param` through its `**` arguments: a dict of known keys gives its value for it (or
   * none), the calling function's own `**kwargs` what each of its calls gives it for that keyword; anything else, or
   * `*args`, is unknown.
   */
  private throughStars(call: CallExpr, param: string, depth: number): Through {
    const model = this.model;
    const out: Through = { values: [], unknown: false };
    if (depth > MAX_DEPTH) return { values: [], unknown: true };
    for (const a of call.args) {
      if (a.star === '*') out.unknown = true;
      if (a.star !== '**') continue;
      const keys = model.keywordDicts.keysOf(a, call);
      if (keys) {
        if (!keys.has(param)) continue;
        const v = keys.get(param);
        if (v) out.values.push({ value: v, scope: model.scopeOf(v), isDefault: false });
        else out.unknown = true;
        continue;
      }
      const fwd = this.forwarded(a, call, param, depth);
      if (fwd) {
        out.values.push(...fwd.values);
        if (fwd.unknown) out.unknown = true;
      } else out.unknown = true;
    }
    return out;
  }

  /**
   * `**kwargs` of the function making the call, handed on (`super().__init__(*args, **kwargs)`): what the function's
   * calls pass it for `param` (a keyword none of its own parameters takes). Undefined when it is no such parameter.
   */
  private forwarded(a: Arg, call: CallExpr, param: string, depth: number): Through | undefined {
    const model = this.model;
    if (a.value.kind !== 'name') return undefined;
    const found = model.lookup(a.value.id, model.scopeOf(call));
    const fn = found?.scope.fn;
    const b = found?.bindings.length === 1 ? found.bindings[0] : undefined;
    if (!fn || b?.kind !== 'param' || b.param.star !== '**' || fn.scope.owner !== model) return undefined;
    const out: Through = { values: [], unknown: false };
    // A keyword one of the function's own parameters takes never reaches its `**kwargs`.
    if (fn.def.params.some((p) => p.name === param && !p.star)) return out;
    for (const site of model.callSites.namedCalls(fn)) {
      const kw = site.call!.args.find((x) => x.name === param);
      if (kw) out.values.push({ value: kw.value, scope: model.scopeOf(site.call!), isDefault: false });
      else {
        const t = this.throughStars(site.call!, param, depth + 1);
        out.values.push(...t.values);
        if (t.unknown) out.unknown = true;
      }
    }
    return out;
  }
}

/** The layers a parameter default stands for; `noneDefault` when it is `None`, replaced in the body. */
export type DefaultLayers = readonly Guarded<Callable>[] & { noneDefault?: boolean };

/**
 * What a parameter stands for when a call leaves it out: its default; for a default of None, what the body binds in
 * its place (`if norm_layer is None: norm_layer = nn.BatchNorm2d`, torchvision's way). Empty for no default and nothing
 * bound; undefined when the body binds it over another default.
 */
export function leftOut(model: PythonModel, bs: readonly Binding[], b: Binding & { kind: 'param' }, scope: Scope, fn: FunctionInfo, depth: number): DefaultLayers | undefined {
  const rebound = bs.filter((x) => x !== b);
  const d = b.param.default;
  if (!rebound.length) return d ? model.callables(d, fn.outer, depth + 1) : [];
  if (!d || !isNone(d)) return undefined;
  const out: DefaultLayers = rebound.flatMap((x) => (x.kind === 'assign' ? model.callables(x.value, scope, depth + 1) : []));
  out.noneDefault = true;
  return out;
}

export function isNone(e: Expr): boolean {
  return e.kind === 'const' && e.value === 'None';
}

/**
 * What a name or expression that may stand for several layers calls when they are all alike for every rule: a batch
 * norm chosen between interchangeable ones (`nn.SyncBatchNorm if distributed else nn.BatchNorm2d`, or bound so in each
 * branch of an `if`; see interchangeableLayers) is one batch norm, named as the first choice. Undefined when there is
 * only one, or any is not a plain layer (a partial, a class, a condition of its own) or not interchangeable with it.
 */
export function oneLayer(cs: readonly Guarded<Callable>[]): readonly Guarded<Callable>[] | undefined {
  if (cs.length < 2) return undefined;
  const first = cs[0].value;
  if (first.kind !== 'layer') return undefined;
  for (const c of cs) {
    const v = c.value;
    if (c.guards.length || v.kind !== 'layer' || v.partialCalls.length || !interchangeableLayers(first.spec, v.spec)) return undefined;
  }
  return [cs[0]];
}

/** Whether what a call passes is the layer a default gives (the same, or one interchangeable with it). */
function sameLayers(passed: readonly Guarded<Callable>[], byDefault: readonly Guarded<Callable>[]): boolean {
  return (passed.length === byDefault.length && passed.every((c, i) => c.value === byDefault[i].value)) || (passed.length > 0 && !!oneLayer([...byDefault, ...passed]));
}
