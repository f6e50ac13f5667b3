/**
 * Matching a compiled pattern against the lowered syntax tree of a file.
 *
 * - A capture `$X` takes one expression; used twice, both must be the same text (whitespace and comments aside).
 * - `$$$X` takes zero or more items of a sequence; it tries the shortest run first and backtracks.
 * - Calls: keyword arguments in any order, positional ones in order; a `$$$` among the arguments also takes every
 *   keyword argument the rest of the pattern did not.
 * - A dotted name without captures (`torch.optim.Adam`) matches code that spells it the same, or that refers to the
 *   same thing through the file's imports and aliases (`optim.Adam` after `from torch import optim`).
 * - Literals by value (`1.` and `1.0`, `'a'` and `"a"`); expressions the tree does not model (comprehensions,
 *   lambdas, slices) by their text without whitespace, or structurally when they hold captures.
 *
 * Cost is bounded: each attempt has a step budget (`MAX_STEPS`); an attempt that runs out is no match.
 */
import type { Arg, Expr, Param, Span, Stmt, SubscriptExpr } from '../python/ast';
import { canonicalName } from '../python/catalog';
import type { Binding, PythonModel } from '../python/model';
import { metaOf, multiStatement, type CompiledPattern, type DottedName } from './pattern';
import { compactSource } from './source';

/** Steps one match attempt may take (each node comparison, each way of splitting a sequence, is a step). */
export const MAX_STEPS = 5000;

/** What a capture holds: one node, or the items of a sequence (`contiguous` when they were side by side). */
export type Capture = { kind: 'one'; span: Span } | { kind: 'many'; spans: Span[]; contiguous: boolean };

export type Captures = Map<string, Capture>;

class OutOfSteps {}

/** The code side: the file's text and model, and the qualified name of an expression (memoised). */
export class CodeView {
  private readonly canonical = new Map<string, string>();
  private readonly compact = new Map<string, string>();

  constructor(readonly model: PythonModel) {}

  get text(): string {
    return this.model.text;
  }

  private aliases?: Set<string>;

  /**
   * Whether a name may refer to something whose last part differs from it: an import under another name
   * (`import torch.optim as O`, `from torch.optim import Adam as A`) or an assignment of a dotted name
   * (`AdamCls = torch.optim.Adam`), in any scope.
   */
  aliased(id: string): boolean {
    this.aliases ??= aliasesOf(this.model);
    return this.aliases.has(id);
  }

  /** The qualified name an expression refers to, canonical (`tensorflow.keras.…` as `keras.…`). */
  qname(e: Expr): string | undefined {
    // The model memoises per binding; only the canonical form is kept here.
    const raw = this.model.qname(e, this.model.scopeOf(e));
    if (!raw) return undefined;
    let q = this.canonical.get(raw);
    if (q === undefined) this.canonical.set(raw, (q = canonicalName(raw)));
    return q;
  }

  /** The text of a span without layout (see compactSource). */
  compactOf(span: Span): string {
    const key = `${span.from}:${span.to}`;
    let c = this.compact.get(key);
    if (c === undefined) {
      c = compactSource(this.model.text, span.from, span.to);
      this.compact.set(key, c);
    }
    return c;
  }
}

/** The names `CodeView.aliased` accepts: one pass over the bindings of every scope (files have thousands of them). */
function aliasesOf(m: PythonModel): Set<string> {
  const imported = new Set<string>();
  const out = new Set<string>();
  /** Names assigned another name: aliases when that one is imported anywhere (known after the pass). */
  const assignedNames: [name: string, value: string][] = [];
  const visit = (bindings: Binding[], name: string) => {
    for (const b of bindings) {
      // An import under another name, or an assignment of an attribute or of an imported name.
      if (b.kind === 'import') {
        imported.add(name);
        if (!endsWithPart(b.qname, name)) out.add(name);
      } else if (b.kind === 'assign') {
        if (b.value.kind === 'attr' && b.value.attr !== name) out.add(name);
        else if (b.value.kind === 'name' && b.value.id !== name) assignedNames.push([name, b.value.id]);
      }
    }
  };
  m.moduleScope.bindings.forEach(visit);
  for (const f of m.functions) f.scope.bindings.forEach(visit);
  for (const c of m.classes) c.scope.bindings.forEach(visit);
  for (const [name, value] of assignedNames) if (imported.has(value)) out.add(name);
  return out;
}

