import * as vscode from 'vscode';

/** The "ML Notes" output channel. */
export interface Log extends vscode.Disposable {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  show(): void;
}

export function createLog(): Log {
  const channel = vscode.window.createOutputChannel('ML Notes', { log: true });
  return {
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
    show: () => channel.show(true),
    dispose: () => channel.dispose(),
  };
}

/** What a background task that failed writes to the log: "<what> failed: <the error's stack>". */
export function logFailure(log: Pick<Log, 'error'>, what: string, e: unknown): void {
  log.error(`${what} failed: ${String((e as Error)?.stack ?? e)}`);
}
