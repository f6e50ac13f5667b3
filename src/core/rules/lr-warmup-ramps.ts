/**
 * lr-warmup: a learning rate ramped up by hand. Training code often sets each param group's rate itself every step
 * (`for g in optimizer.param_groups: g["lr"] = lr`), from a value that rises over the first steps: computed under
 * `if step < warmup_steps:` from the step, or bounded with `min(1.0, step / ramp)`. Such a schedule may warm up
 * whatever its names say; one that only decays (a cosine, `0.1 ** (epoch // 30)`, a branch for the later epochs)
 * does not.
 */
import { walkExpr, type Expr, type Stmt } from '../python/ast';
import type { PythonModel } from '../python/model';
import type { LoweredUnit } from '../python/parse';
import { walkModule } from '../python/walk';
import { isParamGroups, lrStoreContainer, paramGroupsLoopVar } from './lr-warmup-units';

/** The value a statement stores at a `["lr"]` key whose container `holds` accepts (`x["lr"] = v`, `x["lr"] *= v`). */
function storedRate(st: Stmt, holds: (container: Expr) => boolean): Expr | undefined {
  const at = (t: Expr) => {
    const c = lrStoreContainer(t);
    return c !== undefined && holds(c);
  };
  if (st.kind === 'assign' && st.value && st.targets.some(at)) return st.value;
  if (st.kind === 'augassign' && at(st.target)) return st.value;
  return undefined;
}

/** `group["lr"] = …` where `group` is one of `groups` or `….param_groups[i]`: its value. */
function rateSet(st: Stmt, groups: ReadonlySet<string>): Expr | undefined {
  return storedRate(st, (c) => (c.kind === 'name' && groups.has(c.id)) || (c.kind === 'subscript' && isParamGroups(c.value)));
}

/** Whether a statement may set a param group's rate (`…["lr"] = …`): the quick test before rampsRate. */
export function setsRate(st: Stmt): boolean {
  return storedRate(st, () => true) !== undefined;
}

/** The names an expression reads. */
function readNames(e: Expr, out = new Set<string>()): Set<string> {
  walkExpr(e, (x) => {
    if (x.kind === 'name') out.add(x.id);
  });
  return out;
}

function callsMin(e: Expr): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (x.kind === 'call' && x.func.kind === 'name' && x.func.id === 'min') found = true;
  });
  return found;
}

/** The names a comparison says are below a bound (`step` in `step < n`, `n > step`); none for other tests. */
function belowBound(test: Expr): Set<string> {
  if (test.kind !== 'binop') return new Set();
  if (test.op === '<' || test.op === '<=') return readNames(test.left);
  if (test.op === '>' || test.op === '>=') return readNames(test.right);
  return new Set();
}

/** Whether statements set a param group's rate by hand from a value that rises over the first steps (see above). */
export function rampsRate(stmts: readonly Stmt[]): boolean {
  // The values set (a loop over the param groups is met before the statements in it), and the names they read (one
  // assignment away: `lr = …` then `g["lr"] = lr`).
  const groups = new Set<string>();
  const values: Expr[] = [];
  walkModule(stmts, {
    stmt: (st) => {
      const g = paramGroupsLoopVar(st);
      if (g) groups.add(g);
      const v = rateSet(st, groups);
      if (v) values.push(v);
    },
  });
  if (!values.length) return false;
  const rateNames = new Set<string>();
  for (const v of values) readNames(v, rateNames);
  const feedsRate = (st: Stmt): Expr | undefined => {
    const v = rateSet(st, groups);
    if (v) return v;
    return st.kind === 'assign' && st.value && st.targets.some((t) => t.kind === 'name' && rateNames.has(t.id)) ? st.value : undefined;
  };
  let ramps = values.some(callsMin);
  walkModule(stmts, {
    stmt: (st) => {
      if (ramps) return;
      const v = feedsRate(st);
      if (v && callsMin(v)) ramps = true;
      if (st.kind !== 'if') return;
      // `if step < ramp:` and, in that branch, the rate computed from the step.
      const below = belowBound(st.test);
      if (!below.size) return;
      walkModule(st.body, {
        stmt: (inner) => {
          const w = feedsRate(inner);
          if (w && [...readNames(w)].some((n) => below.has(n))) ramps = true;
        },
      });
    },
  });
  return ramps;
}

/** Functions of other modules of the project, by whether they ramp a rate up by hand. */
const rampingFunctions = new WeakMap<Stmt[], boolean>();

/** Whether a statement calls a function of another module of the project that ramps a rate up by hand. */
export function callsRampElsewhere(model: PythonModel, unit: LoweredUnit): boolean {
  if (!model.project) return false;
  for (const c of unit.calls) {
    if (c.func.kind !== 'name' && c.func.kind !== 'attr') continue;
    for (const { value: v } of model.callables(c.func, model.scopeOf(c))) {
      if (v.kind !== 'helper' || v.fn.scope.owner === model) continue;
      const body = v.fn.def.body;
      let r = rampingFunctions.get(body);
      if (r === undefined) rampingFunctions.set(body, (r = rampsRate(body)));
      if (r) return true;
    }
  }
  return false;
}
