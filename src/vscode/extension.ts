import * as vscode from 'vscode';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { activateWith } from './activate';
import { loadRenderer } from './rendererLoader';
import { collectHeap } from './heapCollection';
import { nodeNoteFs } from '../cli/nodeFs';
import { ANALYSIS_WORKER_LIMITS, WorkerAnalysisEngine, type AnalysisEngine, type AnalysisResponse } from '../core/analysisEngine';
import type { Log } from './log';
import type { RuleErrorReporter } from '../core/rules/index';

/** Desktop / remote entry (Node extension host). */
export function activate(context: vscode.ExtensionContext) {
  return activateWith(context, { homedir: os.homedir(), localNoteFs: nodeNoteFs, loadRenderer, createAnalysisEngine: (log, report) => analysisWorker(context.extensionPath, log, report), collectHeap });
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}

/** Python analysis in a worker thread (dist/analysisWorker.js), started on the first analysis; on this thread if it cannot run. */
function analysisWorker(extensionPath: string, log: Log, report: RuleErrorReporter): AnalysisEngine {
  return new WorkerAnalysisEngine(
    (engine) => {
      const worker = new Worker(path.join(extensionPath, 'dist', 'analysisWorker.js'), { name: 'ML Notes analysis', resourceLimits: ANALYSIS_WORKER_LIMITS });
      worker.on('online', () => log.info('Python analysis runs in a worker thread.'));
      worker.on('message', (m: AnalysisResponse) => engine.receive(m));
      worker.on('error', (e) => engine.fail(String(e?.stack ?? e)));
      worker.on('exit', (code) => engine.fail(`exit code ${code}`));
      // The worker never keeps the extension host alive on its own.
      worker.unref();
      return { post: (req) => worker.postMessage(req), terminate: () => void worker.terminate() };
    },
    {
      onFallback: (reason) => log.warn(`The analysis worker is not available (${reason}); analysing on the extension host instead.`),
      onRuleError: report,
    },
  );
}
