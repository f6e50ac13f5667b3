/**
 * The analysis worker (a Node worker thread started by the desktop extension): parses and analyses Python off the
 * extension host's thread, so a large file never holds up typing, hovers or other extensions.
 */
import { parentPort } from 'node:worker_threads';
import { serveAnalysis, type AnalysisRequest } from '../core/analysisEngine';

const port = parentPort;
if (port) serveAnalysis({ onMessage: (listener) => port.on('message', (m: AnalysisRequest) => listener(m)), post: (res) => port.postMessage(res) });
