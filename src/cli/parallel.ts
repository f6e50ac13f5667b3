/**
 * `ml-notes lint` on every core: worker threads take the files from one queue, each with the rules and note checks
 * of its notes (built once per worker), and send their reports back; the reports are put in the files' order, so the
 * output is the same as on one thread. The notes' own problems were said once by the calling thread: workers load
 * the same notes without saying them again.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { builtinHost } from '../core/rules/index';
import { lintFile, type FileReport, type FileSettings } from './lintFile';
import { CliProject } from './project';
import { NotesHosts, type NotesToLoad } from './library';

/** One file to lint: its settings as the calling thread resolved them, less the project (each worker reads its own). */
export interface LintJob {
  file: string;
  shown: string;
  settings: Omit<FileSettings, 'project'>;
  notes: NotesToLoad;
}

export interface ThreadedLint {
  reports: FileReport[];
  /** Project modules that exist but could not be read, once each. */
  unreadable: string[];
}

type ToWorker = (LintJob & { job: number }) | { done: true };
type FromWorker =
  | { kind: 'report'; job: number; report: FileReport }
  | { kind: 'ruleError'; shown: string; rule: string; message: string }
  | { kind: 'unreadable'; list: string[] };

const WORKER_FLAG = 'ml-notes-lint-worker';
/**
 * Less Python than this per thread is not worth a thread: each thread loads the code and the notes again and warms up
 * its own parser. Measured on 2 cores (the development corpus, whole processes): 2.3 MB took 2.70 s on one thread and
 * 3.48 s on two; four times it (9.0 MB), 7.35 s and 6.94 s.
 */
const BYTES_PER_THREAD = 4 * 1024 * 1024;

/** Threads for `files` files of `bytes` bytes in all: `--jobs` when given, else one per core, no more than they are worth. */
export function threadsFor(work: { files: number; bytes: number }, jobs: number | undefined): number {
  if (jobs !== undefined) return Math.max(1, Math.min(jobs, work.files));
  return Math.max(1, Math.min(availableParallelism(), work.files, Math.floor(work.bytes / BYTES_PER_THREAD)));
}

/**
 * Lints `jobs` on `threads` worker threads. `onRuleError` hears of a rule that failed on a file (as the one-thread
 * run's reporter does). Rejects when a worker dies (an error in the product, not in a file: files never throw).
 */
export function lintInThreads(jobs: readonly LintJob[], threads: number, cwd: string, onRuleError: (shown: string, rule: string, message: string) => void): Promise<ThreadedLint> {
  return new Promise((resolve, reject) => {
    const reports: FileReport[] = new Array(jobs.length);
    const unreadable = new Set<string>();
    let next = 0;
    let running = 0;
    const workers: Worker[] = [];
    const fail = (e: unknown) => {
      for (const w of workers) void w.terminate();
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    const feed = (w: Worker) => {
      if (next < jobs.length) {
        w.postMessage({ ...jobs[next], job: next++ } satisfies ToWorker);
      } else w.postMessage({ done: true } satisfies ToWorker);
    };
    for (let i = 0; i < Math.min(threads, jobs.length); i++) {
      const w = new Worker(__filename, { workerData: { [WORKER_FLAG]: true, cwd } });
      workers.push(w);
      running++;
      w.on('message', (m: FromWorker) => {
        if (m.kind === 'report') {
          reports[m.job] = m.report;
          feed(w);
        } else if (m.kind === 'ruleError') onRuleError(m.shown, m.rule, m.message);
        else {
          for (const u of m.list) unreadable.add(u);
          void w.terminate();
          if (--running === 0) resolve({ reports, unreadable: [...unreadable] });
        }
      });
      w.on('error', fail);
      feed(w);
    }
  });
}

/** A worker: lints the files it is sent until it is told it is done, then says which project modules it could not read. */
function serve(port: MessagePort, cwd: string): void {
  let shown = '';
  const base = builtinHost((rule, e) => port.postMessage({ kind: 'ruleError', shown, rule, message: String((e as Error)?.stack ?? e) } satisfies FromWorker));
  // The calling thread said the notes' problems when it loaded them; here they are not said again.
  const hosts = new NotesHosts(base, { out: () => undefined, err: () => undefined, cwd });
  const project = new CliProject();
  port.on('message', async (m: ToWorker) => {
    if ('done' in m) {
      port.postMessage({ kind: 'unreadable', list: project.unreadable } satisfies FromWorker);
      return;
    }
    const { host } = await hosts.for(m.notes);
    shown = m.shown;
    port.postMessage({ kind: 'report', job: m.job, report: lintFile(m.file, m.shown, { ...m.settings, project }, host) } satisfies FromWorker);
  });
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | undefined)?.[WORKER_FLAG]) serve(parentPort, (workerData as { cwd: string }).cwd);
