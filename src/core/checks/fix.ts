/**
 * A check's fix: its template with the captures filled in, replacing only the matched node.
 *
 * - Each capture becomes its exact source text (a `$$$` capture with its own separators and comments when its items
 *   were side by side); an empty `$$$` takes a comma next to it away; lines keep their place (a capture moved to
 *   another column is re-indented by the difference).
 * - A dotted name of the template whose root the file imports (`torch.optim.AdamW`) is written the way the file
 *   refers to it (`optim.AdamW`, `T.optim.AdamW`, `AdamW`), importing it in the file's style when nothing does.
 * - The fix is offered only when the fixed statement parses (with the file's imports), calls in it repeat no keyword,
 *   and the fixed node no longer matches the check (so a second fix changes nothing).
 */
import { dottedParts, forEachChild, spanAt, type Expr, type Span, type Stmt } from '../python/ast';
import { walkModule } from '../python/walk';
import { PythonModel } from '../python/model';
import { canonicalName } from '../python/catalog';
import { parsePython, type LoweredUnit } from '../python/parse';
import { msg } from '../message';
import { applyInside, Imports, indentAt, lineStartAt } from '../rules/edits';
import type { OffsetEdit, RawFix, RuleContext } from '../rules/rule';
import type { CompiledCheck } from './check';
import type { Capture, CodeView } from './match';
import { metaOf, multiStatement, type CompiledPattern } from './pattern';
import type { Match } from './scan';

/** A place in the template where something else is written. */
interface Hole {
  from: number;
  to: number;
  /** A capture (`many`: its `$$$` form; `statement`: it stands alone on its line), or a dotted name to rewrite. */
  capture?: { name: string; many: boolean; statement: boolean };
  ref?: readonly string[];
}

export function buildFix(
  ctx: RuleContext,
  view: CodeView,
  check: CompiledCheck,
  m: Match,
  stillMatches: (model: PythonModel, region: Span) => boolean,
): RawFix | undefined {
  const tpl = check.fix;
  if (!tpl) return undefined;
  const text = ctx.text;
  const imports = new Imports(ctx);
  const { style, roots } = ctx.memo(FILE_IMPORTS, () => fileImports(ctx.model));
  const spelled = spellings(view, m);
  const rendered = render(tpl, m, text, (parts) => {
    if (parts.length < 2) return parts[0];
    // As the matched code spells it (`T.load` for `torch.load`, `optim.AdamW` beside `optim.Adam`)…
    for (let k = parts.length; k > 0; k--) {
      const own = spelled.get(canonicalName(parts.slice(0, k).join('.')));
      if (own) return [own, ...parts.slice(k)].join('.');
    }
    // …else as the file's imports make it, when they bring in its root.
    if (!roots.has(parts[0])) return parts.join('.');
    return imports.ref(parts.slice(0, -1).join('.'), parts[parts.length - 1], style);
  });
  if (rendered === undefined) return undefined;
  const { from, to } = m.span;
  if (text.slice(from, to) === rendered) return undefined;
  const importEdits = imports.edits();
  if (!fixedCodeWorks(ctx, check, m, importEdits, { from, to, text: rendered }, stillMatches)) return undefined;
  return { title: msg('Apply the note’s fix: {0}', preview(rendered)), edits: [...importEdits, { from, to, text: rendered }], isPreferred: true };
}

/** How the matched code spells the imported things it names: qualified name → its text (`torch` → `T`). */
function spellings(view: CodeView, m: Match): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (e: Expr) => {
    if (e.kind === 'name' || e.kind === 'attr') {
      const q = dottedParts(e) && view.qname(e);
      if (q && !out.has(q)) out.set(q, view.text.slice(e.from, e.to));
    }
  };
  if (m.node.kind === 'expr') {
    const down = (e: Expr): void => {
      visit(e);
      forEachChild(e, down);
    };
    down(m.node.expr);
  } else walkModule(m.node.block.slice(m.node.start, m.node.end), { expr: visit });
  return out;
}

