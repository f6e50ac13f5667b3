/**
 * Operators and delimiters as CPython's tokenizer reads them, for the Tokenizer (lexical.ts): the longest operator at
 * an offset (not `.` and `...`, read with numbers), and the brackets open, with CPython's messages for those that do
 * not pair up ("unmatched ')'", "closing parenthesis ']' does not match opening parenthesis '(' on line 3", "'(' was
 * never closed").
 */
import type { FString, LexerCursor } from './strings';
import { T } from './tokens';

/** Brackets nested deeper than this are an error in CPython (MAXLEVEL). */
const MAX_BRACKETS = 200;

/**
 * Reads operators and delimiters for a tokenizer, and keeps the brackets open where it is, innermost last, with
 * their errors.
 */
export class OperatorScanner {
  /** Each open bracket's character, offset and 1-based line. */
  private readonly chars: number[] = [];
  private readonly offsets: number[] = [];
  private readonly lines: number[] = [];

  constructor(private readonly lexer: LexerCursor) {}

  /** How many brackets are open. */
  get openBrackets(): number {
    return this.chars.length;
  }

  /** The offset of the innermost open bracket (-1: none). */
  get innermost(): number {
    return this.offsets.length ? this.offsets[this.offsets.length - 1] : -1;
  }

  /**
   * The operator or delimiter at `start`, whose first character is `c`, read inside the f-string `mode` if any: its
   * token, with the bracket it opens or closes. False when `c` starts none (nothing is read).
   */
  scan(start: number, c: number, mode: FString | undefined): boolean {
    const lx = this.lexer;
    // Inside a replacement field, a `:` at its own bracket level starts the format spec.
    if (mode && c === 58 && mode.atFieldLevel()) {
      lx.pos = start + 1;
      mode.startSpec();
      lx.push(T.COLON, start, lx.pos);
      return true;
    }
    // The longest operator: `**=`, then `**`, then `*`.
    const t = lx.text;
    const d = t.charCodeAt(start + 1);
    const two = twoCharOperator(c, d);
    if (two !== undefined) {
      const three = t.charCodeAt(start + 2) === 61 ? threeCharOperator(c, d) : undefined;
      lx.pos = start + (three !== undefined ? 3 : 2);
      lx.push(three ?? two, start, lx.pos);
      return true;
    }
    const kind = oneCharOperator(c);
    if (kind === undefined) return false;
    lx.pos = start + 1;
    if (kind === T.LPAR || kind === T.LSQB || kind === T.LBRACE) {
      lx.push(kind, start, lx.pos);
      if (this.chars.length >= MAX_BRACKETS) this.error(start, 'too many nested parentheses');
      this.chars.push(c);
      this.offsets.push(start);
      this.lines.push(lx.line);
      if (mode) mode.depth++;
      return true;
    }
    if (kind === T.RPAR || kind === T.RSQB || kind === T.RBRACE) {
      if (mode && mode.depth === 0 && c === 125) {
        this.error(start, "f-string: single '}' is not allowed");
        mode.regular = false;
        return true;
      }
      if (!this.close(c, start, lx.line, mode !== undefined && mode.atFieldLevel())) return true;
      if (mode) mode.closeBracket(c === 125);
    }
    lx.push(kind, start, lx.pos);
    return true;
  }

  /**
   * `c` (`)`, `]` or `}`) at `at`, on `line`, closes the innermost bracket, whatever its kind (a mismatch is
   * reported); false when none is open (reported too). `field`: the innermost is the `{` of an f-string's
   * replacement field.
   */
  private close(c: number, at: number, line: number, field: boolean): boolean {
    const i = this.chars.length - 1;
    if (i < 0) {
      this.error(at, `unmatched '${String.fromCharCode(c)}'`);
      return false;
    }
    const opening = this.chars[i];
    if ((opening === 40 && c !== 41) || (opening === 91 && c !== 93) || (opening === 123 && c !== 125)) {
      const o = String.fromCharCode(opening);
      const k = String.fromCharCode(c);
      if (field && opening === 123) this.error(at, `f-string: unmatched '${k}'`);
      else if (this.lines[i] !== line) this.error(at, `closing parenthesis '${k}' does not match opening parenthesis '${o}' on line ${this.lines[i]}`);
      else this.error(at, `closing parenthesis '${k}' does not match opening parenthesis '${o}'`);
    }
    this.chars.pop();
    this.offsets.pop();
    this.lines.pop();
    return true;
  }

