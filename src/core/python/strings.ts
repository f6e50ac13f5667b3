/**
 * String literals and f-strings as CPython's tokenizer reads them (3.12 and later, so PEP 701 f-strings), for the
 * Tokenizer (lexical.ts). A string is one STRING token, its escapes and bytes checked later by the parser. An f-string
 * is FSTRING_START, FSTRING_MIDDLE tokens for its literal text (and its format specs' text), the tokens of each
 * replacement field's expression, which the tokenizer reads in its regular mode, and FSTRING_END. The f-strings being
 * read, innermost last, are CPython's tokenizer modes: the StringScanner keeps them.
 */
import type { Span } from './ast';
import { T } from './tokens';
import { isLineBreak, lineEndFrom } from './chars';

/** f-strings nested deeper than this are an error in CPython (MAXFSTRINGLEVEL). */
const MAX_FSTRINGS = 150;
/** CPython's limit on nested replacement fields in format specs (MAX_EXPR_NESTING). */
const MAX_FIELD_NESTING = 3;

/**
 * The tokenizer as its scanners use it (strings here, operators in operators.ts): the text and the reading position,
 * which what they read moves past (line breaks counted in `line`), and where tokens, errors and long strings go.
 */
export interface LexerCursor {
  readonly text: string;
  pos: number;
  /** 1-based line of `pos`. */
  line: number;
  /** Triple-quoted strings and f-strings (the literals that may span lines), in order. */
  readonly longStrings: Span[];
  push(kind: T, start: number, end: number): void;
  error(from: number, to: number, message: string): void;
}

/** An f-string being read (CPython's tokenizer mode). */
export class FString {
  /** Brackets open inside it (replacement fields included). */
  depth = 0;
  /** Nesting of the replacement field being read (-1: none). */
  fieldStart = -1;
  inSpec = false;
  /** Reading a replacement field's expression (CPython's regular mode), not literal text. */
  regular = false;

  constructor(
    readonly quote: number,
    /** 1 or 3 quotes. */
    readonly size: number,
    readonly raw: boolean,
    /** Offset of the f-string's first character (its prefix). */
    readonly start: number,
  ) {}

  /** Whether the innermost bracket open is the `{` of the replacement field being read (a `:` there starts its format spec). */
  atFieldLevel(): boolean {
    return this.depth - 1 === this.fieldStart;
  }

  /** A `:` at the field's level: its format spec (literal text, with replacement fields of its own) follows. */
  startSpec(): void {
    this.regular = false;
    this.inSpec = true;
  }

  /** A bracket inside a replacement field closes; the `}` of the field itself goes back to the literal text. */
  closeBracket(brace: boolean): void {
    this.depth--;
    if (brace && this.depth === this.fieldStart) {
      this.fieldStart--;
      this.regular = false;
      this.inSpec = false;
    }
  }
}

/** Reads strings and f-strings for a tokenizer, and keeps the f-strings it is inside. */
export class StringScanner {
  /** The f-strings being read, innermost last. */
  private readonly modes: FString[] = [];

  constructor(private readonly lexer: LexerCursor) {}

  /** The innermost f-string being read, if any. */
  get current(): FString | undefined {
    const m = this.modes;
    return m.length ? m[m.length - 1] : undefined;
  }

  /** How many f-strings are being read. */
  get nesting(): number {
    return this.modes.length;
  }

  /** Error recovery: the f-strings being read are given up. */
  reset(): void {
    this.modes.length = 0;
  }

  /** The end of the file inside a replacement field: the outermost f-string never ended (reported, given up). */
  endOfFile(): void {
    if (!this.modes.length) return;
    const m = this.modes[0];
    const lx = this.lexer;
    lx.error(m.start, lx.text.length, `unterminated ${m.size === 3 ? 'triple-quoted ' : ''}f-string literal (detected at line ${lx.line})`);
    this.modes.length = 0;
  }

