/**
 * Linting and fixing whole Python texts: what the CLI (`ml-notes lint [--fix]`) and the editor's
 * "fix all" use. Both run the rules of a `RuleHost` (the built-in rules failing loudly unless one is given).
 */
import type { SyntaxErrorSpan } from './python/ast';
import { parsedAs, parsePython, type ParsedPython } from './python/parse';
import { mergeFixes, sourceKindOf, strictHost, type AnalyzeOptions, type RuleHost } from './rules/index';
import type { Finding, Fix } from './rules/types';
import type { UnusedSuppression } from './rules/suppressions';
import { applyEdits, LineIndex, type Range } from './text';

export interface LintResult {
  findings: Finding[];
  /** Where the parser had to recover from a syntax error (the rest of the file is still analysed). */
  syntaxErrors: Range[];
  /** Python's words for the first syntax error, when known ("unterminated string literal"…). */
  firstSyntaxError?: string;
  /** `# ml-notes: ignore…` comments that silenced nothing. */
  unusedSuppressions: UnusedSuppression[];
}

/**
 * Findings for one Python text. Never throws when `host` reports rule failures instead of rethrowing them.
 * `parse`: the text's parse when the caller has it. `sourceErrors`: what Python refused while reading the file's bytes (see decodePythonSource), reported first.
 */
export function lintText(
  text: string,
  options: AnalyzeOptions = {},
  host: RuleHost = strictHost,
  sourceErrors: readonly SyntaxErrorSpan[] = [],
  parse?: ParsedPython,
): LintResult {
  const parsed = parsedAs(text, sourceKindOf(options), parse);
  const analysis = host.analysisOf(parsed, options);
  return {
    findings: analysis.findings,
    unusedSuppressions: analysis.unusedSuppressions,
    ...syntaxErrorsOf(text, [...sourceErrors, ...parsed.module.errors]),
  };
}

/** Where a text's syntax errors are, and Python's words for the first. */
export function syntaxErrorsOf(text: string, errors: readonly SyntaxErrorSpan[]): Pick<LintResult, 'syntaxErrors' | 'firstSyntaxError'> {
  if (!errors.length) return { syntaxErrors: [] };
  const index = new LineIndex(text);
  return { syntaxErrors: errors.map((e) => index.range(e.from, e.to)), firstSyntaxError: errors[0].message };
}

export interface AppliedFix {
  rule: string;
  title: string;
  /** 0-based line of the finding in the text the fix was applied to (the input, for the first pass). */
  line: number;
  /** 1-based pass in which the fix was applied. */
  pass: number;
}

export interface FixResult {
  /** The fixed text (the input unchanged when nothing applied or the input was refused). */
  output: string;
  applied: AppliedFix[];
  /** Why nothing was done (the input does not parse cleanly), or why fixing stopped early. */
  refused?: string;
  /** Findings left in the output (those without a fix, or whose fix conflicted until the last pass). */
  remaining: Finding[];
}

export const MAX_FIX_PASSES = 5;

/**
 * Applies all preferred fixes (or those `pick` chooses), repeatedly, until nothing changes (at most
 * MAX_FIX_PASSES passes).
 * Refuses a text that does not parse cleanly; stops (keeping the last good text) if a pass would
 * produce text that does not parse. `parse`: the text's parse when the caller has it.
 */
export function fixText(text: string, options: AnalyzeOptions = {}, pick?: (f: Finding) => Fix | undefined, host: RuleHost = strictHost, parse?: ParsedPython): FixResult {
  let parsed = parsedAs(text, sourceKindOf(options), parse);
  if (parsed.module.errors.length) {
    const first = parsed.module.errors[0];
    const at = new LineIndex(text).positionAt(first.from);
    return {
      output: text,
      applied: [],
      refused: `The file does not parse cleanly (syntax error at line ${at.line + 1}, column ${at.character + 1}${first.message ? `: ${first.message}` : ''}); nothing was changed.`,
      remaining: host.analyzeParsed(parsed, options),
    };
  }
  const applied: AppliedFix[] = [];
  let current = text;
  let findings = host.analyzeParsed(parsed, options);
  for (let pass = 1; pass <= MAX_FIX_PASSES; pass++) {
    const merged = mergeFixes(current, findings, pick);
    if (!merged.edits.length) break;
    let next: string;
    try {
      next = applyEdits(current, merged.edits);
    } catch {
      return { output: current, applied, refused: 'Two fixes overlapped; stopped.', remaining: findings };
    }
    if (next === current) break;
    const nextParsed = parsePython(next, parsed);
    if (nextParsed.module.errors.length) {
      return { output: current, applied, refused: `A fix would have broken the syntax (pass ${pass}); stopped before it.`, remaining: findings };
    }
    for (const f of merged.applied) {
      const fix = pick ? pick(f) : f.fixes.find((x) => x.isPreferred);
      applied.push({ rule: f.rule, title: fix?.title ?? '', line: f.range.start.line, pass });
    }
    current = next;
    parsed = nextParsed;
    findings = host.analyzeParsed(parsed, options);
  }
  return { output: current, applied, remaining: findings };
}
