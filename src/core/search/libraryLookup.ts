import type { NoteLibrary } from '../notes/library';
import { LookupIndex } from './lookupIndex';
import { TagIndex } from './tags';
import type { LookupResult } from './types';

/** A `#tag` word of a query (at the start or after white space; at least one letter, not `#1`). */
const TAG_WORD = /(?:^|\s)#(?=[\p{L}\p{N}_\/-]*[\p{L}_])[\p{L}\p{N}_\/-]+/gu;

/**
 * Keeps a LookupIndex in step with a NoteLibrary. Changes are only noted when they happen (hovers never pay for
 * lookup indexing); the next search, or a host's background slices (`syncFor`), re-index just the files that changed
 * or were removed since.
 */
export class LibraryLookup {
  readonly index = new LookupIndex();
  readonly tags = new TagIndex();
  private readonly pending = new Set<string>();
  /** Since the last file was indexed, the keys were sorted and the files ordered (flush): a step of its own. */
  private flushed = false;
  private readonly subscription: { dispose(): void };

  constructor(private readonly library: NoteLibrary) {
    for (const id of library.fileIds()) this.pending.add(id);
    this.subscription = library.onDidChange((id) => this.pending.add(id));
  }

  /** Files changed since the last sync. */
  get pendingFiles(): number {
    return this.pending.size;
  }

  /** Brings the index up to date with the library (re-indexing only changed files). */
  sync(): void {
    this.syncFor(Infinity);
  }

  /**
   * Re-indexes pending files until `budgetMs` has passed, so that a host can build the index in the background in short
   * slices; then sorts the keys (flush) and packs the posting lists a key space at a time, each a step of its own. A
   * call takes at least one step. True when the index is up to date. (Flushing and packing a 1,000-note library at the
   * end of the slice that indexed its last files made that slice 57–77 ms, against the 8 ms of the others.)
   */
  syncFor(budgetMs: number, now: () => number = () => performance.now()): boolean {
    const start = now();
    let stepped = false;
    const stop = () => stepped && now() - start >= budgetMs;
    for (const id of this.pending) {
      this.pending.delete(id);
      const doc = this.library.get(id);
      if (doc) {
        this.index.updateFile(doc, { bundled: !!this.library.info(id)?.bundled });
        this.tags.setFile(doc);
      } else {
        this.index.removeFile(id);
        this.tags.removeFile(id);
      }
      this.flushed = false;
      stepped = true;
      if (stop()) break;
    }
    if (this.pending.size) return false;
    if (!this.flushed) {
      if (stop()) return false;
      this.index.flush();
      this.flushed = stepped = true;
    }
    for (;;) {
      if (stop()) return false;
      if (!this.index.packOne()) return true;
      stepped = true;
    }
  }

  /**
   * The best sections and points for a query. `#tag` words (`#ml/optim`, `#training warmup`) keep the notes and
   * sections with that tag (or a tag under it): alone, they list them in note order; with other words, they filter the
   * words' results.
   */
  /** `budgetMs`: index pending files for at most that long first (while notes are being read); by default all. */
  search(query: string, limit = 50, budgetMs = Infinity): LookupResult[] {
    this.syncFor(budgetMs);
    const tags = query.match(TAG_WORD) ?? [];
    if (!tags.length) return this.index.search(query, limit);
    const order = this.library.documents().map((d) => d.id);
    let tagged: { file: string; slug: string }[] | undefined;
    for (const tag of tags) {
      const hits = this.tags.find(tag.trim(), order);
      tagged = tagged ? tagged.filter((a) => hits.some((h) => h.file === a.file && h.slug === a.slug)) : hits;
    }
    const rest = query.replace(TAG_WORD, ' ').trim();
    if (!rest) {
      const seen = new Set<string>();
      const out: LookupResult[] = [];
      for (const h of tagged ?? []) {
        const key = `${h.file}#${h.slug}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const r = this.index.describeSection(h.file, h.slug);
        if (r) out.push(r);
        if (out.length >= limit) break;
      }
      return out;
    }
    const keep = new Set((tagged ?? []).map((h) => `${h.file}#${h.slug}`));
    return this.index
      .search(rest, Math.max(limit * 10, 500))
      .filter((r) => keep.has(`${r.file}#${r.slug}`))
      .slice(0, limit);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
