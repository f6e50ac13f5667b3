/**
 * The editor's analysis as a message protocol, so that it can run off the extension host's thread: one
 * DocumentAnalyzer per document (incremental re-parsing across versions), asked for findings and for the rules'
 * extra actions at a position. `LocalAnalysisEngine` answers directly; the worker entries (src/worker) serve the same
 * requests from a worker thread, and the extension talks to either through `AnalysisEngine`. A rule that throws is
 * reported to the reporter the engine was made with (from a worker, as a `ruleError` message). The notes' checks are
 * sent as their sources (data) whenever the notes change, and compiled where the analysis runs; "Try this check" sends
 * one check's source with each file's text, so trying it over a workspace runs off the extension host too.
 */
import { builtinHost, DocumentAnalyzer, type AnalyzeOptions, type RuleAction, type RuleErrorReporter, type RuleHost } from './rules/index';
import type { Finding } from './rules/types';
import { checkMatches, withChecks, type CheckSource } from './checks/index';
import { compileChecks, type CompiledCheck } from './checks/check';
import type { Position, Range } from './text';
import { ReanalysisWarmUp, type WarmUpOptions } from './reanalysisWarmUp';

/**
 * Heap limits of the analysis worker. The young generation is kept small: parsing allocates a great deal of
 * short-lived objects, and a large young generation only raises the peak memory (42 MB instead of 63 MB for a
 * 10,000-line file) without making the analysis faster.
 */
export const ANALYSIS_WORKER_LIMITS = { maxOldGenerationSizeMb: 1024, maxYoungGenerationSizeMb: 8 };

export type AnalysisRequest =
  | { kind: 'analyze'; id: number; key: string; text: string; options: AnalyzeOptions }
  | { kind: 'actions'; id: number; key: string; text: string; position: Position; options: AnalyzeOptions }
  | { kind: 'forget'; key: string }
  | { kind: 'checks'; sources: CheckSource[] }
  | { kind: 'try'; id: number; sources: CheckSource[]; text: string };

/** Where checks tried on one text match it, and the checks that threw on it (with their error). */
export interface TriedChecks {
  matches: { id: string; range: Range }[];
  failures: { id: string; message: string }[];
}

export type AnalysisResponse =
  | { kind: 'analyze'; id: number; findings: Finding[]; clean: boolean; ms: number }
  | { kind: 'actions'; id: number; actions: RuleAction[] }
  | ({ kind: 'try'; id: number } & TriedChecks)
  | { kind: 'error'; id: number; message: string }
  | { kind: 'ruleError'; rule: string; message: string };

export interface AnalysisEngine {
  /** Findings of `text`, the current version of the document `key`; `ms` is the time the analysis itself took. */
  analyze(key: string, text: string, options: AnalyzeOptions): Promise<{ findings: Finding[]; clean: boolean; ms: number }>;
  /** The rules' extra actions at a position of the document's text (reusing its last parse when it is that text). */
  actionsAt(key: string, text: string, position: Position, options: AnalyzeOptions): Promise<RuleAction[]>;
  /** Drops the state kept for a document (closed). */
  forget(key: string): void;
  /** The notes' checks from now on (the next analyses run them; results for the old ones are not reused). */
  setChecks(sources: CheckSource[]): void;
  /** Where checks (sources that compile; the caller has said why others cannot) match a text, apart from the notes' own. */
  tryChecks(sources: CheckSource[], text: string): Promise<TriedChecks>;
  dispose(): void;
}

/** The analysis on the calling thread: what the worker runs, and the fallback where no worker can be started. */
export class LocalAnalysisEngine implements AnalysisEngine {
  private readonly analyzers = new Map<string, DocumentAnalyzer>();
  private readonly builtin: RuleHost;
  private host: RuleHost;
  /** The sources of the checks `host` runs, as JSON: the same checks again keep the host (and its cached results). */
  private checksKey = '[]';
  /** The checks being tried, compiled once for all the files they are tried on. */
  private tried: { key: string; checks: CompiledCheck[] } = { key: '[]', checks: [] };
  private readonly warmUp: ReanalysisWarmUp | undefined;

