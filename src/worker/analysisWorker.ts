/**
 * The analysis worker (a Node worker thread started by the desktop extension): parses and analyses Python off the
 * extension host's thread, so a large file never holds up typing, hovers or other extensions.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveAnalysis, type AnalysisRequest } from '../core/analysisEngine';
import { WORKER_WARM_UP } from '../core/reanalysisWarmUp';

const port = parentPort;
if (port) {
  serveAnalysis(
    { onMessage: (listener) => port.on('message', (m: AnalysisRequest) => listener(m)), post: (res) => port.postMessage(res) },
    // Between requests (setImmediate runs after the messages already waiting), the re-analysis of the first large file
    // is warmed up, so that the user's first edits in it are re-analysed as fast as later ones.
    // (The benchmark starts one without, to compare: `workerData.warmUp === false`.)
    (workerData as { warmUp?: boolean } | undefined)?.warmUp === false ? undefined : { ...WORKER_WARM_UP, schedule: (step) => setImmediate(step) },
  );
}
