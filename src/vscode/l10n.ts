import * as vscode from 'vscode';
import type { LocalizableText } from '../core/rules/types';

/** Localised UI string (l10n/bundle.l10n.*.json); `{0}`-style placeholders. */
export function t(message: string, ...args: (string | number | boolean)[]): string {
  return vscode.l10n.t(message, ...args);
}

/**
 * A core message (rule diagnostic, fix title) in the display language: its template through the l10n bundle,
 * nested phrases translated first. Falls back to `english` when the core gave no localisable form.
 */
export function tt(l: LocalizableText | undefined, english: string): string {
  if (!l) return english;
  const fill = (x: LocalizableText): string => vscode.l10n.t(x.template, ...x.args.map((a) => (typeof a === 'object' ? fill(a) : a)));
  return fill(l);
}
