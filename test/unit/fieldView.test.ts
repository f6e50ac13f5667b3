import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FieldView } from '../../src/core/search/fieldView';
import { BODY, KeySpace, LEAD, TERMS, TITLE } from '../../src/core/search/postings';
import fc from './fc';

const HEADS = TITLE | LEAD | TERMS;

/** A file: its entries, each a list of (key, field) postings in the order an index makes them. */
const file = fc.array(fc.array(fc.tuple(fc.constantFrom('a', 'ab', 'abc', 'b', 'lr', 'warmup', 'x'), fc.constantFrom(TITLE, LEAD, TERMS, BODY, BODY)), { maxLength: 8 }), { minLength: 1, maxLength: 4 });

/** Steps: index a file (as new or in place of one), or remove one; a read of the lists between steps. */
const step = fc.tuple(fc.constantFrom('set', 'set', 'remove'), fc.integer({ min: 0, max: 4 }), file, fc.boolean());

describe('a key space seen through some of its fields', () => {
  test('has the keys and postings a space given only those fields would have, through files replaced and removed', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
        const space = new KeySpace<string>(true, undefined, HEADS);
        const view = new FieldView(space, HEADS);
        // The model: a second space posted the head fields alone.
        const model = new KeySpace<string>(true);
        const files = new Map<number, { lo: number; hi: number; entries: [string, number][][] }>();
        let nextId = 0;
        const index = (entries: [string, number][][], lo: number) => {
          entries.forEach((postings, i) => {
            for (const [key, field] of postings) {
              space.add(key, lo + i, field);
              if (field & HEADS) model.add(key, lo + i, field);
            }
          });
        };
        for (const [op, name, entries, read] of steps) {
          const old = files.get(name);
          if (old) {
            for (const sp of [space, model]) sp.startCollecting();
            index(old.entries, old.lo);
            for (const sp of [space, model]) sp.drop(sp.stopCollecting(), old.lo, old.hi);
            files.delete(name);
          }
          if (op === 'set') {
            files.set(name, { lo: nextId, hi: nextId + entries.length, entries });
            index(entries, nextId);
            nextId += entries.length;
          }
          if (read || op === 'remove') {
            assert.deepEqual(view.sorted(), model.sorted());
            for (const key of ['a', 'ab', 'abc', 'b', 'lr', 'warmup', 'x', 'zz']) {
              const got = view.get(key);
              const want = model.get(key);
              assert.deepEqual(got && [...got], want && [...want], key);
            }
          }
        }
        assert.deepEqual(view.sorted(), model.sorted());
        for (const key of model.sorted()) assert.deepEqual([...view.get(key)!], [...model.get(key)!], key);
        // A space that counts nothing has no such keys.
        assert.deepEqual(new FieldView(model, 0).sorted(), []);
      }),
    );
  });

  test('a key only in other fields is not among its keys; a body word and a title word of one entry keep the title bit alone', () => {
    const space = new KeySpace<string>(true, undefined, HEADS);
    const view = new FieldView(space, HEADS);
    space.add('loss', 0, BODY);
    space.add('loss', 0, BODY);
    space.add('loss', 0, TITLE);
    space.add('focal', 1, BODY);
    space.add('loss', 1, BODY);
    assert.deepEqual(view.sorted(), ['loss']);
    assert.equal(view.get('focal'), undefined);
    assert.deepEqual([...view.get('loss')!], [(0 << 8) | TITLE]);
    assert.deepEqual([...space.get('loss')!], [(0 << 8) | (2 << 4) | BODY | TITLE, (1 << 8) | (1 << 4) | BODY]);
    space.drop([0, 1], 0, 1);
    assert.deepEqual(view.sorted(), []);
    assert.equal(view.get('loss'), undefined);
  });
});
