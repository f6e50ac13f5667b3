/**
 * From a note to the code: the places in code where a hover would show a note's section (or one of its points).
 *
 * There is no second matcher here. A place is an identifier for which the hover's own resolution (`explainAt` over the
 * hover's window of lines) puts that section first. What this module adds is speed: each term of the section has a
 * needle (the folded text every identifier it can match contains, see `foldKey`); the needles are searched in the
 * text before any tokenising (allowing `_` between their characters), and only the identifiers that hold one are read
 * and resolved. A text with none of them costs one search.
 */
import { explainAt, hoverWindow } from '../explain';
import type { LibraryMatch, NoteLibrary } from '../notes/library';
import { LineIndex } from '../text';
import { foldKey, type CodeToken } from './termIndex';
import { isIdentChar } from './codeToken';
import { notebookCodeCells } from '../notebook';

/** A note (every section of it), a section of it, or one point of a section. */
export interface RefTarget {
  file: string;
  slug?: string;
  point?: number;
}

/** One place in code: an identifier whose hover shows the target. Lines and characters are 0-based (UTF-16). */
export interface CodeRef {
  /** Offsets of the identifier in the text scanned. */
  start: number;
  end: number;
  line: number;
  character: number;
  /** The hovered identifier, and the dotted chain up to it (`torch.nn.BatchNorm2d`). */
  token: string;
  chain: string[];
  /** The section (and point) the hover shows there. */
  slug: string;
  point?: number;
  /** The term of the notes that matched. */
  term: string;
  /** The text of the identifier's line (at most 300 characters). */
  lineText: string;
}

/** Identifiers as the hover sees them: maximal runs of letters, digits and `_`. */
const IDENTIFIER = /[\p{L}\p{N}_]+/gu;
/** The term index ignores longer names (and the hover's token is cut at 256 characters either side). */
const MAX_IDENTIFIER = 200;
const MAX_LINE_TEXT = 300;
/** Non-ASCII characters whose lower case is an ASCII letter ("İ" → "i̇", the Kelvin sign → "k"). */
const LOWERS_TO_ASCII = /[\u0130\u212A]/;
/** Characters a folded identifier is made of. */
const NEEDLE = /^[\p{L}\p{N}]+$/u;
const MEMO_LIMIT = 50_000;

/**
 * Finds the places in code texts where the hover shows a target. Built once per query, against the library as it is
 * then (its needles and its memo of answers belong to that state): `mayContain` and `find` can then run over any
 * number of texts, but a changed library needs a new finder.
 */
export class RefFinder {
  /** Folded needles, longest first (a longer needle found is the more telling one). */
  readonly needles: readonly string[];
  /** Every needle is ASCII letters and digits: JSON never escapes them, so a notebook's raw text can be prefiltered. */
  readonly asciiNeedles: boolean;
  private readonly pattern: RegExp | undefined;
  /**
   * The needles as they appear in lower-cased text: an underscore may sit between any two of their characters
   * (`lateral_conv` holds `lateralconv`). A match lies inside one identifier: needles are letters and digits.
   */
  private readonly hits: RegExp | undefined;
  /** The same, case-insensitive, for ASCII needles: searched in the text as it is, with no lower-cased copy. */
  private readonly hitsAnyCase: RegExp | undefined;
  /** Texts that held a needle (and were tokenised around it). */
  passed = 0;
  /** The library's answers by token, and the needle test by identifier: both repeat across a code base. */
  private readonly answers = new Map<string, LibraryMatch[]>();
  private readonly candidates = new Map<string, boolean>();
  private readonly lookup = (token: CodeToken): LibraryMatch[] => {
    const key = token.keywordOf ? `${token.chain.join('.')}\u0000${token.keywordOf.join('.')}` : token.chain.join('.');
    let found = this.answers.get(key);
    if (!found) {
      if (this.answers.size > MEMO_LIMIT) this.answers.clear();
      this.answers.set(key, (found = this.library.lookupToken(token)));
    }
    return found;
  };

