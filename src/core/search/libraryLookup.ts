import type { NoteLibrary } from '../notes/library';
import { LookupIndex } from './lookupIndex';
import type { LookupResult } from './types';

/**
 * Keeps a LookupIndex in step with a NoteLibrary. Changes are only noted when they happen (hovers never pay for
 * lookup indexing); the next search re-indexes just the files that changed or were removed since.
 */
export class LibraryLookup {
  readonly index = new LookupIndex();
  private readonly pending = new Set<string>();
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
    if (!this.pending.size) return;
    for (const id of this.pending) {
      const doc = this.library.get(id);
      if (doc) this.index.updateFile(doc, { bundled: !!this.library.info(id)?.bundled });
      else this.index.removeFile(id);
    }
    this.pending.clear();
    this.index.flush();
  }

  search(query: string, limit = 50): LookupResult[] {
    this.sync();
    return this.index.search(query, limit);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