  /**
   * A string literal (not an f-string) from `start` (its prefix) with its quote at `q`. Escapes and bytes are
   * checked by the parser, which sees the token's text.
   */
  string(start: number, q: number): void {
    const lx = this.lexer;
    const t = lx.text;
    const n = t.length;
    const quote = t.charCodeAt(q);
    const triple = t.charCodeAt(q + 1) === quote && t.charCodeAt(q + 2) === quote;
    let p = q + (triple ? 3 : 1);
    let escapedQuote = false;
    for (;;) {
      if (p >= n) {
        this.unterminated(start, triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal', escapedQuote);
        lx.pos = n;
        lx.push(T.STRING, start, n);
        return;
      }
      const c = t.charCodeAt(p);
      if (c === quote) {
        if (!triple) {
          p++;
          break;
        }
        if (t.charCodeAt(p + 1) === quote && t.charCodeAt(p + 2) === quote) {
          p += 3;
          break;
        }
        p++;
      } else if (c === 92 /* \ */) {
        const d = t.charCodeAt(p + 1);
        if (d === quote) escapedQuote = true;
        if (isLineBreak(d)) lx.line++;
        p += d === 13 && t.charCodeAt(p + 2) === 10 ? 3 : 2;
      } else if (isLineBreak(c)) {
        if (!triple) {
          this.unterminated(start, 'unterminated string literal', escapedQuote);
          lx.pos = p;
          lx.push(T.STRING, start, p);
          return;
        }
        lx.line++;
        p += c === 13 && t.charCodeAt(p + 1) === 10 ? 2 : 1;
      } else p++;
    }
    lx.pos = p;
    lx.push(T.STRING, start, p);
    if (triple) lx.longStrings.push({ from: start, to: p });
  }

  private unterminated(start: number, what: string, escapedQuote: boolean): void {
    const lx = this.lexer;
    // Inside an f-string's replacement field, a string left open with the f-string's own quote is the field's
    // missing `}`.
    const m = this.current;
    if (m && m.regular && what === 'unterminated string literal' && lx.text.charCodeAt(this.quoteAt(start)) === m.quote && m.size === 1) {
      lx.error(start, lineEndFrom(lx.text, start), "f-string: expecting '}'");
      return;
    }
    lx.error(start, lineEndFrom(lx.text, start), `${what} (detected at line ${lx.line})${escapedQuote && what === 'unterminated string literal' ? '; perhaps you escaped the end quote?' : ''}`);
  }

  private quoteAt(start: number): number {
    const t = this.lexer.text;
    let p = start;
    while (p < t.length && t.charCodeAt(p) !== 39 && t.charCodeAt(p) !== 34) p++;
    return p;
  }

  /** An f-string from `start` (its prefix) with its quote at `q`: FSTRING_START, and its literal text is read next. */
  fstringStart(start: number, q: number, raw: boolean): void {
    const lx = this.lexer;
    const t = lx.text;
    const quote = t.charCodeAt(q);
    const size = t.charCodeAt(q + 1) === quote && t.charCodeAt(q + 2) === quote ? 3 : 1;
    lx.pos = q + size;
    if (this.modes.length + 1 >= MAX_FSTRINGS) lx.error(start, lx.pos, 'too many nested f-strings');
    lx.push(T.FSTRING_START, start, lx.pos);
    this.modes.push(new FString(quote, size, raw, start));
  }

  /**
   * Literal text of the f-string `m` (or of a format spec), up to a replacement field or the closing quote. False
   * when no token was read because `m` goes on with a replacement field's expression at the reading position: the
   * tokenizer reads it in its regular mode.
   */
  part(m: FString): boolean {
    const lx = this.lexer;
    const t = lx.text;
    const n = t.length;
    const start = lx.pos;
    let p = start;
    const c0 = t.charCodeAt(p);
    if (c0 === 123 /* { */ && (t.charCodeAt(p + 1) !== 123 || m.inSpec)) {
      // `{` opening a replacement field.
      m.fieldStart++;
      if (m.fieldStart >= MAX_FIELD_NESTING) lx.error(lx.pos, lx.pos + 1, 'f-string: expressions nested too deeply');
      m.regular = true;
      m.inSpec = false;
      return false;
    }
    // The closing quote(s).
    if (c0 === m.quote && (m.size === 1 || (t.charCodeAt(p + 1) === m.quote && t.charCodeAt(p + 2) === m.quote))) {
      if (m.inSpec) {
        // A format spec runs into the end of the string: the field's `}` is missing.
        m.regular = true;
        m.inSpec = false;
        return false;
      }
      lx.pos = p + m.size;
      this.modes.pop();
      lx.push(T.FSTRING_END, start, lx.pos);
      if (m.size === 3) lx.longStrings.push({ from: m.start, to: lx.pos });
      return true;
    }
    for (;;) {
      if (p >= n || (m.size === 1 && isLineBreak(t.charCodeAt(p)))) {
        if (m.inSpec && p < n) {
          // A line break ends a format spec (the field's `}` is then missing).
          lx.pos = p;
          m.regular = true;
          m.inSpec = false;
          if (p > start) lx.push(T.FSTRING_MIDDLE, start, p);
          return p > start;
        }
        const what = m.size === 3 ? 'unterminated triple-quoted f-string literal' : 'unterminated f-string literal';
        lx.error(m.start, lineEndFrom(t, m.start), `${what} (detected at line ${lx.line})`);
        if (p > start) lx.push(T.FSTRING_MIDDLE, start, p);
        lx.pos = p;
        this.modes.pop();
        lx.push(T.FSTRING_END, p, p);
        return true;
      }
      const c = t.charCodeAt(p);
      if (c === m.quote && (m.size === 1 || (t.charCodeAt(p + 1) === m.quote && t.charCodeAt(p + 2) === m.quote))) break;
      if (c === 123 /* { */) {
        if (t.charCodeAt(p + 1) === 123 && !m.inSpec) {
          p += 2;
          continue;
        }
        break;
      }
      if (c === 125 /* } */) {
        if (t.charCodeAt(p + 1) === 125 && !m.inSpec && m.depth === 0) {
          p += 2;
          continue;
        }
        // The end of a format spec, or a single `}` (reported in regular mode).
        lx.pos = p;
        if (p > start) lx.push(T.FSTRING_MIDDLE, start, p);
        m.regular = true;
        m.inSpec = false;
        return p > start;
      }
      if (c === 92 /* \ */) {
        const d = t.charCodeAt(p + 1);
        if (d === 123 || d === 125) {
          p++;
          continue;
        }
        if (!m.raw && d === 78 /* N */ && t.charCodeAt(p + 2) === 123) {
          // \N{NAME}: its braces are not a replacement field.
          let q = p + 3;
          while (q < n && t.charCodeAt(q) !== 125 && !isLineBreak(t.charCodeAt(q)) && t.charCodeAt(q) !== m.quote) q++;
          p = t.charCodeAt(q) === 125 ? q + 1 : q;
          continue;
        }
        if (isLineBreak(d)) lx.line++;
        p += d === 13 && t.charCodeAt(p + 2) === 10 ? 3 : 2;
        continue;
      }
      if (isLineBreak(c)) {
        lx.line++;
        p += c === 13 && t.charCodeAt(p + 1) === 10 ? 2 : 1;
        continue;
      }
      p++;
    }
    lx.pos = p;
    if (p > start) {
      lx.push(T.FSTRING_MIDDLE, start, p);
      return true;
    }
    return this.part(m);
  }
}