/** The template's text with its holes filled. Undefined when it cannot be written (a capture it lacks). */
function render(tpl: CompiledPattern, m: Match, code: string, ref: (parts: readonly string[]) => string): string | undefined {
  const holes = holesOf(tpl);
  const t = tpl.text;
  const indent = indentAt(code, m.span.from);
  const startColumn = m.span.from - lineStartAt(code, m.span.from);
  let out = '';
  /** Appends template text; its later lines start at the matched node's indentation. */
  const emit = (s: string) => {
    out += s.split('\n').join(`\n${indent}`);
  };
  const column = () => {
    const nl = out.lastIndexOf('\n');
    return nl < 0 ? startColumn + out.length : out.length - nl - 1;
  };
  let last = 0;
  for (const h of holes) {
    if (h.from < last) continue;
    emit(t.slice(last, h.from));
    last = h.to;
    if (h.ref) {
      out += ref(h.ref);
      continue;
    }
    const c = h.capture!;
    const cap = m.captures.get(c.name);
    if (!cap) return undefined;
    const value = captureText(cap, code, column(), c.statement);
    if (value !== '') {
      out += value;
      continue;
    }
    // An empty `$$$`: its line (a statement), or a comma beside it, goes too.
    if (c.statement) {
      const nl = out.lastIndexOf('\n');
      out = nl < 0 ? '' : out.slice(0, nl);
      continue;
    }
    let j = last;
    while (t[j] === ' ' || t[j] === '\t') j++;
    if (t[j] === ',') {
      j++;
      while (t[j] === ' ') j++;
      last = j;
      continue;
    }
    let k = out.length;
    while (k > 0 && (out[k - 1] === ' ' || out[k - 1] === '\t')) k--;
    if (out[k - 1] === ',') out = out.slice(0, k - 1);
  }
  // A template written as a block scalar ends with a line break that is not part of the code.
  let end = t.length;
  while (end > last && (t[end - 1] === '\n' || t[end - 1] === ' ' || t[end - 1] === '\t' || t[end - 1] === '\r')) end--;
  emit(t.slice(last, Math.max(last, end)));
  return out;
}

/**
 * A capture's source text (statements without the line break after the last one). Statements that land at another
 * column than they came from are re-indented by the difference; expressions are left as written (inside brackets their
 * line breaks do not matter, and a multi-line string must not change).
 */
function captureText(c: Capture, code: string, column: number, statements: boolean): string {
  if (c.kind === 'many' && !c.spans.length) return '';
  const spans = c.kind === 'one' ? [c.span] : c.spans;
  const contiguous = c.kind === 'one' || c.contiguous;
  let raw = contiguous ? code.slice(spans[0].from, spans[spans.length - 1].to) : spans.map((s) => code.slice(s.from, s.to)).join(', ');
  let end = raw.length;
  while (end > 0 && (raw[end - 1] === '\n' || raw[end - 1] === '\r' || raw[end - 1] === ' ' || raw[end - 1] === '\t')) end--;
  raw = raw.slice(0, end);
  const delta = column - (spans[0].from - lineStartAt(code, spans[0].from));
  if (!statements || !delta || !raw.includes('\n')) return raw;
  return raw
    .split('\n')
    .map((line, i) => {
      if (i === 0 || !line.trim()) return line;
      if (delta > 0) return ' '.repeat(delta) + line;
      let k = 0;
      while (k < -delta && (line[k] === ' ' || line[k] === '\t')) k++;
      return line.slice(k);
    })
    .join('\n');
}

const holesMemo = new WeakMap<CompiledPattern, Hole[]>();

