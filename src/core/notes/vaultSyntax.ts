/**
 * The inline syntax of note vaults (Obsidian, Foam, Dendron), read from one line of Markdown: `[[wikilinks]]`,
 * `![[embeds]]`, Markdown links, `#tags`, `^block-ids` and `==highlights==`. Code spans, inline math, HTML tags and
 * autolinks are skipped, so a `#` or `[[` inside them is text. The notes parser uses it to list a note's links, tags
 * and block ids; hovers use it to turn the syntax into Markdown VS Code can show. The renderer has markdown-it
 * plugins of its own for the panel, and shares `parseWikiTarget` and the tag rules with this scanner.
 */

/** What `[[…]]` holds: `path#heading|label`, `path#^block|label`, `#heading` (the same note). */
export interface WikiTarget {
  /** The note (or file) as written, without `#…` and `|…`; '' for the same note. */
  path: string;
  /** Heading after `#` (Obsidian's `Note#A#B` keeps `A#B`: a heading under a heading). */
  heading?: string;
  /** Block id after `#^`. */
  block?: string;
  /** Text after `|`: the link's label, or an embed's size (`300`, `300x200`). */
  label?: string;
}

export type InlineSyntax =
  | { kind: 'wikilink' | 'embed'; start: number; end: number; target: WikiTarget }
  | { kind: 'markdown'; start: number; end: number; url: string; text: string; image: boolean }
  | { kind: 'tag'; start: number; end: number; name: string }
  | { kind: 'block'; start: number; end: number; id: string }
  | { kind: 'highlight'; start: number; end: number; text: string };

/** Longest `[[…]]` read as a link: anything longer is text (a pasted blob never becomes one giant link). */
export const MAX_WIKILINK_LENGTH = 1000;

/** `Note#Heading|label` → its parts. The first `|` (or `\|`, as written inside a table cell) starts the label. */
export function parseWikiTarget(inner: string): WikiTarget {
  let body = inner;
  let label: string | undefined;
  const bar = inner.indexOf('|');
  if (bar >= 0) {
    body = inner.slice(0, inner[bar - 1] === '\\' ? bar - 1 : bar);
    label = inner.slice(bar + 1).trim();
  }
  const hash = body.indexOf('#');
  const path = (hash >= 0 ? body.slice(0, hash) : body).trim();
  const out: WikiTarget = { path };
  if (hash >= 0) {
    const fragment = body.slice(hash + 1).trim();
    if (fragment.startsWith('^')) out.block = fragment.slice(1).trim();
    else if (fragment) out.heading = fragment;
  }
  if (label) out.label = label;
  return out;
}

/** The text a wikilink shows: its label, else `Note › Heading` (or the heading alone inside the same note). */
export function wikiLinkText(t: WikiTarget): string {
  if (t.label) return t.label;
  const fragment = t.block ? `^${t.block}` : t.heading?.split('#').filter(Boolean).join(' › ');
  if (!fragment) return t.path;
  return t.path ? `${t.path} › ${fragment}` : fragment;
}

/** A tag character: a letter or digit of any script, `_`, `-` or `/` (nested tags). */
export function isTagChar(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 47;
  return TAG_UNICODE.test(String.fromCharCode(c));
}

const TAG_UNICODE = /[\p{L}\p{N}\p{M}]/u;

/**
 * Whether the `#` at `at` (on a line starting at `lineStart`) may start a tag, as tagAt reads one: at the start of
 * the line or after a blank, and followed by neither a blank, another `#` nor the end of the line.
 */
export function mayStartTag(text: string, at: number, lineStart: number): boolean {
  if (at > lineStart) {
    const before = text.charCodeAt(at - 1);
    if (!(before === 32 || before === 9 || before === 0xa0 || before === 0x3000)) return false;
  }
  const next = text.charCodeAt(at + 1);
  return !(next !== next || next === 35 || next === 32 || next === 9 || next === 10 || next === 13);
}

/**
 * The tag starting at `hash` (a `#`), or undefined: `#` at the start or after white space, then tag characters with at
 * least one that is not a digit (`#1` and `#2024` are issue numbers, not tags), no trailing `/`.
 */
export function tagAt(line: string, hash: number): { name: string; end: number } | undefined {
  if (hash > 0) {
    const before = line.charCodeAt(hash - 1);
    if (!(before === 32 || before === 9 || before === 0xa0 || before === 0x3000)) return undefined;
  }
  let end = hash + 1;
  let letter = false;
  while (end < line.length) {
    const c = line.charCodeAt(end);
    if (!isTagChar(c)) {
      // A surrogate pair (a letter outside the BMP) counts as one character.
      if (c >= 0xd800 && c <= 0xdbff && end + 1 < line.length && TAG_UNICODE.test(line.slice(end, end + 2))) {
        letter = true;
        end += 2;
        continue;
      }
      break;
    }
    if (!(c >= 48 && c <= 57) && c !== 47 && c !== 45 && c !== 95) letter = true;
    end++;
  }
  while (end > hash + 1 && line.charCodeAt(end - 1) === 47) end--;
  if (!letter || end === hash + 1) return undefined;
  return { name: line.slice(hash + 1, end), end };
}

