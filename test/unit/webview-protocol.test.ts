import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parsePanelState, parseWebviewMessage } from '../../src/webview/protocol';

/** Messages cross the webview boundary by structured clone; compare them as the plain data they are. */
function plain(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

const long = (n: number) => 'x'.repeat(n);

test('every message the panel sends is accepted as sent', () => {
  const valid = [
    { type: 'ready' },
    { type: 'back' },
    { type: 'forward' },
    { type: 'focused' },
    { type: 'navigate', docId: 'file:///notes/ml-basis-notes.md' },
    { type: 'navigate', docId: 'file:///notes/ml-basis-notes.md', target: 'fpn-architecture' },
    { type: 'navigate', docId: 'file:///notes/ml-basis-notes.md', target: '一些琐碎但是非常重要的点/2' },
    { type: 'openLink', href: 'https://github.com/roytseng-tw/Detectron.pytorch/blob/master/lib/modeling/FPN.py' },
    { type: 'openLink', href: 'other-note.md#batch-norm' },
    { type: 'openSource' },
    { type: 'openSource', line: 0 },
    { type: 'openSource', line: 39, target: 'fpn-architecture' },
    { type: 'search', query: '语义分割' },
    { type: 'search', query: '' },
    { type: 'scrolled', target: 'misc-details' },
    { type: 'openCode', id: '17' },
  ];
  for (const m of valid) assert.deepEqual(plain(parseWebviewMessage(m)), m, JSON.stringify(m));
});

test('fields the protocol does not define are dropped', () => {
  assert.deepEqual(plain(parseWebviewMessage({ type: 'ready', command: 'workbench.action.terminal.new' })), { type: 'ready' });
  assert.deepEqual(plain(parseWebviewMessage({ type: 'openLink', href: 'https://pytorch.org', enableCommandUris: true })), { type: 'openLink', href: 'https://pytorch.org' });
  const nav = parseWebviewMessage({ type: 'navigate', docId: 'a.md', target: 'x', extra: { deep: 1 } });
  assert.deepEqual(Object.keys(nav ?? {}).sort(), ['docId', 'target', 'type']);
});

test('anything that is not a message object is rejected', () => {
  for (const raw of [undefined, null, 0, 1, '', 'ready', true, [], ['ready'], () => 0, { type: undefined }, {}]) {
    assert.equal(parseWebviewMessage(raw), undefined, String(raw));
  }
});

test('unknown types and host-to-webview types are rejected', () => {
  for (const type of ['show', 'reveal', 'searchResults', 'focusSearch', 'empty', 'usedInCode', 'READY', 'ready ', 'eval', 'command', 1, null]) {
    assert.equal(parseWebviewMessage({ type }), undefined, String(type));
  }
});

test('navigate needs a string docId and at most a string target', () => {
  assert.equal(parseWebviewMessage({ type: 'navigate' }), undefined);
  assert.equal(parseWebviewMessage({ type: 'navigate', docId: 42 }), undefined);
  assert.equal(parseWebviewMessage({ type: 'navigate', docId: { toString: () => 'a.md' } }), undefined);
  assert.equal(parseWebviewMessage({ type: 'navigate', docId: 'a.md', target: 3 }), undefined);
  assert.equal(parseWebviewMessage({ type: 'navigate', docId: 'a.md', target: null }), undefined);
  assert.equal(parseWebviewMessage({ type: 'navigate', docId: 'a.md', target: ['fpn'] }), undefined);
});

test('openSource line must be a non-negative integer below ten million', () => {
  for (const line of [-1, 1.5, NaN, Infinity, -Infinity, '39', null, 10_000_000, 2 ** 53]) {
    assert.equal(parseWebviewMessage({ type: 'openSource', line }), undefined, String(line));
  }
  assert.deepEqual(plain(parseWebviewMessage({ type: 'openSource', line: 9_999_999 })), { type: 'openSource', line: 9_999_999 });
  assert.equal(parseWebviewMessage({ type: 'openSource', line: 3, target: 7 }), undefined);
});

test('openLink, search and scrolled need their string field', () => {
  assert.equal(parseWebviewMessage({ type: 'openLink' }), undefined);
  assert.equal(parseWebviewMessage({ type: 'openLink', href: new URL('https://pytorch.org') }), undefined);
  assert.equal(parseWebviewMessage({ type: 'search' }), undefined);
  assert.equal(parseWebviewMessage({ type: 'search', query: ['fpn'] }), undefined);
  assert.equal(parseWebviewMessage({ type: 'scrolled' }), undefined);
  assert.equal(parseWebviewMessage({ type: 'scrolled', target: 12 }), undefined);
});

test('oversized fields are rejected at their limits', () => {
  // ids and hrefs: 4096 characters
  assert.ok(parseWebviewMessage({ type: 'navigate', docId: long(4096) }));
  assert.equal(parseWebviewMessage({ type: 'navigate', docId: long(4097) }), undefined);
  assert.ok(parseWebviewMessage({ type: 'openLink', href: long(4096) }));
  assert.equal(parseWebviewMessage({ type: 'openLink', href: long(4097) }), undefined);
  // section targets and queries: 512 characters
  assert.ok(parseWebviewMessage({ type: 'navigate', docId: 'a.md', target: long(512) }));
  assert.equal(parseWebviewMessage({ type: 'navigate', docId: 'a.md', target: long(513) }), undefined);
  assert.ok(parseWebviewMessage({ type: 'openSource', target: long(512) }));
  assert.equal(parseWebviewMessage({ type: 'openSource', target: long(513) }), undefined);
  assert.ok(parseWebviewMessage({ type: 'search', query: long(512) }));
  assert.equal(parseWebviewMessage({ type: 'search', query: long(513) }), undefined);
  assert.ok(parseWebviewMessage({ type: 'scrolled', target: long(512) }));
  assert.equal(parseWebviewMessage({ type: 'scrolled', target: long(513) }), undefined);
  // a megabyte-long string anywhere that is read
  const huge = long(1 << 20);
  for (const m of [
    { type: 'navigate', docId: huge },
    { type: 'openLink', href: huge },
    { type: 'search', query: huge },
    { type: 'scrolled', target: huge },
  ]) {
    assert.equal(parseWebviewMessage(m), undefined, m.type);
  }
});

test('panel state: restored when it names a note, target kept only when valid', () => {
  assert.deepEqual(plain(parsePanelState({ docId: 'file:///notes/a.md', target: 'fpn-architecture' })), { docId: 'file:///notes/a.md', target: 'fpn-architecture' });
  assert.deepEqual(plain(parsePanelState({ docId: 'file:///notes/a.md' })), { docId: 'file:///notes/a.md' });
  // A bad target does not lose the note: the panel reopens it at the top.
  assert.deepEqual(plain(parsePanelState({ docId: 'file:///notes/a.md', target: 5 })), { docId: 'file:///notes/a.md' });
  assert.deepEqual(plain(parsePanelState({ docId: 'file:///notes/a.md', target: long(513) })), { docId: 'file:///notes/a.md' });
  assert.equal(parsePanelState({ docId: 'a.md', target: 'x', extra: 1 })?.hasOwnProperty('extra'), false);
});

test('panel state without a usable docId is discarded', () => {
  for (const raw of [undefined, null, 'a.md', 7, [], {}, { target: 'fpn' }, { docId: 1 }, { docId: null }, { docId: long(4097) }]) {
    assert.equal(parsePanelState(raw), undefined, JSON.stringify(raw));
  }
});

test('openCode carries only a short string id (the host opens only the places it listed)', () => {
  for (const id of [undefined, 17, null, ['1'], { id: '1' }, 'x'.repeat(65)]) assert.equal(parseWebviewMessage({ type: 'openCode', id }), undefined, String(id));
  assert.deepEqual(plain(parseWebviewMessage({ type: 'openCode', id: '3', uri: 'file:///etc/passwd', line: 1 })), { type: 'openCode', id: '3' });
});
