import * as vscode from 'vscode';
import { parseNote } from '../core/notes/parse';
import { hoverForTerm, isTermText, linkEdit, termAt } from '../core/terms/linkTerm';
import { splitIdentifier } from '../core/terms/identifiers';
import type { SearchResultEntry } from '../webview/protocol';
import { Disposable } from './dispose';
import { t, tt } from './l10n';
import type { Log } from './log';
import { pickSection } from './lookup';
import type { NotesService } from './notesService';
import type { NoteSearch } from './search';

export const LINK_SYMBOL_COMMAND = 'mlNotes.linkSymbol';

export interface LinkSymbolDeps {
  notes: NotesService;
  log: Log;
  lookup: NoteSearch;
}

/**
 * "ML Notes: Link Symbol to Note…": the symbol at the cursor (or the selected name) becomes a term of a section or
 * point the user picks in the Look Up picker, added to that note's front-matter `terms` as one undoable edit that
 * keeps the front matter as written. A note that had no unsaved changes is saved; one the user was editing stays
 * unsaved and is indexed as it is. The next hover on the symbol shows the section, without a reload.
 */
export class LinkSymbol extends Disposable {
  constructor(private readonly deps: LinkSymbolDeps) {
    super();
    this.register(vscode.commands.registerCommand(LINK_SYMBOL_COMMAND, () => this.run()));
  }

  private async run(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const term = editor && symbolOfEditor(editor);
    if (!term) {
      void vscode.window.showInformationMessage(t('Put the cursor on a name in the code (or select one) to link it to a note.'));
      return;
    }
    const { notes } = this.deps;
    await notes.wantAll();
    const own = (r: SearchResultEntry) => !notes.library.info(r.docId)?.bundled;
    if (!notes.library.documents().some((d) => !notes.library.info(d.id)?.bundled)) {
      const choice = await vscode.window.showWarningMessage(t('Terms are added to your own notes, and none are set up yet: add a folder to the setting mlNotes.notesPaths, or start one with New Note from Selection.'), t('Open Settings'), t('New Note from Selection…'));
      if (choice === t('Open Settings')) await vscode.commands.executeCommand('workbench.action.openSettings', 'mlNotes.notesPaths');
      else if (choice) await vscode.commands.executeCommand('mlNotes.newNoteFromSelection');
      return;
    }
    const ref = await pickSection(this.deps, {
      title: t('Link “{0}” to a note section', term),
      placeholder: t('Pick the section or point of your notes that “{0}” should show', term),
      emptyQuery: splitIdentifier(term.replace(/\(.*\)$/, '')).join(' '),
      accept: own,
    });
    if (!ref?.file) return;
    await this.link(term, ref.file, ref.slug, ref.point);
  }

  private async link(term: string, noteId: string, slug: string, point: number | undefined): Promise<void> {
    const { notes } = this.deps;
    const uri = vscode.Uri.parse(noteId);
    const document = await vscode.workspace.openTextDocument(uri);
    const wasDirty = document.isDirty;
    const text = document.getText();
    const parsed = parseNote(text, noteId);
    const res = linkEdit(text, parsed, slug, point, term);
    const section = parsed.sections.find((s) => s.slug === slug);
    const where = section ? (point ? `${section.title} · ${t('point {0}', point)}` : section.title) : slug;
    if (res.kind === 'refused') {
      void vscode.window.showWarningMessage(t('Could not link “{0}” to “{1}”: {2}', term, where, tt(res.message.l10n, res.message.text)));
      return;
    }
    if (res.kind === 'unchanged') {
      void vscode.window.showInformationMessage(t('“{0}” is already a term of “{1}”.', term, where));
      return;
    }
    const range = new vscode.Range(res.edit.range.start.line, res.edit.range.start.character, res.edit.range.end.line, res.edit.range.end.character);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, range, res.edit.newText, { label: t('Link “{0}” to “{1}”', term, where), needsConfirmation: false });
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showWarningMessage(t('Could not link “{0}” to “{1}”: the note changed meanwhile; try again.', term, where));
      return;
    }
    if (wasDirty) notes.indexUnsaved(document);
    else {
      await document.save();
      await notes.reloadFile(uri);
    }
    this.deps.log.info(`Linked ${term} to ${noteId}#${point ? `${slug}/${point}` : slug} (key ${res.key}).`);
    const shown = hoverForTerm(notes.library, term);
    const open = t('Open Note');
    const message =
      shown && shown.doc.id === noteId && shown.section.slug === slug && shown.point?.index === point
        ? t('Linked “{0}” to “{1}”: hovering it now shows that section.', term, where)
        : t('Linked “{0}” to “{1}”, but a hover on it still shows “{2}” first (its term “{3}” matches better).', term, where, shown ? shown.section.title : '—', shown?.term ?? '—');
    const choice = await vscode.window.showInformationMessage(message, open);
    if (choice === open) {
      const line = res.edit.range.start.line + (/^(\r\n|\n|\r)/.test(res.edit.newText) ? 1 : 0);
      await vscode.window.showTextDocument(uri, { selection: new vscode.Range(line, 0, line, 0), preview: false });
    }
  }
}

/** The term for the editor's symbol: a selected name as it is, else the symbol at the cursor (see termAt). */
export function symbolOfEditor(editor: vscode.TextEditor): string | undefined {
  const doc = editor.document;
  const selected = doc.getText(editor.selection).trim();
  if (selected && isTermText(selected)) return selected;
  return termAt(doc.getText(), doc.offsetAt(editor.selection.active), doc.languageId === 'python' ? 'python' : 'other');
}
