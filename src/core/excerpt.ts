import { plainInline } from './notes/parse';

/**
 * The part of a note a hover shows: what the hovered term is about first, within a budget of lines as the hover
 * draws them, figures on their own line under their text.
 *
 * The note's Markdown is cut into blocks (paragraphs, list items, fenced code, display math, headings, figures). The
 * excerpt starts at the first block that mentions one of the focus terms (the hovered name, the note's front-matter
 * terms for it) and takes blocks from there until the budget is spent; a block too long for what is left is cut after
 * a whole sentence. Blocks before the start and after the cut are left out: `truncated` says so, and the host offers
 * the rest ("…more in the panel").
 */
export interface ExcerptOptions {
  /** Lines as a hover draws them (a long paragraph wraps into several); at least 1. */
  maxLines: number;
  /** Names the excerpt is about: the hovered identifier and the term that matched it. */
  focus?: readonly string[];
  /** Names that come next when no block mentions `focus`: the note's other front-matter terms for that section or point. */
  related?: readonly string[];
  /** Width of a drawn line in Latin characters (a CJK character counts two). */
  lineWidth?: number;
}

export interface Excerpt {
  markdown: string;
  /** The blocks `markdown` joins (blank lines between them), each with its kind: a hover draws figures only in
   * text, never inside code or display math. */
  blocks: readonly ExcerptBlock[];
  /** Something of the source was left out (before the start, or after the budget ran out). */
  truncated: boolean;
}

/** About as many Latin characters as a hover (500 px, 13 px font) draws on a line. */
export const HOVER_LINE_WIDTH = 72;
/** Lines a figure counts for: a hover draws it at most 180 px high, beside nothing. */
export const FIGURE_LINES = 8;

export type BlockKind = 'text' | 'figure' | 'code' | 'math' | 'heading' | 'rule';

export interface ExcerptBlock {
  kind: BlockKind;
  markdown: string;
}

type Block = ExcerptBlock;

/** The text a block shows, to look for mentions in: a figure's alt text, or the block's plain text. */
function blockText(b: Block): string {
  if (b.kind !== 'figure') return plainInline(b.markdown);
  return /\salt\s*=\s*"([^"]*)"/i.exec(b.markdown)?.[1] ?? /!\[([^\]]*)\]/.exec(b.markdown)?.[1] ?? '';
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const LIST_ITEM = /^\s{0,3}(?:[-+*]|\d{1,9}[.)])\s+/;
const HEADING = /^\s{0,3}#{1,6}\s/;
const THEMATIC_BREAK = /^\s{0,3}(?:(?:[-*_]\s*){3,}|<hr\s*\/?>)\s*$/i;
/**
 * A figure: `<img …>`, or `![alt](src "title")` (alt and src captured; an alt holds no bracket, so a stray `![` before
 * a figure stays text). The one pattern for figures in hover text: the excerpt and replaceFigures (explain.ts) use it.
 */
export const FIGURE = /<img\b[^>]*>|!\[([^[\]]*)\]\(([^)\s]*)(?:\s+"[^"]*")?\)/gi;

/** Cuts Markdown into blocks; images leave their paragraph and become figure blocks right after it. */
export function markdownBlocks(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: Block[] = [];
  let text: string[] = [];
  const flush = () => {
    if (!text.length) return;
    const joined = text.join('\n');
    text = [];
    const figures: string[] = [];
    const rest = joined.replace(FIGURE, (img: string, ...args: unknown[]) => {
      figures.push(img);
      // A "!" just before it would make the link after it a figure ("!![a](b.png)[l](u)"): keep them apart.
      const at = args[args.length - 2] as number;
      return joined[at - 1] === '!' ? ' ' : '';
    });
    if (rest.replace(/<br\s*\/?>/gi, '').replace(/^\s*(?:[-+*]|\d{1,9}[.)])(?=\s|$)/, '').trim()) out.push({ kind: 'text', markdown: rest.replace(/[ \t]+$/gm, '').replace(/\n{2,}/g, '\n').trim() });
    for (const f of figures) out.push({ kind: 'figure', markdown: f });
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const body = [line];
      for (i++; i < lines.length; i++) {
        body.push(lines[i]);
        if (lines[i].trim().startsWith(fence[1])) break;
      }
      out.push({ kind: 'code', markdown: body.join('\n') });
    } else if (line.trim() === '$$' && lines.slice(i + 1).some((l) => l.trim() === '$$')) {
      flush();
      const body = [line];
      for (i++; i < lines.length; i++) {
        body.push(lines[i]);
        if (lines[i].trim() === '$$') break;
      }
      out.push({ kind: 'math', markdown: body.join('\n') });
    } else if (!line.trim()) flush();
    else if (THEMATIC_BREAK.test(line)) {
      flush();
      out.push({ kind: 'rule', markdown: '---' });
    } else if (HEADING.test(line)) {
      flush();
      out.push({ kind: 'heading', markdown: line.trim() });
    } else {
      if (LIST_ITEM.test(line)) flush();
      text.push(line);
    }
  }
  flush();
  return out;
}

/** Width of a text in Latin characters: CJK and other wide characters count two. */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || c >= 0x20000 ? 2 : 1;
  }
  return w;
}

/** Lines a block takes in a hover `lineWidth` characters wide. */
function drawnLines(block: Block, lineWidth: number): number {
  if (block.kind === 'figure') return FIGURE_LINES;
  if (block.kind === 'rule') return 1;
  if (block.kind === 'code' || block.kind === 'math') return block.markdown.split('\n').length;
  return block.markdown.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(displayWidth(plainInline(line)) / lineWidth)), 0);
}

