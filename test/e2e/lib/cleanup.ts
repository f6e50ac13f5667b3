// Last-resort cleanup: whatever a test started (code-server, Chromium) is ended when the test process
// ends, also on Ctrl-C, on SIGTERM from the test runner, or on a crash.
type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
let installed = false;

function runAll(): void {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // keep cleaning the others
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runAll();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Registers a synchronous cleanup run when the process exits or is signalled; returns the function
 * that unregisters it (call it after a normal, awaited stop).
 */
export function registerCleanup(cleanup: Cleanup): () => void {
  install();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}
