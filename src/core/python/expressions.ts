/**
 * Python expressions (3.8–3.13 grammar), parsed straight into the small syntax tree of ast.ts. Precedence follows
 * CPython's grammar: lambda / conditional, `or`, `and`, `not`, comparisons, `|`, `^`, `&`, shifts, `+ -`,
 * `* / // % @`, unary `+ - ~`, `**`, `await`, then primaries (attributes, calls, subscripts) and atoms.
 *
 * Literals, f-strings, containers and comprehensions are in atoms.ts (the next layer of this parser).
 */
import { textOf } from './chars';
import type { BinOpExpr, CallExpr, Expr, NameExpr, OtherExpr } from './ast';
import { TokenReader } from './syntax';
import { T } from './tokens';

/** Binary operators by precedence (higher binds tighter), from `|` to `* / // % @`. */
const BINARY_PRECEDENCE: Partial<Record<T, number>> = {
  [T.VBAR]: 1,
  [T.CIRCUMFLEX]: 2,
  [T.AMPER]: 3,
  [T.LEFTSHIFT]: 4,
  [T.RIGHTSHIFT]: 4,
  [T.PLUS]: 5,
  [T.MINUS]: 5,
  [T.STAR]: 6,
  [T.SLASH]: 6,
  [T.DOUBLESLASH]: 6,
  [T.PERCENT]: 6,
  [T.AT]: 6,
};

const BINARY_TEXT: Partial<Record<T, string>> = {
  [T.VBAR]: '|',
  [T.CIRCUMFLEX]: '^',
  [T.AMPER]: '&',
  [T.LEFTSHIFT]: '<<',
  [T.RIGHTSHIFT]: '>>',
  [T.PLUS]: '+',
  [T.MINUS]: '-',
  [T.STAR]: '*',
  [T.SLASH]: '/',
  [T.DOUBLESLASH]: '//',
  [T.PERCENT]: '%',
  [T.AT]: '@',
};

const COMPARISON_TEXT: Partial<Record<T, string>> = {
  [T.LESS]: '<',
  [T.GREATER]: '>',
  [T.EQEQUAL]: '==',
  [T.GREATEREQUAL]: '>=',
  [T.LESSEQUAL]: '<=',
  [T.NOTEQUAL]: '!=',
};

/** Tokens that can start an expression (for "Perhaps you forgot a comma?" and `print x`). */
export function startsExpression(k: T): boolean {
  switch (k) {
    case T.NAME:
    case T.NUMBER:
    case T.STRING:
    case T.FSTRING_START:
    case T.LPAR:
    case T.LSQB:
    case T.LBRACE:
    case T.MINUS:
    case T.PLUS:
    case T.TILDE:
    case T.Not:
    case T.Lambda:
    case T.Await:
    case T.None:
    case T.True:
    case T.False:
    case T.ELLIPSIS:
      return true;
    default:
      return false;
  }
}

export abstract class ExpressionParser extends TokenReader {
  // ---- implemented by the next layers -----------------------------------------------------------------------

  /** An atom: a name, a literal, a container or comprehension (atoms.ts). */
  protected abstract atom(): Expr;
  /** `lambda params: body` (atoms.ts). */
  protected abstract lambda(): Expr;
  /** The arguments of a call, after `(` (atoms.ts). */
  protected abstract callArguments(func: Expr, open: number): CallExpr;
  /** `yield` / `yield from` (atoms.ts). */
  protected abstract yieldExpression(): Expr;

  // ---- expression lists ----------------------------------------------------------------------------------------

  /** `a, *b, c` (star_expressions): a tuple when there is a comma. */
  protected starExpressions(): Expr {
    const first = this.starExpression();
    if (!this.at(T.COMMA)) return first;
    const elts = [first];
    while (this.eat(T.COMMA)) {
      if (!startsExpression(this.kind()) && !this.at(T.STAR)) break;
      elts.push(this.starExpression());
    }
    return { kind: 'tuple', elts, from: this.fromOf(first), to: this.toOf(elts[elts.length - 1]) };
  }

  /** `*x` (starred) or an expression. */
  protected starExpression(): Expr {
    if (this.at(T.STAR)) {
      const from = this.startOf();
      this.advance();
      const value = this.bitwiseOr();
      return { kind: 'starred', double: false, value, from, to: this.toOf(value) };
    }
    return this.expression();
  }

