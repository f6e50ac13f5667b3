import * as vscode from 'vscode';
import { slugify } from '../core/notes/parse';
import { newNoteText, symbolOfSelection, titleForSymbol } from '../core/terms/linkTerm';
import { Disposable } from './dispose';
import { t } from './l10n';
import type { NotesService } from './notesService';

export const NEW_NOTE_COMMAND = 'mlNotes.newNoteFromSelection';

/**
 * "ML Notes: New Note from Selection…": a note about the selected code, in the first notes folder: titled from the
 * symbol it is about (the class or function it defines, else the name at the cursor), the selection as a fenced code
 * block, and the symbol as the term of its section, so hovering the symbol shows the new note at once. Created as
 * one undoable edit and saved; then opened.
 */
export class NewNoteFromSelection extends Disposable {
  constructor(private readonly notes: NotesService) {
    super();
    this.register(vscode.commands.registerCommand(NEW_NOTE_COMMAND, () => this.run()));
  }

  private async run(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage(t('Select the code the new note is about first.'));
      return;
    }
    await this.notes.wantAll();
    const doc = editor.document;
    const sel = editor.selection;
    // A selection over several lines takes them whole (their indentation kept, then removed as one block); an empty
    // one takes the cursor's line.
    const codeRange = sel.isEmpty ? doc.lineAt(sel.active.line).range : sel.isSingleLine ? sel : new vscode.Range(sel.start.line, 0, sel.end.line, sel.end.character);
    const code = doc.getText(codeRange);
    const language = doc.languageId === 'python' || doc.uri.scheme === 'vscode-notebook-cell' ? 'python' : doc.languageId;
    const symbol = symbolOfSelection(doc.getText(), doc.offsetAt(codeRange.start), doc.offsetAt(codeRange.end), doc.offsetAt(sel.active), language === 'python' ? 'python' : 'other');
    if (!symbol) {
      void vscode.window.showInformationMessage(t('Select the code the new note is about first.'));
      return;
    }
    const folder = await this.folder();
    if (!folder) return;
    const title = await vscode.window.showInputBox({
      title: t('New note about “{0}”', symbol),
      prompt: t('The note’s title (its first heading); “{0}” becomes its term.', symbol),
      value: titleForSymbol(symbol),
      validateInput: (v) => (v.trim() ? undefined : t('Give the note a title.')),
    });
    if (!title?.trim()) return;
    const uri = await freeName(folder, slugify(title.trim()));
    const text = newNoteText(title, symbol, code, language);
    const edit = new vscode.WorkspaceEdit();
    const label = t('New note “{0}”', title.trim());
    edit.createFile(uri, { ignoreIfExists: false }, { label, needsConfirmation: false });
    edit.insert(uri, new vscode.Position(0, 0), text, { label, needsConfirmation: false });
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showWarningMessage(t('Could not create {0}.', vscode.workspace.asRelativePath(uri)));
      return;
    }
    const created = await vscode.workspace.openTextDocument(uri);
    await created.save();
    await this.notes.reloadFile(uri);
    const lines = created.lineCount;
    await vscode.window.showTextDocument(created, { preview: false, selection: new vscode.Range(lines - 1, 0, lines - 1, 0) });
  }

  /** The first notes folder; without one, the user picks a folder, which is added to mlNotes.notesPaths. */
  private async folder(): Promise<vscode.Uri | undefined> {
    const first = this.notes.userNoteFolders()[0];
    if (first) return first;
    const choose = t('Choose a Folder…');
    const choice = await vscode.window.showInformationMessage(t('New notes go to the first folder of the setting mlNotes.notesPaths, which has none yet.'), choose);
    if (choice !== choose) return undefined;
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: t('Keep My Notes Here'), defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
    const folder = picked?.[0];
    if (!folder) return undefined;
    const ws = vscode.workspace.getWorkspaceFolder(folder);
    const rel = ws ? vscode.workspace.asRelativePath(folder, false) : undefined;
    const setting = ws ? (ws.uri.toString() === folder.toString() ? '.' : rel!) : folder.scheme === 'file' ? folder.fsPath : folder.toString();
    await vscode.workspace.getConfiguration('mlNotes').update('notesPaths', [setting], ws ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    await this.notes.reload();
    return folder;
  }
}

/** `name.md` in the folder, or `name-2.md`, `name-3.md`… when taken. */
async function freeName(folder: vscode.Uri, name: string): Promise<vscode.Uri> {
  for (let n = 1; ; n++) {
    const uri = vscode.Uri.joinPath(folder, `${name}${n > 1 ? `-${n}` : ''}.md`);
    const exists = await vscode.workspace.fs.stat(uri).then(
      () => true,
      () => false,
    );
    if (!exists) return uri;
  }
}
