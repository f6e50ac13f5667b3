import { dedent, firstTextLine, isBlank, plainInline, trimBlankLines } from './markdownText';
import type { NotePoint, NoteSection } from './types';

/**
 * The objects a parsed note is made of. Sections and points keep what their text can be read back from, so that a
 * note can also be rebuilt from a snapshot and its text without parsing it again (snapshot.ts).
 */

const NO_CHILDREN: NoteSection[] = [];
const NO_POINTS: NotePoint[] = [];

/** A section; its breadcrumb is read from the tree when asked. */
export class Section implements NoteSection {
  parent?: NoteSection;
  children = NO_CHILDREN;
  body = '';
  points = NO_POINTS;
  /** Lines [bodyFrom, bodyTo) of the text that `body` is (kept for snapshots). */
  bodyFrom = 0;
  bodyTo = 0;
  constructor(
    readonly title: string,
    readonly slug: string,
    readonly level: number,
    readonly startLine: number,
    readonly bodyEndLine: number,
    readonly endLine: number,
  ) {}

  setBody(body: string, from: number, to: number): void {
    this.body = body;
    this.bodyFrom = from;
    this.bodyTo = to;
  }

  addChild(s: NoteSection): void {
    if (this.children === NO_CHILDREN) this.children = [];
    this.children.push(s);
  }

  get breadcrumb(): string[] {
    const out: string[] = [];
    for (let p = this.parent; p; p = p.parent) out.unshift(p.title);
    return out;
  }
}

/**
 * A point (top-level list item); its Markdown (marker removed, continuation lines de-indented) and first line of text
 * are read from the note's text when first asked: most are never shown.
 */
export class Point implements NotePoint {
  private md?: string;
  private sum?: string;
  constructor(
    readonly index: number,
    private readonly slug: string,
    readonly startLine: number,
    readonly endLine: number,
    /** Last line of the item (blank lines included), within its section. */
    readonly last: number,
    readonly contentIndent: number,
    private readonly text: string,
    private readonly starts: Int32Array,
  ) {}

  get id(): string {
    return `${this.slug}/${this.index}`;
  }

  get markdown(): string {
    if (this.md === undefined) {
      const ci = this.contentIndent;
      if (this.last <= this.startLine) {
        const only = this.firstLine();
        this.md = isBlank(only) ? '' : only;
      } else {
        const ls: string[] = [];
        for (let i = this.startLine; i <= this.last; i++) ls.push(i === this.startLine ? this.lineAt(i).slice(ci) : dedent(this.lineAt(i), ci));
        this.md = trimBlankLines(ls).join('\n');
      }
    }
    return this.md;
  }

  /** The first line of `markdown`, read without making the rest of it (a point's lead-in is on it). */
  get headLine(): string {
    if (this.md !== undefined) {
      const nl = this.md.indexOf('\n');
      return nl < 0 ? this.md : this.md.slice(0, nl);
    }
    for (let i = this.startLine; i <= this.last; i++) {
      const line = i === this.startLine ? this.firstLine() : dedent(this.lineAt(i), this.contentIndent);
      if (!isBlank(line)) return line;
    }
    return '';
  }

  get summary(): string {
    if (this.sum === undefined) {
      // Most items have text on their first line: the rest of the item is not read.
      const first = plainInline(this.headLine);
      this.sum = first ? plainInline(first) : plainInline(firstTextLine(this.markdown));
    }
    return this.sum;
  }

  /** The item's first line without its marker and indentation: its text from the content column (one slice). */
  private firstLine(): string {
    const { text, starts } = this;
    const i = this.startLine;
    const end = i + 1 < starts.length ? starts[i + 1] - 1 : text.length;
    return text.slice(Math.min(starts[i] + this.contentIndent, end), end);
  }

  private lineAt(i: number): string {
    const { text, starts } = this;
    return text.slice(starts[i], i + 1 < starts.length ? starts[i + 1] - 1 : text.length);
  }

  toJSON(): NotePoint {
    return { index: this.index, id: this.id, summary: this.summary, markdown: this.markdown, startLine: this.startLine, endLine: this.endLine };
  }
}

