/**
 * Strings (or 32-bit integers) → dense ids 0, 1, 2…, in the order they were added, found through a hash in an
 * open-addressing table. A string key's characters are copied into one array and compared there, so that a word can be
 * looked up as a range of the text it is in (a tokenizer hashes it while scanning) without being cut out of the text,
 * and is compared with the key's characters next to the other keys' rather than with a string object somewhere in the
 * heap. A table holds strings or numbers, not both.
 */
export class KeyTable {
  /** id + 1 per slot, 0 when free. */
  private slots = new Int32Array(1 << 11);
  /** Per id: its hash; for a string where its characters start in `chars` and its length, for a number the number. */
  private hashes = new Int32Array(1 << 10);
  private starts = new Int32Array(1 << 10);
  private lengths = new Int32Array(1 << 10);
  private chars = new Uint16Array(1 << 13);
  private used = 0;
  private count = 0;

  /** Number of keys. */
  get size(): number {
    return this.count;
  }

  /** The id of the string text[start, end) whose hash (see hashText) is `hash`, or -1. */
  findText(text: string, start: number, end: number, hash: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    const len = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const e = slots[slot];
      if (e === 0) return -1;
      const k = e - 1;
      if (this.hashes[k] !== hash || this.lengths[k] !== len) continue;
      const chars = this.chars;
      const at = this.starts[k] - start;
      let i = start;
      while (i < end && chars[at + i] === text.charCodeAt(i)) i++;
      if (i === end) return k;
    }
  }

  /** Adds the string text[start, end) (not in the table) with its hash; returns its id. */
  addText(text: string, start: number, end: number, hash: number): number {
    const k = this.newId(hash);
    const len = end - start;
    while (this.used + len > this.chars.length) this.chars = doubled(this.chars);
    for (let i = 0; i < len; i++) this.chars[this.used + i] = text.charCodeAt(start + i);
    this.starts[k] = this.used;
    this.lengths[k] = len;
    this.used += len;
    return k;
  }

  /** The id of an integer key (−2^31 ≤ key < 2^31), or -1. */
  findNumber(key: number): number {
    const hash = hashNumber(key);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const e = this.slots[slot];
      if (e === 0) return -1;
      if (this.starts[e - 1] === key) return e - 1;
    }
  }

  /** Adds an integer key (not in the table); returns its id. */
  addNumber(key: number): number {
    if (key !== (key | 0)) throw new RangeError(`key table: ${key} is not a 32-bit integer`);
    const k = this.newId(hashNumber(key));
    this.starts[k] = key;
    return k;
  }

  private newId(hash: number): number {
    const k = this.count++;
    if (k >= this.hashes.length) {
      this.hashes = doubled(this.hashes);
      this.starts = doubled(this.starts);
      this.lengths = doubled(this.lengths);
    }
    this.hashes[k] = hash;
    if (this.count * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2);
      for (let i = 0; i < this.count; i++) this.place(i);
    } else this.place(k);
    return k;
  }

  private place(k: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashes[k] & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = k + 1;
  }
}

/** FNV-1a over UTF-16 code units: the hash a tokenizer can accumulate while it scans a word (see hashStep). */
export const HASH_SEED = 0x811c9dc5 | 0;

export function hashStep(h: number, c: number): number {
  return Math.imul(h ^ c, 16777619);
}

export function hashText(s: string, start: number, end: number): number {
  let h = HASH_SEED;
  for (let i = start; i < end; i++) h = hashStep(h, s.charCodeAt(i));
  return h;
}

/** A number mixed so that its low bits (the ones a slot is picked by) depend on all of its bits. */
function hashNumber(key: number): number {
  let h = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}

export function doubled<A extends Int32Array<ArrayBuffer> | Uint16Array<ArrayBuffer>>(a: A): A {
  const out = new (a.constructor as new (n: number) => A)(a.length * 2);
  out.set(a);
  return out;
}
