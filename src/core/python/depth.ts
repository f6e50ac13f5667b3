/**
 * A bound on the depth of the syntax tree. Python allows `a + a + … + a` with thousands of terms (a left-nested
 * tree as deep), and the analysis walks trees recursively: below MAX_DEPTH an expression is kept as an opaque
 * node (its span only), so that no walker overflows the stack. The parser asks for this only for statements that
 * may be that deep (long operator chains, deep brackets).
 */
import type { Expr, Stmt } from './ast';

export const MAX_DEPTH = 400;

/** Clips the expressions of `list` (and of the statements nested in it) deeper than MAX_DEPTH, in place. */
export function clipStatements(list: Stmt[], depth = 0): void {
  for (const st of list) {
    switch (st.kind) {
      case 'assign':
        st.targets = st.targets.map((t) => clip(t, depth));
        if (st.value) st.value = clip(st.value, depth);
        if (st.annotation) st.annotation = clip(st.annotation, depth);
        break;
      case 'augassign':
        st.target = clip(st.target, depth);
        st.value = clip(st.value, depth);
        break;
      case 'expr':
        st.value = clip(st.value, depth);
        break;
      case 'return':
        if (st.value) st.value = clip(st.value, depth);
        break;
      case 'def':
        st.decorators = st.decorators.map((x) => clip(x, depth));
        for (const p of st.params) {
          if (p.default) p.default = clip(p.default, depth);
          if (p.annotation) p.annotation = clip(p.annotation, depth);
        }
        clipStatements(st.body, depth + 1);
        break;
      case 'class':
        st.decorators = st.decorators.map((x) => clip(x, depth));
        for (const a of st.bases) a.value = clip(a.value, depth);
        clipStatements(st.body, depth + 1);
        break;
      case 'if':
        st.test = clip(st.test, depth);
        clipStatements(st.body, depth + 1);
        clipStatements(st.orelse, depth + 1);
        break;
      case 'for':
      case 'while':
        if (st.target) st.target = clip(st.target, depth);
        st.iter = clip(st.iter, depth);
        clipStatements(st.body, depth + 1);
        clipStatements(st.orelse, depth + 1);
        break;
      case 'with':
        st.items = st.items.map((x) => clip(x, depth));
        clipStatements(st.body, depth + 1);
        break;
      case 'try':
        clipStatements(st.body, depth + 1);
        for (const h of st.handlers) clipStatements(h, depth + 1);
        clipStatements(st.orelse, depth + 1);
        clipStatements(st.finalbody, depth + 1);
        break;
      case 'other':
        st.exprs = st.exprs.map((x) => clip(x, depth));
        break;
      default:
        break;
    }
  }
}

/** The expression, or an opaque node in its place when it lies deeper than MAX_DEPTH. */
export function clip(e: Expr, depth: number): Expr {
  if (depth >= MAX_DEPTH) return { kind: 'other', what: 'TooDeep', children: [], from: e.from, to: e.to };
  const d = depth + 1;
  switch (e.kind) {
    case 'attr':
      e.value = clip(e.value, d);
      break;
    case 'call':
      e.func = clip(e.func, d);
      for (const a of e.args) a.value = clip(a.value, d);
      break;
    case 'subscript':
      e.value = clip(e.value, d);
      e.index = e.index.map((x) => clip(x, d));
      break;
    case 'list':
    case 'tuple':
    case 'set':
      e.elts = e.elts.map((x) => clip(x, d));
      break;
    case 'starred':
      e.value = clip(e.value, d);
      break;
    case 'dict':
      for (const it of e.items) {
        if (it.key) it.key = clip(it.key, d);
        it.value = clip(it.value, d);
      }
      break;
    case 'binop':
      e.left = clip(e.left, d);
      e.right = clip(e.right, d);
      break;
    case 'unary':
      e.operand = clip(e.operand, d);
      break;
    case 'ifexp':
      e.body = clip(e.body, d);
      e.test = clip(e.test, d);
      e.orelse = clip(e.orelse, d);
      break;
    case 'lambda':
      if (e.body) e.body = clip(e.body, d);
      break;
    case 'other':
      e.children = e.children.map((x) => clip(x, d));
      break;
    default:
      break;
  }
  return e;
}
