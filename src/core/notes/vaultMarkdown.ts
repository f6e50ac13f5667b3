import type { LinkResolution, LinkTarget } from './resolver';
import type { NoteDocument, NoteRef } from './types';
import { CALLOUT_HEAD, calloutType, defaultCalloutTitle, scanInline, wikiLinkText, type InlineSyntax } from './vaultSyntax';
import { noteLinkTarget } from './vaultExtract';

/** Symbols for the callout families, in hovers (the panel draws the same ones). */
const CALLOUT_SYMBOL: Record<string, string> = {
  note: 'ℹ',
  abstract: '≡',
  info: 'ℹ',
  todo: '☐',
  tip: '✦',
  success: '✓',
  question: '?',
  warning: '⚠',
  failure: '✗',
  danger: '⚡',
  bug: '✱',
  example: '☰',
  quote: '❝',
};

export interface VaultMarkdownContext {
  resolveLink(fromId: string, target: LinkTarget, kind: 'wikilink' | 'embed' | 'markdown'): LinkResolution;
}

/**
 * Vault syntax rewritten as plain Markdown, for a renderer that knows none of it (VS Code's hovers): wikilinks and
 * links to notes become links made by `linkFor` (a command link that opens the section), a broken one is struck
 * through, a figure embed is an image, a note embed a link, a callout a quote with a bold title, a tag code, a
 * highlight bold, a block id nothing. Code blocks and code spans are left as they are.
 */
export function vaultToMarkdown(markdown: string, from: NoteDocument, ctx: VaultMarkdownContext, linkFor: (ref: NoteRef, title: string) => string): string {
  if (!/[[#=^!]/.test(markdown)) return markdown;
  const lines = markdown.split('\n');
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f) {
      fence = fence === null ? f[1] : line.trim().startsWith(fence) ? null : fence;
      continue;
    }
    if (fence !== null) continue;
    lines[i] = rewriteLine(calloutHead(line), from, ctx, linkFor);
  }
  return lines.join('\n');
}

/** `> [!tip]- Title` → `> **✦ Title**`. */
function calloutHead(line: string): string {
  const m = /^(\s{0,3}(?:>\s?)+)(.*)$/.exec(line);
  if (!m) return line;
  const head = CALLOUT_HEAD.exec(m[2].trim());
  if (!head) return line;
  const title = (head[3] ?? '').trim() || defaultCalloutTitle(head[1]);
  return `${m[1]}**${CALLOUT_SYMBOL[calloutType(head[1])]} ${title}**`;
}

function rewriteLine(line: string, from: NoteDocument, ctx: VaultMarkdownContext, linkFor: (ref: NoteRef, title: string) => string): string {
  const found: InlineSyntax[] = [];
  scanInline(line, (s) => found.push(s), { highlights: true });
  if (!found.length) return line;
  let out = '';
  let at = 0;
  for (const s of found) {
    const replacement = rewrite(s, line, from, ctx, linkFor);
    if (replacement === undefined) continue;
    out += line.slice(at, s.start) + replacement;
    at = s.end;
  }
  return out + line.slice(at);
}

function rewrite(s: InlineSyntax, line: string, from: NoteDocument, ctx: VaultMarkdownContext, linkFor: (ref: NoteRef, title: string) => string): string | undefined {
  switch (s.kind) {
    case 'tag':
      return '`#' + s.name + '`';
    case 'highlight':
      return `**${s.text}**`;
    case 'block':
      return line.slice(s.start - 1, s.start).trim() === '' ? '' : undefined;
    case 'markdown': {
      if (s.image) return undefined;
      const target = noteLinkTarget(s.url);
      if (!target) return undefined;
      const r = ctx.resolveLink(from.id, target, 'markdown');
      if (r.kind === 'note') return `[${s.text}](${linkFor(refOf(r), s.text)})`;
      return target.path ? `~~${s.text}~~` : undefined;
    }
    case 'wikilink': {
      const label = escapeLabel(wikiLinkText(s.target));
      const r = ctx.resolveLink(from.id, s.target, 'wikilink');
      return r.kind === 'note' ? `[${label}](${linkFor(refOf(r), label)})` : `~~${label}~~`;
    }
    case 'embed': {
      const r = ctx.resolveLink(from.id, s.target, 'embed');
      const name = escapeLabel(s.target.path.split('/').pop() || s.target.path);
      if (r.kind === 'file') {
        return /\.(?:png|jpe?g|gif|svg|webp|bmp|avif)$/i.test(r.relative) ? `![${name}](${r.relative.split('/').map(encodeURIComponent).join('/')})` : name;
      }
      if (r.kind === 'note') {
        const label = escapeLabel(s.target.label || wikiLinkText({ ...s.target, label: undefined }));
        return `↪ [${label}](${linkFor(refOf(r), label)})`;
      }
      return `~~${escapeLabel(wikiLinkText({ ...s.target, label: undefined }))}~~`;
    }
  }
}

/** The NoteRef that opens a resolved link in the panel: its section (and point), or the note's first section. */
function refOf(r: Extract<LinkResolution, { kind: 'note' }>): NoteRef {
  const section = r.section ?? r.doc.sections[0];
  const ref: NoteRef = { file: r.doc.id, slug: section?.slug ?? '' };
  if (r.point) ref.point = r.point.index;
  return ref;
}

function escapeLabel(s: string): string {
  return s.replace(/[\\[\]`*_]/g, '\\$&');
}
