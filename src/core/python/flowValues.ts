/**
 * The values the data-flow walk tracks per local name, and how they combine where paths meet: each item carries the
 * conditions (guards) under which it holds, and merging two branches keeps both sides, each under its own guards.
 */
import type { Expr, Span } from './ast';
import type { Role } from './catalog';
import type { Guard, LayerInstance } from './model';
import type { ClassInfo } from './scopes';

/**
 * How a use treats the output: as a layer of some role, as something unknown, `out`: it leaves the Sequential `consumer`,
 * or `returned`: a module class's `forward` returns it (it leaves each instance of the class `module`).
 */
export type UseRole = Role | 'other' | 'out' | 'returned';

/** One use of a layer's output. */
export interface Use {
  producer: LayerInstance;
  /** The consuming layer, or null for an operation that is not a known layer (function, arithmetic, return…). */
  consumer: LayerInstance | null;
  role: UseRole;
  guards: Guard[];
  at: Span;
  /** For `returned`: the module class. */
  module?: ClassInfo;
  /** A use of a module class's output that the layer's output reaches as that output: the instance it goes through. */
  through?: LayerInstance;
}

export type Item<T> = { v: T; g: Guard[] };

export interface ListState {
  id: number;
  /** First non-pass elements (alternatives); undefined while nothing but pass-through layers was added. */
  first: Item<LayerInstance | null>[] | undefined;
  /** Elements whose output reaches the end of the list so far. */
  last: Item<LayerInstance | null>[];
  /**
   * The elements in order, while they are known exactly (appended one by one, on one path): what lets `insert` and
   * `layers[i] = …` rewrite the connections. Dropped where two paths with different elements meet.
   */
  elems?: ListElem[];
  /**
   * Every element added, under the conditions it was added under (what a loop over the list, or an index into it,
   * may give); undefined when not known (a list a helper returns).
   */
  all?: Item<LayerInstance | null>[];
  /**
   * A list of lists of layers (`[[BatchNormalization() for level in …] for i in …]`): how many indexings more than one
   * give a layer. Its `all` are the layers of the inner lists; it is never a sequence itself.
   */
  depth?: number;
}

/** One element of a list: its alternatives, the conditions it was added under, and where. */
export interface ListElem {
  alts: Item<LayerInstance | null>[];
  stack: Guard[];
  at: Span | undefined;
}

/**
 * What a local name holds: data produced by layers, layer instances (with the list they build, for a Sequential being
 * assembled with `.append`), a list of layers being built, or something else.
 */
export type Val =
  | { k: 'data'; items: Item<LayerInstance>[] }
  /**
   * `partial` (an attribute of `self` only): the walk holds its value on some paths only (a Sequential being built
   * there); on the others it holds what the class assigns it, which the model's instances say with the conditions of
   * their branches (`self.norm = nn.Sequential()` in one branch of an `if`/`elif` chain, a batch norm in another).
   */
  | { k: 'mod'; items: Item<LayerInstance | null>[]; list?: ListState; partial?: true }
  | { k: 'list'; list: ListState }
  | { k: 'unknown' };

export const UNKNOWN: Val = { k: 'unknown' };

/** The walk's key for `self.<attr>` (not a Python name: it holds a dot). */
export function selfKey(selfName: string, attr: string): string {
  return `${selfName}.${attr}`;
}

/** Whether a key of the walk is an attribute's (selfKey), not a local name's. */
function isSelfKey(key: string): boolean {
  return key.includes('.');
}

/** The list of layers a value holds: a list being built, or a Sequential being assembled; undefined for anything else. */
export function listOf(v: Val | undefined): ListState | undefined {
  return v?.k === 'list' || v?.k === 'mod' ? v.list : undefined;
}
const MAX_GUARDS = 6;

export function addGuards<T>(items: Item<T>[], extra: Guard[]): Item<T>[] {
  if (!extra.length) return items;
  return items.map((it) => ({ v: it.v, g: capGuards([...it.g, ...extra]) }));
}

export function capGuards(g: Guard[]): Guard[] {
  return g.length > MAX_GUARDS ? g.slice(0, MAX_GUARDS) : g;
}

export function namesIn(e: Expr): string[] {
  if (e.kind === 'name') return [e.id];
  if (e.kind === 'tuple' || e.kind === 'list') return e.elts.flatMap(namesIn);
  if (e.kind === 'starred') return namesIn(e.value);
  return [];
}

/** Every value of an environment, marked as reached under `g`. */
export function guardEnv(env: Map<string, Val>, g: Guard): Map<string, Val> {
  const out = new Map<string, Val>();
  for (const [k, v] of env) {
    if (v.k === 'data') out.set(k, { k: 'data', items: addGuards(v.items, [g]) });
    else if (v.k === 'mod') out.set(k, { ...v, items: addGuards(v.items, [g]), list: v.list && guardList(v.list, g) });
    else if (v.k === 'list') out.set(k, { k: 'list', list: guardList(v.list, g) });
    else out.set(k, v);
  }
  return out;
}

function guardList(l: ListState, g: Guard): ListState {
  return { id: l.id, first: l.first && addGuards(l.first, [g]), last: addGuards(l.last, [g]), elems: l.elems, all: l.all && addGuards(l.all, [g]) };
}

export function mergeEnvs(a: Map<string, Val>, b: Map<string, Val>, ga: Guard[], gb: Guard[]): Map<string, Val> {
  if (a === b) return new Map(a);
  const out = new Map<string, Val>();
  for (const [k, va] of a) {
    const vb = b.get(k);
    out.set(k, vb === undefined ? oneSide(k, va, ga) : mergeVals(va, vb, ga, gb));
  }
  for (const [k, vb] of b) if (!a.has(k)) out.set(k, oneSide(k, vb, gb));
  return out;
}

