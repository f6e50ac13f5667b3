/**
 * Patterns of note checks: Python with captures, parsed by the same parser as the code.
 *
 * `$NAME` / `$_` stand for one expression, `$$$NAME` / `$$$_` for items of a sequence (call arguments, list, tuple
 * and set elements, statements of a block, parameters). Before parsing, each `$` becomes the letter MARK, which
 * keeps every offset (an error in the pattern is reported where the user wrote it) and makes each capture a plain
 * Python identifier: `$X` → `ᐁX`, `$$$ARGS` → `ᐁᐁᐁARGS`.
 */
import { dottedParts, forEachChild, type Expr, type Stmt } from '../python/ast';
import { walkModule } from '../python/walk';
import { isCompileStageError, parsePython } from '../python/parse';
import { canonicalName } from '../python/catalog';
import { msg, type Msg } from '../message';
import { dollarsOf } from './source';

/** The letter a `$` becomes (U+1401, a letter Python accepts in identifiers). */
export const MARK = '\u1401';
const MULTI = MARK + MARK + MARK;

/** What a name in a pattern is: a capture of one item, of a sequence, or a plain name. */
export type Meta = { kind: 'one'; name: string } | { kind: 'many'; name: string };

/**
 * Captures by identifier: matching asks at every node it compares, and patterns use few names. Emptied when it reaches
 * METAS_MAX (the names of every pattern a session compiles, as they are typed, would otherwise only add up).
 */
const metas = new Map<string, Meta>();
const METAS_MAX = 4096;

/** The capture an identifier of a pattern stands for (`_` for the anonymous ones), if it is one. */
export function metaOf(id: string): Meta | undefined {
  if (!id.startsWith(MARK)) return undefined;
  let m = metas.get(id);
  if (!m) {
    if (metas.size >= METAS_MAX) metas.clear();
    metas.set(id, (m = id.startsWith(MULTI) ? { kind: 'many', name: id.slice(3) } : { kind: 'one', name: id.slice(1) }));
  }
  return m;
}

/** A statement that is `$$$NAME` alone: it stands for statements of a block. */
export function multiStatement(s: Stmt): string | undefined {
  if (s.kind !== 'expr' || s.value.kind !== 'name') return undefined;
  const m = metaOf(s.value.id);
  return m?.kind === 'many' ? m.name : undefined;
}

export interface CompiledPattern {
  /** The pattern's text with each `$` replaced by MARK (same offsets as written). */
  text: string;
  /** An expression (matched wherever an expression is) or statements (matched as consecutive statements of a block). */
  shape: 'expr' | 'stmts';
  expr?: Expr;
  stmts: Stmt[];
  /** Captures bound by the pattern, by kind (the anonymous `_` left out). */
  captures: Map<string, 'one' | 'many'>;
  /** Whether an expression of the pattern has a capture inside (the others compare as written, or by reference). */
  hasMeta(e: Expr): boolean;
  /** The dotted name an expression of the pattern is, when it is one without captures (`torch.optim.Adam`). */
  dotted(e: Expr): DottedName | undefined;
  /** The keys under which the checks index this pattern (see index.ts). */
  key: string;
}

/** A dotted name of a pattern, split and in canonical form (worked out once per pattern). */
export interface DottedName {
  parts: readonly string[];
  /** Its qualified name as the code's would be written (`keras.layers.Dense` for `tensorflow.keras.layers.Dense`). */
  canonical: string;
}

export interface PatternError {
  /** Offset in the pattern's text. */
  offset: number;
  message: Msg;
}

