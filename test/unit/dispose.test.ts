import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Disposable, DisposableStore, disposeAll, toDisposable } from '../../src/vscode/dispose';

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
