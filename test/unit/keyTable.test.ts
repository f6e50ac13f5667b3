import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KeyTable, hashText } from '../../src/core/keyTable';
import fc from './fc';

/** Words with shared prefixes, CJK, lone surrogates and the empty string: keys that differ by one character or length. */
const word = fc.oneof(fc.constantFrom('', 'a', 'ab', 'abc', 'warmup', 'warmup_epochs', '语义', '语义分割', '\ud800', 'x'.repeat(40)), fc.string({ maxLength: 12 }));

describe('key table', () => {
  test('strings get dense ids in the order they were added, and are found again by their characters only', () => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: 300 }), (words) => {
        const table = new KeyTable();
        const model = new Map<string, number>();
        for (const w of words) {
          // The word as a range of a longer text, as a tokenizer finds it.
          const text = `«${w}»`;
          const hash = hashText(text, 1, 1 + w.length);
          const found = table.findText(text, 1, 1 + w.length, hash);
          assert.equal(found, model.get(w) ?? -1);
          if (found < 0) model.set(w, table.addText(text, 1, 1 + w.length, hash));
          // The same word as a string of its own: found by its characters, not by where it stood.
          assert.equal(table.findText(w, 0, w.length, hashText(w, 0, w.length)), model.get(w));
        }
        assert.deepEqual([...model.values()], [...model.keys()].map((_, i) => i));
        assert.equal(table.size, model.size);
      }),
    );
  });

  test('integers, CJK bigram keys among them, are found as they were added', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.integer({ min: 0, max: 40000 }).map((a) => a * 40000 + 7)), { maxLength: 500 }), (keys) => {
        const table = new KeyTable();
        const model = new Map<number, number>();
        for (const k of keys) {
          const found = table.findNumber(k);
          assert.equal(found, model.get(k) ?? -1);
          if (found < 0) model.set(k, table.addNumber(k));
        }
        assert.equal(table.size, model.size);
      }),
    );
    assert.throws(() => new KeyTable().addNumber(2 ** 31), RangeError);
  });
});