  constructor(
    private readonly library: NoteLibrary,
    readonly target: RefTarget,
  ) {
    const needles = new Set<string>();
    for (const n of library.terms.needlesOf(target.file)) {
      if (target.slug !== undefined && n.target.slug !== target.slug) continue;
      // A point's place is also a place of its section; a section's own terms never land on one of its points alone.
      if (target.point !== undefined && n.target.point !== target.point) continue;
      // A needle with other characters (a term like `a.b(c)` matches no identifier's part) can be in no identifier.
      if (n.needle && NEEDLE.test(n.needle)) needles.add(n.needle);
    }
    this.needles = [...needles].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    this.asciiNeedles = this.needles.every((n) => /^[a-z0-9]+$/.test(n));
    this.pattern = this.needles.length ? new RegExp(this.needles.map(escapeRegExp).join('|')) : undefined;
    const hits = this.needles.length ? needleTrie(this.needles) : undefined;
    this.hits = hits === undefined ? undefined : new RegExp(hits, 'g');
    this.hitsAnyCase = hits !== undefined && this.asciiNeedles ? new RegExp(hits, 'gi') : undefined;
  }

  /** The prefilter: false when no token of the text can resolve to the target (no tokenising, one pass). */
  mayContain(text: string): boolean {
    return this.pattern !== undefined && this.pattern.test(foldKey(text));
  }

  /** Every place in the text (Python or YAML source, or one notebook cell) whose hover shows the target. */
  find(text: string, limit = Infinity): CodeRef[] {
    if (!this.hits) return [];
    // ASCII needles in a text where only ASCII letters lower-case to ASCII letters (no "İ", no Kelvin sign): searched
    // case-insensitively in the text itself.
    if (this.hitsAnyCase && !LOWERS_TO_ASCII.test(text)) return this.findByHits(text, text, this.hitsAnyCase, limit);
    const lower = text.toLowerCase();
    // Lower case keeps every offset (most text): the needles are searched in it, and only the identifiers around them
    // are read. Otherwise, every identifier is tested.
    return lower.length === text.length ? this.findByHits(text, lower, this.hits, limit) : this.findByIdentifiers(text, limit);
  }

