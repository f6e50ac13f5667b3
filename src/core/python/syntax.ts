/**
 * The base of the Python parser: reading tokens (from the tokenizer in lexical.ts, on demand), recording syntax
 * errors in Python's words, and what the expression and statement parsers share (what each parsed unit collects
 * for the analysis, the scopes for the compiler's checks).
 *
 * A syntax error inside a statement unwinds to the statement level (ParseError), which records it and skips to the
 * end of the logical line; everything else in the file is still parsed.
 */
import { textOf } from './chars';
import type { AttrExpr, BinOpExpr, CallExpr, DictExpr, Expr, SyntaxErrorSpan } from './ast';
import { Tokenizer } from './lexical';
import { Scopes } from './symtable';
import { T, TOKEN_TEXT } from './tokens';

/** Unwinds a statement that does not parse (the error is already recorded). */
export class ParseError extends Error {}

const PARSE_ERROR = new ParseError('syntax error');

/** Expressions nested deeper than this (`[[[…]]]` thousands deep) are an error: no stack overflow. */
export const MAX_NESTING = 200;


export class TokenReader {
  protected tk = 0;
  /** Syntax errors (the tokenizer's and the parser's), in the order they were found: Python reports the first. */
  readonly errors: SyntaxErrorSpan[];
  /**
   * Errors of CPython's later stages (its symbol table and compiler: `return` outside a function, a `nonlocal`
   * with no binding…), which Python reports only when the file parses.
   */
  readonly compileErrors: SyntaxErrorSpan[] = [];
  /** What the analysis reads, collected while parsing (see LoweredUnit). */
  calls: CallExpr[] = [];
  products: BinOpExpr[] = [];
  dicts: DictExpr[] = [];
  warmAttrs: AttrExpr[] = [];
  doubleQuotes = 0;
  singleQuotes = 0;
  /** `from __future__ import …` statements (where they are), for the module's checks. */
  futures: { from: number; to: number }[] = [];
  /** A `global` statement at module level (its checks need the whole module: no reuse of earlier statements). */
  moduleGlobal = false;
  /**
   * Reads that the statements' trees do not hold (f-string fields, lambda parameters' defaults, an `except` clause's
   * type, the cases of a `match`) and that listed calls, products, dicts or attributes, counted: those are in no tree.
   */
  detached = 0;
  /** `from __future__ import barry_as_FLUFL` was seen: `<>` is the inequality, `!=` an error. */
  flufl = false;
  /** Parenthesized expressions: the span with their parentheses (what an expression around them starts or ends with). */
  private readonly parenSpans = new Map<Expr, [number, number]>();

  /** `read()`, which the trees will not hold: counted in `detached` when it listed nodes. */
  protected outsideTree<R>(read: () => R): R {
    const listed = this.calls.length + this.products.length + this.dicts.length + this.warmAttrs.length;
    const r = read();
    if (this.calls.length + this.products.length + this.dicts.length + this.warmAttrs.length > listed) this.detached++;
    return r;
  }

  protected parenthesized(e: Expr, from: number, to: number): void {
    this.parenSpans.set(e, [from, to]);
  }

  /** Where an operand starts, its parentheses included. */
  protected fromOf(e: Expr): number {
    const p = this.parenSpans.get(e);
    return p ? p[0] : e.from;
  }

  /** Where an operand ends, its parentheses included. */
  protected toOf(e: Expr): number {
    const p = this.parenSpans.get(e);
    return p ? p[1] : e.to;
  }

  /** The statement being read may give a tree deeper than the analysis walks (see depth.ts). */
  deep = false;

  /** Brackets open around the current token (for "Perhaps you forgot a comma?") and their nesting limit. */
  protected brackets = 0;
  /** The last look for a backslash: from where, and the first found (-1: none after it). See nextBackslash. */
  private slashFrom = -1;
  private slashAt = -1;
  readonly scopes: Scopes;

  /** `topLevelAwait`: `await`, `async for` and `async with` are allowed outside functions (a notebook's cells). */
  constructor(
    protected readonly text: string,
    readonly tokens: Tokenizer,
    topLevelAwait = false,
  ) {
    this.errors = tokens.errors;
    this.scopes = new Scopes({ report: (message, from, to) => this.compileError(message, from, to) }, topLevelAwait);
  }

  /** Kind of the token `i` ahead of the current one. */
  protected kind(i = 0): T {
    const j = this.tk + i;
    const toks = this.tokens;
    if (j >= toks.count) {
      toks.fill(j + 1);
      if (j >= toks.count) return T.EOF;
    }
    return toks.kind[j] as T;
  }

  protected at(k: T): boolean {
    return this.kind() === k;
  }

  protected startOf(i = 0): number {
    const j = this.tk + i;
    if (j >= this.tokens.count) {
      this.tokens.fill(j + 1);
      if (j >= this.tokens.count) return this.text.length;
    }
    return this.tokens.start[j];
  }

