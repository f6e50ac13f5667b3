import * as vscode from 'vscode';
import { showDiagnostics } from './diagnostics';
import { checkNote, type NoteProblem } from '../core/authoring/diagnostics';
import { Disposable, KeyedDebouncer } from './dispose';
import { logFailure, type Log } from './log';
import { tt } from './l10n';
import type { NotesService } from './notesService';
import { SOURCE } from './analysis';

const DEBOUNCE_MS = 300;

/**
 * Problems found while writing a note (a Markdown file under the notes folders; the ml-notes-check blocks are
 * checks.ts's): terms keys naming no section, broken or ambiguous links and embeds, duplicate aliases; drawn as
 * warnings with "did you mean" quick fixes. Each open note is checked as it is edited (debounced, once per version),
 * and again when the other notes change.
 */
export class NoteDiagnostics extends Disposable implements vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection('mlNotes.notes'));
  private readonly problems = new Map<string, { version: number; problems: NoteProblem[] }>();
  private readonly debouncer = this.register(new KeyedDebouncer((e) => logFailure(this.log, 'Checking a note', e)));

  constructor(
    private readonly notes: NotesService,
    private readonly log: Log,
  ) {
    super();
    this.registerAll(
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length && this.schedule(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        this.problems.delete(d.uri.toString());
      }),
      // Another note saved, added or removed: links and aliases of the open notes may have changed meaning.
      notes.library.onDidChange(() => {
        for (const d of vscode.workspace.textDocuments) this.schedule(d, DEBOUNCE_MS);
      }),
    );
    void notes.ready.then(() => {
      for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
    });
  }

  private schedule(document: vscode.TextDocument, delay: number): void {
    if (document.languageId !== 'markdown' || !this.notes.isNoteUri(document.uri)) return;
    this.debouncer.run(document.uri.toString(), delay, () => !document.isClosed && this.check(document));
  }

  private check(document: vscode.TextDocument): void {
    const problems = checkNote(this.notes.library, document.uri.toString(), document.getText());
    this.problems.set(document.uri.toString(), { version: document.version, problems });
    showDiagnostics(
      this.collection,
      document.uri,
      problems.map((p) => {
        const d = new vscode.Diagnostic(toRange(p.range), tt(p.message.l10n, p.message.text), vscode.DiagnosticSeverity.Warning);
        d.source = SOURCE;
        d.code = p.code;
        return d;
      }),
    );
  }

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const entry = this.problems.get(document.uri.toString());
    if (!entry || entry.version !== document.version) return [];
    const diagnostics = this.collection.get(document.uri) ?? [];
    const out: vscode.CodeAction[] = [];
    for (const p of entry.problems) {
      const r = toRange(p.range);
      if (!r.intersection(range)) continue;
      const diagnostic = diagnostics.find((d) => d.range.isEqual(r) && d.code === p.code);
      for (const fix of p.fixes) {
        const action = new vscode.CodeAction(tt(fix.title.l10n, fix.title.text), vscode.CodeActionKind.QuickFix);
        const edit = new vscode.WorkspaceEdit();
        edit.replace(document.uri, toRange(fix.edit.range), fix.edit.newText);
        action.edit = edit;
        action.isPreferred = fix.preferred;
        if (diagnostic) action.diagnostics = [diagnostic];
        out.push(action);
      }
    }
    return out;
  }
}

function toRange(r: NoteProblem['range']): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}