  /** `*x` or a named expression (in displays and subscripts). */
  protected starNamedExpression(): Expr {
    if (this.at(T.STAR)) {
      const from = this.startOf();
      this.advance();
      const value = this.bitwiseOr();
      return { kind: 'starred', double: false, value, from, to: this.toOf(value) };
    }
    return this.namedExpression();
  }

  /** `name := value` or an expression. */
  protected namedExpression(): Expr {
    if (this.at(T.NAME) && this.kind(1) === T.COLONEQUAL) return this.walrus();
    const e = this.expression();
    if (this.at(T.COLONEQUAL)) this.fail(`cannot use assignment expressions with ${this.exprName(e)}`, e.from, e.to);
    return e;
  }

  protected walrus(): Expr {
    const target = this.name();
    this.advance(); // :=
    const value = this.expression();
    this.scopes.bindWalrus(target.id, target.from, target.to);
    const e: OtherExpr = { kind: 'other', what: 'NamedExpression', children: [target, value], from: target.from, to: this.toOf(value) };
    return e;
  }

  // ---- precedence levels ---------------------------------------------------------------------------------------

  /** `a if b else c`, a lambda, or a disjunction. Chained conditionals are read in a loop (no deep recursion). */
  protected expression(): Expr {
    if (this.at(T.Lambda)) return this.lambda();
    const first = this.disjunction();
    if (!this.at(T.If)) return first;
    const parts: { body: Expr; test: Expr }[] = [];
    let body = first;
    let orelse: Expr;
    for (;;) {
      this.advance(); // if
      const test = this.disjunction();
      if (!this.at(T.Else)) this.fail("expected 'else' after 'if' expression", body.from, test.to);
      this.advance();
      parts.push({ body, test });
      if (this.at(T.Lambda)) {
        orelse = this.lambda();
        break;
      }
      if (this.at(T.STAR) || this.at(T.DOUBLESTAR)) {
        this.fail(this.at(T.STAR) ? 'cannot unpack only part of a conditional expression' : 'cannot use dict unpacking on only part of a conditional expression');
      }
      if (!startsExpression(this.kind())) this.fail("expected expression after 'else', but statement is given");
      const next = this.disjunction();
      if (!this.at(T.If)) {
        orelse = next;
        break;
      }
      body = next;
    }
    if (parts.length > 50) this.deep = true;
    for (let i = parts.length - 1; i >= 0; i--) {
      const p = parts[i];
      orelse = { kind: 'ifexp', body: p.body, test: p.test, orelse, from: this.fromOf(p.body), to: this.toOf(orelse) };
    }
    return orelse;
  }

  protected disjunction(): Expr {
    let left = this.conjunction();
    for (let n = 0; this.at(T.Or); n++) {
      if (n > 50) this.deep = true;
      this.advance();
      const right = this.conjunction();
      left = this.binop('or', left, right);
    }
    return left;
  }

  protected conjunction(): Expr {
    let left = this.inversion();
    for (let n = 0; this.at(T.And); n++) {
      if (n > 50) this.deep = true;
      this.advance();
      const right = this.inversion();
      left = this.binop('and', left, right);
    }
    return left;
  }

  /** `not not x`: a loop, then the comparison. */
  protected inversion(): Expr {
    const nots: number[] = [];
    while (this.at(T.Not)) {
      nots.push(this.startOf());
      this.advance();
    }
    let e = this.comparison();
    if (nots.length > 50) this.deep = true;
    for (let i = nots.length - 1; i >= 0; i--) e = { kind: 'unary', op: 'not', operand: e, from: nots[i], to: this.toOf(e) };
    return e;
  }

  protected comparison(): Expr {
    let left = this.bitwiseOr();
    for (let n = 0; ; n++) {
      if (n > 50) this.deep = true;
      const k = this.kind();
      let op = COMPARISON_TEXT[k];
      if (op !== undefined) {
        if (k === T.NOTEQUAL) op = this.notEqual();
        this.advance();
      } else if (k === T.In) {
        op = 'in';
        this.advance();
      } else if (k === T.Not && this.kind(1) === T.In) {
        op = 'not in';
        this.tk += 2;
      } else if (k === T.Is) {
        this.advance();
        op = this.eat(T.Not) ? 'is not' : 'is';
      } else return left;
      const right = this.bitwiseOr();
      left = this.binop(op, left, right);
    }
  }

