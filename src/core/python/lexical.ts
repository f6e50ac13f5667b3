/**
 * Python's tokenizer, as CPython's (3.12 and later, so PEP 701 f-strings: any quotes, backslashes, comments and
 * line breaks inside replacement fields): logical lines, INDENT / DEDENT, brackets, numbers, strings and f-strings,
 * with CPython's own messages for what it rejects ("invalid decimal literal", "unterminated string literal
 * (detected at line 3)", "unindent does not match any outer indentation level", "'(' was never closed"…).
 *
 * Tokens are produced on demand into typed arrays (the parser asks for them as it goes), and it recovers from every
 * error so that the rest of the file still tokenizes: a malformed number is still one NUMBER token, an unterminated
 * string ends at its line, a stray character is skipped, and a line that opens a definition (`def`, `class`, …)
 * while brackets are still open closes them.
 */
import type { Span } from './ast';
import { KEYWORDS, T } from './tokens';
import { isAsciiIdPart, isAsciiIdStart, isLineBreak } from './chars';
import { scanNumber } from './numbers';

export interface LexicalError extends Span {
  message: string;
}

export interface LexicalScan {
  errors: LexicalError[];
  comments: Span[];
  /** Triple-quoted strings and f-strings (the literals that may span lines). */
  longStrings: Span[];
}

