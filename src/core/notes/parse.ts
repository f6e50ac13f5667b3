import { parseDocument } from 'yaml';
import { mappingObject, readSimpleYamlLines, type SimpleMapping } from './frontMatter';
import { lineStarts } from '../text';
import { objectArray } from '../arrays';
import { memoize, RangeMemo } from '../memo';
import { msg, type Msg } from '../message';
import type { NoteCheckBlock, NoteDocument, NotePoint, NoteSection, NoteTag, NoteWarning } from './types';
import { extractVaultSyntax } from './vaultExtract';
import { Point, Section } from './noteModel';
import { dedent, firstTextLine, isBlank, isBlankBetween, plainInline, trimBlankLines } from './markdownText';
import { atxLevel, atxTextStart, listMarker } from './blockMarks';
import { safeDecode } from './paths';

export { plainInline };

/**
 * Markdown → NoteDocument with a line scanner that follows CommonMark's block rules where they matter for
 * structure: fenced code (no headings inside), raw HTML blocks, ATX and setext headings, top-level list items.
 * It never throws: malformed input becomes text plus a warning.
 */
export function parseNote(source: string, id: string, fallbackTitle = titleFromId(id)): NoteDocument {
  const text = normaliseText(source);
  const lines = text.split('\n');
  const warnings: NoteWarning[] = [];
  const { contentStartLine, title: fmTitle, terms, aliases, tags } = readFrontMatter(lines, warnings);

  const blocks = scanBlocks(lines, contentStartLine);
  const firstHeading = blocks.headings[0];
  // The note's title: its front matter's, else its first heading when that is a level-1 heading (the title a note
  // written as a document starts with), else its file name, as Obsidian names a note (a vault's notes often start with
  // `##` sections, whose first one is no name for the note).
  const headingTitle = firstHeading?.level === 1 ? firstHeading.title : undefined;
  const docTitle = fmTitle ?? headingTitle ?? fallbackTitle;

  const sections: NoteSection[] = [];
  // Per section (same index): the lines its heading takes.
  const headingLines: number[] = [];
  const slugs = new SlugRegistry();
  const preambleEnd = firstHeading ? firstHeading.line - 1 : lines.length - 1;
  const preambleHasText = hasContent(lines, contentStartLine, preambleEnd);
  // Headings take their slugs first, so text before the first heading never pushes `# A` from `a` to `a-1`.
  const headingSlugs = blocks.headings.map((h) => slugs.take(h.title, h.slug));
  if (!firstHeading || preambleHasText) {
    // The text before the first heading is the file's own section: titled like the file (front matter or name),
    // not like the heading that follows it.
    const preambleTitle = fmTitle ?? fallbackTitle;
    sections.push(new Section(preambleTitle, slugs.take(preambleTitle), 0, contentStartLine, preambleEnd, preambleEnd));
    headingLines.push(0);
  }
  for (let i = 0; i < blocks.headings.length; i++) {
    const h = blocks.headings[i];
    const next = blocks.headings[i + 1];
    const bodyEnd = next ? next.line - 1 : lines.length - 1;
    let end = lines.length - 1;
    for (let j = i + 1; j < blocks.headings.length; j++) {
      if (blocks.headings[j].level <= h.level) {
        end = blocks.headings[j].line - 1;
        break;
      }
    }
    sections.push(new Section(h.title, headingSlugs[i], h.level, h.line, bodyEnd, end));
    headingLines.push(h.lines);
  }

  // The tree (breadcrumbs are read from it when asked).
  const stack: NoteSection[] = [];
  for (const s of sections) {
    if (s.level === 0) continue;
    while (stack.length && stack[stack.length - 1].level >= s.level) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) {
      s.parent = parent;
      (parent as Section).addChild(s);
    }
    stack.push(s);
  }

  // Bodies and points. Sections and items are both in document order and section bodies do not overlap, so one pass
  // over the items hands each section its own (a filter per section was quadratic: 50,000 sections took seconds).
  // Bodies are slices of the normalised text (line offsets, no per-line copies).
  // Where each line starts, from the lines' lengths (the text is not searched again).
  const starts = new Int32Array(lines.length);
  for (let i = 1, at = 0; i < lines.length; i++) starts[i] = at += lines[i - 1].length + 1;
  const slice = (a: number, b: number) => (a < b ? text.slice(starts[a], starts[b - 1] + lines[b - 1].length) : '');
  let nextItem = 0;
  for (let k = 0; k < sections.length; k++) {
    const s = sections[k];
    const bodyStart = s.startLine + headingLines[k];
    // Without the blank lines around it, nor a separator (`<hr>`, `---`) closing it: that belongs between sections.
    let a = bodyStart;
    let b = s.bodyEndLine + 1;
    while (a < b && isBlank(lines[a])) a++;
    while (b > a && (isBlank(lines[b - 1]) || SEPARATOR.test(lines[b - 1]))) b--;
    (s as Section).setBody(slice(a, b), a, b);
    while (nextItem < blocks.items.length && blocks.items[nextItem].start < bodyStart) nextItem++;
    let points: NotePoint[] | undefined;
    while (nextItem < blocks.items.length && blocks.items[nextItem].start <= s.bodyEndLine) {
      const it = blocks.items[nextItem++];
      const end = Math.min(it.end, s.bodyEndLine);
      (points ??= []).push(new Point((points?.length ?? 0) + 1, s.slug, it.start, lastNonBlank(lines, it.start, end), end, it.contentIndent, text, starts));
    }
    if (points) s.points = points;
  }

  const vault = extractVaultSyntax(text, lines, starts, blocks.verbatim, contentStartLine);
  const doc: NoteDocument = {
    id,
    title: docTitle,
    titleFromFile: fmTitle === undefined && headingTitle === undefined,
    terms,
    sections,
    lineCount: lines.length,
    text,
    contentStartLine,
    warnings,
    aliases,
    tags: tags.length ? withFrontMatterTags(tags, vault.tags) : vault.tags,
    links: vault.links,
    blocks: vault.blocks,
    checkBlocks: checkBlocksOf(blocks.checkFences, sections, lines),
  };
  startsOf.set(doc, starts);
  return doc;
}

