/**
 * Parses Python into the small syntax tree of ast.ts, with Python's own grammar (3.8–3.13, see statements.ts and
 * the parsers it builds on) and its messages for every syntax error. Never throws on any input: a statement that
 * does not parse is reported and skipped; the rest is analysed.
 *
 * Re-parsing the next version of a document (`previous`) keeps the top-level statements before the edit as they are
 * and parses from the statement the edit is in, until it reaches, past the edit, the start of a statement of the
 * previous version on a clean line (nothing open, column 0): from there on the text and the tokenizer's state are
 * those of the previous version, and so are the statements, which are kept with their offsets moved by the edit's
 * change in length. A statement after the edit can change with it (a broken header turns the body that followed
 * into top-level statements with errors of their own): parsing goes on until the two versions meet again.
 *
 * The previous version is consumed: the statements it shares with the new one are the same objects, their offsets
 * moved in place.
 */
import type { AttrExpr, BinOpExpr, CallExpr, DictExpr, Expr, Module, Span, Stmt, SyntaxErrorSpan } from './ast';
import { lineAt, textOf } from './chars';
import { clip, clipStatements } from './depth';
import { Tokenizer } from './lexical';
import { OffsetShift } from './shift';
import { StatementParser } from './statements';
import { commonPrefix, commonSuffix } from '../text';

/**
 * One parsed version of a text. Passing it as `previous` to parsePython lets the new version share the statements
 * before the edit with it.
 */
export interface ParsedPython {
  readonly text: string;
  /** How the text is compiled: a module (a `.py` file), or a notebook's cells joined (see `SourceKind`). */
  readonly kind: SourceKind;
  readonly module: Module;
  /** The top-level statements, each with what it contributes to the module. */
  readonly units: readonly LoweredUnit[];
}

/**
 * `module`: a Python file, as `compile(…, 'exec')` reads it. `cells`: a notebook's code cells joined into one program
 * (see notebook.ts), as IPython compiles a cell: with top-level `await`, `async for` and `async with` allowed
 * (`PyCF_ALLOW_TOP_LEVEL_AWAIT`), and each top-level statement compiled on its own, so that a `from __future__` import
 * may come anywhere at the top level.
 */
export type SourceKind = 'module' | 'cells';

/** One top-level statement, parsed, with what it contributes to the module. */
export interface LoweredUnit {
  /** Its exact source text (with a kind prefix): equal keys parse to equal trees (up to an offset). */
  readonly key: string;
  readonly from: number;
  readonly to: number;
  readonly stmts: Stmt[];
  readonly calls: CallExpr[];
  readonly errors: SyntaxErrorSpan[];
  readonly doubleQuotes: number;
  readonly singleQuotes: number;
  /** Arithmetic with `*`, `/` or `//`, dict literals, and attributes whose name mentions warm(up): what the
   * learning-rate rule reads, collected here so that it need not walk every expression. */
  readonly products: BinOpExpr[];
  readonly dicts: DictExpr[];
  readonly warmAttrs: AttrExpr[];
  /** `from __future__ import …` in it. */
  readonly futures: Span[];
  /** Comments from its start to the next unit's (those before the first unit included in it). */
  readonly comments: Span[];
  /** It starts a line with nothing open before it, and parsed without an error (so parsing may start there). */
  readonly clean: boolean;
  /** It needs the whole module to be checked (a module-level `global`, barry_as_FLUFL): never reused. */
  readonly moduleWide: boolean;
  /** Its trees were clipped (see depth.ts). */
  readonly deep: boolean;
  /** Some nodes its lists hold are in no tree of its statements (see StatementParser.detached). */
  readonly detached: boolean;
}

export function parsePython(text: string, previous?: ParsedPython, kind: SourceKind = previous?.kind ?? 'module'): ParsedPython {
  // A version whose statements moved on to a later one is not that version any more: never used again; nor is one
  // read as the other kind of source.
  if (previous && (CONSUMED.has(previous) || previous.kind !== kind)) previous = undefined;
  if (previous && previous.text === text) return previous;
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let prefix: LoweredUnit[] = [];
  let restart = start;
  let tail: Tail | undefined;
  if (previous && reusable(previous)) {
    const edit = commonPrefix(previous.text, text);
    const old = previous.units;
    // Restart at the last statement that begins before the edit (it may grow into the edit, or a line the edit
    // indents may join it), on a clean line.
    let r = old.length - 1;
    while (r >= 0 && old[r].from >= edit) r--;
    while (r >= 0 && !(old[r].clean && !old[r].errors.length)) r--;
    // (Not at the first statement: the comments above it, a file's header, are read with it.)
    if (r > 0) {
      prefix = old.slice(0, r);
      restart = old[r].from;
    }
    tail = tailOf(previous, text, edit);
  }
  let parsed = parseUnits(text, kind, restart, tail);
  // What was read ahead of the meeting point disagrees with the previous version (it never does for equal text
  // read in equal states; checked, not assumed): parse to the end instead.
  if (parsed.rejoined && parsed.rejoined.aheadErrors) parsed = parseUnits(text, kind, restart);
  let units = prefix.length ? prefix.concat(parsed.units) : parsed.units;
  if (parsed.rejoined && tail) {
    units = units.concat(moved(tail, parsed.rejoined.index));
    if (tail.delta) CONSUMED.add(previous!);
  }
  return assemble(text, kind, units, parsed.comments);
}

