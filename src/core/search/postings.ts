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

/**
 * A key's postings: packed into an Int32Array (half the bytes of an array of small integers, and no spare room), or a
 * plain array: a short list, or one changed since the last `pack` (postings removed, or added to a short list).
 */
export type PostingList = Int32Array | number[];

/** Lists up to this long stay plain arrays, trimmed: an Int32Array object alone is larger than a few postings. */
const PACKED_MIN = 8;

/**
 * Pending postings are kept in chunks of this many numbers: the first starts small and doubles up to this size (a file
 * saved alone has a few thousand postings), the others are this size.
 */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const FIRST_CHUNK = 1 << 10;

/** A posting list as queries read it. */
export type Postings = ArrayLike<number> & Iterable<number>;

/** Index of the first posting whose entry id is ≥ id. */
export function firstAtLeast(list: ArrayLike<number>, id: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] >>> 8 < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** FNV-1a over UTF-16 code units: the hash the body tokenizer accumulates while it scans a word. */
export const HASH_SEED = 0x811c9dc5 | 0;

export function hashStep(h: number, c: number): number {
  return Math.imul(h ^ c, 16777619);
}

export function hashString(s: string): number {
  let h = HASH_SEED;
  for (let i = 0; i < s.length; i++) h = hashStep(h, s.charCodeAt(i));
  return h;
}

/**
 * One key space (words, CJK bigrams, acronyms…): key → posting list, and for string keys a sorted vocabulary kept
 * up to date incrementally (new keys merged in, dead keys filtered out) for prefix ranges.
 *
 * Keys get small integer ids, never reused. String keys are also interned in a hash table over their characters, so
 * that the body tokenizer (`addText`) finds a word it has seen without cutting it out of the text first: the hot loop
 * of indexing allocates nothing for a known word. A key whose list empties stays interned (its id comes back to life
 * when the word does), but is no longer a key of the space.
 */
export class KeySpace<K extends string | number> {
  /** Live keys → id. */
  private readonly ids = new Map<K, number>();
  private readonly keys: K[] = [];
  private readonly lists: (PostingList | undefined)[] = [];
  /**
   * Postings added since the lists were last read, in the order they came: (key id, posting) pairs, appended to one
   * buffer rather than to the key's own list (one list among thousands, in another place of memory each time), and
   * moved to the lists all at once by `settle`.
   */
  private pending = [new Int32Array(FIRST_CHUNK)];
  /** The last chunk of `pending`, and how much of it is used. */
  private chunk = this.pending[0];
  private chunkLength = 0;
  /**
   * Per key id k, at 2k: 1 + where in `pending` its last posting is (chunk * CHUNK + offset; 0: it has none there); at
   * 2k + 1: that posting's entry id (checked first, so that a new entry does not read back far into `pending`).
   */
  private lastPending = new Int32Array(1 << 11);
  /**
   * Key ids whose list is a plain array changed since the last `pack`: postings removed, or added to a short list. A
   * JS array holds each small integer in 8 bytes.
   */
  private resized: number[] = [];
  private readonly resizedMark: boolean[] = [];
  /** Per id: the key is a stop word of bodies (addText skips it). */
  private readonly skipped: boolean[] = [];
  /** Open addressing over hashes of string keys: id + 1, 0 when free. */
  private table = new Int32Array(1 << 12);
  /**
   * Per key id: its hash; for a string key, where its characters start in `chars` and how many there are; a number key
   * (below 2^31) itself in `charsAt`.
   */
  private hashes = new Int32Array(1 << 10);
  private charsAt = new Int32Array(1 << 10);
  private charsLength = new Int32Array(1 << 10);
  /**
   * The characters of the string keys, one after the other: a word of a body is compared with a key here, in one
   * array, rather than in the key's string (a string object of its own, somewhere in the heap).
   */
  private chars = new Uint16Array(1 << 14);
  private charsUsed = 0;
  private sortedKeys: K[] = [];
  private added: K[] = [];
  private removed = false;
  private collecting: Set<number> | undefined;