  protected endOf(i = 0): number {
    const j = this.tk + i;
    if (j >= this.tokens.count) {
      this.tokens.fill(j + 1);
      if (j >= this.tokens.count) return this.text.length;
    }
    return this.tokens.end[j];
  }

  /** End of the token before the current one. */
  protected prevEnd(): number {
    return this.tk > 0 ? this.tokens.end[this.tk - 1] : 0;
  }

  protected tokenText(i = 0): string {
    return textOf(this.text, this.startOf(i), this.endOf(i));
  }

  /** Whether the token `i` ahead is the NAME `word` (a soft keyword: `match`, `case`, `type`, `_`). */
  protected isName(word: string, i = 0): boolean {
    return this.kind(i) === T.NAME && this.endOf(i) - this.startOf(i) === word.length && this.text.startsWith(word, this.startOf(i));
  }

  protected advance(): number {
    return this.tk++;
  }

  protected eat(k: T): boolean {
    if (this.kind() !== k) return false;
    this.tk++;
    return true;
  }

  /** The current token, which must be `k`; else a syntax error (`message`, or what Python says by default). */
  protected expect(k: T, message?: string): number {
    if (this.kind() !== k) this.fail(message ?? this.unexpected());
    return this.tk++;
  }

  /**
   * The closing bracket `k`. At the end of a logical line inside brackets (only when the tokenizer found them
   * never closed, and said so) it is taken as there, so that the statement is still understood: false then.
   */
  protected close(k: T): boolean {
    if (this.eat(k)) return true;
    if (this.atLineEnd()) return false;
    return this.fail(this.unexpected());
  }

  protected atLineEnd(): boolean {
    const k = this.kind();
    return k === T.NEWLINE || k === T.EOF;
  }

  /** Python's words for the current token where it does not fit. */
  protected unexpected(): string {
    const k = this.kind();
    if (k === T.INDENT) return 'unexpected indent';
    if (k === T.EOF) return 'unexpected EOF while parsing';
    if (this.brackets > 0 && this.tk > 0 && endsExpression(this.tokens.kind[this.tk - 1] as T) && beginsExpression(k)) {
      // Two expressions side by side inside brackets (not a bad string prefix like `kf"…"`).
      if (!(this.tokens.kind[this.tk - 1] === T.NAME && (k === T.STRING || k === T.FSTRING_START) && this.startOf() === this.prevEnd())) {
        return 'invalid syntax. Perhaps you forgot a comma?';
      }
    }
    return 'invalid syntax';
  }

  /** Records a syntax error (by default at the current token) and unwinds the statement. */
  protected fail(message: string, from?: number, to?: number): never {
    this.report(message, from ?? this.startOf(), to ?? Math.max(this.endOf(), from ?? this.startOf()));
    throw PARSE_ERROR;
  }

  /** Records a syntax error without unwinding (the statement is still understood). */
  report(message: string, from: number, to: number): void {
    this.errors.push({ from, to: Math.max(from, to), message });
  }

  /** Records an error of the compiler's stage (see compileErrors). */
  compileError(message: string, from: number, to: number): void {
    this.compileErrors.push({ from, to: Math.max(from, to), message });
  }


  /** The name of an expression as Python's messages say it ("function call", "literal"…). */
  protected exprName(e: Expr): string {
    switch (e.kind) {
      case 'name':
        return 'name';
      case 'attr':
        return 'attribute';
      case 'subscript':
        return 'subscript';
      case 'call':
        return 'function call';
      case 'number':
        return 'literal';
      case 'string':
        return this.isFString(e) ? 'f-string expression' : 'literal';
      case 'const':
        return e.value === '...' ? 'ellipsis' : e.value;
      case 'list':
        return 'list';
      case 'tuple':
        return 'tuple';
      case 'set':
        return 'set display';
      case 'dict':
        return 'dict literal';
      case 'starred':
        return 'starred';
      case 'binop':
        return COMPARISON_OPS.has(e.op) ? 'comparison' : 'expression';
      case 'unary':
        return 'expression';
      case 'ifexp':
        return 'conditional expression';
      case 'lambda':
        return 'lambda';
      case 'other':
        return OTHER_NAMES[e.what] ?? 'expression';
    }
  }

  /** Whether a string expression is (or begins with) an f-string. */
  protected isFString(e: Expr): boolean {
    if (e.kind !== 'string') return false;
    for (let i = e.from; i < e.to; i++) {
      const c = this.text.charCodeAt(i) | 32;
      if (c === 102) return true;
      if (c !== 114 && c !== 98 && c !== 117) return false;
    }
    return false;
  }

  /** A token kind as a message shows it. */
  protected describe(k: T): string {
    return TOKEN_TEXT[k] ?? 'token';
  }

  /** 1-based line of an offset (messages only). */
  protected lineOf(offset: number): number {
    return this.tokens.lineAt(offset);
  }

