/**
 * Where the output of each layer instance goes.
 *
 * Walks every function body (and the module body) once, in statement order, tracking for each local
 * name what it holds: data produced by some layers (`x = self.conv(x)`), layer instances
 * (`conv = nn.Conv2d(…)`), or a list of layers being built (`layers += [conv, nn.BatchNorm2d(c)]`,
 * `model.add(…)`, `d['bn'] = …`). Sequential containers (`nn.Sequential(…)`, `keras.Sequential([…])`,
 * `OrderedDict`, lists splatted into them) connect neighbours. Branches are followed separately and
 * merged, remembering the conditions (guards) under which each connection happens.
 *
 * The result: for every layer instance, its uses — which layer (or other operation) consumes its output.
 */
import type { CallExpr, Expr, Span, Stmt } from './ast';
import { forEachChild } from './ast';
import { INSPECTION_METHODS, TENSOR_METHODS, type Role } from './catalog';
import { guardOf, type Guard, type LayerInstance, type PythonModel, type Scope } from './model';

export type UseRole = Role | 'other';

export interface Use {
  producer: LayerInstance;
  /** The consuming layer, or null for an operation that is not a known layer (function, arithmetic, return…). */
  consumer: LayerInstance | null;
  role: UseRole;
  guards: Guard[];
  at: Span;
}

type Item<T> = { v: T; g: Guard[] };

interface ListState {
  id: number;
  /** First non-pass elements (alternatives); undefined while nothing but pass-through layers was added. */
  first: Item<LayerInstance | null>[] | undefined;
  /** Elements whose output reaches the end of the list so far. */
  last: Item<LayerInstance | null>[];
}

type Val =
  | { k: 'data'; items: Item<LayerInstance>[] }
  | { k: 'mod'; items: Item<LayerInstance | null>[]; list?: ListState }
  | { k: 'list'; list: ListState }
  | { k: 'unknown' };

const UNKNOWN: Val = { k: 'unknown' };
const MAX_GUARDS = 6;
const MAX_LOOP_NESTING = 3;

export class FlowAnalysis {
  private readonly byProducer = new Map<LayerInstance, Map<string, Use>>();
  /** Connections inside lists not (yet) known to be used as a sequence, per list id. */
  readonly pending = new Map<number, Use[]>();
  readonly sequentialLists = new Set<number>();
  private nextListId = 1;
  private readonly instanceIds = new Map<LayerInstance, number>();

  private deferred: (() => void)[] = [];

  /**
   * Walks the module body, and the classes and functions for which `walk(def)` is true (all by default).
   * The others are walked by `requireAll()`, for analyses that only need part of the file.
   */
  constructor(
    readonly model: PythonModel,
    walk?: (def: Span) => boolean,
  ) {
    new Walker(this, model.moduleScope).body(model.module.body, true);
    for (const cls of model.classes) {
      const run = () =>
        new Walker(this, cls.scope).body(
          cls.def.body.filter((s) => s.kind !== 'def' && s.kind !== 'class'),
          true,
        );
      if (!walk || walk(cls.def)) run();
      else this.deferred.push(run);
    }
    for (const fn of model.functions) {
      const run = () => new Walker(this, fn.scope).function(fn);
      if (!walk || walk(fn.def)) run();
      else this.deferred.push(run);
    }
  }

  /** Walks whatever the constructor left out. */
  requireAll(): void {
    const todo = this.deferred;
    this.deferred = [];
    for (const run of todo) run();
  }

  get complete(): boolean {
    return this.deferred.length === 0;
  }

  newListId(): number {
    return this.nextListId++;
  }

  idOf(inst: LayerInstance | null): number {
    if (!inst) return 0;
    let id = this.instanceIds.get(inst);
    if (id === undefined) {
      id = this.instanceIds.size + 1;
      this.instanceIds.set(inst, id);
    }
    return id;
  }

