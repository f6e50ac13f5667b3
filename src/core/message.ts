/**
 * Core messages (rule diagnostics, fix titles, note loading problems) in a form a host can translate. Each is built with
 * `msg('English template with {0}', ...args)`: the template is always a string literal (test/unit/l10n.test.ts
 * collects them and requires a translation of each), the arguments are code, names, numbers, or nested
 * `msg(...)` phrases.
 */
import type { LocalizableArg, LocalizableText } from './rules/types';

/** A message: its English text and its localisable form. */
export interface Msg {
  text: string;
  l10n: LocalizableText;
}

/** `{0}`, `{1}`… in `template` replaced by the arguments (one pass: text inside arguments is left alone). */
export function formatTemplate(template: string, args: readonly (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (whole, i: string) => {
    const a = args[Number(i)];
    return a === undefined ? whole : String(a);
  });
}

/** A message from a literal template and its arguments. */
export function msg(template: string, ...args: (string | number | Msg)[]): Msg {
  const l10nArgs: LocalizableArg[] = args.map((a) => (typeof a === 'object' ? a.l10n : a));
  const textArgs = args.map((a) => (typeof a === 'object' ? a.text : a));
  return { text: formatTemplate(template, textArgs), l10n: { template, args: l10nArgs } };
}

/** The text of a localisable message, each template (nested ones too) passed through `translate` first. */
export function fillText(l: LocalizableText, translate: (template: string) => string = (t) => t): string {
  return formatTemplate(
    translate(l.template),
    l.args.map((a) => (typeof a === 'object' ? fillText(a, translate) : a)),
  );
}

/** Text written by the user (a note check's message): shown as it is, in every language. */
export function verbatim(text: string): Msg {
  return { text, l10n: { template: '{0}', args: [text] } };
}
