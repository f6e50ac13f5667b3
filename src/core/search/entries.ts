import { frontMatterTargets } from '../notes/library';
import { plainInline } from '../notes/parse';
import { hasLineTerminator, isSpaceCode, skipSpace } from '../notes/markdownText';
import { Point } from '../notes/noteModel';
import { memoize, RangeMemo } from '../memo';
import type { NoteDocument, NotePoint, NoteSection } from '../notes/types';
import { scanText } from './tokenize';

/** Helpers that turn a NoteDocument's sections and points into lookup entries. */

/**
 * Front-matter `terms` of sections and points (front-matter keys may name a section by slug or heading, a point by
 * `slug/N`). The note's other names (its `aliases`, and a front-matter title its first section does not carry) are
 * terms of its first section: Look Up finds the note by them.
 */
export function frontMatterTerms(doc: NoteDocument): { sections: Map<NoteSection, string[]>; points: Map<NotePoint, string[]> } {
  const sections = new Map<NoteSection, string[]>();
  const points = new Map<NotePoint, string[]>();
  const names = noteNames(doc);
  if (names.length) sections.set(doc.sections[0], names);
  for (const { section, point, terms: list } of frontMatterTargets(doc)) {
    if (!section || (point !== undefined && !section.points[point - 1])) continue;
    // A prefix term (`warmup*`) is looked up by its prefix.
    const terms: string[] = [];
    for (let i = 0; i < list.length; i++) {
      const t = list[i];
      const term = t.charCodeAt(t.length - 1) === 42 /* * */ ? t.slice(0, -1) : t;
      if (term) terms.push(term);
    }
    if (point) addTerms(points, section.points[point - 1], terms);
    else addTerms(sections, section, terms);
  }
  return { sections, points };
}

function addTerms<T>(map: Map<T, string[]>, target: T, terms: string[]): void {
  const prev = map.get(target);
  map.set(target, prev ? prev.concat(terms) : terms);
}