/** Parses a pattern. Errors say where (an offset into `source`) and what. */
export function compilePattern(source: string): { pattern?: CompiledPattern; errors: PatternError[] } {
  const errors: PatternError[] = [];
  let text = '';
  let last = 0;
  for (const d of dollarsOf(source)) {
    if ((d.count !== 1 && d.count !== 3) || !d.name) {
      errors.push({
        offset: d.at,
        message: msg('A capture is “$” and a name in capitals (“$X”, “$ARGS”, or “$_”) for one expression, “$$$” and a name for a sequence; this is “{0}”.', source.slice(d.at, d.at + d.count + Math.max(1, d.name.length))),
      });
      continue;
    }
    text += source.slice(last, d.at) + MARK.repeat(d.count);
    last = d.at + d.count;
  }
  text += source.slice(last);
  if (errors.length) return { errors };
  if (!text.trim()) return { errors: [{ offset: 0, message: msg('The pattern is empty.') }] };

  const parsed = parsePython(text);
  // A pattern is code out of its context (`return self.relu($X)` matches inside functions): only the grammar counts.
  const grammarErrors = parsed.module.errors.filter((e) => !isCompileStageError(e));
  if (grammarErrors.length) {
    const e = grammarErrors[0];
    return { errors: [{ offset: e.from, message: e.message ? msg('This is not Python: {0}.', e.message) : msg('This is not Python.') }] };
  }
  const body = parsed.module.body;
  if (!body.length) return { errors: [{ offset: 0, message: msg('The pattern is empty.') }] };
  const shape = body.length === 1 && body[0].kind === 'expr' && !multiStatement(body[0]) ? 'expr' : 'stmts';
  const expr = shape === 'expr' && body[0].kind === 'expr' ? body[0].value : undefined;

  // Where `$$$` may stand: items of sequences.
  const sequenceItems = new Set<Expr>();
  const captures = new Map<string, 'one' | 'many'>();
  const note = (offset: number, id: string, allowMany: boolean) => {
    const m = metaOf(id);
    if (!m) return;
    if (m.kind === 'many' && !allowMany) {
      errors.push({ offset, message: msg('“$$${0}” stands for items of a sequence (arguments, elements, statements, parameters); here it would be one expression: write “${0}”.', m.name) });
      return;
    }
    if (m.name === '_') return;
    const seen = captures.get(m.name);
    if (seen && seen !== m.kind) {
      errors.push({ offset, message: msg('“${0}” and “$$${0}” are one name used for one item and for a sequence: give them different names.', m.name) });
      return;
    }
    captures.set(m.name, m.kind);
  };
  const blockItems = (list: readonly Stmt[]) => {
    for (const s of list) if (s.kind === 'expr') sequenceItems.add(s.value);
  };
  if (shape === 'stmts') blockItems(body);
  walkModule(body, {
    block: blockItems,
    stmt: (s) => {
      if (s.kind === 'def') {
        note(s.nameFrom, s.name, false);
        for (const p of s.params) note(p.from, p.name, !p.star && !p.default && !p.annotation);
      } else if (s.kind === 'class') {
        note(s.nameFrom, s.name, false);
        for (const b of s.bases) if (!b.name && !b.star) sequenceItems.add(b.value);
      } else if (s.kind === 'with') for (const x of s.items) sequenceItems.add(x);
      else if (s.kind === 'import' || s.kind === 'from') {
        const names = s.kind === 'import' ? s.names.map((n) => [n.module, n.asname]) : [[s.module], ...s.names.map((n) => [n.name, n.asname])];
        if (names.flat().some((n) => n?.includes(MARK))) errors.push({ offset: s.from, message: msg('Captures cannot stand in an import statement.') });
      }
    },
    expr: (e) => {
      if (e.kind === 'call') {
        for (const a of e.args) {
          if (a.name?.includes(MARK)) errors.push({ offset: a.from, message: msg('A capture cannot stand for the name of a keyword argument.') });
          if (!a.name && !a.star) sequenceItems.add(a.value);
        }
      } else if (e.kind === 'list' || e.kind === 'tuple' || e.kind === 'set') for (const x of e.elts) sequenceItems.add(x);
      else if (e.kind === 'subscript') for (const x of e.index) sequenceItems.add(x);
      else if (e.kind === 'other') for (const x of e.children) sequenceItems.add(x);
      else if (e.kind === 'name') note(e.from, e.id, sequenceItems.has(e));
      else if (e.kind === 'attr') note(e.attrFrom, e.attr, false);
    },
  });
  const onlyMany = body.map(multiStatement);
  if (onlyMany.every((n) => n !== undefined)) errors.push({ offset: 0, message: msg('A pattern cannot be only “$$${0}”: say what the items are in.', onlyMany[0]!) });
  if (errors.length) return { errors };

  const hasMeta = metaTest();
  return { pattern: { text, shape, expr, stmts: body, captures, hasMeta, dotted: dottedTest(hasMeta), key: expr ? exprKeyOf(expr) : stmtKeyOf(body) }, errors: [] };
}

/** The dotted name of an expression without captures, memoised per pattern (matching asks it of every node it compares). */
function dottedTest(hasMeta: (e: Expr) => boolean): (e: Expr) => DottedName | undefined {
  const memo = new Map<Expr, DottedName | null>();
  return (e) => {
    let d = memo.get(e);
    if (d === undefined) {
      const parts = hasMeta(e) ? undefined : dottedParts(e);
      d = parts ? { parts, canonical: canonicalName(parts.join('.')) } : null;
      memo.set(e, d);
    }
    return d ?? undefined;
  };
}

/** Whether an expression has a capture inside it (or is one), memoised per pattern. */
function metaTest(): (e: Expr) => boolean {
  const memo = new WeakMap<Expr, boolean>();
  const has = (e: Expr): boolean => {
    let v = memo.get(e);
    if (v !== undefined) return v;
    v = (e.kind === 'name' && !!metaOf(e.id)) || (e.kind === 'attr' && !!metaOf(e.attr));
    if (!v) {
      forEachChild(e, (c) => {
        if (!v && has(c)) v = true;
      });
    }
    memo.set(e, v);
    return v;
  };
  return has;
}

/**
 * The key a pattern is indexed under: a call by the last part of its callee's name (`call:Adam` for
 * `torch.optim.Adam(…)`, `call:eval` for `$M.eval()`), a name by its last part (`ref:load`), any other expression by
 * its kind, statements by the kind of the first (`stmt:with`); `*` (every expression) or `stmt:*` when the pattern
 * starts with a capture.
 */
function exprKeyOf(e: Expr): string {
  if (e.kind === 'call') {
    const f = e.func;
    if (f.kind === 'name') return metaOf(f.id) ? 'call:*' : `call:${f.id}`;
    if (f.kind === 'attr') return metaOf(f.attr) ? 'call:*' : `call:${f.attr}`;
    return 'call:*';
  }
  if (e.kind === 'name') return metaOf(e.id) ? '*' : `ref:${e.id}`;
  if (e.kind === 'attr') return metaOf(e.attr) ? 'kind:attr' : `ref:${e.attr}`;
  return `kind:${e.kind}`;
}

function stmtKeyOf(list: Stmt[]): string {
  const first = list[0];
  if (!first || multiStatement(first)) return 'stmt:*';
  if (first.kind === 'expr' && first.value.kind === 'name' && metaOf(first.value.id)) return 'stmt:*';
  return `stmt:${first.kind}`;
}
