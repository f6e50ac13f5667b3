import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BODY, KeySpace, LEAD, TERMS, TITLE } from '../../src/core/search/postings';
import fc from './fc';

const KEYS = ['a', 'ab', 'abc', 'b', 'lr', 'warmup', 'x', '语义'];

/** A file: its entries, each a list of (key, field) postings in the order an index makes them. */
const file = fc.array(fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(TITLE, LEAD, TERMS, BODY, BODY, BODY)), { maxLength: 24 }), { minLength: 1, maxLength: 6 });

/** Steps: index a file (as new or in place of one), or remove one; then maybe read the lists, maybe pack them. */
const step = fc.tuple(fc.constantFrom('set', 'set', 'set', 'remove'), fc.integer({ min: 0, max: 5 }), file, fc.boolean(), fc.boolean());

/** What a key's list holds, from the files indexed: per entry id, body postings counted (up to 15) and fields or-ed. */
function modelList(files: Map<number, { lo: number; entries: [string, number][][] }>, key: string): number[] {
  const out: number[] = [];
  for (const { lo, entries } of [...files.values()].sort((x, y) => x.lo - y.lo)) {
    entries.forEach((postings, i) => {
      let tf = 0;
      let mask = 0;
      for (const [k, field] of postings) {
        if (k !== key) continue;
        mask |= field;
        if (field === BODY) tf = Math.min(15, tf + 1);
      }
      if (mask) out.push(((lo + i) << 8) | (tf << 4) | mask);
    });
  }
  return out;
}

describe('key space posting lists', () => {
  test('hold what a plain model of the postings holds, through reads, packs, replaced and removed files', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const space = new KeySpace<string>(true);
        const files = new Map<number, { lo: number; hi: number; entries: [string, number][][] }>();
        let nextId = 0;
        const index = (entries: [string, number][][], lo: number) =>
          entries.forEach((postings, i) => {
            for (const [key, field] of postings) space.add(key, lo + i, field);
          });
        const check = () => {
          for (const key of KEYS) {
            const want = modelList(files, key);
            const got = space.get(key);
            assert.deepEqual(got ? [...got] : [], want, key);
            assert.equal(space.has(key), want.length > 0, key);
          }
          assert.deepEqual(space.sorted(), KEYS.filter((k) => modelList(files, k).length).sort());
        };
        for (const [op, name, entries, read, pack] of steps) {
          const old = files.get(name);
          if (old) {
            space.startCollecting();
            index(old.entries, old.lo);
            space.drop(space.stopCollecting(), old.lo, old.hi);
            files.delete(name);
          }
          if (op === 'set') {
            files.set(name, { lo: nextId, hi: nextId + entries.length, entries });
            index(entries, nextId);
            nextId += entries.length;
          }
          if (read) check();
          if (pack) space.pack();
        }
        check();
        space.pack();
        check();
      }),
      { numRuns: 300 },
    );
  });
});
