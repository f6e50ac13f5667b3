/**
 * Number literals as CPython's tokenizer reads them: decimal, hexadecimal, octal and binary integers, floats,
 * exponents and imaginary numbers, with single underscores between digits, and CPython's messages for what it rejects
 * ("invalid decimal literal", "invalid digit '8' in octal literal", "leading zeros in decimal integer literals are not
 * permitted…"). A malformed number is still one token: it runs on over the letters, digits and dots after the error.
 */
import type { LexicalError } from './lexical';
import { isAsciiIdPart, isDigit } from './chars';

/**
 * The end of the number starting at `start` (a digit, or `.` then a digit) in `t` (of length `n`); its errors are
 * added to `errors`.
 */
export function scanNumber(t: string, start: number, n: number, errors: LexicalError[]): number {
  let p = start;
  let c = t.charCodeAt(p);
  const error = (from: number, to: number, message: string) => errors.push({ from, to: Math.max(from, to), message });
  const fail = (at: number, message: string): number => {
    error(at, at + 1, message);
    // The rest of the literal (letters, digits, dots) stays in this one token.
    while (p < n && (isAsciiIdPart((c = t.charCodeAt(p))) || c === 46)) p++;
    return p;
  };
  /** Digits with single underscores between them; the char after them, or -1 after an error (then `p` is the end). */
  const decimalTail = (): number => {
    for (;;) {
      while (isDigit((c = t.charCodeAt(p)))) p++;
      if (c !== 95) return c;
      p++;
      if (!isDigit(t.charCodeAt(p))) {
        fail(p, 'invalid decimal literal');
        return -1;
      }
    }
  };
  /** Whether the number may end at `p` (else the error is said and `p` is the end of the malformed literal). */
  const end = (kind: string): boolean => {
    c = t.charCodeAt(p);
    if (c < 128 && isAsciiIdPart(c) && !keywordAfterNumber(t, p)) {
      fail(p, `invalid ${kind} literal`);
      return false;
    }
    return true;
  };
  const radix = (kind: string, isDigitOf: (c: number) => boolean, decimalDigitMessage: boolean): number => {
    p += 2;
    c = t.charCodeAt(p);
    do {
      if (c === 95) c = t.charCodeAt(++p);
      if (!isDigitOf(c)) {
        if (decimalDigitMessage && isDigit(c)) return fail(p, `invalid digit '${String.fromCharCode(c)}' in ${kind} literal`);
        return fail(p, `invalid ${kind} literal`);
      }
      while (isDigitOf((c = t.charCodeAt(++p))));
    } while (c === 95);
    if (decimalDigitMessage && isDigit(c)) return fail(p, `invalid digit '${String.fromCharCode(c)}' in ${kind} literal`);
    end(kind);
    return p;
  };

  if (c === 48 /* 0 */) {
    const x = t.charCodeAt(p + 1) | 32;
    if (x === 120) return radix('hexadecimal', isHexDigit, false);
    if (x === 111) return radix('octal', isOctDigit, true);
    if (x === 98) return radix('binary', isBinDigit, true);
  }
  let fractionOrExponent = false;
  if (c === 46) {
    p++;
    if (decimalTail() < 0) return p;
    fractionOrExponent = true;
  } else if (c === 48) {
    // Zeros (and underscores between them); other digits after them only before `.`, `e` or `j`.
    p++;
    for (;;) {
      c = t.charCodeAt(p);
      if (c === 95) {
        p++;
        if (!isDigit(t.charCodeAt(p))) return fail(p, 'invalid decimal literal');
        c = t.charCodeAt(p);
      }
      if (c !== 48) break;
      p++;
    }
    const zerosEnd = p;
    let nonzero = false;
    if (isDigit(c)) {
      nonzero = true;
      if (decimalTail() < 0) return p;
    }
    if (c !== 46 && (c | 32) !== 101 && (c | 32) !== 106) {
      if (nonzero) {
        error(start, zerosEnd, 'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers');
        while (p < n && isAsciiIdPart(t.charCodeAt(p))) p++;
        return p;
      }
      end('decimal');
      return p;
    }
  } else if (decimalTail() < 0) return p;
  c = t.charCodeAt(p);
  if (c === 46 && !fractionOrExponent) {
    p++;
    if (isDigit(t.charCodeAt(p)) && decimalTail() < 0) return p;
    c = t.charCodeAt(p);
  }
  if ((c | 32) === 101 /* e */) {
    const e = p;
    p++;
    c = t.charCodeAt(p);
    if (c === 43 || c === 45) {
      p++;
      if (!isDigit(t.charCodeAt(p))) return fail(p, 'invalid decimal literal');
    } else if (!isDigit(c)) {
      // `1else`: the number ends before the `e` (a keyword may follow a number); `1e` alone is invalid.
      p = e;
      end('decimal');
      return p;
    }
    if (decimalTail() < 0) return p;
    c = t.charCodeAt(p);
  }
  if ((c | 32) === 106 /* j */) {
    p++;
    end('imaginary');
  } else end('decimal');
  return p;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);
}

function isOctDigit(c: number): boolean {
  return c >= 48 && c <= 55;
}

function isBinDigit(c: number): boolean {
  return c === 48 || c === 49;
}

/**
 * After a number, the start of a keyword that may follow one in valid code (`1if x else 2`, `0x1for`): CPython warns
 * and goes on (the number ends there) rather than reporting an invalid literal.
 */
function keywordAfterNumber(t: string, p: number): boolean {
  const c = t.charCodeAt(p);
  const follows = (word: string) => {
    const after = t.charCodeAt(p + 1 + word.length);
    return t.startsWith(word, p + 1) && !(isAsciiIdPart(after) || after >= 128);
  };
  switch (c) {
    case 97:
      return follows('nd');
    case 101:
      return follows('lse');
    case 102:
      return follows('or');
    case 105: {
      const d = t.charCodeAt(p + 1);
      return d === 102 || d === 110 || d === 115;
    }
    case 111:
      return follows('r');
    case 110:
      return follows('ot');
    default:
      return false;
  }
}