/** Whether the last part of a dotted name is `name` (`torch.optim.Adam` and `Adam`). */
function endsWithPart(dotted: string, name: string): boolean {
  const at = dotted.length - name.length;
  return dotted.endsWith(name) && (at === 0 || dotted[at - 1] === '.');
}

/** Captures with an undo trail, for backtracking. */
class Env {
  readonly map: Captures = new Map();
  private readonly trail: string[] = [];

  /** Empty, or holding the captures of `seed` (an `unless` pattern shares the match's captures). */
  start(seed?: Captures): this {
    if (this.map.size) this.map.clear();
    if (this.trail.length) this.trail.length = 0;
    if (seed) for (const [k, v] of seed) this.map.set(k, v);
    return this;
  }

  mark(): number {
    return this.trail.length;
  }

  reset(mark: number): void {
    while (this.trail.length > mark) this.map.delete(this.trail.pop()!);
  }

  set(name: string, c: Capture): void {
    if (!this.map.has(name)) this.trail.push(name);
    this.map.set(name, c);
  }
}

/** One way of matching, set up for one pattern and one file. */
export class Matcher {
  private steps = 0;
  private readonly code: string;
  /** Reused by every attempt (an attempt on every candidate node of a file must not allocate much). */
  private readonly env = new Env();
  private readonly exprOps = exprOps(this);
  private readonly argOps = argOps(this);
  private readonly stmtOps = stmtOps(this);
  private readonly paramOps = paramOps(this);

  constructor(
    private readonly pattern: CompiledPattern,
    private readonly view: CodeView,
  ) {
    this.code = view.text;
  }

  /** The captures when the pattern (an expression) matches `e`, else undefined. Never throws. */
  matchExpr(e: Expr, seed?: Captures): Captures | undefined {
    const p = this.pattern.expr;
    if (!p) return undefined;
    return this.attempt(seed, (env) => this.expr(p, e, env));
  }

  /**
   * The pattern (statements) against the statements of `block` from `start`: the captures and how many statements
   * it took, else undefined. `whole`: the pattern must take the block to its end.
   */
  matchStmts(block: readonly Stmt[], start: number, seed?: Captures, whole = false): { captures: Captures; end: number } | undefined {
    let end = -1;
    const captures = this.attempt(seed, (env) => {
      end = this.seq(this.pattern.stmts, block, 0, start, env, this.stmtOps, whole ? 'all' : 'open');
      return end >= 0;
    });
    return captures ? { captures, end } : undefined;
  }

  private attempt(seed: Captures | undefined, run: (env: Env) => boolean): Captures | undefined {
    this.steps = MAX_STEPS;
    const env = this.env.start(seed);
    try {
      return run(env) ? new Map(env.map) : undefined;
    } catch (e) {
      if (e instanceof OutOfSteps) return undefined;
      throw e;
    }
  }

  private step(): void {
    if (--this.steps < 0) throw new OutOfSteps();
  }

  // ---- captures ---------------------------------------------------------------------------------------------------

  private bindOne(name: string, span: Span, env: Env): boolean {
    if (name === '_') return true;
    const old = env.map.get(name);
    if (!old) {
      env.set(name, { kind: 'one', span });
      return true;
    }
    return this.textOf(old) === this.view.compactOf(span);
  }

  private bindMany(name: string, spans: Span[], contiguous: boolean, env: Env): boolean {
    if (name === '_') return true;
    const old = env.map.get(name);
    const c: Capture = { kind: 'many', spans, contiguous };
    if (!old) {
      env.set(name, c);
      return true;
    }
    return this.textOf(old) === this.textOf(c);
  }

