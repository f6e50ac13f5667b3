/**
 * The analyses of the open files (and notebooks), kept and shared. No `vscode` import: the unit tests drive it.
 *
 * - A result is kept per unit for one stamp (the text's version and what it was analysed under); asking again with
 *   that stamp gets it without a run, and a run under way for the same stamp is shared (a code action request and a
 *   diagnostics run ask at once).
 * - Requests are numbered as they are asked for: a result asked for earlier that arrives after a newer one (reading
 *   the project's modules takes its time) is not kept.
 * - `invalidate()` (the notes' checks or the settings changed) forgets every kept result and makes the runs already
 *   under way stale: they were sent to the engine before it learnt of the change, so an ask after it never shares
 *   them, even with the same text and options.
 */
export class AnalysisRuns<R> {
  private asked = 0;
  private generation = 0;
  private readonly results = new Map<string, { stamp: string; result: R }>();
  private readonly inflight = new Map<string, { stamp: string; promise: Promise<R | undefined> }>();
  private readonly kept = new Map<string, number>();

  /** Numbers a request; call it when the request is made, before anything it awaits. */
  ask(): number {
    return ++this.asked;
  }

  /**
   * The unit's result under `stamp`: the kept one, the run under way for it, or a new run of `analyze` (which
   * reports its own errors and gives undefined for them). Call it synchronously where the analysis is sent, so that
   * the stamp stands for what the engine has been told.
   */
  run(key: string, stamp: string, order: number, analyze: () => Promise<R | undefined>): Promise<R | undefined> {
    const full = `${this.generation}|${stamp}`;
    const cached = this.results.get(key);
    if (cached && cached.stamp === full) return Promise.resolve(cached.result);
    const running = this.inflight.get(key);
    if (running && running.stamp === full) return running.promise;
    const promise = analyze().then((result) => {
      if (result !== undefined && (this.kept.get(key) ?? 0) < order) {
        this.kept.set(key, order);
        this.results.set(key, { stamp: full, result });
      }
      return result;
    });
    const entry = { stamp: full, promise };
    this.inflight.set(key, entry);
    void promise.then(() => this.inflight.get(key) === entry && this.inflight.delete(key));
    return promise;
  }

  /** The result shown for the unit: the newest one asked for that has arrived. */
  latest(key: string): R | undefined {
    return this.results.get(key)?.result;
  }

  /** Every unit's shown result. */
  *all(): IterableIterator<R> {
    for (const { result } of this.results.values()) yield result;
  }

  /** Every kept result is forgotten, and the runs under way will not be shared with later asks. */
  invalidate(): void {
    this.generation++;
    this.results.clear();
  }

  /** The unit was closed. */
  forget(key: string): void {
    this.results.delete(key);
    this.kept.delete(key);
    this.inflight.delete(key);
  }
}