/**
 * A value one side of a merge holds and the other does not. A local name is unbound on the other side; an attribute's
 * value is then only part of what it may be, held under that side's guards.
 */
function oneSide(key: string, v: Val, g: Guard[]): Val {
  return v.k === 'mod' && isSelfKey(key) ? { ...v, items: addGuards(v.items, g), partial: true } : v;
}

/**
 * Both sides' items, each under its side's guards; an item of the second side that the first already holds (the same
 * value under the same guards) is not repeated: paths that meet again and again (a loop, `if …: return` after
 * `if …: return`) would otherwise copy the same items over and over.
 */
function union<T>(a: Item<T>[], b: Item<T>[], ga: Guard[], gb: Guard[]): Item<T>[] {
  const out = addGuards(a, ga);
  const extra = addGuards(b, gb);
  if (!extra.length) return out;
  if (!out.length) return extra;
  const merged = out.slice();
  for (const it of extra) if (!out.some((o) => o.v === it.v && sameGuards(o.g, it.g))) merged.push(it);
  return merged;
}

function sameGuards(a: Guard[], b: Guard[]): boolean {
  return a === b || (a.length === b.length && a.every((g, i) => g === b[i]));
}

export function mergeVals(a: Val, b: Val, ga: Guard[], gb: Guard[]): Val {
  if (a === b) return a;
  if (a.k === 'data' && b.k === 'data') return { k: 'data', items: union(a.items, b.items, ga, gb) };
  if (a.k === 'mod' && b.k === 'mod') {
    const list = a.list && b.list && a.list.id === b.list.id ? mergeLists(a.list, b.list, ga, gb) : a.list ?? b.list;
    const merged: Val = { k: 'mod', items: union(a.items, b.items, ga, gb), list };
    return a.partial || b.partial ? { ...merged, partial: true } : merged;
  }
  if (a.k === 'list' && b.k === 'list' && a.list.id === b.list.id) return { k: 'list', list: mergeLists(a.list, b.list, ga, gb) };
  if (a.k === 'list' && b.k === 'list') return alternativeLists(a.list, b.list, ga, gb);
  if (a.k === 'data' && b.k === 'unknown') return { k: 'data', items: addGuards(a.items, ga) };
  if (b.k === 'data' && a.k === 'unknown') return { k: 'data', items: addGuards(b.items, gb) };
  if (a.k === 'mod' && b.k === 'unknown') return { k: 'mod', items: [...addGuards(a.items, ga), { v: null, g: gb }] };
  if (b.k === 'mod' && a.k === 'unknown') return { k: 'mod', items: [{ v: null, g: ga }, ...addGuards(b.items, gb)] };
  return UNKNOWN;
}

function mergeLists(a: ListState, b: ListState, ga: Guard[], gb: Guard[]): ListState {
  if (a === b) return a;
  const first = a.first === b.first ? a.first : a.first || b.first ? union(a.first ?? [], b.first ?? [], ga, gb) : undefined;
  const last = a.last === b.last ? a.last : union(a.last, b.last, ga, gb);
  const all = a.all === b.all ? a.all : a.all && b.all ? union(a.all, b.all, ga, gb) : undefined;
  return { id: a.id, first, last, elems: a.elems === b.elems ? a.elems : undefined, all };
}

/**
 * Two lists built on different paths (`if separable: self.convs = [SeparableConv2D(…) for …] else: self.convs =
 * [Conv2D(…) for …]`): what an index into the result or a loop over it gives is known (one path's elements or the
 * other's, under its conditions); its order is not, so spliced into a sequence it is one unknown element.
 */
function alternativeLists(a: ListState, b: ListState, ga: Guard[], gb: Guard[]): Val {
  if (!a.all || !b.all || (a.depth ?? 0) !== (b.depth ?? 0)) return UNKNOWN;
  const unknown = [{ v: null, g: [] }];
  return { k: 'list', list: { id: a.id, first: unknown, last: unknown, all: union(a.all, b.all, ga, gb), ...(a.depth ? { depth: a.depth } : {}) } };
}

/** Items added to `to` (each under `stack` too), those it already holds not repeated (a loop's second pass adds them again). */
export function withItems<T>(to: Item<T>[], add: Item<T>[], stack: readonly Guard[]): Item<T>[] {
  const out = to.slice();
  for (const it of add) {
    const g = capGuards([...stack, ...it.g]);
    if (!out.some((o) => o.v === it.v && sameGuards(o.g, g))) out.push({ v: it.v, g });
  }
  return out;
}

/**
 * The layer every element of a list is (one construction, possibly added several times and under conditions), as the
 * items a loop variable over the list or an index into it holds; undefined when the elements differ or are not known.
 */
export function sameElements(lists: readonly ListState[]): Item<LayerInstance | null>[] | undefined {
  const items: Item<LayerInstance | null>[] = [];
  for (const l of lists) {
    if (!l.all) return undefined;
    items.push(...l.all);
  }
  const v = items[0]?.v;
  if (!v) return undefined;
  // Different layers only where each comes on a path that excludes the others' (see alternativeLists).
  for (let i = 0; i < items.length; i++) {
    const a = items[i];
    if (!a.v) return undefined;
    for (let j = i + 1; j < items.length; j++) if (items[j].v !== a.v && !exclusive(a.g, items[j].g)) return undefined;
  }
  return items;
}

/** Whether two sets of conditions cannot hold together: one has a test the other has negated. */
function exclusive(a: readonly Guard[], b: readonly Guard[]): boolean {
  return a.some((x) => b.some((y) => x.key === y.key && x.scope === y.scope && x.negated !== y.negated));
}
