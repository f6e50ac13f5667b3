/**
 * Note checks, from the notes to the rule host: the `ml-notes-check` blocks of a library's documents, compiled into
 * rules that run beside the built-in ones.
 */
import type { NoteDocument } from '../notes/types';
import { RuleHost, type RuleErrorReporter } from '../rules/host';
import type { Range } from '../text';
import { compileChecks, type CheckProblem, type CheckSource, type CompiledCheck } from './check';
import { CheckSet } from './run';

export type { CheckProblem, CheckSource, CompiledCheck } from './check';
export { CheckSet } from './run';
export { compileChecks } from './check';

/** The check blocks of the documents, in their order (which decides which of two checks with one id is kept). */
export function checkSourcesOf(docs: readonly NoteDocument[]): CheckSource[] {
  return docs.flatMap((d) =>
    d.checkBlocks.map((b): CheckSource => ({ file: d.id, ref: { slug: b.slug, ...(b.point ? { point: b.point } : {}) }, text: b.text, line: b.textLine, column: b.column })),
  );
}

/**
 * `base` (the built-in rules) with the checks of `sources` added; the checks that cannot work are in `problems`, and
 * are left out. An id of one of `base`'s rules is refused.
 */
export function withChecks(base: RuleHost, sources: readonly CheckSource[]): { host: RuleHost; checks: CompiledCheck[]; problems: CheckProblem[] } {
  const { checks, problems } = compileChecks(sources, new Set(base.ids));
  return { host: checks.length ? base.with(new CheckSet(checks).rules()) : base, checks, problems };
}

/** A check left out, as a line of a log (the CLI's stderr, the language server's): `file:line:column: check left out: …`. */
export function checkProblemLine(p: CheckProblem, shownFile: string): string {
  return `${shownFile}:${p.range.start.line + 1}:${p.range.start.character + 1}: check left out: ${p.message.text}`;
}

/** Where checks find something in one Python text (trying a check over a workspace before relying on it). */
export function checkMatches(checks: readonly CompiledCheck[], text: string, report: RuleErrorReporter): { id: string; range: Range }[] {
  const host = new RuleHost(new CheckSet(checks).rules(), report);
  return host.analyze(text).map((f) => ({ id: f.rule, range: f.range }));
}
