/** Fields of a lookup entry, in ranking order: title > terms > lead > body. */
export type LookupField = 'title' | 'terms' | 'lead' | 'body';

/** One ranked answer of "ML Notes: Look Up…": a section of a note file, or one point (top-level list item) of it. */
export interface LookupResult {
  /** NoteDocument.id of the file. */
  file: string;
  /** Section slug (unique within the file). */
  slug: string;
  /** 1-based point index when the result is a point of the section. */
  point?: number;
  /** Section heading, or for a point its bold lead-in / first words. */
  title: string;
  /** Outermost first: file title (when it differs), ancestor headings, and for a point its section's heading. */
  breadcrumb: string[];
  /** First line of text (plain), for the QuickPick detail. */
  firstLine: string;
  /** 0-based line of the heading or list item in the file. */
  line: number;
  score: number;
  /** Fields in which the query matched. */
  fields: LookupField[];
  /** The entry's front-matter terms that matched the query. */
  matchedTerms: string[];
  /** [start, end) offsets in `title` to highlight. */
  titleHighlights: [number, number][];
}

export interface LookupFileInfo {
  /** Bundled notes come first in document order and win ties. */
  bundled?: boolean;
}
