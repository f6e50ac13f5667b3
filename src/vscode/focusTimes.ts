/**
 * When a webview last took the keyboard focus, and a wait for the next time it does. VS Code gives the focus back to
 * the webview a moment after a quick input closes (the palette, after Enter on a command); on a busy machine that
 * moment can come after the command has opened its own picker, which then closes at once (a picker closes when it
 * loses the focus). The Look Up picker asks this whether the notes panel took the focus just after it was shown, and
 * if so shows itself again. No `vscode` import: unit-tested on its own.
 */

/** A picker closed this long after it was shown, or later, was closed by the user. */
const EARLY_HIDE_MS = 1500;
/** How long the webview's message that it took the focus may come after the picker's hide event. */
const FOCUS_MESSAGE_MS = 300;

export class FocusTimes {
  private last = -Infinity;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The webview says it has the focus. */
  mark(): void {
    this.last = this.now();
    for (const wake of [...this.waiters]) wake();
  }

  /**
   * Whether a picker shown at `shownAt` (a `now()` time) and closed now was closed by the webview taking the focus:
   * it closed soon after it was shown, and the webview took the focus since (said now, or within FOCUS_MESSAGE_MS).
   */
  closedByFocus(shownAt: number): Promise<boolean> {
    return this.now() - shownAt > EARLY_HIDE_MS ? Promise.resolve(false) : this.takenSince(shownAt, FOCUS_MESSAGE_MS);
  }

  /**
   * Whether the webview took the focus at or after `since` (a `now()` time), waiting up to `waitMs` for it when it has
   * not yet: the webview's message can come after the picker's own hide event.
   */
  takenSince(since: number, waitMs: number): Promise<boolean> {
    if (this.last >= since) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (taken: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(taken);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), waitMs);
      this.waiters.add(wake);
    });
  }
}
