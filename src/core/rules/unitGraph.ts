/**
 * What the top-level classes and functions of a file see of each other, for the unit cache (incremental.ts).
 *
 * A unit sees its subclasses (their `forward` may use its layers), the other definitions of its name (what the name
 * resolves to depends on them), and the units its names name, transitively: its closure. The signature of a closure is
 * computed once per strongly connected component, from the components it reaches (each hashed once), so that the
 * signatures of all units take time linear in the size of the graph rather than one walk of a closure per unit.
 *
 * The edges and the components depend on the units' names, the names they name and their bases, not on their texts:
 * the graph of the next version of a document reuses them while those stay the same (an edit inside a body), and only
 * hashes the components again.
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
  /** Each unit's position in `units`: the graph's edges and the walks below work on positions. */
  private readonly index = new Map<U, number>();
  private readonly shape: Shape;
  private reach?: string[];

  /** @param previous  the graph of the last version of the document, whose edges are reused if they are the same. */
  constructor(
    private readonly units: readonly U[],
    previous?: UnitGraph<U>,
  ) {
    for (let i = 0; i < units.length; i++) this.index.set(units[i], i);
    this.shape = previous?.shape.fits(units) ? previous.shape : new Shape(units);
  }

  /** The units defining a name, in order (the last one is what the name resolves to). */
  named(name: string): readonly U[] {
    return (this.shape.byName.get(name) ?? []).map((i) => this.units[i]);
  }

  /** The units naming a unit (its callers). */
  callers(u: U): readonly U[] {
    return (this.shape.callersOf[this.index.get(u)!] ?? []).map((i) => this.units[i]);
  }

  /** The units given and all they see, transitively. */
  closure(start: readonly U[]): Set<U> {
    const seen = new Uint8Array(this.units.length);
    const out = new Set<U>(start);
    const queue: number[] = [];
    for (const u of start) {
      const i = this.index.get(u)!;
      if (!seen[i]) {
        seen[i] = 1;
        queue.push(i);
      }
    }
    while (queue.length) {
      for (const v of this.shape.successors(queue.pop()!)) {
        if (!seen[v]) {
          seen[v] = 1;
          out.add(this.units[v]);
          queue.push(v);
        }
      }
    }
    return out;
  }

  /**
   * A hash of the texts of a unit's closure, each with its rank among the definitions of its name: it changes when any
   * of them does, or when what the closure holds does.
   */
  reachSig(u: U): string {
    if (!this.reach) {
      const shape = this.shape;
      const sigs = new Array<string>(this.units.length);
      // (Pushed one by one: an array `map` makes has another element kind in optimised code than in the interpreter,
      // and meeting both here made the runtime drop this code at the next edit.)
      const hashes: string[] = [];
      for (let i = 0; i < this.units.length; i++) hashes.push(this.units[i].facts.hash);
      const last = shape.hashed;
      for (const members of shape.components()) {
        // A component whose texts, and the signatures of the components it reaches, are those hashed last time has the
        // same signature.
        const many = members.length > 16 ? new Set(members) : undefined;
        const inside = (v: number) => (many ? many.has(v) : members.includes(v));
        if (last && members.every((m) => hashes[m] === last.hashes[m] && shape.successors(m).every((v) => inside(v) || sigs[v] === last.sigs[v]))) {
          for (const m of members) sigs[m] = last.sigs[m];
        } else this.hashComponent(members, sigs);
      }
      shape.hashed = { hashes, sigs };
      this.reach = sigs;
    }
    return this.reach[this.index.get(u)!];
  }

  /**
   * The units that reach a unit (that see it, transitively: its callers, their callers and subclasses, and so on): where
   * what it makes may be used.
   */
  users(u: U): U[] {
    return this.shape.reachingTo(this.index.get(u)!).map((i) => this.units[i]);
  }

  /** A hash of the texts of the units that reach a unit (see users), each with its rank among the definitions of its name. */
  usersSig(u: U): string {
    const users = this.shape.reachingTo(this.index.get(u)!);
    if (!users.length) return '';
    const parts: string[] = [];
    for (const i of users) parts.push(`${this.units[i].facts.hash}#${this.shape.rank[i]}`);
    return hash(parts.sort().join(','));
  }

  /**
   * A hash of the unit's callers, theirs, and so on up, each with what it reaches: a parameter passed on from a caller's own parameter
   * (`Stage(c, norm_layer)` calling `ConvNorm(c, norm_layer=norm_layer)`) is decided by the calls of that caller too,
   * however many levels up.
   */
  callersSig(u: U): string {
    const callersOf = this.shape.callersOf;
    const start = this.index.get(u)!;
    const first = callersOf[start];
    if (!first) return '';
    const seen = new Set<number>(first);
    const queue = [...first];
    while (queue.length) {
      for (const c of callersOf[queue.pop()!] ?? []) {
        if (c !== start && !seen.has(c)) {
          seen.add(c);
          queue.push(c);
        }
      }
    }
    // Each caller with what it reaches (a function it calls for the value it passes on: `norm_layer=get_norm()`).
    const sigs: string[] = [];
    for (const c of seen) sigs.push(this.reachSig(this.units[c]));
    return hash(sigs.sort().join(','));
  }

  private hashComponent(members: number[], sigs: string[]): void {
    if (members.length === 1) {
      // The common case: one unit, seeing no other unit or only units outside it.
      const m = members[0];
      const own = `${this.units[m].facts.hash}#${this.shape.rank[m]}`;
      // Each unit reached counts once, by its signature: two units of equal signatures are two (a set of signatures
      // missed one of them changing into the other's text while a third kept the old one).
      const succ = this.shape.successors(m);
      let reached: string[] | undefined;
      if (succ.length > 16) reached = [...new Set(succ)].filter((v) => v !== m).map((v) => sigs[v]);
      else {
        let seen: number[] | undefined;
        for (const v of succ) {
          if (v === m || seen?.includes(v)) continue;
          (seen ??= []).push(v);
          (reached ??= []).push(sigs[v]);
        }
      }
      sigs[m] = reached?.length ? hash(`${own}|${reached.sort().join(',')}`) : own;
      return;
    }
    const inside = new Set(members);
    const own = members.map((m) => `${this.units[m].facts.hash}#${this.shape.rank[m]}`).sort();
    const reachedUnits = new Set<number>();
    for (const m of members) for (const v of this.shape.successors(m)) if (!inside.has(v)) reachedUnits.add(v);
    const reached = [...reachedUnits].map((v) => sigs[v]);
    const sig = hash(`${own.join(',')}|${reached.sort().join(',')}`);
    for (const m of members) sigs[m] = sig;
  }
}

