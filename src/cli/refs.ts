import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProjectConfigs } from '../core/config/projectConfigs';
import type { NoteLibrary } from '../core/notes/library';
import type { NoteDocument, NoteSection } from '../core/notes/types';
import { CODE_EXTENSIONS, codeKindOf, findRefsInFile, RefFinder, type CodeRef } from '../core/terms/refs';
import { shownPath } from './files';
import type { CliIo } from './main';
import { nodeConfigFs } from './nodeFs';
import { collectFiles, walkProblems, type Walked } from './walk';

export const MAX_CODE_BYTES = 5 * 1024 * 1024;

export interface RefsArgs {
  paths: string[];
  json: boolean;
}

/** A note, or a section of it, or one point of a section. */
export interface RefsTarget {
  doc: NoteDocument;
  section?: NoteSection;
  point?: number;
}

/** One place found in a file on disk (the notebook cell's 1-based code-cell number). */
export interface FileRef {
  file: string;
  cell?: number;
  ref: CodeRef;
}

export interface ScanStats {
  files: number;
  /** Files that passed the prefilter (their text holds one of the target's needles) and were tokenised. */
  tokenised: number;
  skipped: { file: string; reason: string }[];
}

/** Every code file (Python, notebooks, YAML) under the given paths, walked as lint walks them (.gitignore, venvs…). */
export async function codeFilesUnder(roots: readonly string[]): Promise<Walked> {
  return collectFiles(roots, new ProjectConfigs(nodeConfigFs), CODE_EXTENSIONS);
}

/** Reads and scans code files: the whole of `ml-notes refs` after the notes are loaded (and what the bench measures). */
export function scanCodeFiles(finder: RefFinder, files: readonly string[]): { refs: FileRef[]; stats: ScanStats } {
  const refs: FileRef[] = [];
  const stats: ScanStats = { files: 0, tokenised: 0, skipped: [] };
  for (const file of files) {
    const kind = codeKindOf(file) ?? 'python';
    let bytes: Buffer;
    try {
      // Read, then measured (one system call less per file than a stat first: large files are rare in code).
      bytes = fs.readFileSync(file);
    } catch (e) {
      stats.skipped.push({ file, reason: `cannot read (${(e as Error).message})` });
      continue;
    }
    if (bytes.length > MAX_CODE_BYTES) {
      stats.skipped.push({ file, reason: `${Math.round(bytes.length / 1024)} KB, over ${MAX_CODE_BYTES / 1024 / 1024} MB` });
      continue;
    }
    // Binary as git decides it: a NUL byte in the first 8,000 (one native search; code files are never UTF-16).
    if (bytes.subarray(0, 8000).includes(0)) {
      stats.skipped.push({ file, reason: 'binary' });
      continue;
    }
    stats.files++;
    const text = bytes.toString('utf8');
    const found = findRefsInFile(finder, kind, text);
    if (found?.tokenised) stats.tokenised++;
    if (!found) {
      stats.skipped.push({ file, reason: 'not a readable Jupyter notebook' });
      continue;
    }
    found.refs.forEach((ref, i) => refs.push({ file, cell: found.cells?.[i].ordinal, ref }));
  }
  return { refs, stats };
}

/** `ml-notes refs NOTE#slug [PATHS…] [--json]`: exit 0 when the section is used somewhere, 1 when not, 2 on errors. */
export async function runRefs(library: NoteLibrary, target: RefsTarget, args: RefsArgs, io: CliIo): Promise<number> {
  const walked = await codeFilesUnder((args.paths.length ? args.paths : ['.']).map((p) => path.resolve(io.cwd, p)));
  const problems = walkProblems(io.cwd, walked, 'searched');
  for (const line of problems.lines) io.err(`ml-notes refs: ${line}`);
  if (problems.stop) return 2;
  const finder = new RefFinder(library, { file: target.doc.id, slug: target.section?.slug, point: target.point });
  const { refs, stats } = scanCodeFiles(finder, walked.files);
  for (const s of stats.skipped) io.err(`ml-notes refs: ${shownPath(io.cwd, s.file)}: skipped (${s.reason})`);
  if (args.json) {
    io.out(
      JSON.stringify(
        refs.map(({ file, cell, ref: r }) => ({
          file: shownPath(io.cwd, file),
          ...(cell !== undefined ? { cell } : {}),
          line: r.line + 1,
          column: r.character + 1,
          token: r.token,
          chain: r.chain,
          slug: r.slug,
          point: r.point ?? null,
          term: r.term,
          text: r.lineText,
        })),
        null,
        2,
      ),
    );
  } else {
    for (const { file, cell, ref: r } of refs) io.out(`${shownPath(io.cwd, file)}${cell !== undefined ? `#cell${cell}` : ''}:${r.line + 1}:${r.character + 1}: ${r.token}`);
    const what = target.section ? `${target.section.title}${target.point ? ` · point ${target.point}` : ''}` : target.doc.title;
    const inFiles = new Set(refs.map((r) => r.file)).size;
    io.err(`${refs.length} place(s) in ${inFiles} file(s) where the hover shows “${what}”; ${stats.files} code file(s) read`);
  }
  return refs.length ? 0 : 1;
}
