/**
 * Lists of layers being built during the data-flow walk (`layers = []`, `.append`, `+=`, `.extend`, `*rest` inside a
 * Sequential, OrderedDicts, `nn.Sequential(…)` itself): each list remembers its first elements and the elements whose
 * output reaches its end, and appending connects that end to the new element. Connections inside a list count only
 * once the list is known to run in order (it went into a Sequential, or is one).
 */
import type { CallExpr, Expr, Span } from './ast';
import { addGuards, capGuards, type Item, type ListState, type Val } from './flowValues';
import type { FlowFrame } from './flowWalker';
import { roleOf, type LayerInstance } from './model';

export class ListBuilder {
  constructor(
    private readonly f: FlowFrame,
    /** Evaluates an element expression in the walk's current state. */
    private readonly ev: (e: Expr) => Val,
  ) {}

  newList(): ListState {
    return { id: this.f.flow.newListId(), first: undefined, last: [] };
  }


  asInstances(v: Val): Item<LayerInstance | null>[] {
    if (v.k === 'mod') return v.items;
    return [{ v: null, g: [] }];
  }

  /** Appends alternatives (each with its guards) to a list, connecting the current end to them. */
  append(list: ListState, alts: Item<LayerInstance | null>[], at?: Span): ListState {
    if (!alts.length) return list;
    const newLast: Item<LayerInstance | null>[] = [];
    const newFirst: Item<LayerInstance | null>[] = [];
    for (const alt of alts) {
      const g = [...this.f.stack, ...alt.g];
      const inst = alt.v;
      if (inst && roleOf(inst) === 'pass') {
        newLast.push(...addGuards(list.last, alt.g));
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
    return { id: list.id, first: list.first ?? (newFirst.length ? newFirst : undefined), last: newLast };
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
    const v = this.ev(e);
    if (v.k === 'list' || (v.k === 'mod' && v.list)) return this.concat(list, v.k === 'list' ? v.list : v.list!, e);
    return this.append(list, [{ v: null, g: [] }], e);
  }

  /** The elements of `other` appended to `list`. */
  concat(list: ListState, other: ListState, at: Span): ListState {
    // Its own connections count once the outer list is used as a sequence.
    this.f.flow.link(list.id, other.id);
    if (!other.first) return list;
    const l = this.append(list, other.first, at);
    return { id: list.id, first: l.first, last: other.last };
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

  /** `nn.Sequential(a, b, *rest)`, `keras.Sequential([a, b])`, `nn.Sequential(OrderedDict([...]))`. */
  sequentialCtor(inst: LayerInstance, call: CallExpr): ListState {
    let list = this.newList();
    this.markSequential(list.id);
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

  isOrderedDict(call: CallExpr): boolean {
    const q = this.f.model.qname(call.func, this.f.scope);
    return q === 'collections.OrderedDict' || q === 'OrderedDict';
  }
}