  /** A capture's text for comparing two uses of one name. */
  private textOf(c: Capture): string {
    if (c.kind === 'one') return this.view.compactOf(c.span);
    return c.spans.map((s) => this.view.compactOf(s)).join(',');
  }

  // ---- expressions ------------------------------------------------------------------------------------------------

  expr(p: Expr, c: Expr, env: Env): boolean {
    this.step();
    const pat = this.pattern;
    if (p.kind === 'name') {
      const m = metaOf(p.id);
      if (m) return m.kind === 'one' && c.kind !== 'starred' && this.bindOne(m.name, c, env);
    }
    const dotted = pat.dotted(p);
    if (dotted) return this.refersTo(dotted, c);
    if (p.kind !== c.kind) return false;
    switch (p.kind) {
      case 'attr': {
        const cc = c as typeof p;
        const m = metaOf(p.attr);
        if (m) {
          if (m.kind !== 'one' || !this.bindOne(m.name, { from: cc.attrFrom, to: cc.to }, env)) return false;
        } else if (p.attr !== cc.attr) return false;
        return this.expr(p.value, cc.value, env);
      }
      case 'call': {
        const cc = c as typeof p;
        return this.expr(p.func, cc.func, env) && this.args(p.args, cc.args, env);
      }
      case 'subscript': {
        const cc = c as typeof p;
        if (!this.expr(p.value, cc.value, env)) return false;
        // The tree keeps a slice's bounds but not its colons: with a slice on either side, the brackets' text around
        // the elements must be the same (`x[:, None]`), element by element.
        const ps = skeleton(pat.text, p);
        const cs = skeleton(this.code, cc);
        if (ps.includes(':') || cs.includes(':')) return ps === cs && p.index.every((x, i) => this.expr(x, cc.index[i], env));
        return this.seq(p.index, cc.index, 0, 0, env, this.exprOps, 'all') >= 0;
      }
      case 'number': {
        const cc = c as typeof p;
        if (Number.isFinite(p.value) && Number.isFinite(cc.value)) return p.value === cc.value && isComplex(p.raw) === isComplex(cc.raw);
        return p.raw.toLowerCase() === cc.raw.toLowerCase();
      }
      case 'string': {
        const cc = c as typeof p;
        if (isBytes(this.pattern.text, p) !== isBytes(this.code, cc)) return false;
        if (p.value !== undefined && cc.value !== undefined) return p.value === cc.value;
        return compactSource(pat.text, p.from, p.to) === this.view.compactOf(cc);
      }
      case 'const':
        return p.value === (c as typeof p).value;
      case 'list':
      case 'tuple':
      case 'set':
        return this.seq(p.elts, (c as typeof p).elts, 0, 0, env, this.exprOps, 'all') >= 0;
      case 'starred': {
        const cc = c as typeof p;
        return p.double === cc.double && this.expr(p.value, cc.value, env);
      }
      case 'dict': {
        const cc = c as typeof p;
        if (p.items.length !== cc.items.length) return false;
        return p.items.every((it, i) => {
          const ci = cc.items[i];
          if (!it.key !== !ci.key) return false;
          return (!it.key || this.expr(it.key, ci.key!, env)) && this.expr(it.value, ci.value, env);
        });
      }
      case 'binop': {
        const cc = c as typeof p;
        return sameOp(p.op, cc.op) && this.expr(p.left, cc.left, env) && this.expr(p.right, cc.right, env);
      }
      case 'unary': {
        const cc = c as typeof p;
        return sameOp(p.op, cc.op) && this.expr(p.operand, cc.operand, env);
      }
      case 'ifexp': {
        const cc = c as typeof p;
        return this.expr(p.body, cc.body, env) && this.expr(p.test, cc.test, env) && this.expr(p.orelse, cc.orelse, env);
      }
      case 'lambda':
      case 'other': {
        // Not modelled in detail: as written (without layout), or child by child when captures are inside.
        if (!pat.hasMeta(p)) return compactSource(pat.text, p.from, p.to) === this.view.compactOf(c);
        if (p.kind === 'lambda') {
          const cc = c as typeof p;
          return !!p.body && !!cc.body && this.expr(p.body, cc.body, env);
        }
        const cc = c as typeof p;
        return p.what === cc.what && this.seq(p.children, cc.children, 0, 0, env, this.exprOps, 'all') >= 0;
      }
      default:
        return false;
    }
  }

