/**
 * The Markdown of a hover on a code term, shared by the extension and the language server: breadcrumb, title, the
 * note's excerpt (figures as thumbnails, missing ones as their alt text), a link to the section and one to search the
 * notes, and the other notes the term may mean. Each host says how links are written (VS Code command links, file
 * URIs for other editors), whether codicons show, and translates the UI words (`ui.t`).
 */
import { breadcrumbOf, labelOf, refOf } from './explain';
import type { ResolvedRef } from './notes/library';
import type { NoteRef } from './notes/types';

export interface HoverUi {
  /** A UI string in the user's language (`{0}` placeholders). */
  t(template: string, ...args: (string | number)[]): string;
  /** The link target that opens a note section (or point). */
  sectionLink(ref: NoteRef, match: ResolvedRef): string;
  /** The link target that searches the notes for a word; undefined: no search link. */
  searchLink?(word: string): string;
  /** VS Code codicons (`$(book)`) in the text. */
  icons: boolean;
}

export function hoverMarkdownText(best: ResolvedRef, others: readonly ResolvedRef[], word: string | undefined, excerpt: string, missingImages: ReadonlySet<string>, ui: HoverUi): string {
  const icon = (name: string) => (ui.icons ? `$(${name}) ` : '');
  const parts: string[] = [];
  const crumbs = breadcrumbOf(best).map(escapeMarkdown).join(' › ');
  parts.push(`${icon('book')}**ML Notes** · ${crumbs}\n\n`);
  if (best.point) parts.push(`**${escapeMarkdown(best.section.title)}** · ${escapeMarkdown(ui.t('point {0}', best.point.index))}\n\n`);
  else parts.push(`**${escapeMarkdown(best.section.title)}**\n\n`);

  const markdown = excerpt.replace(/<img\b[^>]*>/gi, (tag) => {
    const src = /\ssrc="([^"]*)"/i.exec(tag)?.[1];
    if (src === undefined || !missingImages.has(src)) return tag;
    const alt = /\salt="([^"]*)"/i.exec(tag)?.[1] || src.split('/').pop() || 'image';
    return `_${icon('file-media')}${escapeMarkdown(alt)} (${escapeMarkdown(ui.t('image not found'))})_`;
  });
  parts.push(markdown.trim() ? markdown + '\n\n' : `_${escapeMarkdown(ui.t('(this section has no text)'))}_\n\n`);

  parts.push('---\n\n');
  const open = `[${icon('link-external')}${escapeMarkdown(ui.t('Open in ML Notes'))}](${ui.sectionLink(refOf(best), best)} "${ui.t('Open this section in the ML Notes panel')}")`;
  const searchTarget = word === undefined ? undefined : ui.searchLink?.(word);
  const search = searchTarget && word !== undefined ? ` · [${icon('search')}${escapeMarkdown(ui.t('Search notes'))}](${searchTarget} "${ui.t('Search all notes for “{0}”', word)}")` : '';
  parts.push(`${open}${search}`);
  if (others.length) {
    const links = others.map((o) => `[${escapeMarkdown(labelOf(o))}](${ui.sectionLink(refOf(o), o)})`);
    parts.push(`\n\n${escapeMarkdown(ui.t('Also:'))} ${links.join(' · ')}`);
  }
  return parts.join('');
}

export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}\[\]()#+\-.!|<>$]/g, '\\$&');
}