  addUse(u: Use, listId?: number): void {
    if (listId !== undefined && !this.sequentialLists.has(listId)) {
      const p = this.pending.get(listId);
      if (p) p.push(u);
      else this.pending.set(listId, [u]);
      return;
    }
    const key = `${this.idOf(u.consumer)}:${u.role}:${u.guards.map((g) => (g.negated ? '!' : '') + g.key).join('&')}`;
    let m = this.byProducer.get(u.producer);
    if (!m) {
      m = new Map();
      this.byProducer.set(u.producer, m);
    }
    if (!m.has(key)) m.set(key, u);
  }

  markSequential(id: number): void {
    if (this.sequentialLists.has(id)) return;
    this.sequentialLists.add(id);
    const p = this.pending.get(id);
    if (p) {
      this.pending.delete(id);
      for (const u of p) this.addUse(u);
    }
  }

  /** Layer instances whose output is used somewhere. */
  producers(): LayerInstance[] {
    return [...this.byProducer.keys()];
  }

  /**
   * The uses of a layer's output. A use by a sequential container stands for a use by its first
   * element(s), so it is expanded here.
   */
  usesOf(inst: LayerInstance): Use[] {
    const m = this.byProducer.get(inst);
    if (!m) return [];
    const out: Use[] = [];
    for (const u of m.values()) this.expand(u, out, 0);
    return out;
  }

  private expand(u: Use, out: Use[], depth: number): void {
    if (u.role !== 'seq' || !u.consumer) {
      out.push(u);
      return;
    }
    const seq = u.consumer.seq ?? u.consumer.helper?.inner.seq;
    if (!seq || !seq.first.length || depth > 4) {
      out.push({ ...u, role: 'other', consumer: null });
      return;
    }
    for (const f of seq.first) {
      const guards = [...u.guards, ...f.g];
      if (!f.v) out.push({ ...u, consumer: null, role: 'other', guards });
      else this.expand({ ...u, consumer: f.v, role: roleOf(f.v), guards }, out, depth + 1);
    }
  }
}

/** The role a layer plays on its output: a Keras conv with a fused activation acts as an activation. */
export function roleOf(inst: LayerInstance): Role {
  const spec = inst.spec;
  if ((spec.role === 'conv' || spec.role === 'linear') && spec.args.activation && !inst.localClass) {
    const a = spec.args.activation;
    for (const x of inst.ctor.args) {
      if (x.name === a.name || (a.index !== undefined && x === positional(inst.ctor, a.index))) {
        const v = x.value;
        if (v.kind === 'const' && v.value === 'None') return spec.role;
        if (v.kind === 'string' && v.value === 'linear') return spec.role;
        return 'act';
      }
    }
    for (const x of inst.partialKw) if (x.name === a.name && !(x.value.kind === 'const' && x.value.value === 'None')) return 'act';
  }
  return spec.role;
}

function positional(call: CallExpr, index: number) {
  let i = 0;
  for (const a of call.args) {
    if (a.name !== undefined || a.star) return undefined;
    if (i === index) return a;
    i++;
  }
  return undefined;
}

function addGuards<T>(items: Item<T>[], extra: Guard[]): Item<T>[] {
  if (!extra.length) return items;
  return items.map((it) => ({ v: it.v, g: capGuards([...it.g, ...extra]) }));
}

function capGuards(g: Guard[]): Guard[] {
  return g.length > MAX_GUARDS ? g.slice(0, MAX_GUARDS) : g;
}

class Walker {
  private env = new Map<string, Val>();
  private stack: Guard[] = [];
  private loopDepth = 0;
  /** The current path ended (return, raise, break, continue): the rest of its block does not run. */
  private dead = false;
  /** Per enclosing loop: the states at `continue` (they reach the next iteration) and at `break`. */
  private readonly loops: { continues: Map<string, Val>[]; breaks: Map<string, Val>[] }[] = [];
  private selfName?: string;
  private seqSubclass = false;

