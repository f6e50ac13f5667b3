/**
 * Lists of layers being built during the data-flow walk (`layers = []`, `.append`, `+=`, `.extend`, `*rest` inside a
 * Sequential, OrderedDicts, `nn.Sequential(…)` itself): each list remembers its first elements and the elements whose
 * output reaches its end, and appending connects that end to the new element. Connections inside a list count only
 * once the list is known to run in order (it went into a Sequential, or is one).
 */
import type { CallExpr, Expr, Span } from './ast';
import { canonicalName } from './catalog';
import { addGuards, capGuards, listOf, withItems, type Item, type ListElem, type ListState, type Use, type Val } from './flowValues';
import { flattensAfterBatch, throughReshape } from './reshapes';
import type { FlowFrame } from './flowWalker';
import { roleOf, type Guard, type LayerInstance } from './model';

export class ListBuilder {
  constructor(
    private readonly f: FlowFrame,
    /** Evaluates an element expression in the walk's current state. */
    private readonly ev: (e: Expr) => Val,
  ) {}

  newList(): ListState {
    return { id: this.f.flow.newListId(), first: undefined, last: [], elems: [], all: [] };
  }

  asInstances(v: Val): Item<LayerInstance | null>[] {
    if (v.k === 'mod') return v.items;
    return [{ v: null, g: [] }];
  }

  /** Appends alternatives (each with its guards) to a list, connecting the current end to them. */
  append(list: ListState, alts: Item<LayerInstance | null>[], at?: Span): ListState {
    return this.connect(list, alts, at, this.f.stack);
  }

  /**
   * `append` under the conditions `stack` (those of the walk where the element was added). `joining`: the alternatives
   * are the first elements of another list joined on (`concat`), whose own connections go on from them.
   */
  private connect(list: ListState, alts: Item<LayerInstance | null>[], at: Span | undefined, stack: readonly Guard[], joining = false): ListState {
    if (!alts.length) return list;
    const newLast: Item<LayerInstance | null>[] = [];
    const newFirst: Item<LayerInstance | null>[] = [];
    for (const alt of alts) {
      const g = [...stack, ...alt.g];
      const inst = alt.v;
      if (inst && roleOf(inst) === 'pass') {
        newLast.push(...addGuards(list.last, alt.g));
        continue;
      }
      // A reshape inside the list: what goes on through it (reshapes.ts) reaches the next element. First in a list, or
      // first in a list joined on, it is a consumer like any other (where what passes it would go is not kept).
      if (inst && roleOf(inst) === 'reshape' && list.first && !joining) {
        const { through, stopped } = throughReshape(list.last, flattensAfterBatch(this.f.model, this.f.scope, { kind: 'layer', inst }));
        for (const prev of stopped) {
          if (prev.v) this.f.flow.addUse({ producer: prev.v, consumer: inst, role: 'other', guards: capGuards([...prev.g, ...g]), at: at ?? inst.site }, list.id);
        }
        newLast.push(...addGuards(through, alt.g));
        continue;
      }
      const role = inst ? roleOf(inst) : 'other';
      for (const prev of list.last) {
        if (prev.v) {
          this.f.flow.addUse(
            { producer: prev.v, consumer: inst, role: inst ? role : 'other', guards: capGuards([...prev.g, ...g]), at: at ?? inst?.site ?? prev.v.site },
            list.id,
          );
        }
      }
      newLast.push({ v: inst, g: alt.g });
      if (!list.first) newFirst.push({ v: inst, g: alt.g });
    }
    const elems = list.elems && [...list.elems, { alts, stack: [...stack], at }];
    const all = list.all && (joining ? list.all : withItems(list.all, alts, stack));
    return { id: list.id, first: list.first ?? (newFirst.length ? newFirst : undefined), last: newLast, elems, all };
  }

  /** `layers.insert(i, x)`; undefined when the list's elements (or its pending connections) are no longer known. */
  insert(list: ListState, index: number, alts: Item<LayerInstance | null>[], at: Span): ListState | undefined {
    const elems = list.elems;
    if (!elems) return undefined;
    const n = elems.length;
    const i = index < 0 ? Math.max(0, n + index) : Math.min(index, n);
    if (i === n) return this.append(list, alts, at);
    return this.rebuild(list, [...elems.slice(0, i), { alts, stack: [...this.f.stack], at }, ...elems.slice(i)]);
  }

  /** `layers[i] = x`; undefined when the element is not known. */
  replace(list: ListState, index: number, alts: Item<LayerInstance | null>[], at: Span): ListState | undefined {
    const elems = list.elems;
    if (!elems) return undefined;
    const i = index < 0 ? elems.length + index : index;
    if (i < 0 || i >= elems.length) return undefined;
    return this.rebuild(list, elems.map((e, j) => (j === i ? { alts, stack: [...this.f.stack], at } : e)));
  }

