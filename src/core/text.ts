/** Positions are 0-based, like VS Code and LSP: `line` and `character` (UTF-16 code units). */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

/** Maps between string offsets and line/character positions of one text. */
export class LineIndex {
  private readonly starts: number[];
  /** The text has a `\r` (a line break of its own, or the start of `\r\n`). */
  private readonly cr: boolean;

  /**
   * @param previous  the index of an earlier version of the text (`text` is it edited in one place): the line starts
   *                  before and after the edit are taken from it (those after moved by the edit's change in length),
   *                  only the edited part is searched.
   */
  constructor(
    readonly text: string,
    previous?: LineIndex,
  ) {
    const after = previous && !previous.cr ? startsAfterEdit(previous.starts, previous.text, text) : undefined;
    if (after) {
      this.starts = after;
      this.cr = false;
      return;
    }
    this.cr = text.includes('\r');
    const starts = [0];
    if (!this.cr) {
      // Most text: one native search per line instead of a look at every character.
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.starts = starts;
      return;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))];
  }

  /** Offset just past the line's text, before its line break. */
  lineEnd(line: number): number {
    if (line + 1 >= this.starts.length) return this.text.length;
    let end = this.starts[line + 1];
    if (end > 0 && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > 0 && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }

  offsetAt(pos: Position): number {
    if (pos.line >= this.starts.length) return this.text.length;
    const start = this.lineStart(pos.line);
    return Math.min(start + Math.max(0, pos.character), this.lineEnd(pos.line));
  }

  range(startOffset: number, endOffset: number): Range {
    return { start: this.positionAt(startOffset), end: this.positionAt(endOffset) };
  }
}

/** Applies non-overlapping edits to a text (any order). Throws if two edits overlap. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const index = new LineIndex(text);
  const spans = edits
    .map((e) => ({ start: index.offsetAt(e.range.start), end: index.offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let cursor = 0;
  for (const s of spans) {
    if (s.start < cursor) throw new Error('Overlapping edits');
    out += text.slice(cursor, s.start) + s.text;
    cursor = s.end;
  }
  return out + text.slice(cursor);
}

/**
 * The line starts of `text`, an edited version of `old` (with `\n` line breaks only) whose line starts are `oldStarts`;
 * undefined when the edited part of `text` has a `\r`.
 */
function startsAfterEdit(oldStarts: readonly number[], old: string, text: string): number[] | undefined {
  const edit = commonPrefix(old, text);
  const same = commonSuffix(old, text, Math.min(old.length, text.length) - edit);
  const editEnd = text.length - same;
  if (text.slice(edit, editEnd).includes('\r')) return undefined;
  // Starts up to the edit (their line break is before it), those the edited text's line breaks make, and those after
  // (their line break is in the common ending).
  const out: number[] = [];
  let i = 0;
  while (i < oldStarts.length && oldStarts[i] <= edit) out.push(oldStarts[i++]);
  for (let j = text.indexOf('\n', edit); j >= 0 && j < editEnd; j = text.indexOf('\n', j + 1)) out.push(j + 1);
  const oldEditEnd = old.length - same;
  const delta = text.length - old.length;
  while (i < oldStarts.length && oldStarts[i] <= oldEditEnd) i++;
  while (i < oldStarts.length) out.push(oldStarts[i++] + delta);
  return out;
}

/** Characters compared at once (as strings) before comparing one by one: most of two versions is the same. */
const CHUNK = 2048;

/** Where two texts start to differ (the length of their common prefix). */
export function commonPrefix(a: string, b: string): number {
  const min = Math.min(a.length, b.length);
  let start = 0;
  while (start + CHUNK <= min && a.slice(start, start + CHUNK) === b.slice(start, start + CHUNK)) start += CHUNK;
  while (start < min && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  return start;
}

/** The length of the ending two texts share, at most `max`. */
export function commonSuffix(a: string, b: string, max: number): number {
  let same = 0;
  while (same + CHUNK <= max && a.slice(a.length - same - CHUNK, a.length - same) === b.slice(b.length - same - CHUNK, b.length - same)) same += CHUNK;
  while (same < max && a.charCodeAt(a.length - 1 - same) === b.charCodeAt(b.length - 1 - same)) same++;
  return same;
}

/** Offsets where each line starts, for text with `\n` line breaks only (normalised note text). */
export function lineStarts(text: string): Int32Array {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  const out = new Int32Array(n);
  let k = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out[k++] = i + 1;
  return out;
}

/** A 53-bit string hash (cyrb53), as text. */
export function hash(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}