/** The edges between units, and their components: what the names, the names named and the bases decide. */
class Shape {
  readonly byName = new Map<string, number[]>();
  readonly callersOf: (number[] | undefined)[];
  /** Each unit's rank among the definitions of its name. */
  readonly rank: number[] = [];
  private readonly subclasses = new Map<string, number[]>();
  private readonly next: (number[] | undefined)[];
  private readonly names: string[] = [];
  private readonly named: (readonly string[])[] = [];
  private readonly bases: (readonly string[])[] = [];
  private sccs?: number[][];
  /** The units each unit is seen by directly (the edges reversed), made on first use. */
  private previous?: number[][];
  private readonly reaching: (readonly number[] | undefined)[] = [];
  /** The texts' hashes and the signatures last worked out with these edges (by position). */
  hashed?: { hashes: string[]; sigs: string[] };

  constructor(units: readonly GraphUnit[]) {
    const n = units.length;
    this.callersOf = new Array<number[] | undefined>(n);
    this.next = new Array<number[] | undefined>(n);
    for (let i = 0; i < n; i++) {
      const u = units[i];
      this.names.push(u.stmt.name);
      this.named.push(u.named);
      this.bases.push(u.facts.bases);
      const same = this.byName.get(u.stmt.name);
      this.rank.push(same ? same.length : 0);
      push(this.byName, u.stmt.name, i);
      for (const b of u.facts.bases) push(this.subclasses, b, i);
    }
    for (let i = 0; i < n; i++) {
      for (const r of units[i].named) {
        for (const v of this.byName.get(r) ?? []) if (v !== i) (this.callersOf[v] ??= []).push(i);
      }
    }
  }

