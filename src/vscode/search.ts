import type * as vscode from 'vscode';
import { LibraryLookup } from '../core/search/libraryLookup';
import type { NoteLibrary } from '../core/notes/library';
import type { SearchResultEntry } from '../webview/protocol';

/** Lookup for the QuickPick and the panel's search box. */
export class NotesSearch implements vscode.Disposable {
  private readonly lookup: LibraryLookup;

  constructor(library: NoteLibrary) {
    this.lookup = new LibraryLookup(library);
  }

  search(query: string, limit: number): SearchResultEntry[] {
    return this.lookup.search(query, limit).map((r) => ({
      docId: r.file,
      slug: r.slug,
      point: r.point,
      title: r.title,
      breadcrumb: r.breadcrumb.join(' › '),
      detail: r.firstLine,
    }));
  }

  dispose(): void {
    this.lookup.dispose();
  }
}
