/**
 * Python atoms: names, numbers, strings and f-strings (implicit concatenation included), `( )` `[ ]` `{ }` displays
 * and their comprehensions, with CPython's messages for what it refuses in them.
 */
import { textOf } from './chars';
import type { DictExpr, Expr, OtherExpr, StringExpr } from './ast';
import { ExpressionParser, startsExpression } from './expressions';
import type { ComprehensionKind, ElementMark } from './symtable';
import { MAX_NESTING } from './syntax';
import { T } from './tokens';

export abstract class AtomParser extends ExpressionParser {
  /** Replacement fields of f-strings being read (lambdas there need parentheses). */
  protected fields = 0;

  protected atom(): Expr {
    const from = this.startOf();
    switch (this.kind()) {
      case T.NAME:
        return this.name();
      case T.NUMBER: {
        const to = this.endOf();
        this.advance();
        const raw = textOf(this.text, from, to);
        return { kind: 'number', raw, value: parseNumber(raw), from, to };
      }
      case T.STRING:
      case T.FSTRING_START:
        return this.strings();
      case T.LPAR:
        return this.nested(() => this.paren());
      case T.LSQB:
        return this.nested(() => this.list());
      case T.LBRACE:
        return this.nested(() => this.brace());
      case T.None:
        this.advance();
        return { kind: 'const', value: 'None', from, to: this.prevEnd() };
      case T.True:
        this.advance();
        return { kind: 'const', value: 'True', from, to: this.prevEnd() };
      case T.False:
        this.advance();
        return { kind: 'const', value: 'False', from, to: this.prevEnd() };
      case T.ELLIPSIS:
        this.advance();
        return { kind: 'const', value: '...', from, to: this.prevEnd() };
      default:
        return this.fail(this.unexpected());
    }
  }

  /** A bracketed construct, with the nesting limit (CPython's tokenizer allows 200 open brackets). */
  private nested(parse: () => Expr): Expr {
    if (this.brackets >= MAX_NESTING) this.fail('too many nested parentheses');
    if (this.brackets > 50) this.deep = true;
    this.brackets++;
    const e = parse();
    this.brackets--;
    return e;
  }

  // ---- strings ---------------------------------------------------------------------------------------------

  /** One or more adjacent string literals (f-strings among them), concatenated. */
  private strings(): Expr {
    const parts: StringExpr[] = [];
    let bytes = 0;
    let text = 0;
    while (this.at(T.STRING) || this.at(T.FSTRING_START)) {
      const s = this.at(T.STRING) ? this.stringLiteral() : this.fstring();
      if (s.bytes) bytes++;
      else text++;
      parts.push(s.expr);
    }
    if (bytes && text) this.report('cannot mix bytes and nonbytes literals', parts[0].from, parts[parts.length - 1].to);
    if (parts.length === 1) return parts[0];
    let value: string | undefined = '';
    for (const p of parts) value = value === undefined || p.value === undefined ? undefined : value + p.value;
    return { kind: 'string', value, quote: parts[0].quote, from: parts[0].from, to: parts[parts.length - 1].to };
  }

  private stringLiteral(): { expr: StringExpr; bytes: boolean } {
    const from = this.startOf();
    const to = this.endOf();
    this.advance();
    const bytes = this.checkStringToken(from, to);
    const raw = textOf(this.text, from, to);
    let i = 0;
    while (i < raw.length && raw[i] !== '"' && raw[i] !== "'") i++;
    const prefix = raw.slice(0, i).toLowerCase();
    const q = raw[i] ?? '"';
    const quote = raw.startsWith(q + q + q, i) && raw.length - i >= 6 ? q + q + q : q;
    if (q === '"') this.doubleQuotes++;
    else this.singleQuotes++;
    const closed = raw.length >= i + quote.length * 2 && raw.endsWith(quote);
    const body = closed ? raw.slice(i + quote.length, raw.length - quote.length) : raw.slice(i + quote.length);
    return { expr: { kind: 'string', value: body.includes('\\') && !prefix.includes('r') ? undefined : body, quote, from, to }, bytes };
  }