/** The lowercased words and names a focus term is found by in text: `torch.cat` → `torch.cat`, `cat`; `Conv2d(bias)` → `conv2d`, `bias`. */
export function focusKeys(focus: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const term of focus) {
    const t = term.trim().toLowerCase().replace(/\*$/, '');
    if (!t) continue;
    const call = /^(.+?)\((\w+)\)$/.exec(t);
    const name = call ? call[1] : t;
    if (call) keys.add(call[2]);
    keys.add(name);
    const last = name.split('.').pop()!;
    if (last.length >= 2) keys.add(last);
    if (last.includes('_')) keys.add(last.replace(/_/g, ' '));
  }
  return [...keys].filter((k) => k.length >= 2);
}

/** Whether plain text mentions a key: a Latin name as a whole word, a CJK term anywhere. */
function mentions(text: string, keys: readonly string[]): boolean {
  const lower = text.toLowerCase();
  for (const k of keys) {
    let at = lower.indexOf(k);
    while (at >= 0) {
      const before = lower.charCodeAt(at - 1);
      const after = lower.charCodeAt(at + k.length);
      if (!isWordChar(before) || !/^\w/.test(k)) {
        if (!isWordChar(after) || !/\w$/.test(k)) return true;
      }
      at = lower.indexOf(k, at + 1);
    }
  }
  return false;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** Sentences of a paragraph, each with its closing punctuation (。！？；, or . ! ? ; before a space or the end). */
function sentences(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const end = '。！？；'.includes(c) || ('.!?;'.includes(c) && (i + 1 === text.length || /\s/.test(text[i + 1]))) || c === '\n';
    if (!end) continue;
    while (i + 1 < text.length && /[\s。！？；.!?;”’」）)]/.test(text[i + 1]) && text[i + 1] !== '\n') i++;
    out.push(text.slice(from, i + 1));
    from = i + 1;
  }
  if (from < text.length) out.push(text.slice(from));
  return out.filter((s) => s.trim());
}

/**
 * Whole sentences of a text block that fit `lines`: from the first that mentions a key when `fromMention` (a long
 * paragraph whose relevant sentence is in its middle), else from the first. Undefined when not even a part fits.
 */
function cutBlock(block: Block, lines: number, lineWidth: number, keys: readonly string[], fromMention: boolean): string | undefined {
  const parts = sentences(block.markdown);
  let start = 0;
  if (fromMention && keys.length) start = Math.max(0, parts.findIndex((s) => mentions(plainInline(s), keys)));
  const budget = lines * lineWidth - 2;
  let end = start;
  let taken = '';
  while (end < parts.length && displayWidth(plainInline(taken + parts[end])) <= budget) taken += parts[end++];
  if (end === start) {
    // Not even one sentence fits: its first characters, cut at a space when there is one near the end.
    let cut = '';
    for (const ch of parts[start] ?? '') {
      if (displayWidth(cut + ch) > budget) break;
      cut += ch;
    }
    const space = cut.lastIndexOf(' ');
    taken = space > cut.length * 0.6 ? cut.slice(0, space) : cut;
    if (!taken.trim()) return undefined;
  }
  return `${start > 0 ? '… ' : ''}${taken.trim()}${end < parts.length || end === start ? ' …' : ''}`;
}

export function focusedExcerpt(source: string, options: ExcerptOptions): Excerpt {
  const maxLines = Math.max(1, Math.floor(options.maxLines));
  const lineWidth = options.lineWidth ?? HOVER_LINE_WIDTH;
  const blocks = markdownBlocks(source);
  // Rules and headings at the edges say nothing on their own.
  while (blocks.length && blocks[blocks.length - 1].kind === 'rule') blocks.pop();
  // A section that fits is shown whole, in its order.
  if (blocks.reduce((n, b) => n + drawnLines(b, lineWidth), 0) <= maxLines) return excerpt(blocks, false);
  // It starts at the first block that mentions the hovered name, else one of the related names, else at the top.
  let keys: string[] = [];
  let start = -1;
  for (const tier of [options.focus ?? [], options.related ?? []]) {
    keys = focusKeys(tier);
    start = keys.length ? blocks.findIndex((b) => b.kind !== 'rule' && mentions(blockText(b), keys)) : -1;
    if (start >= 0) break;
  }
  if (start < 0) start = blocks.findIndex((b) => b.kind !== 'rule');
  if (start < 0) return excerpt([], false);
  const kept: Block[] = [];
  let truncated = blocks.slice(0, start).some((b) => b.kind !== 'rule');
  let left = maxLines;
  for (let i = start; i < blocks.length; i++) {
    const block = blocks[i];
    const lines = drawnLines(block, lineWidth);
    if (lines <= left) {
      kept.push(block);
      left -= lines;
      continue;
    }
    truncated = true;
    // A figure that does not fit leaves room for the text after it, when nothing is shown yet.
    if (block.kind === 'figure' && !kept.length) continue;
    if (block.kind === 'text' || block.kind === 'heading') {
      const cut = cutBlock(block, left, lineWidth, keys, i === start);
      if (cut) kept.push({ kind: block.kind, markdown: cut });
    }
    break;
  }
  while (kept.length && kept[kept.length - 1].kind === 'rule') kept.pop();
  return excerpt(kept, truncated);
}

function excerpt(blocks: Block[], truncated: boolean): Excerpt {
  return { markdown: blocks.map((b) => b.markdown).join('\n\n'), blocks, truncated };
}
