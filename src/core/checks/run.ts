/**
 * Running note checks over a file, all at once: one walk of the syntax tree serves every check (see scan.ts).
 *
 * A match is kept unless one of the check's `unless` patterns matches the same node (with the match's captures);
 * `inside` / `not-inside` keep it only when a match of that pattern does / does not cover it (captures they share
 * must agree). An enclosing pattern that is no check's own is looked for only when its check found something:
 * inside the top-level statements where it did, and as runs of top-level statements from any of the file's (a run
 * may begin before the match). `def forward(self, …)` is not matched at every def of a file where nothing it would
 * enclose was found.
 */
import type { Span, Stmt } from '../python/ast';
import type { PythonModel } from '../python/model';
import { verbatim } from '../message';
import type { RawFinding, Rule, RuleContext } from '../rules/rule';
import type { CompiledCheck } from './check';
import { CodeView, Matcher, type Captures } from './match';
import type { CompiledPattern } from './pattern';
import { endBeforeSpace, PatternIndex, PatternScan, type Match } from './scan';
import { dollarsOf } from './source';
import { buildFix } from './fix';

/** The checks of the notes as rules for the rule host; one shared walk per analysed text. */
export class CheckSet {
  /** The checks' own patterns, looked for everywhere. */
  private readonly index: PatternIndex;
  /** The checks with `inside` / `not-inside` patterns that are no check's own, and those patterns. */
  private readonly enclosingOnly: { check: CompiledCheck; patterns: CompiledPattern[] }[] = [];

  constructor(readonly checks: readonly CompiledCheck[]) {
    const own = new Set(checks.flatMap((c) => c.patterns));
    this.index = new PatternIndex(own);
    for (const check of checks) {
      const patterns = [check.inside, check.notInside].filter((p): p is CompiledPattern => !!p && !own.has(p));
      if (patterns.length) this.enclosingOnly.push({ check, patterns });
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

  /**
   * The matches of every pattern in the top-level statements `focus` accepts (and everything in them); those of
   * enclosing-only patterns where they may cover a match of their check.
   */
  scan(view: CodeView, focus: (s: Stmt) => boolean): Map<CompiledPattern, Match[]> {
    const top = view.model.module.body;
    const startOk = (i: number) => focus(top[i]);
    const scan = new PatternScan(view);
    scan.walk(this.index, startOk, top.filter(focus));
    if (!this.enclosingOnly.length) return scan.matches;
    const needed = new Set<CompiledPattern>();
    const found: Span[] = [];
    for (const { check, patterns } of this.enclosingOnly) {
      const before = found.length;
      for (const p of check.patterns) for (const m of scan.matches.get(p) ?? []) found.push(m.span);
      if (found.length > before) for (const p of patterns) needed.add(p);
    }
    if (needed.size) scan.walk(new PatternIndex(needed), startOk, overlapping(top, found).filter(focus));
    return scan.matches;
  }
}

/** The statements of `list` (in order, not overlapping) that overlap one of `spans`. */
function overlapping(list: readonly Stmt[], spans: Span[]): Stmt[] {
  const sorted = [...spans].sort((a, b) => a.from - b.from);
  const out: Stmt[] = [];
  let k = 0;
  for (const s of list) {
    while (k < sorted.length && sorted[k].to <= s.from) k++;
    if (k < sorted.length && sorted[k].from < s.to) out.push(s);
  }
  return out;
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
  return { from: m.span.from, to: endBeforeSpace(text, m.span.from, to) };
}
