/**
 * What calls and definitions share: parameter lists (of `def` and `lambda`, with CPython's rules on `/`, `*`,
 * `**` and defaults), call arguments (positional before keyword, one generator only when alone…), lambdas,
 * `yield`, and type parameter lists (`def f[T]`, `class C[T]`, `type X[T] = …`).
 */
import { textOf } from './chars';
import type { Arg, CallExpr, Expr, OtherExpr, Param } from './ast';
import { AtomParser } from './atoms';
import { startsExpression } from './expressions';
import { T } from './tokens';

export abstract class CallableParser extends AtomParser {
  /**
   * A parameter list up to `close` (`)` for `def`, `:` for `lambda`), read in the enclosing scope (defaults and
   * annotations are evaluated there). The names are bound by `bindParams` once the function's scope is entered.
   */
  protected parameters(close: T, annotations: boolean): Param[] {
    const out: Param[] = [];
    let slash = false;
    let star = false;
    let bareStarAt = -1;
    let kwargs = false;
    let defaults = false;
    let afterStar = 0;
    while (!this.at(close)) {
      const k = this.kind();
      if (k === T.SLASH) {
        if (!out.length) this.fail('at least one parameter must precede /');
        if (slash) this.fail('/ may appear only once');
        if (star) this.fail('/ must be ahead of *');
        if (kwargs) this.fail('parameters cannot follow var-keyword parameter');
        slash = true;
        this.advance();
      } else if (k === T.STAR) {
        if (kwargs) this.fail('parameters cannot follow var-keyword parameter');
        if (star) this.fail('* may appear only once');
        star = true;
        const at = this.startOf();
        this.advance();
        if (this.at(T.NAME)) {
          const p = this.param(annotations, true);
          p.star = '*';
          if (this.at(T.EQUAL)) this.fail('var-positional parameter cannot have default value');
          out.push(p);
        } else {
          bareStarAt = at;
          if (this.at(close) || (this.at(T.COMMA) && (this.kind(1) === close || this.kind(1) === T.DOUBLESTAR))) this.fail('named parameters must follow bare *', at, at + 1);
        }
      } else if (k === T.DOUBLESTAR) {
        if (kwargs) this.fail('parameters cannot follow var-keyword parameter');
        this.advance();
        if (!this.at(T.NAME)) this.fail(this.unexpected());
        const p = this.param(annotations, false);
        p.star = '**';
        if (this.at(T.EQUAL)) this.fail('var-keyword parameter cannot have default value');
        out.push(p);
        kwargs = true;
      } else if (k === T.NAME) {
        if (kwargs) this.fail('parameters cannot follow var-keyword parameter');
        const p = this.param(annotations, false);
        if (this.eat(T.EQUAL)) {
          if (this.at(T.COMMA) || this.at(close)) this.fail('expected default value expression', this.prevEnd() - 1, this.prevEnd());
          p.default = this.expression();
          p.to = p.default.to;
          if (!star) defaults = true;
        } else if (defaults && !star) this.fail('parameter without a default follows parameter with a default', p.from, p.to);
        if (star) afterStar++;
        out.push(p);
      } else if (k === T.LPAR && annotations) {
        this.fail('Function parameters cannot be parenthesized');
      } else this.fail(this.unexpected());
      if (!this.eat(T.COMMA)) break;
    }
    if (bareStarAt >= 0 && !afterStar) this.fail('named parameters must follow bare *', bareStarAt, bareStarAt + 1);
    const seen = new Set<string>();
    for (const p of out) {
      if (seen.has(p.name)) this.compileError(`duplicate argument '${p.name}' in function definition`, p.from, p.to);
      seen.add(p.name);
      if (p.name === '__debug__') this.compileError('cannot assign to __debug__', p.from, p.to);
    }
    return out;
  }

  private param(annotations: boolean, starred: boolean): Param {
    const from = this.startOf();
    const to = this.endOf();
    const p: Param = { name: textOf(this.text, from, to), from, to };
    this.advance();
    if (annotations && this.eat(T.COLON)) p.annotation = starred ? this.starExpression() : this.expression();
    return p;
  }

  /** Binds parameters in the (just entered) function scope. */
  protected bindParams(params: Param[]): void {
    for (const p of params) this.scopes.bind(p.name, p.from, p.to, 'param');
  }

  protected lambda(): Expr {
    const from = this.startOf();
    this.advance();
    const params = this.outsideTree(() => this.parameters(T.COLON, false));
    this.expect(T.COLON);
    if (this.fields && (this.at(T.FSTRING_MIDDLE) || this.at(T.RBRACE))) this.fail('f-string: lambda expressions are not allowed without parentheses', from, this.prevEnd());
    this.scopes.enter('lambda');
    this.bindParams(params);
    const body = this.expression();
    this.scopes.exit();
    return { kind: 'lambda', params: params.map((p) => (p.star ? { name: p.name, star: p.star } : { name: p.name })), body, from, to: this.toOf(body) };
  }

