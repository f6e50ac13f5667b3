import * as vscode from 'vscode';
import { refOf } from '../core/explain';
import { explainAtPosition } from './hover';
import type { NoteRef } from '../core/notes/types';
import type { SearchResultEntry } from '../webview/protocol';
import type { NotesService } from './notesService';
import type { NoteSearch } from './search';
import type { NotesPanel } from './panel';
import { t } from './l10n';
import type { FocusTimes } from './focusTimes';

/** How long one update of the picker may index notes while they are being read. */
const INDEXING_SLICE_MS = 30;

interface LookupItem extends vscode.QuickPickItem {
  /** None for the row saying the notes are still being read. */
  ref?: NoteRef;
}

export interface LookupDeps {
  notes: NotesService;
  panel: NotesPanel;
  lookup: NoteSearch;
}

/** "ML Notes: Look Up…": a QuickPick ranked by the core's lookup (fuzzy, CJK aware); Enter opens the panel there. */
export async function lookUp(deps: LookupDeps, initial?: string): Promise<void> {
  const ref = await pickSection(deps, { title: t('ML Notes: Look Up'), initial, panelFocus: deps.panel.focus });
  if (ref) await deps.panel.show(ref);
}

export interface PickOptions {
  title: string;
  placeholder?: string;
  /** The query the picker opens with. */
  initial?: string;
  /** Rows shown while the query is empty (a query of their own). */
  emptyQuery?: string;
  /** Keep only these results (e.g. sections of the user's own notes). */
  accept?: (r: SearchResultEntry) => boolean;
  /** When the notes panel takes the focus: the picker shows itself again, once, when that closed it (FocusTimes). */
  panelFocus?: FocusTimes;
}

/** The Look Up picker: a section or point of the notes, or undefined when dismissed. */
export async function pickSection(deps: Pick<LookupDeps, 'notes' | 'lookup'>, options: PickOptions): Promise<NoteRef | undefined> {
  // The picker searches every note: the ones a start from the kept index puts off are read now.
  void deps.notes.wantAll();
  const qp = vscode.window.createQuickPick<LookupItem>();
  qp.title = options.title;
  qp.placeholder = options.placeholder ?? t('Search notes by heading, term or text (English or 中文)');
  qp.matchOnDescription = false;
  qp.matchOnDetail = false;
  // The rows keep the lookup's ranking (the same as `ml-notes lookup`): VS Code would otherwise re-sort them by how
  // its own fuzzy match scores each label. (Not in @types/vscode 1.90; older hosts ignore the property.)
  (qp as vscode.QuickPick<LookupItem> & { sortByLabel?: boolean }).sortByLabel = false;
  // While the notes are read, then while the lookup index is built, the picker answers from the notes indexed so far, a
  // short slice at a time (the extension host stays free for hovers), and says how far it is in its first row (below
  // 50 results it would be out of view; Enter on it waits for every note). `all`: wait for every note instead.
  const update = (value: string, all = false): boolean => {
    const query = value.trim() ? value : options.emptyQuery ?? value;
    const indexing = all ? undefined : deps.notes.indexing ?? deps.lookup.indexing;
    const results = deps.lookup.search(query, options.accept ? 200 : 50, indexing ? INDEXING_SLICE_MS : undefined);
    const rows = (options.accept ? results.filter(options.accept).slice(0, 50) : results).map(toItem);
    qp.busy = !!indexing;
    qp.items = indexing ? [indexingRow(indexing.done, indexing.total), ...rows] : rows;
    return !!indexing;
  };
  let poll: ReturnType<typeof setInterval> | undefined;
  qp.onDidChangeValue((value) => update(value));
  const picked = new Promise<LookupItem | undefined>((resolve) => {
    qp.onDidAccept(() => {
      const item = qp.activeItems[0] ?? qp.selectedItems[0];
      if (item?.ref) return resolve(item);
      // Enter before the notes are read and indexed (on the row saying so, or before any row): the best row once they are.
      void deps.notes.wantAll().then(() => {
        update(qp.value, true);
        resolve(qp.items.find((i) => i.ref));
      });
    });
    let shownAgain = false;
    qp.onDidHide(() => {
      if (shownAgain || !options.panelFocus) return resolve(undefined);
      void options.panelFocus.closedByFocus(shownAt).then((taken) => {
        if (!taken) return resolve(undefined);
        shownAgain = true;
        qp.show();
      });
    });
  });
  qp.value = options.initial ?? '';
  if (update(qp.value)) {
    poll = setInterval(() => {
      if (!update(qp.value)) clearInterval(poll);
    }, 300);
  }
  const shownAt = Date.now();
  qp.show();
  const item = await picked;
  clearInterval(poll);
  qp.dispose();
  return item?.ref;
}

/** The row that says the notes are still being read (Enter on it waits for them). */
function indexingRow(done: number, total: number): LookupItem {
  return { label: `$(sync~spin) ${t('Indexing notes… {0}/{1}', done, total)}`, alwaysShow: true };
}

/** A row: a section by its heading (its file and parents beside it), a point by a short title (its section beside it) and its first line below. */
function toItem(r: SearchResultEntry): LookupItem {
  return {
    label: `${r.point ? '$(circle-small-filled)' : '$(book)'} ${r.title}`,
    description: r.breadcrumb,
    // A short point's first line is its title already.
    detail: r.detail && r.detail !== r.title ? r.detail : undefined,
    alwaysShow: true,
    ref: { file: r.docId, slug: r.slug, point: r.point },
  };
}

/**
 * "ML Notes: Look Up Term at Cursor": the best note for the identifier at the cursor, directly when the match is
 * clear, or the QuickPick prefilled with the identifier when it is ambiguous or unknown.
 */
export async function lookUpAtCursor(deps: LookupDeps): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return lookUp(deps);
  await deps.notes.wantAll();
  const doc = editor.document;
  const pos = editor.selection.active;
  const at = explainAtPosition(deps.notes.library, doc, pos);
  const word = editor.selection.isEmpty ? doc.getText(doc.getWordRangeAtPosition(pos)) : doc.getText(editor.selection);
  if (!at) return lookUp(deps, word);
  const { ex } = at;
  const ambiguous = ex.others.length > 0 && ex.others[0].score >= ex.best.score - 3;
  if (ambiguous) return lookUp(deps, at.word);
  await deps.panel.show(refOf(ex.best));
}