/**
 * The parse of `text` as a source of `kind`: `parse` when it is that, else a parse of its own (never an incremental one
 * from `parse`, which would consume it: a caller may hold a parse of another version).
 */
export function parsedAs(text: string, kind: SourceKind, parse?: ParsedPython): ParsedPython {
  return parse && parse.text === text && parse.kind === kind ? parse : parsePython(text, undefined, kind);
}

/** Versions whose kept statements were moved for a later version (see parsePython). */
const CONSUMED = new WeakSet<ParsedPython>();

/** Whether a version can be partly reused by the next one. */
function reusable(p: ParsedPython): boolean {
  return !p.units.some((u) => u.moduleWide) && p.text.indexOf('\0') < 0;
}

/**
 * The statements of the previous version that may be kept after the edit: those in the text both versions end with,
 * and only while none after them has a syntax error (a message may name a line number) or was clipped (its lists of
 * calls hold nodes its tree no longer does: see depth.ts).
 */
interface Tail {
  readonly units: readonly LoweredUnit[];
  /** The offset in the new text where the two versions' common ending starts. */
  readonly from: number;
  /** New offset minus old offset in that ending. */
  readonly delta: number;
  /** Index in `units` of the statement starting at a new offset, for those that start a clean line without error. */
  readonly at: Map<number, number>;
}

function tailOf(previous: ParsedPython, text: string, edit: number): Tail | undefined {
  const old = previous.text;
  const same = commonSuffix(old, text, Math.min(old.length, text.length) - edit);
  const oldFrom = old.length - same;
  const delta = text.length - old.length;
  const at = new Map<number, number>();
  const units = previous.units;
  for (let i = units.length - 1; i >= 0 && units[i].from >= oldFrom; i--) {
    const u = units[i];
    if (u.errors.length || u.deep) break;
    if (u.clean) at.set(u.from + delta, i);
  }
  return at.size ? { units, from: oldFrom + delta, delta, at } : undefined;
}

/** The previous version's statements from `index` on, their offsets moved by the edit (in place: see parsePython). */
function moved(tail: Tail, index: number): LoweredUnit[] {
  const out: LoweredUnit[] = [];
  const d = tail.delta;
  if (d) {
    const shift = new OffsetShift();
    for (let i = index; i < tail.units.length; i++) {
      const u = tail.units[i];
      shift.statements(u.stmts, u.detached ? [u.calls, u.products, u.dicts, u.warmAttrs] : undefined);
      shift.spans(u.futures);
      shift.spans(u.comments);
    }
    shift.apply(d);
  }
  for (let i = index; i < tail.units.length; i++) {
    const u = tail.units[i];
    // The first statement of the previous version also held the comments above it: they are the re-parsed ones' now.
    const comments = i === 0 ? u.comments.filter((c) => c.from >= u.from + d) : u.comments;
    out.push(d || comments !== u.comments ? movedUnit(u, d, comments) : u);
  }
  return out;
}

/** A copy of `u` moved by `d`, with `comments`. (Field by field: a spread of the unit is much slower.) */
function movedUnit(u: LoweredUnit, d: number, comments: Span[]): LoweredUnit {
  return {
    key: u.key,
    from: u.from + d,
    to: u.to + d,
    stmts: u.stmts,
    calls: u.calls,
    errors: u.errors,
    doubleQuotes: u.doubleQuotes,
    singleQuotes: u.singleQuotes,
    products: u.products,
    dicts: u.dicts,
    warmAttrs: u.warmAttrs,
    futures: u.futures,
    comments,
    clean: u.clean,
    moduleWide: u.moduleWide,
    deep: u.deep,
    detached: u.detached,
  };
}

/**
 * Parses top-level statements from `from` to the end, or, given the previous version's `tail`, until a statement
 * starts where one of the tail's does (`rejoined`: the tail's index; `aheadErrors`: errors found past that point).
 * `comments`: those read when there is no statement to hold them.
 */
