/**
 * The figures the hostile, property and robustness tests measure, written to out/security-figures/<part>.json (one
 * file per test file: node:test runs test files in parallel processes) and merged by scripts/security-figures.mjs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from './fc';
import { repoRoot } from './helpers';

export const figuresDir = path.join(repoRoot, 'out', 'security-figures');

export function recordFigures(part: string, figures: Record<string, unknown>): void {
  mkdirSync(figuresDir, { recursive: true });
  writeFileSync(path.join(figuresDir, `${part}.json`), JSON.stringify({ part, recordedAt: new Date().toISOString(), ...figures }, null, 2) + '\n');
}

/** Counts unhandled rejections and uncaught exceptions while a test file runs. */
export function watchUnhandled(): { readonly count: number; readonly messages: string[]; stop(): void } {
  const messages: string[] = [];
  const onRejection = (reason: unknown) => messages.push(`unhandledRejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
  const onException = (err: Error) => messages.push(`uncaughtException: ${err.stack ?? String(err)}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    get count() {
      return messages.length;
    },
    messages,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/** More runs for a stress run: ML_NOTES_PROPERTY_SCALE=20 npm run test:unit. */
const SCALE = Math.max(1, Number(process.env.ML_NOTES_PROPERTY_SCALE) || 1);

/** `check` = fc.assert with its run count recorded in `runs` (a failure prints the seed and path that reproduce it). */
export function propertyRuns() {
  const runs: { property: string; numRuns: number; ms: number }[] = [];
  const check = <Ts extends [unknown, ...unknown[]]>(property: string, prop: fc.IProperty<Ts>, numRuns: number): void => {
    const t0 = performance.now();
    fc.assert(prop, { numRuns: numRuns * SCALE });
    runs.push({ property, numRuns: numRuns * SCALE, ms: Math.round(performance.now() - t0) });
  };
  return { runs, check };
}
