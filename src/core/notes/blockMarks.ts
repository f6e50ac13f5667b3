/**
 * The two block patterns the notes parser meets on most lines that start a block, read character by character so that
 * a line is not matched against a regular expression and no match array or captured strings are made for it:
 *
 * - an ATX heading, as `^ {0,3}(#{1,6})(?:[ \t]+|$)(.*)$` would match it;
 * - a list item's marker, as `^( {0,3})([-+*]|\d{1,9}[.)])([ \t]+|$)` would match it.
 *
 * A unit test holds them to those patterns.
 */

import { hasLineTerminator } from './markdownText';

/** The level (1–6) of an ATX heading line, or 0; its text starts at `atxTextStart(line, level)`. */
export function atxLevel(line: string): number {
  let i = 0;
  while (i < 3 && line.charCodeAt(i) === 32) i++;
  let j = i;
  while (line.charCodeAt(j) === 35) j++;
  const level = j - i;
  if (level < 1 || level > 6) return 0;
  if (j < line.length) {
    const c = line.charCodeAt(j);
    if (c !== 32 && c !== 9) return 0;
  }
  // `.` stops at a line terminator (a line never holds `\n`; `\r` is normalised away, but not always).
  return hasLineTerminator(line, j, line.length) ? 0 : level;
}

/** Where the text of an ATX heading line of `level` starts (after its `#`s and the blanks that follow them). */
export function atxTextStart(line: string, level: number): number {
  let i = line.indexOf('#') + level;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  return i;
}

/**
 * A list item's marker at the start of a line. Returns false when there is none; else fills `out`: [0] the end of the
 * indentation (the marker's start), [1] the end of the marker, [2] the end of the blanks after it.
 */
export function listMarker(line: string, out: Int32Array): boolean {
  let i = 0;
  while (i < 3 && line.charCodeAt(i) === 32) i++;
  const c = line.charCodeAt(i);
  let m = i;
  if (c === 45 || c === 43 || c === 42) m = i + 1;
  else {
    while (m - i < 10 && line.charCodeAt(m) >= 48 && line.charCodeAt(m) <= 57) m++;
    const digits = m - i;
    if (digits < 1 || digits > 9) return false;
    const d = line.charCodeAt(m);
    if (d !== 46 && d !== 41) return false;
    m++;
  }
  let e = m;
  while (e < line.length && (line.charCodeAt(e) === 32 || line.charCodeAt(e) === 9)) e++;
  if (e === m && m < line.length) return false;
  out[0] = i;
  out[1] = m;
  out[2] = e;
  return true;
}
