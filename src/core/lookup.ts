import type { NoteLibrary } from './notes/library';
import { LookupIndex } from './search/lookupIndex';
import type { LookupResult } from './search/types';

/** A LookupIndex kept in step with a NoteLibrary, file by file. */
export class LibraryLookup {
  readonly index = new LookupIndex();
  private readonly sub: { dispose(): void };

  constructor(private readonly library: NoteLibrary) {
    for (const doc of library.documents()) this.index.updateFile(doc, { bundled: library.info(doc.id)?.bundled });
    this.sub = library.onDidChange((id) => {
      const doc = library.get(id);
      if (doc) this.index.updateFile(doc, { bundled: library.info(id)?.bundled });
      else this.index.removeFile(id);
    });
  }

  search(query: string, limit: number): LookupResult[] {
    return this.index.search(query, limit);
  }

  dispose(): void {
    this.sub.dispose();
  }
}