function parseUnits(text: string, kind: SourceKind, from: number, tail?: Tail): { units: LoweredUnit[]; comments: Span[]; rejoined?: { index: number; aheadErrors: boolean } } {
  const tokenizer = new Tokenizer(text, from, from ? lineAt(text, from) : 1);
  const p = new StatementParser(text, tokenizer, kind === 'cells');
  const units: LoweredUnit[] = [];
  let rejoined: { index: number; aheadErrors: boolean } | undefined;
  while (!p.atEnd()) {
    const at = p.position();
    if (tail && at.clean && at.offset >= tail.from && units.length) {
      const index = tail.at.get(at.offset);
      if (index !== undefined) {
        rejoined = { index, aheadErrors: [...p.errors, ...p.compileErrors].some((e) => e.from >= at.offset) };
        // Comments read ahead belong to the statements kept.
        let keep = tokenizer.comments.length;
        while (keep && tokenizer.comments[keep - 1].from >= at.offset) keep--;
        tokenizer.comments.length = keep;
        break;
      }
    }
    const c0 = p.calls.length;
    const pr0 = p.products.length;
    const d0 = p.dicts.length;
    const w0 = p.warmAttrs.length;
    const f0 = p.futures.length;
    const e0 = p.errors.length + p.compileErrors.length;
    const dq0 = p.doubleQuotes;
    const sq0 = p.singleQuotes;
    const globals0 = p.moduleGlobal;
    const x0 = p.detached;
    const stmts: Stmt[] = [];
    p.deep = false;
    p.topLevel(stmts);
    const to = Math.max(at.offset, p.consumedEnd());
    const calls = p.calls.slice(c0);
    calls.sort(byPosition);
    if (p.deep) clipUnit(stmts, calls, p, pr0, d0, w0);
    const kind = stmts.length === 1 ? stmts[0].kind : 'stmts';
    units.push({
      key: `${kind}\u0000${textOf(text, at.offset, to)}`,
      from: at.offset,
      to,
      stmts,
      calls,
      errors: [],
      doubleQuotes: p.doubleQuotes - dq0,
      singleQuotes: p.singleQuotes - sq0,
      products: p.products.slice(pr0),
      dicts: p.dicts.slice(d0),
      warmAttrs: p.warmAttrs.slice(w0),
      futures: p.futures.slice(f0),
      comments: [],
      clean: at.clean && p.errors.length + p.compileErrors.length === e0,
      moduleWide: (p.moduleGlobal && !globals0) || p.flufl,
      deep: p.deep,
      detached: p.detached > x0,
    });
  }
  for (const e of p.compileErrors) COMPILE_STAGE.add(e);
  attachErrors(units, [...p.errors, ...p.compileErrors]);
  return { units, comments: distributeComments(units, tokenizer.comments), rejoined };
}

/** A statement deeper than the analysis walks: clipped (see depth.ts), and so are what the unit lists of it. */
function clipUnit(stmts: Stmt[], calls: CallExpr[], p: StatementParser, pr0: number, d0: number, w0: number): void {
  clipStatements(stmts);
  for (const c of calls) clip(c, 0);
  for (let i = pr0; i < p.products.length; i++) clip(p.products[i], 0);
  for (let i = d0; i < p.dicts.length; i++) clip(p.dicts[i], 0);
  for (let i = w0; i < p.warmAttrs.length; i++) clip(p.warmAttrs[i], 0);
}

/** Gives each unit the comments from its start to the next unit's; what no unit holds (no unit: all) is returned. */
function distributeComments(units: LoweredUnit[], comments: Span[]): Span[] {
  if (!units.length) return comments;
  let u = 0;
  for (const c of comments) {
    while (u + 1 < units.length && units[u + 1].from <= c.from) u++;
    units[u].comments.push(c);
  }
  return [];
}

/** Errors of the compiler's stage (reported after every syntax error: Python reports them only if the file parses). */
const COMPILE_STAGE = new WeakSet<SyntaxErrorSpan>();

/**
 * Whether an error is the compiler's (`'return' outside function`, a repeated keyword argument) rather than the
 * grammar's: code taken out of its context (a check's pattern) is judged by the grammar alone.
 */
export function isCompileStageError(e: SyntaxErrorSpan): boolean {
  return COMPILE_STAGE.has(e);
}

/**
 * Each error belongs to the top-level statements it touches (a re-parse restarts before them). Errors keep the order
 * they were found in, within each statement.
 */
function attachErrors(units: LoweredUnit[], found: SyntaxErrorSpan[]): void {
  const errors = [...found].sort(byPosition);
  const order = new Map(found.map((e, i) => [e, i]));
  let ui = 0;
  for (const e of errors) {
    while (ui < units.length - 1 && units[ui].to < e.from && units[ui + 1].from <= e.from) ui++;
    let placed = false;
    for (let j = ui; j < units.length && units[j].from <= e.from; j++) {
      if (units[j].to >= e.from || j === units.length - 1 || units[j + 1].from > e.from) {
        units[j].errors.push(e);
        placed = true;
      }
    }
    if (!placed && units.length) units[Math.min(ui, units.length - 1)].errors.push(e);
  }
  for (const u of units) if (u.errors.length > 1) u.errors.sort((a, b) => order.get(a)! - order.get(b)!);
}