  constructor(
    private readonly flow: FlowAnalysis,
    private readonly scope: Scope,
  ) {}

  private get model(): PythonModel {
    return this.flow.model;
  }

  function(fn: NonNullable<Scope['fn']>): void {
    this.selfName = this.scope.selfName;
    // In a Sequential subclass, `self.add_module(…)` and `super().__init__(…)` build the sequence.
    if (fn.cls && this.selfName && fn.def.name === '__init__') {
      const base = this.model.layerBase(fn.cls);
      if (base?.role === 'seq') {
        this.seqSubclass = true;
        const list = this.newList();
        this.flow.markSequential(list.id);
        this.env.set(this.selfName, { k: 'list', list });
      }
    }
    this.body(fn.def.body, true);
  }

  body(stmts: Stmt[], top = false): void {
    for (const s of stmts) {
      if (this.dead) break;
      this.stmt(s);
    }
    if (top) {
      this.dead = false;
      // Sequences built with `.add` end where the function ends.
      for (const v of this.env.values()) {
        const list = v.k === 'list' ? v.list : v.k === 'mod' ? v.list : undefined;
        if (list && this.flow.sequentialLists.has(list.id)) this.endList(list, { from: 0, to: 0 });
      }
    }
  }

  private newList(): ListState {
    return { id: this.flow.newListId(), first: undefined, last: [] };
  }

  // ---- statements ------------------------------------------------------------------------------

  private stmt(s: Stmt): void {
    switch (s.kind) {
      case 'assign': {
        const v = s.value ? this.ev(s.value) : UNKNOWN;
        for (const t of s.targets) this.assignTo(t, v, s);
        return;
      }
      case 'augassign': {
        const t = s.target;
        if (t.kind === 'name') {
          const cur = this.env.get(t.id);
          const list = cur?.k === 'list' ? cur.list : cur?.k === 'mod' ? cur.list : undefined;
          if (list && s.op === '+=') {
            const nl = this.extend(list, s.value);
            this.env.set(t.id, cur?.k === 'mod' ? { ...cur, list: nl } : { k: 'list', list: nl });
            return;
          }
          const v = this.ev(s.value);
          this.consume(cur ?? this.ev(t), null, 'other', s);
          this.consume(v, null, 'other', s);
          this.env.set(t.id, UNKNOWN);
          return;
        }
        this.consume(this.ev(t), null, 'other', s);
        this.consume(this.ev(s.value), null, 'other', s);
        return;
      }
      case 'expr':
        this.ev(s.value);
        return;
      case 'return':
        if (s.value) this.consume(this.ev(s.value), null, 'other', s);
        this.dead = true;
        return;
      case 'if': {
        this.ev(s.test);
        const before = this.env;
        const pos = guardOf(s.test, false, this.scope);
        const neg = guardOf(s.test, true, this.scope);
        this.env = new Map(before);
        this.stack.push(pos);
        this.body(s.body);
        this.stack.pop();
        const thenEnv = this.env;
        const thenDead = this.dead;
        this.dead = false;
        this.env = new Map(before);
        this.stack.push(neg);
        this.body(s.orelse);
        this.stack.pop();
        const elseDead = this.dead;
        // A branch that returned (or broke out) does not reach what follows: what follows runs only
        // under the other branch's condition.
        if (thenDead && !elseDead) this.env = guardEnv(this.env, neg);
        else if (elseDead && !thenDead) {
          this.env = guardEnv(thenEnv, pos);
          this.dead = false;
        } else this.env = mergeEnvs(thenEnv, this.env, [pos], [neg]);
        return;
      }
      case 'for':
      case 'while': {
        this.consume(this.ev(s.iter), null, 'other', s);
        const bindTargets = () => {
          if (s.target) for (const n of namesIn(s.target)) this.env.set(n, UNKNOWN);
        };
        const env0 = this.env;
        const frame = { continues: [] as Map<string, Val>[], breaks: [] as Map<string, Val>[] };
        this.loops.push(frame);
        this.loopDepth++;
        const pass = (start: Map<string, Val>): Map<string, Val> => {
          this.env = new Map(start);
          this.dead = false;
          bindTargets();
          this.body(s.body);
          // The end of the body, and every `continue`, lead to the next iteration.
          let end = this.dead ? undefined : this.env;
          for (const c of frame.continues) end = end ? mergeEnvs(end, c, [], []) : c;
          frame.continues = [];
          this.dead = false;
          return end ?? start;
        };
        let end = pass(env0);
        if (this.loopDepth <= MAX_LOOP_NESTING) {
          // A second pass sees what the end of one iteration feeds into the start of the next.
          end = pass(mergeEnvs(env0, end, [], []));
        }
        this.loopDepth--;
        this.loops.pop();
        this.env = mergeEnvs(env0, end, [], []);
        this.body(s.orelse);
        for (const b of frame.breaks) this.env = mergeEnvs(this.env, b, [], []);
        this.dead = false;
        return;
      }
      case 'with':
        for (const e of s.items) this.ev(e);
        this.body(s.body);
        return;
      case 'try': {
        this.body(s.body);
        this.dead = false;
        const after = this.env;
        let merged = after;
        for (const h of s.handlers) {
          this.env = new Map(after);
          this.body(h);
          this.dead = false;
          merged = mergeEnvs(merged, this.env, [], []);
        }
        this.env = merged;
        this.body(s.orelse);
        this.dead = false;
        this.body(s.finalbody);
        return;
      }
      case 'def':
      case 'class':
        this.env.delete(s.name);
        return;
      case 'import':
      case 'from':
        return;
      case 'other': {
        for (const e of s.exprs) this.consume(this.ev(e), null, 'other', s);
        const frame = this.loops[this.loops.length - 1];
        if (s.what === 'ContinueStatement' && frame) frame.continues.push(this.env);
        else if (s.what === 'BreakStatement' && frame) frame.breaks.push(this.env);
        if (s.what === 'ContinueStatement' || s.what === 'BreakStatement' || s.what === 'RaiseStatement') this.dead = true;
        return;
      }
    }
  }