  /** `skipInText`: keys `addText` interns but does not post (stop words of bodies). */
  constructor(
    private readonly sortable: boolean,
    private readonly skipInText?: (key: string) => boolean,
  ) {}

  get size(): number {
    return this.ids.size;
  }

  has(key: K): boolean {
    return this.ids.has(key);
  }

  get(key: K): Postings | undefined {
    const id = this.ids.get(key);
    if (id === undefined) return undefined;
    this.settle();
    return this.lists[id];
  }

  /**
   * Records that entry `id` has `key` in `field` (entries arrive in increasing id order). Returns true when the
   * key is new to the space. While collecting (see `startCollecting`), only notes the key.
   */
  add(key: K, id: number, field: number): boolean {
    return this.post(this.idOf(key), id, field);
  }

  /** `add` by key id (see idOf). */
  postId(k: number, id: number, field: number): boolean {
    return this.post(k, id, field);
  }

  /** The id of a key, interned when new (a key's id never changes, even while its list is empty). */
  idOf(key: K): number {
    const k = this.ids.get(key);
    if (k !== undefined) return k;
    if (typeof key === 'string') return this.intern(key, hashString(key), key, 0, key.length);
    return this.internNumber(key as number);
  }

  /** `idOf` for a number key, from the hash table alone (cheaper than a Map lookup: CJK bigrams of bodies). */
  numberId(key: number): number {
    return this.internNumber(key);
  }

  keyOf(k: number): K {
    return this.keys[k];
  }

  /**
   * `add` for the word text[start, end) whose hash (hashStep from HASH_SEED over its characters) is `hash`, without
   * cutting it out of the text unless it is new. Stop words (see the constructor) are not posted.
   */
  addText(text: string, start: number, end: number, hash: number, id: number, field: number): void {
    const k = this.intern(text, hash, undefined, start, end);
    if (this.skipped[k] && !this.collecting) return;
    this.post(k, id, field);
  }

  /** The id of the string text[start, end) (hash as for addText), interned when new; no posting. */
  internText(text: string, start: number, end: number, hash: number): number {
    return this.intern(text, hash, undefined, start, end);
  }