  private findByHits(text: string, searched: string, hits: RegExp, limit: number): CodeRef[] {
    const out: CodeRef[] = [];
    let index: LineIndex | undefined;
    hits.lastIndex = 0;
    for (let m = hits.exec(searched); m; m = hits.exec(searched)) {
      let start = m.index;
      let end = start + m[0].length;
      while (start > 0 && isIdentChar(text[start - 1])) start--;
      while (end < text.length && isIdentChar(text[end])) end++;
      hits.lastIndex = end; // one look per identifier
      if (!index) {
        index = new LineIndex(text);
        this.passed++;
      }
      if (end - start > MAX_IDENTIFIER) continue;
      const ref = this.resolveAt(text, index, start);
      if (ref) {
        out.push(ref);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  private findByIdentifiers(text: string, limit: number): CodeRef[] {
    if (!this.mayContain(text)) return [];
    this.passed++;
    const out: CodeRef[] = [];
    let index: LineIndex | undefined;
    for (const m of text.matchAll(IDENTIFIER)) {
      const name = m[0];
      if (name.length > MAX_IDENTIFIER || !this.isCandidate(name)) continue;
      index ??= new LineIndex(text);
      const ref = this.resolveAt(text, index, m.index!);
      if (ref) {
        out.push(ref);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** Whether the identifier holds one of the needles (only then can its hover show the target). */
  private isCandidate(name: string): boolean {
    let yes = this.candidates.get(name);
    if (yes === undefined) {
      if (this.candidates.size > MEMO_LIMIT) this.candidates.clear();
      this.candidates.set(name, (yes = this.pattern!.test(foldKey(name))));
    }
    return yes;
  }

  /** The hover at an identifier, read through the same window of lines the editor's hover reads. */
  private resolveAt(text: string, index: LineIndex, start: number): CodeRef | undefined {
    const pos = index.positionAt(start);
    const { startLine, endLine } = hoverWindow(pos.line, index.lineCount);
    const base = index.lineStart(startLine);
    const ex = explainAt(this.library, text.slice(base, index.lineEnd(endLine)), start - base, this.lookup);
    if (!ex) return undefined;
    const best = ex.best;
    if (best.doc.id !== this.target.file) return undefined;
    if (this.target.slug !== undefined && best.section.slug !== this.target.slug) return undefined;
    if (this.target.point !== undefined && best.point?.index !== this.target.point) return undefined;
    const lineText = index.lineText(pos.line);
    const token = text.slice(base + ex.start, base + ex.end);
    return {
      start: base + ex.start,
      end: base + ex.end,
      line: pos.line,
      character: pos.character,
      token,
      chain: ex.token.chain,
      slug: best.section.slug,
      point: best.point?.index,
      term: best.term,
      lineText: lineText.length > MAX_LINE_TEXT ? lineText.slice(0, MAX_LINE_TEXT) + '…' : lineText,
    };
  }
}

/** The places in one code file, by kind: Python and YAML as one text, a notebook cell by cell. */
export interface FileRefs {
  refs: CodeRef[];
  /** Whether the text passed the prefilter (and was tokenised). */
  tokenised: boolean;
  /** For a notebook: the index of the cell (among all its cells) of each ref, and the cell's 1-based code-cell number. */
  cells?: { index: number; ordinal: number }[];
}

export type CodeKind = 'python' | 'yaml' | 'notebook';

/** The kind of a code file by its name, or undefined for files `refs` does not read. */
export function codeKindOf(name: string): CodeKind | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.py') || lower.endsWith('.pyi')) return 'python';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  if (lower.endsWith('.ipynb')) return 'notebook';
  return undefined;
}

export const CODE_EXTENSIONS = ['.py', '.pyi', '.ipynb', '.yaml', '.yml'];
export const CODE_FILE_GLOB = '**/*.{py,pyi,ipynb,yaml,yml}';

/**
 * The places in a whole file's text. Undefined for a notebook that is not valid notebook JSON.
 */
export function findRefsInFile(finder: RefFinder, kind: CodeKind, text: string): FileRefs | undefined {
  if (kind !== 'notebook') {
    const before = finder.passed;
    const refs = finder.find(text);
    return { refs, tokenised: finder.passed > before };
  }
  // JSON may escape what the cells hold (not ASCII letters and digits): each cell is prefiltered on its own source.
  if (finder.asciiNeedles && !finder.mayContain(text)) return { refs: [], cells: [], tokenised: false };
  const cells = notebookCodeCells(text);
  if (!cells) return undefined;
  const refs: CodeRef[] = [];
  const where: { index: number; ordinal: number }[] = [];
  cells.forEach((cell, k) => {
    for (const r of finder.find(cell.source)) {
      refs.push(r);
      where.push({ index: cell.index, ordinal: k + 1 });
    }
  });
  return { refs, cells: where, tokenised: true };
}

/**
 * One pattern for all the needles, as a trie (shared prefixes written once: the engine does not retry each needle at
 * each position), with `_*` between their characters and σ matching ς.
 */
function needleTrie(needles: readonly string[]): string {
  interface Node {
    next: Map<string, Node>;
    end: boolean;
  }
  const root: Node = { next: new Map(), end: false };
  for (const n of needles) {
    let node = root;
    for (const c of n) {
      let child = node.next.get(c);
      if (!child) node.next.set(c, (child = { next: new Map(), end: false }));
      node = child;
    }
    node.end = true;
  }
  const emit = (node: Node): string => {
    const alts = [...node.next].map(([c, child]) => {
      const ch = c === 'σ' ? '[σς]' : escapeRegExp(c);
      if (!child.next.size) return ch;
      return child.end ? `${ch}(?:_*${emit(child)})?` : `${ch}_*${emit(child)}`;
    });
    return alts.length === 1 ? alts[0] : `(?:${alts.join('|')})`;
  };
  return emit(root);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