  /** `yield`, `yield a, b`, `yield from x`: an expression whose children are the yielded values. */
  protected yieldExpression(): Expr {
    const from = this.startOf();
    this.advance();
    const children: Expr[] = [];
    const isFrom = this.eat(T.From);
    if (isFrom) children.push(this.expression());
    else if (startsExpression(this.kind()) || this.at(T.STAR)) {
      const value = this.starExpressions();
      this.checkNoBareStar(value);
      if (value.kind === 'tuple' && value.elts.length && value.from === this.fromOf(value.elts[0])) children.push(...value.elts);
      else children.push(value);
    }
    const to = this.prevEnd();
    this.scopes.yieldAt(from, to, isFrom);
    const e: OtherExpr = { kind: 'other', what: 'YieldExpression', children, from, to };
    return e;
  }

  /** The arguments of a call, after its `(`. */
  protected callArguments(func: Expr, open: number): CallExpr {
    const { args, commas, closeParen, complete } = this.argumentList(open);
    const call: CallExpr = { kind: 'call', func, args, commas, complete, openParen: open, closeParen, from: this.fromOf(func), to: closeParen };
    this.calls.push(call);
    return call;
  }

  /** Arguments after `(` (of a call, or a class's bases), up to and including `)`. */
  protected argumentList(open: number): { args: Arg[]; commas: number[]; closeParen: number; complete: boolean } {
    const args: Arg[] = [];
    const commas: number[] = [];
    let keyword = false;
    let doubleStar = false;
    const names = new Set<string>();
    this.brackets++;
    while (!this.at(T.RPAR) && !this.atLineEnd()) {
      const k = this.kind();
      const from = this.startOf();
      if (k === T.STAR) {
        this.advance();
        if (doubleStar) this.fail('iterable argument unpacking follows keyword argument unpacking', from, from + 1);
        const value = this.expression();
        if (this.at(T.EQUAL)) this.fail('cannot assign to iterable argument unpacking', from, value.to);
        args.push({ star: '*', value, from, to: value.to });
      } else if (k === T.DOUBLESTAR) {
        this.advance();
        const value = this.expression();
        if (this.at(T.EQUAL)) this.fail('cannot assign to keyword argument unpacking', from, value.to);
        args.push({ star: '**', value, from, to: value.to });
        doubleStar = true;
      } else if (k === T.NAME && this.kind(1) === T.EQUAL) {
        const name = this.tokenText();
        this.tk += 2;
        if (this.at(T.COMMA) || this.at(T.RPAR)) this.fail('expected argument value expression', from, this.prevEnd());
        const value = this.expression();
        if (this.at(T.For) || this.at(T.Async)) this.fail("invalid syntax. Maybe you meant '==' or ':=' instead of '='?", from, value.to);
        if (names.has(name)) this.compileError(`keyword argument repeated: ${name}`, from, from + name.length);
        names.add(name);
        this.checkBindable(name, from, from + name.length);
        args.push({ name, nameFrom: from, value, from, to: value.to });
        keyword = true;
      } else if ((k === T.True || k === T.False || k === T.None) && this.kind(1) === T.EQUAL) {
        this.fail(`cannot assign to ${this.tokenText()}`);
      } else {
        const mark = this.scopes.mark();
        const value = this.namedExpression();
        if (this.at(T.For) || this.at(T.Async)) {
          // `f(x for x in y)`: a generator may go without its own parentheses only as the only argument.
          if (args.length) this.fail('Generator expression must be parenthesized', value.from, this.endOf());
          const gen = this.comprehension('generator expression', 'ComprehensionExpression', open + 1, [value], mark, T.RPAR, true);
          this.tk--; // the `)`, read again below
          gen.to = this.startOf();
          args.push({ value: gen, from: open + 1, to: gen.to });
          break;
        }
        if (this.at(T.EQUAL)) this.fail('expression cannot contain assignment, perhaps you meant "=="?', value.from, this.endOf());
        if (doubleStar) this.fail('positional argument follows keyword argument unpacking', value.from, value.to);
        if (keyword) this.fail('positional argument follows keyword argument', value.from, value.to);
        args.push({ value, from: value.from, to: value.to });
      }
      if (!this.at(T.COMMA)) break;
      commas.push(this.startOf());
      this.advance();
    }
    const complete = this.close(T.RPAR);
    this.brackets--;
    return { args, commas, closeParen: this.prevEnd(), complete };
  }

  /** `[T, *Ts, **P]` after a definition's name (3.12), with bounds and defaults (3.13). */
  protected typeParams(): void {
    this.advance();
    if (this.at(T.RSQB)) this.fail('Type parameter list cannot be empty');
    const seen = new Set<string>();
    while (!this.at(T.RSQB)) {
      const star = this.at(T.STAR) || this.at(T.DOUBLESTAR) ? this.kind() : undefined;
      if (star !== undefined) this.advance();
      if (!this.at(T.NAME)) this.fail(this.unexpected());
      const from = this.startOf();
      const name = this.tokenText();
      this.advance();
      if (seen.has(name)) this.compileError(`duplicate type parameter '${name}'`, from, from + name.length);
      seen.add(name);
      if (this.eat(T.COLON)) {
        const bound = this.expression();
        if (star !== undefined) {
          const what = star === T.STAR ? 'TypeVarTuple' : 'ParamSpec';
          this.fail(bound.kind === 'tuple' ? `cannot use constraints with ${what}` : `cannot use bound with ${what}`, bound.from, bound.to);
        }
      }
      if (this.eat(T.EQUAL)) {
        if (star === T.STAR) this.starExpression();
        else this.expression();
      }
      if (!this.eat(T.COMMA)) break;
    }
    this.expect(T.RSQB);
  }
}