  /** `!=` (or `<>` under `from __future__ import barry_as_FLUFL`). */
  private notEqual(): string {
    const text = this.tokenText();
    if (this.flufl && text === '!=') this.fail("with Barry as BDFL, use '<>' instead of '!='");
    if (!this.flufl && text === '<>') this.fail('invalid syntax');
    return text;
  }

  /** Binary operators from `|` down to `* / // % @`, by precedence climbing. */
  protected bitwiseOr(): Expr {
    return this.binary(1);
  }

  private binary(min: number): Expr {
    let left = this.factor();
    for (let n = 0; ; n++) {
      if (n > 50) this.deep = true;
      const k = this.kind();
      const prec = BINARY_PRECEDENCE[k];
      if (prec === undefined || prec < min) return left;
      this.advance();
      if (this.at(T.Not)) this.fail("'not' after an operator must be parenthesized");
      const right = this.binary(prec + 1);
      left = this.binop(BINARY_TEXT[k]!, left, right);
    }
  }

  protected binop(op: string, left: Expr, right: Expr): BinOpExpr {
    const b: BinOpExpr = { kind: 'binop', op, left, right, from: this.fromOf(left), to: this.toOf(right) };
    if (op === '*' || op === '/' || op === '//') this.products.push(b);
    return b;
  }

  /** Unary `+ - ~` (a loop), then a power. */
  protected factor(): Expr {
    const ops: { op: string; from: number }[] = [];
    for (;;) {
      const k = this.kind();
      if (k !== T.PLUS && k !== T.MINUS && k !== T.TILDE) break;
      ops.push({ op: k === T.PLUS ? '+' : k === T.MINUS ? '-' : '~', from: this.startOf() });
      this.advance();
    }
    if (ops.length && this.at(T.Not)) this.fail("'not' after an operator must be parenthesized");
    if (ops.length > 50) this.deep = true;
    let e = this.power();
    for (let i = ops.length - 1; i >= 0; i--) e = { kind: 'unary', op: ops[i].op, operand: e, from: ops[i].from, to: this.toOf(e) };
    return e;
  }

  /** `a ** b ** -c`: right-associative, the right side a factor. */
  protected power(): Expr {
    const left = this.awaitPrimary();
    if (!this.at(T.DOUBLESTAR)) return left;
    this.advance();
    const right = this.factor();
    return this.binop('**', left, right);
  }

  protected awaitPrimary(): Expr {
    if (!this.at(T.Await)) return this.primary();
    const from = this.startOf();
    this.advance();
    this.scopes.awaitAt(from, this.prevEnd());
    const value = this.primary();
    return { kind: 'other', what: 'AwaitExpression', children: [value], from, to: this.toOf(value) };
  }

  /** An atom followed by `.name`, `(args)` and `[subscript]`. */
  protected primary(): Expr {
    let e = this.atom();
    for (let n = 0; ; n++) {
      if (n > 50) this.deep = true;
      const k = this.kind();
      if (k === T.DOT) {
        this.advance();
        if (!this.at(T.NAME)) this.fail(this.unexpected());
        const attrFrom = this.startOf();
        const attr = this.tokenText();
        this.advance();
        const a: Expr = { kind: 'attr', value: e, attr, attrFrom, from: this.fromOf(e), to: this.prevEnd() };
        if (attr.length >= 4 && attr.toLowerCase().includes('warm')) this.warmAttrs.push(a);
        e = a;
      } else if (k === T.LPAR) {
        const open = this.startOf();
        this.advance();
        e = this.callArguments(e, open);
      } else if (k === T.LSQB) {
        this.advance();
        e = this.subscript(e);
      } else return e;
    }
  }

  /** `value[slices]`: slice parts flattened into the index list (what the analysis reads). */
  private subscript(value: Expr): Expr {
    const index: Expr[] = [];
    this.brackets++;
    let first = true;
    do {
      if ((this.at(T.RSQB) || this.atLineEnd()) && !first) break;
      this.slice(index);
      first = false;
    } while (this.eat(T.COMMA));
    this.close(T.RSQB);
    this.brackets--;
    return { kind: 'subscript', value, index, from: this.fromOf(value), to: this.prevEnd() };
  }