/** Offset after a list item's marker (`- `, `* `, `1. `, `2) `) at the start of a line. */
export function afterListMarker(text: string, at: number): number {
  let i = at;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  const c = text.charCodeAt(i);
  if (c === 45 || c === 43 || c === 42) return i + 1;
  let j = i;
  while (text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
  if (j > i && (text.charCodeAt(j) === 46 || text.charCodeAt(j) === 41)) return j + 1;
  return at;
}

/** The `>` closing an HTML tag that starts at `at` (`<img …>`, `</div>`, `<!-- -->`), or -1 when it is not a tag. */
export function tagEnd(text: string, at: number, to: number): number {
  const next = text.charCodeAt(at + 1);
  const letter = (next >= 65 && next <= 90) || (next >= 97 && next <= 122);
  if (!letter && next !== 47 && next !== 33) return -1;
  const close = text.indexOf('>', at + 1);
  return close >= 0 && close < to && close - at < 2000 ? close : -1;
}

/** The [start, end) of an `alt="…"` value inside a tag. */
export function altText(text: string, start: number, end: number): [number, number] | undefined {
  // Searched within the tag only (a search of the whole text ran on to the next `alt=` of the note, or its end).
  let at = -1;
  for (let i = start; i <= end; i++) {
    if (text.charCodeAt(i) === 97 /* a */ && text.startsWith('alt=', i)) {
      at = i;
      break;
    }
  }
  if (at < 0) return undefined;
  const q = text.charCodeAt(at + 4);
  if (q !== 34 && q !== 39) return undefined;
  const close = text.indexOf(q === 34 ? '"' : "'", at + 5);
  return close > 0 && close <= end ? [at + 5, close] : undefined;
}

/** First line of plain text of a section body (list markers, fences and rules skipped). */
export function firstTextLine(md: string): string {
  for (const line of md.split('\n')) {
    const t = plainInline(line.replace(/^\s*(?:[-+*]|\d{1,9}[.)])\s+/, '').replace(/^\s*(?:```|~~~).*$/, ''));
    if (t && !/^[-*_=\s]+$/.test(t)) return clip(t, 200);
  }
  return '';
}

/** A point's bold lead-in (`**Constant warmup**: …`) or a short label before a colon (`特征融合粗糙：…`). */
export function pointLead(point: NotePoint): string {
  // The pattern never reaches past the first line of the item's Markdown, so a parsed point gives just that line.
  const head = point instanceof Point ? point.headLine : undefined;
  const md = head ?? point.markdown;
  const end = boldEnd(md);
  if (end >= 0) return boldLeads.get(md, boldStart(md), end);
  if (head !== undefined && !mayStartWithLabel(head)) return '';
  const colon = /^([^:：]{2,24})[:：]/.exec(point.summary);
  if (colon && !/[，,。.;；!?！？()（）]/.test(colon[1])) return labelLead(colon[1]);
  return '';
}

/**
 * The text between the bold marks a Markdown text starts with (`**Constant warmup**: …` → `Constant warmup`), as
 * `/^\s*(\*\*|__)(.+?)\1/` captures it, read without a regular expression; undefined when it does not start so.
 */
export function boldInner(md: string): string | undefined {
  const end = boldEnd(md);
  return end < 0 ? undefined : md.slice(boldStart(md), end);
}

/** Where the text of a bold start (see boldInner) begins: past the white space and the opening `**` or `__`. */
function boldStart(md: string): number {
  return skipSpace(md, 0, md.length) + 2;
}

/** Where the text of a bold start (see boldInner) ends (its closing `**` or `__`); -1 when the text does not start so. */
function boldEnd(md: string): number {
  const i = skipSpace(md, 0, md.length);
  const c = md.charCodeAt(i);
  if ((c !== 42 && c !== 95) || md.charCodeAt(i + 1) !== c) return -1;
  const from = i + 2;
  const close = md.indexOf(c === 42 ? '**' : '__', from + 1);
  // `.` does not reach past a line terminator.
  return close < 0 || hasLineTerminator(md, from, close) ? -1 : close;
}

/**
 * Whether the summary made from an item's first line (plain text of it) could start with a short label and a colon,
 * told from the line itself: plain text only drops characters of the line (markers, white space) except inside links
 * and tags (after a `[` or `<`), so a line without a colon has none in its summary, and letters, digits and other
 * characters outside ASCII before its first colon all stay before it. False only when the summary certainly has no
 * such label (most items: no colon, or one after more than a label's 24 characters).
 */
function mayStartWithLabel(line: string): boolean {
  const a = line.indexOf(':');
  const b = line.indexOf('：');
  const colon = a < 0 ? b : b < 0 ? a : Math.min(a, b);
  const end = colon < 0 ? line.length : colon;
  // `<` or `[` before the first colon: a tag or link could hide or rewrite text.
  const lt = line.indexOf('<');
  if (lt >= 0 && lt < end) return true;
  const br = line.indexOf('[');
  if (br >= 0 && br < end) return true;
  if (colon >= 0) {
    // A label is at most 24 kept characters before the colon.
    let kept = 0;
    for (let i = 0; i < colon; i++) if (keptChar(line.charCodeAt(i)) && ++kept > 24) return false;
    return true;
  }
  // No colon: the summary is this line's (it keeps some text) and has none; a line that may lose all its text gives
  // way to the next line of the item (a block id at the end of the line is dropped with its letters).
  if (line.includes('^')) return true;
  for (let i = 0; i < line.length; i++) if (keptChar(line.charCodeAt(i))) return false;
  return true;
}

/** A character plain text keeps before a colon: letters and digits, and any character outside ASCII but white space. */
function keptChar(c: number): boolean {
  return c < 128 ? (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) : !isSpaceCode(c);
}

/**
 * Lead-ins seen lately, one string each: a library repeats them (`**Observation**`, `技巧：`), and the points share it.
 * Bold ones are found by their text where it is, in the item's line.
 */
const boldLeads = new RangeMemo((inner: string) => plainInline(inner).replace(/[:：]\s*$/, '').trim());
const labelLead = memoize((label: string) => label.trim());

/** The longest a point's title gets in a list (Look Up, the panel's search). */
export const POINT_TITLE_MAX = 40;

/**
 * A short title for a point without a lead-in: its first sentence when that is short, else as many of its first
 * clauses as fit (`语义分割本身就是一个退而求其次的课题，但…` → `语义分割本身就是一个退而求其次的课题`), else its start.
 */
export function pointTitle(summary: string, max = POINT_TITLE_MAX): string {
  const text = summary.trim();
  if (text.length <= max) return text.replace(/[，,;；:：]$/, '');
  // Clause ends: CJK punctuation anywhere, Latin punctuation before a space.
  const ends = [...text.matchAll(/[，。；：！？、]|[,.;:!?](?=\s)/g)].map((m) => m.index);
  let title = '';
  for (const at of ends) {
    if (at > max) break;
    const clause = text.slice(0, at).trim();
    if (clause.length >= 4) title = clause;
    if ('。！？.!?'.includes(text[at])) break;
  }
  if (title) return title;
  const cut = text.slice(0, max - 1);
  const space = /\s/.test(text[max - 1]) ? cut.length : cut.lastIndexOf(' ');
  return (space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd() + '…';
}

export function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1).trimEnd() + '…';
}

/** Word and CJK characters in a text. */
export function countTextChars(s: string): number {
  let n = 0;
  scanText(s, { word: (w) => (n += w.length), cjk: (_t, start, end) => (n += end - start) });
  return n;
}

/** Ancestors (with the file title in front when it differs from the first crumb and from the section itself). */
export function sectionBreadcrumb(doc: NoteDocument, section: NoteSection): string[] {
  const crumbs = [...section.breadcrumb];
  const docTitle = doc.title;
  if (docTitle && crumbs[0] !== docTitle && !(section.level <= 1 && section.title === docTitle)) crumbs.unshift(docTitle);
  return crumbs;
}

export function countEntries(doc: NoteDocument): number {
  let n = 0;
  for (const s of doc.sections) n += 1 + s.points.length;
  return n;
}

/** The names of a note besides its first section's title: its aliases, and its title when that is another name. */
export function noteNames(doc: NoteDocument): string[] {
  const first = doc.sections[0];
  if (!first) return [];
  const names = doc.title !== first.title ? [doc.title, ...doc.aliases] : [...doc.aliases];
  return names.filter((n, i) => n && names.indexOf(n) === i);
}
