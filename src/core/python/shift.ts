/**
 * Moving parsed statements by a number of characters, in place: a later version of a document reuses the
 * statements after an edit, moved by what the edit added or removed.
 */
import type { Arg, Expr, Stmt } from './ast';

export function shiftStmts(list: Stmt[], d: number): void {
  for (const st of list) shiftStmt(st, d);
}

export function shiftStmt(st: Stmt, d: number): void {
  st.from += d;
  st.to += d;
  switch (st.kind) {
    case 'import':
      return;
    case 'from':
      for (const n of st.names) {
        n.from += d;
        n.to += d;
      }
      return;
    case 'assign':
      for (const t of st.targets) shiftExpr(t, d);
      if (st.value) shiftExpr(st.value, d);
      if (st.annotation) shiftExpr(st.annotation, d);
      return;
    case 'augassign':
      shiftExpr(st.target, d);
      shiftExpr(st.value, d);
      return;
    case 'expr':
    case 'return':
      if (st.value) shiftExpr(st.value, d);
      return;
    case 'def':
      st.nameFrom += d;
      st.bodyFrom += d;
      for (const x of st.decorators) shiftExpr(x, d);
      for (const p of st.params) {
        p.from += d;
        p.to += d;
        if (p.default) shiftExpr(p.default, d);
        if (p.annotation) shiftExpr(p.annotation, d);
      }
      shiftStmts(st.body, d);
      return;
    case 'class':
      st.nameFrom += d;
      st.bodyFrom += d;
      for (const x of st.decorators) shiftExpr(x, d);
      for (const a of st.bases) shiftArg(a, d);
      shiftStmts(st.body, d);
      return;
    case 'if':
      shiftExpr(st.test, d);
      shiftStmts(st.body, d);
      shiftStmts(st.orelse, d);
      return;
    case 'for':
    case 'while':
      if (st.target) shiftExpr(st.target, d);
      shiftExpr(st.iter, d);
      shiftStmts(st.body, d);
      shiftStmts(st.orelse, d);
      return;
    case 'with':
      for (const x of st.items) shiftExpr(x, d);
      shiftStmts(st.body, d);
      return;
    case 'try':
      shiftStmts(st.body, d);
      for (const h of st.handlers) shiftStmts(h, d);
      shiftStmts(st.orelse, d);
      shiftStmts(st.finalbody, d);
      return;
    case 'other':
      for (const x of st.exprs) shiftExpr(x, d);
      return;
  }
}

function shiftArg(a: Arg, d: number): void {
  a.from += d;
  a.to += d;
  if (a.nameFrom !== undefined) a.nameFrom += d;
  shiftExpr(a.value, d);
}

export function shiftExpr(e: Expr, d: number): void {
  e.from += d;
  e.to += d;
  switch (e.kind) {
    case 'attr':
      e.attrFrom += d;
      shiftExpr(e.value, d);
      return;
    case 'call':
      e.openParen += d;
      e.closeParen += d;
      for (let i = 0; i < e.commas.length; i++) e.commas[i] += d;
      shiftExpr(e.func, d);
      for (const a of e.args) shiftArg(a, d);
      return;
    case 'subscript':
      shiftExpr(e.value, d);
      for (const x of e.index) shiftExpr(x, d);
      return;
    case 'list':
    case 'tuple':
    case 'set':
      for (const x of e.elts) shiftExpr(x, d);
      return;
    case 'starred':
      shiftExpr(e.value, d);
      return;
    case 'dict':
      for (const it of e.items) {
        if (it.key) shiftExpr(it.key, d);
        shiftExpr(it.value, d);
      }
      return;
    case 'binop':
      shiftExpr(e.left, d);
      shiftExpr(e.right, d);
      return;
    case 'unary':
      shiftExpr(e.operand, d);
      return;
    case 'ifexp':
      shiftExpr(e.body, d);
      shiftExpr(e.test, d);
      shiftExpr(e.orelse, d);
      return;
    case 'lambda':
      if (e.body) shiftExpr(e.body, d);
      return;
    case 'other':
      for (const x of e.children) shiftExpr(x, d);
      return;
    default:
      return;
  }
}

