/**
 * `ml-notes lint` on every core: the calling thread and worker threads lint the files (see JobRuns), each with the
 * rules and note checks of its notes, and the workers send their reports back; the reports are put in the files'
 * order, so the output is the same as on one thread. Only the calling thread reads the notes (and says their
 * problems, once): it sends the workers the checks as written, which each compiles once.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { builtinHost, type RuleHost } from '../core/rules/index';
import { withChecks, type CheckSource } from '../core/checks/index';
import { lintFile, type FileReport, type FileSettings } from './lintFile';
import { CliProject } from './project';

/** One file to lint: its settings as the calling thread resolved them, less the project (each worker reads its own). */
export interface LintJob {
  file: string;
  shown: string;
  settings: Omit<FileSettings, 'project'>;
  /** Which of the run's sets of note checks (see lintInThreads) apply to it. */
  checks: number;
}

export interface ThreadedLint {
  reports: FileReport[];
  /** Project modules that exist but could not be read, once each. */
  unreadable: string[];
}

type FromWorker =
  | { kind: 'report'; job: number; report: FileReport }
  | { kind: 'ruleError'; shown: string; rule: string; message: string }
  | { kind: 'unreadable'; list: string[] };

/** What a worker is started with: every job, the run's note checks, the shared job runs and its own thread number. */
interface WorkerStart {
  jobs: readonly LintJob[];
  checkSets: CheckSource[][];
  runs: SharedArrayBuffer;
  thread: number;
}

const WORKER_FLAG = 'ml-notes-lint-worker';
/**
 * Less Python than this per thread is not worth a thread: each thread loads the code again and warms up its own
 * parser. Measured on 2 cores (the development corpus, whole processes): 2.3 MB took 2.70 s on one thread and
 * 3.48 s on two; four times it (9.0 MB), 7.35 s and 6.94 s.
 */
const BYTES_PER_THREAD = 4 * 1024 * 1024;

/** Threads for `files` files of `bytes` bytes in all: `--jobs` when given, else one per core, no more than they are worth. */
export function threadsFor(work: { files: number; bytes: number }, jobs: number | undefined): number {
  if (jobs !== undefined) return Math.max(1, Math.min(jobs, work.files));
  return Math.max(1, Math.min(availableParallelism(), work.files, Math.floor(work.bytes / BYTES_PER_THREAD)));
}

/**
 * The jobs split into one run of neighbouring files per thread (files of one project stay on one thread, which reads
 * that project's modules once); a thread whose run is done takes the last jobs of the longest run left. Kept in shared
 * memory: every thread takes its next job itself, without waiting for another thread to hand it one.
 */
export class JobRuns {
  /** [lock, then per thread: its next job, the end of its run]. */
  private readonly cells: Int32Array;

  constructor(count: number, threads: number);
  constructor(shared: SharedArrayBuffer);
  constructor(countOrShared: number | SharedArrayBuffer, threads = 1) {
    if (typeof countOrShared !== 'number') {
      this.cells = new Int32Array(countOrShared);
      return;
    }
    this.cells = new Int32Array(new SharedArrayBuffer(4 * (1 + 2 * threads)));
    for (let t = 0; t < threads; t++) {
      this.cells[1 + 2 * t] = Math.floor((countOrShared * t) / threads);
      this.cells[2 + 2 * t] = Math.floor((countOrShared * (t + 1)) / threads);
    }
  }

  /** The memory the runs live in, for another thread's JobRuns. */
  get shared(): SharedArrayBuffer {
    return this.cells.buffer as SharedArrayBuffer;
  }

