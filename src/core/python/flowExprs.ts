/**
 * Expressions in the data-flow walk: what an expression evaluates to (data from layers, layer instances, lists being
 * built), and the uses it makes along the way — a layer applied to data (`self.conv(x)`), a function of data
 * (`F.relu(x)`, `torch.cat`), a method of data (`x.view(…)`), or an operation we know nothing about.
 */
import type { CallExpr, Expr, Span } from './ast';
import { findArg, forEachChild } from './ast';
import { INSPECTION_METHODS, TENSOR_METHODS } from './catalog';
import { isComprehension, ListBuilder } from './flowLists';
import { addGuards, capGuards, listOf, mergeVals, sameElements, selfKey, UNKNOWN, type Item, type ListState, type UseRole, type Val } from './flowValues';
import { flattensAfterBatch, throughReshape, type ReshapeAt } from './reshapes';
import type { FlowFrame } from './flowWalker';
import { guardOf, roleOf, type Callable, type FunctionInfo, type Guarded, type LayerInstance } from './model';
import { composedLayers } from './composition';
import type { ClassInfo } from './scopes';

/** The methods that change a list (or a Sequential) in place other than by adding at its end. */
const IN_PLACE = new Set(['insert', 'pop', 'remove', 'reverse', 'clear', 'sort', '__setitem__', '__delitem__']);

export class FlowExprs {
  readonly lists: ListBuilder;

  constructor(private readonly f: FlowFrame) {
    this.lists = new ListBuilder(f, (e) => this.ev(e));
  }

  consume(v: Val, consumer: LayerInstance | null, role: UseRole, at: Span): void {
    if (v.k !== 'data') return;
    for (const it of v.items) {
      this.f.flow.addUse({ producer: it.v, consumer, role, guards: capGuards([...it.g, ...this.f.stack]), at });
    }
  }

  /** Data a module class's `forward` returns: used by each instance of the class as its output. */
  consumeReturned(v: Val & { k: 'data' }, cls: ClassInfo, at: Span): void {
    for (const it of v.items) {
      this.f.flow.addUse({ producer: it.v, consumer: null, role: 'returned', module: cls, guards: capGuards([...it.g, ...this.f.stack]), at });
    }
  }