  /** An f-string: literal parts (escapes checked) and replacement fields (their calls are seen by the analysis). */
  private fstring(): { expr: StringExpr; bytes: boolean } {
    const from = this.startOf();
    const startText = this.tokenText();
    const raw = /r/i.test(startText);
    const q = startText.includes('"') ? '"' : "'";
    const quote = startText.endsWith(q + q + q) ? q + q + q : q;
    if (q === '"') this.doubleQuotes++;
    else this.singleQuotes++;
    this.advance();
    for (;;) {
      const k = this.kind();
      if (k === T.FSTRING_MIDDLE) {
        if (!raw) this.checkEscapes(this.startOf(), this.endOf(), false, this.startOf(), this.endOf());
        this.advance();
      } else if (k === T.LBRACE) this.field();
      else if (k === T.FSTRING_END) {
        this.advance();
        break;
      } else this.fail(this.unexpected());
    }
    return { expr: { kind: 'string', value: undefined, quote, from, to: this.prevEnd() }, bytes: false };
  }

  /** `{expression[=][!conversion][:spec]}` in an f-string. */
  private field(): void {
    this.advance();
    if (this.brackets >= MAX_NESTING) this.fail('too many nested parentheses');
    this.brackets++;
    this.fields++;
    const k = this.kind();
    if (k === T.EQUAL || k === T.EXCLAMATION || k === T.COLON || k === T.RBRACE) {
      this.fail(`f-string: valid expression required before '${this.tokenText()}'`);
    }
    if (!startsExpression(k) && k !== T.Yield && k !== T.STAR) this.fail("f-string: expecting a valid expression after '{'");
    const value = this.outsideTree(() => (this.at(T.Yield) ? this.yieldExpression() : this.starExpressions()));
    this.checkNoBareStar(value);
    this.eat(T.EQUAL);
    if (this.at(T.EXCLAMATION)) {
      this.advance();
      if (!this.at(T.NAME)) this.fail(this.at(T.COLON) || this.at(T.RBRACE) ? 'f-string: missing conversion character' : 'f-string: invalid conversion character');
      if (this.startOf() !== this.prevEnd()) this.fail('f-string: conversion type must come right after the exclamanation mark');
      const c = this.tokenText();
      if (c !== 's' && c !== 'r' && c !== 'a') this.fail(`f-string: invalid conversion character '${c}': expected 's', 'r', or 'a'`);
      this.advance();
    }
    if (this.eat(T.COLON)) {
      for (;;) {
        if (this.at(T.FSTRING_MIDDLE)) this.advance();
        else if (this.at(T.LBRACE)) this.field();
        else break;
      }
    }
    if (!this.at(T.RBRACE)) this.fail("f-string: expecting '}'");
    this.advance();
    this.fields--;
    this.brackets--;
  }

  // ---- displays ----------------------------------------------------------------------------------------------

  /** `( … )`: the empty tuple, a parenthesized expression or yield, a tuple, or a generator expression. */
  private paren(): Expr {
    const from = this.startOf();
    this.advance();
    if (this.eat(T.RPAR)) return { kind: 'tuple', elts: [], from, to: this.prevEnd() };
    if (this.at(T.Yield)) {
      const y = this.yieldExpression();
      this.close(T.RPAR);
      this.parenthesized(y, from, this.prevEnd());
      return y;
    }
    if (this.at(T.DOUBLESTAR)) this.fail('cannot use double starred expression here');
    const mark = this.scopes.mark();
    const first = this.starNamedExpression();
    if (this.at(T.For) || this.at(T.Async)) {
      if (first.kind === 'starred') this.fail('iterable unpacking cannot be used in comprehension', first.from, first.to);
      return this.comprehension('generator expression', 'ComprehensionExpression', from, [first], mark, T.RPAR);
    }
    if (!this.at(T.COMMA)) {
      this.close(T.RPAR);
      if (first.kind === 'starred') this.fail('cannot use starred expression here', first.from, first.to);
      this.parenthesized(first, from, this.prevEnd());
      return first;
    }
    const elts = [first];
    while (this.eat(T.COMMA) && !this.at(T.RPAR) && !this.atLineEnd()) elts.push(this.starNamedExpression());
    this.close(T.RPAR);
    return { kind: 'tuple', elts, from, to: this.prevEnd() };
  }

