import * as vscode from 'vscode';
import { showAllDiagnostics } from './diagnostics';
import { checkSourcesOf, type CheckProblem, type CheckSource } from '../core/checks/index';
import { compileChecks } from '../core/checks/check';
import { parseNote } from '../core/notes/parse';
import type { NoteDocument } from '../core/notes/types';
import { cellPosition, notebookProgram, type CellLines } from '../core/notebook';
import { ruleIds } from '../core/rules/index';
import { Disposable, KeyedDebouncer } from './dispose';
import { SOURCE, type AnalysisService } from './analysis';
import { NoteAnswers } from './noteAnswers';
import { logFailure, type Log } from './log';
import { displayUri, type NotesService } from './notesService';
import { t, tt } from './l10n';

const DEBOUNCE_MS = 300;
/** Files "Try this check" reads at most, and the size above which it skips one. */
const TRY_MAX_FILES = 5000;
const TRY_MAX_BYTES = 2 * 1024 * 1024;

/**
 * The notes' checks in the editor: sends them to the analysis whenever the notes change (saving a note applies its
 * checks at once), shows the checks that cannot work as diagnostics in the note (as you type) and in the output
 * channel, and puts a "Try this check" lens on each block.
 */
export class CheckBlocks extends Disposable implements vscode.CodeLensProvider {
  private readonly collection = vscode.languages.createDiagnosticCollection('mlNotes.checks');
  private readonly lensChanged = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.lensChanged.event;
  /** The check sources last sent to the analysis (none at first). */
  private sent = '[]';
  private readonly logged = new Set<string>();
  private readonly debouncer = this.register(new KeyedDebouncer((e) => logFailure(this.log, "Checking the notes' check blocks", e)));
  /** Whether the notes changed since the checks were last sent (a later edit must not forget it). */
  private notesChanged = false;
  private readonly answers: NoteAnswers;

