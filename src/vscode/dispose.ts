/**
 * The one base for the extension's classes that hold resources (event subscriptions, watchers, timers, a worker):
 * they register what they own once, and `dispose()` releases all of it, in reverse order, exactly once. Modelled on
 * the base class VS Code's own Markdown extension uses. No runtime `vscode` import, so the web entry shares it.
 */
export interface IDisposable {
  dispose(): unknown;
}

/** Disposes every item, in reverse order of registration; one failing item does not keep the others alive. */
export function disposeAll(items: IDisposable[]): void {
  const errors: unknown[] = [];
  while (items.length) {
    const item = items.pop()!;
    try {
      item.dispose();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'Several resources failed to dispose.');
}

/** A disposable for a cleanup function (a timer, a map to clear). */
export function toDisposable(dispose: () => void): IDisposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      dispose();
    },
  };
}

/** A group of disposables that can be emptied and reused (what belongs to one webview panel, one set of watchers). */
export class DisposableStore implements IDisposable {
  private items: IDisposable[] = [];
  private disposed = false;

  add<T extends IDisposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.push(item);
    return item;
  }

  /** Disposes what the store holds and keeps it usable. */
  clear(): void {
    disposeAll(this.items);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clear();
  }
}

export abstract class Disposable implements IDisposable {
  private readonly owned: IDisposable[] = [];
  private disposedFlag = false;

  /** Releases everything registered with `register`, once. Subclasses that override it call `super.dispose()`. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    disposeAll(this.owned);
  }

  protected get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** Takes ownership of `value`: disposed with this object (at once, if this object is already disposed). */
  protected register<T extends IDisposable>(value: T): T {
    if (this.disposedFlag) value.dispose();
    else this.owned.push(value);
    return value;
  }

  /** `register` for several values at once, in order. */
  protected registerAll(...values: IDisposable[]): void {
    for (const v of values) this.register(v);
  }
}

/**
 * Work delayed per key (a document), restarted when asked again before it ran: the last request wins. Disposing
 * cancels everything pending; `onError` hears what a run throws. A burst of requests (a thousand notes loaded, each a
 * change) costs one timer per key, not one per request: a request that is due no earlier than the pending timer only
 * moves the time it is due, and the timer, when it fires before that, waits for the rest.
 */
export class KeyedDebouncer implements IDisposable {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly onError: (e: unknown) => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  run(key: string, delay: number, fn: () => void): void {
    const due = this.now() + delay;
    const p = this.pending.get(key);
    if (p && p.firesAt <= due) {
      p.due = due;
      p.fn = fn;
      return;
    }
    if (p) clearTimeout(p.timer);
    this.arm(key, { due, fn, firesAt: 0, timer: undefined }, delay);
  }

  cancel(key: string): void {
    const p = this.pending.get(key);
    if (p) clearTimeout(p.timer);
    this.pending.delete(key);
  }

  dispose(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }

  private arm(key: string, p: Pending, ms: number): void {
    p.firesAt = this.now() + ms;
    p.timer = setTimeout(() => this.fire(key, p), ms);
    this.pending.set(key, p);
  }

  private fire(key: string, p: Pending): void {
    if (this.pending.get(key) !== p) return;
    const left = p.due - this.now();
    if (left > 0) return this.arm(key, p, left);
    this.pending.delete(key);
    try {
      p.fn();
    } catch (e) {
      this.onError(e);
    }
  }
}

interface Pending {
  due: number;
  fn: () => void;
  firesAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}
