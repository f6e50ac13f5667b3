/**
 * Reading Python source text character by character where the syntax tree has no answer: the captures' text without
 * whitespace and comments (so that `f(a, b)` and `f(a,b)` are the same capture), and the `$` of captures in a
 * pattern (never inside its strings or comments).
 */

const PREFIX_LETTERS = new Set('rRbBuUfFtT');

/** Letters, digits, `_` and non-ASCII characters: what identifiers are made of. */
function isWordChar(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  const c = ch.charCodeAt(0);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}

function isUpperOrDigit(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  const c = ch.charCodeAt(0);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 95;
}

function isLower(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  const c = ch.charCodeAt(0);
  return c >= 97 && c <= 122;
}

/** The offset of the opening quote of a string literal starting at `i` (after `rb`, `f`… prefixes), else -1. */
function stringStart(text: string, i: number): number {
  if (i > 0 && isWordChar(text[i - 1])) return -1;
  let j = i;
  while (j < text.length && j - i < 3 && PREFIX_LETTERS.has(text[j])) j++;
  const q = text[j];
  return q === '"' || q === "'" ? j : -1;
}

/** The offset just past the string literal whose opening quote is at `q` (the end of the text if unterminated). */
export function stringEnd(text: string, q: number): number {
  const quote = text[q];
  const triple = text[q + 1] === quote && text[q + 2] === quote;
  const close = triple ? quote.repeat(3) : quote;
  let i = q + close.length;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') {
      // Even in a raw string a backslash keeps the next quote from closing it.
      i += 2;
      continue;
    }
    if (!triple && (ch === '\n' || ch === '\r')) return i;
    if (text.startsWith(close, i)) return i + close.length;
    i++;
  }
  return text.length;
}

/**
 * The source between `from` and `to` without whitespace, comments and line continuations outside string literals:
 * two spellings of one expression that differ only in layout give the same text.
 */
export function compactSource(text: string, from: number, to: number): string {
  let out = '';
  let i = from;
  while (i < to) {
    const ch = text[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\\') {
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < to && text[i] !== '\n' && text[i] !== '\r') i++;
      continue;
    }
    const q = stringStart(text, i);
    if (q >= 0) {
      const end = Math.min(to, stringEnd(text, q));
      out += text.slice(i, end);
      i = end;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** A `$` in a pattern: where it is, and what follows it. */
export interface Dollar {
  /** Offset of the first `$`. */
  at: number;
  /** 1 for `$NAME`, 3 for `$$$NAME`; anything else is an error. */
  count: number;
  /** The capture's name (`_` for the anonymous one); empty when no valid name follows. */
  name: string;
}

/** Every run of `$` in a pattern outside its strings and comments (`code: false`: anywhere, for a message). */
export function dollarsOf(text: string, code = true): Dollar[] {
  const out: Dollar[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (code && ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const q = code ? stringStart(text, i) : -1;
    if (q >= 0) {
      i = stringEnd(text, q);
      continue;
    }
    if (ch === '$') {
      let n = 0;
      while (text[i + n] === '$') n++;
      let j = i + n;
      let name = '';
      if (isUpperOrDigit(text[j]) && !(text[j] >= '0' && text[j] <= '9')) {
        while (j < text.length && isUpperOrDigit(text[j])) j++;
        // `$Name` (lower case after the capitals) is not a capture name.
        if (!isLower(text[j])) name = text.slice(i + n, j);
      }
      out.push({ at: i, count: n, name });
      i = j > i + n ? j : i + n;
      continue;
    }
    i++;
  }
  return out;
}
