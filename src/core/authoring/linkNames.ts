/**
 * The name a wikilink writes for a note, as short as the library's own resolution allows: the file name without
 * `.md`, or a folder path when notes share that name (`Optim/AdamW`). Checked with `resolveLink` itself, so a name
 * offered (in a completion or a quick fix) is a name that resolves to that note.
 */
import type { NoteLibrary } from '../notes/library';
import { locationPath, stripNoteExtension } from '../notes/paths';

export function linkNameOf(library: NoteLibrary, fromId: string, toId: string): string {
  const parts = stripNoteExtension(locationPath(toId)).split('/').filter(Boolean);
  let candidate = parts[parts.length - 1] ?? toId;
  for (let n = 1; n <= parts.length; n++) {
    candidate = parts.slice(parts.length - n).join('/');
    const r = library.resolveLink(fromId, { path: candidate });
    if (r.kind === 'note' && r.doc.id === toId) return candidate;
  }
  return candidate;
}

/** Every note's link name from one note (bundled notes after the user's). */
export function linkNames(library: NoteLibrary, fromId: string): { id: string; name: string }[] {
  return library.documents().map((d) => ({ id: d.id, name: linkNameOf(library, fromId, d.id) }));
}