  private assignTo(t: Expr, v: Val, at: Span): void {
    if (t.kind === 'name') {
      this.env.set(t.id, v);
      return;
    }
    if (t.kind === 'tuple' || t.kind === 'list') {
      this.consume(v, null, 'other', at);
      for (const n of namesIn(t)) this.env.set(n, UNKNOWN);
      return;
    }
    if (t.kind === 'subscript' && t.value.kind === 'name') {
      const cur = this.env.get(t.value.id);
      if (cur?.k === 'list') {
        // `layers['bn1'] = nn.BatchNorm2d(c)` on an OrderedDict being built
        this.env.set(t.value.id, { k: 'list', list: this.append(cur.list, this.asInstances(v)) });
        return;
      }
    }
    if (t.kind === 'attr' && this.selfName && t.value.kind === 'name' && t.value.id === this.selfName) return;
    this.ev(t);
    this.consume(v, null, 'other', at);
  }

  // ---- lists -----------------------------------------------------------------------------------

  private asInstances(v: Val): Item<LayerInstance | null>[] {
    if (v.k === 'mod') return v.items;
    return [{ v: null, g: [] }];
  }

  /** Appends alternatives (each with its guards) to a list, connecting the current end to them. */
  private append(list: ListState, alts: Item<LayerInstance | null>[], at?: Span): ListState {
    if (!alts.length) return list;
    const newLast: Item<LayerInstance | null>[] = [];
    const newFirst: Item<LayerInstance | null>[] = [];
    for (const alt of alts) {
      const g = [...this.stack, ...alt.g];
      const inst = alt.v;
      if (inst && roleOf(inst) === 'pass') {
        newLast.push(...addGuards(list.last, alt.g));
        continue;
      }
      const role = inst ? roleOf(inst) : 'other';
      for (const prev of list.last) {
        if (prev.v) {
          this.flow.addUse(
            { producer: prev.v, consumer: inst, role: inst ? role : 'other', guards: capGuards([...prev.g, ...g]), at: at ?? inst?.site ?? prev.v.site },
            list.id,
          );
        }
      }
      const item = { v: inst && role !== 'seq' ? inst : null, g: alt.g };
      newLast.push(item);
      if (!list.first) newFirst.push({ v: inst, g: alt.g });
    }
    return { id: list.id, first: list.first ?? (newFirst.length ? newFirst : undefined), last: newLast };
  }