  ev(e: Expr): Val {
    switch (e.kind) {
      case 'name': {
        const v = this.f.env.get(e.id);
        if (v) return v;
        return this.staticInstances(e);
      }
      case 'attr': {
        if (this.f.selfName && e.value.kind === 'name' && e.value.id === this.f.selfName) {
          if (this.f.seqSubclass) return UNKNOWN;
          // A list of layers this method builds in an attribute (`self.blocks = nn.ModuleList()`, then `.append`).
          const held = this.f.env.get(selfKey(this.f.selfName, e.attr));
          if (!held) return this.staticInstances(e);
          return held.k === 'mod' && held.partial ? this.withStatic(held, e) : held;
        }
        this.ev(e.value);
        return UNKNOWN;
      }
      case 'call':
        return this.call(e);
      case 'ifexp': {
        // `self.bn(x) if self.use_bn else x`: each side is evaluated (and uses what it uses) under its condition.
        this.ev(e.test);
        const pos = guardOf(e.test, false, this.f.scope);
        const neg = guardOf(e.test, true, this.f.scope);
        this.f.stack.push(pos);
        const a = this.ev(e.body);
        this.f.stack.pop();
        this.f.stack.push(neg);
        const b = this.ev(e.orelse);
        this.f.stack.pop();
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
          let list = this.lists.newList();
          for (let i = 0; i < vals.length; i++) {
            const x = e.elts[i];
            const v = vals[i];
            if (x.kind === 'starred') {
              const other = listOf(v);
              list = other ? this.lists.concat(list, other, x) : this.lists.append(list, [{ v: null, g: [] }], x);
            } else list = this.lists.append(list, this.lists.asInstances(v), x);
          }
          return { k: 'list', list };
        }
        if (e.kind === 'list' && vals.length === 0) return { k: 'list', list: this.lists.newList() };
        for (const v of vals) this.consume(v, null, 'other', e);
        return UNKNOWN;
      }
      case 'binop':
        return this.binop(e);
      case 'subscript': {
        // `self.bns[i]`: an element of a list of layers that are all one layer; of a list of lists, a list of them.
        // (A subscript of a subscript is evaluated once: `t[0][0]…[0]` costs its depth, not three times per level.)
        const base = e.value.kind === 'subscript' ? this.ev(e.value) : undefined;
        const baseList = base && listOf(base);
        const lists = base ? (baseList ? [baseList] : undefined) : this.listsHeld(e.value);
        const items = elementsIn(lists);
        const nested = !items && lists?.length === 1 && lists[0].depth ? lists[0] : undefined;
        if (!items && !nested) {
          if (!base) return this.usesEach(e);
          this.consume(base, null, 'other', e);
          for (const x of e.index) this.consume(this.ev(x), null, 'other', e);
          return UNKNOWN;
        }
        for (const x of e.index) this.consume(this.ev(x), null, 'other', e);
        return items ? { k: 'mod', items } : { k: 'list', list: this.lists.innerList(nested!) };
      }
      case 'other':
        if (isComprehension(e)) {
          const list = this.lists.comprehension(e, (v) => this.consume(v, null, 'other', e));
          return list ? { k: 'list', list } : UNKNOWN;
        }
        return this.usesEach(e);
      default:
        return this.usesEach(e);
    }
  }

  /** Anything else: what its parts hold is used by it; its value is unknown. */
  private usesEach(e: Expr): Val {
    const vals: Val[] = [];
    forEachChild(e, (c) => vals.push(this.ev(c)));
    for (const v of vals) this.consume(v, null, 'other', e);
    return UNKNOWN;
  }

  /**
   * Lists of layers joined or repeated: `[conv] + [bn, relu]`, `[conv, bn, relu] * 4`, `n * [block]`. A repeated list
   * holds the same layers again, so the end of each copy feeds the start of the next; a count of 0 or 1 written as a
   * number is taken as it is, any other count as two or more. Anything else uses both sides.
   */
  private binop(e: Extract<Expr, { kind: 'binop' }>): Val {
    const left = this.ev(e.left);
    const right = this.ev(e.right);
    const l = left.k === 'list' ? left.list : undefined;
    const r = right.k === 'list' ? right.list : undefined;
    if (e.op === '+' && l && r) return { k: 'list', list: this.lists.concat(l, r, e) };
    if (e.op === '*' && (l || r) && !(l && r)) {
      const count = this.f.model.literal(l ? e.right : e.left, this.f.scope);
      if (count === 0) return { k: 'list', list: this.lists.newList() };
      return { k: 'list', list: count === 1 ? (l ?? r)! : this.lists.repeat((l ?? r)!, e) };
    }
    return this.arithmetic(e.op, left, right, e.left, e.right, e);
  }

  /**
   * Arithmetic on tensors (`a + b`, and `a += b`). In a sum (`self.bn(shortcut + residual)`, `x + self.pos_embed`) a
   * conv's bias is a constant per channel, which batch norm after the sum still subtracts: what each side holds goes on
   * through it. A product or quotient goes on only by a number written out (`0.1 * residual`: a constant scaled stays
   * a constant); by anything else (an attention map, which varies per pixel) both sides are used by it.
   */
  arithmetic(op: string, left: Val, right: Val, leftExpr: Expr, rightExpr: Expr, at: Span): Val {
    const number = (x: Expr) => typeof this.f.model.literal(x, this.f.scope) === 'number';
    let through: Item<LayerInstance>[] | undefined;
    if ((op === '+' || op === '-') && (left.k === 'data' || right.k === 'data')) {
      through = [...(left.k === 'data' ? left.items : []), ...(right.k === 'data' ? right.items : [])];
    } else if (op === '*' && left.k === 'data' && number(rightExpr)) through = left.items;
    else if (op === '*' && right.k === 'data' && number(leftExpr)) through = right.items;
    else if (op === '/' && left.k === 'data' && number(rightExpr)) through = left.items;
    if (through) return { k: 'data', items: through };
    this.consume(left, null, 'other', at);
    this.consume(right, null, 'other', at);
    return UNKNOWN;
  }

  /** An attribute the walk holds on some paths only: what it holds, and what the class assigns it for the others. */
  private withStatic(held: Val & { k: 'mod' }, e: Expr): Val {
    const other = this.staticInstances(e);
    const items = held.items.slice();
    if (other.k !== 'mod') items.push({ v: null, g: [] });
    else for (const it of other.items) if (!items.some((h) => h.v === it.v)) items.push(it);
    return { k: 'mod', items, list: held.list };
  }

  staticInstances(e: Expr): Val {
    const insts = this.f.model.instances(e, this.f.scope);
    if (!insts.length) return { k: 'mod', items: [] };
    if (insts.every((i) => i.value === null)) return UNKNOWN;
    return { k: 'mod', items: insts.map((i) => ({ v: i.value, g: i.guards })) };
  }

  private call(call: CallExpr): Val {
    const f = call.func;
    // Methods of lists being built (in a local name, or in an attribute of `self`).
    const holderKey = f.kind === 'attr' ? this.holderKey(f.value) : undefined;
    if (f.kind === 'attr' && holderKey !== undefined) {
      const holder = this.f.env.get(holderKey);
      const list = listOf(holder);
      if (holder && list && IN_PLACE.has(f.attr) && this.changeBuiltSequential(f.value, call, insertOrPopIndex(this.f, call, f.attr), f.attr !== 'insert')) {
        for (const a of call.args) this.consume(this.ev(a.value), null, 'other', call);
        return UNKNOWN;
      }
      if (holder && list) {
        let nl: ListState | undefined;
        const arg = (i: number) => call.args[i]?.value;
        if ((f.attr === 'append' || f.attr === 'add') && arg(0) && !call.args[0].name) nl = this.lists.append(list, this.lists.asInstances(this.ev(arg(0)!)), call);
        else if (f.attr === 'add_module' && arg(1)) nl = this.lists.append(list, this.lists.asInstances(this.ev(arg(1)!)), call);
        else if (f.attr === 'extend' && arg(0)) nl = this.lists.extend(list, arg(0)!);
        else if (f.attr === 'insert' && arg(0) && arg(1) && call.args.length === 2 && !call.args.some((a) => a.name || a.star)) {
          // `layers.insert(1, nn.BatchNorm2d(c))` at a known position.
          const at = insertOrPopIndex(this.f, call, 'insert');
          const x = this.lists.asInstances(this.ev(arg(1)!));
          nl = at !== undefined ? this.lists.insert(list, at, x, call) : undefined;
          if (!nl) return this.changed(holderKey, list, UNKNOWN);
        } else if (IN_PLACE.has(f.attr)) {
          return this.changed(holderKey, list, UNKNOWN);
        }
        if (nl) return this.changed(holderKey, list, holder.k === 'mod' ? { ...holder, list: nl } : { k: 'list', list: nl });
      }
    }
    // `self.add_module(...)` / `super().__init__(...)` in a Sequential subclass.
    if (this.f.seqSubclass && this.f.selfName) {
      const self = this.f.env.get(this.f.selfName);
      if (self?.k === 'list') {
        if (f.kind === 'attr' && f.attr === 'add_module' && f.value.kind === 'name' && f.value.id === this.f.selfName && call.args[1]) {
          this.f.env.set(this.f.selfName, { k: 'list', list: this.lists.append(self.list, this.lists.asInstances(this.ev(call.args[1].value)), call) });
          return UNKNOWN;
        }
        if (f.kind === 'attr' && f.attr === '__init__' && f.value.kind === 'call' && f.value.func.kind === 'name' && f.value.func.id === 'super') {
          let l = self.list;
          for (const a of call.args) {
            if (a.name) continue;
            if (a.star === '*') l = this.lists.extend(l, a.value);
            else if (!a.star) l = this.lists.append(l, this.lists.asInstances(this.ev(a.value)), a);
          }
          this.f.env.set(this.f.selfName, { k: 'list', list: l });
          return UNKNOWN;
        }
      }
    }

    // Applying a module instance: `self.conv(x)`, `conv(x)`, `layers.Conv2D(…)(x)`.
    let callee: Val | undefined;
    if (f.kind === 'call') callee = this.ev(f);
    else if (f.kind === 'name' && this.f.env.has(f.id)) callee = this.f.env.get(f.id);
    else if (f.kind === 'attr' && this.f.selfName && f.value.kind === 'name' && f.value.id === this.f.selfName && !this.f.seqSubclass) callee = this.staticInstances(f);
    else if (f.kind === 'subscript' && this.elementsOf(f.value)) callee = this.ev(f);
    if (callee && callee.k === 'mod' && callee.items.some((i) => i.v)) return this.apply(callee.items, call);
    // An instance of a module class of the file that applies a layer first to its input (see ParamUses.classInput).
    // (In a Sequential subclass's `__init__`, `self` is the list being built, not an object holding instances.)
    const cls = this.f.seqSubclass && f.kind === 'attr' ? undefined : this.f.model.paramUses.instanceClass(f, this.f.scope);
    const into = cls && this.f.model.paramUses.classInput(cls);
    if (into) return this.passedInto(call, into);
    // A call result called again (`make()(x)`) that is no known layer, nor a layer class a function returns
    // (`norm_cls(sync)(dim)`, constructed below).
    if (f.kind === 'call' && !this.f.model.callables(f, this.f.scope).every((c) => c.value.kind === 'layer')) {
      const closure = this.f.model.paramUses.closureOf(f);
      return closure ? this.passedIn(call, closure, f) : this.opaque(call);
    }

    // Constructing a layer / calling a function.
    const cs = this.f.model.callables(f, this.f.scope);
    const composed = this.composition(call, cs);
    if (composed) return composed;
    // (A class of the file that is neither a layer nor a module class gives no instance, and is opaque below.)
    if (cs.length >= 1 && cs.every((c) => c.value.kind === 'layer' || c.value.kind === 'helper' || c.value.kind === 'class')) {
      const inst = this.f.model.instanceAt(call, this.f.scope);
      if (inst) {
        if (inst.spec.role === 'seq' && inst.ctor === call) {
          const list = this.lists.sequentialCtor(inst, call);
          return { k: 'mod', items: [{ v: inst, g: [] }], list };
        }
        for (const a of call.args) this.ev(a.value);
        return { k: 'mod', items: [{ v: inst, g: [] }] };
      }
      if (cs.every((c) => c.value.kind === 'helper')) {
        const fns = cs.map((c) => (c.value as { fn: FunctionInfo }).fn);
        return this.helperList(call, fns) ?? (fns.length === 1 ? this.passedIn(call, fns[0]) : this.opaque(call));
      }
    }
    if (cs.length === 1 && cs[0].value.kind === 'func') {
      const spec = cs[0].value.spec;
      if (spec.role === 'concat') return this.concatenated(call);
      const first = call.args[0] && !call.args[0].name && !call.args[0].star ? this.ev(call.args[0].value) : UNKNOWN;
      for (const a of call.args.slice(1)) this.consume(this.ev(a.value), null, 'other', call);
      if (spec.role === 'pass') return first;
      if (spec.role === 'reshape') return this.reshaped(first, call, { kind: 'function', call });
      this.consume(first, null, spec.role, call);
      return UNKNOWN;
    }
    // `nn.ModuleList(layers)`: a list of layers that does not run by itself (see FlowWalker's loops over one).
    if (this.lists.isModuleList(call)) {
      const inner = call.args[0] && !call.args[0].name && !call.args[0].star ? call.args[0].value : undefined;
      const list = this.lists.newList();
      return { k: 'list', list: inner ? this.lists.extend(list, inner) : list };
    }
    if (this.lists.isOrderedDict(call)) {
      const inner = call.args[0]?.value;
      let list = this.lists.newList();
      if (inner && (inner.kind === 'list' || inner.kind === 'tuple')) {
        for (const x of inner.elts) {
          if ((x.kind === 'tuple' || x.kind === 'list') && x.elts.length === 2) list = this.lists.append(list, this.lists.asInstances(this.ev(x.elts[1])), x);
          else list = this.lists.append(list, [{ v: null, g: [] }], x);
        }
      } else if (inner) list = this.lists.append(list, [{ v: null, g: [] }], inner);
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
        if (role === 'reshape') return this.reshaped(recv, call, { kind: 'method', call, name: f.attr });
        this.consume(recv, null, role ?? 'other', call);
        return UNKNOWN;
      }
    }
    return this.opaque(call, f.kind === 'attr' ? undefined : f);
  }

  /**
   * A call of a helper that returns a plain list of layers: a list standing for the ones it returns (their elements,
   * first and last), linked to them so that they run in order once this one does (`nn.Sequential(*block(…))`).
   */
  private helperList(call: CallExpr, fns: FunctionInfo[]): Val | undefined {
    const returned = fns.flatMap((fn) => this.f.flow.returnedLists(fn));
    if (!returned.length) return undefined;
    for (const a of call.args) this.consume(this.ev(a.value), null, 'other', call);
    const list = this.lists.newList();
    const first: Item<LayerInstance | null>[] = [];
    const last: Item<LayerInstance | null>[] = [];
    for (const r of returned) {
      this.f.flow.link(list.id, r.id);
      first.push(...(r.first ?? []));
      last.push(...r.last);
    }
    return { k: 'list', list: { id: list.id, first: first.length ? first : undefined, last } };
  }

  /**
   * Layers composed left to right (`compose(conv, bn, act)` of a helper so written, `reduce(lambda f, g: lambda *a:
   * g(f(*a)), (conv, bn))`; see composition.ts): a sequence whose connections count as a Sequential's do.
   */
  private composition(call: CallExpr, cs: readonly Guarded<Callable>[]): Val | undefined {
    const only = cs.length === 1 ? cs[0].value : undefined;
    const helper = only?.kind === 'helper' && !only.fn.cls ? only.fn : undefined;
    if (!helper && cs.some((c) => c.value.kind !== 'unknown')) return undefined;
    const elements = composedLayers(this.f.model, call, this.f.scope, helper);
    return elements && { k: 'list', list: this.lists.sequence(elements) };
  }

  /** Data through a reshape (see reshapes.ts): what goes on through it, the rest used by it. */
  private reshaped(v: Val, at: CallExpr, how: ReshapeAt, by: LayerInstance | null = null): Val {
    if (v.k !== 'data') return v;
    const { through, stopped } = throughReshape(v.items, flattensAfterBatch(this.f.model, this.f.scope, how));
    this.consume({ k: 'data', items: stopped }, by, 'other', at);
    return { k: 'data', items: through };
  }

  /**
   * `torch.cat((self.pool(x), self.conv(x)), dim=1)`: joined along the channels, each input keeps its channels as they
   * are, so a conv's output goes on through it (batch norm after it still subtracts each of the conv's channels' mean).
   * Along any other dimension (the batch, a spatial one, or one not written as 1), or from anything but a written list
   * of tensors, the inputs are used by it.
   */
  private concatenated(call: CallExpr): Val {
    const tensors = findArg(call, 'tensors', 0)?.value;
    // `dim` (cat, concat) or `axis` (concatenate, as NumPy names it).
    const dim = findArg(call, 'dim', 1) ?? findArg(call, 'axis', 1);
    const channels = !call.args.some((a) => a.star) && dim !== undefined && this.f.model.literal(dim.value, this.f.scope) === 1;
    if (!channels || !tensors || (tensors.kind !== 'list' && tensors.kind !== 'tuple') || tensors.elts.some((x) => x.kind === 'starred')) return this.opaque(call);
    const out: Item<LayerInstance>[] = [];
    for (const x of tensors.elts) {
      const v = this.ev(x);
      if (v.k !== 'data') continue;
      // As through a reshape that flattens after the batch: a conv's output goes on, with one value per channel still.
      const { through, stopped } = throughReshape(v.items, true);
      this.consume({ k: 'data', items: stopped }, null, 'other', call);
      out.push(...through);
    }
    for (const a of call.args) if (a.value !== tensors) this.consume(this.ev(a.value), null, 'other', call);
    return { k: 'data', items: out };
  }

  /**
   * The elements of a list of layers that are all one layer (see sameElements): a list this walk holds in a name or an
   * attribute of `self`, or one that another method of the class left in the attribute (`self.convs`, built in
   * `__init__`, read in `forward`).
   */
  elementsOf(e: Expr): Item<LayerInstance | null>[] | undefined {
    return elementsIn(this.listsHeld(e));
  }

  /** The lists of layers an expression holds: a name's or `self` attribute's (see elementsOf), or an element of a list of lists. */
  listsHeld(e: Expr): readonly ListState[] | undefined {
    if (e.kind === 'subscript') {
      const inner = listOf(this.ev(e));
      return inner ? [inner] : undefined;
    }
    const key = this.holderKey(e);
    const held = key !== undefined ? this.f.env.get(key) : undefined;
    const list = listOf(held);
    if (list) return [list];
    if (held || key === undefined || e.kind !== 'attr') return undefined;
    const cls = this.f.scope.fn?.cls;
    return cls ? this.f.flow.attributeLists(cls, e.attr) : undefined;
  }

  /**
   * A Sequential changed in place through `e` (a name or an attribute of `self` holding one that is built, whose
   * connections are committed): its layers the change concerns are unsettled (ListBuilder.unsettle: the element at
   * `index` when known) and `e` holds the Sequential without its list. Whether `e` holds such a Sequential.
   */
  changeBuiltSequential(e: Expr, at: Span, index?: number, removes = true): boolean {
    const key = this.holderKey(e);
    const held = key !== undefined ? this.f.env.get(key) : undefined;
    if (key === undefined || held?.k !== 'mod' || !held.list || !this.f.flow.sequentialLists.has(held.list.id)) return false;
    this.lists.unsettle(held.list, at, index, removes);
    this.changed(key, held.list, { k: 'mod', items: held.items });
    return true;
  }

  /** The key under which the walk keeps what a name (`layers`) or an attribute of `self` (`self.blocks`) holds. */
  holderKey(e: Expr): string | undefined {
    if (e.kind === 'name') return e.id;
    const self = this.f.selfName;
    if (e.kind === 'attr' && self && !this.f.seqSubclass && e.value.kind === 'name' && e.value.id === self) return selfKey(self, e.attr);
    return undefined;
  }

  /**
   * A list changed through what `key` names (`layers.append(…)`, `layers[0] = …`): `key` holds `now` (UNKNOWN for a list
   * whose order is no longer known), and any other name or attribute holding the same list (an alias: `convs =
   * self.convs`) no longer knows what it holds. (Lists joined keep the id of the first: an alias by id may be another
   * list, which only loses what it knew.) Its value, as a call's: UNKNOWN.
   */
  changed(key: string, before: ListState, now: Val): Val {
    const env = this.f.env;
    for (const [k, v] of env) if (k !== key && listOf(v)?.id === before.id) env.set(k, UNKNOWN);
    env.set(key, now);
    return UNKNOWN;
  }

  /**
   * A call of a function of the file: a layer's output passed as a positional argument goes into the layer the function
   * applies first to that parameter, when that is all it does with it (see ParamUses); any other argument is used by the
   * call. What the function returns is not followed.
   */
  private passedIn(call: CallExpr, fn: FunctionInfo | undefined, func?: Expr): Val {
    if (func) this.ev(func);
    const uses = this.f.model.paramUses;
    // (Positions count up to the first `*args`: after it, which parameter an argument binds is not known.)
    let position: number | undefined = 0;
    for (const a of call.args) {
      const v = this.ev(a.value);
      if (a.star) position = undefined;
      const into = fn && position !== undefined && a.name === undefined && !a.star ? uses.firstLayer(fn, position++) : null;
      if (into) this.consume(v, into, roleOf(into), call);
      else this.consume(v, null, 'other', call);
    }
    return UNKNOWN;
  }

  /** Its one argument goes into `into` (a layer a module class applies first to its input); its result is unknown. */
  private passedInto(call: CallExpr, into: LayerInstance): Val {
    const only = call.args.length === 1 && !call.args[0].name && !call.args[0].star;
    for (const a of call.args) this.consume(this.ev(a.value), only ? into : null, only ? roleOf(into) : 'other', call);
    return UNKNOWN;
  }

  /** A call we know nothing about: its data arguments are used, its result is unknown. */
  private opaque(call: CallExpr, func?: Expr): Val {
    return this.passedIn(call, undefined, func);
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
      this.f.stack.push(...it.g);
      if (role === 'pass') {
        if (input.k === 'data') out.push(...addGuards(input.items, it.g));
      } else if (role === 'reshape') {
        const through = this.reshaped(input, call, { kind: 'layer', inst }, inst);
        if (through.k === 'data') out.push(...addGuards(through.items, it.g));
      } else {
        this.consume(input, inst, role, call);
        // A Sequential's output is its last layers' output: they are used where it is (FlowAnalysis.usesOf).
        out.push({ v: inst, g: it.g });
      }
      this.f.stack.length -= it.g.length;
    }
    return { k: 'data', items: out };
  }
}

/** The layer every element of lists of layers is (see sameElements); none for lists of lists. */
function elementsIn(lists: readonly ListState[] | undefined): Item<LayerInstance | null>[] | undefined {
  return lists?.length && !lists.some((l) => l.depth) ? sameElements(lists) : undefined;
}

/** The position `.insert(i, x)` or `.pop(i)` names as a literal integer (`.pop()`: the last). */
function insertOrPopIndex(f: FlowFrame, call: CallExpr, method: string): number | undefined {
  if (call.args.some((a) => a.name || a.star)) return undefined;
  if (method === 'pop' && !call.args.length) return -1;
  if ((method === 'insert' && call.args.length === 2) || (method === 'pop' && call.args.length === 1)) return intLiteral(f, call.args[0].value);
  return undefined;
}

/** An index written as an integer (`1`, `-1`, a constant bound to one), as the walk's scope reads it. */
export function intLiteral(f: FlowFrame, e: Expr): number | undefined {
  const i = f.model.literal(e, f.scope);
  return typeof i === 'number' && Number.isInteger(i) ? i : undefined;
}