  /** `warmUp`: in a worker, warm up the re-analysis of the first large document while idle (reanalysisWarmUp.ts). */
  constructor(report: RuleErrorReporter, warmUp?: WarmUpOptions) {
    this.builtin = this.host = builtinHost(report);
    this.warmUp = warmUp && new ReanalysisWarmUp(warmUp, (e) => report('analysis warm-up', e));
  }

  /** Compiles the checks (those that cannot work are left out: the editor reports them from its own compilation). */
  setChecks(sources: CheckSource[]): void {
    const key = JSON.stringify(sources);
    if (key === this.checksKey) return;
    this.checksKey = key;
    this.host = withChecks(this.builtin, sources).host;
    for (const a of this.analyzers.values()) a.host = this.host;
  }

  analyzeNow(key: string, text: string, options: AnalyzeOptions): { findings: Finding[]; clean: boolean; ms: number } {
    let analyzer = this.analyzers.get(key);
    if (!analyzer) this.analyzers.set(key, (analyzer = new DocumentAnalyzer(this.host)));
    const t0 = performance.now();
    const r = analyzer.analyze(text, options);
    const ms = performance.now() - t0;
    this.warmUp?.analysed(key, analyzer, text, options);
    return { findings: r.findings, clean: r.clean, ms };
  }

  tryNow(sources: CheckSource[], text: string): TriedChecks {
    const key = JSON.stringify(sources);
    if (key !== this.tried.key) this.tried = { key, checks: compileChecks(sources, new Set(this.builtin.ids)).checks };
    const failures: TriedChecks['failures'] = [];
    const matches = checkMatches(this.tried.checks, text, (id, e) => failures.push({ id, message: String((e as Error)?.stack ?? e) }));
    return { matches, failures };
  }

  actionsNow(key: string, text: string, position: Position, options: AnalyzeOptions): RuleAction[] {
    return this.host.actionsAt(text, position, options, this.analyzers.get(key)?.lastParse);
  }

  analyze(key: string, text: string, options: AnalyzeOptions): Promise<{ findings: Finding[]; clean: boolean; ms: number }> {
    return Promise.resolve(this.analyzeNow(key, text, options));
  }

  actionsAt(key: string, text: string, position: Position, options: AnalyzeOptions): Promise<RuleAction[]> {
    return Promise.resolve(this.actionsNow(key, text, position, options));
  }

  tryChecks(sources: CheckSource[], text: string): Promise<TriedChecks> {
    return Promise.resolve(this.tryNow(sources, text));
  }

  forget(key: string): void {
    this.analyzers.delete(key);
    this.warmUp?.forget(key);
  }

  dispose(): void {
    this.warmUp?.stop();
    this.analyzers.clear();
  }

  /** Answers one request (in a worker). */
  handle(req: AnalysisRequest, post: (res: AnalysisResponse) => void): void {
    if (req.kind === 'forget') {
      this.forget(req.key);
      return;
    }
    if (req.kind === 'checks') {
      this.setChecks(req.sources);
      return;
    }
    try {
      if (req.kind === 'analyze') post({ kind: 'analyze', id: req.id, ...this.analyzeNow(req.key, req.text, req.options) });
      else if (req.kind === 'try') post({ kind: 'try', id: req.id, ...this.tryNow(req.sources, req.text) });
      else post({ kind: 'actions', id: req.id, actions: this.actionsNow(req.key, req.text, req.position, req.options) });
    } catch (e) {
      post({ kind: 'error', id: req.id, message: String((e as Error)?.stack ?? e) });
    }
  }
}

/** Serves requests on a message port (a worker's side), warming up the re-analysis with `warmUp` if given. */
export function serveAnalysis(
  port: { onMessage(listener: (req: AnalysisRequest) => void): void; post(res: AnalysisResponse): void },
  warmUp?: WarmUpOptions,
): LocalAnalysisEngine {
  const engine = new LocalAnalysisEngine((rule, e) => port.post({ kind: 'ruleError', rule, message: String((e as Error)?.stack ?? e) }), warmUp);
  port.onMessage((req) => engine.handle(req, (res) => port.post(res)));
  return engine;
}

interface Pending {
  resolve(value: unknown): void;
  reject(e: Error): void;
  /** The request, to run it on the calling thread if the worker dies. */
  req: AnalysisRequest & { id: number };
}

/** A started worker, as the engine talks to it. */
export interface WorkerPort {
  post(req: AnalysisRequest): void;
  terminate(): void;
}

