import type { NoteBlock, NoteLink, NoteTag } from './types';
import { safeDecode } from './paths';
import { mayStartTag, scanInline, type InlineSyntax } from './vaultSyntax';

/**
 * A note's links, tags and block ids, read from its text once while it is parsed. Only the lines that hold a `[`, `#`
 * or `^` are scanned (found with indexOf over the whole text), and lines Markdown shows verbatim (code, raw HTML) are
 * skipped.
 */
export function extractVaultSyntax(
  text: string,
  lines: readonly string[],
  starts: Int32Array,
  verbatim: Uint8Array,
  contentStartLine: number,
): { links: NoteLink[]; tags: NoteTag[]; blocks: NoteBlock[] } {
  const links: NoteLink[] = [];
  const tags: NoteTag[] = [];
  const blocks: NoteBlock[] = [];
  const candidates = candidateLines(text, starts, contentStartLine);
  if (!candidates.length) return { links, tags, blocks };
  let line = 0;
  const visit = (s: InlineSyntax) => {
    switch (s.kind) {
      case 'wikilink':
      case 'embed': {
        const t = s.target;
        const link: NoteLink = { kind: s.kind, path: t.path, line, start: s.start, end: s.end };
        if (t.heading !== undefined) link.heading = t.heading;
        if (t.block !== undefined) link.block = t.block;
        if (t.label !== undefined) link.label = t.label;
        links.push(link);
        return;
      }
      case 'markdown': {
        if (s.image) return;
        const target = noteLinkTarget(s.url);
        if (!target) return;
        const link: NoteLink = { kind: 'markdown', path: target.path, line, start: s.start, end: s.end, label: s.text };
        if (target.heading !== undefined) link.heading = target.heading;
        if (target.block !== undefined) link.block = target.block;
        links.push(link);
        return;
      }
      case 'tag':
        tags.push({ name: s.name, line });
        return;
      case 'block':
        if (endsBlock(lines, line)) blocks.push({ id: s.id, line });
        return;
    }
  };
  for (const l of candidates) {
    if (verbatim[l]) continue;
    line = l;
    scanInline(lines[l], visit);
  }
  return { links, tags, blocks };
}

/** Lines (ascending, from `from`) holding a character that can start a link, a tag or a block id. */
function candidateLines(text: string, starts: Int32Array, from: number): number[] {
  const begin = from < starts.length ? starts[from] : text.length;
  const marked = new Uint8Array(starts.length);
  for (const ch of ['[', '#', '^']) {
    let lo = from;
    for (let at = text.indexOf(ch, begin); at >= 0; at = text.indexOf(ch, at + 1)) {
      // Hits come in order: the line only moves forward (a binary search from the last line found).
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= at) lo = mid;
        else hi = mid - 1;
      }
      // A `#` that cannot start a tag (a heading's marks, `C#`) makes no line a candidate: the next `#` may.
      if (ch === '#' && !mayStartTag(text, at, starts[lo])) continue;
      marked[lo] = 1;
      // Skip the rest of this line: one visit per line and trigger.
      const next = lo + 1 < starts.length ? starts[lo + 1] : text.length;
      at = next - 1;
    }
  }
  const out: number[] = [];
  for (let l = from; l < marked.length; l++) if (marked[l]) out.push(l);
  return out;
}

/** A block id closes its paragraph or list item: the next line is blank, the end, or starts another block. */
function endsBlock(lines: readonly string[], line: number): boolean {
  if (/^ {0,3}#{1,6}(?:[ \t]|$)/.test(lines[line])) return false;
  const next = lines[line + 1];
  return next === undefined || next.trim() === '' || /^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)|^ {0,3}(?:#{1,6}(?:[ \t]|$)|>|```|~~~)/.test(next);
}

/** A Markdown link's URL when it points at a note: a relative `.md`/`.markdown` path, or `#fragment` (this note). */
export function noteLinkTarget(url: string): { path: string; heading?: string; block?: string } | undefined {
  const raw = url.trim();
  if (!raw || /^[a-z][\w+.-]*:/i.test(raw) || raw.startsWith('//')) return undefined;
  const hash = raw.indexOf('#');
  const pathPart = safeDecode(hash >= 0 ? raw.slice(0, hash) : raw).split('?')[0];
  if (pathPart && !/\.(?:md|markdown)$/i.test(pathPart)) return undefined;
  const out: { path: string; heading?: string; block?: string } = { path: pathPart };
  if (hash >= 0) {
    const fragment = safeDecode(raw.slice(hash + 1)).trim();
    if (fragment.startsWith('^')) out.block = fragment.slice(1);
    else if (fragment) out.heading = fragment;
  }
  if (!out.path && out.heading === undefined && out.block === undefined) return undefined;
  return out;
}
