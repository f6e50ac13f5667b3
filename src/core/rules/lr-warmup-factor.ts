/**
 * How many times the base learning rate a rate scaled with the batch size comes to, at the batch size the training
 * uses, when the file says it: `0.1 * batch_size / 256` with `batch_size = 64` is 0.25 times its base rate, not the
 * "k times the learning rate" of a large batch. lr-warmup takes a scaled rate as large-batch evidence only when this
 * factor is above 1 or cannot be told.
 *
 * The rate is read as a product: the batch size and literal numbers of 1 or more multiply it where they are in a
 * numerator and divide it where they are in a denominator; a number below 1 in a numerator (`0.1`, `1e-3`) and a name
 * that says it is a rate (`args.lr`, `base_learning_rate`) are the base rate and count as 1. Anything else (a number of
 * workers, a call, a `+`) leaves the factor unknown.
 */
import type { Expr } from '../python/ast';
import type { PythonModel, Scope } from '../python/model';

/** How deep names are followed through their assignments. */
const MAX_DEPTH = 8;

/** Arguments of schedules and optimizers that carry the learning rate. */
export const RATE_ARGS = ['lr', 'learning_rate', 'initial_learning_rate', 'init_value', 'peak_value', 'base_lr', 'max_lr'];

/** Names that stand for a base learning rate (the last part of `args.lr`, `cfg.SOLVER.BASE_LR`, `base_lr`). */
const RATE_NAME = /(^|_)(lr|learning_?rate)$/i;

/** What the rule knows of the names and attributes of a rate. */
export interface FactorValues {
  /** A batch size the training uses: its number ('unknown' when not known); undefined when `e` is none. */
  batch(e: Expr): number | 'unknown' | undefined;
  /** Whether an attribute (`args.lr`) is assigned somewhere in the file. */
  assigned(e: Expr): boolean;
}

/** The factor of `e` at the training's batch size; undefined when it cannot be told. */
export function rateFactor(model: PythonModel, e: Expr, scope: Scope, values: FactorValues, depth = 0): number | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const next = (x: Expr, s: Scope) => rateFactor(model, x, s, values, depth + 1);
  switch (e.kind) {
    case 'number': {
      const n = model.literal(e, scope);
      return typeof n === 'number' && n > 0 ? (n < 1 ? 1 : n) : undefined;
    }
    case 'binop': {
      const left = next(e.left, scope);
      if (left === undefined) return undefined;
      if (e.op === '*' || e.op === '/') {
        const right = e.op === '/' ? denominator(model, e.right, scope, values, depth + 1) : next(e.right, scope);
        if (right === undefined) return undefined;
        return e.op === '*' ? left * right : left / right;
      }
      return undefined;
    }
    case 'call': {
      // `float(batch_size)`, `int(…)`: the value itself.
      if (e.func.kind === 'name' && (e.func.id === 'float' || e.func.id === 'int') && e.args.length === 1 && !e.args[0].name) return next(e.args[0].value, scope);
      // A schedule given the rate by keyword (`CosineDecay(initial_learning_rate=lr, …)`) starts at that rate.
      const rate = e.args.filter((a) => a.name && RATE_ARGS.includes(a.name));
      return rate.length === 1 ? next(rate[0].value, scope) : undefined;
    }
    case 'name':
    case 'attr': {
      const batch = values.batch(e);
      if (batch !== undefined) return batch === 'unknown' || batch <= 0 ? undefined : batch;
      if (e.kind === 'name') {
        // A name assigned once: what it was assigned (`scale = batch_size / 256`, `lr = base_lr * scale`); a name
        // assigned more than once is not known. A parameter or a name from elsewhere is a base rate by its name only.
        const found = model.lookup(e.id, scope);
        if (found && found.bindings.length > 1) return undefined;
        const b = found?.bindings[0];
        if (b?.kind === 'assign') return next(b.value, found!.scope);
        if (b && b.kind !== 'param') return undefined;
      } else if (values.assigned(e)) return undefined; // `args.lr = args.lr * …` somewhere: not the base rate.
      return RATE_NAME.test(e.kind === 'name' ? e.id : e.attr) ? 1 : undefined;
    }
    default:
      return undefined;
  }
}

/** A divisor's value: literal numbers count at their value, whatever their size (a `/ 0.5` doubles the rate). */
function denominator(model: PythonModel, e: Expr, scope: Scope, values: FactorValues, depth: number): number | undefined {
  if (e.kind === 'number') {
    const n = model.literal(e, scope);
    return typeof n === 'number' && n > 0 ? n : undefined;
  }
  if (e.kind === 'name') {
    // A reference batch size written as a name (`base_batch = 256`).
    const found = model.lookup(e.id, scope);
    const b = found?.bindings.length === 1 ? found.bindings[0] : undefined;
    if (b?.kind === 'assign' && b.value.kind === 'number' && values.batch(e) === undefined) return denominator(model, b.value, found!.scope, values, depth + 1);
  }
  const v = rateFactor(model, e, scope, values, depth);
  // A rate name in a denominator is not a base rate: nothing is known of it there.
  return v === undefined || (v === 1 && e.kind !== 'binop') ? undefined : v;
}