  private internNumber(key: number): number {
    // The table takes a hash's low bits: mixed down from the product's high bits (a CJK bigram key is a multiple of
    // 40,000 plus a character, so the product's own low bits would crowd a few slots).
    let hash = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
    hash = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
    hash ^= hash >>> 16;
    const mask = this.table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const e = this.table[slot];
      if (e === 0) break;
      if (this.charsAt[e - 1] === key) return e - 1;
    }
    return this.newKey(key as K, hash, false);
  }

  /** The id of a string key given as text[start, end) (or as `key`), interning it when new. */
  private intern(text: string, hash: number, key: K | undefined, start: number, end: number): number {
    const table = this.table;
    const mask = table.length - 1;
    const len = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const e = table[slot];
      if (e === 0) break;
      const k = e - 1;
      if (this.hashes[k] !== hash || this.charsLength[k] !== len) continue;
      const chars = this.chars;
      const at = this.charsAt[k] - start;
      let i = start;
      while (i < end && chars[at + i] === text.charCodeAt(i)) i++;
      if (i === end) return k;
    }
    const str = key ?? (text.slice(start, end) as K);
    return this.newKey(str, hash, !!this.skipInText?.(str as string));
  }

  private newKey(key: K, hash: number, skipped: boolean): number {
    const k = this.keys.length;
    this.keys.push(key);
    if (k >= this.hashes.length) {
      this.hashes = doubled(this.hashes);
      this.charsAt = doubled(this.charsAt);
      this.charsLength = doubled(this.charsLength);
    }
    if (typeof key === 'number') {
      // Number keys (CJK bigrams) are integers below 2^31, kept in place of a string key's characters.
      if (key !== (key | 0)) throw new RangeError(`key space: number key ${key} is not a 32-bit integer`);
      this.charsAt[k] = key;
    } else {
      while (this.charsUsed + key.length > this.chars.length) this.chars = doubled(this.chars);
      for (let i = 0; i < key.length; i++) this.chars[this.charsUsed + i] = key.charCodeAt(i);
      this.charsAt[k] = this.charsUsed;
      this.charsLength[k] = key.length;
      this.charsUsed += key.length;
    }
    this.lists.push(undefined);
    this.resizedMark.push(false);
    this.hashes[k] = hash;
    this.skipped.push(skipped);
    if (2 * k >= this.lastPending.length) this.lastPending = doubled(this.lastPending);
    if ((k + 1) * 2 > this.table.length) this.grow();
    else this.place(k);
    return k;
  }

  private place(k: number): void {
    const mask = this.table.length - 1;
    let slot = this.hashes[k] & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = k + 1;
  }

  private grow(): void {
    this.table = new Int32Array(this.table.length * 2);
    for (let k = 0; k < this.keys.length; k++) this.place(k);
  }

  /** Appends (or merges into the last) posting of key id `k` to the pending ones; true when the key became live. */
  private post(k: number, id: number, field: number): boolean {
    if (this.collecting) {
      this.collecting.add(k);
      return false;
    }
    const at = this.lastPending[2 * k];
    if (at && this.lastPending[2 * k + 1] === id) {
      const chunk = this.pending[(at - 1) >>> CHUNK_BITS];
      const i = (at - 1) & (CHUNK - 1);
      const last = chunk[i];
      let tf = (last >>> 4) & 15;
      if (field === BODY && tf < 15) tf++;
      chunk[i] = (id << 8) | (tf << 4) | (last & 15) | field;
      return false;
    }
    let n = this.chunkLength;
    if (n + 2 > this.chunk.length) n = this.nextChunk();
    this.chunk[n] = k;
    this.chunk[n + 1] = posting(id, field);
    this.lastPending[2 * k] = (this.pending.length - 1) * CHUNK + n + 2;
    this.lastPending[2 * k + 1] = id;
    this.chunkLength = n + 2;
    if (at || this.lists[k] !== undefined) return false;
    const key = this.keys[k];
    this.ids.set(key, k);
    if (this.sortable) this.added.push(key);
    return true;
  }

  /** Makes room for a posting in `pending` (the first chunk doubled, else a new one); returns where it goes. */
  private nextChunk(): number {
    if (this.chunk.length < CHUNK) {
      this.pending[0] = this.chunk = doubled(this.chunk);
      return this.chunkLength;
    }
    this.pending.push((this.chunk = new Int32Array(CHUNK)));
    return (this.chunkLength = 0);
  }

  /**
   * Moves the pending postings to their lists: counted by key, placed in one array in key order (each key's in the
   * order they came), then each key's run appended to its list: a new list or an Int32Array comes out packed, a plain
   * array (a short list, or one postings were removed from since the last pack) takes them as it is until `pack`.
   */
  private settle(): void {
    if (!this.chunkLength) return;
    const keys = this.keys.length;
    const start = new Int32Array(keys + 1);
    const used = (c: number) => (c === this.pending.length - 1 ? this.chunkLength : CHUNK);
    for (let c = 0; c < this.pending.length; c++) {
      const buf = this.pending[c];
      for (let i = 0, n = used(c); i < n; i += 2) start[buf[i] + 1]++;
    }
    for (let k = 0; k < keys; k++) start[k + 1] += start[k];
    const next = start.slice(0, keys);
    const byKey = new Int32Array(start[keys]);
    for (let c = 0; c < this.pending.length; c++) {
      const buf = this.pending[c];
      for (let i = 0, n = used(c); i < n; i += 2) byKey[next[buf[i]]++] = buf[i + 1];
    }
    for (let k = 0; k < keys; k++) {
      if (start[k] === start[k + 1]) continue;
      this.lastPending[2 * k] = 0;
      const list = this.lists[k];
      const more = byKey.subarray(start[k], start[k + 1]);
      if (Array.isArray(list)) {
        for (let i = 0; i < more.length; i++) list.push(more[i]);
        this.markResized(k);
      } else {
        this.lists[k] = list ? packed([list, more]) : packed([more]);
      }
    }
    this.pending = [(this.chunk = new Int32Array(FIRST_CHUNK))];
    this.chunkLength = 0;
  }

  private markResized(k: number): void {
    if (this.resizedMark[k]) return;
    this.resizedMark[k] = true;
    this.resized.push(k);
  }

  /** Whether lists changed since the last pack. */
  get unpacked(): boolean {
    return this.resized.length > 0 || this.chunkLength > 0;
  }

  /**
   * Packs the lists that grew or shrank since the last call: an Int32Array over PACKED_MIN postings, else an array of
   * exactly their length. Removing from a packed list makes it a plain array again until the next pack.
   */
  pack(): void {
    this.settle();
    for (const k of this.resized) {
      this.resizedMark[k] = false;
      const list = this.lists[k];
      if (list) this.lists[k] = list.length > PACKED_MIN ? Int32Array.from(list) : list.slice();
    }
    this.resized = [];
  }

  /**
   * While collecting, `add` and `addText` only note the keys they would touch: re-indexing a file this way finds the
   * lists its postings are in, instead of storing them for every file.
   */
  startCollecting(): void {
    this.collecting = new Set();
  }

  stopCollecting(): Set<number> {
    const keys = this.collecting ?? new Set<number>();
    this.collecting = undefined;
    return keys;
  }

  /** Removes the postings of entries [lo, hi) from the lists of key ids `keys`. Returns the keys that no longer exist. */
  drop(keys: Iterable<number>, lo: number, hi: number): K[] {
    this.settle();
    const gone: K[] = [];
    for (const k of keys) {
      let list = this.lists[k];
      if (!list) continue;
      const a = firstAtLeast(list, lo);
      const b = firstAtLeast(list, hi);
      if (b > a) {
        if (!Array.isArray(list)) this.lists[k] = list = Array.from(list);
        list.splice(a, b - a);
        this.markResized(k);
      }
      if (!list.length) {
        this.lists[k] = undefined;
        this.ids.delete(this.keys[k]);
        gone.push(this.keys[k]);
      }
    }
    if (gone.length) this.removed = true;
    return gone;
  }

  /** The sorted vocabulary (string spaces), brought up to date. */
  sorted(): readonly K[] {
    if (this.removed || this.added.length) {
      this.sortedKeys = mergeSorted(this.sortedKeys, this.added, this.removed ? this.ids : undefined);
      this.added = [];
      this.removed = false;
    }
    return this.sortedKeys;
  }
}

function doubled<A extends Int32Array<ArrayBuffer> | Uint16Array<ArrayBuffer>>(a: A): A {
  const out = new (a.constructor as new (n: number) => A)(a.length * 2);
  out.set(a);
  return out;
}

/**
 * Runs of postings one after the other as one packed list (an Int32Array over PACKED_MIN postings, else an array of
 * exactly their length). Lists are read between files, never while an entry is indexed: a run never starts with the
 * entry the one before it ends with.
 */
function packed(runs: ArrayLike<number>[]): PostingList {
  let total = 0;
  for (const r of runs) total += r.length;
  const out: PostingList = total > PACKED_MIN ? new Int32Array(total) : new Array<number>(total);
  let at = 0;
  for (const r of runs) {
    if (out instanceof Int32Array) out.set(r, at);
    else for (let i = 0; i < r.length; i++) out[at + i] = r[i];
    at += r.length;
  }
  return out;
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
