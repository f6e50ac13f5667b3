/**
 * Parses Python with @lezer/python (pure JS, error-tolerant, incremental) and lowers the concrete
 * tree into the small syntax tree of ast.ts. Never throws on any input: whatever does not parse
 * becomes an error span and is skipped; the rest is analysed.
 */
import { parser } from '@lezer/python';
import { Tree, TreeBuffer, TreeFragment, type TreeCursor } from '@lezer/common';
import { lexicalScan } from './lexical';
import type {
  Arg,
  AttrExpr,
  BinOpExpr,
  CallExpr,
  DictExpr,
  ClassDef,
  Expr,
  FunctionDef,
  Module,
  OtherExpr,
  Param,
  Span,
  Stmt,
  StringExpr,
  SyntaxErrorSpan,
} from './ast';

/**
 * One parsed version of a text. Passing it as `previous` to parsePython consumes it: statements that did
 * not change are moved into the new version, so the old one must not be used afterwards.
 */
export interface ParsedPython {
  readonly text: string;
  readonly tree: Tree;
  readonly module: Module;
  /** For incremental re-parsing of the next version of the same document. */
  readonly fragments: readonly TreeFragment[];
  /** The lowered top-level statements, reused by the next version where their text did not change. */
  readonly units: readonly LoweredUnit[];
}

/** One top-level statement, lowered, with what it contributes to the module. */
export interface LoweredUnit {
  /** Node name and exact source text: equal keys lower to equal trees (up to an offset). */
  readonly key: string;
  readonly from: number;
  readonly to: number;
  readonly stmts: Stmt[];
  readonly calls: CallExpr[];
  readonly errors: SyntaxErrorSpan[];
  readonly doubleQuotes: number;
  readonly singleQuotes: number;
  /** Arithmetic with `*`, `/` or `//`, dict literals, and attributes whose name mentions warm(up): what the
   * learning-rate rule reads, collected here so that it need not walk every expression. */
  readonly products: BinOpExpr[];
  readonly dicts: DictExpr[];
  readonly warmAttrs: AttrExpr[];
}

/**
 * Parses `text`. With `previous` (the parse of an earlier version of the same document), unchanged
 * parts of the syntax tree are reused by the parser, and top-level statements whose text did not change
 * are not lowered again (only moved), which makes re-parsing after a small edit cheap.
 */
export function parsePython(text: string, previous?: ParsedPython): ParsedPython {
  let fragments: readonly TreeFragment[] | undefined;
  let reuse: Map<string, LoweredUnit[]> | undefined;
  if (previous) {
    const change = changedRange(previous.text, text);
    fragments = change ? TreeFragment.applyChanges(previous.fragments, [change]) : previous.fragments;
    reuse = new Map();
    for (const u of previous.units) {
      if (u.errors.length) continue;
      const list = reuse.get(u.key);
      if (list) list.push(u);
      else reuse.set(u.key, [u]);
    }
  }
  const tree = parser.parse(text, fragments);
  const { module, units } = new Lowering(text).module(tree, reuse);
  return { text, tree, module, fragments: TreeFragment.addTree(tree, fragments), units };
}

/**
 * Moves a lowered unit of the previous version by `delta` characters, in place (no copy: the previous
 * version is consumed by the new one).
 */
function shiftUnit(u: LoweredUnit, delta: number): LoweredUnit {
  for (const st of u.stmts) shiftStmt(st, delta);
  return { ...u, from: u.from + delta, to: u.to + delta };
}

function shiftStmts(list: Stmt[], d: number): void {
  for (const st of list) shiftStmt(st, d);
}

