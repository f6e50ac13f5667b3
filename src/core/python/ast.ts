/**
 * A small Python syntax tree, built by the parser (see parse.ts).
 * Offsets are string offsets into the parsed text (UTF-16 code units), `to` exclusive.
 * Only what the analysis needs is modelled; everything else becomes an `other` node that
 * still keeps its children so that calls inside it are seen.
 */

export interface Span {
  from: number;
  to: number;
}

export interface SyntaxErrorSpan extends Span {
  /** Python's words for it, when known ("unterminated string literal", "unexpected indent"…). */
  message?: string;
}

export interface NameExpr extends Span {
  kind: 'name';
  id: string;
}

export interface AttrExpr extends Span {
  kind: 'attr';
  value: Expr;
  attr: string;
  /** Span of the attribute name after the dot. */
  attrFrom: number;
}

export interface Arg extends Span {
  /** Keyword name for `name=value`. */
  name?: string;
  nameFrom?: number;
  star?: '*' | '**';
  value: Expr;
}

export interface CallExpr extends Span {
  kind: 'call';
  func: Expr;
  args: Arg[];
  /** Offset of `(` and just past `)` (or the end of what parsed, when the call is unterminated). */
  openParen: number;
  closeParen: number;
  /** False when the argument list did not parse cleanly (unterminated, error inside). */
  complete: boolean;
  /** Comma offsets between / after arguments, in order. */
  commas: number[];
}

export interface SubscriptExpr extends Span {
  kind: 'subscript';
  value: Expr;
  index: Expr[];
}

export interface NumberExpr extends Span {
  kind: 'number';
  /** Numeric value when it is a plain int/float literal; NaN otherwise (complex, malformed). */
  value: number;
  raw: string;
}

export interface StringExpr extends Span {
  kind: 'string';
  /** Value for plain (non f-) strings without escapes that matter to us; undefined for f-strings. */
  value: string | undefined;
  /** The quote characters of the first piece: `'`, `"`, `'''` or `"""`. */
  quote: string;
}

export interface ConstExpr extends Span {
  kind: 'const';
  value: 'True' | 'False' | 'None' | '...';
}

export interface SeqExpr extends Span {
  kind: 'list' | 'tuple' | 'set';
  elts: Expr[];
}

export interface StarredExpr extends Span {
  kind: 'starred';
  double: boolean;
  value: Expr;
}

export interface DictExpr extends Span {
  kind: 'dict';
  items: { key: Expr | undefined; value: Expr }[];
}

export interface BinOpExpr extends Span {
  kind: 'binop';
  /** Operator text: `+`, `*`, `//`, `and`, `or`, `==`, `is`, `is not`, `in`, `not in`, … */
  op: string;
  left: Expr;
  right: Expr;
}

export interface UnaryExpr extends Span {
  kind: 'unary';
  op: string;
  operand: Expr;
}

export interface IfExpr extends Span {
  kind: 'ifexp';
  body: Expr;
  test: Expr;
  orelse: Expr;
}

export interface LambdaExpr extends Span {
  kind: 'lambda';
  /** Its parameters' names (no offsets: nothing reads where they stand, and edits need not move them). */
  params: { name: string; star?: '*' | '**' }[];
  body: Expr | undefined;
}

export interface OtherExpr extends Span {
  kind: 'other';
  /** What the parser called it (for debugging), e.g. `ArrayComprehensionExpression`. */
  what: string;
  children: Expr[];
}

export type Expr =
  | NameExpr
  | AttrExpr
  | CallExpr
  | SubscriptExpr
  | NumberExpr
  | StringExpr
  | ConstExpr
  | SeqExpr
  | StarredExpr
  | DictExpr
  | BinOpExpr
  | UnaryExpr
  | IfExpr
  | LambdaExpr
  | OtherExpr;

export interface Param extends Span {
  name: string;
  star?: '*' | '**';
  default?: Expr;
  annotation?: Expr;
}

export interface ImportStmt extends Span {
  kind: 'import';
  names: { module: string; asname?: string }[];
}

export interface FromImportStmt extends Span {
  kind: 'from';
  /** Dotted module without the leading dots; '' for `from . import x`. */
  module: string;
  /** Number of leading dots (relative import). */
  level: number;
  /** Imported names; `from`/`to` span the name and its `as` alias. */
  names: { name: string; asname?: string; from: number; to: number }[];
}

export interface AssignStmt extends Span {
  kind: 'assign';
  /** One entry per `=`-separated target (a tuple target is a `tuple` expression). */
  targets: Expr[];
  value: Expr | undefined;
  annotation?: Expr;
}