  /** The open brackets are given up (CPython stops at them): the innermost is reported as never closed. */
  neverClosed(): void {
    const i = this.chars.length - 1;
    if (i >= 0) this.error(this.offsets[i], `'${String.fromCharCode(this.chars[i])}' was never closed`);
    this.clear();
  }

  /** The open brackets are given up, without a word. */
  clear(): void {
    this.chars.length = this.offsets.length = this.lines.length = 0;
  }

  private error(at: number, message: string): void {
    this.lexer.error(at, at + 1, message);
  }
}

function oneCharOperator(c: number): T | undefined {
  switch (c) {
    case 40:
      return T.LPAR;
    case 41:
      return T.RPAR;
    case 91:
      return T.LSQB;
    case 93:
      return T.RSQB;
    case 123:
      return T.LBRACE;
    case 125:
      return T.RBRACE;
    case 58:
      return T.COLON;
    case 44:
      return T.COMMA;
    case 59:
      return T.SEMI;
    case 43:
      return T.PLUS;
    case 45:
      return T.MINUS;
    case 42:
      return T.STAR;
    case 47:
      return T.SLASH;
    case 124:
      return T.VBAR;
    case 38:
      return T.AMPER;
    case 60:
      return T.LESS;
    case 62:
      return T.GREATER;
    case 61:
      return T.EQUAL;
    case 37:
      return T.PERCENT;
    case 126:
      return T.TILDE;
    case 94:
      return T.CIRCUMFLEX;
    case 64:
      return T.AT;
    case 33:
      return T.EXCLAMATION;
    default:
      return undefined;
  }
}

function twoCharOperator(c: number, d: number): T | undefined {
  switch (c) {
    case 33:
      return d === 61 ? T.NOTEQUAL : undefined;
    case 37:
      return d === 61 ? T.PERCENTEQUAL : undefined;
    case 38:
      return d === 61 ? T.AMPEREQUAL : undefined;
    case 42:
      return d === 42 ? T.DOUBLESTAR : d === 61 ? T.STAREQUAL : undefined;
    case 43:
      return d === 61 ? T.PLUSEQUAL : undefined;
    case 45:
      return d === 61 ? T.MINEQUAL : d === 62 ? T.RARROW : undefined;
    case 47:
      return d === 47 ? T.DOUBLESLASH : d === 61 ? T.SLASHEQUAL : undefined;
    case 58:
      return d === 61 ? T.COLONEQUAL : undefined;
    case 60:
      return d === 60 ? T.LEFTSHIFT : d === 61 ? T.LESSEQUAL : d === 62 ? T.NOTEQUAL : undefined;
    case 61:
      return d === 61 ? T.EQEQUAL : undefined;
    case 62:
      return d === 61 ? T.GREATEREQUAL : d === 62 ? T.RIGHTSHIFT : undefined;
    case 64:
      return d === 61 ? T.ATEQUAL : undefined;
    case 94:
      return d === 61 ? T.CIRCUMFLEXEQUAL : undefined;
    case 124:
      return d === 61 ? T.VBAREQUAL : undefined;
    default:
      return undefined;
  }
}

/** `**=`, `//=`, `>>=`, `<<=` (the third character is `=`). */
function threeCharOperator(c: number, d: number): T | undefined {
  if (c === 42 && d === 42) return T.DOUBLESTAREQUAL;
  if (c === 47 && d === 47) return T.DOUBLESLASHEQUAL;
  if (c === 62 && d === 62) return T.RIGHTSHIFTEQUAL;
  if (c === 60 && d === 60) return T.LEFTSHIFTEQUAL;
  return undefined;
}