/**
 * The extension's side of a worker: requests with ids, answers matched back to their promises. The worker is started
 * on the first request (`start` wires its messages to `receive` and its failures to `fail`), so an editor that never
 * analyses Python never starts one. If it cannot start or dies, pending and later requests run on the calling thread
 * instead (`onFallback` says why).
 */
export class WorkerAnalysisEngine implements AnalysisEngine {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private worker: WorkerPort | undefined;
  private local: LocalAnalysisEngine | undefined;
  private disposed = false;
  /** The checks last set: sent to the worker when it starts, and to the fallback. */
  private checks: CheckSource[] = [];

  constructor(
    private readonly start: (engine: WorkerAnalysisEngine) => WorkerPort,
    private readonly hooks: { onFallback(reason: string): void; onRuleError: RuleErrorReporter },
  ) {}

  /** Feed every message from the worker here. */
  receive(res: AnalysisResponse): void {
    if (res.kind === 'ruleError') {
      this.hooks.onRuleError(res.rule, res.message);
      return;
    }
    const p = this.pending.get(res.id);
    if (!p) return;
    this.pending.delete(res.id);
    settle(res, p.resolve, p.reject);
  }

  /** The worker failed or exited: its pending requests and all later ones run here. */
  fail(reason: string): void {
    if (this.local || this.disposed) return;
    this.local = new LocalAnalysisEngine(this.hooks.onRuleError);
    if (this.checks.length) this.local.setChecks(this.checks);
    this.hooks.onFallback(reason);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) this.runLocally(p.req, p.resolve, p.reject);
  }

  analyze(key: string, text: string, options: AnalyzeOptions): Promise<{ findings: Finding[]; clean: boolean; ms: number }> {
    return this.request({ kind: 'analyze', id: this.nextId++, key, text, options }) as Promise<{ findings: Finding[]; clean: boolean; ms: number }>;
  }

  actionsAt(key: string, text: string, position: Position, options: AnalyzeOptions): Promise<RuleAction[]> {
    return this.request({ kind: 'actions', id: this.nextId++, key, text, position, options }) as Promise<RuleAction[]>;
  }

  tryChecks(sources: CheckSource[], text: string): Promise<TriedChecks> {
    return this.request({ kind: 'try', id: this.nextId++, sources, text }) as Promise<TriedChecks>;
  }

  forget(key: string): void {
    if (this.local) this.local.forget(key);
    else this.worker?.post({ kind: 'forget', key });
  }

  setChecks(sources: CheckSource[]): void {
    this.checks = sources;
    if (this.local) this.local.setChecks(sources);
    else if (this.worker) this.post({ kind: 'checks', sources });
  }

  dispose(): void {
    this.disposed = true;
    this.worker?.terminate();
    for (const p of this.pending.values()) p.reject(new Error('The analysis was stopped.'));
    this.pending.clear();
    this.local?.dispose();
  }

  private request(req: AnalysisRequest & { id: number }): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.local) {
        this.runLocally(req, resolve, reject);
        return;
      }
      this.pending.set(req.id, { resolve, reject, req });
      if (!this.worker) {
        try {
          this.worker = this.start(this);
        } catch (e) {
          this.fail(`it could not start: ${String((e as Error)?.message ?? e)}`);
          return;
        }
        if (this.checks.length) this.post({ kind: 'checks', sources: this.checks });
      }
      this.post(req);
    });
  }

  private post(req: AnalysisRequest): void {
    try {
      this.worker!.post(req);
    } catch (e) {
      this.fail(`cannot post to it: ${String((e as Error)?.message ?? e)}`);
    }
  }

  private runLocally(req: AnalysisRequest & { id: number }, resolve: (v: unknown) => void, reject: (e: Error) => void): void {
    this.local!.handle(req, (res) => settle(res, resolve, reject));
  }
}

/** An answer to the promise of its request: findings, actions, or the error. */
function settle(res: AnalysisResponse, resolve: (v: unknown) => void, reject: (e: Error) => void): void {
  if (res.kind === 'error') reject(new Error(res.message));
  else if (res.kind === 'analyze') resolve({ findings: res.findings, clean: res.clean, ms: res.ms });
  else if (res.kind === 'actions') resolve(res.actions);
  else if (res.kind === 'try') resolve({ matches: res.matches, failures: res.failures });
}
