/** Jupyter notebooks (.ipynb) as one Python program: the code cells joined, each starting on a known line. */
export interface NotebookProgram {
  text: string;
  /** 0-based line in `text` where each code cell starts. */
  cellStartLines: number[];
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

/** Undefined when the text is not a notebook (bad JSON or no `cells`). IPython magics and shell lines are blanked. */
export function notebookProgram(json: string): NotebookProgram | undefined {
  const cells = notebookCodeCells(json);
  if (!cells) return undefined;
  return { ...joinCells(cells.map((c) => c.source)), cellIndexes: cells.map((c) => c.index) };
}

/**
 * Code cells joined into one program, each starting on a known line. IPython magics and shell lines (`%timeit`,
 * `!pip`) are not Python: their text is blanked, the line kept, so line numbers still match the cells.
 */
export function joinCells(sources: readonly string[]): { text: string; cellStartLines: number[] } {
  const parts: string[] = [];
  const cellStartLines: number[] = [];
  let line = 0;
  for (const text of sources) {
    const cleaned = text
      .split('\n')
      .map((l) => (/^\s*[%!]/.test(l) ? '' : l))
      .join('\n');
    cellStartLines.push(line);
    parts.push(cleaned);
    line += cleaned.split('\n').length;
  }
  return { text: parts.join('\n'), cellStartLines };
}

/** Index of the cell holding a line of the joined program. */
export function cellOfLine(cellStartLines: readonly number[], line: number): number {
  let i = cellStartLines.length - 1;
  while (i > 0 && cellStartLines[i] > line) i--;
  return i;
}