  /** Checks a string literal token's text: escapes and bytes as Python's compiler does. True for bytes. */
  protected checkStringToken(from: number, to: number): boolean {
    const t = this.text;
    let i = from;
    let raw = false;
    let bytes = false;
    for (;;) {
      const c = t.charCodeAt(i) | 32;
      if (c === 114) raw = true;
      else if (c === 98) bytes = true;
      else if (c !== 117) break;
      i++;
    }
    const q = t.charCodeAt(i);
    const size = t.charCodeAt(i + 1) === q && t.charCodeAt(i + 2) === q && to - i >= 6 ? 3 : 1;
    const bodyFrom = i + size;
    const bodyTo = Math.max(bodyFrom, to - size);
    if (bytes) {
      for (let j = bodyFrom; j < bodyTo; j++) {
        if (t.charCodeAt(j) >= 128) {
          this.report('bytes can only contain ASCII literal characters', from, to);
          return true;
        }
      }
    }
    if (!raw) this.checkEscapes(bodyFrom, bodyTo, bytes, from, to);
    return bytes;
  }

  /**
   * The first backslash of the text at or after `from`, -1 when there is none. The strings of a file are checked in
   * order, and most hold none: the last look is remembered, so that the text between two backslashes is read once,
   * not once for every string in it.
   */
  private nextBackslash(from: number): number {
    if (this.slashFrom >= 0 && from >= this.slashFrom && (this.slashAt < 0 || from <= this.slashAt)) return this.slashAt;
    this.slashFrom = from;
    this.slashAt = this.text.indexOf('\\', from);
    return this.slashAt;
  }

  /** Escapes in literal text (of a string or of an f-string's literal part) that Python refuses. */
  protected checkEscapes(bodyFrom: number, bodyTo: number, bytes: boolean, from: number, to: number): void {
    const t = this.text;
    let j = this.nextBackslash(bodyFrom);
    while (j >= 0 && j < bodyTo) {
      const e = t.charCodeAt(j + 1);
      const pos = j - bodyFrom;
      const need = e === 120 ? 2 : !bytes && e === 117 ? 4 : !bytes && e === 85 ? 8 : 0;
      if (need) {
        let k = 0;
        while (k < need && j + 2 + k < bodyTo && isHex(t.charCodeAt(j + 2 + k))) k++;
        if (k < need) {
          if (bytes) this.report(`(value error) invalid \\x escape at position ${pos}`, from, to);
          else {
            const what = e === 120 ? '\\xXX' : e === 117 ? '\\uXXXX' : '\\UXXXXXXXX';
            this.report(`(unicode error) 'unicodeescape' codec can't decode bytes in position ${pos}-${pos + 1 + k}: truncated ${what} escape`, from, to);
          }
          return;
        }
        if (e === 85 && parseInt(t.slice(j + 2, j + 10), 16) > 0x10ffff) {
          this.report(`(unicode error) 'unicodeescape' codec can't decode bytes in position ${pos}-${pos + 9}: illegal Unicode character`, from, to);
          return;
        }
        j = this.nextBackslash(j + 2 + need);
        continue;
      }
      if (!bytes && e === 78 /* N */) {
        let k = j + 2;
        let ok = t.charCodeAt(k) === 123;
        if (ok) {
          k++;
          const nameFrom = k;
          while (k < bodyTo && t.charCodeAt(k) !== 125) k++;
          ok = k < bodyTo && k > nameFrom && /^[A-Za-z0-9 -]+$/.test(t.slice(nameFrom, k));
        }
        if (!ok) {
          this.report(`(unicode error) 'unicodeescape' codec can't decode bytes in position ${pos}-${pos + 1}: malformed \\N character escape`, from, to);
          return;
        }
        j = this.nextBackslash(k + 1);
        continue;
      }
      j = this.nextBackslash(j + 2);
    }
  }
}

function endsExpression(k: T): boolean {
  return (
    k === T.NAME || k === T.NUMBER || k === T.STRING || k === T.FSTRING_END || k === T.RPAR || k === T.RSQB || k === T.RBRACE || k === T.None || k === T.True || k === T.False || k === T.ELLIPSIS
  );
}

function beginsExpression(k: T): boolean {
  return (
    k === T.NAME || k === T.NUMBER || k === T.STRING || k === T.FSTRING_START || k === T.LPAR || k === T.LSQB || k === T.LBRACE || k === T.None || k === T.True || k === T.False || k === T.ELLIPSIS || k === T.TILDE || k === T.Lambda || k === T.Not || k === T.Await
  );
}

const COMPARISON_OPS = new Set(['<', '>', '==', '>=', '<=', '!=', '<>', 'in', 'not in', 'is', 'is not']);

const OTHER_NAMES: Record<string, string> = {
  AwaitExpression: 'await expression',
  YieldExpression: 'yield expression',
  NamedExpression: 'named expression',
  ComprehensionExpression: 'generator expression',
  ArrayComprehensionExpression: 'list comprehension',
  SetComprehensionExpression: 'set comprehension',
  DictionaryComprehensionExpression: 'dict comprehension',
  SliceExpression: 'slice',
};

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);
}
