import * as fs from 'node:fs';
import * as path from 'node:path';
import { NoteLibrary } from '../core/notes/library';
import { collectNoteFiles, readNoteFile } from '../core/notes/loader';
import { nodeNoteFs } from './nodeFs';
import { shownPath } from './files';
import type { CliIo } from './main';

/** The bundled notes folder: next to dist/ in the installed package, or the repository's notes/. */
export function bundledNotesDir(): string {
  const candidates = [path.resolve(__dirname, '..', 'notes'), path.resolve(__dirname, '..', '..', 'notes'), path.resolve(__dirname, '..', '..', '..', 'notes')];
  return candidates.find((c) => fs.existsSync(path.join(c, 'ml-basis-notes.md'))) ?? candidates[0];
}

/** The bundled notes (unless `bundled` is false) and `notes` (relative to the working folder, or `~/…`), problems on stderr. */
export async function loadLibrary(p: { notes: readonly string[]; bundled: boolean }, io: CliIo): Promise<NoteLibrary> {
  const lib = new NoteLibrary();
  const roots: { loc: string; bundled: boolean }[] = [];
  if (p.bundled) roots.push({ loc: bundledNotesDir(), bundled: true });
  for (const n of p.notes) roots.push({ loc: path.resolve(io.cwd, n.startsWith('~') ? (process.env.HOME ?? '') + n.slice(1) : n), bundled: false });
  for (const root of roots) {
    const { files, problems } = await collectNoteFiles(nodeNoteFs, [root.loc]);
    for (const pr of problems) io.err(`ml-notes: ${pr.loc}: ${pr.message}`);
    for (const f of files) {
      const res = await readNoteFile(nodeNoteFs, f, 2048 * 1024);
      if (!res.ok) {
        io.err(`ml-notes: skipped ${f}: ${res.reason}`);
        continue;
      }
      if (res.warning) io.err(`ml-notes: ${f}: ${res.warning}`);
      for (const w of lib.setFile(f, res.text, { bundled: root.bundled, label: shownPath(io.cwd, f) })) io.err(`ml-notes: ${f}:${w.line + 1}: ${w.message}`);
    }
  }
  return lib;
}