  /** `[ … ]`: a list or a list comprehension. */
  private list(): Expr {
    const from = this.startOf();
    this.advance();
    if (this.eat(T.RSQB)) return { kind: 'list', elts: [], from, to: this.prevEnd() };
    if (this.at(T.DOUBLESTAR)) this.fail('cannot use dict unpacking here');
    const mark = this.scopes.mark();
    const first = this.starNamedExpression();
    if (this.at(T.For) || this.at(T.Async)) {
      if (first.kind === 'starred') this.fail('iterable unpacking cannot be used in comprehension', first.from, first.to);
      return this.comprehension('list comprehension', 'ArrayComprehensionExpression', from, [first], mark, T.RSQB);
    }
    const elts = [first];
    while (this.eat(T.COMMA) && !this.at(T.RSQB) && !this.atLineEnd()) {
      if (this.at(T.DOUBLESTAR)) this.fail('cannot use dict unpacking here');
      elts.push(this.starNamedExpression());
    }
    this.close(T.RSQB);
    return { kind: 'list', elts, from, to: this.prevEnd() };
  }

  /** `{ … }`: a dict, a set, or their comprehensions. */
  private brace(): Expr {
    const from = this.startOf();
    this.advance();
    if (this.eat(T.RBRACE)) return this.dictOf([], from);
    const mark = this.scopes.mark();
    const firstToken = this.tk;
    if (this.at(T.DOUBLESTAR)) {
      this.advance();
      const value = this.bitwiseOr();
      if (this.at(T.For) || this.at(T.Async)) this.fail('dict unpacking cannot be used in dict comprehension', from, value.to);
      return this.dictRest([{ key: undefined, value }], from);
    }
    const first = this.starNamedExpression();
    if (this.at(T.COLON)) {
      if (first.kind === 'starred') this.fail('cannot use a starred expression in a dictionary key', first.from, first.to);
      if (this.bareWalrus(first, firstToken)) this.fail('invalid syntax', first.from, first.to);
      this.advance();
      const value = this.dictValue();
      if (this.at(T.For) || this.at(T.Async)) {
        return this.comprehension('dict comprehension', 'DictionaryComprehensionExpression', from, [first, value], mark, T.RBRACE);
      }
      return this.dictRest([{ key: first, value }], from);
    }
    if (this.at(T.For) || this.at(T.Async)) {
      if (first.kind === 'starred') this.fail('iterable unpacking cannot be used in comprehension', first.from, first.to);
      return this.comprehension('set comprehension', 'SetComprehensionExpression', from, [first], mark, T.RBRACE);
    }
    const elts = [first];
    while (this.eat(T.COMMA) && !this.at(T.RBRACE) && !this.atLineEnd()) elts.push(this.starNamedExpression());
    this.close(T.RBRACE);
    return { kind: 'set', elts, from, to: this.prevEnd() };
  }

  private dictValue(): Expr {
    if (this.at(T.RBRACE) || this.at(T.COMMA)) this.fail("expression expected after dictionary key and ':'");
    if (this.at(T.STAR)) this.fail('cannot use a starred expression in a dictionary value');
    if (this.at(T.DOUBLESTAR)) this.fail('cannot use dict unpacking in a dictionary value');
    return this.expression();
  }

