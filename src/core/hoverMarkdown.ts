/**
 * The Markdown of a hover on a code term, shared by the extension and the language server: breadcrumb, title, the
 * note's excerpt (each figure a thumbnail on a line of its own that opens the note; a missing one as its alt text),
 * "…more in the panel" when the excerpt leaves something out, a link to the section and one to search the notes, and
 * the other notes the term may mean. Each host says how links are written (VS Code command links, file URIs for other
 * editors), whether codicons show, and translates the UI words (`ui.t`).
 */
import { breadcrumbOf, HOVER_FIGURE_BOX, hoverExcerptMarkdown, labelOf, refOf } from './explain';
import type { Excerpt } from './excerpt';
import type { ResolvedRef } from './notes/library';
import type { NoteRef } from './notes/types';
import { fitSize, type ImageSize } from './render/imageSize';

export interface HoverUi {
  /** A UI string in the user's language (`{0}` placeholders). */
  t(template: string, ...args: (string | number)[]): string;
  /** The link target that opens a note section (or point). */
  sectionLink(ref: NoteRef, match: ResolvedRef): string;
  /** The link target that searches the notes for a word; undefined: no search link. */
  searchLink?(word: string): string;
  /** Where a figure's `src` points from the hover (a client far from the note needs a file URI); as written by default. */
  figureSrc?(src: string, match: ResolvedRef): string;
  /** VS Code codicons (`$(book)`) in the text. */
  icons: boolean;
}

/** A figure of a hover, by its `src`: missing (shown as its alt text), or there with its size when it could be read. */
export type FigureState = 'missing' | { size: ImageSize | undefined };

export function hoverMarkdownText(best: ResolvedRef, others: readonly ResolvedRef[], word: string | undefined, excerpt: Excerpt, figures: ReadonlyMap<string, FigureState>, ui: HoverUi): string {
  const icon = (name: string) => (ui.icons ? `$(${name}) ` : '');
  const parts: string[] = [];
  const openSection = ui.sectionLink(refOf(best), best);
  const openTitle = escapeAttribute(ui.t('Open this section in the ML Notes panel'));
  const crumbs = breadcrumbOf(best).map(escapeMarkdown).join(' › ');
  parts.push(`${icon('book')}**ML Notes** · ${crumbs}\n\n`);
  if (best.point) parts.push(`**${escapeMarkdown(best.section.title)}** · ${escapeMarkdown(ui.t('point {0}', best.point.index))}\n\n`);
  else parts.push(`**${escapeMarkdown(best.section.title)}**\n\n`);

  const markdown = hoverExcerptMarkdown(excerpt, ({ src, alt }) => {
    const state = figures.get(src) ?? { size: undefined };
    if (state === 'missing') return `_${icon('file-media')}${escapeMarkdown(alt || src.split('/').pop() || 'image')} (${escapeMarkdown(ui.t('image not found'))})_`;
    const { width, height } = fitSize(state.size, HOVER_FIGURE_BOX);
    const shown = ui.figureSrc ? ui.figureSrc(src, best) : src;
    const img = `<img src="${escapeAttribute(shown)}" alt="${escapeAttribute(alt)}"${width ? ` width="${width}"` : ''} height="${height}">`;
    // On a line of its own (the excerpt puts figures in blocks of their own): under its text, never beside it.
    return `[${img}](${openSection} "${openTitle}")`;
  });
  parts.push(markdown.trim() ? markdown + '\n\n' : `_${escapeMarkdown(ui.t('(this section has no text)'))}_\n\n`);
  if (excerpt.truncated) parts.push(`[${escapeMarkdown(ui.t('…more in the panel'))}](${openSection} "${openTitle}")\n\n`);

  parts.push('---\n\n');
  const open = `[${icon('link-external')}${escapeMarkdown(ui.t('Open in ML Notes'))}](${openSection} "${openTitle}")`;
  const searchTarget = word === undefined ? undefined : ui.searchLink?.(word);
  const search = searchTarget && word !== undefined ? ` · [${icon('search')}${escapeMarkdown(ui.t('Search notes'))}](${searchTarget} "${escapeAttribute(ui.t('Search all notes for “{0}”', word))}")` : '';
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

/** For an HTML attribute, also inside a link's text (where brackets would end it) or a link title (quotes). */
function escapeAttribute(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\[/g, '&#91;').replace(/\]/g, '&#93;');
}