  /** One slice item: `a`, `*a`, `a:b:c` (any part optional). */
  private slice(out: Expr[]): void {
    if (this.at(T.STAR)) {
      out.push(this.starNamedExpression());
      return;
    }
    if (!this.at(T.COLON)) {
      const first = this.tk;
      const e = this.namedExpression();
      if (!this.at(T.COLON)) {
        out.push(e);
        return;
      }
      if (this.bareWalrus(e, first)) this.fail('invalid syntax', e.from, e.to);
      out.push(e);
    }
    for (let parts = 0; parts < 2 && this.eat(T.COLON); parts++) {
      if (!this.at(T.COLON) && !this.at(T.COMMA) && !this.at(T.RSQB)) out.push(this.expression());
    }
  }

  /** `x := y` read from token `first` without parentheses around it. */
  protected bareWalrus(e: Expr, first: number): boolean {
    return e.kind === 'other' && e.what === 'NamedExpression' && this.tokens.kind[first] === T.NAME;
  }

  // ---- names ---------------------------------------------------------------------------------------------------

  /** The NAME token here, as a name read in the current scope. */
  protected name(): NameExpr {
    const from = this.startOf();
    const to = this.endOf();
    this.advance();
    const e: NameExpr = { kind: 'name', id: textOf(this.text, from, to), from, to };
    this.scopes.use(e);
    return e;
  }

  // ---- targets -------------------------------------------------------------------------------------------------

  /**
   * The part of an assignment target (or `del` / `for` / `with … as` target) Python refuses, if any: a starred
   * item for `del`; anything but a name, attribute, subscript, or a tuple / list of targets.
   */
  protected invalidTarget(e: Expr, del: boolean): Expr | undefined {
    switch (e.kind) {
      case 'name':
        return e.id === '__debug__' ? e : undefined;
      case 'attr':
      case 'subscript':
        return undefined;
      case 'tuple':
      case 'list':
        for (const x of e.elts) {
          const bad = this.invalidTarget(x, del);
          if (bad) return bad;
        }
        return undefined;
      case 'starred':
        return del ? e : this.invalidTarget(e.value, del);
      default:
        return e;
    }
  }

  /** Checks an assignment-like target; binds its names. `what` says which statement ("assign", "delete"). */
  protected checkTarget(e: Expr, how: 'assign' | 'delete'): void {
    const bad = this.invalidTarget(e, how === 'delete');
    if (bad) {
      if (bad.kind !== 'name') this.fail(`cannot ${how === 'delete' ? 'delete' : 'assign to'} ${this.exprName(bad)}`, bad.from, bad.to);
      this.compileError(`cannot ${how === 'delete' ? 'delete' : 'assign to'} __debug__`, bad.from, bad.to);
    }
    if (how === 'assign') this.checkStarredTarget(e);
    this.bindTarget(e);
  }

  /** The compiler's rules on `*` in targets: only inside a tuple or list, at most one per level. */
  protected checkStarredTarget(e: Expr): void {
    if (e.kind === 'starred') this.compileError('starred assignment target must be in a list or tuple', e.from, e.to);
    this.checkStarsIn(e);
  }

  private checkStarsIn(e: Expr): void {
    if (e.kind !== 'tuple' && e.kind !== 'list') return;
    let stars = 0;
    for (const x of e.elts) {
      if (x.kind === 'starred') {
        stars++;
        if (stars === 2) this.compileError('multiple starred expressions in assignment', e.from, e.to);
        this.checkStarsIn(x.value);
        if (x.value.kind === 'starred') this.fail('invalid syntax', x.from, x.to);
      } else this.checkStarsIn(x);
    }
  }

  /** Binds the names of a (valid) target in the current scope. */
  protected bindTarget(e: Expr): void {
    switch (e.kind) {
      case 'name':
        this.scopes.bind(e.id, e.from, e.to);
        return;
      case 'tuple':
      case 'list':
        for (const x of e.elts) this.bindTarget(x);
        return;
      case 'starred':
        this.bindTarget(e.value);
        return;
      default:
        return;
    }
  }

  /** A bare `*x` where only a value may be (`x = *a`, `return *a`): the compiler refuses it. */
  protected checkNoBareStar(e: Expr): void {
    if (e.kind === 'starred') this.compileError("can't use starred expression here", e.from, e.to);
  }

  /** Keyword argument names and other names Python refuses to bind. */
  protected checkBindable(name: string, from: number, to: number): void {
    if (name === '__debug__') this.compileError('cannot assign to __debug__', from, to);
  }
}
