import * as vscode from 'vscode';
import * as os from 'node:os';
import { activateWith } from './activate';
import { loadRenderer } from './rendererLoader';

/** Desktop / remote entry (Node extension host). */
export function activate(context: vscode.ExtensionContext) {
  return activateWith(context, { homedir: os.homedir(), loadRenderer });
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
