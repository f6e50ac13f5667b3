/**
 * The findings of the units a re-analysis reuses (incremental.ts), as the host reports them (`Finding`: lines and
 * characters), without working out their positions again in each version.
 *
 * A unit's cached findings are turned into `Finding`s once, where the unit stood then; in a later version they are
 * copied, their positions moved by where the unit's start moved. The lines inside a unit are those of its text (the
 * same text for the same cached findings), so a position on the unit's first line moves with its start, and one on a
 * later line keeps its character and moves by as many lines as the start did. A unit with a finding or an edit
 * reaching past its end (where the text may differ) is worked out again every time.
 *
 * The copies made for a unit's last place are kept: while the unit starts on the same line and character (every edit
 * that leaves the lines before it as many as they were, typing inside a line), the next analysis reports the same
 * `Finding` objects. Findings are read, never changed, by whoever gets them.
 */
import type { LineIndex, Position, Range } from '../text';
import { placed, type Cached, type KeptFindings, type UnitFinding } from './incremental';
import type { Finding } from './types';

interface Template {
  /** Where the unit started when `findings` were placed (worked out, or moved there last). */
  start: Position;
  findings: Finding[];
}

export class KeptFindingPositions {
  /** Per list of cached findings (one per unit text and signature): the findings as first placed, or null when a
   * position reaches past the unit. */
  private readonly templates = new WeakMap<readonly Cached[], Template | null>();

  /**
   * The `Finding`s of the reused units, in order. `lines`: of the text analysed; `convert`: the host's conversion of
   * a finding at an offset of that text.
   */
  place(lines: LineIndex, kept: readonly KeptFindings[], convert: (f: UnitFinding) => Finding): Finding[] {
    const out: Finding[] = [];
    for (const k of kept) {
      let t = this.templates.get(k.findings);
      if (t === undefined) {
        t = k.findings.every((c) => inside(c, k.length)) ? { start: lines.positionAt(k.at), findings: k.findings.map((c) => convert(placed(c, k.at))) } : null;
        this.templates.set(k.findings, t);
      }
      if (!t) {
        for (const c of k.findings) out.push(convert(placed(c, k.at)));
        continue;
      }
      const start = lines.positionAt(k.at);
      if (start.line !== t.start.line || start.character !== t.start.character) {
        const from = t.start;
        t.findings = t.findings.map((f) => moved(f, from, start));
        t.start = start;
      }
      for (const f of t.findings) out.push(f);
    }
    return out;
  }
}

/** Whether a cached finding's span and edits lie within a unit of `length` characters. */
function inside(c: Cached, length: number): boolean {
  const within = (from: number, to: number) => from >= 0 && from <= to && to <= length;
  return within(c.from, c.to) && c.fixes.every((fx) => fx.edits.every((e) => within(e.from, e.to)));
}

/** A copy of `f`, found in a unit that started at `from`, for the unit starting at `to`. */
function moved(f: Finding, from: Position, to: Position): Finding {
  const pos = (p: Position): Position =>
    p.line === from.line ? { line: to.line, character: p.character - from.character + to.character } : { line: p.line - from.line + to.line, character: p.character };
  const range = (r: Range): Range => ({ start: pos(r.start), end: pos(r.end) });
  return {
    rule: f.rule,
    range: range(f.range),
    message: f.message,
    messageL10n: f.messageL10n,
    severity: f.severity,
    noteRef: { ...f.noteRef },
    fixes: f.fixes.map((x) => ({ title: x.title, titleL10n: x.titleL10n, edits: x.edits.map((e) => ({ range: range(e.range), newText: e.newText })), isPreferred: x.isPreferred })),
  };
}
