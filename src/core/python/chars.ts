/**
 * Character classes of Python's tokenizer, by UTF-16 code unit (ASCII only: other characters are looked up by their
 * Unicode properties), and where physical lines start and end.
 */

export function isLineBreak(c: number): boolean {
  return c === 10 || c === 13;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAsciiIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

export function isAsciiIdPart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57);
}

/** The 1-based line of `offset` in `t` (a line break is LF, CRLF or CR). */
export function lineAt(t: string, offset: number): number {
  const n = t.length;
  let line = 1;
  const end = Math.min(offset, n);
  const cr = t.indexOf('\r');
  if (cr < 0 || cr >= end) {
    // Only line feeds before `offset`: counted by search, not character by character.
    for (let i = t.indexOf('\n'); i >= 0 && i < end; i = t.indexOf('\n', i + 1)) line++;
    return line;
  }
  for (let i = 0; i < offset && i < n; i++) {
    const c = t.charCodeAt(i);
    if (c === 10 || (c === 13 && t.charCodeAt(i + 1) !== 10)) line++;
  }
  return line;
}

/** The start of the physical line `at` is on in `t`. */
export function lineStartOf(t: string, at: number): number {
  let i = at;
  while (i > 0) {
    const c = t.charCodeAt(i - 1);
    if (c === 10 || c === 13) break;
    i--;
  }
  return i;
}

/** The end of the physical line `j` is on in `t` (the offset of its line break, or the end of the text). */
export function lineEndFrom(t: string, j: number): number {
  const n = t.length;
  while (j < n && !isLineBreak(t.charCodeAt(j))) j++;
  return j;
}

/**
 * `t.slice(from, to)` as a string of its own: a slice of the text would keep the whole text alive as long as the tree
 * holding it, and a re-parse keeps trees across versions of a document (see parse.ts): each would keep its version.
 */
export function textOf(t: string, from: number, to: number): string {
  // Short slices are copies already; a longer one is copied by slicing a concatenation (made flat first).
  return to - from < 13 ? t.slice(from, to) : ` ${t.slice(from, to)}`.slice(1);
}
