import type { NoteRef } from '../notes/types';
import type { Range, TextEdit } from '../text';

export type Severity = 'off' | 'hint' | 'information' | 'warning' | 'error';

/**
 * A text a host can show in the user's language: the English template (`{0}`-style placeholders, as
 * `vscode.l10n.t` takes them) and its arguments. Code, names and numbers are plain arguments and stay as
 * they are; an argument that is itself a LocalizableText (a phrase inside the sentence) is translated too.
 */
export interface LocalizableText {
  template: string;
  args: LocalizableArg[];
}

export type LocalizableArg = string | number | LocalizableText;

export interface Fix {
  title: string;
  /** `title` as a template and its arguments, for translation. */
  titleL10n?: LocalizableText;
  /** Plain text edits on the analysed text; non-overlapping. */
  edits: TextEdit[];
  /** The fix the user most likely wants (shown as preferred). */
  isPreferred?: boolean;
}

export interface Finding {
  rule: string;
  range: Range;
  message: string;
  /** `message` as a template and its arguments, for translation. */
  messageL10n?: LocalizableText;
  severity: Severity;
  noteRef: NoteRef;
  fixes: Fix[];
}
