/**
 * Function composition as Keras code writes it: `reduce(lambda f, g: lambda *a, **kw: g(f(*a, **kw)), funcs)` applies
 * `funcs` from left to right. Darknet's Keras ports wrap it in a `compose(*funcs)` helper (`compose(DarknetConv2D(…),
 * BatchNormalization(), LeakyReLU())`), EfficientDet writes it inline over a conv and its batch norm. Either is a
 * sequence of layers, as `nn.Sequential(…)` is: each one's output goes into the next.
 */
import type { CallExpr, Expr, Stmt } from './ast';
import type { FunctionInfo, PythonModel, Scope } from './model';

/** The layers a call composes, in order: `reduce(<left-to-right>, (a, b))`, or `compose(a, b)` of such a helper. */
export function composedLayers(model: PythonModel, call: CallExpr, scope: Scope, helper: FunctionInfo | undefined): Expr[] | undefined {
  if (helper) return composesItsArgs(helper) ? positional(call) : undefined;
  if (!isReduce(model, call, scope)) return undefined;
  const seq = call.args[1].value;
  if ((seq.kind !== 'tuple' && seq.kind !== 'list') || seq.elts.some((e) => e.kind === 'starred')) return undefined;
  return seq.elts;
}

/** A call's positional arguments, when they are all written out (no `*` or `**`, no keyword). */
function positional(call: CallExpr): Expr[] | undefined {
  return call.args.every((a) => !a.name && !a.star) ? call.args.map((a) => a.value) : undefined;
}

/** `functools.reduce(<a left-to-right composition>, seq)`, with no initial value. */
function isReduce(model: PythonModel, call: CallExpr, scope: Scope): boolean {
  if (call.args.length !== 2 || call.args.some((a) => a.name || a.star)) return false;
  return composesLeftToRight(call.args[0].value) && isReduceName(model, call.func, scope);
}

/** `reduce` imported from functools, or `functools.reduce`. */
function isReduceName(model: PythonModel, e: Expr, scope: Scope): boolean {
  return model.qname(e, scope) === 'functools.reduce';
}

/** `lambda f, g: lambda *a, **kw: g(f(*a, **kw))`: `f` first, then `g`. */
function composesLeftToRight(e: Expr): boolean {
  if (e.kind !== 'lambda' || e.params.length !== 2 || e.params.some((p) => p.star)) return false;
  const [first, then] = e.params.map((p) => p.name);
  const inner = e.body;
  if (inner?.kind !== 'lambda' || inner.body?.kind !== 'call') return false;
  const outer = inner.body;
  const arg = outer.args[0];
  if (outer.func.kind !== 'name' || outer.func.id !== then || outer.args.length !== 1 || !arg || arg.name || arg.star) return false;
  return arg.value.kind === 'call' && arg.value.func.kind === 'name' && arg.value.func.id === first;
}

/**
 * Per model (one version of a file): whether each function composes its arguments. Keyed by the model too, not only by
 * the function: a function kept from the last version of a document is the same object, and what `reduce` names there
 * may have changed with the imports.
 */
const helperMemo = new WeakMap<PythonModel, Map<FunctionInfo, boolean>>();

/**
 * A function whose only parameter is `*funcs` and that returns `reduce(<left-to-right>, funcs)`, at its top level or
 * under `if funcs:` (the rest of the body raising or returning nothing else).
 */
function composesItsArgs(fn: FunctionInfo): boolean {
  const model = fn.scope.owner as PythonModel;
  let byFn = helperMemo.get(model);
  if (!byFn) helperMemo.set(model, (byFn = new Map()));
  let known = byFn.get(fn);
  if (known === undefined) byFn.set(fn, (known = returnsComposition(fn)));
  return known;
}

function returnsComposition(fn: FunctionInfo): boolean {
  const def = fn.def;
  if (def.params.length !== 1 || def.params[0].star !== '*') return false;
  const funcs = def.params[0].name;
  const returns: Expr[] = [];
  const visit = (body: readonly Stmt[]) => {
    for (const s of body) {
      if (s.kind === 'return') returns.push(s.value ?? { kind: 'const', value: 'None', from: s.from, to: s.to });
      else if (s.kind === 'if') {
        visit(s.body);
        for (const b of s.orelse) visit([b]);
      }
    }
  };
  visit(def.body);
  const e = returns.length === 1 ? returns[0] : undefined;
  if (e?.kind !== 'call' || e.args.length !== 2 || e.args.some((a) => a.name || a.star)) return false;
  const seq = e.args[1].value;
  return seq.kind === 'name' && seq.id === funcs && isReduceName(fn.scope.owner as PythonModel, e.func, fn.scope) && composesLeftToRight(e.args[0].value);
}
