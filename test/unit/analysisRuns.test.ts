import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisRuns } from '../../src/vscode/analysisRuns';

/** An analysis the test answers when it wants, to order arrivals as a slow worker would. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test('asking twice for the same text and options runs one analysis, and the kept result answers later asks', async () => {
  const runs = new AnalysisRuns<string>();
  let started = 0;
  const d = deferred<string>();
  const analyze = () => (started++, d.promise);
  const a = runs.run('train.py', 'v1', runs.ask(), analyze);
  const b = runs.run('train.py', 'v1', runs.ask(), analyze);
  d.resolve('findings v1');
  assert.equal(await a, 'findings v1');
  assert.equal(await b, 'findings v1');
  assert.equal(await runs.run('train.py', 'v1', runs.ask(), analyze), 'findings v1');
  assert.equal(started, 1);
  assert.equal(runs.latest('train.py'), 'findings v1');
});

test('checks that arrive while the first analysis is under way get an analysis of their own, and it is the one shown', async () => {
  const runs = new AnalysisRuns<string>();
  const first = deferred<string>();
  const second = deferred<string>();
  const old = runs.run('train.py', 'v1', runs.ask(), () => first.promise);
  // The notes' checks load: every result is stale, even for the same text and options.
  runs.invalidate();
  let started = false;
  const fresh = runs.run('train.py', 'v1', runs.ask(), () => ((started = true), second.promise));
  assert.ok(started, 'the ask after the checks arrived is not answered by the run sent before them');
  second.resolve('with the checks');
  assert.equal(await fresh, 'with the checks');
  // The run sent before the checks finishes last: it is not kept, so it is not shown.
  first.resolve('without the checks');
  assert.equal(await old, 'without the checks');
  assert.equal(runs.latest('train.py'), 'with the checks');
});

test('an analysis asked for earlier that arrives after a newer one is not kept', async () => {
  const runs = new AnalysisRuns<string>();
  const slow = deferred<string>();
  const fast = deferred<string>();
  const a = runs.run('train.py', 'v1', runs.ask(), () => slow.promise);
  const b = runs.run('train.py', 'v2', runs.ask(), () => fast.promise);
  fast.resolve('v2');
  await b;
  slow.resolve('v1');
  await a;
  assert.equal(runs.latest('train.py'), 'v2');
  assert.deepEqual([...runs.all()], ['v2']);
});

test('a failed analysis (undefined) keeps nothing; closing a file forgets its result', async () => {
  const runs = new AnalysisRuns<string>();
  assert.equal(await runs.run('a.py', 'v1', runs.ask(), async () => undefined), undefined);
  assert.equal(runs.latest('a.py'), undefined);
  await runs.run('a.py', 'v2', runs.ask(), async () => 'ok');
  await runs.run('b.py', 'v1', runs.ask(), async () => 'other');
  runs.forget('a.py');
  assert.equal(runs.latest('a.py'), undefined);
  assert.deepEqual([...runs.all()], ['other']);
});
