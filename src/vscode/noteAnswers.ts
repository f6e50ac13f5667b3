import * as vscode from 'vscode';

/**
 * What a provider of note CodeLenses answered for each open document: whether it was a note. VS Code fetches lenses
 * again when a document's text changes; a change of the notes matters only when it turns an answer wrong (a file
 * became a note, or stopped being one). Asking VS Code to fetch lenses for nothing replaces their links, and a
 * click landing meanwhile is lost.
 */
export class NoteAnswers {
  private readonly answered = new Map<string, boolean>();

  constructor(private readonly isNote: (uri: vscode.Uri) => boolean) {}

  /** Whether the document is a note, remembered as the answer given for it. */
  answer(uri: vscode.Uri): boolean {
    const note = this.isNote(uri);
    this.answered.set(uri.toString(), note);
    return note;
  }

  forget(uri: vscode.Uri): void {
    this.answered.delete(uri.toString());
  }

  /** Whether some answer given is no longer true. */
  outdated(): boolean {
    for (const [uri, note] of this.answered) if (this.isNote(vscode.Uri.parse(uri)) !== note) return true;
    return false;
  }
}
