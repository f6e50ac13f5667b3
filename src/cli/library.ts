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

/** `notes` paths as locations: relative to the working folder, or `~/…`. */
export function notesPaths(p: { notes: readonly string[] }, io: CliIo): string[] {
  return p.notes.map((n) => path.resolve(io.cwd, n.startsWith('~') ? (process.env.HOME ?? '') + n.slice(1) : n));
}

/**
 * The bundled notes (unless `bundled` is false), `notes` (see notesPaths) and `extra` folders (the vault of a note
 * named on the command line, when no notes path holds it); problems on stderr.
 */
export async function loadLibrary(p: { notes: readonly string[]; bundled: boolean }, io: CliIo, extra: readonly string[] = []): Promise<NoteLibrary> {
  const lib = new NoteLibrary();
  const roots: { loc: string; bundled: boolean }[] = [];
  if (p.bundled) roots.push({ loc: bundledNotesDir(), bundled: true });
  for (const n of notesPaths(p, io)) roots.push({ loc: n, bundled: false });
  for (const e of extra) if (!roots.some((r) => r.loc === e)) roots.push({ loc: e, bundled: false });
  for (const root of roots) {
    const { files, attachments, problems } = await collectNoteFiles(nodeNoteFs, [root.loc]);
    for (const pr of problems) io.err(`ml-notes: ${pr.loc}: ${pr.message}`);
    lib.setAttachments(root.loc, attachments);
    for (const f of files) {
      const res = await readNoteFile(nodeNoteFs, f, 2048 * 1024);
      if (!res.ok) {
        io.err(`ml-notes: skipped ${f}: ${res.reason}`);
        continue;
      }
      if (res.warning) io.err(`ml-notes: ${f}: ${res.warning}`);
      for (const w of lib.setFile(f, res.text, { bundled: root.bundled, label: shownPath(io.cwd, f), root: root.loc })) io.err(`ml-notes: ${f}:${w.line + 1}: ${w.message}`);
    }
  }
  return lib;
}
