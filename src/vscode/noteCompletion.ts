import * as vscode from 'vscode';
import { noteCompletions, type CompletionKind } from '../core/authoring/completion';
import { LineIndex } from '../core/text';
import type { NotesService } from './notesService';

const KINDS: Record<CompletionKind, vscode.CompletionItemKind> = {
  note: vscode.CompletionItemKind.File,
  alias: vscode.CompletionItemKind.Reference,
  heading: vscode.CompletionItemKind.Reference,
  block: vscode.CompletionItemKind.Reference,
  section: vscode.CompletionItemKind.Property,
  point: vscode.CompletionItemKind.EnumMember,
};

/** Characters that open a completion in a note: `[[`, `#` of a heading, `^` of a block, `/` of a point key. */
export const NOTE_COMPLETION_TRIGGERS = ['[', '#', '^', '/'];

/**
 * Completion while writing a note (a Markdown file under the notes folders): note names and aliases inside `[[`,
 * headings after `#`, block ids after `#^`, and section keys in the front matter's `terms`. A thin adapter over
 * src/core/authoring/completion.
 */
export class NoteCompletionProvider implements vscode.CompletionItemProvider {
  constructor(private readonly notes: NotesService) {}

  async provideCompletionItems(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.CompletionItem[] | undefined> {
    if (!this.notes.isNoteUri(document.uri)) return undefined;
    // The text as it was asked about: the ranges below are of this version, and VS Code moves them over what is
    // typed while the notes load (read after the wait, a `]]` closed as `[[` was typed would be counted twice).
    const text = document.getText();
    const offset = document.offsetAt(position);
    await this.notes.wantAll();
    if (token.isCancellationRequested) return undefined;
    const items = noteCompletions(this.notes.library, document.uri.toString(), text, offset);
    if (!items.length) return undefined;
    const lines = new LineIndex(text);
    const at = (offset: number) => {
      const p = lines.positionAt(offset);
      return new vscode.Position(p.line, p.character);
    };
    return items.map((i) => {
      const item = new vscode.CompletionItem({ label: i.label, description: i.detail }, KINDS[i.kind]);
      item.insertText = i.snippet ? new vscode.SnippetString(i.insertText) : i.insertText;
      item.range = new vscode.Range(at(i.replace.start), at(i.replace.end));
      item.sortText = i.sortText;
      item.filterText = i.filterText;
      if (i.documentation) item.documentation = i.documentation;
      return item;
    });
  }
}
