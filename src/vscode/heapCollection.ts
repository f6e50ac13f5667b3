import { Session } from 'node:inspector';
import type { Collection } from './memoryReclaimer';

const mb = () => process.memoryUsage.rss() / 1048576;

/**
 * One full collection of this thread's heap that also shrinks V8's young generation (the inspector's
 * `HeapProfiler.collectGarbage`, V8's collection for low memory), through an in-process inspector session: nothing
 * to set when Node starts, no debugger attached. Desktop only (the browser's extension host has no inspector).
 */
export function collectHeap(): Promise<Collection> {
  return new Promise((resolve, reject) => {
    const session = new Session();
    session.connect();
    const rssBeforeMB = mb();
    const t0 = performance.now();
    session.post('HeapProfiler.collectGarbage', (err) => {
      const ms = performance.now() - t0;
      const rssAfterMB = mb();
      // Disconnected once the callback has returned: disconnecting inside it leaves the session waiting on itself.
      setImmediate(() => {
        session.disconnect();
        if (err) reject(err);
        else resolve({ ms, rssBeforeMB, rssAfterMB });
      });
    });
  });
}
