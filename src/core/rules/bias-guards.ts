/**
 * The conditions of conv-bias-before-batchnorm's findings: the guard that separates the batch-norm path from the others,
 * whether it can be evaluated where the layer is built, and the bias value that keeps the bias only off that path.
 */
import { exprKey, type Expr, type Span, type Stmt } from '../python/ast';
import { walkModule } from '../python/walk';
import type { Use } from '../python/flow';
import { guardOf, type Guard, type LayerInstance, type PythonModel, type Scope } from '../python/model';

/** A guard under which every batch-norm use happens and no other use does. */
export function discriminate(bn: Use[], others: Use[]): Guard | undefined {
  return commonGuards(bn, (g) => others.every((u) => u.guards.some((h) => excludes(h, g))))[0];
}

/**
 * Whether nothing happening under `h` can happen under `g`: `h` is `g` negated, or both compare one value with `==` to
 * two different strings (`norm_fn == 'group'` and `norm_fn == 'batch'`, branches of one `if`/`elif` chain).
 */
function excludes(h: Guard, g: Guard): boolean {
  if (h.key === g.key) return h.negated !== g.negated;
  if (h.negated || g.negated || h.scope !== g.scope) return false;
  const a = equalsString(h.test);
  const b = equalsString(g.test);
  return !!a && !!b && a.subject === b.subject && a.value !== b.value;
}

/** `x == 'text'` (either way round): what is compared, and the string. */
function equalsString(e: Expr): { subject: string; value: string } | undefined {
  if (e.kind !== 'binop' || e.op !== '==') return undefined;
  const text = (x: Expr) => (x.kind === 'string' ? x.value : undefined);
  const l = text(e.left);
  const r = text(e.right);
  if (r !== undefined && l === undefined && e.left.kind !== 'string') return { subject: exprKey(e.left), value: r };
  if (l !== undefined && r === undefined && e.right.kind !== 'string') return { subject: exprKey(e.right), value: l };
  return undefined;
}

/**
 * The guards under which every one of `uses` happens (of those `counts` keeps): batch norm runs where all of them hold
 * (`if use_norm:` then `if norm == "bn":`).
 */
export function commonGuards(uses: Use[], counts: (g: Guard) => boolean): Guard[] {
  return uses[0].guards.filter((g) => counts(g) && uses.every((u) => u.guards.some((h) => h.key === g.key && h.negated === g.negated)));
}

/**
 * Which branch of the `if` statement whose test is `test` (in the function of `scope`, or the module) holds `at`: true
 * for its body, false for its else branch, undefined for neither.
 */
function branchHolding(model: PythonModel, test: Expr, scope: Scope, at: Span): boolean | undefined {
  const fn = scope.fn;
  const inside = (branch: readonly Stmt[]) => branch.length > 0 && branch[0].from <= at.from && at.to <= branch[branch.length - 1].to;
  let holding: boolean | undefined;
  walkModule(fn ? fn.def.body : model.module.body, {
    stmt: (st) => {
      if (st.kind !== 'if' || st.test !== test) return;
      holding = inside(st.body) ? true : inside(st.orelse) ? false : undefined;
    },
  });
  return holding;
}

/**
 * Whether a layer is built in the branch where a guard of the function that builds it holds (`if project:` around the
 * conv): remembered per layer and per `if` (its test node, not its text: two `if project:` statements are two guards).
 */
export class BuiltUnder {
  private readonly known = new Map<LayerInstance, Map<Expr, boolean | undefined>>();

  has(p: LayerInstance, g: Guard): boolean {
    if (g.scope !== p.siteScope) return false;
    let byTest = this.known.get(p);
    if (!byTest) this.known.set(p, (byTest = new Map()));
    if (!byTest.has(g.test)) byTest.set(g.test, branchHolding(p.siteScope.owner as PythonModel, g.test, g.scope, p.site));
    const branch = byTest.get(g.test);
    return branch !== undefined && branch === !g.negated;
  }
}

const FLIP: Record<string, string> = { is: 'is not', 'is not': 'is', '==': '!=', '!=': '==', in: 'not in', 'not in': 'in' };

/** Python source for "the batch-norm path is not taken", given the guard of that path. */
export function biasWhenNot(model: PythonModel, g: Guard): string {
  const t = g.test;
  const src = model.source(t);
  if (g.negated) {
    // Batch norm runs when the test is false: the bias is wanted when it is true.
    return t.kind === 'name' || t.kind === 'attr' || (t.kind === 'binop' && FLIP[t.op]) ? src : `bool(${src})`;
  }
  if (t.kind === 'binop' && FLIP[t.op]) return `${model.source(t.left)} ${FLIP[t.op]} ${model.source(t.right)}`;
  if (t.kind === 'name' || t.kind === 'attr' || t.kind === 'call' || t.kind === 'subscript') return `not ${src}`;
  return `not (${src})`;
}

