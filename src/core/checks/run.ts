/**
 * Running note checks over a file, all at once: one walk of the syntax tree serves every check.
 *
 * Patterns are indexed by what a node must be to match (index keys in pattern.ts): a call by the last part of its
 * callee's name, also through aliases (`from torch.optim import Adam as A; A(…)` is looked up as `Adam` too), any
 * other expression by its kind, statements by the kind of the first one. Each node of the file is tried only against
 * the patterns under its keys, each attempt with a bounded number of steps: the cost is linear in the file for each
 * check.
 *
 * A match is kept unless one of the check's `unless` patterns matches the same node (with the match's captures);
 * `inside` / `not-inside` keep it only when a match of that pattern does / does not cover it (captures they share
 * must agree).
 */
import type { Expr, Span, Stmt } from '../python/ast';
import { walkModule } from '../python/walk';
import type { PythonModel } from '../python/model';
import { verbatim } from '../message';
import type { RawFinding, Rule, RuleContext } from '../rules/rule';
import type { CompiledCheck } from './check';
import { CodeView, Matcher, type Captures } from './match';
import { multiStatement, type CompiledPattern } from './pattern';
import { dollarsOf } from './source';
import { buildFix } from './fix';

/** Where a pattern matched: an expression, or a run of statements of a block. */
export interface Match {
  span: Span;
  captures: Captures;
  node: { kind: 'expr'; expr: Expr } | { kind: 'stmts'; block: readonly Stmt[]; start: number; end: number };
}

/** Patterns by what a node must be to match (see the index keys in pattern.ts). */
class PatternIndex {
  /** By the last part of the callee's name (`call:Adam`), and calls whose callee is a capture (`call:*`). */
  readonly calls = new Map<string, CompiledPattern[]>();
  readonly anyCall: CompiledPattern[] = [];
  /** Names and attributes by their last part (`ref:load`). */
  readonly refs = new Map<string, CompiledPattern[]>();
  /** Other expressions by kind (`kind:binop`), and patterns that are one capture (`*`). */
  readonly kinds = new Map<string, CompiledPattern[]>();
  readonly any: CompiledPattern[] = [];
  /** Statements by the kind of the first (`stmt:with`), and those starting with a capture (`stmt:*`). */
  readonly stmts = new Map<string, CompiledPattern[]>();
  readonly anyStmt: CompiledPattern[] = [];

  add(p: CompiledPattern): void {
    const k = p.key;
    const colon = k.indexOf(':');
    const head = colon < 0 ? k : k.slice(0, colon);
    const name = k.slice(colon + 1);
    if (k === '*') this.any.push(p);
    else if (k === 'call:*') this.anyCall.push(p);
    else if (k === 'stmt:*') this.anyStmt.push(p);
    else push(head === 'call' ? this.calls : head === 'ref' ? this.refs : head === 'stmt' ? this.stmts : this.kinds, name, p);
  }
}