  /**
   * A Sequential changed in place after it was built (`self.body[0] = …`, `del body[1]`, `.insert(i, …)`, `.pop()`): the
   * connections its construction made stand, so the layers they no longer describe are marked as used by something
   * unknown. With the element's index known: the one replaced or removed there (`removes`), and the layers before it
   * whose output reached it (back through pass-through layers and reshapes); otherwise every layer in it.
   */
  unsettle(list: ListState, at: Span, index?: number, removes = true): void {
    const elems = list.elems;
    let alts: Item<LayerInstance | null>[] | undefined = list.all;
    if (elems && index !== undefined) {
      const n = elems.length;
      const i = index < 0 ? n + index : index;
      if (removes ? i >= 0 && i < n : true) {
        const from = removes ? i : Math.max(0, Math.min(i, n));
        alts = removes ? [...elems[from].alts] : [];
        for (let j = from - 1; j >= 0; j--) {
          alts.push(...elems[j].alts);
          if (elems[j].alts.some((a) => !a.v || (roleOf(a.v) !== 'pass' && roleOf(a.v) !== 'reshape'))) break;
        }
      }
    }
    for (const a of alts ?? []) {
      if (a.v) this.f.flow.addUse({ producer: a.v, consumer: null, role: 'other', guards: capGuards([...a.g, ...this.f.stack]), at });
    }
  }

  /**
   * Connects a list's elements anew after an insertion or a replacement. A connection the change removes still holds on
   * the paths where the change does not happen: when the change is under one condition more than the list was built
   * under, it is kept under the opposite condition; under several, it is kept as it was (never dropped on a guess).
   */
  private rebuild(list: ListState, elems: ListElem[]): ListState | undefined {
    const pending = this.f.flow.pendingOf(list.id);
    if (!pending) return undefined;
    const old = pending.splice(0, pending.length);
    let l: ListState = { id: list.id, first: undefined, last: [], elems: [], all: [] };
    for (const e of elems) l = this.connect(l, e.alts, e.at, e.stack);
    const base = list.elems?.[list.elems.length - 1]?.stack ?? [];
    const extra = this.f.stack.filter((g) => !base.some((b) => b.key === g.key && b.negated === g.negated));
    const flow = this.f.flow;
    const key = (u: Use) => `${flow.idOf(u.producer)}>${flow.idOf(u.consumer)}:${u.role}`;
    const now = new Set(pending.map(key));
    for (const u of old) {
      if (now.has(key(u)) || !extra.length) continue;
      pending.push(extra.length === 1 ? { ...u, guards: capGuards([...u.guards, { ...extra[0], negated: !extra[0].negated }]) } : u);
    }
    return l;
  }

  /** `list += other` / `list.extend(other)` / `*other` inside a Sequential. */
  extend(list: ListState, e: Expr): ListState {
    if (e.kind === 'list' || e.kind === 'tuple') {
      let l = list;
      for (const x of e.elts) {
        if (x.kind === 'starred') {
          l = this.extend(l, x.value);
          continue;
        }
        l = this.append(l, this.asInstances(this.ev(x)), x);
      }
      return l;
    }
    if (isComprehension(e)) {
      const l = this.comprehension(e, () => undefined);
      if (!l) return this.append(list, [{ v: null, g: [] }], e);
      // A list of lists is the list itself only where nothing else is in it (`nn.ModuleList([nn.ModuleList(…) for …])`).
      if (l.depth) return list.first || list.all?.length ? this.append(list, [{ v: null, g: [] }], e) : { ...l, id: list.id };
      return this.concat(list, l, e);
    }
    const v = this.ev(e);
    const other = listOf(v);
    if (other) return this.concat(list, other, e);
    return this.append(list, [{ v: null, g: [] }], e);
  }

  /**
   * `[nn.Conv2d(c, c, 3) for _ in range(n)]`: the element's layers again and again, each copy feeding the next (once the
   * list runs as a sequence); `[[…] for …]` (or `[nn.ModuleList(…) for …]`): a list of such lists, one `depth` more.
   * Undefined when the element is no layer; `other` is given the element's value then.
   */
  comprehension(e: Expr & { kind: 'other' }, other: (v: Val) => void): ListState | undefined {
    const v = this.ev(e.children[0]);
    for (const x of e.children.slice(1)) this.ev(x);
    if (v.k === 'mod' && v.items.some((it) => it.v)) return this.repeat(this.append(this.newList(), v.items, e), e);
    const inner = listOf(v);
    if (v.k === 'list' && inner?.all?.length) return this.listOfLists(inner.all, (inner.depth ?? 0) + 1);
    other(v);
    return undefined;
  }

  /** An element of a list of lists (`self.bns[i]`): a list of the same layers, one `depth` less. */
  innerList(outer: ListState): ListState {
    return this.listOfLists(outer.all, (outer.depth ?? 1) - 1);
  }