/** `^block-id` at the end of a line (after white space, or alone on it): the id and where the marker starts. */
export function blockIdAt(line: string): { id: string; start: number } | undefined {
  const m = BLOCK_ID.exec(line);
  return m ? { id: m[2], start: m.index + m[1].length } : undefined;
}

const BLOCK_ID = /(^|[ \t])\^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*$/;

/** Obsidian's callout types and their aliases (`> [!hint]` is a tip). */
const CALLOUT_ALIASES: Record<string, string> = {
  note: 'note',
  abstract: 'abstract',
  summary: 'abstract',
  tldr: 'abstract',
  info: 'info',
  todo: 'todo',
  tip: 'tip',
  hint: 'tip',
  important: 'tip',
  success: 'success',
  check: 'success',
  done: 'success',
  question: 'question',
  help: 'question',
  faq: 'question',
  warning: 'warning',
  caution: 'warning',
  attention: 'warning',
  failure: 'failure',
  fail: 'failure',
  missing: 'failure',
  danger: 'danger',
  error: 'danger',
  bug: 'bug',
  example: 'example',
  quote: 'quote',
  cite: 'quote',
};

/** The callout family of a type as written (`hint` → `tip`); unknown types are notes. */
export function calloutType(written: string): string {
  return CALLOUT_ALIASES[written.toLowerCase()] ?? 'note';
}

/** `[!type]`, its fold mark and its title, on the first line of a quote. */
export const CALLOUT_HEAD = /^\[!([A-Za-z][\w-]{0,40})\]([+-]?)(?:[ \t]+(.*))?$/;

/** The title a callout shows when it has none: its type as written, capitalised (`[!hint]` → "Hint"). */
export function defaultCalloutTitle(written: string): string {
  return written.charAt(0).toUpperCase() + written.slice(1).toLowerCase();
}