/** Captures and dotted names of a template, in order (worked out once per template). */
function holesOf(tpl: CompiledPattern): Hole[] {
  const known = holesMemo.get(tpl);
  if (known) return known;
  const holes: Hole[] = [];
  const covered: Span[] = [];
  const inside = (s: Span) => covered.some((c) => c.from <= s.from && s.to <= c.to);
  const capture = (from: number, to: number, id: string, statement = false) => {
    const meta = metaOf(id);
    if (meta) holes.push({ from, to, capture: { name: meta.name, many: meta.kind === 'many', statement } });
  };
  const statements = new Set<Expr>();
  walkModule(tpl.stmts, {
    block: (list) => {
      for (const s of list) if (multiStatement(s) && s.kind === 'expr') statements.add(s.value);
    },
    stmt: (s: Stmt) => {
      if (s.kind === 'def' || s.kind === 'class') capture(s.nameFrom, s.nameFrom + s.name.length, s.name);
      if (s.kind === 'def') for (const p of s.params) capture(p.from, p.from + p.name.length, p.name);
    },
    expr: (e) => {
      if (inside(e)) return;
      if (e.kind === 'name' && metaOf(e.id)) return capture(e.from, e.to, e.id, statements.has(e));
      if (e.kind === 'attr' && metaOf(e.attr)) capture(e.attrFrom, e.to, e.attr);
      const dotted = tpl.dotted(e);
      if (dotted) {
        covered.push(e);
        if (dotted.parts.length > 1) holes.push({ from: e.from, to: e.to, ref: dotted.parts });
      }
    },
  });
  holes.sort((a, b) => a.from - b.from);
  holesMemo.set(tpl, holes);
  return holes;
}

const FILE_IMPORTS = {};

/**
 * How the file imports (shared by the fixes of one analysis): `import` when it writes only `import x` lines, `from`
 * otherwise; the roots of the modules it imports (`torch` for `import torch as T` or `from torch.optim import
 * Adam`) that it does not also use as names of its own; its top-level import statements, and all of them as the head
 * fixed code is parsed after.
 */
function fileImports(model: PythonModel): { style: 'from' | 'import'; roots: Set<string>; importStmts: Stmt[]; head: string } {
  let froms = 0;
  let imports = 0;
  const importStmts: Stmt[] = [];
  for (const s of model.module.body) {
    if (s.kind === 'from') froms++;
    else if (s.kind === 'import') imports++;
    else continue;
    importStmts.push(s);
  }
  const roots = new Set<string>();
  for (const bindings of model.moduleScope.bindings.values()) {
    for (const b of bindings) if (b.kind === 'import') roots.add(b.qname.split('.')[0]);
  }
  for (const r of [...roots]) if (model.moduleScope.bindings.get(r)?.some((b) => b.kind !== 'import')) roots.delete(r);
  return { style: imports && !froms ? 'import' : 'from', roots, importStmts, head: headOf(model, importStmts, undefined, []) };
}

/** The top-level statement around a span (units are in source order). */
function unitAt(units: readonly LoweredUnit[], span: Span): LoweredUnit | undefined {
  const u = spanAt(units, span.from);
  return u && span.to <= u.to ? u : undefined;
}

/** Verdicts on fixed code already checked in this analysis (files repeat statements: `self.relu = nn.ReLU(…)`). */
const VERDICTS = {};

/**
 * Parses the fixed code after the file's imports (with the fix's import edits): it must parse, its calls must not repeat
 * a keyword, and the fixed node must no longer match the check. The code parsed is the innermost simple statement
 * around an expression fix when the check looks at no enclosing code (`inside`, `not-inside`), else the whole
 * top-level statement.
 */
function fixedCodeWorks(ctx: RuleContext, check: CompiledCheck, m: Match, importEdits: OffsetEdit[], edit: OffsetEdit, stillMatches: (model: PythonModel, region: Span) => boolean): boolean {
  const model = ctx.model;
  const unit = unitAt(model.parsed.units, edit);
  if (!unit) return false;
  const scope: Span = (m.node.kind === 'expr' && !check.inside && !check.notInside && innermostSimple(unit.stmts, edit)) || unit;
  // The file's imports (not the fixed statement, when it is one), with the names the fix adds to them, and the import
  // lines it adds. A fix that adds no imports and is not in an import statement is parsed after all of them (the head
  // made once per file).
  const imports = ctx.memo(FILE_IMPORTS, () => fileImports(model));
  const { importStmts } = imports;
  const shared = !importEdits.length && !importStmts.some((s) => s.from >= unit.from && s.to <= unit.to);
  const head = shared ? imports.head : headOf(model, importStmts, unit, importEdits);
  // A statement parsed on its own is put back in a function and a loop, so that `return`, `yield`, `break` and
  // `continue` stay where Python allows them. Only its first line moves: a simple statement goes on over more lines
  // only inside brackets, strings or after a backslash, where indentation does not count.
  const wrap = scope === unit ? [''] : ['def _():\n    while True:\n        ', 'async def _():\n    while True:\n        '];
  const scopeText = model.source(scope);
  const verdicts = ctx.memo(VERDICTS, () => new Map<string, Map<string, boolean>>());
  let ok = false;
  for (const w of wrap) {
    ok = fixedParses(head, w, scopeText, scope, check, edit, verdicts, stillMatches);
    if (ok) break;
  }
  return ok;
}