/**
 * The front matter's tags (no line), then the body's. (A loop: `map` then `concat` on these arrays, whose element kinds
 * vary from note to note, made the runtime drop its optimised `parseNote` again and again.)
 */
function withFrontMatterTags(front: readonly string[], body: readonly NoteTag[]): NoteTag[] {
  const out: NoteTag[] = [];
  for (let i = 0; i < front.length; i++) out.push({ name: front[i], line: -1 });
  for (let i = 0; i < body.length; i++) out.push(body[i]);
  return out;
}

/** The `ml-notes-check` fences with their text and the section (and point) each sits in. */
function checkBlocksOf(fences: CheckFence[], sections: NoteSection[], lines: string[]): NoteCheckBlock[] {
  const out: NoteCheckBlock[] = [];
  let s = 0;
  for (const f of fences) {
    while (s + 1 < sections.length && sections[s + 1].startLine <= f.line) s++;
    const section = sections[s];
    if (!section) continue;
    const point = section.points.find((p) => p.startLine <= f.line && f.line <= p.endLine);
    const text = lines.slice(f.line + 1, f.end).map((l) => dedent(l, f.indent)).join('\n');
    out.push({ line: f.line, text, textLine: f.line + 1, column: f.indent, slug: section.slug, point: point?.index });
  }
  return out;
}

const startsOf = new WeakMap<NoteDocument, Int32Array>();

/** Keeps where a note's lines start, computed while it was made (parsed, or rebuilt from a snapshot). */
export function rememberLineStarts(doc: NoteDocument, starts: Int32Array): void {
  startsOf.set(doc, starts);
}

/** Where each line of a note's text starts (kept from the parse; computed again for a document made elsewhere). */
export function lineStartsOf(doc: NoteDocument): Int32Array {
  let starts = startsOf.get(doc);
  if (!starts) startsOf.set(doc, (starts = lineStarts(doc.text)));
  return starts;
}

export function normaliseText(source: string): string {
  let text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  return text;
}

