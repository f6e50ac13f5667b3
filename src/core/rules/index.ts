/**
 * The rule registry and the analysis entry points.
 *
 * - `analyze(text, options)`: findings for one Python text.
 * - `DocumentAnalyzer`: the same for the successive versions of one document: re-parses incrementally and
 *   reuses the findings of unchanged top-level classes and functions.
 * - `mergeFixes(text, findings)`: every preferred fix of a file as one non-overlapping edit list (fix all).
 * - `warmupActionsAt(text, position)`: the "Add gradual LR warmup" action on an optimizer or scheduler.
 */
import { parsePython, type ParsedPython } from '../python/parse';
import { PythonModel } from '../python/model';
import type { TextEdit } from '../text';
import { LineIndex } from '../text';
import { convBiasBeforeBatchnorm } from './conv-bias-before-batchnorm';
import { lrWarmup } from './lr-warmup';
import { RuleContext, type Rule, type RuleMeta } from './rule';
import { segmentationHead3x3Classifier } from './segmentation-head-3x3-classifier';
import type { Finding, Fix, Severity } from './types';
import { regionCropping, unpaddedConvBeforeRoi } from './unpadded-conv-before-roi';
import { UnitCache, type UnitFinding } from './incremental';

export type { Rule, RuleMeta } from './rule';
export { fillText } from '../message';
export { warmupActionsAt } from './lr-warmup';

export const rules: readonly Rule[] = [convBiasBeforeBatchnorm, segmentationHead3x3Classifier, unpaddedConvBeforeRoi, lrWarmup];

export const ruleIds: readonly string[] = rules.map((r) => r.meta.id);

export function ruleById(id: string): Rule | undefined {
  return rules.find((r) => r.meta.id === id);
}

export interface AnalyzeOptions {
  /** Severity per rule id; 'off' disables a rule. Rules not listed use their default severity. */
  severities?: Partial<Record<string, Severity>>;
  /** Only these rules (ids); others are skipped. */
  only?: readonly string[];
  /** Count InstanceNorm as BatchNorm for conv-bias-before-batchnorm. */
  instanceNormAsBatchNorm?: boolean;
}

export interface Analysis {
  findings: Finding[];
  /** Whether the text parsed without errors (fixes are only applied to such text by fixText). */
  clean: boolean;
}

/** The effective severity of a rule under the options. */
export function severityOf(meta: RuleMeta, options: AnalyzeOptions = {}): Severity {
  if (options.only && !options.only.includes(meta.id)) return 'off';
  return options.severities?.[meta.id] ?? meta.defaultSeverity;
}

/** Runs the enabled rules on a context. Never throws: a failing rule reports nothing (see onRuleError). */
function runRules(ctx: RuleContext, options: AnalyzeOptions): UnitFinding[] {
  const out: UnitFinding[] = [];
  for (const rule of rules) {
    if (severityOf(rule.meta, options) === 'off') continue;
    try {
      for (const raw of rule.check(ctx)) out.push({ rule, raw });
    } catch (err) {
      // A rule bug must not take the others (or the editor) down.
      reportRuleError(rule.meta.id, err);
    }
  }
  return out;
}

function toFindings(ctx: RuleContext, found: readonly UnitFinding[], options: AnalyzeOptions): Finding[] {
  const findings = found.map(
    ({ rule, raw }): Finding => ({
      rule: rule.meta.id,
      range: ctx.lines.range(raw.span.from, raw.span.to),
      message: raw.message.text,
      messageL10n: raw.message.l10n,
      severity: severityOf(rule.meta, options),
      noteRef: { ...rule.meta.noteRef },
      fixes: raw.fixes.map((x) => ({ title: x.title.text, titleL10n: x.title.l10n, edits: ctx.toTextEdits(x.edits), isPreferred: x.isPreferred })),
    }),
  );
  return findings.sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  );
}

/** Findings of all enabled rules on an already parsed text. Never throws: a failing rule reports nothing. */
export function analyzeParsed(parsed: ParsedPython, options: AnalyzeOptions = {}): Finding[] {
  const ctx = new RuleContext(new PythonModel(parsed), { instanceNormAsBatchNorm: options.instanceNormAsBatchNorm });
  return toFindings(ctx, runRules(ctx, options), options);
}

let ruleErrorListener: ((ruleId: string, error: unknown) => void) | undefined;

/** Lets a host log rule failures (they are otherwise swallowed). */
export function onRuleError(listener: ((ruleId: string, error: unknown) => void) | undefined): void {
  ruleErrorListener = listener;
}

function reportRuleError(ruleId: string, err: unknown): void {
  ruleErrorListener?.(ruleId, err);
}

/** Findings for a Python text. */
export function analyze(text: string, options: AnalyzeOptions = {}): Finding[] {
  return analyzeParsed(parsePython(text), options);
}

/**
 * Analysis of one document across its versions: keeps the last parse to re-parse incrementally, the
 * findings of unchanged top-level classes and functions (see incremental.ts), and the last result to
 * answer repeated requests for the same text and options without work.
 *
 * For text without syntax errors the findings are exactly those of `analyze(text)`. With syntax errors,
 * the parser's recovery may differ between an incremental and a fresh parse, and so may what is analysed.
 */
export class DocumentAnalyzer {
  private parsed?: ParsedPython;
  private last?: { text: string; optionsKey: string; analysis: Analysis };
  private readonly units = new UnitCache();

  analyze(text: string, options: AnalyzeOptions = {}): Analysis {
    const optionsKey = JSON.stringify([options.severities ?? {}, options.only ?? null, !!options.instanceNormAsBatchNorm]);
    if (this.last && this.last.text === text && this.last.optionsKey === optionsKey) return this.last.analysis;
    // The previous parse is consumed by the new one (its unchanged statements move over).
    const parsed = this.parsed && this.parsed.text === text ? this.parsed : parsePython(text, this.parsed);
    this.parsed = parsed;
    const salt = (model: PythonModel) => `${optionsKey}|${regionCropping(model)}|${model.module.doubleQuotes >= model.module.singleQuotes}`;
    const r = this.units.analyze(
      parsed,
      salt,
      { instanceNormAsBatchNorm: options.instanceNormAsBatchNorm },
      (rule) => FILE_WIDE.has(rule.meta.id),
      (ctx) => runRules(ctx, options),
    );
    const findings = toFindings(r.ctx, r.findings, options);
    const analysis: Analysis = { findings, clean: parsed.module.errors.length === 0 };
    this.last = { text, optionsKey, analysis };
    return analysis;
  }

  /** The parse of the last analysed text (valid until the next call to analyze). */
  get lastParse(): ParsedPython | undefined {
    return this.parsed;
  }
}

/** Rules whose findings depend on the whole file (never cached per unit). */
const FILE_WIDE = new Set(['lr-warmup']);

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