  /** The next job for thread `t`, undefined when every job is taken. */
  take(t: number): number | undefined {
    const c = this.cells;
    // A lock held for a few comparisons: spinning costs less than sleeping would.
    while (Atomics.compareExchange(c, 0, 0, 1) !== 0);
    try {
      if (c[1 + 2 * t] < c[2 + 2 * t]) return c[1 + 2 * t]++;
      let longest = -1;
      let most = 0;
      for (let u = 0; 2 + 2 * u < c.length; u++) {
        const left = c[2 + 2 * u] - c[1 + 2 * u];
        if (left > most) {
          most = left;
          longest = u;
        }
      }
      return longest < 0 ? undefined : --c[2 + 2 * longest];
    } finally {
      Atomics.store(c, 0, 0);
    }
  }
}

/**
 * Lints `jobs` on `threads` threads: this one (`here`, between the workers' messages) and `threads - 1` workers.
 * `checkSets`: the note checks of the run, one set per set of notes (the calling thread read the notes; workers only
 * compile the checks, without saying their problems again). `onRuleError` hears of a rule that failed on a file in a
 * worker (as the one-thread run's reporter does). Rejects when a worker dies or `here` throws (an error in the
 * product, not in a file: files never throw).
 */
export function lintInThreads(
  jobs: readonly LintJob[],
  threads: number,
  checkSets: readonly CheckSource[][],
  onRuleError: (shown: string, rule: string, message: string) => void,
  here: (job: LintJob, index: number) => FileReport,
): Promise<ThreadedLint> {
  return new Promise((resolve, reject) => {
    const reports: FileReport[] = new Array(jobs.length);
    const unreadable = new Set<string>();
    const runs = new JobRuns(jobs.length, threads);
    const workers: Worker[] = [];
    let running = 0;
    let hereDone = false;
    let failed = false;
    const fail = (e: unknown) => {
      failed = true;
      for (const w of workers) void w.terminate();
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    const settle = () => {
      if (hereDone && running === 0 && !failed) resolve({ reports, unreadable: [...unreadable] });
    };
    for (let t = 1; t < Math.min(threads, jobs.length); t++) {
      const start: WorkerStart = { jobs, checkSets: [...checkSets], runs: runs.shared, thread: t };
      const w = new Worker(__filename, { workerData: { [WORKER_FLAG]: start } });
      workers.push(w);
      running++;
      w.on('message', (m: FromWorker) => {
        if (m.kind === 'report') reports[m.job] = m.report;
        else if (m.kind === 'ruleError') onRuleError(m.shown, m.rule, m.message);
        else {
          for (const u of m.list) unreadable.add(u);
          void w.terminate();
          running--;
          settle();
        }
      });
      w.on('error', fail);
    }
    // This thread's share, one file at a time, letting the workers' reports in between.
    const step = () => {
      if (failed) return;
      const job = runs.take(0);
      if (job === undefined) {
        hereDone = true;
        settle();
        return;
      }
      try {
        reports[job] = here(jobs[job], job);
      } catch (e) {
        fail(e);
        return;
      }
      setImmediate(step);
    };
    step();
  });
}

/** A worker: lints the jobs it takes until none is left, then says which project modules it could not read. */
function serve(port: MessagePort, start: WorkerStart): void {
  let shown = '';
  const base = builtinHost((rule, e) => port.postMessage({ kind: 'ruleError', shown, rule, message: String((e as Error)?.stack ?? e) } satisfies FromWorker));
  const hosts = start.checkSets.map((sources) => withChecks(base, sources).host);
  const project = new CliProject();
  const runs = new JobRuns(start.runs);
  for (let job = runs.take(start.thread); job !== undefined; job = runs.take(start.thread)) {
    const j = start.jobs[job];
    shown = j.shown;
    port.postMessage({ kind: 'report', job, report: lintFile(j.file, j.shown, { ...j.settings, project }, hosts[j.checks]) } satisfies FromWorker);
  }
  port.postMessage({ kind: 'unreadable', list: project.unreadable } satisfies FromWorker);
}

if (!isMainThread && parentPort) {
  const start = (workerData as Record<string, WorkerStart | undefined> | undefined)?.[WORKER_FLAG];
  if (start) serve(parentPort, start);
}
