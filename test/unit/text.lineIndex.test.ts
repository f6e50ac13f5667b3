import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from './fc';
import { commonPrefix, commonSuffix, LineIndex } from '../../src/core/text';

/** Everything a line index answers about `text`, offset by offset and line by line. */
function answers(index: LineIndex): unknown {
  const text = index.text;
  const lines = [];
  for (let l = 0; l < index.lineCount; l++) lines.push([index.lineStart(l), index.lineEnd(l)]);
  const positions = [];
  for (let o = 0; o <= text.length; o++) positions.push(index.positionAt(o));
  return { count: index.lineCount, lines, positions };
}

// Most texts with `\n` line breaks only (what the index reuses), some with `\r` too.
const texts = fc.oneof(
  { arbitrary: fc.array(fc.constantFrom('a', 'b', ' ', '\n', '\n'), { maxLength: 60 }).map((xs) => xs.join('')), weight: 4 },
  { arbitrary: fc.array(fc.constantFrom('a', 'b', ' ', '\n', '\n', '\r', '\r\n'), { maxLength: 60 }).map((xs) => xs.join('')), weight: 1 },
);

test('a line index built from the index of an earlier version answers as one built from scratch', () => {
  fc.assert(
    fc.property(texts, fc.nat(), fc.nat(), texts, (before, a, b, inserted) => {
      const from = Math.min(a, before.length);
      const to = Math.min(from + (b % 8), before.length);
      const after = before.slice(0, from) + inserted + before.slice(to);
      const previous = new LineIndex(before);
      assert.deepEqual(answers(new LineIndex(after, previous)), answers(new LineIndex(after)));
    }),
    { numRuns: 2000 },
  );
});

test('a line index built from the index of an unrelated text', () => {
  fc.assert(
    fc.property(texts, texts, (a, b) => {
      assert.deepEqual(answers(new LineIndex(b, new LineIndex(a))), answers(new LineIndex(b)));
    }),
    { numRuns: 500 },
  );
});

test('common prefix and suffix of two texts, across the chunks compared at once', () => {
  const long = 'x'.repeat(5000);
  assert.equal(commonPrefix(long + 'a' + long, long + 'b' + long), 5000);
  assert.equal(commonSuffix(long + 'a' + long, long + 'b' + long, 5000), 5000);
  assert.equal(commonSuffix('ab' + long, 'cb' + long, 100), 100);
  assert.equal(commonPrefix('abc', 'abc'), 3);
  assert.equal(commonSuffix('abc', 'zbc', 3), 2);
});
