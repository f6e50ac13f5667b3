import * as vscode from 'vscode';
import type { HostMessage, UsedInCodeSection } from '../webview/protocol';
import { placeRange, type CodePlace, type CodeRefs } from './codeRefs';
import { Disposable, toDisposable } from './dispose';
import { t } from './l10n';

/** Places listed per section in the panel; the rest are counted ("and 40 more"). */
const LIST_LIMIT = 50;

/**
 * The panel's "Used in code": under each heading of the note shown, the places in the workspace's code where a hover
 * shows that section (file, line, the line's text); a click opens the place. The panel tells it which note it shows
 * and how to post to the webview; the list follows code and note changes.
 */
export class UsedInCode extends Disposable {
  private shown: { docId: string; post: (m: HostMessage) => void } | undefined;
  /** The places listed for the note shown, by the id the webview sends back. */
  private byId = new Map<string, CodePlace>();
  private pending: vscode.CancellationTokenSource | undefined;

  constructor(private readonly refs: CodeRefs) {
    super();
    this.registerAll(
      refs.onDidChange(() => this.shown && void this.update()),
      toDisposable(() => this.pending?.cancel()),
    );
  }

  /** The panel shows (or re-rendered) a note: its places follow as soon as the scan has them. */
  showFor(docId: string, post: (m: HostMessage) => void): void {
    this.shown = { docId, post };
    void this.update();
  }

  /** The panel closed. */
  hide(): void {
    this.shown = undefined;
    this.pending?.cancel();
  }

  private async update(): Promise<void> {
    const shown = this.shown;
    if (!shown) return;
    this.pending?.cancel();
    const cts = (this.pending = new vscode.CancellationTokenSource());
    const places = await this.refs.placesOf(shown.docId, cts.token);
    if (!places || cts.token.isCancellationRequested || this.shown !== shown) return;
    this.byId = new Map();
    const sections: UsedInCodeSection[] = [];
    for (const [slug, list] of places) {
      sections.push({
        slug,
        more: Math.max(0, list.length - LIST_LIMIT),
        places: list.slice(0, LIST_LIMIT).map((p) => {
          const id = String(this.byId.size + 1);
          this.byId.set(id, p);
          return { id, file: fileLabel(p), line: p.ref.line + 1, text: p.ref.lineText.trim(), point: p.ref.point };
        }),
      });
    }
    shown.post({
      type: 'usedInCode',
      docId: shown.docId,
      sections,
      strings: { title: t('Used in code'), point: t('point {0}', '{0}'), open: t('Open {0}, line {1}', '{0}', '{1}') },
    });
  }

  /** Opens a place the webview asked for (only places this panel listed: the id is the key). */
  async open(id: string): Promise<void> {
    const p = this.byId.get(id);
    if (!p) return;
    const range = placeRange(p);
    if (p.cell === undefined) {
      await vscode.window.showTextDocument(p.uri, { viewColumn: vscode.ViewColumn.One, selection: range, preview: false });
      return;
    }
    const nb = await vscode.workspace.openNotebookDocument(p.uri);
    const editor = await vscode.window.showNotebookDocument(nb, { viewColumn: vscode.ViewColumn.One, selections: [new vscode.NotebookRange(p.cell, p.cell + 1)] });
    editor.revealRange(new vscode.NotebookRange(p.cell, p.cell + 1), vscode.NotebookEditorRevealType.InCenterIfOutsideViewport);
    const cell = nb.cellAt(p.cell);
    await vscode.window.showTextDocument(cell.document, { viewColumn: editor.viewColumn, selection: range, preview: false });
  }
}

function fileLabel(p: CodePlace): string {
  // The folder's name only tells places apart in a workspace of several folders.
  const rel = vscode.workspace.asRelativePath(p.uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
  return p.cell === undefined ? rel : `${rel} ${t('cell {0}', p.cell + 1)}`;
}
