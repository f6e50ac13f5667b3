/**
 * `refs` on a generated 5,000-file code tree: the places where the hover shows a section, found the way
 * `ml-notes refs` finds them (read each file, prefilter on the section's needles, tokenise and resolve only what
 * passes). Baselines in the same run: reading the files alone, and resolving every identifier of every file with no
 * prefilter (what a second, naive pass over the code would cost).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scanCodeFiles } from '../src/cli/refs';
import { explainAt, hoverWindow } from '../src/core/explain';
import type { NoteLibrary } from '../src/core/notes/library';
import { codeKindOf, RefFinder, type RefTarget } from '../src/core/terms/refs';
import { notebookCodeCells } from '../src/core/notebook';
import { LineIndex } from '../src/core/text';
import { writeCodeTree } from './codeTree';
import { measure, summarize, type Summary } from './stats';

export interface RefsCase {
  target: RefTarget;
  summary: Summary;
  places: number;
  tokenised: number;
  needles: number;
}

export interface RefsBench {
  files: number;
  bytes: number;
  cases: RefsCase[];
  readOnly: Summary;
  naive: Summary;
}

export function benchRefs(library: NoteLibrary, targets: RefTarget[], opts: { files: number; seed: number; runs: number; naiveRuns: number }): RefsBench {
  const root = path.join(os.tmpdir(), `ml-notes-bench-code-${process.pid}`);
  try {
    const { files, bytes } = writeCodeTree(root, { files: opts.files, seed: opts.seed });
    // The OS cache is warm for every case alike (the tree was just written): the figures compare the work, not the disk.
    const cases = targets.map((target): RefsCase => {
      let last: ReturnType<typeof scanCodeFiles> | undefined;
      const samples = measure(() => (last = scanCodeFiles(new RefFinder(library, target), files)), opts.runs, 1);
      return { target, summary: summarize(samples), places: last!.refs.length, tokenised: last!.stats.tokenised, needles: new RefFinder(library, target).needles.length };
    });
    const readOnly = measure(() => {
      for (const f of files) fs.readFileSync(f).toString('utf8');
    }, opts.runs, 1);
    const naive = measure(() => {
      for (const f of files) resolveEverything(library, codeKindOf(f)!, fs.readFileSync(f, 'utf8'));
    }, opts.naiveRuns);
    return { files: files.length, bytes, cases, readOnly: summarize(readOnly), naive: summarize(naive) };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** The baseline without a prefilter: the hover at every identifier of the file. */
function resolveEverything(library: NoteLibrary, kind: string, text: string): number {
  const texts = kind === 'notebook' ? (notebookCodeCells(text) ?? []).map((c) => c.source) : [text];
  let n = 0;
  for (const t of texts) {
    const index = new LineIndex(t);
    for (const m of t.matchAll(/[\p{L}\p{N}_]+/gu)) {
      const { startLine, endLine } = hoverWindow(index.positionAt(m.index!).line, index.lineCount);
      const base = index.lineStart(startLine);
      if (explainAt(library, t.slice(base, index.lineEnd(endLine)), m.index! - base)) n++;
    }
  }
  return n;
}