  /** A dotted name of the pattern against code: the same spelling, or the same thing through imports and aliases. */
  private refersTo(dotted: DottedName, c: Expr): boolean {
    const same = spelledAs(c, dotted.parts);
    if (same !== false) return same === true;
    const q = this.view.qname(c);
    return q !== undefined && q === dotted.canonical;
  }

  // ---- call arguments ---------------------------------------------------------------------------------------------

  /**
   * Keyword arguments by name, in any order; then the positional ones (and `*x`) in order, `$$$` taking runs of them;
   * what is left (keywords, `**x`) goes to the last `$$$` of the pattern, and without one the call does not match.
   */
  private args(ps: Arg[], cs: Arg[], env: Env): boolean {
    const used = new Set<number>();
    const positional: Arg[] = [];
    let lastMany: string | undefined;
    for (const p of ps) {
      if (p.name !== undefined || p.star === '**') {
        const i = cs.findIndex((c, k) => !used.has(k) && (p.name !== undefined ? c.name === p.name : c.star === '**'));
        if (i < 0 || !this.expr(p.value, cs[i].value, env)) return false;
        used.add(i);
      } else {
        positional.push(p);
        const m = p.value.kind === 'name' && !p.star ? metaOf(p.value.id) : undefined;
        if (m?.kind === 'many') lastMany = m.name;
      }
    }
    const codePositional = cs.filter((c, k) => !used.has(k) && c.name === undefined && c.star !== '**');
    if (this.seq(positional, codePositional, 0, 0, env, this.argOps, 'all') < 0) return false;
    const rest = cs.filter((c, k) => !used.has(k) && (c.name !== undefined || c.star === '**'));
    if (!rest.length) return true;
    if (lastMany === undefined) return false;
    if (lastMany === '_') return true;
    const had = env.map.get(lastMany);
    const before = had?.kind === 'many' ? had.spans : [];
    const spans = [...before, ...rest].sort((a, b) => a.from - b.from);
    const index = (s: Span) => cs.findIndex((c) => c.from === s.from);
    const contiguous = spans.every((s, i) => i === 0 || index(s) === index(spans[i - 1]) + 1);
    env.set(lastMany, { kind: 'many', spans, contiguous });
    return true;
  }

  argMatch(p: Arg, c: Arg, env: Env): boolean {
    if (!!p.star !== !!c.star) return false;
    return this.expr(p.value, c.value, env);
  }

  // ---- statements -------------------------------------------------------------------------------------------------