export function titleFromId(id: string): string {
  const base = safeDecode(id.split(/[\\/]/).pop() ?? id);
  return base.replace(/\.(md|markdown)$/i, '') || 'Untitled';
}

// ---------------------------------------------------------------------------------------------------------------
// Front matter

interface FrontMatter {
  contentStartLine: number;
  title?: string;
  terms: Map<string, string[]>;
  aliases: string[];
  tags: string[];
}

function readFrontMatter(lines: string[], warnings: NoteWarning[]): FrontMatter {
  const terms = new Map<string, string[]>();
  const none: FrontMatter = { contentStartLine: 0, terms, aliases: objectArray(), tags: objectArray() };
  if (lines[0]?.trimEnd() !== '---') return none;
  let close = -1;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i].trimEnd();
    if (l === '---' || l === '...') {
      close = i;
      break;
    }
  }
  if (close < 0) {
    warnings.push(warning(msg('Front matter starts with "---" but is never closed; it is read as text.')));
    return none;
  }
  let data: unknown = readSimpleYamlLines(lines, 1, close);
  if (data === undefined) {
    const body = lines.slice(1, close).join('\n');
    try {
      // Warnings (an unknown tag such as `!!js/function`: its value stays a plain string) become the note's warnings
      // instead of process warnings on stderr; errors and alias bombs (maxAliasCount) throw into the catch below.
      const yaml = parseDocument(body, { prettyErrors: false, logLevel: 'silent' });
      if (yaml.errors.length) throw yaml.errors[0];
      data = yaml.toJS({ maxAliasCount: 50 });
      for (const w of yaml.warnings) warnings.push(warning(msg('Front matter: {0}; read as plain text.', firstLine(w.message))));
    } catch (e) {
      warnings.push(warning(msg('Front matter is not valid YAML ({0}); it is ignored.', firstLine(String((e as Error).message ?? e)))));
      return { ...none, contentStartLine: close + 1 };
    }
  }
  let title: string | undefined;
  let aliases: string[] = objectArray();
  let tags: string[] = objectArray();
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    const rec = data as Record<string, unknown>;
    if (typeof rec.title === 'string' && rec.title.trim()) title = rec.title.trim();
    else if (typeof rec.title === 'number') title = String(rec.title);
    if (rec.terms !== undefined) readTerms(rec.terms, terms, warnings);
    // Obsidian's keys, and their older singular spellings.
    aliases = readNames(rec.aliases ?? rec.alias, /,/);
    tags = readNames(rec.tags ?? rec.tag, /[,\s]+/, true);
  } else if (data !== null && data !== undefined) {
    warnings.push(warning(msg('Front matter is not a mapping; it is ignored.')));
  }
  return { contentStartLine: close + 1, title, terms, aliases, tags };
}

/**
 * A front-matter list of names: a YAML list, or one string split on `separator`; duplicates dropped. `tags`: a
 * leading `#` is taken off each name.
 */
function readNames(value: unknown, separator: RegExp, tags = false): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(separator) : typeof value === 'number' ? [value] : [];
  const out: string[] = objectArray();
  for (const v of list) {
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    const trimmed = String(v).trim();
    const name = (tags && trimmed[0] === '#' ? trimmed.slice(1) : trimmed).slice(0, 200);
    if (name && !out.includes(name)) out.push(name);
    if (out.length >= 100) break;
  }
  return out;
}

function readTerms(value: unknown, out: Map<string, string[]>, warnings: NoteWarning[]): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    warnings.push(warning(msg('Front matter "terms" should map a section (slug or heading, optionally /N for a point) to a list of code terms.')));
    return;
  }
  if (value instanceof Map) {
    // The fast reader's mapping (see readSimpleYamlLines), read in the order an object's keys would be: as written,
    // except for keys that are array indices (a quoted "2"), which an object lists first.
    const mapping = value as SimpleMapping;
    let written = true;
    for (const key of mapping.keys()) {
      const c = key.charCodeAt(0);
      if (c >= 48 && c <= 57) written = false;
    }
    if (written) {
      for (const [key, v] of mapping) readTermsEntry(key, v, out);
      return;
    }
    value = mappingObject(mapping);
  }
  const rec = value as Record<string, unknown>;
  for (const key of Object.keys(rec)) readTermsEntry(key, rec[key], out);
}

