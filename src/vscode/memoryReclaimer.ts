import * as vscode from 'vscode';
import { Disposable, toDisposable } from './dispose';
import { logFailure, type Log } from './log';
import { t } from './l10n';
import type { LoadSummary } from './notesService';

/** What one full collection gave back: how long it held the extension host, and its resident size before and after. */
export interface Collection {
  ms: number;
  rssBeforeMB: number;
  rssAfterMB: number;
}

/** Below this much note text a load leaves too little behind to be worth holding the extension host for a collection. */
const RECLAIM_MIN_CHARS = 4_000_000;
/** How long the editor must have been quiet (no typing, no selection or editor change) before the collection runs. */
const QUIET_MS = 2000;
/** How long after the load it is still worth waiting for a quiet moment. */
const GIVE_UP_MS = 120_000;

export interface ReclaimerDeps {
  notes: { readonly onDidLoad: vscode.Event<LoadSummary>; readonly busy: boolean };
  /** One full collection of the extension host's heap (desktop: through its in-process inspector). */
  collect(): Promise<Collection>;
  log: Log;
}

/**
 * Gives back the memory a large load of notes leaves behind. Parsing a vault of megabytes grows V8's young generation
 * to its largest and leaves the parse's garbage in the old generation; an idle extension host runs no collection that
 * would shrink them (README, Large vaults), so the host kept ~90 MB it no longer used. Once such a load has finished,
 * its kept index is written and the editor has been quiet for a moment, one full collection returns them. It holds the
 * extension host for a few hundred milliseconds, once per load, and says so in the output channel.
 */
export class MemoryReclaimer extends Disposable {
  private lastActivity = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private due = 0;

  constructor(private readonly deps: ReclaimerDeps) {
    super();
    const touch = () => (this.lastActivity = Date.now());
    this.registerAll(
      deps.notes.onDidLoad((load) => load.chars >= RECLAIM_MIN_CHARS && this.schedule()),
      vscode.workspace.onDidChangeTextDocument(touch),
      vscode.window.onDidChangeTextEditorSelection(touch),
      vscode.window.onDidChangeActiveTextEditor(touch),
      toDisposable(() => this.timer && clearTimeout(this.timer)),
    );
  }

  private schedule(): void {
    this.due = Date.now() + GIVE_UP_MS;
    this.wait(QUIET_MS);
  }

  private wait(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    this.timer = undefined;
    const now = Date.now();
    if (now > this.due) return;
    const quietIn = this.lastActivity + QUIET_MS - now;
    if (this.deps.notes.busy || quietIn > 0) return this.wait(Math.max(quietIn, 500));
    this.deps.collect().then(
      (c) => this.deps.log.info(t('Gave back the memory the notes load left behind: a full garbage collection held the extension host {0} ms; resident size {1} MB → {2} MB.', Math.round(c.ms), Math.round(c.rssBeforeMB), Math.round(c.rssAfterMB))),
      (e) => logFailure(this.deps.log, 'Giving back the memory of the notes load', e),
    );
  }
}
