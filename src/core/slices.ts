// Work done in slices on a host's only thread (the extension host, a web worker, the CLI): between two slices the
// host answers what came meanwhile (a hover, a keystroke, a message).

/** The longest stretch a piece of background work holds the thread before other work goes first. */
export const SLICE_MS = 8;

/**
 * Resolves once the event loop has run what was waiting: I/O callbacks and messages, not only promise reactions.
 * Node: setImmediate. A browser's worker (the web extension host) has none, and its setTimeout(0) waits at least 4 ms
 * once nested: a message to itself is a task that waits for nothing.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(undefined);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The pause of a loop that works in slices: `await pause()` after each item yields to the event loop once `ms` have
 * passed since the last yield, and goes on at once otherwise.
 */
export function slicePause(ms = SLICE_MS): () => Promise<void> {
  let since = Date.now();
  return async () => {
    if (Date.now() - since < ms) return;
    await yieldToEventLoop();
    since = Date.now();
  };
}
