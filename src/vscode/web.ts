import type * as vscode from 'vscode';
import { activateWith } from './activate';
import { getRenderer } from '../core/render/renderer';

/** Browser entry (vscode.dev, github.dev, code-server's web worker host): no Node built-ins, notes via workspace.fs. */
export function activate(context: vscode.ExtensionContext) {
  return activateWith(context, { loadRenderer: getRenderer });
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
