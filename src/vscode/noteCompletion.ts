import * as vscode from 'vscode';
import { noteCompletions, type CompletionKind } from '../core/authoring/completion';
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
    await this.notes.ready;
    if (token.isCancellationRequested) return undefined;
    const text = document.getText();
    const items = noteCompletions(this.notes.library, document.uri.toString(), text, document.offsetAt(position));
    if (!items.length) return undefined;
    return items.map((i) => {
      const item = new vscode.CompletionItem({ label: i.label, description: i.detail }, KINDS[i.kind]);
      item.insertText = i.snippet ? new vscode.SnippetString(i.insertText) : i.insertText;
      item.range = new vscode.Range(document.positionAt(i.replace.start), document.positionAt(i.replace.end));
      item.sortText = i.sortText;
      item.filterText = i.filterText;
      if (i.documentation) item.documentation = i.documentation;
      return item;
    });
  }
}
