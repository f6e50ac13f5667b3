/**
 * Where the front matter's `terms` keys and `aliases` are in a note's text: found through the `yaml` package's
 * Document API (node ranges), as ranges of the text, for diagnostics, quick fixes, completion and hovers.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from 'yaml';
import { LineIndex, type Range } from '../text';

export interface FrontMatterSpan {
  /** 0-based line of the opening `---` (always 0) and of the closing one. */
  closeLine: number;
  /** The `terms` entries: each key as written, and its range. */
  termKeys: { key: string; range: Range }[];
  /** Each alias as written, with its range. */
  aliases: { name: string; range: Range }[];
}

/** The front matter's spans, or undefined when the note has none (or it does not parse). */
export function frontMatterSpans(text: string): FrontMatterSpan | undefined {
  const index = new LineIndex(text);
  const close = frontMatterClose(index);
  if (close === undefined) return undefined;
  const bodyStart = index.lineStart(1);
  const body = text.slice(bodyStart, index.lineStart(close)).replace(/\r\n?/g, '\n');
  const doc = parseDocument(body, { prettyErrors: false, logLevel: 'silent' });
  const out: FrontMatterSpan = { closeLine: close, termKeys: [], aliases: [] };
  if (doc.errors.length || !isMap(doc.contents)) return out;
  const bodyLines = new LineIndex(body);
  const rangeOf = (node: Node): Range => {
    const [from, to] = node.range!;
    const a = bodyLines.positionAt(from);
    const b = bodyLines.positionAt(to);
    return { start: { line: a.line + 1, character: a.character }, end: { line: b.line + 1, character: b.character } };
  };
  for (const pair of doc.contents.items as Pair[]) {
    const key = pair.key as Node | null;
    if (!key || !isScalar(key)) continue;
    const name = String(key.value);
    const value = pair.value as Node | null;
    if (name === 'terms') {
      if (value && isMap(value)) {
        for (const p of value.items as Pair[]) {
          const k = p.key as Node | null;
          if (k && isScalar(k) && (typeof k.value === 'string' || typeof k.value === 'number')) out.termKeys.push({ key: String(k.value), range: rangeOf(k) });
        }
      }
    } else if (name === 'aliases' || name === 'alias') {
      if (value && isSeq(value)) {
        for (const item of value.items as Node[]) if (isScalar(item) && typeof item.value === 'string') out.aliases.push({ name: item.value, range: rangeOf(item) });
      } else if (value && isScalar(value) && typeof value.value === 'string') {
        // `aliases: a, b` is read as two names: each gets its own range inside the scalar.
        const r = rangeOf(value);
        const quoted = value.type === 'QUOTE_DOUBLE' || value.type === 'QUOTE_SINGLE' ? 1 : 0;
        let at = 0;
        for (const part of value.value.split(',')) {
          const lead = part.length - part.trimStart().length;
          const name = part.trim();
          if (name && r.start.line === r.end.line) {
            const start = r.start.character + quoted + at + lead;
            out.aliases.push({ name, range: { start: { line: r.start.line, character: start }, end: { line: r.start.line, character: start + name.length } } });
          }
          at += part.length + 1;
        }
      }
    }
  }
  return out;
}

/** The 0-based line of the front matter's closing `---` (or `...`), or undefined when the note has no front matter. */
export function frontMatterClose(index: LineIndex): number | undefined {
  if (!/^---[ \t]*$/.test(index.lineText(0))) return undefined;
  for (let l = 1; l < index.lineCount; l++) {
    if (/^(?:---|\.\.\.)[ \t]*$/.test(index.lineText(l))) return l;
  }
  return undefined;
}

/** Whether a 0-based line lies inside the front matter (between its `---` lines; `close` from frontMatterClose). */
export function inFrontMatter(close: number | undefined, line: number): boolean {
  return close !== undefined && line > 0 && line < close;
}

/** The front-matter `terms` key at an offset of the text, if the offset is on one. */
export function termKeyAt(text: string, offset: number): { key: string; range: Range } | undefined {
  const span = frontMatterSpans(text);
  if (!span) return undefined;
  const pos = new LineIndex(text).positionAt(offset);
  return span.termKeys.find(({ range }) => range.start.line === pos.line && range.start.character <= pos.character && pos.character <= range.end.character);
}
