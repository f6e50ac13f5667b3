import type { KeySpace, Postings } from './postings';

/**
 * A key space seen through some of its fields: the keys that have postings in them (the space counts those, see
 * KeySpace's `counted`), and for a key the postings in them alone, as a space of their own would hold them (the
 * other fields' bits and the body term frequency cleared). The words of titles, point leads and terms are read this
 * way from the words' lists, instead of being posted a second time.
 */
export class FieldView {
  /** Lists already filtered, with the space's version then (kept while the key's list has not changed since). */
  private readonly made = new Map<string, { list: Postings; at: number }>();

  constructor(
    private readonly space: KeySpace<string>,
    private readonly fields: number,
  ) {}

  /** The keys with postings in the fields, sorted. */
  sorted(): readonly string[] {
    return this.space.countedSorted();
  }

  /** A key's postings in the fields, in entry order; undefined when it has none. */
  get(key: string): Postings | undefined {
    const list = this.space.get(key);
    if (!list || !this.space.hasCounted(key)) {
      this.made.delete(key);
      return undefined;
    }
    const made = this.made.get(key);
    if (made && made.at >= this.space.changedSince(key)) return made.list;
    const out = only(list, this.fields);
    this.made.set(key, { list: out, at: this.space.version });
    return out;
  }
}

/** The postings of `list` with a field among `fields`, with only those fields left. */
function only(list: Postings, fields: number): Postings {
  let n = 0;
  for (let i = 0; i < list.length; i++) if (list[i] & fields) n++;
  const out = new Int32Array(n);
  for (let i = 0, j = 0; i < list.length; i++) {
    const p = list[i];
    if (p & fields) out[j++] = (p & ~0xff) | (p & fields);
  }
  return out;
}