function push<V>(m: Map<string, V[]>, k: string, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** The checks of the notes as rules for the rule host; one shared walk per analysed text. */
export class CheckSet {
  private readonly index = new PatternIndex();

  constructor(readonly checks: readonly CompiledCheck[]) {
    const seen = new Set<CompiledPattern>();
    for (const c of checks) {
      for (const p of [...c.patterns, c.inside, c.notInside]) {
        if (!p || seen.has(p)) continue;
        seen.add(p);
        this.index.add(p);
      }
    }
  }

  /** One rule per check: each reads its findings from the walk shared through the context. */
  rules(): Rule[] {
    return this.checks.map(
      (c): Rule => ({
        meta: { id: c.id, noteRef: c.ref, defaultSeverity: c.severity, fixable: !!c.fix, description: c.message, scope: 'unit' },
        check: (ctx) => ctx.memo(this, () => this.findings(ctx)).get(c.id) ?? [],
      }),
    );
  }

  /** Every check's findings in the parts of the file the context focuses on. */
  findings(ctx: RuleContext): Map<string, RawFinding[]> {
    const view = new CodeView(ctx.model);
    const matches = this.scan(view, (s) => ctx.inFocus(s.from));
    const out = new Map<string, RawFinding[]>();
    for (const check of this.checks) {
      const kept = this.kept(check, view, matches);
      if (!kept.length) continue;
      out.set(
        check.id,
        kept.map((m) => {
          const fix = check.fix ? buildFix(ctx, view, check, m, (model, region) => this.matchesIn(check, model, region)) : undefined;
          return { span: shownSpan(m, view.text), message: verbatim(fillMessage(check.message, m.captures, view.text)), fixes: fix ? [fix] : [] };
        }),
      );
    }
    return out;
  }

  /** The matches of a check that survive `unless`, `inside` and `not-inside`, one per span. */
  kept(check: CompiledCheck, view: CodeView, matches: Map<CompiledPattern, Match[]>): Match[] {
    const out: Match[] = [];
    const spans = new Set<string>();
    for (const p of check.patterns) {
      for (const m of matches.get(p) ?? []) {
        const key = `${m.span.from}:${m.span.to}`;
        if (spans.has(key)) continue;
        if (check.unless.some((u) => matchesSameNode(u, view, m))) continue;
        if (check.inside && !encloses(matches.get(check.inside) ?? [], m, view)) continue;
        if (check.notInside && encloses(matches.get(check.notInside) ?? [], m, view)) continue;
        spans.add(key);
        out.push(m);
      }
    }
    return out.sort((a, b) => a.span.from - b.span.from);
  }

  /**
   * Whether the check still finds something overlapping `region` of another text (the fixed statement after the
   * file's imports): how a fix is checked. Enclosing patterns apply within that statement.
   */
  private matchesIn(check: CompiledCheck, model: PythonModel, region: Span): boolean {
    const view = new CodeView(model);
    const only = new CheckSet([check]);
    const matches = only.scan(view, () => true);
    return only.kept(only.checks[0], view, matches).some((m) => m.span.from < region.to && region.from < m.span.to);
  }

  /** Walks the file once (top-level statements `focus` accepts, and everything in them) and tries the indexed patterns. */
  scan(view: CodeView, focus: (s: Stmt) => boolean): Map<CompiledPattern, Match[]> {
    const model = view.model;
    const out = new Map<CompiledPattern, Match[]>();
    const matchers = new Map<CompiledPattern, Matcher>();
    const matcherOf = (p: CompiledPattern) => {
      let m = matchers.get(p);
      if (!m) matchers.set(p, (m = new Matcher(p, view)));
      return m;
    };
    const record = (p: CompiledPattern, m: Match) => {
      const list = out.get(p);
      if (list) list.push(m);
      else out.set(p, [m]);
    };
    const index = this.index;
    const hasStmtPatterns = index.stmts.size > 0 || index.anyStmt.length > 0;
    const tryStmts = (list: readonly Stmt[], i: number, patterns: readonly CompiledPattern[] | undefined) => {
      if (!patterns) return;
      for (const p of patterns) {
        // A pattern that starts with `$$$` is anchored at the start of the block.
        if (i > 0 && multiStatement(p.stmts[0])) continue;
        const r = matcherOf(p).matchStmts(list, i);
        if (!r || r.end <= i) continue;
        // A statement's span ends after its line break: the match ends with its last character.
        let to = list[r.end - 1].to;
        while (to > list[i].from && isSpace(view.text[to - 1])) to--;
        record(p, { span: { from: list[i].from, to }, captures: r.captures, node: { kind: 'stmts', block: list, start: i, end: r.end } });
      }
    };
    const block = (list: readonly Stmt[], startOk: (i: number) => boolean = () => true) => {
      if (!hasStmtPatterns) return;
      for (let i = 0; i < list.length; i++) {
        if (!startOk(i)) continue;
        tryStmts(list, i, index.stmts.get(list[i].kind));
        tryStmts(list, i, index.anyStmt);
      }
    };
    const tryExpr = (e: Expr, patterns: readonly CompiledPattern[] | undefined) => {
      if (!patterns) return;
      for (const p of patterns) {
        const captures = matcherOf(p).matchExpr(e);
        if (captures) record(p, { span: { from: e.from, to: e.to }, captures, node: { kind: 'expr', expr: e } });
      }
    };
    /** The last part of what a name refers to, when an alias makes it differ from the name (`A` for `Adam as A`). */
    const aliasOf = (e: Expr): string | undefined => {
      if (e.kind !== 'name' || !view.aliased(e.id)) return undefined;
      const q = view.qname(e);
      const last = q?.slice(q.lastIndexOf('.') + 1);
      return last !== e.id ? last : undefined;
    };
    const expr = (e: Expr) => {
      tryExpr(e, index.any);
      switch (e.kind) {
        case 'call': {
          tryExpr(e, index.anyCall);
          const f = e.func;
          if (f.kind === 'name' || f.kind === 'attr') {
            tryExpr(e, index.calls.get(f.kind === 'name' ? f.id : f.attr));
            const alias = aliasOf(f);
            if (alias) tryExpr(e, index.calls.get(alias));
          }
          break;
        }
        case 'name': {
          tryExpr(e, index.refs.get(e.id));
          const alias = aliasOf(e);
          if (alias) tryExpr(e, index.refs.get(alias));
          break;
        }
        case 'attr':
          tryExpr(e, index.kinds.get('attr'));
          tryExpr(e, index.refs.get(e.attr));
          break;
        default:
          tryExpr(e, index.kinds.get(e.kind));
      }
    };
    const top = model.module.body;
    block(top, (i) => focus(top[i]));
    const focused = top.filter(focus);
    walkModule(focused, { block: (list) => list !== focused && block(list), expr });
    return out;
  }
}

/** Whether an `unless` pattern matches the node of a match (with the match's captures). */
function matchesSameNode(u: CompiledPattern, view: CodeView, m: Match): boolean {
  const matcher = new Matcher(u, view);
  if (m.node.kind === 'expr') {
    if (u.shape === 'expr') return !!matcher.matchExpr(m.node.expr, m.captures);
    return false;
  }
  const { block, start, end } = m.node;
  if (u.shape === 'stmts') {
    const r = matcher.matchStmts(block, start, m.captures);
    return !!r && r.end === end;
  }
  // An expression `unless` against a single expression statement.
  const only = end - start === 1 ? block[start] : undefined;
  return only?.kind === 'expr' && !!matcher.matchExpr(only.value, m.captures);
}

/** Whether a match of an enclosing pattern covers `m`, agreeing on the captures both have. */
function encloses(outer: readonly Match[], m: Match, view: CodeView): boolean {
  return outer.some((o) => o.span.from <= m.span.from && m.span.to <= o.span.to && agree(o.captures, m.captures, view));
}

function agree(a: Captures, b: Captures, view: CodeView): boolean {
  for (const [name, ca] of a) {
    const cb = b.get(name);
    if (!cb) continue;
    const text = (c: typeof ca) => (c.kind === 'one' ? view.compactOf(c.span) : c.spans.map((s) => view.compactOf(s)).join(','));
    if (text(ca) !== text(cb)) return false;
  }
  return true;
}

/** The message with each `$NAME` / `$$$NAME` replaced by what it captured (on one line, shortened). */
export function fillMessage(message: string, captures: Captures, text: string): string {
  let out = '';
  let last = 0;
  for (const d of dollarsOf(message, false)) {
    const c = d.name ? captures.get(d.name) : undefined;
    if (!c || (d.count !== 1 && d.count !== 3)) continue;
    const raw = c.kind === 'one' ? text.slice(c.span.from, c.span.to) : c.spans.map((s) => text.slice(s.from, s.to)).join(', ');
    let one = '';
    let space = false;
    for (const ch of raw) {
      if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') space = one.length > 0;
      else {
        if (space) one += ' ';
        space = false;
        one += ch;
      }
    }
    if (one.length > 60) one = `${one.slice(0, 59)}…`;
    out += message.slice(last, d.at) + one;
    last = d.at + d.count + d.name.length;
  }
  return out + message.slice(last);
}

/**
 * Where a finding is shown: the matched expression, or the first line of matched statements (a block underlined whole
 * hides the code; its fix still replaces all of it).
 */
function shownSpan(m: Match, text: string): Span {
  if (m.node.kind === 'expr') return m.span;
  let to = m.span.from;
  while (to < m.span.to && text[to] !== '\n' && text[to] !== '\r') to++;
  while (to > m.span.from && isSpace(text[to - 1])) to--;
  return { from: m.span.from, to };
}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f';
}
