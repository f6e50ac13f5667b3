/**
 * The rule host: runs a set of rules over Python text, knowing none of them by name.
 *
 * - A `RuleHost` is a set of rules (the built-in ones, plus note checks added at run time with `with`) and the
 *   reporter that hears about a rule that throws. A failing rule reports nothing for that text; the others still run.
 * - `analyze` / `analyzeParsed`: findings of the enabled rules. `actionsAt`: the rules' extra code actions at a position.
 * - `DocumentAnalyzer`: the same for the successive versions of one document, re-parsing incrementally and reusing
 *   the findings of unchanged top-level classes and functions (see incremental.ts) for rules whose `scope` allows it.
 *
 * What a rule declares instead of the host knowing it: `meta.scope` (unit or whole file), `fileKey` (whole-file facts
 * its per-unit findings depend on), `callerFree` (units whose findings do not depend on their callers) and `actionsAt`
 * (actions without a finding). Options (`AnalyzeOptions`) are data: they cross to the analysis worker as they are, and
 * rule options in them reach the rules untouched.
 */
import { parsedAs, parsePython, type LoweredUnit, type ParsedPython, type SourceKind } from '../python/parse';
import { PythonModel } from '../python/model';
import type { LineIndex, Position } from '../text';
import { snapshotDigest } from '../python/project';
import { RuleContext, type Rule, type RuleMeta, type RuleOptions } from './rule';
import type { Finding, Fix, Severity } from './types';
import { UnitCache, type UnitFinding } from './incremental';
import { KeptFindingPositions } from './keptFindings';
import { applySuppressions, parseSuppressions, type UnusedSuppression } from './suppressions';

/** Hears about a rule that threw on some text: the editor logs it, the CLI names it and exits 2. */
export type RuleErrorReporter = (ruleId: string, error: unknown) => void;

export interface AnalyzeOptions extends RuleOptions {
  /** Severity per rule id; 'off' disables a rule. Rules not listed use their default severity. */
  severities?: Partial<Record<string, Severity>>;
  /** Only these rules (ids); others are skipped. */
  only?: readonly string[];
  /** The text is a notebook's code cells joined (see notebook.ts): parsed as IPython compiles a cell (SourceKind). */
  cells?: boolean;
}

/** How the options say a text is compiled. */
export function sourceKindOf(options: AnalyzeOptions): SourceKind {
  return options.cells ? 'cells' : 'module';
}

export interface Analysis {
  /** The findings, less those a `# ml-notes: ignore…` comment suppresses. */
  findings: Finding[];
  /** Whether the text parsed without errors (fixes are only applied to such text by fixText). */
  clean: boolean;
  /** Suppressions that silenced nothing (`ml-notes lint --report-unused-ignores`). */
  unusedSuppressions: UnusedSuppression[];
}

/** A code action a rule offers at a position without a finding there. */
export interface RuleAction {
  rule: string;
  fix: Fix;
}

/** The effective severity of a rule under the options. */
export function severityOf(meta: RuleMeta, options: AnalyzeOptions = {}): Severity {
  if (options.only && !options.only.includes(meta.id)) return 'off';
  return options.severities?.[meta.id] ?? meta.defaultSeverity;
}

let hostSerial = 0;

export class RuleHost {
  /** Changes whenever the set of rules does: part of every cache key. */
  readonly key: string;
  private readonly byIdMap: Map<string, Rule>;

  /**
   * @param rules   the rules, ids unique (a later duplicate is an error the caller must have reported and dropped).
   * @param report  hears about every rule that throws (with the rule's id).
   */
  constructor(
    readonly rules: readonly Rule[],
    private readonly report: RuleErrorReporter,
  ) {
    this.byIdMap = new Map();
    for (const r of rules) {
      if (this.byIdMap.has(r.meta.id)) throw new Error(`Two rules with the id ${r.meta.id}`);
      this.byIdMap.set(r.meta.id, r);
    }
    this.key = `h${++hostSerial}`;
  }

  get ids(): string[] {
    return this.rules.map((r) => r.meta.id);
  }

  byId(id: string): Rule | undefined {
    return this.byIdMap.get(id);
  }

