/** What a rule is: declarative metadata plus a check over one analysed file. */
import type { NoteRef } from '../notes/types';
import { FlowAnalysis } from '../python/flow';
import type { PythonModel } from '../python/model';
import type { ProjectSnapshot } from '../python/project';
import type { CallExpr, Span } from '../python/ast';
import type { LoweredUnit } from '../python/parse';
import { LineIndex, type TextEdit } from '../text';
import type { Msg } from '../message';
import type { Severity } from './types';

export interface RuleMeta {
  id: string;
  /** The note section (and point) that teaches what the rule checks. */
  noteRef: NoteRef;
  defaultSeverity: Exclude<Severity, 'off'>;
  fixable: boolean;
  /** One line: what the rule finds. */
  description: string;
  /**
   * What a finding depends on, for the re-analysis of edited documents: `unit` (the default) when a finding inside a
   * top-level class or function depends only on that unit, the units it names, the module body and the rule's
   * `fileKey`; `file` when it depends on the whole file (recomputed on every analysis, never cached per unit).
   */
  scope?: 'unit' | 'file';
  /** Built-in rules document themselves here; note checks are documented by the note section they sit in. */
  docs?: {
    /** Why it matters, in plain words. */
    why: string;
    /** Code that triggers the rule, and the same code after its fix. */
    before: string;
    after: string;
  };
}

/** An edit by string offsets in the analysed text. */
export interface OffsetEdit {
  from: number;
  to: number;
  text: string;
}

export interface RawFix {
  /** Built with `msg(…)` so that hosts can translate it. */
  title: Msg;
  edits: OffsetEdit[];
  isPreferred?: boolean;
}

export interface RawFinding {
  span: Span;
  /** Built with `msg(…)` so that hosts can translate it. */
  message: Msg;
  fixes: RawFix[];
  /**
   * The finding says something about code outside its own top-level class or function (a call elsewhere, its line):
   * the re-analysis of an edited document never reuses it.
   */
  volatile?: boolean;
}

export interface RuleOptions {
  /** Count InstanceNorm as BatchNorm for conv-bias-before-batchnorm (it also removes a per-channel mean). */
  instanceNormAsBatchNorm?: boolean;
  /** The modules of the user's project this file imports, read by the host (python/project.ts): followed by the analysis. */
  project?: ProjectSnapshot;
}

export class RuleContext {
  private flowAnalysis?: FlowAnalysis;
  private lineIndex?: LineIndex;
  private focusCallList?: readonly CallExpr[];
  private readonly memos = new Map<object, unknown>();

  /**
   * @param focus  when given, per-place rules only report findings starting at offsets it accepts (the
   *               parts of the file being re-analysed); file-wide rules ignore it.
   * @param walk   when given, the data flow is only computed for classes and functions it accepts (plus the
   *               module body); the rest is computed on demand (`flow.requireAll()`).
   * @param focusCalls  with `focus`: the module's calls at offsets it accepts, in order (a caller that knows which
   *               statements are in focus lists their calls without looking at every call of the file).
   * @param previousLines  the line index of an earlier version of the text, edited in one place into this one (see
   *               LineIndex): `lines` is built from it.
   */
  constructor(
    readonly model: PythonModel,
    readonly options: RuleOptions = {},
    private readonly focus?: (offset: number) => boolean,
    private readonly walk?: (def: Span) => boolean,
    private readonly focusCalls?: () => readonly CallExpr[],
    private readonly previousLines?: LineIndex,
  ) {}

  inFocus(offset: number): boolean {
    return !this.focus || this.focus(offset);
  }

  /** The module's calls at offsets `inFocus` accepts, in order: where per-place rules look for calls. */
  callsInFocus(): readonly CallExpr[] {
    const focus = this.focus;
    if (!focus) return this.model.module.calls;
    this.focusCallList ??= this.focusCalls ? this.focusCalls() : this.model.module.calls.filter((c) => focus(c.from));
    return this.focusCallList;
  }

  get text(): string {
    return this.model.text;
  }

  /** Data flow between layers, computed on first use and shared by the rules. */
  get flow(): FlowAnalysis {
    this.flowAnalysis ??= new FlowAnalysis(this.model, this.walk);
    return this.flowAnalysis;
  }

  get lines(): LineIndex {
    this.lineIndex ??= new LineIndex(this.model.text, this.previousLines);
    return this.lineIndex;
  }

  /**
   * A value computed once per analysed text and shared by the rules that ask with the same key (an object they
   * share): e.g. one walk of the tree that serves many note checks.
   */
  memo<T>(key: object, compute: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = compute();
    this.memos.set(key, value);
    return value;
  }

  /** Offset edits as TextEdits, sorted, with insertions at the same point joined in the order given. */
  toTextEdits(edits: readonly OffsetEdit[]): TextEdit[] {
    return normaliseEdits(edits).map((e) => ({ range: this.lines.range(e.from, e.to), newText: e.text }));
  }
}

/**
 * A rule: metadata, a check over one analysed file, and optional hooks. Built-in rules are code; note checks are
 * compiled to the same interface. The host (host.ts) runs rules knowing none of them by name.
 */
export interface Rule {
  meta: RuleMeta;
  /** Findings in the analysed text. Per-place rules report only findings at offsets `ctx.inFocus` accepts. */
  check(ctx: RuleContext): RawFinding[];
  /**
   * Facts of the whole file that findings inside unchanged units depend on (e.g. "the file crops regions"), as a short
   * string: part of the unit cache's key, so that a change to them re-analyses every unit.
   */
  fileKey?(model: PythonModel): string;
  /**
   * Whether none of the rule's findings inside a top-level class or function (`unit`) can depend on how it is called:
   * what its callers pass it or do with what it builds. The re-analysis of an edited document then keeps the unit's
   * findings when only its callers changed, without walking their data flow again. It must depend only on the unit and
   * what its names stand for. Absent: they may.
   */
  callerFree?(model: PythonModel, unit: LoweredUnit): boolean;
  /**
   * Code actions at an offset that are not the fix of a finding (a refactoring offered on any matching construct).
   * The editor drops them where a finding of the same rule covers the offset (its fixes are offered there).
   */
  actionsAt?(ctx: RuleContext, offset: number): RawFix[];
}

/** Whether a call calls a class or function of the file (for `Rule.callerFree`: a unit that does may pass on its callers' say). */
export function callsOwnCode(model: PythonModel, call: CallExpr): boolean {
  return model.callables(call.func, model.scopeOf(call)).some((c) => c.value.kind === 'helper' || c.value.kind === 'class');
}

/** Sorts edits and joins insertions at the same point (in the order they were listed). */
export function normaliseEdits(edits: readonly OffsetEdit[]): OffsetEdit[] {
  const indexed = edits.map((e, i) => ({ e, i }));
  indexed.sort((a, b) => a.e.from - b.e.from || a.e.to - b.e.to || a.i - b.i);
  const out: OffsetEdit[] = [];
  for (const { e } of indexed) {
    const prev = out[out.length - 1];
    if (prev && prev.from === e.from && prev.to === prev.from && e.to === e.from) out[out.length - 1] = { from: prev.from, to: prev.to, text: prev.text + e.text };
    else out.push({ ...e });
  }
  return out;
}
