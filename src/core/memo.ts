import { KeyTable, hashText } from './keyTable';

/**
 * A function of a string remembered for the strings seen lately (a library repeats its headings and terms): the
 * cache is emptied when it holds `max` entries, so it never grows without bound. Results are shared: never change them.
 */
export function memoize<T>(fn: (s: string) => T, max = 20_000): (s: string) => T {
  const cache = new Map<string, T>();
  return (s: string) => {
    let v = cache.get(s);
    if (v === undefined) {
      v = fn(s);
      if (cache.size >= max) cache.clear();
      cache.set(s, v);
    }
    return v;
  };
}

/**
 * `memoize` for a range of a text, text[start, end), looked up by its characters where they are (a heading's text in its
 * line, a term in its front-matter line): a range seen before makes no string. A Map would be handed a new string each
 * time, and hashes a new string in full before comparing it with the key it finds (0.25–0.35 µs for a heading, against
 * 0.03 µs for a string it has seen). Emptied when it holds `max` entries. Results are shared: never change them.
 */
export class RangeMemo<T> {
  private table = new KeyTable();
  private values: T[] = [];

  constructor(
    private readonly fn: (s: string) => T,
    private readonly max = 20_000,
  ) {}

  get(text: string, start: number, end: number): T {
    const hash = hashText(text, start, end);
    const k = this.table.findText(text, start, end, hash);
    if (k >= 0) return this.values[k];
    const v = this.fn(text.slice(start, end));
    if (this.table.size >= this.max) {
      this.table = new KeyTable();
      this.values = [];
    }
    this.values[this.table.addText(text, start, end, hash)] = v;
    return v;
  }
}

/**
 * A function of a text remembered per key (a document) for its latest text only: asked again with the same text it
 * answers from memory, with another text it computes again and forgets the old one. At most `max` keys are kept (the
 * least recently asked goes first). Results are shared: never change them.
 */
export function memoizeLatest<T>(fn: (text: string) => T, max = 8): (key: string, text: string) => T {
  const cache = new Map<string, { text: string; value: T }>();
  return (key: string, text: string) => {
    const hit = cache.get(key);
    cache.delete(key);
    const entry = hit && hit.text === text ? hit : { text, value: fn(text) };
    cache.set(key, entry);
    if (cache.size > max) cache.delete(cache.keys().next().value!);
    return entry.value;
  };
}