  /** This host's rules and `extra` (note checks), with the same reporter. */
  with(extra: readonly Rule[]): RuleHost {
    return new RuleHost([...this.rules, ...extra], this.report);
  }

  /** Findings of the enabled rules on a parsed text, less the suppressed ones. */
  analyzeParsed(parsed: ParsedPython, options: AnalyzeOptions = {}): Finding[] {
    return this.analysisOf(parsed, options).findings;
  }

  /** The same, with the suppressions that silenced nothing. */
  analysisOf(parsed: ParsedPython, options: AnalyzeOptions = {}): Analysis {
    const ctx = new RuleContext(PythonModel.withProject(parsed, options.project), options);
    return this.suppress(parsed, this.toFindings(ctx, this.run(ctx, options), options), options);
  }

  /** Drops the findings that `# ml-notes: ignore…` comments suppress; says which suppressions silenced nothing. */
  suppress(parsed: ParsedPython, findings: Finding[], options: AnalyzeOptions): Analysis {
    const clean = parsed.module.errors.length === 0;
    const suppressions = parseSuppressions(parsed.text, parsed.module.comments, parsed.module.body);
    if (!suppressions.length) return { findings, clean, unusedSuppressions: [] };
    const r = applySuppressions(parsed.text, findings, suppressions, (id) => {
      const rule = this.byId(id);
      return !rule ? 'unknown' : severityOf(rule.meta, options) === 'off' ? 'off' : 'ran';
    });
    return { findings: r.kept, clean, unusedSuppressions: r.unused };
  }

  analyze(text: string, options: AnalyzeOptions = {}): Finding[] {
    return this.analyzeParsed(parsePython(text, undefined, sourceKindOf(options)), options);
  }

  /**
   * The enabled rules' extra actions at a position (`Rule.actionsAt`). Reuses `parsed` when it is the parse of `text`.
   * A host showing findings drops the actions of a rule that has a finding covering the position.
   */
  actionsAt(text: string, position: Position, options: AnalyzeOptions = {}, parsed?: ParsedPython): RuleAction[] {
    const withActions = this.rules.filter((r) => r.actionsAt && severityOf(r.meta, options) !== 'off');
    if (!withActions.length) return [];
    const p = parsedAs(text, sourceKindOf(options), parsed);
    const ctx = new RuleContext(PythonModel.withProject(p, options.project), options);
    const offset = ctx.lines.offsetAt(position);
    const out: RuleAction[] = [];
    for (const rule of withActions) {
      for (const x of this.guard(rule, () => rule.actionsAt!(ctx, offset), [])) {
        out.push({ rule: rule.meta.id, fix: { title: x.title.text, titleL10n: x.title.l10n, edits: ctx.toTextEdits(x.edits), isPreferred: x.isPreferred } });
      }
    }
    return out;
  }

  /** Runs the enabled rules on a context; a rule that throws is reported and contributes nothing. */
  run(ctx: RuleContext, options: AnalyzeOptions): UnitFinding[] {
    const out: UnitFinding[] = [];
    for (const rule of this.rules) {
      if (severityOf(rule.meta, options) === 'off') continue;
      for (const raw of this.guard(rule, () => rule.check(ctx), [])) out.push({ rule, raw });
    }
    return out;
  }

  /** The enabled rules' whole-file facts (`Rule.fileKey`), for the unit cache. */
  fileKey(model: PythonModel, options: AnalyzeOptions): string {
    const parts: string[] = [];
    for (const rule of this.rules) {
      if (!rule.fileKey || severityOf(rule.meta, options) === 'off') continue;
      parts.push(`${rule.meta.id}=${this.guard(rule, () => rule.fileKey!(model), '!')}`);
    }
    return parts.join(';');
  }

  /**
   * Whether no enabled per-unit rule's findings inside `unit` depend on its callers (`Rule.callerFree`; a rule without
   * it, or that throws, says they may). File-wide rules are run on every analysis anyway.
   */
  callerFree(model: PythonModel, unit: LoweredUnit, options: AnalyzeOptions): boolean {
    const asked = this.rules.filter((r) => r.meta.scope !== 'file' && severityOf(r.meta, options) !== 'off');
    if (asked.some((r) => !r.callerFree)) return false;
    return asked.every((r) => this.guard(r, () => r.callerFree!(model, unit), false));
  }