/** Whether the guard's test can be evaluated where the layer is built. */
export function available(model: PythonModel, g: Guard, scope: Scope, offset: number): boolean {
  const sameScope = g.scope === scope;
  const ok = (e: Expr): boolean => {
    switch (e.kind) {
      case 'const':
      case 'number':
      case 'string':
        return true;
      case 'unary':
        return ok(e.operand);
      case 'binop':
        return ok(e.left) && ok(e.right);
      case 'name': {
        const found = model.lookup(e.id, scope);
        if (!found) return false;
        if (found.scope.kind === 'module') return true;
        if (!sameScope) return false;
        if (found.scope !== scope) return true;
        // Bound before the layer is built, and not bound again before the guard reads it (`use_bn = use_bn and c > 1`
        // between them: the layer would read the old value).
        const at = (b: (typeof found.bindings)[number]) => (b.kind !== 'def' && b.kind !== 'class' && 'node' in b ? b.node.from : undefined);
        const rebound = found.bindings.some((b) => {
          const from = at(b);
          return from !== undefined && from > offset && from < g.test.from;
        });
        return !rebound && found.bindings.some((b) => b.kind === 'param' || (at(b) ?? Infinity) < offset);
      }
      case 'attr': {
        if (e.value.kind === 'name' && scope.selfName && e.value.id === scope.selfName) {
          const defs = model.selfAttr(e, scope);
          return !!defs?.some((d) => !d.method || (d.method === scope.fn && d.stmt.to <= offset));
        }
        if (e.value.kind === 'name' && g.scope.selfName === e.value.id) return false;
        return ok(e.value);
      }
      default:
        return false;
    }
  };
  return ok(g.test);
}

/**
 * The condition of the batch-norm path written where the layer is built, for the fix: the guard itself when it can be
 * evaluated there, else what an attribute it tests was assigned from in `__init__` (`self.bn is not None` with
 * `self.bn = BatchNorm2d(c) if use_bn else None` is `use_bn`; `self.use_bn` with `self.use_bn = use_bn` is `use_bn`).
 */
export function paramForm(model: PythonModel, g: Guard, inst: LayerInstance): Guard | undefined {
  if (available(model, g, inst.ctorScope, inst.ctor.from)) return g;
  const init = inst.ctorScope.fn;
  if (!init || init.def.name !== '__init__') return undefined;
  let test = g.test;
  let negated = g.negated;
  let noneCheck = false;
  if (test.kind === 'binop' && (test.op === 'is' || test.op === 'is not') && test.right.kind === 'const' && test.right.value === 'None') {
    noneCheck = true;
    if (test.op === 'is') negated = !negated;
    test = test.left;
  }
  const defs = test.kind === 'attr' ? model.selfAttr(test, g.scope) : undefined;
  if (!defs?.length || defs.some((d) => d.method !== init)) return undefined;
  const isObject = (e: Expr) => e.kind === 'call' && !!model.instanceAt(e, init.scope);
  const isNone = (e: Expr) => e.kind === 'const' && e.value === 'None';
  let cond: Guard | undefined;
  if (defs.length === 1 && !defs[0].conds.length) {
    const v = defs[0].value;
    if (v.kind === 'ifexp' && isObject(v.body) && isNone(v.orelse)) cond = guardOf(v.test, negated, init.scope);
    else if (v.kind === 'ifexp' && isNone(v.body) && isObject(v.orelse)) cond = guardOf(v.test, !negated, init.scope);
    else if (!noneCheck && (v.kind === 'name' || v.kind === 'attr')) cond = guardOf(v, negated, init.scope);
  } else {
    // `self.bn = None` then `if use_bn: self.bn = BatchNorm2d(c)` (or the two sides of an if/else).
    const objects = defs.filter((d) => isObject(d.value));
    const nones = defs.filter((d) => isNone(d.value));
    if (objects.length === 1 && objects[0].conds.length === 1 && objects.length + nones.length === defs.length) {
      const c = objects[0].conds[0];
      cond = guardOf(c.test, c.negated !== negated, init.scope);
    }
  }
  return cond && available(model, cond, inst.ctorScope, inst.ctor.from) ? cond : undefined;
}