  /** A list known only by its layers (`all`), never a sequence: of lists `depth` deep (0: of the layers themselves). */
  private listOfLists(all: ListState['all'], depth: number): ListState {
    return { id: this.f.flow.newListId(), first: undefined, last: [], all, ...(depth ? { depth } : {}) };
  }

  /** The elements of `other` appended to `list`. */
  concat(list: ListState, other: ListState, at: Span): ListState {
    // Its own connections count once the outer list is used as a sequence.
    this.f.flow.link(list.id, other.id);
    const all = list.all && other.all && withItems(list.all, other.all, this.f.stack);
    if (!other.first) return { ...list, elems: undefined, all };
    const l = this.connect(list, other.first, at, this.f.stack, true);
    return { id: list.id, first: l.first, last: other.last, all };
  }

  /** `list * n`: the same layers again, each copy's end feeding the next copy's start (see FlowExprs.binop). */
  repeat(list: ListState, at: Span): ListState {
    if (!list.first) return list;
    this.append(list, list.first, at);
    return { id: list.id, first: list.first, last: list.last, all: list.all };
  }

  markSequential(id: number): void {
    this.f.flow.markSequential(id);
  }

  /** Where a list ends: its last layers' output leaves it (to the Sequential `seq` is, or somewhere unknown). */
  endList(list: ListState, at: Span, seq?: LayerInstance): void {
    for (const prev of list.last) {
      if (prev.v && prev.v !== seq) this.f.flow.addUse({ producer: prev.v, consumer: seq ?? null, role: seq ? 'out' : 'other', guards: capGuards([...prev.g, ...this.f.stack]), at }, list.id);
    }
  }

  /** Layers that run one after the other, as written (`compose(a, b, c)`): a list marked as a sequence. */
  sequence(elements: readonly Expr[]): ListState {
    let list = this.newList();
    this.markSequential(list.id);
    for (const e of elements) list = this.append(list, this.asInstances(this.ev(e)), e);
    return list;
  }

  /** `nn.Sequential(a, b, *rest)`, `keras.Sequential([a, b])`, `nn.Sequential(OrderedDict([...]))`. */
  sequentialCtor(inst: LayerInstance, call: CallExpr): ListState {
    let list = this.newList();
    this.markSequential(list.id);
    this.f.flow.ownList(list.id, inst);
    const args = call.args.filter((a) => !a.name || a.name === 'layers');
    const fw = inst.spec.framework;
    const elements: Expr[] = [];
    const addSource = (e: Expr) => {
      if (e.kind === 'call' && this.isOrderedDict(e)) {
        const inner = e.args[0]?.value;
        if (inner) addSource(inner);
        return;
      }
      if (e.kind === 'list' || e.kind === 'tuple') {
        for (const x of e.elts) {
          if ((x.kind === 'tuple' || x.kind === 'list') && x.elts.length === 2 && this.isOrderedDictSource(call)) elements.push(x.elts[1]);
          else elements.push(x);
        }
        return;
      }
      if (e.kind === 'dict') {
        for (const it of e.items) elements.push(it.key ? it.value : ({ kind: 'starred', double: true, value: it.value, from: it.value.from, to: it.value.to } as Expr));
        return;
      }
      elements.push({ kind: 'starred', double: false, value: e, from: e.from, to: e.to });
    };
    if (fw === 'keras' || fw === 'flax') {
      const first = args[0];
      if (first && !first.star) addSource(first.value);
    } else {
      for (const a of args) {
        if (a.star === '*') elements.push({ kind: 'starred', double: false, value: a.value, from: a.from, to: a.to });
        else if (a.star) continue;
        else if (a.value.kind === 'call' && this.isOrderedDict(a.value)) addSource(a.value);
        else if (a.value.kind === 'dict') addSource(a.value);
        else elements.push(a.value);
      }
    }
    for (const e of elements) {
      if (e.kind === 'starred') list = this.extend(list, e.value);
      else list = this.append(list, this.asInstances(this.ev(e)), e);
    }
    inst.seq = { first: list.first ?? [], last: list.last };
    this.endList(list, call, inst);
    return list;
  }

  private isOrderedDictSource(call: CallExpr): boolean {
    return call.args.some((a) => a.value.kind === 'call' && this.isOrderedDict(a.value));
  }

  /** `nn.ModuleList(…)` (or OpenMMLab's, see canonicalName). */
  isModuleList(call: CallExpr): boolean {
    const q = this.f.model.qname(call.func, this.f.scope);
    return q !== undefined && canonicalName(q) === 'torch.nn.ModuleList';
  }

  isOrderedDict(call: CallExpr): boolean {
    const q = this.f.model.qname(call.func, this.f.scope);
    return q === 'collections.OrderedDict' || q === 'OrderedDict';
  }
}

/** `[x for …]` or `(x for …)`, whose first child is the element. */
export function isComprehension(e: Expr): e is Expr & { kind: 'other' } {
  return e.kind === 'other' && (e.what === 'ArrayComprehensionExpression' || e.what === 'ComprehensionExpression') && !!e.children[0];
}
