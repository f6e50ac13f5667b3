import type { LocalizableText } from '../rules/types';
import type { Range } from '../text';

/** Where a piece of note knowledge lives: a section of a note file, optionally one of its points. */
export interface NoteRef {
  /** Slug of the section (unique within its file). */
  slug: string;
  /** 1-based index of a top-level list item ("point") of that section. */
  point?: number;
  /** Note file id (see NoteDocument.id). Omitted: the first file that has the slug, bundled notes first. */
  file?: string;
}

export interface NotePoint {
  /** 1-based index within its section. */
  index: number;
  /** `${section.slug}/${index}` */
  id: string;
  /** First line of the item, as plain text (list marker removed). */
  summary: string;
  /** Markdown source of the item (marker removed, continuation lines de-indented). */
  markdown: string;
  /** 0-based, inclusive line range in the file. */
  startLine: number;
  endLine: number;
}

export interface NoteSection {
  /** Heading text (inline Markdown stripped); for a file without headings, the file title. */
  title: string;
  slug: string;
  /** 1–6; 0 for the implicit section before the first heading (or of a file with no headings). */
  level: number;
  /** Titles of the ancestors, outermost first. */
  readonly breadcrumb: string[];
  parent?: NoteSection;
  children: NoteSection[];
  /** Line of the heading (or first line of the implicit section); 0-based. */
  startLine: number;
  /** Last line of this section's own body: up to the next heading of any level. 0-based, inclusive. */
  bodyEndLine: number;
  /** Last line including subsections: up to the next heading of the same or higher level. */
  endLine: number;
  /** Markdown of the section's own body (without the heading line and without subsections). */
  body: string;
  points: NotePoint[];
}

export interface NoteWarning {
  line: number;
  message: string;
  /** `message` as a template and its arguments, for translation. */
  l10n?: LocalizableText;
}

/** A fenced block whose info string is `ml-notes-check`: a note check (YAML) in the section or point it sits in. */
export interface NoteCheckBlock {
  /** 0-based line of the opening fence. */
  line: number;
  /** The block's content, de-indented like its fence, lines joined with `\n`. */
  text: string;
  /** 0-based line where `text` starts, and the column its lines start at in the note. */
  textLine: number;
  column: number;
  /** The section (and point) the block sits in. */
  slug: string;
  point?: number;
}

export interface NoteDocument {
  /** Stable id of the file: its URI (or path) string. */
  id: string;
  /** Title: front matter `title`, else the first heading if it is a level-1 heading, else the file name. */
  title: string;
  /** The title is the file name (no front matter title, no level-1 heading first): no name of the note for hovers. */
  titleFromFile?: boolean;
  /** Raw front matter `terms`: section slug / heading / `slug/N` → code terms. */
  terms: Map<string, string[]>;
  /** All sections in document order (the implicit top section only if it holds text or no heading exists). */
  sections: NoteSection[];
  /** Number of lines in the file. */
  lineCount: number;
  /** The text after BOM removal, with line endings normalised to \n. */
  text: string;
  /** Line where the Markdown content starts (after front matter). */
  contentStartLine: number;
  warnings: NoteWarning[];
  /** Front matter `aliases` (or `alias`): other names of the note. */
  aliases: string[];
  /** Front matter `tags` (line -1) and `#tags` in the text, in document order; names without `#`. */
  tags: NoteTag[];
  /** Links to other notes and files: `[[wikilinks]]`, `![[embeds]]`, Markdown links to notes. */
  links: NoteLink[];
  /** `^block-id` anchors at the end of a paragraph or list item. */
  blocks: NoteBlock[];
  /** The `ml-notes-check` blocks, in document order. */
  checkBlocks: NoteCheckBlock[];
}

export interface NoteTag {
  /** As written, without `#` (`ml/optim`). */
  name: string;
  /** 0-based line; -1 for a front-matter tag. */
  line: number;
}

export interface NoteLink {
  kind: 'wikilink' | 'embed' | 'markdown';
  /** The note or file as written (Markdown links: percent-decoded), without the fragment; '' for the same note. */
  path: string;
  /** Heading after `#` (a Markdown link's fragment, decoded). */
  heading?: string;
  /** Block id after `#^`. */
  block?: string;
  /** Wikilink label after `|` (an embed's size), or a Markdown link's text. */
  label?: string;
  /** 0-based line and the UTF-16 columns of the whole link on it. */
  line: number;
  start: number;
  end: number;
}

export interface NoteBlock {
  id: string;
  /** 0-based line of the marker (the last line of its paragraph or list item). */
  line: number;
}

export type { Range };
