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

test('a picker closed soon after it showed, with the focus taken since, was closed by the focus; a late or plain close was not', async () => {
  let now = 10_000;
  const focus = new FocusTimes(() => now);
  now = 10_050;
  focus.mark();
  now = 10_100;
  assert.equal(await focus.closedByFocus(10_000), true, 'closed 100 ms after showing, the panel took the focus 50 ms in');
  now = 20_000;
  assert.equal(await focus.closedByFocus(10_000), false, 'closed 10 s after showing: the user closed it');
  assert.equal(await focus.closedByFocus(19_900), false, 'closed soon, but the panel took no focus since (no message within the wait)');
});