/** One entry of front-matter `terms`: a key and its list (or comma-separated string) of terms. */
function readTermsEntry(key: string, v: unknown, out: Map<string, string[]>): void {
  const list: readonly unknown[] = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [];
  let termsOf: string[] | undefined;
  for (const t of list) {
    if (typeof t !== 'string' && typeof t !== 'number') continue;
    const term = String(t).trim();
    if (term) (termsOf ??= []).push(term);
  }
  if (termsOf) out.set(key, termsOf);
}

/** A warning about the file as a whole (line 0), with its localisable form. */
export function warning(m: Msg, line = 0): NoteWarning {
  return { line, message: m.text, l10n: m.l10n };
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 160);
}

// ---------------------------------------------------------------------------------------------------------------
// Block scanner

interface Heading {
  line: number;
  level: number;
  title: string;
  /** The title's slug before duplicates are numbered, when known (ATX headings). */
  slug?: string;
  /** Lines the heading occupies: 1 for ATX; for setext, its paragraph lines plus the underline. */
  lines: number;
}

interface Item {
  start: number;
  end: number;
  contentIndent: number;
}

/** An `ml-notes-check` fence: its line, the column its content is de-indented to, and the line that closes it. */
interface CheckFence {
  line: number;
  indent: number;
  /** The closing fence's line (exclusive end of the content), or the end of the item or file for an unclosed one. */
  end: number;
}

const CHECK_INFO = 'ml-notes-check';

