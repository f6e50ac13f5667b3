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
import { isAsciiIdPart, isAsciiIdStart, isLineBreak, lineAt, lineEndFrom, lineStartOf } from './chars';
import { scanNumber } from './numbers';
import { StringScanner, type FString, type LexerCursor } from './strings';
import { OperatorScanner } from './operators';

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
  const t = new Tokenizer(text, text.charCodeAt(0) === 0xfeff ? 1 : 0).fillAll();
  return { errors: t.errors, comments: t.comments, longStrings: t.longStrings };
}

/** Indentation levels allowed by CPython (MAXINDENT). */
const MAX_INDENT = 100;
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

export class Tokenizer implements LexerCursor {
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

  /** Where reading goes on (the scanners of strings and operators move it past what they read). */
  pos: number;
  private readonly n: number;
  /** 1-based line of `pos`. */
  line: number;
  private atBol = true;
  private blankLine = false;
  /** Indentation levels: columns at tab size 8 and at tab size 1; `phantom` levels were made by a bad dedent. */
  private readonly cols: number[] = [0];
  private readonly alts: number[] = [0];
  private readonly phantom: boolean[] = [false];
  private pendingIndents = 0;
  private pendingDedents = 0;
  /** Operators and delimiters, and the brackets open. */
  private readonly operators = new OperatorScanner(this);
  /** Strings and f-strings, and the f-strings being read (CPython's tokenizer modes). */
  private readonly strings = new StringScanner(this);
  /** The next token is the first of its logical line. */
  private firstOnLine = true;
  private done = false;

  constructor(
    readonly text: string,
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

  /** Produces every token, to the end of the file. */
  fillAll(): this {
    while (this.count === 0 || this.kind[this.count - 1] !== T.EOF) this.fill(this.count + 1024);
    return this;
  }

  /** Line (1-based) of an offset at or after where this tokenizer started. Used for messages only. */
  lineAt(offset: number): number {
    return lineAt(this.text, offset);
  }

  /**
   * Error recovery: token `i` starts a physical line after a statement that did not parse. Drops it and what
   * follows, closes what is open (brackets, f-strings) and ends the logical line there, so that tokenizing starts
   * again at that line as a new statement.
   */
  resync(i: number): void {
    const at = this.start[i];
    const from = this.operators.innermost;
    if (from >= 0 && from < at && !this.errors.some((e) => e.from === from)) this.operators.neverClosed();
    else this.operators.clear();
    this.strings.reset();
    for (let e = this.errors.length - 1; e >= 0; e--) if (this.errors[e].from >= at) this.errors.splice(e, 1);
    while (this.comments.length && this.comments[this.comments.length - 1].from >= at) this.comments.pop();
    while (this.longStrings.length && this.longStrings[this.longStrings.length - 1].from >= at) this.longStrings.pop();
    this.count = i;
    this.pendingDedents = this.pendingIndents = 0;
    this.done = false;
    this.firstOnLine = false;
    this.push(T.NEWLINE, at, at);
    this.pos = lineStartOf(this.text, at);
    this.line = this.lineAt(this.pos);
    this.atBol = true;
  }

  /**
   * Whether a line break separates token `i` from the token before it. One escaped by a backslash does not: it joins
   * the two lines into one logical line (`x \` then `y` on the next line is `x y`, one statement).
   */
  startsLine(i: number): boolean {
    const t = this.text;
    for (let p = this.end[i - 1]; p < this.start[i]; p++) {
      const c = t.charCodeAt(p);
      if (c === 35 /* # */) while (p + 1 < this.start[i] && !isLineBreak(t.charCodeAt(p + 1))) p++;
      else if (c === 92 /* \ */ && isLineBreak(t.charCodeAt(p + 1))) p += t.charCodeAt(p + 1) === 13 && t.charCodeAt(p + 2) === 10 ? 2 : 1;
      else if (c === 10 || c === 13) return true;
    }
    return false;
  }

  /** Adds a token (also for the scanners of strings and operators). */
  push(kind: T, start: number, end: number): void {
    if (this.count === this.kind.length) this.grow();
    const i = this.count++;
    this.kind[i] = kind;
    this.start[i] = start;
    this.end[i] = end;
    this.clean[i] =
      this.firstOnLine && kind !== T.NEWLINE && kind !== T.INDENT && kind !== T.DEDENT && this.cols.length === 1 && this.operators.openBrackets === 0 && this.strings.nesting === 0
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

  error(from: number, to: number, message: string): void {
    this.errors.push({ from, to: Math.max(from, to), message });
  }

  private next(): void {
    const mode = this.strings.current;
    // Inside an f-string, its literal text; a replacement field's expression in regular mode.
    if (mode === undefined || mode.regular || !this.strings.part(mode)) this.regular(mode);
  }

  // ---- regular mode ----------------------------------------------------------------------------------------

  private regular(mode: FString | undefined): void {
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
        this.push(T.INDENT, lineStartOf(this.text, this.pos), this.pos);
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
        if (this.blankLine || this.operators.openBrackets > 0) continue;
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
        this.strings.string(start, start);
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
    if (this.blankLine || this.operators.openBrackets > 0) return;
    if (contCol >= 0) col = alt = contCol;
    const top = this.cols.length - 1;
    if (col === this.cols[top]) {
      if (alt !== this.alts[top]) this.error(this.pos, lineEndFrom(this.text, this.pos), 'inconsistent use of tabs and spaces in indentation');
    } else if (col > this.cols[top]) {
      if (this.cols.length >= MAX_INDENT) {
        this.error(this.pos, lineEndFrom(this.text, this.pos), 'too many levels of indentation');
        return;
      }
      if (alt <= this.alts[top]) this.error(this.pos, lineEndFrom(this.text, this.pos), 'inconsistent use of tabs and spaces in indentation');
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
        this.error(this.pos, lineEndFrom(this.text, this.pos), 'unindent does not match any outer indentation level');
        // Carry on as if the line were at that level (without a block of its own), so one bad line is one error.
        this.cols.push(col);
        this.alts.push(alt);
        this.phantom.push(true);
      } else if (alt !== this.alts[at]) this.error(this.pos, lineEndFrom(this.text, this.pos), 'inconsistent use of tabs and spaces in indentation');
    }
  }

  private endOfFile(): void {
    const pos = this.n;
    // Only reached inside an f-string from a replacement field: the f-string never ended.
    this.strings.endOfFile();
    this.operators.neverClosed();
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
        if (f) this.strings.fstringStart(start, p, r);
        else this.strings.string(start, p);
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
        if (this.operators.openBrackets && STATEMENT_KEYWORDS.has(kw) && this.keywordInBrackets(start)) return;
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
    if (!this.operators.openBrackets || this.strings.nesting || !this.firstOnPhysicalLine(start)) return false;
    this.operators.neverClosed();
    this.push(T.NEWLINE, start, start);
    this.pos = lineStartOf(this.text, start);
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

  // ---- operators -------------------------------------------------------------------------------------------

  /** An operator or delimiter at `start` (operators.ts), else a character no token starts with. */
  private operator(start: number, c: number, mode: FString | undefined): void {
    if (this.operators.scan(start, c, mode)) return;
    this.pos = start + 1;
    if (c < 32 || c === 127) this.invalidCharacter(start, c);
    else this.push(T.ERRORTOKEN, start, this.pos); // `$`, `?`, a backtick: a token no rule accepts.
  }
}