  constructor(
    private readonly notes: NotesService,
    private readonly analysis: AnalysisService,
    private readonly log: Log,
  ) {
    super();
    this.answers = new NoteAnswers((uri) => notes.isNoteUri(uri));
    this.registerAll(
      this.collection,
      notes.library.onDidChange(() => this.schedule(true)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length && this.notes.isNoteUri(e.document.uri)) this.schedule(false);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.answers.forget(d.uri);
        if (this.notes.isNoteUri(d.uri)) this.schedule(false);
      }),
    );
  }

  private schedule(notesChanged: boolean): void {
    this.notesChanged ||= notesChanged;
    this.debouncer.run('checks', DEBOUNCE_MS, () => {
      // The lenses follow the note's text (the editor asks again as it changes) and which files are notes: only a
      // change of the notes can change the latter, and then only if it turned an answer given wrong. Redrawing them
      // for nothing would lose a click landing meanwhile.
      const notesChanged = this.notesChanged;
      if (notesChanged) this.sendChecks();
      this.notesChanged = false;
      this.diagnose();
      if (notesChanged && this.answers.outdated()) this.lensChanged.fire();
    });
  }

  /** The saved notes' checks to the analysis, when they changed. */
  private sendChecks(): void {
    const sources = checkSourcesOf(this.notes.library.documents());
    const key = JSON.stringify(sources);
    if (key === this.sent) return;
    this.sent = key;
    this.analysis.setChecks(sources);
  }

  /** Problems of the checks, as the notes read now (open notes as typed), in the notes and the output channel. */
  private diagnose(): void {
    const docs = this.notes.library.documents().map((d) => this.live(d));
    const { problems } = compileChecks(checkSourcesOf(docs), new Set(ruleIds));
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const p of problems) {
      const list = byFile.get(p.file) ?? [];
      list.push(toDiagnostic(p));
      byFile.set(p.file, list);
      const key = `${p.file}|${p.range.start.line}|${p.message.text}`;
      if (!this.logged.has(key)) {
        this.logged.add(key);
        this.log.warn(t('{0}:{1}: check left out: {2}', displayUri(vscode.Uri.parse(p.file)), p.range.start.line + 1, tt(p.message.l10n, p.message.text)));
      }
    }
    showAllDiagnostics(this.collection, byFile);
  }

  /** A note as its open editor has it (unsaved edits included), else as loaded. */
  private live(doc: NoteDocument): NoteDocument {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === doc.id);
    return open && open.isDirty ? parseNote(open.getText(), doc.id) : doc;
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.answers.answer(document.uri)) return [];
    const blocks = parseNote(document.getText(), document.uri.toString()).checkBlocks;
    return blocks.map(
      (b) =>
        new vscode.CodeLens(new vscode.Range(b.line, 0, b.line, 0), {
          title: `$(play) ${t('Try this check')}`,
          tooltip: t('Run this check over the Python files of the workspace and list what it finds'),
          command: 'mlNotes.tryCheck',
          arguments: [document.uri.toString(), b.line],
        }),
    );
  }

  /**
   * "Try this check": the block at `line` of a note (the active editor's block around the cursor when called from the
   * palette), run over the workspace's Python files and notebooks; its matches listed (file, line, text), a click
   * opening one.
   */
  async tryCheck(uriArg?: unknown, lineArg?: unknown): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const uri = typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : editor?.document.uri;
    if (!uri) return;
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) ?? (await vscode.workspace.openTextDocument(uri));
    const line = typeof lineArg === 'number' ? lineArg : (editor?.selection.active.line ?? 0);
    const note = parseNote(document.getText(), uri.toString());
    const block = note.checkBlocks.find((b) => b.line === line) ?? [...note.checkBlocks].reverse().find((b) => b.line <= line);
    if (!block) {
      void vscode.window.showInformationMessage(t('No ml-notes-check block here.'));
      return;
    }
    const source: CheckSource = checkSourcesOf([{ ...note, checkBlocks: [block] }])[0];
    const { checks, problems } = compileChecks([source], new Set(ruleIds));
    if (problems.length) {
      const p = problems[0];
      void vscode.window.showErrorMessage(t('This check cannot run: line {0}: {1}', p.range.start.line + 1, tt(p.message.l10n, p.message.text)));
      return;
    }
    const found = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: t('Trying check {0}…', checks.map((c) => c.id).join(', ')), cancellable: true },
      async (_progress, token) => {
        const files = await vscode.workspace.findFiles('**/*.{py,ipynb}', '**/{node_modules,.git,.venv,venv,__pycache__,site-packages}/**', TRY_MAX_FILES, token);
        const out: { uri: vscode.Uri; where: string; range?: vscode.Range; text: string; id: string }[] = [];
        for (const f of files) {
          if (token.isCancellationRequested) break;
          const program = await this.pythonText(f);
          if (!program) continue;
          const lines = program.text.split('\n');
          const tried = await this.analysis.tryChecks([source], program.text);
          for (const e of tried.failures) this.log.error(`Check ${e.id} failed on ${displayUri(f)}: ${e.message}`);
          for (const m of tried.matches) {
            const text = lines[m.range.start.line]?.trim() ?? '';
            if (program.cells) {
              // A notebook: the cell and the line in it; the notebook opens at its top.
              const at = cellPosition(program.cells, m.range.start.line, m.range.start.character);
              out.push({ uri: f, where: `${displayUri(f)}#cell${at.cell + 1}:${at.line + 1}`, text, id: m.id });
            } else {
              const range = new vscode.Range(m.range.start.line, m.range.start.character, m.range.end.line, m.range.end.character);
              out.push({ uri: f, where: `${displayUri(f)}:${m.range.start.line + 1}`, range, text, id: m.id });
            }
          }
        }
        return { out, files: files.length };
      },
    );
    if (!found.out.length) {
      void vscode.window.showInformationMessage(t('Check {0} finds nothing in the {1} Python file(s) of the workspace.', checks.map((c) => c.id).join(', '), found.files));
      return;
    }
    const picked = await vscode.window.showQuickPick(
      found.out.map((m) => ({ label: m.where, description: m.text, detail: checks.length > 1 ? m.id : undefined, match: m })),
      { title: t('{0} match(es) of {1} in {2} file(s)', found.out.length, checks.map((c) => c.id).join(', '), new Set(found.out.map((m) => m.uri.toString())).size), matchOnDescription: true },
    );
    if (picked?.match.range) await vscode.window.showTextDocument(picked.match.uri, { selection: picked.match.range });
    else if (picked) await vscode.commands.executeCommand('vscode.open', picked.match.uri);
  }

  /**
   * A Python file's text (as open in the editor if it is), or a notebook's code cells as one program; undefined (and a
   * line in the output channel) when it cannot be read as UTF-8 text or is too large.
   */
  private async pythonText(uri: vscode.Uri): Promise<{ text: string; cells?: CellLines } | undefined> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open && !uri.path.endsWith('.ipynb')) return { text: open.getText() };
    let text: string;
    try {
      const st = await vscode.workspace.fs.stat(uri);
      if (st.size > TRY_MAX_BYTES) {
        this.log.info(t('Try this check: skipped {0} ({1} KB).', displayUri(uri), Math.round(st.size / 1024)));
        return undefined;
      }
      text = new TextDecoder('utf-8', { fatal: true }).decode(await vscode.workspace.fs.readFile(uri));
    } catch (e) {
      this.log.info(t('Try this check: skipped {0} ({1}).', displayUri(uri), String((e as Error)?.message ?? e)));
      return undefined;
    }
    if (!uri.path.endsWith('.ipynb')) return { text };
    const nb = notebookProgram(text);
    return nb && { text: nb.text, cells: nb };
  }
}

function toDiagnostic(p: CheckProblem): vscode.Diagnostic {
  const d = new vscode.Diagnostic(new vscode.Range(p.range.start.line, p.range.start.character, p.range.end.line, p.range.end.character), tt(p.message.l10n, p.message.text), vscode.DiagnosticSeverity.Error);
  d.source = SOURCE;
  if (p.id) d.code = p.id;
  return d;
}