/** Characters that can start a construct the scanner looks for. */
const TRIGGERS = /[[#!`<$=\\^]/;

/**
 * Every vault construct on one line of Markdown, left to right. Code spans, inline math, HTML tags and autolinks are
 * stepped over; `\[` and `\#` are escapes. `highlight` is reported only when asked for (hovers rewrite it).
 */
export function scanInline(line: string, visit: (s: InlineSyntax) => void, options: { highlights?: boolean } = {}): void {
  if (!TRIGGERS.test(line)) return;
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    // Letters and every character past ASCII start nothing: the constructs all start with a character below 97.
    if (c > 96) {
      i++;
      continue;
    }
    switch (c) {
      case 92 /* \ */:
        i += 2;
        continue;
      case 96 /* ` */: {
        i = skipCodeSpan(line, i);
        continue;
      }
      case 36 /* $ */: {
        i = skipMath(line, i);
        continue;
      }
      case 60 /* < */: {
        const close = line.indexOf('>', i + 1);
        const next = line.charCodeAt(i + 1);
        const tagLike = (next >= 65 && next <= 90) || (next >= 97 && next <= 122) || next === 47 || next === 33;
        i = tagLike && close > 0 ? close + 1 : i + 1;
        continue;
      }
      case 33 /* ! */:
        if (line.charCodeAt(i + 1) === 91 /* [ */) {
          const end = line.charCodeAt(i + 2) === 91 ? wikiEnd(line, i + 1) : -1;
          if (end > 0) {
            visit({ kind: 'embed', start: i, end, target: parseWikiTarget(line.slice(i + 3, end - 2)) });
            i = end;
            continue;
          }
          const md = markdownLinkAt(line, i + 1);
          if (md) {
            visit({ kind: 'markdown', start: i, end: md.end, url: md.url, text: md.text, image: true });
            i = md.end;
            continue;
          }
        }
        i++;
        continue;
      case 91 /* [ */: {
        if (line.charCodeAt(i + 1) === 91) {
          const end = wikiEnd(line, i);
          if (end > 0) {
            visit({ kind: 'wikilink', start: i, end, target: parseWikiTarget(line.slice(i + 2, end - 2)) });
            i = end;
            continue;
          }
        }
        const md = markdownLinkAt(line, i);
        if (md) {
          visit({ kind: 'markdown', start: i, end: md.end, url: md.url, text: md.text, image: false });
          i = md.end;
          continue;
        }
        i++;
        continue;
      }
      case 35 /* # */: {
        const tag = tagAt(line, i);
        if (tag) {
          visit({ kind: 'tag', start: i, end: tag.end, name: tag.name });
          i = tag.end;
          continue;
        }
        i++;
        continue;
      }
      case 94 /* ^ */: {
        const b = i === 0 || line.charCodeAt(i - 1) === 32 || line.charCodeAt(i - 1) === 9 ? blockIdAt(line.slice(i === 0 ? 0 : i - 1)) : undefined;
        if (b) {
          visit({ kind: 'block', start: i, end: n, id: b.id });
          return;
        }
        i++;
        continue;
      }
      case 61 /* = */: {
        if (options.highlights && line.charCodeAt(i + 1) === 61) {
          const close = line.indexOf('==', i + 2);
          const inner = close > 0 ? line.slice(i + 2, close) : '';
          if (inner.trim() && inner === inner.trim() && !inner.includes('==')) {
            visit({ kind: 'highlight', start: i, end: close + 2, text: inner });
            i = close + 2;
            continue;
          }
        }
        i++;
        continue;
      }
      default:
        i++;
    }
  }
}

/**
 * End (exclusive) of the `[[…]]` opening at `open` in `text`, or -1: on one line, not empty, no `[[` inside, at most
 * MAX_WIKILINK_LENGTH long. The search stops there too, so a line of ten thousand `[[` costs linear time.
 */
export function wikiEnd(text: string, open: number, max = text.length): number {
  const limit = Math.min(max, open + 2 + MAX_WIKILINK_LENGTH + 2);
  let blank = true;
  for (let j = open + 2; j + 1 < limit; j++) {
    const c = text.charCodeAt(j);
    if (c === 93 /* ] */ && text.charCodeAt(j + 1) === 93) return blank ? -1 : j + 2;
    if (c === 10 || (c === 91 /* [ */ && text.charCodeAt(j + 1) === 91)) return -1;
    if (c !== 32 && c !== 9) blank = false;
  }
  return -1;
}

/** `[text](url "title")` or `[text](<url>)` starting at `open` (a `[`): its text, url and end; undefined otherwise. */
function markdownLinkAt(line: string, open: number): { text: string; url: string; end: number } | undefined {
  let depth = 0;
  let close = -1;
  for (let j = open + 1; j < line.length && j - open < MAX_WIKILINK_LENGTH; j++) {
    const c = line.charCodeAt(j);
    if (c === 92) j++;
    else if (c === 91) depth++;
    else if (c === 93) {
      if (depth === 0) {
        close = j;
        break;
      }
      depth--;
    }
  }
  if (close < 0 || line.charCodeAt(close + 1) !== 40 /* ( */) return undefined;
  let j = close + 2;
  while (line.charCodeAt(j) === 32) j++;
  let url: string;
  let end: number;
  if (line.charCodeAt(j) === 60 /* < */) {
    const gt = line.indexOf('>', j + 1);
    if (gt < 0 || gt - open > MAX_WIKILINK_LENGTH) return undefined;
    url = line.slice(j + 1, gt);
    const paren = line.indexOf(')', gt + 1);
    if (paren < 0 || paren - open > MAX_WIKILINK_LENGTH) return undefined;
    end = paren + 1;
  } else {
    let parens = 0;
    let k = j;
    for (; k < line.length && k - open < MAX_WIKILINK_LENGTH; k++) {
      const c = line.charCodeAt(k);
      if (c === 92) k++;
      else if (c === 40) parens++;
      else if (c === 41) {
        if (parens === 0) break;
        parens--;
      } else if (c === 32 || c === 9) break;
    }
    url = line.slice(j, k);
    const paren = line.indexOf(')', k);
    if (paren < 0 || paren - open > MAX_WIKILINK_LENGTH) return undefined;
    end = paren + 1;
  }
  return { text: line.slice(open + 1, close), url, end };
}

/** Past a code span opening at `i` (a run of backticks closed by a run of the same length), or past the run. */
function skipCodeSpan(line: string, i: number): number {
  let run = i;
  while (line.charCodeAt(run) === 96) run++;
  const len = run - i;
  for (let j = line.indexOf('`', run); j >= 0; j = line.indexOf('`', j)) {
    let k = j;
    while (line.charCodeAt(k) === 96) k++;
    if (k - j === len) return k;
    j = k;
  }
  return run;
}

/** Past inline math `$…$` / `$$…$$` opening at `i` (no space just inside the dollars), or past the `$`. */
function skipMath(line: string, i: number): number {
  const double = line.charCodeAt(i + 1) === 36;
  const from = i + (double ? 2 : 1);
  const first = line.charCodeAt(from);
  if (first === 32 || first === 9 || Number.isNaN(first)) return from;
  for (let j = line.indexOf('$', from); j >= 0; j = line.indexOf('$', j + 1)) {
    if (line.charCodeAt(j - 1) === 92) continue;
    if (double) {
      if (line.charCodeAt(j + 1) === 36) return j + 2;
      continue;
    }
    if (line.charCodeAt(j - 1) !== 32) return j + 1;
  }
  return from;
}