  private dictRest(items: DictExpr['items'], from: number): Expr {
    while (this.eat(T.COMMA) && !this.at(T.RBRACE) && !this.atLineEnd()) {
      if (this.eat(T.DOUBLESTAR)) {
        items.push({ key: undefined, value: this.bitwiseOr() });
        continue;
      }
      if (this.at(T.STAR)) this.fail('cannot use a starred expression in a dictionary key');
      const key = this.expression();
      if (!this.at(T.COLON)) this.fail("':' expected after dictionary key", key.to - 1, key.to);
      this.advance();
      items.push({ key, value: this.dictValue() });
    }
    this.close(T.RBRACE);
    return this.dictOf(items, from);
  }

  private dictOf(items: DictExpr['items'], from: number): Expr {
    const d: DictExpr = { kind: 'dict', items, from, to: this.prevEnd() };
    this.dicts.push(d);
    return d;
  }

  /**
   * The `for … in … if …` clauses of a comprehension whose element (`parts`) was just read, up to `close`. The
   * first iterable is evaluated in the enclosing scope; the rest is the comprehension's own.
   */
  protected comprehension(kind: ComprehensionKind, what: string, from: number, parts: Expr[], mark: ElementMark, close: T, inCall = false): OtherExpr {
    const elementEnd = this.startOf();
    const children = [...parts];
    const scope = this.scopes.enterComprehension(kind, mark);
    const iterables: [number, number][] = [];
    const vars: { name: string; pos: number }[] = [];
    let first = true;
    while (this.at(T.For) || this.at(T.Async)) {
      if (this.eat(T.Async)) scope.coroutine = true;
      this.expect(T.For);
      const targets = this.targetList();
      if (!this.at(T.In)) this.fail("'in' expected after for-loop variables");
      this.advance();
      const target: Expr = targets.length === 1 ? targets[0] : { kind: 'tuple', elts: targets, from: targets[0].from, to: targets[targets.length - 1].to };
      this.checkTarget(target, 'assign');
      this.collectNames(target, vars);
      children.push(...targets);
      const iterFrom = this.startOf();
      if (first) this.scopes.current = scope.parent!;
      const iter = this.disjunction();
      if (first) this.scopes.current = scope;
      first = false;
      iterables.push([iterFrom, iter.to]);
      children.push(iter);
      while (this.eat(T.If)) children.push(this.disjunction());
    }
    if (this.at(T.COMMA) && inCall) this.fail('Generator expression must be parenthesized', from, this.startOf());
    if (!this.at(close)) this.fail(this.unexpected());
    this.advance();
    const to = this.prevEnd();
    this.scopes.endComprehension({ from, to, elementEnd, iterables, vars });
    return { kind: 'other', what, children, from, to };
  }

  /** Targets of `for` (in statements and comprehensions): comma-separated, `*` allowed, before `in`. */
  protected targetList(): Expr[] {
    const out: Expr[] = [];
    do {
      if (!startsExpression(this.kind()) && !this.at(T.STAR)) break;
      if (this.at(T.STAR)) {
        const from = this.startOf();
        this.advance();
        const value = this.bitwiseOr();
        out.push({ kind: 'starred', double: false, value, from, to: value.to });
      } else out.push(this.bitwiseOr());
    } while (this.eat(T.COMMA));
    if (!out.length) this.fail(this.unexpected());
    return out;
  }

  private collectNames(e: Expr, out: { name: string; pos: number }[]): void {
    if (e.kind === 'name') out.push({ name: e.id, pos: e.from });
    else if (e.kind === 'tuple' || e.kind === 'list') for (const x of e.elts) this.collectNames(x, out);
    else if (e.kind === 'starred') this.collectNames(e.value, out);
  }
}

/** The value of a plain int or float literal; NaN for complex and anything else. */
export function parseNumber(raw: string): number {
  let s = '';
  for (const ch of raw) if (ch !== '_') s += ch;
  const lower = s.toLowerCase();
  if (lower.endsWith('j') || lower.endsWith('l')) return NaN;
  return Number(s);
}
