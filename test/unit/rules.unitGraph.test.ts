/**
 * The graph of a file's top-level classes and functions (unitGraph.ts), which decides what the re-analysis of an edited
 * document redoes: a unit's closure signature changes exactly when the text or rank of something in its closure does,
 * units of one cycle share it, and the closure and callers are those a plain walk of the names finds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from './fc';
import { UnitGraph, type GraphUnit } from '../../src/core/rules/unitGraph';

const NAMES = ['a', 'b', 'c', 'd', 'e'];

const unitArb = fc.record({
  name: fc.constantFrom(...NAMES),
  named: fc.array(fc.constantFrom(...NAMES), { maxLength: 3 }),
  hash: fc.constantFrom('h1', 'h2', 'h3'),
  base: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
});

type Spec = { name: string; named: string[]; hash: string; base?: string };

const build = (specs: Spec[]): GraphUnit[] =>
  specs.map((s) => ({ stmt: { name: s.name }, named: s.named, facts: { hash: s.hash, bases: s.base ? [s.base] : [] } }));

/** What a unit sees directly, by a plain reading of the definition: its subclasses, its name's definitions, what it names. */
function plainSuccessors(units: GraphUnit[], u: GraphUnit): GraphUnit[] {
  return units.filter((v) => v.facts.bases.includes(u.stmt.name) || v.stmt.name === u.stmt.name || u.named.includes(v.stmt.name));
}

function plainClosure(units: GraphUnit[], start: GraphUnit[]): Set<GraphUnit> {
  const seen = new Set(start);
  const queue = [...start];
  while (queue.length) for (const v of plainSuccessors(units, queue.pop()!)) if (!seen.has(v)) seen.add(v), queue.push(v);
  return seen;
}

test('closures and callers are those of a plain walk; a closure signature changes exactly with what the closure holds', () => {
  fc.assert(
    fc.property(fc.array(unitArb, { minLength: 1, maxLength: 12 }), fc.nat(), fc.constantFrom('h1', 'h2', 'h3', 'h4'), (specs, pick, newHash) => {
      const units = build(specs);
      const graph = new UnitGraph(units);
      for (const u of units) {
        assert.deepEqual(new Set(graph.closure([u])), plainClosure(units, [u]));
        const callers = units.filter((v) => v !== u && v.named.includes(u.stmt.name));
        assert.deepEqual(new Set(graph.callers(u)), new Set(callers));
      }
      // One unit's text changes: the signatures of exactly the units whose closure holds it change.
      const changed = pick % units.length;
      const after = build(specs.map((s, i) => (i === changed ? { ...s, hash: newHash } : s)));
      const graph2 = new UnitGraph(after);
      units.forEach((u, i) => {
        const holds = plainClosure(units, [u]).has(units[changed]);
        const differs = graph.reachSig(u) !== graph2.reachSig(after[i]);
        assert.equal(differs, holds && newHash !== specs[changed].hash, `unit ${i}`);
      });
      // Units that see each other (one cycle) share a signature.
      for (const u of units) for (const v of units) if (plainClosure(units, [u]).has(v) && plainClosure(units, [v]).has(u)) assert.equal(graph.reachSig(u), graph.reachSig(v));
    }),
    { numRuns: 400 },
  );
});

const changeArb = fc.record({ pick: fc.nat(), replacement: unitArb, change: fc.constantFrom('text', 'text', 'unit', 'added') });

test('a graph built from the last version’s answers as one built from scratch, version after version', () => {
  fc.assert(
    fc.property(fc.array(unitArb, { minLength: 1, maxLength: 12 }), fc.array(changeArb, { minLength: 1, maxLength: 4 }), (first, changes) => {
      let specs = first;
      const units = build(specs);
      let graph = new UnitGraph(units);
      units.forEach((u) => graph.reachSig(u));
      for (const { pick, replacement, change } of changes) {
        // The next version: one unit's text changed (the edges stay), the unit replaced or one added (they may not).
        const i = pick % specs.length;
        const changed = specs.map((s, j) => (j !== i || change === 'added' ? s : change === 'text' ? { ...s, hash: replacement.hash } : replacement));
        specs = change === 'added' ? [...changed.slice(0, i), replacement, ...changed.slice(i)] : changed;
        const next = build(specs);
        const reused = new UnitGraph(next, graph);
        const fresh = new UnitGraph(next);
        for (const u of next) {
          assert.equal(reused.reachSig(u), fresh.reachSig(u));
          assert.equal(reused.callersSig(u), fresh.callersSig(u));
          assert.deepEqual(new Set(reused.closure([u])), new Set(fresh.closure([u])));
          assert.deepEqual(reused.callers(u), fresh.callers(u));
          assert.deepEqual(reused.named(u.stmt.name), fresh.named(u.stmt.name));
        }
        graph = reused;
      }
    }),
    { numRuns: 400 },
  );
});

test('a closure signature changes when a unit it reaches takes the text of another it reaches (each reached unit counts, not each distinct text)', () => {
  // Found by the property above on a random seed: `d` (three definitions, one cycle) reaches a, b and c; a's text
  // changes from c's to b's, so the texts reached are the same set before and after, and d's signature stayed.
  const specs: Spec[] = [
    { name: 'b', named: [], hash: 'h3', base: 'd' },
    { name: 'd', named: ['c'], hash: 'h1' },
    { name: 'a', named: [], hash: 'h2' },
    { name: 'd', named: ['a'], hash: 'h1' },
    { name: 'c', named: [], hash: 'h2' },
    { name: 'd', named: [], hash: 'h1' },
  ];
  const before = build(specs);
  const after = build(specs.map((s, i) => (i === 2 ? { ...s, hash: 'h3' } : s)));
  const g1 = new UnitGraph(before);
  const g2 = new UnitGraph(after);
  for (const i of [1, 3, 5]) assert.notEqual(g1.reachSig(before[i]), g2.reachSig(after[i]), `definition ${i} of d`);
  assert.equal(g1.reachSig(before[4]), g2.reachSig(after[4]), 'c reaches nothing that changed');
});