  /** `list += other` / `list.extend(other)` / `*other` inside a Sequential. */
  private extend(list: ListState, e: Expr): ListState {
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
  private concat(list: ListState, other: ListState, at: Span): ListState {
    // Its own connections count once the outer list is used as a sequence.
    if (this.flow.sequentialLists.has(list.id)) this.markSequential(other.id);
    else this.linkLists(list.id, other.id);
    if (!other.first) return list;
    const l = this.append(list, other.first, at);
    return { id: list.id, first: l.first, last: other.last };
  }

  private readonly linked = new Map<number, number[]>();

  /** When `a` becomes sequential, so does `b` (b was spliced into a). */
  private linkLists(a: number, b: number): void {
    const l = this.linked.get(a);
    if (l) l.push(b);
    else this.linked.set(a, [b]);
  }

  private markSequential(id: number): void {
    this.flow.markSequential(id);
    for (const b of this.linked.get(id) ?? []) this.markSequential(b);
  }

  private endList(list: ListState, at: Span): void {
    for (const prev of list.last) {
      if (prev.v) this.flow.addUse({ producer: prev.v, consumer: null, role: 'other', guards: capGuards([...prev.g, ...this.stack]), at }, list.id);
    }
  }

  /** `nn.Sequential(a, b, *rest)`, `keras.Sequential([a, b])`, `nn.Sequential(OrderedDict([...]))`. */
  private sequentialCtor(inst: LayerInstance, call: CallExpr): ListState {
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
    this.endList(list, call);
    return list;
  }

  private isOrderedDictSource(call: CallExpr): boolean {
    return call.args.some((a) => a.value.kind === 'call' && this.isOrderedDict(a.value));
  }

  private isOrderedDict(call: CallExpr): boolean {
    const q = this.model.qname(call.func, this.scope);
    return q === 'collections.OrderedDict' || q === 'OrderedDict';
  }

  // ---- expressions -----------------------------------------------------------------------------

  private consume(v: Val, consumer: LayerInstance | null, role: UseRole, at: Span): void {
    if (v.k !== 'data') return;
    for (const it of v.items) {
      this.flow.addUse({ producer: it.v, consumer, role, guards: capGuards([...it.g, ...this.stack]), at });
    }
  }

  private ev(e: Expr): Val {
    switch (e.kind) {
      case 'name': {
        const v = this.env.get(e.id);
        if (v) return v;
        return this.staticInstances(e);
      }
      case 'attr': {
        if (this.selfName && e.value.kind === 'name' && e.value.id === this.selfName) {
          if (this.seqSubclass) return UNKNOWN;
          return this.staticInstances(e);
        }
        this.ev(e.value);
        return UNKNOWN;
      }
      case 'call':
        return this.call(e);
      case 'ifexp': {
        this.ev(e.test);
        const a = this.ev(e.body);
        const b = this.ev(e.orelse);
        const pos = guardOf(e.test, false, this.scope);
        const neg = guardOf(e.test, true, this.scope);
        return mergeVals(a, b, [pos], [neg]);
      }
      case 'const':
        if (e.value === 'None') return { k: 'mod', items: [] };
        return UNKNOWN;
      case 'number':
      case 'string':
        return UNKNOWN;
      case 'list':
      case 'tuple': {
        // A literal list of layers is a list being built; of data, a use of each.
        const vals = e.elts.map((x) => (x.kind === 'starred' ? this.ev(x.value) : this.ev(x)));
        const layerish = (v: Val, x: Expr) => v.k === 'mod' || (x.kind === 'starred' && v.k === 'list');
        if (vals.length && vals.every((v, i) => layerish(v, e.elts[i]))) {
          let list = this.newList();
          for (let i = 0; i < vals.length; i++) {
            const x = e.elts[i];
            const v = vals[i];
            if (x.kind === 'starred') {
              const other = v.k === 'list' ? v.list : v.k === 'mod' ? v.list : undefined;
              list = other ? this.concat(list, other, x) : this.append(list, [{ v: null, g: [] }], x);
            } else list = this.append(list, this.asInstances(v), x);
          }
          return { k: 'list', list };
        }
        if (e.kind === 'list' && vals.length === 0) return { k: 'list', list: this.newList() };
        for (const v of vals) this.consume(v, null, 'other', e);
        return UNKNOWN;
      }
      default: {
        const vals: Val[] = [];
        forEachChild(e, (c) => vals.push(this.ev(c)));
        for (const v of vals) this.consume(v, null, 'other', e);
        return UNKNOWN;
      }
    }
  }

  private staticInstances(e: Expr): Val {
    const insts = this.model.instances(e, this.scope);
    if (!insts.length) return { k: 'mod', items: [] };
    if (insts.every((i) => i.value === null)) return UNKNOWN;
    return { k: 'mod', items: insts.map((i) => ({ v: i.value, g: i.guards })) };
  }

  private call(call: CallExpr): Val {
    const f = call.func;
    // Methods of lists being built.
    if (f.kind === 'attr' && f.value.kind === 'name') {
      const holder = this.env.get(f.value.id);
      const list = holder?.k === 'list' ? holder.list : holder?.k === 'mod' ? holder.list : undefined;
      if (holder && list) {
        let nl: ListState | undefined;
        const arg = (i: number) => call.args[i]?.value;
        if ((f.attr === 'append' || f.attr === 'add') && arg(0) && !call.args[0].name) nl = this.append(list, this.asInstances(this.ev(arg(0)!)), call);
        else if (f.attr === 'add_module' && arg(1)) nl = this.append(list, this.asInstances(this.ev(arg(1)!)), call);
        else if (f.attr === 'extend' && arg(0)) nl = this.extend(list, arg(0)!);
        else if (f.attr === 'insert' || f.attr === 'pop' || f.attr === 'remove' || f.attr === 'reverse' || f.attr === 'clear') {
          // Order no longer known: forget the list.
          this.env.set(f.value.id, UNKNOWN);
          return UNKNOWN;
        }
        if (nl) {
          this.env.set(f.value.id, holder.k === 'mod' ? { ...holder, list: nl } : { k: 'list', list: nl });
          return UNKNOWN;
        }
      }
    }
    // `self.add_module(...)` / `super().__init__(...)` in a Sequential subclass.
    if (this.seqSubclass && this.selfName) {
      const self = this.env.get(this.selfName);
      if (self?.k === 'list') {
        if (f.kind === 'attr' && f.attr === 'add_module' && f.value.kind === 'name' && f.value.id === this.selfName && call.args[1]) {
          this.env.set(this.selfName, { k: 'list', list: this.append(self.list, this.asInstances(this.ev(call.args[1].value)), call) });
          return UNKNOWN;
        }
        if (f.kind === 'attr' && f.attr === '__init__' && f.value.kind === 'call' && f.value.func.kind === 'name' && f.value.func.id === 'super') {
          let l = self.list;
          for (const a of call.args) {
            if (a.name) continue;
            if (a.star === '*') l = this.extend(l, a.value);
            else if (!a.star) l = this.append(l, this.asInstances(this.ev(a.value)), a);
          }
          this.env.set(this.selfName, { k: 'list', list: l });
          return UNKNOWN;
        }
      }
    }

    // Applying a module instance: `self.conv(x)`, `conv(x)`, `layers.Conv2D(…)(x)`.
    let callee: Val | undefined;
    if (f.kind === 'call') callee = this.ev(f);
    else if (f.kind === 'name' && this.env.has(f.id)) callee = this.env.get(f.id);
    else if (f.kind === 'attr' && this.selfName && f.value.kind === 'name' && f.value.id === this.selfName && !this.seqSubclass) callee = this.staticInstances(f);
    if (callee && callee.k === 'mod' && callee.items.some((i) => i.v)) return this.apply(callee.items, call);
    // A call result called again (`make()(x)`) that is no known layer.
    if (f.kind === 'call') return this.opaque(call);

    // Constructing a layer / calling a function.
    const cs = this.model.callables(f, this.scope);
    if (cs.length >= 1 && cs.every((c) => c.value.kind === 'layer' || c.value.kind === 'helper' || (c.value.kind === 'class' && c.value.base))) {
      const inst = this.model.instanceAt(call, this.scope);
      if (inst) {
        if (inst.spec.role === 'seq' && inst.ctor === call) {
          const list = this.sequentialCtor(inst, call);
          return { k: 'mod', items: [{ v: inst, g: [] }], list };
        }
        for (const a of call.args) this.ev(a.value);
        return { k: 'mod', items: [{ v: inst, g: [] }] };
      }
      if (cs.every((c) => c.value.kind === 'helper')) return this.opaque(call);
    }
    if (cs.length === 1 && cs[0].value.kind === 'func') {
      const spec = cs[0].value.spec;
      const first = call.args[0] && !call.args[0].name && !call.args[0].star ? this.ev(call.args[0].value) : UNKNOWN;
      for (const a of call.args.slice(1)) this.consume(this.ev(a.value), null, 'other', call);
      if (spec.role === 'pass') return first;
      this.consume(first, null, spec.role, call);
      return UNKNOWN;
    }
    if (this.isOrderedDict(call)) {
      const inner = call.args[0]?.value;
      let list = this.newList();
      if (inner && (inner.kind === 'list' || inner.kind === 'tuple')) {
        for (const x of inner.elts) {
          if ((x.kind === 'tuple' || x.kind === 'list') && x.elts.length === 2) list = this.append(list, this.asInstances(this.ev(x.elts[1])), x);
          else list = this.append(list, [{ v: null, g: [] }], x);
        }
      } else if (inner) list = this.append(list, [{ v: null, g: [] }], inner);
      return { k: 'list', list };
    }
    // Methods of data: `x.relu()`, `x.view(…)`, `x.size(1)`.
    if (f.kind === 'attr') {
      const recv = this.ev(f.value);
      if (recv.k === 'data') {
        if (INSPECTION_METHODS.has(f.attr)) return UNKNOWN;
        const role = TENSOR_METHODS[f.attr];
        for (const a of call.args) this.consume(this.ev(a.value), null, 'other', call);
        if (role === 'pass') return recv;
        this.consume(recv, null, role ?? 'other', call);
        return UNKNOWN;
      }
    }
    return this.opaque(call, f.kind === 'attr' ? undefined : f);
  }

  /** A call we know nothing about: its data arguments are used, its result is unknown. */
  private opaque(call: CallExpr, func?: Expr): Val {
    if (func) this.ev(func);
    for (const a of call.args) this.consume(this.ev(a.value), null, 'other', call);
    return UNKNOWN;
  }

  private apply(items: Item<LayerInstance | null>[], call: CallExpr): Val {
    const first = call.args.find((a) => !a.name && !a.star);
    const input = first ? this.ev(first.value) : UNKNOWN;
    for (const a of call.args) if (a !== first) this.consume(this.ev(a.value), null, 'other', call);
    const out: Item<LayerInstance>[] = [];
    for (const it of items) {
      const inst = it.v;
      if (!inst) {
        this.consume(input, null, 'other', call);
        continue;
      }
      const role = roleOf(inst);
      this.stack.push(...it.g);
      if (role === 'pass') {
        if (input.k === 'data') out.push(...addGuards(input.items, it.g));
      } else {
        this.consume(input, inst, role, call);
        if (role !== 'seq') out.push({ v: inst, g: it.g });
      }
      this.stack.length -= it.g.length;
    }
    return { k: 'data', items: out };
  }
}

function namesIn(e: Expr): string[] {
  if (e.kind === 'name') return [e.id];
  if (e.kind === 'tuple' || e.kind === 'list') return e.elts.flatMap(namesIn);
  if (e.kind === 'starred') return namesIn(e.value);
  return [];
}

/** Every value of an environment, marked as reached under `g`. */
function guardEnv(env: Map<string, Val>, g: Guard): Map<string, Val> {
  const out = new Map<string, Val>();
  for (const [k, v] of env) {
    if (v.k === 'data') out.set(k, { k: 'data', items: addGuards(v.items, [g]) });
    else if (v.k === 'mod') out.set(k, { k: 'mod', items: addGuards(v.items, [g]), list: v.list && guardList(v.list, g) });
    else if (v.k === 'list') out.set(k, { k: 'list', list: guardList(v.list, g) });
    else out.set(k, v);
  }
  return out;
}

function guardList(l: ListState, g: Guard): ListState {
  return { id: l.id, first: l.first && addGuards(l.first, [g]), last: addGuards(l.last, [g]) };
}

function mergeEnvs(a: Map<string, Val>, b: Map<string, Val>, ga: Guard[], gb: Guard[]): Map<string, Val> {
  if (a === b) return new Map(a);
  const out = new Map<string, Val>();
  for (const [k, va] of a) {
    const vb = b.get(k);
    out.set(k, vb === undefined ? va : mergeVals(va, vb, ga, gb));
  }
  for (const [k, vb] of b) if (!a.has(k)) out.set(k, vb);
  return out;
}

function mergeVals(a: Val, b: Val, ga: Guard[], gb: Guard[]): Val {
  if (a === b) return a;
  if (a.k === 'data' && b.k === 'data') return { k: 'data', items: [...addGuards(a.items, ga), ...addGuards(b.items, gb)] };
  if (a.k === 'mod' && b.k === 'mod') {
    const list = a.list && b.list && a.list.id === b.list.id ? mergeLists(a.list, b.list, ga, gb) : a.list ?? b.list;
    return { k: 'mod', items: [...addGuards(a.items, ga), ...addGuards(b.items, gb)], list };
  }
  if (a.k === 'list' && b.k === 'list' && a.list.id === b.list.id) return { k: 'list', list: mergeLists(a.list, b.list, ga, gb) };
  if (a.k === 'data' && b.k === 'unknown') return { k: 'data', items: addGuards(a.items, ga) };
  if (b.k === 'data' && a.k === 'unknown') return { k: 'data', items: addGuards(b.items, gb) };
  if (a.k === 'mod' && b.k === 'unknown') return { k: 'mod', items: [...addGuards(a.items, ga), { v: null, g: gb }] };
  if (b.k === 'mod' && a.k === 'unknown') return { k: 'mod', items: [{ v: null, g: ga }, ...addGuards(b.items, gb)] };
  return UNKNOWN;
}

function mergeLists(a: ListState, b: ListState, ga: Guard[], gb: Guard[]): ListState {
  if (a === b) return a;
  const first = a.first === b.first ? a.first : a.first || b.first ? [...addGuards(a.first ?? [], ga), ...addGuards(b.first ?? [], gb)] : undefined;
  const last = a.last === b.last ? a.last : [...addGuards(a.last, ga), ...addGuards(b.last, gb)];
  return { id: a.id, first, last };
}