  stmt(p: Stmt, c: Stmt, env: Env): boolean {
    this.step();
    // `$S` alone as a statement: any one statement.
    if (p.kind === 'expr' && p.value.kind === 'name') {
      const m = metaOf(p.value.id);
      if (m?.kind === 'one') return this.bindOne(m.name, c, env);
    }
    if (p.kind !== c.kind) return false;
    switch (p.kind) {
      case 'expr':
        return this.expr(p.value, (c as typeof p).value, env);
      case 'assign': {
        const cc = c as typeof p;
        return (
          this.seq(p.targets, cc.targets, 0, 0, env, this.exprOps, 'all') >= 0 &&
          this.optional(p.value, cc.value, env, true) &&
          this.optional(p.annotation, cc.annotation, env, false)
        );
      }
      case 'augassign': {
        const cc = c as typeof p;
        return sameOp(p.op, cc.op) && this.expr(p.target, cc.target, env) && this.expr(p.value, cc.value, env);
      }
      case 'return':
        return this.optional(p.value, (c as typeof p).value, env, true);
      case 'import':
      case 'from':
        return compactSource(this.pattern.text, p.from, p.to) === this.view.compactOf(c);
      case 'def': {
        const cc = c as typeof p;
        return (
          this.name(p.name, p.nameFrom, cc.name, cc.nameFrom, env) &&
          (!p.decorators.length || this.seq(p.decorators, cc.decorators, 0, 0, env, this.exprOps, 'all') >= 0) &&
          this.seq(p.params, cc.params, 0, 0, env, this.paramOps, 'all') >= 0 &&
          this.block(p.body, cc.body, env)
        );
      }
      case 'class': {
        const cc = c as typeof p;
        return (
          this.name(p.name, p.nameFrom, cc.name, cc.nameFrom, env) &&
          (!p.decorators.length || this.seq(p.decorators, cc.decorators, 0, 0, env, this.exprOps, 'all') >= 0) &&
          this.args(p.bases, cc.bases, env) &&
          this.block(p.body, cc.body, env)
        );
      }
      case 'if': {
        const cc = c as typeof p;
        return this.expr(p.test, cc.test, env) && this.block(p.body, cc.body, env) && (!p.orelse.length || this.block(p.orelse, cc.orelse, env));
      }
      case 'for':
      case 'while': {
        const cc = c as typeof p;
        return (
          this.optional(p.target, cc.target, env, true) &&
          this.expr(p.iter, cc.iter, env) &&
          this.block(p.body, cc.body, env) &&
          (!p.orelse.length || this.block(p.orelse, cc.orelse, env))
        );
      }
      case 'with': {
        const cc = c as typeof p;
        return this.seq(p.items, cc.items, 0, 0, env, this.exprOps, 'all') >= 0 && this.block(p.body, cc.body, env);
      }
      case 'try': {
        const cc = c as typeof p;
        return (
          this.block(p.body, cc.body, env) &&
          (!p.handlers.length || (p.handlers.length === cc.handlers.length && p.handlers.every((h, i) => this.block(h, cc.handlers[i], env)))) &&
          (!p.orelse.length || this.block(p.orelse, cc.orelse, env)) &&
          (!p.finalbody.length || this.block(p.finalbody, cc.finalbody, env))
        );
      }
      case 'other': {
        const cc = c as typeof p;
        if (p.what !== cc.what) return false;
        if (!p.exprs.some((e) => this.pattern.hasMeta(e))) return compactSource(this.pattern.text, p.from, p.to) === this.view.compactOf(c);
        return this.seq(p.exprs, cc.exprs, 0, 0, env, this.exprOps, 'all') >= 0;
      }
      default:
        return false;
    }
  }

  /** A whole block: the pattern's statements must take all of the code's. */
  private block(ps: Stmt[], cs: Stmt[], env: Env): boolean {
    return this.seq(ps, cs, 0, 0, env, this.stmtOps, 'all') >= 0;
  }

  /** Both absent, or both present and matching; `strict: false` lets the pattern leave it out (annotations). */
  private optional(p: Expr | undefined, c: Expr | undefined, env: Env, strict: boolean): boolean {
    if (!p) return !strict || !c;
    return !!c && this.expr(p, c, env);
  }

  /** A def or class name: the same, or a capture of it. */
  private name(p: string, pFrom: number, c: string, cFrom: number, env: Env): boolean {
    const m = metaOf(p);
    if (m) return m.kind === 'one' && this.bindOne(m.name, { from: cFrom, to: cFrom + c.length }, env);
    return p === c;
  }

  paramMatch(p: Param, c: Param, env: Env): boolean {
    if ((p.star ?? '') !== (c.star ?? '')) return false;
    const m = metaOf(p.name);
    if (m) {
      if (!this.bindOne(m.name, c, env)) return false;
    } else if (p.name !== c.name) return false;
    return (!p.default || (!!c.default && this.expr(p.default, c.default, env))) && (!p.annotation || (!!c.annotation && this.expr(p.annotation, c.annotation, env)));
  }

  // ---- sequences --------------------------------------------------------------------------------------------------

