import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FocusTimes } from '../../src/vscode/focusTimes';

test('a focus taken at or after the time asked about answers at once; one before it does not count', async () => {
  let now = 1000;
  const focus = new FocusTimes(() => now);
  focus.mark();
  assert.equal(await focus.takenSince(1000, 0), true, 'taken at that very time');
  now = 2000;
  const started = Date.now();
  assert.equal(await focus.takenSince(1500, 20), false, 'taken before the picker was shown: the user closed it');
  assert.ok(Date.now() - started >= 15, 'it waited for a late message first');
});

test('a focus message that comes while waiting answers true, before the wait is over', async () => {
  let now = 0;
  const focus = new FocusTimes(() => now);
  const answer = focus.takenSince(100, 10_000);
  now = 150;
  setTimeout(() => focus.mark(), 5);
  const started = Date.now();
  assert.equal(await answer, true);
  assert.ok(Date.now() - started < 5_000, 'answered when the message came, not at the end of the wait');
  // The waiter is gone: a later mark wakes nothing and a new question starts afresh.
  focus.mark();
  assert.equal(await focus.takenSince(200, 0), false);
});