export interface AugAssignStmt extends Span {
  kind: 'augassign';
  target: Expr;
  op: string;
  value: Expr;
}

export interface ExprStmt extends Span {
  kind: 'expr';
  value: Expr;
}

export interface ReturnStmt extends Span {
  kind: 'return';
  value: Expr | undefined;
}

export interface FunctionDef extends Span {
  kind: 'def';
  name: string;
  nameFrom: number;
  params: Param[];
  decorators: Expr[];
  body: Stmt[];
  /** Offset of the `:` that opens the body. */
  bodyFrom: number;
}

export interface ClassDef extends Span {
  kind: 'class';
  name: string;
  nameFrom: number;
  bases: Arg[];
  decorators: Expr[];
  body: Stmt[];
  /** Offset of the `:` that opens the body. */
  bodyFrom: number;
}

export interface IfStmt extends Span {
  kind: 'if';
  test: Expr;
  body: Stmt[];
  /** `elif` becomes a nested IfStmt, alone in orelse. */
  orelse: Stmt[];
}

export interface LoopStmt extends Span {
  kind: 'for' | 'while';
  target: Expr | undefined;
  /** The iterable (for) or the condition (while). */
  iter: Expr;
  body: Stmt[];
  orelse: Stmt[];
}

export interface WithStmt extends Span {
  kind: 'with';
  items: Expr[];
  body: Stmt[];
}

export interface TryStmt extends Span {
  kind: 'try';
  body: Stmt[];
  handlers: Stmt[][];
  orelse: Stmt[];
  finalbody: Stmt[];
}

export interface OtherStmt extends Span {
  kind: 'other';
  what: string;
  exprs: Expr[];
}

export type Stmt =
  | ImportStmt
  | FromImportStmt
  | AssignStmt
  | AugAssignStmt
  | ExprStmt
  | ReturnStmt
  | FunctionDef
  | ClassDef
  | IfStmt
  | LoopStmt
  | WithStmt
  | TryStmt
  | OtherStmt;

export interface Module {
  body: Stmt[];
  /** Every call expression in source order (including those nested in other calls). */
  calls: CallExpr[];
  /** Syntax errors: spans the parser recovered from, and what Python's tokenizer rejects (with its message). */
  errors: SyntaxErrorSpan[];
  /** Comments, from `#` to the end of the line (from the tokenizer pass: a `#` in a string is not one). */
  comments: Span[];
  /** String literals' first quote style, counted, to pick the file's quote. */
  doubleQuotes: number;
  singleQuotes: number;
}

/** Calls `visit` for every direct sub-expression of `e`. */
export function forEachChild(e: Expr, visit: (child: Expr) => void): void {
  switch (e.kind) {
    case 'attr':
      visit(e.value);
      break;
    case 'call':
      visit(e.func);
      for (const a of e.args) visit(a.value);
      break;
    case 'subscript':
      visit(e.value);
      for (const i of e.index) visit(i);
      break;
    case 'list':
    case 'tuple':
    case 'set':
      for (const x of e.elts) visit(x);
      break;
    case 'starred':
      visit(e.value);
      break;
    case 'dict':
      for (const it of e.items) {
        if (it.key) visit(it.key);
        visit(it.value);
      }
      break;
    case 'binop':
      visit(e.left);
      visit(e.right);
      break;
    case 'unary':
      visit(e.operand);
      break;
    case 'ifexp':
      visit(e.body);
      visit(e.test);
      visit(e.orelse);
      break;
    case 'lambda':
      if (e.body) visit(e.body);
      break;
    case 'other':
      for (const c of e.children) visit(c);
      break;
    default:
      break;
  }
}

/** Calls `visit` for `e` and every expression below it, depth first. */
export function walkExpr(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  forEachChild(e, (c) => walkExpr(c, visit));
}

/** `a.b.c` → ['a', 'b', 'c']; undefined for anything that is not a plain dotted name. */
export function dottedParts(e: Expr): string[] | undefined {
  const parts: string[] = [];
  let cur: Expr = e;
  while (cur.kind === 'attr') {
    parts.push(cur.attr);
    cur = cur.value;
  }
  if (cur.kind !== 'name') return undefined;
  parts.push(cur.id);
  return parts.reverse();
}

