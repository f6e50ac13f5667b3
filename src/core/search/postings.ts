/**
 * Posting lists. A posting is one small integer: entryId << 8 | bodyTermFrequency << 4 | fieldMask. Entry ids are
 * handed out in increasing order, file by file, so every list is sorted by entry id and one file's postings are a
 * contiguous run in each list: removing a file splices that run out of the lists it touched.
 */

export const TITLE = 1;
export const LEAD = 2;
export const TERMS = 4;
export const BODY = 8;

/** Entry ids stay below this so that id << 8 is a small integer. */
export const MAX_ENTRY_ID = 1 << 23;

export function posting(id: number, field: number): number {
  return (id << 8) | ((field === BODY ? 1 : 0) << 4) | field;
}

/** Index of the first posting whose entry id is ≥ id. */
export function firstAtLeast(list: readonly number[], id: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] >>> 8 < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One key space (words, CJK bigrams, acronyms…): key → posting list, and for string keys a sorted vocabulary kept
 * up to date incrementally (new keys merged in, dead keys filtered out) for prefix ranges.
 */
export class KeySpace<K extends string | number> {
  readonly map = new Map<K, number[]>();
  private sortedKeys: K[] = [];
  private added: K[] = [];
  private removed = false;
  private collecting: Set<K> | undefined;

  constructor(private readonly sortable: boolean) {}

  get size(): number {
    return this.map.size;
  }

  /**
   * Records that entry `id` has `key` in `field` (entries arrive in increasing id order). Returns true when the
   * key is new to the space. While collecting (see `collectKeys`), only notes the key.
   */
  add(key: K, id: number, field: number): boolean {
    if (this.collecting) {
      this.collecting.add(key);
      return false;
    }
    const list = this.map.get(key);
    if (list === undefined) {
      this.map.set(key, [posting(id, field)]);
      if (this.sortable) this.added.push(key);
      return true;
    }
    const last = list[list.length - 1];
    if (last >>> 8 === id) {
      let tf = (last >>> 4) & 15;
      if (field === BODY && tf < 15) tf++;
      list[list.length - 1] = (id << 8) | (tf << 4) | (last & 15) | field;
      return false;
    }
    list.push(posting(id, field));
    return false;
  }

  /**
   * Runs `replay` (which re-indexes a file) with `add` only collecting the keys it would touch: the lists a file's
   * postings are in, found again instead of being stored for every file.
   */
  startCollecting(): void {
    this.collecting = new Set();
  }

  stopCollecting(): Set<K> {
    const keys = this.collecting ?? new Set<K>();
    this.collecting = undefined;
    return keys;
  }

  /** Removes the postings of entries [lo, hi) from the lists of `keys`. Returns the keys that no longer exist. */
  drop(keys: Iterable<K>, lo: number, hi: number): K[] {
    const gone: K[] = [];
    for (const k of keys) {
      const list = this.map.get(k);
      if (!list) continue;
      const a = firstAtLeast(list, lo);
      const b = firstAtLeast(list, hi);
      if (b > a) list.splice(a, b - a);
      if (!list.length) {
        this.map.delete(k);
        gone.push(k);
      }
    }
    if (gone.length) this.removed = true;
    return gone;
  }

  get(key: K): number[] | undefined {
    return this.map.get(key);
  }

  /** The sorted vocabulary (string spaces), brought up to date. */
  sorted(): readonly K[] {
    if (this.removed || this.added.length) {
      this.sortedKeys = mergeSorted(this.sortedKeys, this.added, this.removed ? this.map : undefined);
      this.added = [];
      this.removed = false;
    }
    return this.sortedKeys;
  }
}

/** Sorted keys + newly added keys (deduplicated), minus keys no longer in `live` when given. */
function mergeSorted<K>(sorted: K[], added: K[], live: Map<K, unknown> | undefined): K[] {
  const base = live ? sorted.filter((w) => live.has(w)) : sorted;
  if (!added.length) return base;
  const extra = (live ? added.filter((w) => live.has(w)) : added.slice()).sort();
  const out: K[] = new Array(base.length + extra.length);
  let i = 0;
  let j = 0;
  let k = 0;
  let last: K | undefined;
  while (i < base.length || j < extra.length) {
    const w = j >= extra.length || (i < base.length && base[i] <= extra[j]) ? base[i++] : extra[j++];
    if (w !== last) out[k++] = last = w;
  }
  out.length = k;
  return out;
}
