import { objectArray } from '../arrays';
import { KeyTable, doubled, hashText } from '../keyTable';

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
  private readonly keys: K[] = objectArray();
  private readonly lists: (PostingList | undefined)[] = objectArray();
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
  /** Per key id: how many postings it has in `pending` (where its run starts in key order, for `settle`). */
  private pendingCount = new Int32Array(1 << 10);
  /**
   * Key ids whose list is a plain array changed since the last `pack`: postings removed, or added to a short list. A
   * JS array holds each small integer in 8 bytes.
   */
  private resized: number[] = [];
  private readonly resizedMark: boolean[] = objectArray();
  /** Per id: the key is a stop word of bodies (addText skips it). */
  private readonly skipped: boolean[] = objectArray();
  /** Every key ever seen → its id (a word of a body is found there without being cut out of the text). */
  private readonly table = new KeyTable();
  private sortedKeys: K[] = [];
  private added: K[] = objectArray();
  private removed = false;
  private collecting: Set<number> | undefined;
  /** Per key id: how many of its postings have one of the `counted` fields (see the constructor). */
  private countedIn = new Int32Array(1 << 10);
  /** The keys with such postings, sorted, and the changes to that since it was last sorted. */
  private countedKeys: K[] = [];
  private countedAdded: K[] = objectArray();
  private countedRemoved = false;
  /** Bumped whenever a list changes (see `version`), and per key id the value it had when that key's list last did. */
  private changes = 0;
  private changedAt = new Int32Array(1 << 10);

  /**
   * `skipInText`: keys `addText` interns but does not post (stop words of bodies); a set, not a function (a function
   * made per index is another call target for each new index, and dropped the code optimised for the one before).
   * `counted`: fields whose postings are counted per key, for a vocabulary of the keys that have them
   * (`countedSorted`).
   */
  constructor(
    private readonly sortable: boolean,
    private readonly skipInText?: ReadonlySet<string>,
    private readonly counted = 0,
  ) {}

  /** Changes whenever a posting list does (postings settled into the lists, or removed). */
  get version(): number {
    return this.changes;
  }

  /** The `version` at which a key's list last changed (0: never, or not a key). */
  changedSince(key: K): number {
    const k = this.ids.get(key);
    return k === undefined ? 0 : this.changedAt[k];
  }

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
    if (typeof key === 'string') return this.intern(key, hashText(key, 0, key.length), key, 0, key.length);
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
    const k = this.table.findNumber(key);
    return k >= 0 ? k : this.newKey(key as K, this.table.addNumber(key), false);
  }

  /** The id of a string key given as text[start, end) (or as `key`), interning it when new. */
  private intern(text: string, hash: number, key: K | undefined, start: number, end: number): number {
    const k = this.table.findText(text, start, end, hash);
    if (k >= 0) return k;
    const str = key ?? (text.slice(start, end) as K);
    return this.newKey(str, this.table.addText(text, start, end, hash), !!this.skipInText?.has(str as string));
  }

  /** Records a key the table gave id `k` (ids are handed out in order: k is the number of keys so far). */
  private newKey(key: K, k: number, skipped: boolean): number {
    this.keys.push(key);
    this.lists.push(undefined);
    this.resizedMark.push(false);
    this.skipped.push(skipped);
    if (2 * k >= this.lastPending.length) this.lastPending = doubled(this.lastPending);
    if (k >= this.pendingCount.length) this.pendingCount = doubled(this.pendingCount);
    if (this.counted && k >= this.countedIn.length) {
      this.countedIn = doubled(this.countedIn);
      this.changedAt = doubled(this.changedAt);
    }
    return k;
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
      if (field & this.counted && !(last & this.counted)) this.countOne(k);
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
    this.pendingCount[k]++;
    this.chunkLength = n + 2;
    if (field & this.counted) this.countOne(k);
    if (at || this.lists[k] !== undefined) return false;
    const key = this.keys[k];
    this.ids.set(key, k);
    if (this.sortable) this.added.push(key);
    return true;
  }

  /** Counts a posting of key id `k` with a counted field. */
  private countOne(k: number): void {
    if (this.countedIn[k]++ === 0 && this.sortable) this.countedAdded.push(this.keys[k]);
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
   * Moves the pending postings to their lists: placed in one array in key order (each key's in the order they came; a
   * key's run starts after the runs of the keys before it, counted as they were posted), then each key's run appended
   * to its list: a new list or an Int32Array comes out packed, a plain array (a short list, or one postings were
   * removed from since the last pack) takes them as it is until `pack`.
   */
  private settle(): void {
    if (!this.chunkLength) return;
    this.changes++;
    const keys = this.keys.length;
    const start = new Int32Array(keys + 1);
    const counts = this.pendingCount;
    for (let k = 0; k < keys; k++) {
      start[k + 1] = start[k] + counts[k];
      counts[k] = 0;
    }
    const used = (c: number) => (c === this.pending.length - 1 ? this.chunkLength : CHUNK);
    const next = start.slice(0, keys);
    const byKey = new Int32Array(start[keys]);
    for (let c = 0; c < this.pending.length; c++) {
      const buf = this.pending[c];
      for (let i = 0, n = used(c); i < n; i += 2) byKey[next[buf[i]]++] = buf[i + 1];
    }
    for (let k = 0; k < keys; k++) {
      if (start[k] === start[k + 1]) continue;
      this.lastPending[2 * k] = 0;
      if (this.counted) this.changedAt[k] = this.changes;
      const list = this.lists[k];
      if (Array.isArray(list)) {
        for (let i = start[k]; i < start[k + 1]; i++) list.push(byKey[i]);
        this.markResized(k);
      } else {
        this.lists[k] = packed(list, byKey, start[k], start[k + 1]);
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
        this.changes++;
        if (this.counted) {
          this.uncount(k, list, a, b);
          this.changedAt[k] = this.changes;
        }
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

  /** Takes the counted postings among list[a, b) (about to be removed) off key id `k`'s count. */
  private uncount(k: number, list: PostingList, a: number, b: number): void {
    let n = 0;
    for (let i = a; i < b; i++) if (list[i] & this.counted) n++;
    if (n && (this.countedIn[k] -= n) === 0) this.countedRemoved = true;
  }

  /** Whether key `key` has postings with a counted field. */
  hasCounted(key: K): boolean {
    const k = this.ids.get(key);
    return k !== undefined && this.countedIn[k] > 0;
  }

  /** The sorted vocabulary of the keys with postings in a counted field (string spaces), brought up to date. */
  countedSorted(): readonly K[] {
    if (this.countedRemoved || this.countedAdded.length) {
      const live = { has: (key: K) => this.hasCounted(key) };
      this.countedKeys = mergeSorted(this.countedKeys, this.countedAdded, this.countedRemoved ? live : undefined);
      this.countedAdded = objectArray();
      this.countedRemoved = false;
    }
    return this.countedKeys;
  }

  /** The sorted vocabulary (string spaces), brought up to date. */
  sorted(): readonly K[] {
    if (this.removed || this.added.length) {
      this.sortedKeys = mergeSorted(this.sortedKeys, this.added, this.removed ? this.ids : undefined);
      this.added = objectArray();
      this.removed = false;
    }
    return this.sortedKeys;
  }
}


/**
 * A packed list's postings (if any) then more[from, to), as one packed list (an Int32Array over PACKED_MIN postings,
 * else an array of exactly their length). Lists are read between files, never while an entry is indexed: the new
 * postings never start with the entry the list ends with.
 */
function packed(list: Int32Array | undefined, more: Int32Array, from: number, to: number): PostingList {
  const have = list ? list.length : 0;
  const total = have + to - from;
  if (total > PACKED_MIN) {
    const out = new Int32Array(total);
    if (list) out.set(list);
    out.set(more.subarray(from, to), have);
    return out;
  }
  const out = new Array<number>(total);
  for (let i = 0; i < have; i++) out[i] = list![i];
  for (let i = from; i < to; i++) out[have + i - from] = more[i];
  return out;
}

/** Sorted keys + newly added keys (deduplicated), minus keys no longer in `live` when given. */
function mergeSorted<K>(sorted: K[], added: K[], live: { has(key: K): boolean } | undefined): K[] {
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
