import { parseWikiTarget, wikiLinkText } from './vaultSyntax';

/** Markdown as plain text (titles, summaries, context lines), and the line helpers the notes parser shares. */

/** Inline Markdown → plain text (for titles and summaries). */
export function plainInline(s: string): string {
  // One look at every character says which markers the text holds: most headings and list items carry little inline
  // markup, and each replacement runs only when its marker is there (none of them brings in a marker of another).
  const marks = markersIn(s);
  if (!marks) return collapseSpaces(s);
  let t = s;
  // Vault syntax: a wikilink or embed shows its label (`[[Warmup#Ramp|the ramp]]` → the ramp); a highlight its text.
  if (marks & M_OPEN && t.includes('[[')) t = t.replace(/!?\[\[([^\[\]\n]{1,1000})\]\]/g, (_m, inner: string) => wikiLinkText(parseWikiTarget(inner)));
  if (marks & M_EQ && t.includes('==')) t = t.replace(/==([^=\s](?:[^=]*[^=\s])?)==/g, '$1');
  if (marks & M_CARET) t = t.replace(/(^|\s)\^[A-Za-z0-9][A-Za-z0-9-]*\s*$/, '');
  // Elements whose content is not text (a script in a heading) leave nothing behind.
  if (marks & M_ANGLE && t.includes('<')) t = t.replace(/<(script|style|title|textarea|template|noscript|iframe|object|svg|math)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '');
  if (marks & M_CLOSE && t.includes('](')) t = t.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
  if (marks & M_ANGLE && t.includes('<')) t = t.replace(/<[^>]+>/g, '');
  if (marks & M_EMPH) {
    if (t.includes('**') || t.includes('__')) t = t.replace(/(\*\*|__)(.+?)\1/g, '$2');
    if (t.includes('*') || t.includes('_')) t = t.replace(/(^|[^\w*])[*_]([^*_\s][^*_]*?)[*_](?=[^\w*]|$)/g, '$1$2');
  }
  if (marks & M_TICK && t.includes('`')) t = t.replace(/`([^`]*)`/g, '$1');
  if (marks & M_ESCAPE && t.includes('\\')) t = t.replace(/\\([\\`*_{}\[\]()#+\-.!])/g, '$1');
  return collapseSpaces(t);
}

const M_OPEN = 1;
const M_CLOSE = 2;
const M_ANGLE = 4;
const M_EMPH = 8;
const M_TICK = 16;
const M_ESCAPE = 32;
const M_EQ = 64;
const M_CARET = 128;

/** Which inline markers (`[`, `]`, `<` `>`, `*` `_`, `` ` ``, `\\`, `=`, `^`; `!` alone changes nothing) a text holds. */
function markersIn(s: string): number {
  let marks = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) continue;
    const m = MARKER[c];
    if (m) marks |= m;
  }
  return marks;
}

const MARKER = new Uint8Array(128);
MARKER[91] = M_OPEN; // [
MARKER[93] = M_CLOSE; // ]
MARKER[60] = MARKER[62] = M_ANGLE; // < >
MARKER[42] = MARKER[95] = M_EMPH; // * _
MARKER[96] = M_TICK; // `
MARKER[92] = M_ESCAPE; // \
MARKER[61] = M_EQ; // =
MARKER[94] = M_CARET; // ^

/** Runs of white space → one space, trimmed (the text itself when it has nothing to change). */
function collapseSpaces(s: string): string {
  const n = s.length;
  if (!n) return s;
  let prevSpace = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (isSpaceCode(c)) {
      if (prevSpace || c !== 32) return s.replace(/\s+/g, ' ').trim();
      prevSpace = true;
    } else prevSpace = false;
  }
  return s.charCodeAt(0) === 32 || prevSpace ? s.trim() : s;
}

/** Whether s[from, to) holds a character a regular expression's `.` stops at (`\n`, `\r`, U+2028, U+2029). */
export function hasLineTerminator(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/** What `\s` (and `trim`) count as white space. */
export function isSpaceCode(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Whether s[from, to) holds nothing but white space (as `trim` sees it), or nothing. */
export function isBlankBetween(s: string, from: number, to: number): boolean {
  return skipSpace(s, from, to) === to;
}

/** The index of the first character of s[from, to) that is not white space (as `trim` sees it), or `to`. */
export function skipSpace(s: string, from: number, to: number): number {
  while (from < to && isSpaceCode(s.charCodeAt(from))) from++;
  return from;
}

/** The end of s[from, to) without the white space it ends with (as `trimEnd` sees it). */
export function trimSpaceEnd(s: string, from: number, to: number): number {
  while (to > from && isSpaceCode(s.charCodeAt(to - 1))) to--;
  return to;
}

/** The first line of a fragment that has text once its inline Markdown is removed. */
export function firstTextLine(md: string): string {
  if (!md.includes('\n')) return plainInline(md);
  for (const l of md.split('\n')) {
    const t = plainInline(l);
    if (t) return t;
  }
  return '';
}

/**
 * Only white space (what `trim()` removes), without allocating for the common non-blank line: a line whose first
 * character is not white space is not blank, whatever the script (a line of CJK prose starts outside ASCII).
 */
export function isBlank(line: string): boolean {
  if (!line.length) return true;
  if (!isSpaceCode(line.charCodeAt(0))) return false;
  return line.trim() === '';
}

/** A line without its first `n` columns of indentation (tabs to the next multiple of 4). */
export function dedent(line: string, n: number): string {
  let i = 0;
  let col = 0;
  while (i < line.length && col < n && (line[i] === ' ' || line[i] === '\t')) {
    col += line[i] === '\t' ? 4 - (col % 4) : 1;
    i++;
  }
  return line.slice(i);
}

export function trimBlankLines(ls: string[]): string[] {
  let a = 0;
  let b = ls.length;
  while (a < b && ls[a].trim() === '') a++;
  while (b > a && ls[b - 1].trim() === '') b--;
  return ls.slice(a, b);
}