/** The tokenizer's errors, the file's comments and its multi-line strings, from one pass of the tokenizer. */
export function lexicalScan(text: string): LexicalScan {
  const t = new Tokenizer(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  while (t.count === 0 || t.kind[t.count - 1] !== T.EOF) t.fill(t.count + 1024);
  return { errors: t.errors, comments: t.comments, longStrings: t.longStrings };
}

/** Brackets nested deeper than this are an error in CPython (MAXLEVEL). */
const MAX_BRACKETS = 200;
/** Indentation levels allowed by CPython (MAXINDENT). */
const MAX_INDENT = 100;
/** f-strings nested deeper than this are an error in CPython (MAXFSTRINGLEVEL). */
const MAX_FSTRINGS = 150;
/** CPython's limit on nested replacement fields in format specs (MAX_EXPR_NESTING). */
const MAX_FIELD_NESTING = 3;

/** An f-string being tokenized (CPython's tokenizer mode). */
interface FMode {
  quote: number;
  size: number;
  raw: boolean;
  /** Offset of the f-string's first character (its prefix) and its line. */
  start: number;
  line: number;
  /** Brackets open inside it (replacement fields included). */
  depth: number;
  /** Nesting of the replacement field being read (-1: none). */
  fieldStart: number;
  inSpec: boolean;
  /** Reading a replacement field's expression (CPython's regular mode), not literal text. */
  regular: boolean;
}

/** Keywords that never occur inside brackets: a line that starts with one ends any brackets left open. */
const STATEMENT_KEYWORDS = new Set<number>([
  T.Def,
  T.Class,
  T.Import,
  T.Return,
  T.Pass,
  T.Del,
  T.Global,
  T.Nonlocal,
  T.Assert,
  T.Raise,
  T.Try,
  T.Except,
  T.Finally,
  T.While,
  T.With,
  T.Break,
  T.Continue,
  T.Elif,
]);

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
const ID_START = /[\p{XID_Start}_]/u;
const ID_CONTINUE = /\p{XID_Continue}/u;

export class Tokenizer {
  kind = new Uint8Array(1024);
  start = new Int32Array(1024);
  end = new Int32Array(1024);
  /** 1 for the first token of a logical line that starts at column 0 with nothing open (a top-level statement). */
  clean = new Uint8Array(1024);
  count = 0;
  /** Errors found, in the order they were found (the parser adds its own to the same list). */
  readonly errors: LexicalError[] = [];
  /** Comments, from `#` to the end of the line, in order. */
  readonly comments: Span[] = [];
  /** Triple-quoted strings and f-strings (the literals that may span lines). */
  readonly longStrings: Span[] = [];

  private pos: number;
  private readonly n: number;
  /** 1-based line of `pos`. */
  private line: number;
  private atBol = true;
  private blankLine = false;
  /** Indentation levels: columns at tab size 8 and at tab size 1; `phantom` levels were made by a bad dedent. */
  private readonly cols: number[] = [0];
  private readonly alts: number[] = [0];
  private readonly phantom: boolean[] = [false];
  private pendingIndents = 0;
  private pendingDedents = 0;
  private readonly brackets: number[] = [];
  private readonly bracketPos: number[] = [];
  private readonly bracketLine: number[] = [];
  private readonly modes: FMode[] = [];
  /** The next token is the first of its logical line. */
  private firstOnLine = true;
  private done = false;

  constructor(
    private readonly text: string,
    from = 0,
    line = 1,
  ) {
    this.pos = from;
    this.line = line;
    this.n = text.length;
  }

  /** Produces tokens until at least `count` exist (or the end of the file is reached). */
  fill(count: number): void {
    while (this.count < count && !this.done) this.next();
  }

  /** Line (1-based) of an offset at or after where this tokenizer started. Used for messages only. */
  lineAt(offset: number): number {
    let line = 1;
    for (let i = 0; i < offset && i < this.n; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 10 || (c === 13 && this.text.charCodeAt(i + 1) !== 10)) line++;
    }
    return line;
  }

  /**
   * Error recovery: token `i` starts a physical line after a statement that did not parse. Drops it and what
   * follows, closes what is open (brackets, f-strings) and ends the logical line there, so that tokenizing starts
   * again at that line as a new statement.
   */
  resync(i: number): void {
    const at = this.start[i];
    if (this.brackets.length) {
      const b = this.bracketPos.length - 1;
      const from = this.bracketPos[b];
      if (from < at && !this.errors.some((e) => e.from === from)) this.error(from, from + 1, `'${String.fromCharCode(this.brackets[b])}' was never closed`);
    }
    this.brackets.length = this.bracketPos.length = this.bracketLine.length = 0;
    this.modes.length = 0;
    for (let e = this.errors.length - 1; e >= 0; e--) if (this.errors[e].from >= at) this.errors.splice(e, 1);
    while (this.comments.length && this.comments[this.comments.length - 1].from >= at) this.comments.pop();
    while (this.longStrings.length && this.longStrings[this.longStrings.length - 1].from >= at) this.longStrings.pop();
    this.count = i;
    this.pendingDedents = this.pendingIndents = 0;
    this.done = false;
    this.firstOnLine = false;
    this.push(T.NEWLINE, at, at);
    this.pos = this.lineStartOf(at);
    this.line = this.lineAt(this.pos);
    this.atBol = true;
  }

  /** Whether a line break separates token `i` from the token before it. */
  startsLine(i: number): boolean {
    for (let p = this.end[i - 1]; p < this.start[i]; p++) {
      const c = this.text.charCodeAt(p);
      if (c === 10 || c === 13) return true;
    }
    return false;
  }

  private push(kind: T, start: number, end: number): void {
    if (this.count === this.kind.length) this.grow();
    const i = this.count++;
    this.kind[i] = kind;
    this.start[i] = start;
    this.end[i] = end;
    this.clean[i] =
      this.firstOnLine && kind !== T.NEWLINE && kind !== T.INDENT && kind !== T.DEDENT && this.cols.length === 1 && this.brackets.length === 0 && this.modes.length === 0
        ? 1
        : 0;
    if (kind !== T.INDENT && kind !== T.DEDENT) this.firstOnLine = kind === T.NEWLINE;
  }

  private grow(): void {
    const size = this.kind.length * 2;
    const k = new Uint8Array(size);
    k.set(this.kind);
    this.kind = k;
    const s = new Int32Array(size);
    s.set(this.start);
    this.start = s;
    const e = new Int32Array(size);
    e.set(this.end);
    this.end = e;
    const c = new Uint8Array(size);
    c.set(this.clean);
    this.clean = c;
  }

  private error(from: number, to: number, message: string): void {
    this.errors.push({ from, to: Math.max(from, to), message });
  }

  private next(): void {
    const mode = this.modes.length ? this.modes[this.modes.length - 1] : undefined;
    if (mode && !mode.regular) this.fstringPart(mode);
    else this.regular(mode);
  }

  // ---- regular mode ----------------------------------------------------------------------------------------

  private regular(mode: FMode | undefined): void {
    const t = this.text;
    for (;;) {
      if (this.atBol) {
        this.atBol = false;
        this.indentation();
      }
      if (this.pendingDedents > 0) {
        this.pendingDedents--;
        this.push(T.DEDENT, this.pos, this.pos);
        return;
      }
      if (this.pendingIndents > 0) {
        this.pendingIndents--;
        this.push(T.INDENT, this.lineStartOf(this.pos), this.pos);
        return;
      }
      let c = t.charCodeAt(this.pos);
      while (c === 32 || c === 9 || c === 12) c = t.charCodeAt(++this.pos);
      const start = this.pos;
      if (c === 35 /* # */) {
        while (this.pos < this.n && (c = t.charCodeAt(this.pos)) !== 10 && c !== 13) this.pos++;
        this.comments.push({ from: start, to: this.pos });
        c = t.charCodeAt(this.pos);
      }
      if (this.pos >= this.n) {
        this.endOfFile();
        return;
      }
      if (c === 10 || c === 13) {
        this.pos += c === 13 && t.charCodeAt(this.pos + 1) === 10 ? 2 : 1;
        this.line++;
        this.atBol = true;
        if (this.blankLine || this.brackets.length > 0) continue;
        this.push(T.NEWLINE, start, this.pos);
        return;
      }
      if (isAsciiIdStart(c) || c >= 128) {
        if (c >= 128 && !this.nonAsciiStart(start)) continue;
        this.name(start, c);
        return;
      }
      if (c >= 48 && c <= 57) {
        this.number(start);
        return;
      }
      if (c === 46 /* . */) {
        const d = t.charCodeAt(start + 1);
        if (d >= 48 && d <= 57) {
          this.number(start);
          return;
        }
        if (d === 46 && t.charCodeAt(start + 2) === 46) {
          this.pos = start + 3;
          this.push(T.ELLIPSIS, start, this.pos);
          return;
        }
        this.pos++;
        this.push(T.DOT, start, this.pos);
        return;
      }
      if (c === 39 || c === 34) {
        this.string(start, start);
        return;
      }
      if (c === 92 /* \ */) {
        this.continuation(start);
        continue;
      }
      this.operator(start, c, mode);
      return;
    }
  }

  /** At the start of a physical line: its indentation (outside brackets), blank-line status, INDENT / DEDENT. */
  private indentation(): void {
    const t = this.text;
    let col = 0;
    let alt = 0;
    let contCol = -1;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (c === 32) {
        col++;
        alt++;
      } else if (c === 9) {
        col = (Math.floor(col / 8) + 1) * 8;
        alt++;
      } else if (c === 12) {
        col = alt = 0;
      } else if (c === 92 /* \ */ && isLineBreak(t.charCodeAt(this.pos + 1))) {
        // The first backslash decides the indentation of what follows on the next line.
        if (contCol < 0) contCol = col;
        const at = this.pos;
        this.pos++;
        this.pos += t.charCodeAt(this.pos) === 13 && t.charCodeAt(this.pos + 1) === 10 ? 2 : 1;
        this.line++;
        if (this.pos >= this.n) this.error(at, at + 1, 'unexpected EOF while parsing');
        continue;
      } else break;
      this.pos++;
    }
    const c = t.charCodeAt(this.pos);
    this.blankLine = this.pos >= this.n || c === 35 || c === 10 || c === 13;
    if (this.blankLine || this.brackets.length > 0) return;
    if (contCol >= 0) col = alt = contCol;
    const top = this.cols.length - 1;
    if (col === this.cols[top]) {
      if (alt !== this.alts[top]) this.error(this.pos, this.lineEndFrom(this.pos), 'inconsistent use of tabs and spaces in indentation');
    } else if (col > this.cols[top]) {
      if (this.cols.length >= MAX_INDENT) {
        this.error(this.pos, this.lineEndFrom(this.pos), 'too many levels of indentation');
        return;
      }
      if (alt <= this.alts[top]) this.error(this.pos, this.lineEndFrom(this.pos), 'inconsistent use of tabs and spaces in indentation');
      this.cols.push(col);
      this.alts.push(alt);
      this.phantom.push(false);
      this.pendingIndents++;
    } else {
      while (this.cols.length > 1 && col < this.cols[this.cols.length - 1]) {
        this.cols.pop();
        this.alts.pop();
        if (!this.phantom.pop()) this.pendingDedents++;
      }
      const at = this.cols.length - 1;
      if (col !== this.cols[at]) {
        this.error(this.pos, this.lineEndFrom(this.pos), 'unindent does not match any outer indentation level');
        // Carry on as if the line were at that level (without a block of its own), so one bad line is one error.
        this.cols.push(col);
        this.alts.push(alt);
        this.phantom.push(true);
      } else if (alt !== this.alts[at]) this.error(this.pos, this.lineEndFrom(this.pos), 'inconsistent use of tabs and spaces in indentation');
    }
  }

  private endOfFile(): void {
    const pos = this.n;
    if (this.modes.length) {
      // Only reached from inside a replacement field: the f-string never ended.
      const m = this.modes[0];
      this.error(m.start, pos, `unterminated ${m.size === 3 ? 'triple-quoted ' : ''}f-string literal (detected at line ${this.line})`);
      this.modes.length = 0;
    }
    if (this.brackets.length) {
      const i = this.brackets.length - 1;
      this.error(this.bracketPos[i], this.bracketPos[i] + 1, `'${String.fromCharCode(this.brackets[i])}' was never closed`);
      this.brackets.length = this.bracketPos.length = this.bracketLine.length = 0;
    }
    const last = this.count ? this.kind[this.count - 1] : T.NEWLINE;
    if (last !== T.NEWLINE && last !== T.DEDENT && last !== T.INDENT) {
      this.push(T.NEWLINE, pos, pos);
      return;
    }
    if (this.cols.length > 1) {
      this.cols.pop();
      this.alts.pop();
      if (!this.phantom.pop()) this.push(T.DEDENT, pos, pos);
      return;
    }
    this.push(T.EOF, pos, pos);
    this.done = true;
  }

  private continuation(start: number): void {
    const t = this.text;
    let p = start + 1;
    const c = t.charCodeAt(p);
    if (isLineBreak(c)) {
      p += c === 13 && t.charCodeAt(p + 1) === 10 ? 2 : 1;
      this.line++;
      this.pos = p;
      if (p >= this.n) this.error(start, p, 'unexpected EOF while parsing');
      return;
    }
    this.error(start, start + 1, 'unexpected character after line continuation character');
    this.pos = start + 1;
  }

  /** A non-ASCII character where a token starts: an identifier, or an invalid character (reported, skipped). */
  private nonAsciiStart(start: number): boolean {
    const cp = this.text.codePointAt(start)!;
    const ch = String.fromCodePoint(cp);
    if (ID_START.test(ch)) return true;
    this.invalidCharacter(start, cp);
    this.pos = start + ch.length;
    return false;
  }

  private invalidCharacter(at: number, cp: number): void {
    const hex = cp.toString(16).toUpperCase().padStart(4, '0');
    const ch = String.fromCodePoint(cp);
    if (cp === 0) this.error(at, at + 1, 'source code cannot contain null bytes');
    else if (NON_PRINTABLE.test(ch)) this.error(at, at + ch.length, `invalid non-printable character U+${hex}`);
    else this.error(at, at + ch.length, `invalid character '${ch}' (U+${hex})`);
  }

  private name(start: number, c: number): void {
    const t = this.text;
    // String prefixes: b, r, u, f and the combinations CPython allows (br, rb, fr, rf), in any case.
    let b = false;
    let r = false;
    let u = false;
    let f = false;
    let p = start;
    for (;;) {
      const lc = c | 32;
      if (lc === 98 && !b && !u && !f) b = true;
      else if (lc === 117 && !b && !u && !r && !f) u = true;
      else if (lc === 114 && !r && !u) r = true;
      else if (lc === 102 && !f && !b && !u) f = true;
      else break;
      c = t.charCodeAt(++p);
      if (c === 39 || c === 34) {
        if (f) this.fstringStart(start, p, r);
        else this.string(start, p);
        return;
      }
    }
    let nonAscii = false;
    while (p < this.n) {
      c = t.charCodeAt(p);
      if (isAsciiIdPart(c)) p++;
      else if (c >= 128) {
        nonAscii = true;
        p++;
      } else break;
    }
    this.pos = p;
    if (nonAscii && !this.verifyIdentifier(start, p)) return;
    if (p - start <= 8) {
      const kw = KEYWORDS.get(t.slice(start, p));
      if (kw !== undefined) {
        if (this.brackets.length && STATEMENT_KEYWORDS.has(kw) && this.keywordInBrackets(start)) return;
        this.push(kw, start, p);
        return;
      }
    }
    this.push(T.NAME, start, p);
  }

  /**
   * A keyword that starts a statement, first on its line while brackets are open: they were never closed (CPython
   * stops there). Closes them and ends the logical line before the keyword, so that the definitions after it are
   * still read; the keyword is read again, at the start of its own line. True when that happened.
   */
  private keywordInBrackets(start: number): boolean {
    if (!this.brackets.length || this.modes.length || !this.firstOnPhysicalLine(start)) return false;
    const i = this.brackets.length - 1;
    this.error(this.bracketPos[i], this.bracketPos[i] + 1, `'${String.fromCharCode(this.brackets[i])}' was never closed`);
    this.brackets.length = this.bracketPos.length = this.bracketLine.length = 0;
    this.push(T.NEWLINE, start, start);
    this.pos = this.lineStartOf(start);
    this.atBol = true;
    return true;
  }

  /** Whether only white space precedes `at` on its physical line. */
  private firstOnPhysicalLine(at: number): boolean {
    for (let i = at - 1; i >= 0; i--) {
      const c = this.text.charCodeAt(i);
      if (c === 10 || c === 13) return true;
      if (c !== 32 && c !== 9 && c !== 12) return false;
    }
    return true;
  }

  private lineStartOf(at: number): number {
    let i = at;
    while (i > 0) {
      const c = this.text.charCodeAt(i - 1);
      if (c === 10 || c === 13) break;
      i--;
    }
    return i;
  }

  private lineEndFrom(j: number): number {
    while (j < this.n && !isLineBreak(this.text.charCodeAt(j))) j++;
    return j;
  }

  /** An identifier with non-ASCII characters: valid when it is one by PEP 3131 (XID_Start XID_Continue*). */
  private verifyIdentifier(start: number, end: number): boolean {
    const s = this.text.slice(start, end);
    let i = 0;
    for (const ch of s) {
      const ok = i === 0 ? ID_START.test(ch) : ID_CONTINUE.test(ch);
      if (!ok) {
        const at = start + i;
        this.invalidCharacter(at, ch.codePointAt(0)!);
        // Keep what came before as a name; skip the bad character and read on from after it.
        if (i > 0) this.push(T.NAME, start, at);
        this.pos = at + ch.length;
        return false;
      }
      i += ch.length;
    }
    return true;
  }

  // ---- numbers -------------------------------------------------------------------------------------------

  /** A number from `start` (a digit, or `.` then a digit): one NUMBER token, with CPython's checks (numbers.ts). */
  private number(start: number): void {
    this.pos = scanNumber(this.text, start, this.n, this.errors);
    this.push(T.NUMBER, start, this.pos);
  }

  // ---- strings -------------------------------------------------------------------------------------------

  /**
   * A string literal (not an f-string) from `start` (its prefix) with its quote at `q`. Escapes and bytes are
   * checked by the parser, which sees the token's text.
   */
  private string(start: number, q: number): void {
    const t = this.text;
    const quote = t.charCodeAt(q);
    const triple = t.charCodeAt(q + 1) === quote && t.charCodeAt(q + 2) === quote;
    let p = q + (triple ? 3 : 1);
    let escapedQuote = false;
    for (;;) {
      if (p >= this.n) {
        this.unterminated(start, triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal', escapedQuote);
        this.pos = this.n;
        this.push(T.STRING, start, this.n);
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
        if (isLineBreak(d)) this.line++;
        p += d === 13 && t.charCodeAt(p + 2) === 10 ? 3 : 2;
      } else if (isLineBreak(c)) {
        if (!triple) {
          this.unterminated(start, 'unterminated string literal', escapedQuote);
          this.pos = p;
          this.push(T.STRING, start, p);
          return;
        }
        this.line++;
        p += c === 13 && t.charCodeAt(p + 1) === 10 ? 2 : 1;
      } else p++;
    }
    this.pos = p;
    this.push(T.STRING, start, p);
    if (triple) this.longStrings.push({ from: start, to: p });
  }

  private unterminated(start: number, what: string, escapedQuote: boolean): void {
    // Inside an f-string's replacement field, a string left open with the f-string's own quote is the field's
    // missing `}`.
    const m = this.modes.length ? this.modes[this.modes.length - 1] : undefined;
    if (m && m.regular && what === 'unterminated string literal' && this.text.charCodeAt(this.quoteAt(start)) === m.quote && m.size === 1) {
      this.error(start, this.lineEndFrom(start), "f-string: expecting '}'");
      return;
    }
    this.error(start, this.lineEndFrom(start), `${what} (detected at line ${this.line})${escapedQuote && what === 'unterminated string literal' ? '; perhaps you escaped the end quote?' : ''}`);
  }

  private quoteAt(start: number): number {
    let p = start;
    while (p < this.n && this.text.charCodeAt(p) !== 39 && this.text.charCodeAt(p) !== 34) p++;
    return p;
  }

  private fstringStart(start: number, q: number, raw: boolean): void {
    const t = this.text;
    const quote = t.charCodeAt(q);
    const size = t.charCodeAt(q + 1) === quote && t.charCodeAt(q + 2) === quote ? 3 : 1;
    this.pos = q + size;
    if (this.modes.length + 1 >= MAX_FSTRINGS) this.error(start, this.pos, 'too many nested f-strings');
    this.push(T.FSTRING_START, start, this.pos);
    this.modes.push({ quote, size, raw, start, line: this.line, depth: 0, fieldStart: -1, inSpec: false, regular: false });
  }

  /** Literal text of an f-string (or of a format spec), up to a replacement field or the closing quote. */
  private fstringPart(m: FMode): void {
    const t = this.text;
    const start = this.pos;
    let p = start;
    const c0 = t.charCodeAt(p);
    if (c0 === 123 /* { */ && (t.charCodeAt(p + 1) !== 123 || m.inSpec)) {
      this.openField(m);
      return;
    }
    // The closing quote(s).
    if (c0 === m.quote && (m.size === 1 || (t.charCodeAt(p + 1) === m.quote && t.charCodeAt(p + 2) === m.quote))) {
      if (m.inSpec) {
        // A format spec runs into the end of the string: the field's `}` is missing.
        m.regular = true;
        m.inSpec = false;
        this.regular(m);
        return;
      }
      this.pos = p + m.size;
      this.modes.pop();
      this.push(T.FSTRING_END, start, this.pos);
      if (m.size === 3) this.longStrings.push({ from: m.start, to: this.pos });
      return;
    }
    for (;;) {
      if (p >= this.n || (m.size === 1 && isLineBreak(t.charCodeAt(p)))) {
        if (m.inSpec && p < this.n) {
          // A line break ends a format spec (the field's `}` is then missing).
          this.pos = p;
          m.regular = true;
          m.inSpec = false;
          if (p > start) this.push(T.FSTRING_MIDDLE, start, p);
          return;
        }
        const what = m.size === 3 ? 'unterminated triple-quoted f-string literal' : 'unterminated f-string literal';
        this.error(m.start, this.lineEndFrom(m.start), `${what} (detected at line ${this.line})`);
        if (p > start) this.push(T.FSTRING_MIDDLE, start, p);
        this.pos = p;
        this.modes.pop();
        this.push(T.FSTRING_END, p, p);
        return;
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
        if (p > start) {
          this.pos = p;
          this.push(T.FSTRING_MIDDLE, start, p);
        }
        this.pos = p;
        m.regular = true;
        m.inSpec = false;
        if (p === start) this.regular(m);
        return;
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
          while (q < this.n && t.charCodeAt(q) !== 125 && !isLineBreak(t.charCodeAt(q)) && t.charCodeAt(q) !== m.quote) q++;
          p = t.charCodeAt(q) === 125 ? q + 1 : q;
          continue;
        }
        if (isLineBreak(d)) this.line++;
        p += d === 13 && t.charCodeAt(p + 2) === 10 ? 3 : 2;
        continue;
      }
      if (isLineBreak(c)) {
        this.line++;
        p += c === 13 && t.charCodeAt(p + 1) === 10 ? 2 : 1;
        continue;
      }
      p++;
    }
    this.pos = p;
    if (p > start) {
      this.push(T.FSTRING_MIDDLE, start, p);
      return;
    }
    this.fstringPart(m);
  }

  /** `{` opening a replacement field: read its expression in regular mode. */
  private openField(m: FMode): void {
    m.fieldStart++;
    if (m.fieldStart >= MAX_FIELD_NESTING) this.error(this.pos, this.pos + 1, 'f-string: expressions nested too deeply');
    m.regular = true;
    m.inSpec = false;
    this.regular(m);
  }

  // ---- operators -------------------------------------------------------------------------------------------

  /** An operator or delimiter at `start`; false when the character was invalid (reported and skipped). */
  private operator(start: number, c: number, mode: FMode | undefined): boolean {
    const t = this.text;
    const c2 = t.charCodeAt(start + 1);
    // Inside a replacement field, a `:` at its own bracket level starts the format spec.
    if (mode && c === 58 && mode.depth - 1 === mode.fieldStart) {
      this.pos = start + 1;
      mode.regular = false;
      mode.inSpec = true;
      this.push(T.COLON, start, this.pos);
      return true;
    }
    const two = twoCharOperator(c, c2);
    if (two !== undefined) {
      const three = t.charCodeAt(start + 2) === 61 ? threeCharOperator(c, c2) : undefined;
      this.pos = start + (three !== undefined ? 3 : 2);
      this.push(three ?? two, start, this.pos);
      return true;
    }
    const one = oneCharOperator(c);
    if (one === undefined) {
      this.pos = start + 1;
      if (c === 0 || c < 32 || c === 127) {
        this.invalidCharacter(start, c);
        return false;
      }
      // `$`, `?`, a backtick: a token no rule accepts.
      this.push(T.ERRORTOKEN, start, this.pos);
      return true;
    }
    this.pos = start + 1;
    if (one === T.LPAR || one === T.LSQB || one === T.LBRACE) {
      if (this.brackets.length >= MAX_BRACKETS) this.error(start, start + 1, 'too many nested parentheses');
      this.push(one, start, this.pos);
      this.brackets.push(c);
      this.bracketPos.push(start);
      this.bracketLine.push(this.line);
      if (mode) mode.depth++;
      return true;
    } else if (one === T.RPAR || one === T.RSQB || one === T.RBRACE) {
      if (mode && mode.depth === 0 && c === 125) {
        this.error(start, start + 1, "f-string: single '}' is not allowed");
        mode.regular = false;
        return false;
      }
      if (!this.brackets.length) {
        this.error(start, start + 1, `unmatched '${String.fromCharCode(c)}'`);
        return false;
      }
      const i = this.brackets.length - 1;
      const opening = this.brackets[i];
      if ((opening === 40 && c !== 41) || (opening === 91 && c !== 93) || (opening === 123 && c !== 125)) {
        const o = String.fromCharCode(opening);
        const k = String.fromCharCode(c);
        if (mode && opening === 123 && mode.depth - 1 === mode.fieldStart) this.error(start, start + 1, `f-string: unmatched '${k}'`);
        else if (this.bracketLine[i] !== this.line) this.error(start, start + 1, `closing parenthesis '${k}' does not match opening parenthesis '${o}' on line ${this.bracketLine[i]}`);
        else this.error(start, start + 1, `closing parenthesis '${k}' does not match opening parenthesis '${o}'`);
      }
      this.brackets.pop();
      this.bracketPos.pop();
      this.bracketLine.pop();
      if (mode) {
        mode.depth--;
        if (c === 125 && mode.depth === mode.fieldStart) {
          mode.fieldStart--;
          mode.regular = false;
          mode.inSpec = false;
        }
      }
    }
    this.push(one, start, this.pos);
    return true;
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
