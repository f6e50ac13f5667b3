/**
 * What the top-level classes and functions of a file see of each other, for the unit cache (incremental.ts).
 *
 * A unit sees its subclasses (their `forward` may use its layers), the other definitions of its name (what the name
 * resolves to depends on them), and the units its names name, transitively: its closure. The signature of a closure is
 * computed once per strongly connected component, from the components it reaches (each hashed once), so that the
 * signatures of all units take time linear in the size of the graph rather than one walk of a closure per unit.
 */
import { hash } from '../text';

export interface GraphUnit {
  stmt: { name: string };
  /** The names it refers to that are names of units (its other names cannot lead to one). */
  named: readonly string[];
  facts: {
    /** Of its text. */
    hash: string;
    /** For classes: the last identifiers of the base class expressions. */
    bases: string[];
  };
}

export class UnitGraph<U extends GraphUnit> {
  private readonly byName = new Map<string, U[]>();
  private readonly subclasses = new Map<string, U[]>();
  private readonly callersOf = new Map<U, U[]>();
  private readonly rank = new Map<U, number>();
  private readonly next = new Map<U, U[]>();
  private reach?: Map<U, string>;

  constructor(private readonly units: readonly U[]) {
    for (const u of units) {
      const same = this.byName.get(u.stmt.name);
      this.rank.set(u, same ? same.length : 0);
      push(this.byName, u.stmt.name, u);
      for (const b of u.facts.bases) push(this.subclasses, b, u);
    }
    for (const u of units) for (const r of u.named) for (const v of this.byName.get(r) ?? []) if (v !== u) push(this.callersOf, v, u);
  }

  /** The units defining a name, in order (the last one is what the name resolves to). */
  named(name: string): readonly U[] {
    return this.byName.get(name) ?? [];
  }

  /** The units naming a unit (its callers). */
  callers(u: U): readonly U[] {
    return this.callersOf.get(u) ?? [];
  }

  /** The units a unit sees directly. */
  successors(u: U): readonly U[] {
    let out = this.next.get(u);
    if (out) return out;
    out = [...(this.subclasses.get(u.stmt.name) ?? []), ...(this.byName.get(u.stmt.name) ?? [])];
    for (const r of u.named) for (const v of this.byName.get(r) ?? []) out.push(v);
    this.next.set(u, out);
    return out;
  }

  /** The units given and all they see, transitively. */
  closure(start: readonly U[]): Set<U> {
    const seen = new Set<U>(start);
    const queue = [...start];
    while (queue.length) {
      for (const v of this.successors(queue.pop()!)) {
        if (!seen.has(v)) {
          seen.add(v);
          queue.push(v);
        }
      }
    }
    return seen;
  }

  /**
   * A hash of the texts of a unit's closure, each with its rank among the definitions of its name: it changes when any
   * of them does, or when what the closure holds does.
   */
  reachSig(u: U): string {
    this.reach ??= this.components();
    return this.reach.get(u)!;
  }

  /** A hash of the texts of the unit's callers. */
  callersSig(u: U): string {
    const cs = this.callersOf.get(u);
    return cs ? cs.map((c) => c.facts.hash).sort().join(',') : '';
  }

  /** Tarjan's strongly connected components (iteratively); a component is hashed once all it reaches are. */
  private components(): Map<U, string> {
    const sigs = new Map<U, string>();
    const index = new Map<U, number>();
    const low = new Map<U, number>();
    const onStack = new Set<U>();
    const stack: U[] = [];
    let counter = 0;
    const enter = (u: U, work: { u: U; i: number }[]) => {
      index.set(u, counter);
      low.set(u, counter++);
      stack.push(u);
      onStack.add(u);
      work.push({ u, i: 0 });
    };
    for (const root of this.units) {
      if (index.has(root)) continue;
      const work: { u: U; i: number }[] = [];
      enter(root, work);
      while (work.length) {
        const top = work[work.length - 1];
        const succ = this.successors(top.u);
        if (top.i < succ.length) {
          const v = succ[top.i++];
          if (!index.has(v)) enter(v, work);
          else if (onStack.has(v)) low.set(top.u, Math.min(low.get(top.u)!, index.get(v)!));
          continue;
        }
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1].u;
          low.set(parent, Math.min(low.get(parent)!, low.get(top.u)!));
        }
        if (low.get(top.u) !== index.get(top.u)) continue;
        const members: U[] = [];
        let w: U;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          members.push(w);
        } while (w !== top.u);
        this.hashComponent(members, sigs);
      }
    }
    return sigs;
  }

  private hashComponent(members: U[], sigs: Map<U, string>): void {
    if (members.length === 1) {
      // The common case: one unit, seeing no other unit or only units outside it.
      const m = members[0];
      const reached = new Set<string>();
      for (const v of this.successors(m)) if (v !== m) reached.add(sigs.get(v)!);
      const own = `${m.facts.hash}#${this.rank.get(m)}`;
      sigs.set(m, reached.size ? hash(`${own}|${[...reached].sort().join(',')}`) : own);
      return;
    }
    const inside = new Set(members);
    const own = members.map((m) => `${m.facts.hash}#${this.rank.get(m)}`).sort();
    const reached = new Set<string>();
    for (const m of members) for (const v of this.successors(m)) if (!inside.has(v)) reached.add(sigs.get(v)!);
    const sig = hash(`${own.join(',')}|${[...reached].sort().join(',')}`);
    for (const m of members) sigs.set(m, sig);
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
