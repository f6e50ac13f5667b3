import * as vscode from 'vscode';

/** Localised UI string (l10n/bundle.l10n.*.json); `{0}`-style placeholders. */
export function t(message: string, ...args: (string | number | boolean)[]): string {
  return vscode.l10n.t(message, ...args);
}