/** The module: the units' statements, calls and errors, and the checks that need the whole module. */
function assemble(text: string, kind: SourceKind, units: LoweredUnit[], comments: Span[]): ParsedPython {
  // The lists of every unit joined at once (one array each, of the final length), in order.
  const module: Module = {
    body: concatAll([], units, (u) => u.stmts),
    calls: concatAll([], units, (u) => u.calls),
    errors: [],
    comments: concatAll(comments, units, (u) => u.comments),
    doubleQuotes: 0,
    singleQuotes: 0,
  };
  const later: SyntaxErrorSpan[] = [];
  // (An indexed loop: this runs once per version, often before the runtime optimises it, and then a `for…of`
  // allocates as it goes.)
  for (let i = 0; i < units.length; i++) {
    const u = units[i];
    for (let j = 0; j < u.errors.length; j++) (COMPILE_STAGE.has(u.errors[j]) ? later : module.errors).push(u.errors[j]);
    module.doubleQuotes += u.doubleQuotes;
    module.singleQuotes += u.singleQuotes;
  }
  // Python refuses a null byte anywhere (even in a string or a comment) before it reads anything.
  const nul = text.indexOf('\0');
  if (nul >= 0 && !module.errors.some((e) => e.from === nul)) module.errors.unshift({ from: nul, to: nul + 1, message: 'source code cannot contain null bytes' });
  if (units.some((u) => u.futures.length)) later.push(...(kind === 'cells' ? nestedFutures(units) : futureErrors(text, units, module.body)));
  // The first error is the one Python reports: syntax errors in the order they were found, then the compiler's.
  later.sort(byPosition);
  for (const e of later) module.errors.push(e);
  return { text, kind, module, units };
}

/** Units whose lists are joined by one `concat` (each an argument of the call: a bounded number of them). */
const CONCAT_UNITS = 4096;

/** `first`, then the list of each unit, as a new array. */
function concatAll<T>(first: readonly T[], units: readonly LoweredUnit[], list: (u: LoweredUnit) => readonly T[]): T[] {
  let out = first.slice();
  for (let i = 0; i < units.length; i += CONCAT_UNITS) out = out.concat(...units.slice(i, i + CONCAT_UNITS).map(list));
  return out;
}

/**
 * `from __future__ import` only at the beginning of the file (after the docstring, among other future imports):
 * CPython's rule, by line.
 */
function futureErrors(text: string, units: LoweredUnit[], body: Stmt[]): SyntaxErrorSpan[] {
  const out: SyntaxErrorSpan[] = [];
  const late = (s: Span) => out.push({ from: s.from, to: s.to, message: FUTURE_LATE });
  const isFuture = (s: Stmt) => s.kind === 'from' && s.level === 0 && s.module === '__future__';
  // The leading future imports (after the docstring) set the line; other statements on the line of the first
  // statement after them may not be future imports either.
  let lastLine = 0;
  let doneLine = -1;
  for (let i = 0; i < body.length; i++) {
    const s = body[i];
    if (i === 0 && s.kind === 'expr' && isDocString(text, s.value)) continue;
    const line = lineAt(text, s.from);
    if (doneLine >= 0) {
      if (line > doneLine) break;
      if (isFuture(s)) late(s);
      continue;
    }
    if (isFuture(s)) lastLine = line;
    else doneLine = line;
  }
  for (const u of units) for (const f of u.futures) if (lineAt(text, f.from) > lastLine) late(f);
  return out;
}

/**
 * In a notebook's cells, IPython compiles each top-level statement on its own: a `from __future__` import is one
 * module's first statement wherever it is at the top level, and late only inside another statement.
 */
function nestedFutures(units: LoweredUnit[]): SyntaxErrorSpan[] {
  const out: SyntaxErrorSpan[] = [];
  for (const u of units) {
    for (const f of u.futures) {
      if (!u.stmts.some((s) => s.from === f.from)) out.push({ from: f.from, to: f.to, message: FUTURE_LATE });
    }
  }
  return out;
}

const FUTURE_LATE = 'from __future__ imports must occur at the beginning of the file';

/** A plain string literal (not bytes, not an f-string): what Python takes as a docstring. */
function isDocString(text: string, e: Expr): boolean {
  if (e.kind !== 'string') return false;
  for (let i = e.from; i < e.to; i++) {
    const c = text.charCodeAt(i) | 32;
    if (c === 102 || c === 98) return false;
    if (c !== 114 && c !== 117) return true;
  }
  return true;
}

function byPosition(a: Span, b: Span): number {
  return a.from - b.from || b.to - a.to;
}