function shiftStmt(st: Stmt, d: number): void {
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

function shiftExpr(e: Expr, d: number): void {
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

/**
 * Every error node of the tree, found by reading the tree's node buffers directly (cheap, and complete:
 * error nodes can sit anywhere, even inside an operator token or a string literal).
 */
function syntaxErrors(tree: Tree): Span[] {
  const out: Span[] = [];
  const visit = (node: Tree | TreeBuffer, offset: number): void => {
    if (node instanceof TreeBuffer) {
      const b = node.buffer;
      const types = node.set.types;
      for (let i = 0; i < b.length; i += 4) if (types[b[i]].isError) out.push({ from: offset + b[i + 1], to: offset + b[i + 2] });
      return;
    }
    if (node.type.isError) out.push({ from: offset, to: offset + node.length });
    for (let i = 0; i < node.children.length; i++) visit(node.children[i], offset + node.positions[i]);
  };
  visit(tree, 0);
  return out.sort(byPosition);
}

function byPosition(a: Span, b: Span): number {
  return a.from - b.from || b.to - a.to;
}

/** The single changed span between two versions (common prefix and suffix stripped). */
function changedRange(a: string, b: string): { fromA: number; toA: number; fromB: number; toB: number } | undefined {
  if (a === b) return undefined;
  const min = Math.min(a.length, b.length);
  let start = 0;
  while (start < min && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
    endA--;
    endB--;
  }
  return { fromA: start, toA: endA, fromB: start, toB: endB };
}

const EXPRESSION_NODES = new Set([
  'VariableName',
  'MemberExpression',
  'CallExpression',
  'Number',
  'String',
  'FormatString',
  'ContinuedString',
  'Boolean',
  'None',
  'Ellipsis',
  'ParenthesizedExpression',
  'TupleExpression',
  'ArrayExpression',
  'SetExpression',
  'DictionaryExpression',
  'ArrayComprehensionExpression',
  'ComprehensionExpression',
  'SetComprehensionExpression',
  'DictionaryComprehensionExpression',
  'BinaryExpression',
  'UnaryExpression',
  'ConditionalExpression',
  'LambdaExpression',
  'AwaitExpression',
  'YieldExpression',
  'NamedExpression',
]);

const STATEMENT_NODES = new Set([
  'AssignStatement',
  'UpdateStatement',
  'ExpressionStatement',
  'ReturnStatement',
  'ImportStatement',
  'IfStatement',
  'WhileStatement',
  'ForStatement',
  'TryStatement',
  'WithStatement',
  'FunctionDefinition',
  'ClassDefinition',
  'DecoratedStatement',
  'StatementGroup',
  'PassStatement',
  'BreakStatement',
  'ContinueStatement',
  'RaiseStatement',
  'DeleteStatement',
  'AssertStatement',
  'ScopeStatement',
  'PrintStatement',
  'YieldStatement',
  'MatchStatement',
  'TypeDefinition',
]);

class Lowering {
  private calls: CallExpr[] = [];
  private products: BinOpExpr[] = [];
  private dicts: DictExpr[] = [];
  private warmAttrs: AttrExpr[] = [];
  private doubleQuotes = 0;
  private singleQuotes = 0;

  constructor(private readonly text: string) {}

  /** Lowers the top-level statements one by one, reusing (moved) units of the previous version by key. */
  module(tree: Tree, reuse?: Map<string, LoweredUnit[]>): { module: Module; units: LoweredUnit[] } {
    const c = tree.cursor();
    const units: LoweredUnit[] = [];
    if (c.firstChild()) {
      do {
        const name = nm(c);
        if (name === 'Comment') continue;
        const from = c.from;
        const key = `${name}\u0000${this.text.slice(from, c.to)}`;
        const prev = reuse?.get(key)?.pop();
        if (prev) {
          units.push(prev.from === from ? prev : shiftUnit(prev, from - prev.from));
          continue;
        }
        const calls0 = this.calls.length;
        const products0 = this.products.length;
        const dicts0 = this.dicts.length;
        const attrs0 = this.warmAttrs.length;
        const dq0 = this.doubleQuotes;
        const sq0 = this.singleQuotes;
        const stmts: Stmt[] = [];
        if (STATEMENT_NODES.has(name)) this.statement(c, stmts);
        else if (EXPRESSION_NODES.has(name)) {
          // Recovered fragments can put a bare expression here.
          const value = this.expr(c);
          stmts.push({ kind: 'expr', value, from: value.from, to: value.to });
        } else this.unexpected(c);
        // Calls are pushed in post-order (inner first); sort into source order.
        const calls = this.calls.slice(calls0).sort(byPosition);
        units.push({
          key,
          from,
          stmts,
          calls,
          to: c.to,
          errors: [],
          doubleQuotes: this.doubleQuotes - dq0,
          singleQuotes: this.singleQuotes - sq0,
          products: this.products.slice(products0),
          dicts: this.dicts.slice(dicts0),
          warmAttrs: this.warmAttrs.slice(attrs0),
        });
      } while (c.nextSibling());
    }
    const lexical = lexicalScan(this.text);
    const errors = [...syntaxErrors(tree), ...lexical.errors].sort(byPosition);
    const module: Module = { body: [], calls: [], errors, comments: lexical.comments, doubleQuotes: 0, singleQuotes: 0 };
    // An error belongs to the top-level statements it touches (they are then never reused).
    let ui = 0;
    for (const e of module.errors) {
      while (ui < units.length && units[ui].to < e.from) ui++;
      for (let j = ui; j < units.length && units[j].from <= e.from; j++) units[j].errors.push(e);
    }
    for (const u of units) {
      for (const st of u.stmts) module.body.push(st);
      for (const call of u.calls) module.calls.push(call);
      module.doubleQuotes += u.doubleQuotes;
      module.singleQuotes += u.singleQuotes;
    }
    return { module, units };
  }

  private slice(c: TreeCursor): string {
    return this.text.slice(c.from, c.to);
  }

  /** Records an error node (and any error below an unexpected node). */
  private unexpected(c: TreeCursor, sink?: Expr[]): void {
    if (EXPRESSION_NODES.has(nm(c))) {
      const e = this.expr(c);
      if (sink) sink.push(e);
      return;
    }
    if (c.firstChild()) {
      do this.unexpected(c, sink);
      while (c.nextSibling());
      c.parent();
    }
  }

  /** Statements that are the children of the node at `c` (Script or Body). */
  private statements(c: TreeCursor): Stmt[] {
    const out: Stmt[] = [];
    if (!c.firstChild()) return out;
    do {
      const name = nm(c);
      if (name === 'Comment' || name === ':') continue;
      if (STATEMENT_NODES.has(name)) this.statement(c, out);
      else if (EXPRESSION_NODES.has(name)) {
        // Recovered fragments can put a bare expression here.
        const value = this.expr(c);
        out.push({ kind: 'expr', value, from: value.from, to: value.to });
      } else this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    return out;
  }

  private statement(c: TreeCursor, out: Stmt[]): void {
    const from = c.from;
    const to = c.to;
    switch (nm(c)) {
      case 'AssignStatement':
        out.push(this.assign(c));
        return;
      case 'UpdateStatement':
        out.push(this.update(c));
        return;
      case 'ExpressionStatement': {
        const value = this.exprList(c, to);
        if (value) out.push({ kind: 'expr', value, from, to });
        return;
      }
      case 'ReturnStatement': {
        const value = this.exprList(c, to);
        out.push({ kind: 'return', value, from, to });
        return;
      }
      case 'ImportStatement':
        out.push(this.importStmt(c));
        return;
      case 'IfStatement':
        out.push(this.ifStmt(c));
        return;
      case 'WhileStatement':
      case 'ForStatement':
        out.push(this.loop(c));
        return;
      case 'TryStatement':
        out.push(this.tryStmt(c));
        return;
      case 'WithStatement':
        out.push(this.withStmt(c));
        return;
      case 'FunctionDefinition':
        out.push(this.funcDef(c, [], from));
        return;
      case 'ClassDefinition':
        out.push(this.classDef(c, [], from));
        return;
      case 'DecoratedStatement':
        this.decorated(c, out);
        return;
      case 'StatementGroup':
        if (c.firstChild()) {
          do {
            if (STATEMENT_NODES.has(nm(c))) this.statement(c, out);
            else if (nm(c) !== ';' && nm(c) !== 'Comment') this.unexpected(c);
          } while (c.nextSibling());
          c.parent();
        }
        return;
      default: {
        const exprs: Expr[] = [];
        const what = nm(c);
        if (c.firstChild()) {
          do {
            if (EXPRESSION_NODES.has(nm(c))) exprs.push(this.expr(c));
          } while (c.nextSibling());
          c.parent();
        }
        out.push({ kind: 'other', what, exprs, from, to });
      }
    }
  }

  /** Comma-separated expressions among the node's children; several → a tuple. */
  private exprList(c: TreeCursor, to: number): Expr | undefined {
    const elts: Expr[] = [];
    let comma = false;
    let star = -1;
    if (c.firstChild()) {
      do {
        const n = nm(c);
        if (EXPRESSION_NODES.has(n)) {
          const e = this.expr(c);
          if (star >= 0) {
            elts.push({ kind: 'starred', double: false, value: e, from: star, to: e.to });
            star = -1;
          } else elts.push(e);
        } else if (n === ',') comma = true;
        else if (n === '*') star = c.from;
        else if (n !== 'Comment' && n !== 'return') this.unexpected(c);
      } while (c.nextSibling());
      c.parent();
    }
    if (elts.length === 0) return undefined;
    if (elts.length === 1 && !comma) return elts[0];
    return { kind: 'tuple', elts, from: elts[0].from, to: elts[elts.length - 1].to || to };
  }

  private assign(c: TreeCursor): Stmt {
    const from = c.from;
    const to = c.to;
    const groups: Expr[][] = [[]];
    const commas: boolean[] = [false];
    let annotation: Expr | undefined;
    let star = -1;
    c.firstChild();
    do {
      const n = nm(c);
      if (n === 'AssignOp') {
        groups.push([]);
        commas.push(false);
      } else if (n === 'TypeDef') {
        if (c.firstChild()) {
          do {
            if (EXPRESSION_NODES.has(nm(c))) annotation = this.expr(c);
          } while (c.nextSibling());
          c.parent();
        }
      } else if (EXPRESSION_NODES.has(n)) {
        const e = this.expr(c);
        const g = groups[groups.length - 1];
        if (star >= 0) {
          g.push({ kind: 'starred', double: false, value: e, from: star, to: e.to });
          star = -1;
        } else g.push(e);
      } else if (n === ',') commas[commas.length - 1] = true;
      else if (n === '*') star = c.from;
      else if (n !== 'Comment') this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    const exprs = groups.map((g, i): Expr | undefined => {
      if (g.length === 0) return undefined;
      if (g.length === 1 && !commas[i]) return g[0];
      return { kind: 'tuple', elts: g, from: g[0].from, to: g[g.length - 1].to };
    });
    if (exprs.length === 1) {
      // `x: int` (annotation only) or a recovered fragment.
      return { kind: 'assign', targets: exprs[0] ? [exprs[0]] : [], value: undefined, annotation, from, to };
    }
    const value = exprs[exprs.length - 1];
    const targets = exprs.slice(0, -1).filter((e): e is Expr => e !== undefined);
    return { kind: 'assign', targets, value, annotation, from, to };
  }

  private update(c: TreeCursor): Stmt {
    const from = c.from;
    const to = c.to;
    let target: Expr | undefined;
    let value: Expr | undefined;
    let op = '';
    c.firstChild();
    do {
      const n = nm(c);
      if (n === 'UpdateOp') op = this.slice(c);
      else if (EXPRESSION_NODES.has(n)) {
        const e = this.expr(c);
        if (!op) target = e;
        else value = e;
      } else if (n !== 'Comment') this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    if (!target || !value) return { kind: 'other', what: 'UpdateStatement', exprs: [target, value].filter((e): e is Expr => !!e), from, to };
    return { kind: 'augassign', target, op, value, from, to };
  }

  private importStmt(c: TreeCursor): Stmt {
    const from = c.from;
    const to = c.to;
    c.firstChild();
    if (nm(c) === 'from') {
      let level = 0;
      const moduleParts: string[] = [];
      const names: { name: string; asname?: string; from: number; to: number }[] = [];
      let inNames = false;
      let pendingAs = false;
      do {
        const n = nm(c);
        if (n === 'import') inNames = true;
        else if (!inNames) {
          if (n === '.') {
            if (moduleParts.length === 0) level++;
          } else if (n === 'VariableName') moduleParts.push(this.slice(c));
          else if (n === 'Ellipsis') level += 3;
          else if (n !== 'from' && n !== 'Comment') this.unexpected(c);
        } else if (n === 'VariableName') {
          if (pendingAs && names.length) {
            names[names.length - 1].asname = this.slice(c);
            names[names.length - 1].to = c.to;
          } else names.push({ name: this.slice(c), from: c.from, to: c.to });
          pendingAs = false;
        } else if (n === 'as') pendingAs = true;
        else if (n === '*') names.push({ name: '*', from: c.from, to: c.to });
        else if (n !== ',' && n !== '(' && n !== ')' && n !== 'Comment') this.unexpected(c);
      } while (c.nextSibling());
      c.parent();
      return { kind: 'from', module: moduleParts.join('.'), level, names, from, to };
    }
    const names: { module: string; asname?: string }[] = [];
    let parts: string[] = [];
    let pendingAs = false;
    let asname: string | undefined;
    const flush = () => {
      if (parts.length) names.push({ module: parts.join('.'), asname });
      parts = [];
      asname = undefined;
    };
    do {
      const n = nm(c);
      if (n === 'VariableName') {
        if (pendingAs) {
          asname = this.slice(c);
          pendingAs = false;
        } else parts.push(this.slice(c));
      } else if (n === 'as') pendingAs = true;
      else if (n === ',') flush();
      else if (n !== 'import' && n !== '.' && n !== 'Comment') this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    flush();
    return { kind: 'import', names, from, to };
  }

  private ifStmt(c: TreeCursor): Stmt {
    const from = c.from;
    const to = c.to;
    // Collect (test, body) clauses, then fold elif chains into nested ifs.
    const clauses: { test: Expr | undefined; body: Stmt[]; from: number }[] = [];
    let test: Expr | undefined;
    let elseBody: Stmt[] | undefined;
    let inElse = false;
    let clauseFrom = from;
    c.firstChild();
    do {
      const n = nm(c);
      if (n === 'if' || n === 'elif') {
        clauseFrom = c.from;
        inElse = false;
      } else if (n === 'else') inElse = true;
      else if (n === 'Body') {
        const body = this.statements(c);
        if (inElse) elseBody = body;
        else {
          clauses.push({ test, body, from: clauseFrom });
          test = undefined;
        }
      } else if (EXPRESSION_NODES.has(n)) test = this.expr(c);
      else if (n !== 'Comment') this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    let orelse: Stmt[] = elseBody ?? [];
    for (let i = clauses.length - 1; i >= 1; i--) {
      const cl = clauses[i];
      const t = cl.test ?? ({ kind: 'other', what: 'missing', children: [], from: cl.from, to: cl.from } as OtherExpr);
      orelse = [{ kind: 'if', test: t, body: cl.body, orelse, from: cl.from, to }];
    }
    const first = clauses[0];
    const t0 = first?.test ?? ({ kind: 'other', what: 'missing', children: [], from, to: from } as OtherExpr);
    return { kind: 'if', test: t0, body: first?.body ?? [], orelse, from, to };
  }

  private loop(c: TreeCursor): Stmt {
    const from = c.from;
    const to = c.to;
    const isFor = nm(c) === 'ForStatement';
    const targets: Expr[] = [];
    let iter: Expr | undefined;
    let afterIn = !isFor;
    let body: Stmt[] = [];
    let orelse: Stmt[] = [];
    let inElse = false;
    c.firstChild();
    do {
      const n = nm(c);
      if (n === 'in') afterIn = true;
      else if (n === 'else') inElse = true;
      else if (n === 'Body') {
        if (inElse) orelse = this.statements(c);
        else body = this.statements(c);
      } else if (EXPRESSION_NODES.has(n)) {
        const e = this.expr(c);
        if (afterIn) iter = iter ? { kind: 'tuple', elts: [iter, e], from: iter.from, to: e.to } : e;
        else targets.push(e);
      } else if (n !== 'for' && n !== 'while' && n !== 'async' && n !== ',' && n !== 'Comment') this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    const target: Expr | undefined =
      targets.length === 0 ? undefined : targets.length === 1 ? targets[0] : { kind: 'tuple', elts: targets, from: targets[0].from, to: targets[targets.length - 1].to };
    const it: Expr = iter ?? { kind: 'other', what: 'missing', children: [], from, to: from };
    return { kind: isFor ? 'for' : 'while', target, iter: it, body, orelse, from, to };
  }

  private tryStmt(c: TreeCursor): Stmt {
    const from = c.from;
    const to = c.to;
    let body: Stmt[] = [];
    const handlers: Stmt[][] = [];
    let orelse: Stmt[] = [];
    let finalbody: Stmt[] = [];
    let clause = 'try';
    c.firstChild();
    do {
      const n = nm(c);
      if (n === 'try' || n === 'except' || n === 'else' || n === 'finally') clause = n;
      else if (n === 'Body') {
        const b = this.statements(c);
        if (clause === 'try') body = b;
        else if (clause === 'except') handlers.push(b);
        else if (clause === 'else') orelse = b;
        else finalbody = b;
      } else if (n === 'Comment' || EXPRESSION_NODES.has(n) || n === 'as' || n === ',' || n === '*') {
        // exception types and names: not analysed
      } else this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    return { kind: 'try', body, handlers, orelse, finalbody, from, to };
  }

  private withStmt(c: TreeCursor): Stmt {
    const from = c.from;
    const to = c.to;
    const items: Expr[] = [];
    let body: Stmt[] = [];
    c.firstChild();
    do {
      const n = nm(c);
      if (n === 'Body') body = this.statements(c);
      else if (EXPRESSION_NODES.has(n)) items.push(this.expr(c));
      else if (n !== 'with' && n !== 'as' && n !== ',' && n !== 'async' && n !== 'Comment' && n !== '(' && n !== ')') this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    return { kind: 'with', items, body, from, to };
  }

  private decorated(c: TreeCursor, out: Stmt[]): void {
    const from = c.from;
    const decorators: Expr[] = [];
    c.firstChild();
    do {
      const n = nm(c);
      if (n === 'Decorator') decorators.push(this.decorator(c));
      else if (n === 'FunctionDefinition') out.push(this.funcDef(c, decorators, from));
      else if (n === 'ClassDefinition') out.push(this.classDef(c, decorators, from));
      else if (n !== 'Comment') this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
  }

  /** `@a.b.c(args)`: the decorator's tokens are flat; rebuild the expression. */
  private decorator(c: TreeCursor): Expr {
    let e: Expr | undefined;
    c.firstChild();
    do {
      const n = nm(c);
      if (n === 'VariableName') {
        const id = this.slice(c);
        e = e ? { kind: 'attr', value: e, attr: id, attrFrom: c.from, from: e.from, to: c.to } : { kind: 'name', id, from: c.from, to: c.to };
      } else if (n === 'ArgList' && e) {
        e = this.callFrom(e, c);
      } else if (EXPRESSION_NODES.has(n)) {
        e = this.expr(c);
      }
    } while (c.nextSibling());
    c.parent();
    return e ?? { kind: 'other', what: 'Decorator', children: [], from: c.from, to: c.to };
  }

  private funcDef(c: TreeCursor, decorators: Expr[], from: number): FunctionDef {
    const to = c.to;
    let name = '';
    let nameFrom = c.from;
    let params: Param[] = [];
    let body: Stmt[] = [];
    let bodyFrom = to;
    c.firstChild();
    do {
      const n = nm(c);
      if (n === 'VariableName' && !name) {
        name = this.slice(c);
        nameFrom = c.from;
      } else if (n === 'ParamList') params = this.params(c);
      else if (n === 'Body') {
        bodyFrom = c.from;
        body = this.statements(c);
      } else if (n === 'TypeDef' || n === 'def' || n === 'async' || n === 'Comment') {
        // return annotation and keywords: not analysed
      } else this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    return { kind: 'def', name, nameFrom, params, decorators, body, bodyFrom, from, to };
  }

  private params(c: TreeCursor): Param[] {
    const out: Param[] = [];
    let star: '*' | '**' | undefined;
    let afterEq = false;
    if (!c.firstChild()) return out;
    do {
      const n = nm(c);
      if (n === '*' || n === '**') {
        star = n;
        afterEq = false;
      } else if (n === ',') {
        star = undefined;
        afterEq = false;
      } else if (n === 'AssignOp') afterEq = true;
      else if (n === 'TypeDef') {
        const last = out[out.length - 1];
        if (last && c.firstChild()) {
          do {
            if (EXPRESSION_NODES.has(nm(c))) last.annotation = this.expr(c);
          } while (c.nextSibling());
          c.parent();
        }
      } else if (n === 'VariableName' && !afterEq) {
        out.push({ name: this.slice(c), star, from: c.from, to: c.to });
      } else if (EXPRESSION_NODES.has(n)) {
        const e = this.expr(c);
        const last = out[out.length - 1];
        if (afterEq && last) {
          last.default = e;
          last.to = e.to;
        }
        afterEq = false;
      } else if (n !== '(' && n !== ')' && n !== 'Comment' && n !== '/') this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    return out;
  }

  private classDef(c: TreeCursor, decorators: Expr[], from: number): ClassDef {
    const to = c.to;
    let name = '';
    let nameFrom = c.from;
    let bases: Arg[] = [];
    let body: Stmt[] = [];
    let bodyFrom = to;
    c.firstChild();
    do {
      const n = nm(c);
      if (n === 'VariableName' && !name) {
        name = this.slice(c);
        nameFrom = c.from;
      } else if (n === 'ArgList') bases = this.argList(c).args;
      else if (n === 'Body') {
        bodyFrom = c.from;
        body = this.statements(c);
      } else if (n !== 'class' && n !== 'Comment' && n !== 'TypeParamList') this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    return { kind: 'class', name, nameFrom, bases, decorators, body, bodyFrom, from, to };
  }

  // ---- expressions ----------------------------------------------------------------------------

  private depth = 0;

  /** Expressions nested deeper than this (`[[[…]]]` thousands deep) are kept as opaque nodes: no stack overflow. */
  static readonly MAX_EXPR_DEPTH = 400;

  expr(c: TreeCursor): Expr {
    if (this.depth >= Lowering.MAX_EXPR_DEPTH) return { kind: 'other', what: nm(c), children: [], from: c.from, to: c.to };
    this.depth++;
    try {
      return this.exprAt(c);
    } finally {
      this.depth--;
    }
  }

  private exprAt(c: TreeCursor): Expr {
    const from = c.from;
    const to = c.to;
    switch (nm(c)) {
      case 'VariableName':
        return { kind: 'name', id: this.slice(c), from, to };
      case 'Number': {
        const raw = this.slice(c);
        return { kind: 'number', raw, value: parseNumber(raw), from, to };
      }
      case 'String':
        return this.string(c, from, to);
      case 'ContinuedString': {
        let value: string | undefined = '';
        let quote = '"';
        let first = true;
        if (c.firstChild()) {
          do {
            if (nm(c) === 'String' || nm(c) === 'FormatString') {
              const s = this.string(c, c.from, c.to);
              if (first) quote = s.quote;
              first = false;
              value = value === undefined || s.value === undefined ? undefined : value + s.value;
            }
          } while (c.nextSibling());
          c.parent();
        }
        return { kind: 'string', value, quote, from, to };
      }
      case 'FormatString':
        return this.string(c, from, to);
      case 'Boolean':
        return { kind: 'const', value: this.slice(c) === 'True' ? 'True' : 'False', from, to };
      case 'None':
        return { kind: 'const', value: 'None', from, to };
      case 'Ellipsis':
        return { kind: 'const', value: '...', from, to };
      case 'MemberExpression':
        return this.member(c, from, to);
      case 'CallExpression': {
        c.firstChild();
        let func: Expr | undefined;
        let call: Expr | undefined;
        do {
          if (nm(c) === 'ArgList' && func) call = this.callFrom(func, c);
          else if (EXPRESSION_NODES.has(nm(c))) func = this.expr(c);
          else this.unexpected(c);
        } while (c.nextSibling());
        c.parent();
        return call ?? func ?? this.other('CallExpression', [], from, to);
      }
      case 'ParenthesizedExpression': {
        const inner: Expr[] = [];
        c.firstChild();
        do {
          if (EXPRESSION_NODES.has(nm(c))) inner.push(this.expr(c));
          else if (nm(c) !== '(' && nm(c) !== ')' && nm(c) !== 'Comment') this.unexpected(c);
        } while (c.nextSibling());
        c.parent();
        if (inner.length === 1) return inner[0];
        return this.other('ParenthesizedExpression', inner, from, to);
      }
      case 'TupleExpression':
      case 'ArrayExpression':
      case 'SetExpression':
        return this.sequence(c, nm(c) === 'TupleExpression' ? 'tuple' : nm(c) === 'ArrayExpression' ? 'list' : 'set', from, to);
      case 'DictionaryExpression':
        return this.dict(c, from, to);
      case 'BinaryExpression':
        return this.binary(c, from, to);
      case 'UnaryExpression': {
        let op = '';
        let operand: Expr | undefined;
        c.firstChild();
        do {
          if (EXPRESSION_NODES.has(nm(c))) operand = this.expr(c);
          else if (!op && !c.type.isError) op = this.slice(c);
        } while (c.nextSibling());
        c.parent();
        if (!operand) return this.other('UnaryExpression', [], from, to);
        return { kind: 'unary', op, operand, from, to };
      }
      case 'ConditionalExpression': {
        const parts: Expr[] = [];
        c.firstChild();
        do {
          if (EXPRESSION_NODES.has(nm(c))) parts.push(this.expr(c));
          else if (nm(c) !== 'if' && nm(c) !== 'else' && nm(c) !== 'Comment') this.unexpected(c);
        } while (c.nextSibling());
        c.parent();
        if (parts.length !== 3) return this.other('ConditionalExpression', parts, from, to);
        return { kind: 'ifexp', body: parts[0], test: parts[1], orelse: parts[2], from, to };
      }
      case 'LambdaExpression': {
        let body: Expr | undefined;
        c.firstChild();
        do {
          if (EXPRESSION_NODES.has(nm(c))) body = this.expr(c);
        } while (c.nextSibling());
        c.parent();
        return { kind: 'lambda', body, from, to };
      }
      default: {
        const what = nm(c);
        const children: Expr[] = [];
        if (c.firstChild()) {
          do {
            if (EXPRESSION_NODES.has(nm(c))) children.push(this.expr(c));
            else this.unexpected(c, children);
          } while (c.nextSibling());
          c.parent();
        }
        return this.other(what, children, from, to);
      }
    }
  }

  private other(what: string, children: Expr[], from: number, to: number): OtherExpr {
    return { kind: 'other', what, children, from, to };
  }

  private string(c: TreeCursor, from: number, to: number): StringExpr {
    const raw = this.text.slice(from, to);
    let i = 0;
    while (i < raw.length && raw[i] !== '"' && raw[i] !== "'") i++;
    const prefix = raw.slice(0, i).toLowerCase();
    const q = raw[i] ?? '"';
    const quote = raw.startsWith(q + q + q, i) ? q + q + q : q;
    if (q === '"') this.doubleQuotes++;
    else this.singleQuotes++;
    const isF = prefix.includes('f');
    if (isF) {
      // f-string: keep the calls inside replacements visible.
      if (c.firstChild()) {
        do this.unexpected(c);
        while (c.nextSibling());
        c.parent();
      }
      return { kind: 'string', value: undefined, quote, from, to };
    }
    const closed = raw.length >= i + quote.length * 2 && raw.endsWith(quote);
    const body = closed ? raw.slice(i + quote.length, raw.length - quote.length) : raw.slice(i + quote.length);
    return { kind: 'string', value: body.includes('\\') && !prefix.includes('r') ? undefined : body, quote, from, to };
  }

  private member(c: TreeCursor, from: number, to: number): Expr {
    let value: Expr | undefined;
    let result: Expr | undefined;
    const index: Expr[] = [];
    let subscript = false;
    c.firstChild();
    do {
      const n = nm(c);
      if (n === 'PropertyName' && value) {
        const attr = this.slice(c);
        const a: AttrExpr = { kind: 'attr', value, attr, attrFrom: c.from, from, to };
        if (attr.length >= 4 && attr.toLowerCase().includes('warm')) this.warmAttrs.push(a);
        result = a;
      } else if (n === '[') subscript = true;
      else if (EXPRESSION_NODES.has(n)) {
        const e = this.expr(c);
        if (!value) value = e;
        else index.push(e);
      } else if (n !== '.' && n !== ']' && n !== ':' && n !== ',' && n !== 'Comment') this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    if (result) return result;
    if (value && subscript) return { kind: 'subscript', value, index, from, to };
    return this.other('MemberExpression', value ? [value, ...index] : index, from, to);
  }

  private callFrom(func: Expr, c: TreeCursor): CallExpr {
    const { args, commas, complete, openParen, closeParen } = this.argList(c);
    const call: CallExpr = { kind: 'call', func, args, commas, complete, openParen, closeParen, from: func.from, to: c.to };
    this.calls.push(call);
    return call;
  }

  private argList(c: TreeCursor): { args: Arg[]; commas: number[]; complete: boolean; openParen: number; closeParen: number } {
    const args: Arg[] = [];
    const commas: number[] = [];
    let complete = true;
    const openParen = c.from;
    let closeParen = c.to;
    let sawClose = false;
    let star: { kind: '*' | '**'; from: number } | undefined;
    let keyword: { name: string; from: number } | undefined;
    let pendingName: { name: string; from: number; to: number } | undefined;
    let generator = false;
    const flushName = () => {
      if (pendingName) {
        args.push({ value: { kind: 'name', id: pendingName.name, from: pendingName.from, to: pendingName.to }, from: pendingName.from, to: pendingName.to });
        pendingName = undefined;
      }
    };
    if (c.firstChild()) {
      do {
        const n = nm(c);
        if (n === '(') continue;
        if (n === ')') {
          sawClose = true;
          closeParen = c.to;
          continue;
        }
        if (n === 'Comment') continue;
        if (c.type.isError) {
          complete = false;
          continue;
        }
        if (n === 'for' || n === 'async') {
          generator = true;
          continue;
        }
        if (generator) {
          if (EXPRESSION_NODES.has(n)) this.expr(c);
          continue;
        }
        if (n === ',') {
          flushName();
          commas.push(c.from);
          continue;
        }
        if (n === '*' || n === '**') {
          flushName();
          star = { kind: n, from: c.from };
          continue;
        }
        if (n === 'AssignOp') {
          if (pendingName) keyword = { name: pendingName.name, from: pendingName.from };
          pendingName = undefined;
          continue;
        }
        if (n === 'VariableName' && !keyword && !star) {
          flushName();
          pendingName = { name: this.slice(c), from: c.from, to: c.to };
          continue;
        }
        if (EXPRESSION_NODES.has(n)) {
          flushName();
          const value = this.expr(c);
          if (keyword) {
            args.push({ name: keyword.name, nameFrom: keyword.from, value, from: keyword.from, to: value.to });
            keyword = undefined;
          } else if (star) {
            args.push({ star: star.kind, value, from: star.from, to: value.to });
            star = undefined;
          } else args.push({ value, from: value.from, to: value.to });
          continue;
        }
        this.unexpected(c);
      } while (c.nextSibling());
      c.parent();
    }
    flushName();
    if (generator) {
      // `f(x for x in y)`: one generator argument.
      const inner = args.splice(0, args.length);
      args.push({
        value: this.other('ComprehensionExpression', inner.map((a) => a.value), openParen + 1, closeParen - 1),
        from: openParen + 1,
        to: Math.max(openParen + 1, closeParen - 1),
      });
    }
    if (!sawClose || keyword || star) complete = false;
    return { args, commas, complete, openParen, closeParen };
  }

  private sequence(c: TreeCursor, kind: 'list' | 'tuple' | 'set', from: number, to: number): Expr {
    const elts: Expr[] = [];
    let star = -1;
    let comprehension = false;
    c.firstChild();
    do {
      const n = nm(c);
      if (EXPRESSION_NODES.has(n)) {
        const e = this.expr(c);
        if (star >= 0) {
          elts.push({ kind: 'starred', double: false, value: e, from: star, to: e.to });
          star = -1;
        } else elts.push(e);
      } else if (n === '*') star = c.from;
      else if (n === 'for') comprehension = true;
      else if (n !== ',' && n !== '(' && n !== ')' && n !== '[' && n !== ']' && n !== '{' && n !== '}' && n !== 'Comment' && n !== 'in' && n !== 'if')
        this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    if (comprehension) return this.other('Comprehension', elts, from, to);
    return { kind, elts, from, to };
  }

  private dict(c: TreeCursor, from: number, to: number): Expr {
    const items: { key: Expr | undefined; value: Expr }[] = [];
    let key: Expr | undefined;
    let afterColon = false;
    let doubleStar = false;
    c.firstChild();
    do {
      const n = nm(c);
      if (EXPRESSION_NODES.has(n)) {
        const e = this.expr(c);
        if (doubleStar) {
          items.push({ key: undefined, value: e });
          doubleStar = false;
        } else if (afterColon) {
          items.push({ key, value: e });
          key = undefined;
          afterColon = false;
        } else key = e;
      } else if (n === ':') afterColon = true;
      else if (n === '**') doubleStar = true;
      else if (n !== ',' && n !== '{' && n !== '}' && n !== 'Comment') this.unexpected(c);
    } while (c.nextSibling());
    c.parent();
    const d: DictExpr = { kind: 'dict', items, from, to };
    this.dicts.push(d);
    return d;
  }

  private binary(c: TreeCursor, from: number, to: number): Expr {
    let left: Expr | undefined;
    let right: Expr | undefined;
    const ops: string[] = [];
    c.firstChild();
    do {
      const n = nm(c);
      if (EXPRESSION_NODES.has(n)) {
        const e = this.expr(c);
        if (!left) left = e;
        else right = e;
      } else if (n !== 'Comment') {
        if (!c.type.isError) ops.push(this.slice(c));
      }
    } while (c.nextSibling());
    c.parent();
    if (!left || !right) return this.other('BinaryExpression', [left, right].filter((e): e is Expr => !!e), from, to);
    const op = ops.length === 1 ? ops[0] : ops.join(' ');
    const b: BinOpExpr = { kind: 'binop', op, left, right, from, to };
    if (op === '*' || op === '/' || op === '//') this.products.push(b);
    return b;
  }
}

/** The node name at the cursor (a function, so that TypeScript does not narrow it across cursor moves). */
function nm(c: TreeCursor): string {
  return c.name;
}

function parseNumber(raw: string): number {
  let s = '';
  for (const ch of raw) if (ch !== '_') s += ch;
  const lower = s.toLowerCase();
  if (lower.endsWith('j') || lower.endsWith('l')) return NaN;
  const n = Number(s);
  return n;
}