  /** Whether `units` have the names, the names named and the bases these edges were made of, in the same order. */
  fits(units: readonly GraphUnit[]): boolean {
    if (units.length !== this.names.length) return false;
    for (let i = 0; i < units.length; i++) {
      const u = units[i];
      if (u.stmt.name !== this.names[i] || !sameList(u.named, this.named[i]) || !sameList(u.facts.bases, this.bases[i])) return false;
    }
    return true;
  }

  /** The positions of the units the unit at `i` sees directly. */
  successors(i: number): readonly number[] {
    let out = this.next[i];
    if (out) return out;
    const name = this.names[i];
    out = [...(this.subclasses.get(name) ?? []), ...(this.byName.get(name) ?? [])];
    for (const r of this.named[i]) for (const v of this.byName.get(r) ?? []) out.push(v);
    this.next[i] = out;
    return out;
  }

  /**
   * The positions of the units that reach the unit at `i` (not `i` itself, unless it reaches itself through others);
   * worked out once per unit for these edges.
   */
  reachingTo(i: number): readonly number[] {
    let memo = this.reaching[i];
    if (!memo) this.reaching[i] = memo = this.reachingUncached(i);
    return memo;
  }

  private reachingUncached(i: number): number[] {
    if (!this.previous) {
      const prev: number[][] = [];
      for (let v = 0; v < this.names.length; v++) prev.push([]);
      for (let v = 0; v < this.names.length; v++) for (const w of this.successors(v)) if (w !== v) prev[w].push(v);
      this.previous = prev;
    }
    const seen = new Uint8Array(this.names.length);
    const out: number[] = [];
    const queue = [i];
    seen[i] = 1;
    while (queue.length) {
      for (const v of this.previous[queue.pop()!]) {
        if (seen[v]) continue;
        seen[v] = 1;
        out.push(v);
        queue.push(v);
      }
    }
    return out;
  }

  /**
   * Tarjan's strongly connected components (iteratively), each after all those it reaches (the order they are hashed
   * in).
   */
  components(): readonly number[][] {
    if (this.sccs) return this.sccs;
    const n = this.names.length;
    const out: number[][] = [];
    // Visit order + 1 (0: not visited), lowest order reachable, on the stack.
    const order = new Int32Array(n);
    const low = new Int32Array(n);
    const onStack = new Uint8Array(n);
    const stack: number[] = [];
    // The walk's path: positions and how many successors of each were looked at.
    const path: number[] = [];
    const tried: number[] = [];
    let counter = 0;
    const enter = (i: number) => {
      order[i] = low[i] = ++counter;
      stack.push(i);
      onStack[i] = 1;
      path.push(i);
      tried.push(0);
    };
    for (let root = 0; root < n; root++) {
      if (order[root]) continue;
      enter(root);
      while (path.length) {
        const top = path.length - 1;
        const i = path[top];
        const succ = this.successors(i);
        if (tried[top] < succ.length) {
          const v = succ[tried[top]++];
          if (!order[v]) enter(v);
          else if (onStack[v]) low[i] = Math.min(low[i], order[v]);
          continue;
        }
        path.pop();
        tried.pop();
        if (path.length) {
          const parent = path[path.length - 1];
          low[parent] = Math.min(low[parent], low[i]);
        }
        if (low[i] !== order[i]) continue;
        const members: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          members.push(w);
        } while (w !== i);
        out.push(members);
      }
    }
    this.sccs = out;
    return out;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
