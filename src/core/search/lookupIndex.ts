import type { NoteDocument } from '../notes/types';
import { countEntries } from './entries';
import { describeEntry, IndexStore, type FileRec } from './indexStore';
import { LookupQuery } from './lookupQuery';
import { MAX_ENTRY_ID } from './postings';
import { parseQuery } from './tokenize';
import type { LookupFileInfo, LookupResult } from './types';

/**
 * The lookup index: an inverted index over every section and point of every note file (indexStore.ts holds it and
 * fills it file by file; lookupQuery.ts ranks a query over it). A changed file is re-indexed alone.
 */
export class LookupIndex {
  private readonly store = new IndexStore();
  private readonly query = new LookupQuery(this.store);
  private orderDirty = true;
  private ordered: FileRec[] = [];

  /** Number of indexed entries (sections and points). */
  get size(): number {
    let n = 0;
    for (const f of this.store.files.values()) n += f.hi - f.lo;
    return n;
  }

  get fileCount(): number {
    return this.store.files.size;
  }

  has(fileId: string): boolean {
    return this.store.files.has(fileId);
  }

  /** Indexes a parsed note file, replacing its earlier version; other files are not touched. */
  updateFile(doc: NoteDocument, info: LookupFileInfo = {}): void {
    const store = this.store;
    const old = store.files.get(doc.id);
    const bundled = !!info.bundled;
    if (old && old.doc === doc && old.bundled === bundled) return;
    if (old) store.dropFile(old);
    if (store.nextId + countEntries(doc) >= MAX_ENTRY_ID) store.renumber();
    const rec: FileRec = { id: doc.id, doc, bundled, seq: old ? old.seq : store.nextSeq++, rank: 0, lo: store.nextId, hi: store.nextId };
    store.files.set(doc.id, rec);
    store.indexFile(rec);
    this.orderDirty = true;
  }

  /** Removes a file's entries. Returns whether it was indexed. */
  removeFile(fileId: string): boolean {
    const rec = this.store.files.get(fileId);
    if (!rec) return false;
    this.store.dropFile(rec);
    this.store.files.delete(fileId);
    this.orderDirty = true;
    return true;
  }

  /** Makes the index query-ready (the first search after a change does it; callable ahead of time). */
  flush(): void {
    this.store.words.sorted();
    this.store.heads.sorted();
    this.store.acros.sorted();
    if (this.orderDirty) {
      this.ordered = [...this.store.files.values()].sort((a, b) => Number(b.bundled) - Number(a.bundled) || a.seq - b.seq);
      this.ordered.forEach((f, i) => (f.rank = i));
      this.orderDirty = false;
    }
  }

  /**
   * Packs the posting lists changed since the last call (see KeySpace.pack): once a batch of files is indexed, not
   * between the files of a batch (a list is copied each time it is packed with more postings).
   */
  pack(): void {
    this.store.pack();
  }

  /** `pack` a key space at a time, for a host that builds the index in slices: false once nothing is left to pack. */
  packOne(): boolean {
    return this.store.packOne();
  }

  /**
   * The best `limit` sections and points for a query, best first. Every query token has to match; only when no
   * entry matches them all do entries matching the most tokens come back, scored down. Empty query: sections in
   * document order.
   */
  search(query: string, limit = 50): LookupResult[] {
    this.flush();
    limit = Math.floor(limit);
    if (!(limit > 0)) return [];
    const tokens = parseQuery(query);
    if (!tokens.length) return this.browse(limit);
    return this.query.run(query, tokens, limit);
  }

  /** A section as a result (score 0), for lists made outside the index (the sections with a tag). */
  describeSection(fileId: string, slug: string): LookupResult | undefined {
    this.flush();
    const rec = this.store.files.get(fileId);
    if (!rec) return undefined;
    for (let id = rec.lo; id < rec.hi; id++) {
      const entry = this.store.entry(id);
      if (entry && !entry.point && entry.section.slug === slug) return describeEntry(entry);
    }
    return undefined;
  }

  private browse(limit: number): LookupResult[] {
    const out: LookupResult[] = [];
    for (const rec of this.ordered) {
      for (let id = rec.lo; id < rec.hi && out.length < limit; id++) {
        const entry = this.store.entry(id);
        if (entry && !entry.point) out.push(describeEntry(entry));
      }
      if (out.length >= limit) break;
    }
    return out;
  }
}
