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
import type { Span } from './ast';
import { FlowWalker } from './flowWalker';
import type { ListState, Use } from './flowValues';
import { listsChangedAside } from './listChanges';
import { roleOf, type ClassInfo, type FunctionInfo, type LayerInstance, type PythonModel } from './model';

export type { Use, UseRole } from './flowValues';
export { roleOf } from './model';

export class FlowAnalysis {
  private readonly byProducer = new Map<LayerInstance, Map<string, Use>>();
  /** Connections inside lists not (yet) known to be used as a sequence, per list id. */
  readonly pending = new Map<number, Use[]>();
  readonly sequentialLists = new Set<number>();
  private nextListId = 1;
  private readonly instanceIds = new Map<LayerInstance, number>();

  /** The classes and functions left for `requireAll`, in order (classes first, as the constructor walks them). */
  private deferred: (ClassInfo | FunctionInfo)[] = [];
  /** Functions walked (or being walked): each is walked once, possibly early, when a caller needs what it returns. */
  private readonly walked = new Set<FunctionInfo>();
  private readonly returned = new Map<FunctionInfo, ListState[]>();
  /** List b was spliced into list a: when a turns out to be a sequence, so does b. */
  private readonly linked = new Map<number, number[]>();
  /**
   * Per class and attribute (`self.blocks`): the lists of layers its methods leave there, each linked to a list id of the
   * attribute's own, which a loop running the attribute in order marks sequential (see `link`).
   */
  private readonly attrLists = new Map<ClassInfo, Map<string, { id: number; lists: ListState[] }>>();
  /** Per class: the attributes whose lists are changed where the walk does not follow it (see listChanges.ts). */
  private readonly changedAside = new Map<ClassInfo, Set<string>>();
  /** The instances created by calls of a helper that returns `inner` (their outputs are inner's outputs). */
  private readonly aliases = new Map<LayerInstance, Set<LayerInstance>>();
  /** The Sequential each list of a Sequential's construction was made for, by list id. */
  private readonly listOwners = new Map<number, LayerInstance>();
  /** Per module class of the file: its instances whose output is used somewhere (what its `forward` returns goes there). */
  private readonly moduleUsers = new Map<ClassInfo, Set<LayerInstance>>();

  /**
   * Walks the module body, and the classes and functions for which `walk(def)` is true (all by default).
   * The others are walked by `requireAll()`, for analyses that only need part of the file.
   */
  constructor(
    readonly model: PythonModel,
    walk?: (def: Span) => boolean,
  ) {
    new FlowWalker(this, model.moduleScope).top(model.module.body);
    // (Indexed loops, and what is left out kept as it is rather than in a closure: in an edited document most is.)
    const classes = model.classes;
    for (let i = 0; i < classes.length; i++) {
      if (!walk || walk(classes[i].def)) this.walkClass(classes[i]);
      else this.deferred.push(classes[i]);
    }
    const functions = model.functions;
    for (let i = 0; i < functions.length; i++) {
      if (!walk || walk(functions[i].def)) this.walkFunction(functions[i]);
      else this.deferred.push(functions[i]);
    }
  }

  /** A class body's own statements (its methods are functions, walked as such). */
  private walkClass(cls: ClassInfo): void {
    new FlowWalker(this, cls.scope).top(cls.def.body.filter((s) => s.kind !== 'def' && s.kind !== 'class'));
  }

  private walkFunction(fn: FunctionInfo): void {
    if (this.walked.has(fn)) return;
    this.walked.add(fn);
    new FlowWalker(this, fn.scope).function(fn);
  }

  /**
   * The lists of layers a function returns (`layers = [conv]; …; return layers`), walking it first if need be. Empty
   * while the function is being walked (a recursive helper) or when it returns no list.
   */
  returnedLists(fn: FunctionInfo): ListState[] {
    if (fn.scope.owner !== this.model) return [];
    this.walkFunction(fn);
    return this.returned.get(fn) ?? [];
  }

  /** Called by the walk of `fn` at each `return` of a list. */
  addReturnedList(fn: FunctionInfo, list: ListState): void {
    const l = this.returned.get(fn);
    if (l) l.push(list);
    else this.returned.set(fn, [list]);
  }

  /** List `b`'s elements were spliced into list `a`: `b` runs in order whenever `a` does. */
  link(a: number, b: number): void {
    if (this.sequentialLists.has(a)) {
      this.markSequential(b);
      return;
    }
    const l = this.linked.get(a);
    if (l) l.push(b);
    else this.linked.set(a, [b]);
  }

  /** A method of `cls` left `list` in attribute `attr`: it runs in order if a loop of the class runs the attribute so. */
  attributeList(cls: ClassInfo, attr: string, list: ListState): void {
    const a = this.attribute(cls, attr);
    a.lists.push(list);
    this.link(a.id, list.id);
  }

  /**
   * The lists of layers the class's methods walked so far left in attribute `attr`; undefined when a method changes
   * them where the walk does not follow (what the attribute holds then depends on the order the methods run in).
   */
  attributeLists(cls: ClassInfo, attr: string): readonly ListState[] | undefined {
    if (this.changedAsideIn(cls).has(attr)) return undefined;
    return this.attrLists.get(cls)?.get(attr)?.lists ?? [];
  }

