/**
 * Finding where patterns match in a file: one walk of the syntax tree serves every pattern.
 *
 * Patterns are indexed by what a node must be to match (index keys in pattern.ts): a call by the last part of its
 * callee's name, also through aliases (`from torch.optim import Adam as A; A(…)` is looked up as `Adam` too), any
 * other expression by its kind, statements by the kind of the first one. Each node of the file is tried only against
 * the patterns under its keys, and tried in full only where a quick test of the pattern passes (quick.ts); each attempt
 * has a bounded number of steps: the cost is linear in the file for each pattern.
 */
import type { Expr, Span, Stmt } from '../python/ast';
import { walkModule } from '../python/walk';
import { CodeView, Matcher, type Captures } from './match';
import { multiStatement, type CompiledPattern } from './pattern';
import { quickTest } from './quick';

/** Where a pattern matched: an expression, or a run of statements of a block. */
export interface Match {
  span: Span;
  captures: Captures;
  node: { kind: 'expr'; expr: Expr } | { kind: 'stmts'; block: readonly Stmt[]; start: number; end: number };
}

/** Patterns by what a node must be to match (see the index keys in pattern.ts). */
export class PatternIndex {
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

  constructor(patterns: Iterable<CompiledPattern>) {
    for (const p of patterns) this.add(p);
  }

  get hasStmts(): boolean {
    return this.stmts.size > 0 || this.anyStmt.length > 0;
  }

  private add(p: CompiledPattern): void {
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

/** The matches of patterns in one file, gathered by one or more walks (each with its own patterns). */
export class PatternScan {
  readonly matches = new Map<CompiledPattern, Match[]>();
  private readonly matchers = new Map<CompiledPattern, Matcher>();

  constructor(private readonly view: CodeView) {}

  /**
   * Tries the patterns of `index` at every statement of the top-level block that `startOk` accepts (statement
   * patterns), and at every node inside the top-level statements of `descend` (a list of them, in order).
   */
  walk(index: PatternIndex, startOk: (i: number) => boolean, descend: readonly Stmt[]): void {
    const top = this.view.model.module.body;
    const block = (list: readonly Stmt[], ok: (i: number) => boolean) => {
      for (let i = 0; i < list.length; i++) {
        if (!ok(i)) continue;
        const byKind = index.stmts.get(list[i].kind);
        if (byKind) this.tryStmts(list, i, byKind);
        if (index.anyStmt.length) this.tryStmts(list, i, index.anyStmt);
      }
    };
    const every = () => true;
    if (index.hasStmts) block(top, startOk);
    walkModule(descend, {
      block: index.hasStmts ? (list) => list !== descend && block(list, every) : undefined,
      expr: (e) => this.expr(index, e),
    });
  }

  private matcherOf(p: CompiledPattern): Matcher {
    let m = this.matchers.get(p);
    if (!m) this.matchers.set(p, (m = new Matcher(p, this.view)));
    return m;
  }

  private record(p: CompiledPattern, m: Match): void {
    const list = this.matches.get(p);
    if (list) list.push(m);
    else this.matches.set(p, [m]);
  }

  private tryStmts(list: readonly Stmt[], i: number, patterns: readonly CompiledPattern[]): void {
    const text = this.view.text;
    for (const p of patterns) {
      // A pattern that starts with `$$$` is anchored at the start of the block.
      if (i > 0 && multiStatement(p.stmts[0])) continue;
      if (!quickTest(p).stmt(list[i])) continue;
      const r = this.matcherOf(p).matchStmts(list, i);
      if (!r || r.end <= i) continue;
      // A statement's span ends after its line break: the match ends with its last character.
      const to = endBeforeSpace(text, list[i].from, list[r.end - 1].to);
      this.record(p, { span: { from: list[i].from, to }, captures: r.captures, node: { kind: 'stmts', block: list, start: i, end: r.end } });
    }
  }

  private tryExpr(e: Expr, patterns: readonly CompiledPattern[] | undefined): void {
    if (!patterns) return;
    for (const p of patterns) {
      if (!quickTest(p).expr(e)) continue;
      const captures = this.matcherOf(p).matchExpr(e);
      if (captures) this.record(p, { span: { from: e.from, to: e.to }, captures, node: { kind: 'expr', expr: e } });
    }
  }

  /** The last part of what a name refers to, when an alias makes it differ from the name (`A` for `Adam as A`). */
  private aliasOf(e: Expr): string | undefined {
    if (e.kind !== 'name' || !this.view.aliased(e.id)) return undefined;
    const q = this.view.qname(e);
    const last = q?.slice(q.lastIndexOf('.') + 1);
    return last !== e.id ? last : undefined;
  }

  private expr(index: PatternIndex, e: Expr): void {
    if (index.any.length) this.tryExpr(e, index.any);
    switch (e.kind) {
      case 'call': {
        if (index.anyCall.length) this.tryExpr(e, index.anyCall);
        const f = e.func;
        if (index.calls.size && (f.kind === 'name' || f.kind === 'attr')) {
          this.tryExpr(e, index.calls.get(f.kind === 'name' ? f.id : f.attr));
          const alias = this.aliasOf(f);
          if (alias) this.tryExpr(e, index.calls.get(alias));
        }
        break;
      }
      case 'name': {
        if (!index.refs.size) break;
        this.tryExpr(e, index.refs.get(e.id));
        const alias = this.aliasOf(e);
        if (alias) this.tryExpr(e, index.refs.get(alias));
        break;
      }
      case 'attr':
        this.tryExpr(e, index.kinds.get('attr'));
        this.tryExpr(e, index.refs.get(e.attr));
        break;
      default:
        this.tryExpr(e, index.kinds.get(e.kind));
    }
  }
}

/** The end of text[from, to) without the whitespace it ends with. */
export function endBeforeSpace(text: string, from: number, to: number): number {
  while (to > from && isSpace(text[to - 1])) to--;
  return to;
}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f';
}
