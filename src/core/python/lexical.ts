import type { Span } from './ast';

/**
 * Errors Python's tokenizer reports and @lezer/python lets through (it recovers silently): a one-line string that
 * reaches the end of its line, an indentation that nothing opened ("unexpected indent"), a dedent to a column no
 * enclosing block used, a block header with no indented block after it, and tabs and spaces mixed so that the
 * indentation means different things at tab size 8 and 1 (TabError). A file with any of these does not run, so the
 * CLI's `--fix` must leave it alone.
 *
 * It follows CPython's tokenizer: logical lines (brackets and backslashes join physical lines), blank and comment
 * lines ignored for indentation, columns with tabs to multiples of 8 checked against tab size 1. Where it cannot be
 * sure (the expressions inside f-strings), it reports nothing.
 */

export interface LexicalError extends Span {
  message: string;
}

const MAX_ERRORS = 50;

export function lexicalErrors(text: string): LexicalError[] {
  return new Scanner(text).run();
}

/**
 * The tokenizer's errors and the file's comments (from `#` to the end of the line; a `#` inside a string is not one),
 * in one pass.
 */
export function lexicalScan(text: string): LexicalScan {
  const scanner = new Scanner(text);
  const errors = scanner.run();
  return { errors, comments: scanner.comments, longStrings: scanner.longStrings };
}

export interface LexicalScan {
  errors: LexicalError[];
  comments: Span[];
  /** Triple-quoted strings (the only ones that may span lines). */
  longStrings: Span[];
}

class Scanner {
  private i = 0;
  private readonly n: number;
  private readonly errors: LexicalError[] = [];
  /** Comments met on the way, in order. */
  readonly comments: Span[] = [];
  readonly longStrings: Span[] = [];
  /** Indentation levels: columns at tab size 8 and at tab size 1. */
  private readonly cols: number[] = [0];
  private readonly alts: number[] = [0];
  private depth = 0;
  /** The last token of the current logical line was `:` (a block header: an indented block must follow). */
  private colonLast = false;
  private expectIndent = false;

  constructor(private readonly text: string) {
    this.n = text.length;
  }

  run(): LexicalError[] {
    let lineStart = true;
    while (this.i < this.n && this.errors.length < MAX_ERRORS) {
      if (lineStart) {
        if (!this.indentation()) continue; // a blank or comment-only line: the next line starts a logical line
        lineStart = false;
      }
      const c = this.text.charCodeAt(this.i);
      if (c === 10 || c === 13) {
        this.newline();
        if (this.depth === 0) {
          this.expectIndent = this.colonLast;
          this.colonLast = false;
          lineStart = true;
        }
      } else if (c === 35 /* # */) {
        this.skipToLineEnd();
      } else if (c === 92 /* \ */) {
        this.i++;
        const d = this.text.charCodeAt(this.i);
        if (d === 10 || d === 13) this.newline(); // an explicit line join: the next line continues this one
      } else if (c === 39 || c === 34) {
        this.string('');
        this.colonLast = false;
      } else if (isIdentStart(c)) {
        const start = this.i;
        while (this.i < this.n && isIdentPart(this.text.charCodeAt(this.i))) this.i++;
        const word = this.text.slice(start, this.i);
        const q = this.text.charCodeAt(this.i);
        if ((q === 39 || q === 34) && STRING_PREFIXES.has(word.toLowerCase())) this.string(word.toLowerCase(), start);
        this.colonLast = false;
      } else if (c >= 48 && c <= 57) {
        while (this.i < this.n && (isIdentPart(this.text.charCodeAt(this.i)) || this.text.charCodeAt(this.i) === 46)) this.i++;
        this.colonLast = false;
      } else {
        if (c === 40 || c === 91 || c === 123) this.depth++;
        else if ((c === 41 || c === 93 || c === 125) && this.depth > 0) this.depth--;
        this.i++;
        if (c !== 32 && c !== 9 && c !== 12) this.colonLast = c === 58 && this.text.charCodeAt(this.i) !== 61; // `:`, not `:=`
      }
    }
    if ((this.expectIndent || (this.colonLast && this.depth === 0)) && this.errors.length < MAX_ERRORS) this.error(this.n, this.n, 'expected an indented block');
    return this.errors;
  }