/** Whether a fence's info string names a note check. */
function isCheckInfo(info: string): boolean {
  const t = info.trim();
  return t === CHECK_INFO || t.startsWith(`${CHECK_INFO} `);
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+|$)(.*)$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const THEMATIC = /^ {0,3}((?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const LIST_ITEM = /^( {0,3})([-+*]|\d{1,9}[.)])([ \t]+|$)/;
const QUOTE = /^ {0,3}>/;
const HTML_RAW_START = /^ {0,3}<(script|pre|style|textarea)(?:\s|>|$)/i;
const HTML_COMMENT_START = /^ {0,3}<!--/;
const HTML_BLOCK_TAGS = new Set(
  'address article aside base basefont blockquote body caption center col colgroup dd details dialog dir div dl dt fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hr html iframe legend li link main menu menuitem nav noframes ol optgroup option p param search section summary table tbody td tfoot th thead title tr track ul'.split(' '),
);
const HTML_BLOCK6 = /^ {0,3}<\/?([a-zA-Z][a-zA-Z0-9-]*)(?:\s|\/?>|$)/;
const HTML_BLOCK7 = /^ {0,3}(?:<[a-zA-Z][a-zA-Z0-9-]*(?:\s+[a-zA-Z_:][\w.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)*\s*\/?>|<\/[a-zA-Z][a-zA-Z0-9-]*\s*>)[ \t]*$/;

/** A list marker's [start, end, end of the blanks after it] (see listMarker). */
const MARKER = new Int32Array(3);

/** Whether the list marker line[start, end) is ordered (`3.`, `1)`) with another number than 1. */
function startsNotAtOne(line: string, start: number, end: number): boolean {
  const c = line.charCodeAt(start);
  if (c < 48 || c > 57) return false;
  let n = 0;
  for (let i = start; i < end - 1; i++) n = n * 10 + (line.charCodeAt(i) - 48);
  return n !== 1;
}

function scanBlocks(lines: string[], from: number): { headings: Heading[]; items: Item[]; verbatim: Uint8Array; checkFences: CheckFence[] } {
  const headings: Heading[] = [];
  const items: Item[] = [];
  // Lines whose text Markdown shows as it is (code, raw HTML): no links, tags or block ids in them.
  const verbatim = new Uint8Array(lines.length);
  const checkFences: CheckFence[] = [];
  // The check fence the scanner is inside, until its fence closes.
  let check: CheckFence | null = null;
  const openFence = (line: number, info: string, indent: number) => {
    check = isCheckInfo(info) ? { line, indent, end: -1 } : null;
  };
  const closeFence = (end: number) => {
    if (check) {
      check.end = end;
      checkFences.push(check);
      check = null;
    }
  };
  // indent: the content column of the list item the fence is in (0 at top level); the fence ends with that item.
  let fence: { char: string; len: number; indent: number } | null = null;
  let html: 'blank' | 'comment' | { close: string } | null = null;
  let paragraph = false; // the previous line is paragraph text that a setext underline could turn into a heading
  let paragraphStart = 0;
  let quote = false; // inside a block quote (its lazy continuation lines are not paragraphs of their own)
  let item: Item | null = null;
  let blankSeen = false; // a blank line since the last content line of the current item

  const closeItem = (endLine: number) => {
    if (item) {
      item.end = endLine;
      items.push(item);
      item = null;
    }
  };

  for (let i = from; i < lines.length; i++) {
    const line = lines[i];
    const blank = isBlank(line);

    if (fence) {
      if (fence.indent > 0 && !blank && leadingColumns(line) < fence.indent) {
        // A line outside the list item ends the item and the (unclosed) fence in it; the line itself is read below.
        fence = null;
        closeFence(i);
        closeItem(i - 1);
        blankSeen = false;
      } else {
        const m = mayOpenFence(line) ? FENCE.exec(fence.indent > 0 ? dedent(line, fence.indent) : line) : null;
        if (m && m[1][0] === fence.char && m[1].length >= fence.len && m[2].trim() === '') {
          fence = null;
          closeFence(i);
        }
        verbatim[i] = 1;
        continue;
      }
    }
    if (html) {
      if (html === 'blank') {
        if (blank) html = null;
      } else if (html === 'comment') {
        if (line.includes('-->')) html = null;
      } else if (line.toLowerCase().includes(html.close)) html = null;
      if (html !== null || !blank) {
        verbatim[i] = 1;
        continue;
      }
    }

    const indent = leadingColumns(line);
    // Most lines are prose: a first character that starts no block construct rules out every pattern below.
    const plain = startsPlain(line.charCodeAt(0));
    // Every pattern below starts with up to three spaces and one of a few characters: the others are not tried.
    const mark = markChar(line);
    const fenceMark = mark === 96 || mark === 126; // ` ~
    const dashMark = mark === 45; // -
    const ruleMark = dashMark || mark === 42 || mark === 95; // - * _
    const listMark = dashMark || mark === 43 || mark === 42 || (mark >= 48 && mark <= 57); // - + * 0-9
    const tagMark = mark === 60; // <

    if (blank) {
      paragraph = false;
      quote = false;
      if (item) blankSeen = true;
      continue;
    }

    // Does the current item continue on this line?
    if (item) {
      // Only a line indented less than the item's content can end it: the patterns are not tried on the others.
      const outdented = indent < item.contentIndent;
      const marker = !plain && listMark && outdented && listMarker(line, MARKER);
      const interrupts =
        !plain &&
        outdented &&
        ((mark === 35 && ATX.test(line)) ||
          (ruleMark && THEMATIC.test(line)) ||
          mark === 62 ||
          (fenceMark && FENCE.test(line) && indent < item.contentIndent) ||
          (tagMark && HTML_BLOCK6.test(line) && isBlockTag(line) && indent < item.contentIndent));
      if (marker && indent < item.contentIndent) {
        closeItem(i - 1);
      } else if (interrupts && indent < item.contentIndent) {
        closeItem(i - 1);
      } else if (blankSeen && indent < item.contentIndent) {
        closeItem(i - 1);
      } else {
        blankSeen = false;
        // Inside an item: fences and HTML still matter for headings that are not headings.
        const f = plain || !mayOpenFence(line) ? null : FENCE.exec(dedent(line, item.contentIndent));
        if (f && !(f[1][0] === '`' && f[2].includes('`'))) {
          fence = { char: f[1][0], len: f[1].length, indent: item.contentIndent };
          verbatim[i] = 1;
          openFence(i, f[2], item.contentIndent + leadingColumns(dedent(line, item.contentIndent)));
        }
        paragraph = false;
        continue;
      }
    }

    if (plain) {
      if (quote) continue; // lazy continuation of the quoted paragraph
      if (!paragraph) paragraphStart = i;
      paragraph = true;
      continue;
    }
    const f = fenceMark ? FENCE.exec(line) : null;
    if (f && !(f[1][0] === '`' && f[2].includes('`'))) {
      fence = { char: f[1][0], len: f[1].length, indent: 0 };
      verbatim[i] = 1;
      openFence(i, f[2], indent);
      paragraph = false;
      continue;
    }
    const level = mark === 35 ? atxLevel(line) : 0;
    if (level) {
      const { title, slug } = cachedHeadings.get(line, atxTextStart(line, level), line.length);
      headings.push({ line: i, level, title, slug, lines: 1 });
      paragraph = false;
      continue;
    }
    if (mark === 62) {
      // `> text` then `---` is a quote and a rule, never a setext heading.
      quote = true;
      paragraph = false;
      continue;
    }
    if (quote) {
      const startsBlock =
        (listMark && LIST_ITEM.test(line)) || (ruleMark && THEMATIC.test(line)) || (tagMark && (HTML_COMMENT_START.test(line) || HTML_RAW_START.test(line) || (HTML_BLOCK6.test(line) && isBlockTag(line))));
      if (!startsBlock) continue; // lazy continuation of the quoted paragraph
      quote = false;
    }
    const setext = mark === 61 || dashMark ? SETEXT.exec(line) : null;
    if (setext && paragraph && i > from) {
      // The underline turns the whole paragraph above it into the heading (CommonMark), not only its last line.
      const title = headingTitle(lines.slice(paragraphStart, i).map((l) => l.trim()).join(' '));
      if (title) {
        headings.push({ line: paragraphStart, level: setext[1][0] === '=' ? 1 : 2, title, lines: i - paragraphStart + 1 });
        paragraph = false;
        continue;
      }
    }
    if (ruleMark && THEMATIC.test(line)) {
      paragraph = false;
      continue;
    }
    if (indent >= 4 && !paragraph) {
      verbatim[i] = 1; // indented code
      continue;
    }
    const marker = listMark && listMarker(line, MARKER);
    // A list can interrupt a paragraph only with a non-empty item, and an ordered one only when it starts at 1.
    if (marker && !(paragraph && (isBlankBetween(line, MARKER[2], line.length) || startsNotAtOne(line, MARKER[0], MARKER[1])))) {
      const markerEnd = MARKER[1];
      let spaces = MARKER[2] - markerEnd;
      for (let k = markerEnd; k < MARKER[2]; k++) if (line.charCodeAt(k) === 9) spaces += 3; // a tab counts as four
      const contentIndent = isBlankBetween(line, MARKER[2], line.length) ? markerEnd + 1 : markerEnd + (spaces > 4 ? 1 : spaces);
      item = { start: i, end: i, contentIndent };
      blankSeen = false;
      paragraph = false;
      continue;
    }
    if (!tagMark) {
      if (!paragraph) paragraphStart = i;
      paragraph = true;
      continue;
    }
    if (HTML_COMMENT_START.test(line)) {
      paragraph = false;
      verbatim[i] = 1;
      if (!line.includes('-->', line.indexOf('<!--') + 4)) html = 'comment';
      continue;
    }
    const raw = HTML_RAW_START.exec(line);
    if (raw) {
      paragraph = false;
      verbatim[i] = 1;
      const close = `</${raw[1].toLowerCase()}>`;
      if (!line.toLowerCase().includes(close)) html = { close };
      continue;
    }
    if ((HTML_BLOCK6.test(line) && isBlockTag(line)) || (!paragraph && HTML_BLOCK7.test(line))) {
      paragraph = false;
      verbatim[i] = 1;
      html = 'blank';
      continue;
    }
    if (!paragraph) paragraphStart = i;
    paragraph = true;
  }
  closeItem(lines.length - 1);
  closeFence(lines.length);
  // Items end before trailing blank lines and never cross a heading (the first heading after the item's start; items
  // and headings are both in line order, so one pointer walks the headings).
  let h = 0;
  for (const it of items) {
    while (it.end > it.start && isBlank(lines[it.end])) it.end--;
    while (h < headings.length && headings[h].line <= it.start) h++;
    if (h < headings.length && headings[h].line <= it.end) it.end = headings[h].line - 1;
  }
  return { headings, items, verbatim, checkFences };
}

/** The character after a line's first three spaces at most (every block pattern starts there); -1 after four. */
function markChar(line: string): number {
  let i = 0;
  while (i < 4 && line.charCodeAt(i) === 32) i++;
  return i === 4 ? -1 : line.charCodeAt(i);
}

/** Whether a line can be a fence once its indentation is taken off: its first character past spaces and tabs is one. */
function mayOpenFence(line: string): boolean {
  let i = 0;
  let c = line.charCodeAt(0);
  while (c === 32 || c === 9) c = line.charCodeAt(++i);
  return c === 96 || c === 126;
}

function isBlockTag(line: string): boolean {
  const m = HTML_BLOCK6.exec(line);
  return !!m && HTML_BLOCK_TAGS.has(m[1].toLowerCase());
}

function leadingColumns(line: string): number {
  let col = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32) col++;
    else if (c === 9) col += 4 - (col % 4);
    else break;
  }
  return col;
}