  /** The findings as the host reports them, with `also` (findings already converted) after `found`, in order. */
  toFindings(ctx: RuleContext, found: readonly UnitFinding[], options: AnalyzeOptions, also: readonly Finding[] = []): Finding[] {
    const findings = found.map((f) => this.toFinding(ctx, f, options));
    for (const f of also) findings.push(f);
    return findings.sort(
      (a, b) =>
        a.range.start.line - b.range.start.line ||
        a.range.start.character - b.range.start.character ||
        (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
    );
  }

  toFinding(ctx: RuleContext, { rule, raw }: UnitFinding, options: AnalyzeOptions): Finding {
    return {
      rule: rule.meta.id,
      range: ctx.lines.range(raw.span.from, raw.span.to),
      message: raw.message.text,
      messageL10n: raw.message.l10n,
      severity: severityOf(rule.meta, options),
      noteRef: { ...rule.meta.noteRef },
      fixes: raw.fixes.map((x) => ({ title: x.title.text, titleL10n: x.title.l10n, edits: ctx.toTextEdits(x.edits), isPreferred: x.isPreferred })),
    };
  }

  private guard<T>(rule: Rule, fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (err) {
      // A rule bug must not take the others (or the editor) down; the reporter decides what the user sees.
      this.report(rule.meta.id, err);
      return fallback;
    }
  }
}

/** A reporter that rethrows: for tests and scripts, where a rule that throws must fail loudly. */
export const rethrow: RuleErrorReporter = (ruleId, error) => {
  throw new Error(`Rule ${ruleId} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
};

/** Options as a cache key (key order does not matter). */
function optionsKeyOf(options: AnalyzeOptions): string {
  // The project's modules count by their content (a digest), not as text in every key.
  const { project, ...rest } = options;
  return JSON.stringify(project ? { ...rest, project: snapshotDigest(project) } : rest, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * Analysis of one document across its versions: keeps the last parse to re-parse incrementally, the
 * findings of unchanged top-level classes and functions (see incremental.ts), and the last result to
 * answer repeated requests for the same text, options and rules without work.
 *
 * For text without syntax errors the findings are exactly those of `host.analyze(text)`. With syntax errors,
 * the parser's recovery may differ between an incremental and a fresh parse, and so may what is analysed.
 */
export class DocumentAnalyzer {
  private parsed?: ParsedPython;
  private last?: { text: string; key: string; analysis: Analysis };
  private readonly units = new UnitCache();
  private readonly keptFindings = new KeptFindingPositions();
  /** The line index of the last text analysed, if it was built. */
  private lines?: LineIndex;

  /** `host` may be replaced between analyses (note checks changed): results are keyed by it. */
  constructor(public host: RuleHost) {}

  analyze(text: string, options: AnalyzeOptions = {}): Analysis {
    const host = this.host;
    const optionsKey = `${optionsKeyOf(options)}|${host.key}`;
    if (this.last && this.last.text === text && this.last.key === optionsKey) return this.last.analysis;
    // The previous parse lends the new one its statements before the edit.
    const parsed = parsePython(text, this.parsed, sourceKindOf(options));
    this.parsed = parsed;
    // Fixes write names and quotes the way the file does: the quote style is part of every unit's key too.
    const salt = (model: PythonModel) => `${optionsKey}|${host.fileKey(model, options)}|${model.module.doubleQuotes >= model.module.singleQuotes}`;
    const r = this.units.analyze(
      parsed,
      salt,
      options,
      (rule) => rule.meta.scope === 'file',
      (ctx) => host.run(ctx, options),
      (model, unit) => host.callerFree(model, unit, options),
      this.lines,
    );
    const kept = this.keptFindings.place(r.ctx.lines, r.kept, (f) => host.toFinding(r.ctx, f, options));
    const analysis = host.suppress(parsed, host.toFindings(r.ctx, r.findings, options, kept), options);
    this.lines = r.ctx.lines;
    this.last = { text, key: optionsKey, analysis };
    return analysis;
  }

  /** The parse of the last analysed text (valid until the next call to analyze). */
  get lastParse(): ParsedPython | undefined {
    return this.parsed;
  }
}
