import { Tokenizer } from './python/lexical';
import { T } from './python/tokens';
import type { Range } from './text';

/** The code cells of a notebook joined into one program, each starting on a known line (see joinCells). */
export interface JoinedCells {
  text: string;
  /** 0-based line in `text` where each code cell starts. */
  cellStartLines: number[];
  /**
   * Lines of `text` whose leading indentation was taken off (a cell whose first line is indented, see joinCells), with
   * how many columns: a position on such a line is that many columns further right in its cell.
   */
  dedented: ReadonlyMap<number, number>;
}

/** Where a joined program's cells start and which of its lines were dedented: what maps a position to its cell. */
export type CellLines = Omit<JoinedCells, 'text'>;

/** Jupyter notebooks (.ipynb) as one Python program: the code cells joined, each starting on a known line. */
export interface NotebookProgram extends JoinedCells {
  /** Index of each code cell among all the notebook's cells. */
  cellIndexes: number[];
}

/** One code cell of a notebook: its source as the cell's editor shows it, and its index among all cells. */
export interface NotebookCodeCell {
  source: string;
  index: number;
}

/**
 * The code cells of a notebook's JSON, in order; undefined when the text is not a notebook (bad JSON or no `cells`),
 * none when its language is not Python.
 */
export function notebookCodeCells(json: string): NotebookCodeCell[] | undefined {
  let nb: unknown;
  try {
    nb = JSON.parse(json);
  } catch {
    return undefined;
  }
  const cells = (nb as { cells?: unknown })?.cells;
  if (!Array.isArray(cells)) return undefined;
  const lang = String((nb as { metadata?: { kernelspec?: { language?: string }; language_info?: { name?: string } } }).metadata?.language_info?.name ?? 'python');
  if (lang && lang !== 'python') return [];
  const out: NotebookCodeCell[] = [];
  cells.forEach((c, i) => {
    if (!c || typeof c !== 'object' || (c as { cell_type?: string }).cell_type !== 'code') return;
    const src = (c as { source?: unknown }).source;
    out.push({ source: Array.isArray(src) ? src.filter((s) => typeof s === 'string').join('') : typeof src === 'string' ? src : '', index: i });
  });
  return out;
}

/** Undefined when the text is not a notebook (bad JSON or no `cells`). IPython's own syntax is replaced (see joinCells). */
export function notebookProgram(json: string): NotebookProgram | undefined {
  const cells = notebookCodeCells(json);
  if (!cells) return undefined;
  return { ...joinCells(cells.map((c) => c.source)), cellIndexes: cells.map((c) => c.index) };
}

/**
 * Code cells joined into one program, each starting on a known line (a cell's lines are broken where its editor breaks
 * them: at LF, CRLF or a lone CR). IPython takes the indentation of a cell's first line with code off every line that
 * starts with it: so does the program (those lines are listed in `dedented`). IPython's own syntax is not Python; it
 * becomes what IPython runs in its place, line for line, so that line numbers still match the cells:
 * - a line magic, shell line or help line (`%pip install x`, `!ls`, `nn.Conv2d?`) is a statement: `pass` at its
 *   indentation (blanking it would leave an `if` with magics only as its body empty, a syntax error Python never sees);
 * - `files = !ls`, `a, b = !cmd`, `t = %timeit -o f()`: the names are assigned (None: what the command returns is
 *   unknown);
 * - a cell magic (`%%time` on the cell's first line) runs the cell's body: as Python for the magics that do
 *   (`%%time`, `%%timeit`, `%%capture`, `%%prun`, `%%debug`), as another language for the others (`%%bash`, `%%sql`,
 *   `%%writefile`…), whose lines are blanked.
 */
export function joinCells(sources: readonly string[]): JoinedCells {
  const parts: string[] = [];
  const cellStartLines: number[] = [];
  const dedented = new Map<number, number>();
  let line = 0;
  for (const text of sources) {
    const lines = text.split(/\r\n?|\n/);
    // IPython drops the blank lines a cell starts with, then takes the first line's indentation off the cell.
    const first = lines.findIndex((l) => l.trim() !== '');
    const indent = first < 0 ? '' : /^[ \t]*/.exec(lines[first])![0];
    if (indent) {
      for (let i = first; i < lines.length; i++) {
        if (!lines[i].startsWith(indent)) continue;
        lines[i] = lines[i].slice(indent.length);
        dedented.set(line + i, indent.length);
      }
    }
    const cellMagic = first < 0 ? null : /^%%(\w+)/.exec(lines[first]);
    const cleaned = (cellMagic && !PYTHON_CELL_MAGICS.has(cellMagic[1]) ? lines.map(() => '') : ipythonLines(lines)).join('\n');
    cellStartLines.push(line);
    parts.push(cleaned);
    line += lines.length;
  }
  return { text: parts.join('\n'), cellStartLines, dedented };
}

