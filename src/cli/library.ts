import * as fs from 'node:fs';
import * as path from 'node:path';
import { NoteLibrary } from '../core/notes/library';
import { DEFAULT_MAX_NOTE_KB } from '../core/notes/loader';
import { LibraryLoader, type LoaderRoot } from '../core/notes/libraryLoader';
import { nodeNoteFs } from './nodeFs';
import { shownPath } from './files';
import type { CliIo } from './main';
import type { RuleHost } from '../core/rules/index';
import { checkSourcesOf, withChecks, type CheckProblem, type CheckSource } from '../core/checks/index';

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
 * named on the command line, when no notes path holds it); problems on stderr. Loaded by the extension's own loader
 * (LibraryLoader): the same order of notes, the same size limit (the default of `mlNotes.maxNoteFileSizeKB`) and the
 * same reasons for a note left out.
 */
export async function loadLibrary(p: { notes: readonly string[]; bundled: boolean }, io: CliIo, extra: readonly string[] = []): Promise<NoteLibrary> {
  const lib = new NoteLibrary();
  const roots: LoaderRoot[] = [];
  if (p.bundled) roots.push({ loc: bundledNotesDir(), bundled: true });
  for (const n of notesPaths(p, io)) roots.push({ loc: n, bundled: false });
  for (const e of extra) if (!roots.some((r) => r.loc === e)) roots.push({ loc: e, bundled: false });
  const loader = new LibraryLoader(lib, {
    fs: nodeNoteFs,
    maxBytes: () => DEFAULT_MAX_NOTE_KB * 1024,
    label: (loc) => shownPath(io.cwd, loc),
    problem: (_root, pr) => io.err(`ml-notes: ${pr.loc}: ${pr.message}`),
    fileIssue: (loc, issue) => {
      if (issue.skipped) io.err(`ml-notes: skipped ${loc}: ${issue.message}`);
      else io.err(issue.line === undefined ? `ml-notes: ${loc}: ${issue.message}` : `ml-notes: ${loc}:${issue.line + 1}: ${issue.message}`);
    },
  });
  // No kept index between runs: every note is read and parsed.
  await loader.loadAll(roots, new Map(), () => undefined);
  return lib;
}

/** A set of notes to load for a file's checks: the notes paths (absolute) and whether the bundled ones count. */
export interface NotesToLoad {
  notes: string[];
  bundled: boolean;
}

/** The rules a set of notes gives: the built-in ones and the notes' checks, with the checks left out and why. */
export interface NotesHost {
  library: NoteLibrary;
  /** The notes' checks as written (what a lint worker compiles again). */
  sources: CheckSource[];
  host: RuleHost;
  problems: CheckProblem[];
}

/**
 * The rule hosts of one run, one per set of notes (files under different project configs may name different notes):
 * each set is read and its checks compiled once, however many files use it.
 */
export class NotesHosts {
  private readonly loaded = new Map<string, Promise<NotesHost>>();

  constructor(
    private readonly base: RuleHost,
    private readonly io: CliIo,
  ) {}

  for(notes: NotesToLoad): Promise<NotesHost> {
    const key = JSON.stringify(notes);
    let entry = this.loaded.get(key);
    if (!entry) {
      entry = loadLibrary(notes, this.io).then((library) => {
        const sources = checkSourcesOf(library.documents());
        return { library, sources, ...withChecks(this.base, sources) };
      });
      this.loaded.set(key, entry);
    }
    return entry;
  }

  /** The hosts loaded so far. */
  all(): Promise<NotesHost[]> {
    return Promise.all(this.loaded.values());
  }
}