/** Characters that can open a block construct (after up to three spaces): fences, headings, quotes, rules, lists, HTML. */
const BLOCK_START = new Uint8Array(128);
for (const c of '`~#>=-*_+<0123456789 \t') BLOCK_START[c.charCodeAt(0)] = 1;

/** A line starting with this character code is paragraph text whatever follows (NaN, an empty line, is not). */
function startsPlain(c: number): boolean {
  return c === c && (c >= 128 || BLOCK_START[c] === 0);
}

/**
 * Titles (and their slugs) of the headings seen lately, by the heading's text: a library repeats its headings
 * ("Overview", "实现细节"), and the sections with the same heading share one title string (what is looked up by title
 * later finds it at once).
 */
const cachedHeadings = new RangeMemo((raw: string) => {
  const title = headingTitle(raw);
  return { title, slug: cachedSlug(title) };
});

function headingTitle(raw: string): string {
  const withoutClosing = raw.replace(/[ \t]+#+[ \t]*$/, '').replace(/^#+[ \t]*$/, '');
  return plainInline(withoutClosing.trim());
}

function hasContent(lines: string[], from: number, to: number): boolean {
  for (let i = from; i <= to; i++) {
    const t = lines[i]?.trim() ?? '';
    if (t && !/^<hr\s*\/?>$/i.test(t) && !THEMATIC.test(t)) return true;
  }
  return false;
}

const SEPARATOR = /^ {0,3}(?:<hr\s*\/?>\s*|(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/i;

function lastNonBlank(lines: string[], from: number, to: number): number {
  let e = to;
  while (e > from && isBlank(lines[e])) e--;
  return e;
}

// ---------------------------------------------------------------------------------------------------------------
// Slugs

/** GitHub-style slug that keeps CJK and other letters: lower case, punctuation dropped, spaces → "-". */
export function slugify(title: string): string {
  // ASCII titles: the same result without Unicode normalisation and property classes.
  if (ASCII.test(title)) return title.toLowerCase().replace(/[^a-z0-9\s_-]/g, '').trim().replace(/\s+/g, '-') || 'section';
  const s = title
    .toLowerCase()
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .trim()
    .replace(/\s+/g, '-');
  return s || 'section';
}

const ASCII = /^[\x00-\x7f]*$/;

/** Slugs of titles seen lately: headings repeat across a library ("Overview", "实现细节"), slugify is not free. */
const cachedSlug = memoize(slugify);

class SlugRegistry {
  private readonly used = new Map<string, number>();
  /** `base`: the title's slug, when known. */
  take(title: string, base = cachedSlug(title)): string {
    // Most headings are the first with their slug.
    let n = this.used.get(base);
    if (n === undefined) {
      this.used.set(base, 0);
      return base;
    }
    let slug = base;
    while (this.used.has(slug)) {
      n++;
      slug = `${base}-${n}`;
    }
    this.used.set(base, n);
    this.used.set(slug, this.used.get(slug) ?? 0);
    return slug;
  }
}
