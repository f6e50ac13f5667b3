import * as vscode from 'vscode';
import { termKeyAt } from '../core/authoring/frontMatterNodes';
import { excerptOf } from '../core/explain';
import { sectionFinder, splitSectionKey } from '../core/notes/library';
import { normaliseText, parseNote } from '../core/notes/parse';
import { figureStates, hoverMarkdown } from './hover';
import type { NotesService } from './notesService';

/**
 * Hovering a key of a note's front-matter `terms` shows the section (or point) it names, as a hover on code would:
 * read from the note as it is being written.
 */
export class TermKeyHoverProvider implements vscode.HoverProvider {
  constructor(private readonly notes: NotesService) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    if (!this.notes.isNoteUri(document.uri)) return undefined;
    const text = document.getText();
    const at = termKeyAt(text, document.offsetAt(position));
    if (!at) return undefined;
    // The library's note when the editor holds what it read (parsing is the same function of the same text); else the
    // note as it is being written.
    const id = document.uri.toString();
    const known = this.notes.library.get(id);
    const doc = known && known.text === normaliseText(text) ? known : parseNote(text, id);
    const { sectionKey, point } = splitSectionKey(at.key);
    const section = sectionFinder(doc)(sectionKey);
    if (!section) return undefined;
    const p = point !== undefined ? section.points[point - 1] : undefined;
    if (point !== undefined && !p) return undefined;
    const ref = { doc, section, point: p };
    const maxLines = vscode.workspace.getConfiguration('mlNotes', document).get<number>('hover.maxLines', 12);
    const excerpt = excerptOf(ref, maxLines);
    const figures = await figureStates(this.notes, doc.id, excerpt);
    const range = new vscode.Range(at.range.start.line, at.range.start.character, at.range.end.line, at.range.end.character);
    return new vscode.Hover(hoverMarkdown(ref, [], at.key, excerpt, figures), range);
  }
}