/** The argument bound to a parameter: by keyword `name`, else by position `index` (before any `*args`). */
export function findArg(call: CallExpr, name: string, index?: number): Arg | undefined {
  for (const a of call.args) if (a.name === name) return a;
  if (index === undefined) return undefined;
  let i = 0;
  for (const a of call.args) {
    if (a.name !== undefined || a.star === '**') break;
    if (a.star === '*') return undefined;
    if (i === index) return a;
    i++;
  }
  return undefined;
}

/** Whether the call passes `*args` or `**kwargs`, so that any parameter may be set without us seeing it. */
export function hasStarArgs(call: CallExpr): { star: boolean; doubleStar: boolean } {
  let star = false;
  let doubleStar = false;
  for (const a of call.args) {
    if (a.star === '*') star = true;
    else if (a.star === '**') doubleStar = true;
  }
  return { star, doubleStar };
}

/** Number of positional arguments before the first keyword / star. */
export function positionalCount(call: CallExpr): number {
  let n = 0;
  for (const a of call.args) {
    if (a.name !== undefined || a.star) break;
    n++;
  }
  return n;
}

/** A structural key for an expression (names, attributes, constants, calls), for comparing conditions. */
export function exprKey(e: Expr): string {
  switch (e.kind) {
    case 'name':
      return e.id;
    case 'attr':
      return `${exprKey(e.value)}.${e.attr}`;
    case 'const':
      return e.value;
    case 'number':
      return e.raw;
    case 'string':
      return JSON.stringify(e.value ?? '?');
    case 'unary':
      return `(${e.op} ${exprKey(e.operand)})`;
    case 'binop':
      return `(${exprKey(e.left)} ${e.op} ${exprKey(e.right)})`;
    case 'call':
      return `${exprKey(e.func)}(${e.args.map((a) => (a.name ? `${a.name}=` : a.star ?? '') + exprKey(a.value)).join(',')})`;
    case 'subscript':
      return `${exprKey(e.value)}[${e.index.map(exprKey).join(',')}]`;
    case 'tuple':
    case 'list':
      return `${e.kind}(${e.elts.map(exprKey).join(',')})`;
    default:
      return `#${e.kind}@${e.from}`;
  }
}

/** Strips `not` and parentheses: returns the core test and whether it was negated an odd number of times. */
export function normaliseTest(e: Expr): { test: Expr; negated: boolean } {
  let negated = false;
  let cur = e;
  while (cur.kind === 'unary' && cur.op === 'not') {
    negated = !negated;
    cur = cur.operand;
  }
  return { test: cur, negated };
}

/** Lower-case parts of an identifier: `base_lr` → [base, lr], `WarmupMultiStepLR` → [warmup, multi, step, lr]. */
export function identifierParts(id: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < id.length; i++) {
    const ch = id[i];
    if (ch === '_' || ch === '-' || ch === '.' || ch === ' ') {
      if (cur) out.push(cur.toLowerCase());
      cur = '';
      continue;
    }
    const isUpper = ch >= 'A' && ch <= 'Z';
    const prev = id[i - 1];
    const next = id[i + 1];
    const prevLower = prev !== undefined && ((prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9'));
    const acronymEnd = prev !== undefined && prev >= 'A' && prev <= 'Z' && next !== undefined && next >= 'a' && next <= 'z';
    if (isUpper && cur && (prevLower || acronymEnd)) {
      out.push(cur.toLowerCase());
      cur = '';
    }
    cur += ch;
  }
  if (cur) out.push(cur.toLowerCase());
  return out;
}

/** What a subscript is of, through every level (`self.stages[0][1]` → `self.stages`); `e` itself otherwise. */
export function subscriptRoot(e: Expr): Expr {
  while (e.kind === 'subscript') e = e.value;
  return e;
}

/** `X` for `self.X`, `self` being the name a method's first parameter has. */
export function selfAttrName(e: Expr, self: string): string | undefined {
  return e.kind === 'attr' && e.value.kind === 'name' && e.value.id === self ? e.attr : undefined;
}

/** The span of a list in source order, not overlapping one another, that contains an offset (by bisection). */
export function spanAt<T extends Span>(sorted: readonly T[], offset: number): T | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = sorted[mid];
    if (offset < s.from) hi = mid - 1;
    else if (offset >= s.to) lo = mid + 1;
    else return s;
  }
  return undefined;
}

/** The calls of a list sorted by position (a module's `calls`) that lie within `span`, found by bisection. */
export function callsWithin(calls: readonly CallExpr[], span: Span): readonly CallExpr[] {
  let lo = 0;
  let hi = calls.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (calls[mid].from < span.from) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < calls.length && calls[end].from < span.to) end++;
  return calls.slice(lo, end).filter((c) => c.to <= span.to);
}
