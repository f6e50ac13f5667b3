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
  const seq = reduced(model, call, scope);
  if ((seq?.kind !== 'tuple' && seq?.kind !== 'list') || seq.elts.some((e) => e.kind === 'starred')) return undefined;
  return seq.elts;
}

/** A call's positional arguments, when they are all written out (no `*` or `**`, no keyword). */
function positional(call: CallExpr): Expr[] | undefined {
  return call.args.every((a) => !a.name && !a.star) ? call.args.map((a) => a.value) : undefined;
}

/**
 * `seq` of `functools.reduce(<a left-to-right composition>, seq)`, with no initial value. (The lambda is looked at
 * before what `reduce` names: a name looked up for every call of two arguments cost the re-analysis.)
 */
function reduced(model: PythonModel, e: Expr, scope: Scope): Expr | undefined {
  if (e.kind !== 'call' || e.args.length !== 2 || e.args.some((a) => a.name || a.star)) return undefined;
  return composesLeftToRight(e.args[0].value) && model.qname(e.func, scope) === 'functools.reduce' ? e.args[1].value : undefined;
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
  const returns: (Expr | undefined)[] = [];
  const visit = (body: readonly Stmt[]) => {
    for (const s of body) {
      if (s.kind === 'return') returns.push(s.value);
      else if (s.kind === 'if') {
        visit(s.body);
        visit(s.orelse);
      }
    }
  };
  visit(def.body);
  const seq = returns.length === 1 && returns[0] ? reduced(fn.scope.owner as PythonModel, returns[0], fn.scope) : undefined;
  return seq?.kind === 'name' && seq.id === def.params[0].name;
}