  /** At the start of a logical line: checks its indentation. False for a blank or comment-only line (skipped). */
  private indentation(): boolean {
    let col = 0;
    let alt = 0;
    let j = this.i;
    for (; j < this.n; j++) {
      const c = this.text.charCodeAt(j);
      if (c === 32) {
        col++;
        alt++;
      } else if (c === 9) {
        col = (Math.floor(col / 8) + 1) * 8;
        alt++;
      } else if (c === 12) {
        col = 0;
        alt = 0;
      } else break;
    }
    const c = this.text.charCodeAt(j);
    if (j >= this.n || c === 10 || c === 13 || c === 35) {
      this.i = j;
      if (c === 35) this.skipToLineEnd();
      if (j < this.n) this.newline();
      return false;
    }
    const top = this.cols.length - 1;
    const lineEnd = this.lineEndFrom(j);
    if (col > this.cols[top]) {
      if (!this.expectIndent) this.error(this.i, lineEnd, 'unexpected indent');
      else if (alt <= this.alts[top]) this.error(this.i, lineEnd, 'inconsistent use of tabs and spaces in indentation');
      this.cols.push(col);
      this.alts.push(alt);
    } else {
      if (this.expectIndent) this.error(this.i, lineEnd, 'expected an indented block');
      while (this.cols.length > 1 && col < this.cols[this.cols.length - 1]) {
        this.cols.pop();
        this.alts.pop();
      }
      const at = this.cols.length - 1;
      if (col !== this.cols[at]) {
        this.error(this.i, lineEnd, 'unindent does not match any outer indentation level');
        // Carry on as if the line were at that level, so one bad line is one error.
        this.cols.push(col);
        this.alts.push(alt);
      } else if (alt !== this.alts[at]) this.error(this.i, lineEnd, 'inconsistent use of tabs and spaces in indentation');
    }
    this.expectIndent = false;
    this.i = j;
    return true;
  }

  /**
   * A string literal from its opening quote (the prefix, if any, already consumed; `from` is where it began).
   * One-line strings must close on their line (a backslash carries them over); triple-quoted ones before the end.
   */
  private string(prefix: string, from = this.i): void {
    const t = this.text;
    const q = t.charCodeAt(this.i);
    const triple = t.charCodeAt(this.i + 1) === q && t.charCodeAt(this.i + 2) === q;
    const fstring = prefix.includes('f') || prefix.includes('t');
    this.i += triple ? 3 : 1;
    let braces = 0; // inside an f-string's replacement field: not checked (nested quotes, newlines in 3.12)
    while (this.i < this.n) {
      const c = t.charCodeAt(this.i);
      if (c === 92 /* \ */) {
        this.i += 2;
        if (t.charCodeAt(this.i - 1) === 13 && t.charCodeAt(this.i) === 10) this.i++;
        continue;
      }
      if (fstring && c === 123 /* { */) {
        if (braces === 0 && t.charCodeAt(this.i + 1) === 123) this.i += 2;
        else {
          braces++;
          this.i++;
        }
        continue;
      }
      if (fstring && braces > 0) {
        if (c === 125 /* } */) braces--;
        this.i++;
        continue;
      }
      if (c === q && (!triple || (t.charCodeAt(this.i + 1) === q && t.charCodeAt(this.i + 2) === q))) {
        this.i += triple ? 3 : 1;
        if (triple) this.longStrings.push({ from, to: this.i });
        return;
      }
      if ((c === 10 || c === 13) && !triple) {
        this.error(from, this.i, 'unterminated string literal');
        return; // the newline ends the logical line as usual
      }
      this.i++;
    }
    if (braces === 0) this.error(from, this.n, triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal');
  }

  private newline(): void {
    if (this.text.charCodeAt(this.i) === 13 && this.text.charCodeAt(this.i + 1) === 10) this.i++;
    this.i++;
  }

  /** From a `#` to the end of its line: a comment. */
  private skipToLineEnd(): void {
    const from = this.i;
    while (this.i < this.n && this.text.charCodeAt(this.i) !== 10 && this.text.charCodeAt(this.i) !== 13) this.i++;
    this.comments.push({ from, to: this.i });
  }

  private lineEndFrom(j: number): number {
    while (j < this.n && this.text.charCodeAt(j) !== 10 && this.text.charCodeAt(j) !== 13) j++;
    return j;
  }

  private error(from: number, to: number, message: string): void {
    this.errors.push({ from, to: Math.max(from, to), message });
  }
}

/** String prefixes (lower-cased): raw, bytes, unicode, f-strings and template strings, and their combinations. */
const STRING_PREFIXES = new Set(['r', 'u', 'b', 'br', 'rb', 'f', 'fr', 'rf', 't', 'tr', 'rt']);

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