  /**
   * Matches pattern items `ps[i…]` against code items `cs[j…]`. Returns the index in `cs` where the match ended, or -1.
   * `all`: the code items must be used up. `open`: the match may end before them (a run of statements in a block);
   * then a `$$$` last in the pattern takes the rest of the block.
   */
  seq<P, C extends Span>(ps: readonly P[], cs: readonly C[], i: number, j: number, env: Env, ops: SeqOps<P, C>, end: 'all' | 'open'): number {
    this.step();
    if (i === ps.length) return end === 'all' && j !== cs.length ? -1 : j;
    const many = ops.many(ps[i]);
    if (many !== undefined) {
      // Last in the pattern: it takes the rest. Otherwise every length, shortest first.
      for (let k = i === ps.length - 1 ? cs.length : j; k <= cs.length; k++) {
        const mark = env.mark();
        if (many === '_' || this.bindMany(many, cs.slice(j, k), true, env)) {
          const r = this.seq(ps, cs, i + 1, k, env, ops, end);
          if (r >= 0) return r;
        }
        env.reset(mark);
      }
      return -1;
    }
    if (j >= cs.length) return -1;
    const mark = env.mark();
    if (ops.one(ps[i], cs[j], env)) {
      const r = this.seq(ps, cs, i + 1, j + 1, env, ops, end);
      if (r >= 0) return r;
    }
    env.reset(mark);
    return -1;
  }
}

interface SeqOps<P, C> {
  /** The name of the `$$$` capture an item of the pattern is, if it is one. */
  many(p: P): string | undefined;
  one(p: P, c: C, env: Env): boolean;
}

/**
 * Whether code spells a dotted name as `parts` (`torch.optim.Adam`): true, false for another dotted name, undefined
 * when it is not a dotted name at all (a call, a subscript…).
 */
function spelledAs(c: Expr, parts: readonly string[]): boolean | undefined {
  let same = true;
  let i = parts.length - 1;
  let e = c;
  while (e.kind === 'attr') {
    if (i < 1 || e.attr !== parts[i]) same = false;
    i--;
    e = e.value;
  }
  if (e.kind !== 'name') return undefined;
  return same && i === 0 && e.id === parts[0];
}

function manyName(e: Expr): string | undefined {
  if (e.kind !== 'name') return undefined;
  const m = metaOf(e.id);
  return m?.kind === 'many' ? m.name : undefined;
}

const exprOps = (m: Matcher): SeqOps<Expr, Expr> => ({ many: manyName, one: (p, c, env) => m.expr(p, c, env) });
const argOps = (m: Matcher): SeqOps<Arg, Arg> => ({ many: (p) => (p.star ? undefined : manyName(p.value)), one: (p, c, env) => m.argMatch(p, c, env) });
const stmtOps = (m: Matcher): SeqOps<Stmt, Stmt> => ({ many: multiStatement, one: (p, c, env) => m.stmt(p, c, env) });
const paramOps = (m: Matcher): SeqOps<Param, Param> => ({
  many: (p) => {
    const x = !p.star && !p.default && !p.annotation ? metaOf(p.name) : undefined;
    return x?.kind === 'many' ? x.name : undefined;
  },
  one: (p, c, env) => m.paramMatch(p, c, env),
});

/** Operators compare without the spaces inside them (`is  not` is `is not`). */
/** A subscript's brackets without layout, each element as `#`: `x[1:, None]` → `[#:,#]`. */
function skeleton(text: string, e: SubscriptExpr): string {
  let out = '';
  let at = e.value.to;
  for (const x of e.index) {
    out += compactSource(text, at, x.from) + '#';
    at = x.to;
  }
  return out + compactSource(text, at, e.to);
}

export function sameOp(a: string, b: string): boolean {
  return a === b || compactSource(a, 0, a.length) === compactSource(b, 0, b.length);
}

function isComplex(raw: string): boolean {
  const last = raw[raw.length - 1];
  return last === 'j' || last === 'J';
}

/** Whether a string literal is bytes (`b'…'`, `rb"…"`). */
function isBytes(text: string, s: Span): boolean {
  for (let i = s.from; i < s.to; i++) {
    const ch = text[i];
    if (ch === '"' || ch === "'") return false;
    if (ch === 'b' || ch === 'B') return true;
  }
  return false;
}
