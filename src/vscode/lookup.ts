import * as vscode from 'vscode';
import { refOf } from '../core/explain';
import { explainAtPosition } from './hover';
import type { NoteRef } from '../core/notes/types';
import type { SearchResultEntry } from '../webview/protocol';
import type { NotesService } from './notesService';
import type { NotesPanel } from './panel';
import { t } from './l10n';

interface LookupItem extends vscode.QuickPickItem {
  ref: NoteRef;
}

export interface LookupDeps {
  notes: NotesService;
  panel: NotesPanel;
  search(query: string, limit: number): SearchResultEntry[];
}

/** "ML Notes: Look Up…": a QuickPick ranked by the core's lookup (fuzzy, CJK aware); Enter opens the panel there. */
export async function lookUp(deps: LookupDeps, initial?: string): Promise<void> {
  await deps.notes.ready;
  const qp = vscode.window.createQuickPick<LookupItem>();
  qp.title = t('ML Notes: Look Up');
  qp.placeholder = t('Search notes by heading, term or text (English or 中文)');
  qp.matchOnDescription = false;
  qp.matchOnDetail = false;
  const update = (value: string) => {
    // VS Code re-sorts the rows by its own label match and focuses the first one shown; Enter opens that row.
    qp.items = deps.search(value, 50).map(toItem);
  };
  qp.onDidChangeValue(update);
  const picked = new Promise<LookupItem | undefined>((resolve) => {
    qp.onDidAccept(() => resolve(qp.activeItems[0] ?? qp.selectedItems[0]));
    qp.onDidHide(() => resolve(undefined));
  });
  qp.value = initial ?? '';
  update(qp.value);
  qp.show();
  const item = await picked;
  qp.dispose();
  if (item) await deps.panel.show(item.ref);
}

function toItem(r: SearchResultEntry): LookupItem {
  return {
    label: `${r.point ? '$(circle-small-filled)' : '$(book)'} ${r.title}`,
    description: r.breadcrumb,
    detail: r.detail,
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
  await deps.notes.ready;
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
