import type { NoteRef } from '../notes/types';
import type { Range, TextEdit } from '../text';

export type Severity = 'off' | 'hint' | 'information' | 'warning' | 'error';

export interface Fix {
  title: string;
  /** Plain text edits on the analysed text; non-overlapping. */
  edits: TextEdit[];
  /** The fix the user most likely wants (shown as preferred). */
  isPreferred?: boolean;
}

export interface Finding {
  rule: string;
  range: Range;
  message: string;
  severity: Severity;
  noteRef: NoteRef;
  fixes: Fix[];
}
