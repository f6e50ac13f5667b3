/**
 * Reshapes between a layer and batch norm (`view`, `reshape`, `flatten`, `nn.Flatten`, `nn.Unflatten`, Keras `Flatten`
 * and `Reshape`), and whose output goes on through them for conv-bias-before-batchnorm's data flow.
 *
 * A conv's bias is one value per channel, the same at every position: flattening every dimension after the batch
 * (`x.view(x.size(0), -1)`, `x.flatten(1)`, `nn.Flatten()`) keeps it one value per feature, so batch norm after it still
 * cancels it. Any other reshape may move channels into the batch or merge them (`y.reshape(b * c, 1, h, w)` into
 * `BatchNorm2d(1)`), and a dense layer's bias, one value per feature, is regrouped by any reshape into channels
 * (`Linear(d, 128 * 7 * 7)` → `.view(n, 128, 7, 7)` → `BatchNorm2d(128)` cancels only each channel's mean bias): their
 * data stops there, used by the reshape.
 */
import { findArg, type CallExpr, type Expr } from './ast';
import type { Item } from './flowValues';
import { roleOf, type LayerInstance, type PythonModel, type Scope } from './model';

/** How a reshape is written: a layer (its constructor), a function of the data, or a method of it. */
export type ReshapeAt = { kind: 'layer'; inst: LayerInstance } | { kind: 'function'; call: CallExpr } | { kind: 'method'; call: CallExpr; name: string };

/** Whether the reshape keeps the batch dimension and flattens all the others into one. */
export function flattensAfterBatch(model: PythonModel, scope: Scope, at: ReshapeAt): boolean {
  if (at.kind === 'layer') {
    const { inst } = at;
    if (inst.spec.framework === 'keras') return inst.spec.name === 'Flatten';
    if (inst.spec.name !== 'Flatten' || inst.partialKw.length || inst.partialPos.length) return false;
    return startsAtOne(model, inst.ctorScope, inst.ctor, 0, true);
  }
  const call = at.call;
  if (at.kind === 'function') return startsAtOne(model, scope, call, 1, false);
  if (at.name === 'flatten') return startsAtOne(model, scope, call, 0, false);
  if (at.name !== 'view' && at.name !== 'reshape') return false;
  // `x.view(n, -1)` / `x.reshape(x.size(0), -1)`: the batch (a name, a size or shape lookup) and everything else.
  const args = call.args;
  if (args.length !== 2 || args.some((a) => a.name || a.star)) return false;
  return isBatchSize(model, scope, args[0].value, 0) && model.literal(args[1].value, scope) === -1;
}

/** `start_dim` (at `index`, or its default) is 1 and `end_dim` is left at -1. */
function startsAtOne(model: PythonModel, scope: Scope, call: CallExpr, index: number, defaultIsOne: boolean): boolean {
  if (call.args.some((a) => a.star)) return false;
  const start = findArg(call, 'start_dim', index);
  const end = findArg(call, 'end_dim', index + 1);
  if (end && model.literal(end.value, scope) !== -1) return false;
  return start ? model.literal(start.value, scope) === 1 : defaultIsOne;
}

/**
 * `x.size(0)`, `x.shape[0]`, `len(x)`, or a name bound once to one of them or unpacked first from `x.shape` /
 * `x.size()` (`n, c, h, w = y.shape`): what a flattening view writes as its first size. Any other name may be anything
 * (`rows = n * c` moves the channels into the batch).
 */
function isBatchSize(model: PythonModel, scope: Scope, e: Expr, depth: number): boolean {
  if (e.kind === 'name') {
    const found = model.lookup(e.id, scope);
    const b = found?.bindings.length === 1 ? found.bindings[0] : undefined;
    if (b?.kind === 'assign') return depth < 2 && isBatchSize(model, found!.scope, b.value, depth + 1);
    return b?.kind === 'unpack' && b.index === 0 && isShape(b.value);
  }
  if (e.kind === 'subscript') {
    const i = e.index.length === 1 ? e.index[0] : undefined;
    return e.value.kind === 'attr' && e.value.attr === 'shape' && i?.kind === 'number' && i.value === 0;
  }
  if (e.kind !== 'call' || e.args.length !== 1 || e.args[0].name) return false;
  const f = e.func;
  if (f.kind === 'name') return f.id === 'len';
  const a = e.args[0].value;
  return f.kind === 'attr' && f.attr === 'size' && a.kind === 'number' && a.value === 0;
}

/** `x.shape` or `x.size()`. */
function isShape(e: Expr): boolean {
  if (e.kind === 'attr') return e.attr === 'shape';
  return e.kind === 'call' && e.args.length === 0 && e.func.kind === 'attr' && e.func.attr === 'size';
}

/** Items through a reshape: the outputs that go on (a conv's, through a flattening one) and those it stops. */
export function throughReshape<T extends LayerInstance | null>(items: Item<T>[], flattening: boolean): { through: Item<T>[]; stopped: Item<T>[] } {
  const through: Item<T>[] = [];
  const stopped: Item<T>[] = [];
  for (const it of items) (!it.v || (flattening && convOutput(it.v)) ? through : stopped).push(it);
  return { through, stopped };
}

/**
 * Whether a layer's output is a conv's: a conv, or a Sequential ending in convs (NASNet's `torch.cat([self.p1(x),
 * self.p2(x)], 1)`). A Sequential counts once the walk has met its construction (its `__init__` before the `forward`
 * using it, as classes are written); before that, it is a layer of no known kind.
 */
function convOutput(inst: LayerInstance, depth = 0): boolean {
  const role = roleOf(inst);
  if (role === 'conv') return true;
  const seq = inst.seq ?? inst.helper?.inner.seq;
  if (role !== 'seq' || !seq?.last.length || depth > 4) return false;
  return seq.last.every((l) => !!l.v && convOutput(l.v, depth + 1));
}
