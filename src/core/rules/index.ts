/**
 * The registry of built-in rules and the analysis entry points.
 *
 * - `rules`: the built-in rules. A `RuleHost` (host.ts) runs them, and note checks added to it, knowing none by name.
 * - `builtinHost(report)`: a host over the built-in rules whose failures go to `report`.
 * - `analyze(text, options)` / `analyzeParsed`: findings of the built-in rules; a rule that throws makes these throw
 *   (tests, scripts). Hosts that must go on (the editor, the CLI) build their own `RuleHost` with a reporter.
 * - `mergeFixes(text, findings)`: every preferred fix of a file as one non-overlapping edit list (fix all).
 */
import type { ParsedPython } from '../python/parse';
import type { TextEdit } from '../text';
import { LineIndex } from '../text';
import { convBiasBeforeBatchnorm } from './conv-bias-before-batchnorm';
import { lrWarmup } from './lr-warmup';
import type { Rule } from './rule';
import { segmentationHead3x3Classifier } from './segmentation-head-3x3-classifier';
import type { Finding, Fix } from './types';
import { unpaddedConvBeforeRoi } from './unpadded-conv-before-roi';
import { rethrow, RuleHost, type AnalyzeOptions, type RuleErrorReporter } from './host';

export type { Rule, RuleMeta } from './rule';
export { fillText } from '../message';
export { DocumentAnalyzer, RuleHost, rethrow, severityOf, sourceKindOf, type Analysis, type AnalyzeOptions, type RuleAction, type RuleErrorReporter } from './host';

export const rules: readonly Rule[] = [convBiasBeforeBatchnorm, segmentationHead3x3Classifier, unpaddedConvBeforeRoi, lrWarmup];

export const ruleIds: readonly string[] = rules.map((r) => r.meta.id);

export function ruleById(id: string): Rule | undefined {
  return rules.find((r) => r.meta.id === id);
}

/** A host over the built-in rules; a rule that throws is reported to `report` and the others go on. */
export function builtinHost(report: RuleErrorReporter): RuleHost {
  return new RuleHost(rules, report);
}

/** The built-in rules, failing loudly: what `analyze` runs. */
export const strictHost = builtinHost(rethrow);

/** Findings of the built-in rules on an already parsed text. Throws if a rule throws. */
export function analyzeParsed(parsed: ParsedPython, options: AnalyzeOptions = {}): Finding[] {
  return strictHost.analyzeParsed(parsed, options);
}

/** Findings of the built-in rules for a Python text. Throws if a rule throws. */
export function analyze(text: string, options: AnalyzeOptions = {}): Finding[] {
  return strictHost.analyze(text, options);
}

/**
 * All preferred fixes of a file (or the fixes `pick` chooses) merged into one edit list: fixes are taken in
 * document order and a fix
 * is skipped when any of its edits overlaps an edit already taken (identical edits, such as the same
 * import line wanted by two fixes, are kept once). Applying the result may leave findings for the
 * skipped fixes: run again (fixText does) until nothing changes.
 */
export function mergeFixes(
  text: string,
  findings: readonly Finding[],
  pick: (f: Finding) => Fix | undefined = (f) => f.fixes.find((x) => x.isPreferred),
): { edits: TextEdit[]; applied: Finding[] } {
  const index = new LineIndex(text);
  const taken: { from: number; to: number; text: string }[] = [];
  const edits: TextEdit[] = [];
  const applied: Finding[] = [];
  const sorted = [...findings].sort((a, b) => index.offsetAt(a.range.start) - index.offsetAt(b.range.start));
  for (const f of sorted) {
    const fix = pick(f);
    if (!fix || !fix.edits.length) continue;
    const spans = fix.edits.map((e) => ({ from: index.offsetAt(e.range.start), to: index.offsetAt(e.range.end), text: e.newText }));
    const fresh: typeof spans = [];
    let conflict = false;
    for (const s of spans) {
      const same = taken.find((t) => t.from === s.from && t.to === s.to && t.text === s.text);
      if (same) continue;
      if (taken.some((t) => overlaps(t, s))) {
        conflict = true;
        break;
      }
      fresh.push(s);
    }
    if (conflict) continue;
    for (const s of fresh) {
      taken.push(s);
      edits.push({ range: index.range(s.from, s.to), newText: s.text });
    }
    applied.push(f);
  }
  return { edits, applied };
}

/** Two edits conflict when their ranges intersect, or when both insert at the same point. */
function overlaps(a: { from: number; to: number }, b: { from: number; to: number }): boolean {
  if (a.from === a.to && b.from === b.to) return a.from === b.from;
  if (a.from === a.to) return a.from > b.from && a.from < b.to;
  if (b.from === b.to) return b.from > a.from && b.from < a.to;
  return a.from < b.to && b.from < a.to;
}
