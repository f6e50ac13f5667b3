import * as vscode from 'vscode';
import { parseNote } from '../core/notes/parse';
import { placeRange, type CodePlace, type CodeRefs } from './codeRefs';
import { Disposable } from './dispose';
import { t } from './l10n';
import { logFailure, type Log } from './log';
import { NoteAnswers } from './noteAnswers';
import type { NotesService } from './notesService';

export const SHOW_PLACES_COMMAND = 'mlNotes.showPlacesInCode';

class HeadingLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly noteId: string,
    readonly slug: string,
  ) {
    super(range);
  }
}

/**
 * "4 places in code" above each heading of a note (a Markdown file under the notes folders): the places in the
 * workspace's code where a hover shows that section. The headings come from the note as it is being edited (parsed
 * once per document version); the counts from one scan of the code per state of the notes, run in slices and
 * resolved lazily, so typing never waits for them. A click lists the places in the references peek.
 */
export class NoteCodeLens extends Disposable implements vscode.CodeLensProvider<HeadingLens> {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly headings = new Map<string, { version: number; lenses: { line: number; slug: string }[] }>();
  /** The counts the editor shows, by note and section slug: a change of the code or notes that keeps them redraws nothing. */
  private readonly shown = new Map<string, Map<string, number>>();
  private recount: Promise<void> = Promise.resolve();
  private readonly answers: NoteAnswers;

  constructor(
    private readonly notes: NotesService,
    private readonly refs: CodeRefs,
    private readonly log: Log,
  ) {
    super();
    this.answers = new NoteAnswers((uri) => notes.isNoteUri(uri));
    this.registerAll(
      // Redrawing the lenses replaces their links: a click landing meanwhile is lost. Only counts that changed redraw.
      refs.onDidChange(
        () =>
          (this.recount = this.recount
            .then(() => this.fireIfCountsChanged())
            .catch((e) => {
              logFailure(this.log, 'Counting the places in code', e);
              this.changed.fire();
            })),
      ),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.headings.delete(d.uri.toString());
        this.shown.delete(d.uri.toString());
        this.answers.forget(d.uri);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('mlNotes.codeLens.enabled') && this.changed.fire()),
      vscode.commands.registerCommand(SHOW_PLACES_COMMAND, (uri?: unknown, line?: unknown, slug?: unknown) => this.showPlaces(uri, line, slug)),
    );
  }

  provideCodeLenses(document: vscode.TextDocument): HeadingLens[] {
    if (!vscode.workspace.getConfiguration('mlNotes', document).get<boolean>('codeLens.enabled', true)) return [];
    if (!this.answers.answer(document.uri)) return [];
    const key = document.uri.toString();
    let cached = this.headings.get(key);
    if (cached?.version !== document.version) {
      const doc = parseNote(document.getText(), key);
      cached = { version: document.version, lenses: doc.sections.filter((s) => s.level > 0).map((s) => ({ line: s.startLine, slug: s.slug })) };
      this.headings.set(key, cached);
      this.shown.delete(key);
    }
    return cached.lenses.map((l) => new HeadingLens(new vscode.Range(l.line, 0, l.line, 0), key, l.slug));
  }

  /**
   * The count from the last complete scan when there is one, at once: a resolve that waits for a scan leaves the old
   * lens drawn with a link VS Code has already let go of. A newer scan that counts otherwise redraws the lenses.
   */
  async resolveCodeLens(lens: HeadingLens, token: vscode.CancellationToken): Promise<HeadingLens> {
    const places = this.refs.lastPlacesOf(lens.noteId) ?? (await this.refs.placesOf(lens.noteId, token));
    if (!places) return lens;
    const n = places.get(lens.slug)?.length ?? 0;
    let counts = this.shown.get(lens.noteId);
    if (!counts) this.shown.set(lens.noteId, (counts = new Map()));
    counts.set(lens.slug, n);
    lens.command = {
      title: n === 1 ? t('1 place in code') : t('{0} places in code', n),
      tooltip: t('Where a hover in the workspace’s code shows this section'),
      command: n ? SHOW_PLACES_COMMAND : '',
      arguments: [lens.noteId, lens.range.start.line, lens.slug],
    };
    return lens;
  }

  /**
   * Counts the places of the notes whose lenses are shown again, and redraws the lenses when a count differs, or
   * when a document's lenses were asked for while it was not a note and it is one now (or the reverse).
   */
  private async fireIfCountsChanged(): Promise<void> {
    if (this.answers.outdated()) {
      this.changed.fire();
      return;
    }
    for (const [noteId, counts] of this.shown) {
      const places = await this.refs.placesOf(noteId);
      // The notes changed during the count: the change that did it is followed by another recount.
      if (!places) continue;
      for (const [slug, n] of counts) {
        if ((places.get(slug)?.length ?? 0) !== n) {
          this.changed.fire();
          return;
        }
      }
    }
  }

  /** The places of a section in the references peek, under its heading. */
  private async showPlaces(rawUri: unknown, rawLine: unknown, rawSlug: unknown): Promise<void> {
    if (typeof rawUri !== 'string' || typeof rawSlug !== 'string' || typeof rawLine !== 'number') return;
    const places = (await this.refs.placesOf(rawUri))?.get(rawSlug) ?? [];
    const locations = await locationsOf(places);
    await vscode.commands.executeCommand('editor.action.showReferences', vscode.Uri.parse(rawUri), new vscode.Position(rawLine, 0), locations);
  }
}

/** Places as editor locations; a place in a notebook lands in its cell (the notebook is opened in the background). */
export async function locationsOf(places: readonly CodePlace[]): Promise<vscode.Location[]> {
  const notebooks = new Map<string, Promise<vscode.NotebookDocument | undefined>>();
  const out: vscode.Location[] = [];
  for (const p of places) {
    const range = placeRange(p);
    if (p.cell === undefined) {
      out.push(new vscode.Location(p.uri, range));
      continue;
    }
    const key = p.uri.toString();
    if (!notebooks.has(key)) notebooks.set(key, Promise.resolve(vscode.workspace.openNotebookDocument(p.uri)).then((nb) => nb, () => undefined));
    const nb = await notebooks.get(key);
    const cell = nb?.cellAt(p.cell);
    out.push(new vscode.Location(cell?.document.uri ?? p.uri, range));
  }
  return out;
}