/**
 * The lines the fixed code is parsed after: the file's imports (not those in `unit`), with the names the fix adds to
 * them, and the import lines it adds; each line ends with a line break.
 */
function headOf(model: PythonModel, importStmts: readonly Stmt[], unit: Span | undefined, importEdits: readonly OffsetEdit[]): string {
  const head: string[] = [];
  const within = (e: OffsetEdit, s: Span) => e.from > s.from && e.to <= s.to;
  for (const s of importStmts) {
    if (unit && s.from >= unit.from && s.to <= unit.to) continue;
    const own = importEdits.filter((e) => within(e, s));
    head.push(own.length ? applyInside(model.source(s), s.from, own) : model.source(s));
  }
  for (const e of importEdits) if (!importStmts.some((s) => within(e, s))) head.push(e.text.trimEnd());
  return head.length ? `${head.join('\n')}\n` : '';
}

/**
 * Whether `scopeText` with the edit, after `head` and `wrap`, parses and no longer matches (remembered per file, by
 * the head and then by the rest: the file's imports are not copied into a key for every fix).
 */
function fixedParses(head: string, wrap: string, scopeText: string, scope: Span, check: CompiledCheck, edit: OffsetEdit, verdicts: Map<string, Map<string, boolean>>, stillMatches: (model: PythonModel, region: Span) => boolean): boolean {
  const at = edit.from - scope.from;
  const edited = scopeText.slice(0, at) + edit.text + scopeText.slice(edit.to - scope.from);
  const key = `${check.id}\u0000${wrap}\u0000${at}:${edit.text.length}\u0000${edited}`;
  let byHead = verdicts.get(head);
  if (!byHead) verdicts.set(head, (byHead = new Map()));
  let ok = byHead.get(key);
  if (ok === undefined) {
    const prefix = head + wrap;
    const source = prefix + edited;
    const region = { from: prefix.length + at, to: prefix.length + at + edit.text.length };
    const parsed = parsesWithoutRepeatedKeyword(source, region);
    ok = !!parsed && !stillMatches(new PythonModel(parsed), region);
    byHead.set(key, ok);
  }
  return ok;
}

/** The parse of `source` when it has no syntax error and no call overlapping `region` repeats a keyword. */
function parsesWithoutRepeatedKeyword(source: string, region: Span): ReturnType<typeof parsePython> | undefined {
  const parsed = parsePython(source);
  if (parsed.module.errors.length) return undefined;
  for (const call of parsed.module.calls) {
    if (call.to <= region.from || call.from >= region.to) continue;
    const names = call.args.filter((a) => a.name !== undefined).map((a) => a.name);
    if (new Set(names).size !== names.length) return undefined;
  }
  return parsed;
}

/** The innermost statement around `span` that holds no block (an assignment, a call, a return…), if it lies in one. */
function innermostSimple(stmts: readonly Stmt[], span: Span): Stmt | undefined {
  for (const s of stmts) {
    if (s.from > span.from || s.to < span.to) continue;
    switch (s.kind) {
      case 'def':
      case 'class':
      case 'with':
        return innermostSimple(s.body, span);
      case 'if':
      case 'for':
      case 'while':
        return innermostSimple(s.body, span) ?? innermostSimple(s.orelse, span);
      case 'try':
        return innermostSimple(s.body, span) ?? s.handlers.map((h) => innermostSimple(h, span)).find((x) => x) ?? innermostSimple(s.orelse, span) ?? innermostSimple(s.finalbody, span);
      default:
        return s;
    }
  }
  return undefined;
}

/** The fixed code on one line, shortened, for the fix's title. */
function preview(s: string): string {
  const one = s.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
  return one.length > 60 ? `${one.slice(0, 59)}…` : one;
}
