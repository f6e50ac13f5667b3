import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Disposable, DisposableStore, disposeAll, KeyedDebouncer, toDisposable } from '../../src/vscode/dispose';

class Owner extends Disposable {
  constructor(log: string[]) {
    super();
    this.registerAll(toDisposable(() => log.push('first')), toDisposable(() => log.push('second')));
  }
  add(d: { dispose(): unknown }) {
    return this.register(d);
  }
  get disposed() {
    return this.isDisposed;
  }
}

test('a Disposable releases what it registered once, last registered first', () => {
  const log: string[] = [];
  const o = new Owner(log);
  o.add(toDisposable(() => log.push('third')));
  o.dispose();
  o.dispose();
  assert.deepEqual(log, ['third', 'second', 'first']);
  assert.equal(o.disposed, true);
});

test('registering on a disposed object disposes the value at once', () => {
  const log: string[] = [];
  const o = new Owner(log);
  o.dispose();
  o.add(toDisposable(() => log.push('late')));
  assert.deepEqual(log, ['second', 'first', 'late']);
});

test('one failing item does not keep the others alive, and its error is not lost', () => {
  const log: string[] = [];
  const items = [toDisposable(() => log.push('a')), { dispose: () => { throw new Error('boom'); } }, toDisposable(() => log.push('c'))];
  assert.throws(() => disposeAll(items), /boom/);
  assert.deepEqual(log, ['c', 'a']);
  const two = [{ dispose: () => { throw new Error('x'); } }, { dispose: () => { throw new Error('y'); } }];
  assert.throws(() => disposeAll(two), (e: unknown) => e instanceof AggregateError && e.errors.length === 2);
});

test('a DisposableStore can be cleared and reused, and refuses items after it is disposed', () => {
  const log: string[] = [];
  const store = new DisposableStore();
  store.add(toDisposable(() => log.push('panel 1')));
  store.clear();
  store.add(toDisposable(() => log.push('panel 2')));
  store.dispose();
  store.add(toDisposable(() => log.push('after')));
  assert.deepEqual(log, ['panel 1', 'panel 2', 'after']);
});

test('KeyedDebouncer: the last request per key runs once after its delay; cancel and dispose drop what is pending', async () => {
  const ran: string[] = [];
  const errors: unknown[] = [];
  const d = new KeyedDebouncer((e) => errors.push(e));
  d.run('a', 5, () => ran.push('a1'));
  d.run('a', 5, () => ran.push('a2'));
  d.run('b', 5, () => ran.push('b'));
  d.run('c', 5, () => ran.push('c'));
  d.cancel('c');
  d.run('e', 0, () => {
    throw new Error('boom');
  });
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(ran.sort(), ['a2', 'b']);
  assert.equal(String(errors[0]), 'Error: boom');
  d.run('a', 5, () => ran.push('late'));
  d.dispose();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(ran.sort(), ['a2', 'b']);
});

test('KeyedDebouncer: a burst of requests sets one timer and runs the last once it is due; a sooner request runs sooner', async () => {
  const ran: string[] = [];
  const d = new KeyedDebouncer((e) => assert.fail(String(e)));
  const realSetTimeout = globalThis.setTimeout;
  let timers = 0;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => (timers++, realSetTimeout(fn, ms))) as typeof setTimeout;
  try {
    for (let i = 0; i < 1000; i++) d.run('notes', 20, () => ran.push(`run ${i}`));
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
  assert.equal(timers, 1, 'one timer for a thousand requests');
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(ran, ['run 999']);

  // Asked again while pending, for later: it runs after the later time, not when the first timer fires.
  const start = Date.now();
  let at = 0;
  d.run('later', 10, () => ran.push('early'));
  await new Promise((r) => setTimeout(r, 5));
  d.run('later', 200, () => ((at = Date.now() - start), ran.push('later')));
  await new Promise((r) => setTimeout(r, 60));
  assert.ok(!ran.includes('later') && !ran.includes('early'), 'not yet run at the first request\'s time');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(ran.slice(1), ['later']);
  assert.ok(at >= 200, `ran ${at} ms after the first request`);

  // Asked again for sooner (a long settle, then "now"): it runs at the sooner time.
  d.run('sooner', 10_000, () => ran.push('slow'));
  d.run('sooner', 0, () => ran.push('sooner'));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(ran.slice(2), ['sooner']);
  d.dispose();
});