  /** A method of `cls` applies the layers of attribute `attr` one after the other (`for layer in self.blocks: x = layer(x)`). */
  attributeInOrder(cls: ClassInfo, attr: string): void {
    if (!this.changedAsideIn(cls).has(attr)) this.markSequential(this.attribute(cls, attr).id);
  }

  private changedAsideIn(cls: ClassInfo): Set<string> {
    let out = this.changedAside.get(cls);
    if (!out) {
      // The class's methods, and those of the classes of the file deriving from it (their instances hold its lists too).
      const methods = [...cls.methods.values()];
      for (const c of this.model.classes) if (c !== cls && this.derives(c, cls, 0)) methods.push(...c.methods.values());
      this.changedAside.set(cls, (out = listsChangedAside(cls, methods)));
    }
    return out;
  }

  private derives(c: ClassInfo, base: ClassInfo, depth: number): boolean {
    return depth < 8 && this.model.localBases(c).some((b) => b === base || this.derives(b, base, depth + 1));
  }

  private attribute(cls: ClassInfo, attr: string): { id: number; lists: ListState[] } {
    let m = this.attrLists.get(cls);
    if (!m) this.attrLists.set(cls, (m = new Map()));
    let a = m.get(attr);
    if (!a) m.set(attr, (a = { id: this.newListId(), lists: [] }));
    return a;
  }

  /** `list` is the elements of the Sequential `seq` (built by its construction, and `.add` / `.add_module` after it). */
  ownList(list: number, seq: LayerInstance): void {
    this.listOwners.set(list, seq);
  }

  listOwner(list: number): LayerInstance | undefined {
    return this.listOwners.get(list);
  }

  /** Walks whatever the constructor left out. */
  requireAll(): void {
    const todo = this.deferred;
    this.deferred = [];
    for (const x of todo) {
      if ('methods' in x) this.walkClass(x);
      else this.walkFunction(x);
    }
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
    const inner = u.producer.helper?.inner;
    if (inner) addTo(this.aliases, inner, u.producer);
    if (u.producer.module) addTo(this.moduleUsers, u.producer.module, u.producer);
    if (listId !== undefined && !this.sequentialLists.has(listId)) {
      const p = this.pending.get(listId);
      if (p) p.push(u);
      else this.pending.set(listId, [u]);
      return;
    }
    const key = `${this.idOf(u.consumer)}:${u.role}:${u.guards.map((g) => (g.negated ? '!' : '') + g.key).join('&')}`;
    // (A `returned` use has no consumer and one class: the producer is built in that class.)
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
    for (const b of this.linked.get(id) ?? []) this.markSequential(b);
  }

  /** Pending (not yet sequential) connections of a list, for list surgery to rewrite; undefined once committed. */
  pendingOf(id: number): Use[] | undefined {
    if (this.sequentialLists.has(id)) return undefined;
    let p = this.pending.get(id);
    if (!p) this.pending.set(id, (p = []));
    return p;
  }

  /** Layer instances whose output is used somewhere. */
  producers(): LayerInstance[] {
    return [...this.byProducer.keys()];
  }

  /** What a module class's `forward` returns of a layer's output (its `returned` uses, as recorded). */
  returnedOf(inst: LayerInstance): Use[] {
    const out: Use[] = [];
    for (const u of this.byProducer.get(inst)?.values() ?? []) if (u.role === 'returned') out.push(u);
    return out;
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
    if (u.role === 'returned' && u.module) {
      // Returned by a module class's `forward`: used wherever an instance's output is (none known: somewhere unknown).
      const users = this.moduleUsers.get(u.module);
      if (!users || depth > 4) {
        out.push({ ...u, role: 'other', consumer: null, module: undefined });
        return;
      }
      for (const m of users) {
        for (const w of this.byProducer.get(m)?.values() ?? []) this.expand({ ...w, producer: u.producer, guards: [...u.guards, ...w.guards], through: u.through ?? m }, out, depth + 1);
      }
      return;
    }
    if (u.role === 'out' && u.consumer) {
      // The last layers of a Sequential: their output is the Sequential's, used wherever it is applied.
      if (depth > 4) {
        out.push({ ...u, role: 'other', consumer: null });
        return;
      }
      const seqs = [u.consumer, ...(this.aliases.get(u.consumer) ?? [])];
      for (const s of seqs) {
        for (const w of this.byProducer.get(s)?.values() ?? []) this.expand({ ...w, producer: u.producer, guards: [...u.guards, ...w.guards] }, out, depth + 1);
      }
      return;
    }
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

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const set = m.get(k);
  if (set) set.add(v);
  else m.set(k, new Set([v]));
}

/** The data flow of another module of the project (a rule's own file has its own: RuleContext.flow), built once per model. */
const projectFlows = new WeakMap<PythonModel, FlowAnalysis>();

export function projectFlow(model: PythonModel): FlowAnalysis {
  let f = projectFlows.get(model);
  if (!f) projectFlows.set(model, (f = new FlowAnalysis(model)));
  return f;
}
