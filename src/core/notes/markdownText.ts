import { parseWikiTarget, wikiLinkText } from './vaultSyntax';

/** Markdown as plain text (titles, summaries, context lines), and the line helpers the notes parser shares. */

/** Inline Markdown → plain text (for titles and summaries). */
export function plainInline(s: string): string {
  // Most headings and list items carry little inline markup: each replacement runs only when its marker is there.
  if (!INLINE_MARKUP.test(s)) return collapseSpaces(s);
  let t = s;
  // Vault syntax: a wikilink or embed shows its label (`[[Warmup#Ramp|the ramp]]` → the ramp); a highlight its text.
  if (t.includes('[[')) t = t.replace(/!?\[\[([^\[\]\n]{1,1000})\]\]/g, (_m, inner: string) => wikiLinkText(parseWikiTarget(inner)));
  if (t.includes('==')) t = t.replace(/==([^=\s](?:[^=]*[^=\s])?)==/g, '$1');
  if (t.includes('^')) t = t.replace(/(^|\s)\^[A-Za-z0-9][A-Za-z0-9-]*\s*$/, '');
  // Elements whose content is not text (a script in a heading) leave nothing behind.
  if (t.includes('<')) t = t.replace(/<(script|style|title|textarea|template|noscript|iframe|object|svg|math)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '');
  if (t.includes('](')) t = t.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
  if (t.includes('<')) t = t.replace(/<[^>]+>/g, '');
  if (t.includes('**') || t.includes('__')) t = t.replace(/(\*\*|__)(.+?)\1/g, '$2');
  if (t.includes('*') || t.includes('_')) t = t.replace(/(^|[^\w*])[*_]([^*_\s][^*_]*?)[*_](?=[^\w*]|$)/g, '$1$2');
  if (t.includes('`')) t = t.replace(/`([^`]*)`/g, '$1');
  if (t.includes('\\')) t = t.replace(/\\([\\`*_{}\[\]()#+\-.!])/g, '$1');
  return collapseSpaces(t);
}

const INLINE_MARKUP = /[!\[\]<>*_`\\=^]/;
const SPACE_RUN = /\s{2,}|[^\S ]/;

/** Runs of white space → one space, trimmed. */
function collapseSpaces(s: string): string {
  return SPACE_RUN.test(s) ? s.replace(/\s+/g, ' ').trim() : s.trim();
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

/** Only white space (what `trim()` removes), without allocating for the common non-blank line. */
export function isBlank(line: string): boolean {
  if (!line.length) return true;
  const c = line.charCodeAt(0);
  if (c > 32 && c < 127) return false;
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
