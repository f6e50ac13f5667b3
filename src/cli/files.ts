import * as fs from 'node:fs';
import * as path from 'node:path';

/** A path as the CLI prints it: relative to the working folder when inside it, else as given. */
export function shownPath(cwd: string, file: string): string {
  const r = path.relative(cwd, file);
  return r && !r.startsWith('..') ? r : file;
}

/**
 * Temp file + rename in the same folder: the file is either the old or the new text, never half written. An existing
 * file keeps its permissions.
 */
export function writeAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.ml-notes-${process.pid}.tmp`);
  const mode = fs.existsSync(file) ? fs.statSync(file).mode : undefined;
  fs.writeFileSync(tmp, text, mode === undefined ? undefined : { mode });
  fs.renameSync(tmp, file);
}
