import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics } from 'node:v8';
import { collectHeap } from '../../src/vscode/heapCollection';

const youngMB = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size / 1048576;

test('the collection after a large load gives back the young generation the load grew, and keeps what is live', async () => {
  // Many small objects that survive, as a parse of many notes leaves: V8 grows the young generation for them.
  const kept: { id: string; at: number[] }[] = [];
  for (let i = 0; i < 600_000; i++) kept.push({ id: `section-${i}`, at: [i, i + 1] });
  const grown = youngMB();
  const c = await collectHeap();
  assert.ok(c.ms > 0 && c.rssBeforeMB > 0 && c.rssAfterMB > 0, JSON.stringify(c));
  assert.ok(youngMB() < grown, `young generation ${grown} MB before, ${youngMB()} MB after`);
  assert.ok(youngMB() <= 2, `young generation ${youngMB()} MB after the collection`);
  assert.equal(kept.length, 600_000);
  assert.equal(kept[599_999].id, 'section-599999');
});

test('collections one after the other each finish and leave no session behind', async () => {
  for (let i = 0; i < 3; i++) await collectHeap();
  // A session left connected would keep the process alive past the test (node:test waits for it).
});