/** A range of a joined program as its cell holds it (the cell's index among the code cells); undefined when it spans cells. */
export function cellRange(cells: CellLines, range: Range): { cell: number; range: Range } | undefined {
  const start = cellPosition(cells, range.start.line, range.start.character);
  const end = cellPosition(cells, range.end.line, range.end.character);
  if (start.cell !== end.cell) return undefined;
  return { cell: start.cell, range: { start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } } };
}

/**
 * Where an edit of a joined program goes in its cell; undefined when it spans cells, or when it puts lines (`newText`
 * with a line break) into a cell whose indentation the program took off (the new lines would lack it).
 */
export function cellEdit(cells: CellLines, range: Range, newText: string): { cell: number; range: Range } | undefined {
  const at = cellRange(cells, range);
  if (!at || !newText.includes('\n')) return at;
  const from = cells.cellStartLines[at.cell];
  const to = at.cell + 1 < cells.cellStartLines.length ? cells.cellStartLines[at.cell + 1] : Infinity;
  for (const line of cells.dedented.keys()) if (line >= from && line < to) return undefined;
  return at;
}

/** Where a position of a joined program is in its cell: the cell's index among the code cells, line and column. */
export function cellPosition(cells: CellLines, line: number, character: number): { cell: number; line: number; character: number } {
  const cell = cellOfLine(cells.cellStartLines, line);
  return { cell, line: line - cells.cellStartLines[cell], character: character + (cells.dedented.get(line) ?? 0) };
}

/** Cell magics whose body is Python, run by IPython. */
const PYTHON_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun', 'debug']);

/**
 * The lines of a cell as IPython runs them (see joinCells). A line that continues a logical line (brackets left open, a
 * string that spans lines, a final backslash: the project's tokenizer says which) belongs to it: to a command, blanked
 * (`%timeit np.fromiter((…),` then `dtype=x.dtype)`); to Python, kept whatever it starts with (`!= y)`, `% n`,
 * `!important` inside a docstring).
 */
function ipythonLines(lines: readonly string[]): string[] {
  const continues = continuationLines(lines);
  const out: string[] = [];
  // Whether the logical line going on is a command.
  let inCommand = false;
  lines.forEach((l, i) => {
    if (continues[i]) {
      out.push(inCommand ? '' : l);
      return;
    }
    const magic = /^(\s*)(?:%%?|!)/.exec(l) ?? /^(\s*)(?:\?{1,2}[A-Za-z_][\w.]*|[A-Za-z_][\w.]*\?{1,2})\s*$/.exec(l);
    const assigned = magic ? undefined : /^(\s*[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*)(?:%|!)/.exec(l);
    inCommand = !!(magic || assigned);
    if (magic) {
      // A timed statement on one line stays Python; over several lines it is taken as the command it is.
      const timed = continues[i + 1] ? undefined : timedStatement(l, magic[1]);
      out.push(l.startsWith('%%', magic[1].length) ? '' : (timed ?? `${magic[1]}pass`));
    } else if (assigned) out.push(`${assigned[1]}None`);
    else out.push(l);
  });
  return out;
}

/** Per line of a cell: whether it continues the logical line of a line before it, as the project's tokenizer reads it. */
function continuationLines(lines: readonly string[]): boolean[] {
  const t = new Tokenizer(lines.join('\n')).fillAll();
  const out = lines.map(() => false);
  // The line of an offset, walked along with the tokens (their offsets only grow).
  let line = 0;
  let next = lines[0].length + 1;
  const lineOf = (offset: number) => {
    while (line + 1 < lines.length && offset >= next) next += lines[++line].length + 1;
    return line;
  };
  // The line where the logical line under way started (-1 between logical lines).
  let from = -1;
  for (let i = 0; i < t.count; i++) {
    const k = t.kind[i];
    if (k === T.INDENT || k === T.DEDENT || k === T.EOF) continue;
    const at = lineOf(t.start[i]);
    if (k !== T.NEWLINE) {
      if (from < 0) from = at;
      continue;
    }
    for (let j = from + 1; from >= 0 && j <= at; j++) out[j] = true;
    from = -1;
  }
  return out;
}

/**
 * `%time stmt` / `%timeit stmt`: the statement IPython times is Python, kept at its columns (`%time y = f(x)` →
 * `pass; y = f(x)`, the same length); undefined with options (`%timeit -n 10 …`) or a compound statement.
 */
function timedStatement(l: string, indent: string): string | undefined {
  const m = /^(%time(?:it)?\s+)(?![-\s])(.*)$/.exec(l.slice(indent.length));
  if (!m || m[1].length < 6 || /^(?:for|while|if|with|def|class|try|async)\b/.test(m[2])) return undefined;
  return `${indent}${'pass;'.padEnd(m[1].length)}${m[2]}`;
}

/** Index of the cell holding a line of the joined program. */
function cellOfLine(cellStartLines: readonly number[], line: number): number {
  let i = cellStartLines.length - 1;
  while (i > 0 && cellStartLines[i] > line) i--;
  return i;
}
