/**
 * Warms up the re-analysis of a large document while the analysis worker is idle.
 *
 * The first analysis of a file runs the parser and the rules from scratch; the user's edits then run the incremental
 * path (reused statements and units, shifted offsets), which the runtime has not optimised yet: on the 10,000-line
 * file of the bench, the first edits after opening took 20–30 ms each and came down to 5–7 ms only after some forty.
 * So, once per worker, after the first analysis of a document of at least `minChars` characters, the worker re-analyses
 * that document with a comment added at the end of one line, then as it is, a few times over, between requests (one
 * analysis per scheduled step, so a request waits for at most one). The document's analysis is left on its own text
 * at the end; a request in between simply re-analyses from wherever the analyzer stands, as any edit does.
 */
import type { AnalyzeOptions, DocumentAnalyzer } from './rules/index';

export interface WarmUpOptions {
  /** Documents shorter than this are not worth it: their edits are fast from the start. */
  minChars: number;
  /** Times the document is re-analysed with a comment added, each followed by a re-analysis of its own text. */
  pairs: number;
  /** Runs `step` when the thread is next idle (a worker: `setImmediate`, after pending messages). */
  schedule(step: () => void): void;
}

/** What the worker does: 30 pairs of re-analyses, for a document of at least 100,000 characters (about 3,000 lines). */
export const WORKER_WARM_UP = { minChars: 100_000, pairs: 30 };

interface Running {
  key: string;
  analyzer: DocumentAnalyzer;
  /** The document's own text and options: those of its last request. */
  text: string;
  options: AnalyzeOptions;
  step: number;
}

export class ReanalysisWarmUp {
  private started = false;
  private running: Running | undefined;

  /** `report` hears of an analysis that threw (the warm-up then stops): the engine's reporter, never the worker's death. */
  constructor(
    private readonly options: WarmUpOptions,
    private readonly report: (error: unknown) => void,
  ) {}

  /** True once the warm-up has run (or was given up because its document closed). */
  get done(): boolean {
    return this.started && !this.running;
  }

  /** A document was analysed as `text`: the first large one starts the warm-up; later ones keep it on their text. */
  analysed(key: string, analyzer: DocumentAnalyzer, text: string, options: AnalyzeOptions): void {
    if (this.running?.key === key) {
      Object.assign(this.running, { analyzer, text, options });
      return;
    }
    if (this.started || text.length < this.options.minChars) return;
    this.started = true;
    this.running = { key, analyzer, text, options, step: 0 };
    this.options.schedule(() => this.step());
  }

  /** The document closed: nothing more to warm up on it. */
  forget(key: string): void {
    if (this.running?.key === key) this.stop();
  }

  /** No more steps (the engine is disposed). */
  stop(): void {
    this.running = undefined;
  }

  private step(): void {
    const r = this.running;
    if (!r) return;
    // Even steps edit, odd ones go back to the document's text (the analyzer answers at once if it is there already).
    try {
      r.analyzer.analyze(r.step % 2 === 0 ? withComment(r.text, r.step / 2) : r.text, r.options);
    } catch (e) {
      this.running = undefined;
      this.report(e);
      return;
    }
    r.step++;
    if (r.step < 2 * this.options.pairs) this.options.schedule(() => this.step());
    else this.running = undefined;
  }
}

/** `text` with a comment added at the end of one of its lines, the `n`th of a spread over the whole text. */
export function withComment(text: string, n: number): string {
  // A line start found from a position spread over the text (golden-ratio steps): different places each time.
  const at = Math.floor(((n * 0.618034 + 0.3) % 1) * text.length);
  let end = text.indexOf('\n', at);
  if (end < 0) end = text.length;
  if (end > 0 && text[end - 1] === '\r') end--;
  return `${text.slice(0, end)}  # ml-notes warm-up${text.slice(end)}`;
}
