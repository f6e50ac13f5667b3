/** Character classes of Python's tokenizer, by UTF-16 code unit (ASCII only: other characters are looked up by their Unicode properties). */

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

/** The end of the physical line `j` is on in `t` (the offset of its line break, or the end of the text). */
export function lineEndFrom(t: string, j: number): number {
  const n = t.length;
  while (j < n && !isLineBreak(t.charCodeAt(j))) j++;
  return j;
}
