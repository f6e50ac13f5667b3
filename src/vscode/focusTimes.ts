/**
 * When a webview last took the keyboard focus, and a wait for the next time it does. VS Code gives the focus back to
 * the webview a moment after a quick input closes (the palette, after Enter on a command); on a busy machine that
 * moment can come after the command has opened its own picker, which then closes at once (a picker closes when it
 * loses the focus). The Look Up picker asks this whether the notes panel took the focus just after it was shown, and
 * if so shows itself again. No `vscode` import: unit-tested on its own.
 */
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
