/**
 * The data-flow walk over one function body (or the module body, or a class body): statements in order, tracking for
 * each local name what it holds (flowValues.ts). Branches are followed separately and merged under their conditions;
 * loops run twice so that what one iteration leaves reaches the next; a path that returns, raises, breaks or continues
 * stops there. Expressions are evaluated by FlowExprs, lists of layers built by its ListBuilder.
 */
import { subscriptRoot } from './ast';
import type { AssignStmt, AugAssignStmt, ClassDef, Expr, ExprStmt, FunctionDef, IfStmt, LoopStmt, OtherStmt, ReturnStmt, Span, Stmt, TryStmt, WithStmt } from './ast';
import type { FlowAnalysis } from './flow';
import { FlowExprs, intLiteral } from './flowExprs';
import type { ListBuilder } from './flowLists';
import { guardEnv, listOf, mergeEnvs, namesIn, selfKey, UNKNOWN, type Val } from './flowValues';
import { guardOf, type Guard, type PythonModel, type Scope } from './model';
import { StmtWalker, walkModule } from './walk';

const MAX_LOOP_NESTING = 3;

/** The state shared by the statement walk, its expressions and its lists. */
export interface FlowFrame {
  readonly flow: FlowAnalysis;
  readonly model: PythonModel;
  readonly scope: Scope;
  /** What each local name holds on the current path. */
  env: Map<string, Val>;
  /** The conditions of the branches around the current statement. */
  stack: Guard[];
  selfName?: string;
  /** In `__init__` of a Sequential subclass: `self` is the list being built. */
  seqSubclass: boolean;
}

type Env = Map<string, Val>;

export class FlowWalker extends StmtWalker {
  private readonly f: FlowFrame;
  private readonly exprs: FlowExprs;
  private readonly lists: ListBuilder;
  private loopDepth = 0;
  /** The current path ended (return, raise, break, continue): the rest of its block does not run. */
  private dead = false;
  /** Per enclosing loop: the states at `continue` (they reach the next iteration) and at `break`. */
  private readonly loops: { continues: Env[]; breaks: Env[] }[] = [];

  constructor(flow: FlowAnalysis, scope: Scope) {
    super();
    this.f = { flow, model: flow.model, scope, env: new Map(), stack: [], seqSubclass: false };
    this.exprs = new FlowExprs(this.f);
    this.lists = this.exprs.lists;
  }

  function(fn: NonNullable<Scope['fn']>): void {
    const f = this.f;
    f.selfName = f.scope.selfName;
    // In a Sequential subclass, `self.add_module(…)` and `super().__init__(…)` build the sequence.
    if (fn.cls && f.selfName && fn.def.name === '__init__') {
      const base = f.model.layerBase(fn.cls);
      if (base?.role === 'seq') {
        f.seqSubclass = true;
        const list = this.lists.newList();
        f.flow.markSequential(list.id);
        f.env.set(f.selfName, { k: 'list', list });
      }
    }
    this.top(fn.def.body);
    // The lists of layers the method leaves in attributes of `self`, for loops over them in other methods.
    const self = f.selfName;
    if (fn.cls && self && !f.seqSubclass) {
      for (const [key, v] of f.env) {
        const list = listOf(v);
        if (list && key.startsWith(`${self}.`)) f.flow.attributeList(fn.cls, key.slice(self.length + 1), list);
      }
    }
  }

  /**
   * Walks a whole body: at its end, sequences built with `.add` / `.add_module` end, their last layers' output being
   * the Sequential's (used wherever it is). A plain list spliced into one (`nn.Sequential(*layers)`) ends there already:
   * ending it again here would count its last layer's output as used somewhere unknown.
   */
  top(stmts: readonly Stmt[]): void {
    this.walk(stmts);
    this.dead = false;
    for (const v of this.f.env.values()) {
      if (v.k !== 'mod' || !v.list || !this.f.flow.sequentialLists.has(v.list.id)) continue;
      // The Sequential the list was built for (a name may hold others too: `self.short_cut = nn.Sequential()`, then
      // another under a condition).
      this.lists.endList(v.list, { from: 0, to: 0 }, this.f.flow.listOwner(v.list.id));
    }
  }

  protected override halted(): boolean {
    return this.dead;
  }

  private ev(e: Expr): Val {
    return this.exprs.ev(e);
  }

  private consume(v: Val, at: Span): void {
    this.exprs.consume(v, null, 'other', at);
  }

  // ---- statements ------------------------------------------------------------------------------

  protected override onAssign(s: AssignStmt): void {
    const v = s.value ? this.ev(s.value) : UNKNOWN;
    for (const t of s.targets) this.assignTo(t, v, s);
  }

  protected override onAugAssign(s: AugAssignStmt): void {
    const env = this.f.env;
    const t = s.target;
    const key = this.exprs.holderKey(t);
    if (key !== undefined) {
      const cur = env.get(key);
      const list = listOf(cur);
      if (list && s.op === '+=') {
        const nl = this.lists.extend(list, s.value);
        this.exprs.changed(key, list, cur?.k === 'mod' ? { ...cur, list: nl } : { k: 'list', list: nl });
        return;
      }
      const v = this.ev(s.value);
      // `out += residual`: as `out = out + residual` (see FlowExprs.arithmetic).
      const r = this.exprs.arithmetic(s.op.slice(0, -1), cur ?? this.ev(t), v, t, s.value, s);
      if (t.kind === 'name') env.set(key, r);
      else {
        this.consume(r, s);
        env.delete(key);
      }
      return;
    }
    this.consume(this.ev(t), s);
    this.consume(this.ev(s.value), s);
  }

  protected override onExpr(s: ExprStmt): void {
    this.ev(s.value);
  }

  protected override onReturn(s: ReturnStmt): void {
    if (s.value) {
      const v = this.ev(s.value);
      // `return layers`: a helper's list of layers, spliced by its callers (`nn.Sequential(*block(…))`).
      const fn = this.f.scope.fn;
      if (v.k === 'list' && fn) this.f.flow.addReturnedList(fn, v.list);
      // A module class's `forward` handing on a layer's output: what it returns is what its instances output
      // (FlowAnalysis.usesOf follows them).
      const cls = fn?.cls;
      if (v.k === 'data' && cls && fn.def.name === 'forward' && this.f.model.forwardsLayerOutput(cls)) this.exprs.consumeReturned(v, cls, s);
      else this.consume(v, s);
    }
    this.dead = true;
  }

  protected override onIf(s: IfStmt): void {
    const f = this.f;
    this.ev(s.test);
    const before = f.env;
    const pos = guardOf(s.test, false, f.scope);
    const neg = guardOf(s.test, true, f.scope);
    f.env = new Map(before);
    f.stack.push(pos);
    this.walk(s.body);
    f.stack.pop();
    const thenEnv = f.env;
    const thenDead = this.dead;
    this.dead = false;
    f.env = new Map(before);
    f.stack.push(neg);
    this.walk(s.orelse);
    f.stack.pop();
    const elseDead = this.dead;
    // A branch that returned (or broke out) does not reach what follows: what follows runs only
    // under the other branch's condition.
    if (thenDead && !elseDead) f.env = guardEnv(f.env, neg);
    else if (elseDead && !thenDead) {
      f.env = guardEnv(thenEnv, pos);
      this.dead = false;
    } else f.env = mergeEnvs(thenEnv, f.env, [pos], [neg]);
  }

  protected override onLoop(s: LoopStmt): void {
    const f = this.f;
    this.inOrder(s);
    const bound = this.loopElements(s);
    this.consume(this.ev(s.iter), s);
    const env0 = f.env;
    const frame = { continues: [] as Env[], breaks: [] as Env[] };
    this.loops.push(frame);
    this.loopDepth++;
    const pass = (start: Env): Env => {
      f.env = new Map(start);
      this.dead = false;
      if (s.target) for (const n of namesIn(s.target)) f.env.set(n, bound.get(n) ?? UNKNOWN);
      this.walk(s.body);
      // The end of the body, and every `continue`, lead to the next iteration.
      let end = this.dead ? undefined : f.env;
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
    f.env = mergeEnvs(env0, end, [], []);
    this.walk(s.orelse);
    for (const b of frame.breaks) f.env = mergeEnvs(f.env, b, [], []);
    this.dead = false;
  }

  /**
   * `for layer in layers: x = layer(x)` (or over `self.blocks`, built in another method): the list's layers run one
   * after the other, as in a Sequential. Only a loop whose body applies the loop's layer to the value it goes on with,
   * and uses the layer for nothing else.
   */
  private inOrder(s: LoopStmt): void {
    if (s.kind !== 'for' || s.target?.kind !== 'name') return;
    const layer = s.target.id;
    // Statements applying the layer (`x = layer(x, training=training)`), and mentions of it anywhere else.
    let applied = 0;
    let mentions = 0;
    for (const st of s.body) {
      const to = st.kind === 'assign' && st.targets.length === 1 ? st.targets[0] : undefined;
      const c = st.kind === 'assign' && st.value?.kind === 'call' ? st.value : undefined;
      const first = c?.args[0];
      if (to?.kind === 'name' && c?.func.kind === 'name' && c.func.id === layer && first && !first.name && !first.star && first.value.kind === 'name' && first.value.id === to.id) applied++;
      walkModule([st], { expr: (e) => void (e.kind === 'name' && e.id === layer && mentions++) });
    }
    // A body that always leaves after the first layer (`break`, `return`) runs one layer, not the list.
    const leaves = s.body.some((st) => st.kind === 'return' || (st.kind === 'other' && (st.what === 'BreakStatement' || st.what === 'RaiseStatement')));
    if (applied !== 1 || mentions !== 1 || leaves) return;
    const f = this.f;
    const key = this.exprs.holderKey(s.iter);
    if (key === undefined) return;
    // A list of this method's (a local one, or one it keeps in `self.blocks`); an attribute's, whichever method builds it.
    const list = listOf(f.env.get(key));
    if (list) this.lists.markSequential(list.id);
    const cls = f.scope.fn?.cls;
    if (cls && s.iter.kind === 'attr') f.flow.attributeInOrder(cls, s.iter.attr);
  }

  /**
   * What a loop's names hold when it runs over lists of layers whose elements are all one layer (`for conv, bn in
   * zip(self.convs, self.bns)`, `for i, blk in enumerate(self.blocks)`, `for layer in layers`): that layer, under the
   * conditions it was added under. Lists of different layers give nothing (which element comes with which is not kept).
   */
  private loopElements(s: LoopStmt): Map<string, Val> {
    const out = new Map<string, Val>();
    if (s.kind !== 'for' || !s.target) return out;
    const bind = (target: Expr, iterable: Expr) => {
      if (target.kind !== 'name') return;
      const items = this.exprs.elementsOf(iterable);
      if (items) out.set(target.id, { k: 'mod', items });
    };
    const it = s.iter;
    const t = s.target;
    const builtin = (name: string) => it.kind === 'call' && it.func.kind === 'name' && it.func.id === name && !this.f.model.lookup(name, this.f.scope) && !it.args.some((a) => a.name || a.star);
    if (builtin('zip') && it.kind === 'call' && (t.kind === 'tuple' || t.kind === 'list') && t.elts.length === it.args.length) {
      t.elts.forEach((x, i) => bind(x, it.args[i].value));
    } else if (builtin('enumerate') && it.kind === 'call' && it.args.length === 1 && (t.kind === 'tuple' || t.kind === 'list') && t.elts.length === 2) {
      bind(t.elts[1], it.args[0].value);
    } else bind(t, it);
    return out;
  }

  protected override onWith(s: WithStmt): void {
    for (const e of s.items) this.ev(e);
    this.walk(s.body);
  }

  protected override onTry(s: TryStmt): void {
    const f = this.f;
    this.walk(s.body);
    this.dead = false;
    const after = f.env;
    let merged = after;
    for (const h of s.handlers) {
      f.env = new Map(after);
      this.walk(h);
      this.dead = false;
      merged = mergeEnvs(merged, f.env, [], []);
    }
    f.env = merged;
    this.walk(s.orelse);
    this.dead = false;
    this.walk(s.finalbody);
  }

  /** Nested functions and classes are walked on their own; here they only rebind their name. */
  protected override onDef(s: FunctionDef): void {
    this.f.env.delete(s.name);
  }

  protected override onClass(s: ClassDef): void {
    this.f.env.delete(s.name);
  }

  protected override onOther(s: OtherStmt): void {
    if (s.what === 'DeleteStatement') {
      for (const e of s.exprs) if (e.kind !== 'subscript' || !this.sequentialElementChanged(e, s)) this.consume(this.ev(e), s);
      return;
    }
    for (const e of s.exprs) this.consume(this.ev(e), s);
    const frame = this.loops[this.loops.length - 1];
    if (s.what === 'ContinueStatement' && frame) frame.continues.push(this.f.env);
    else if (s.what === 'BreakStatement' && frame) frame.breaks.push(this.f.env);
    if (s.what === 'ContinueStatement' || s.what === 'BreakStatement' || s.what === 'RaiseStatement') this.dead = true;
  }

  /** `seq[i] = …` / `del seq[i]` on a Sequential already built (FlowExprs.changeBuiltSequential); whether it was one. */
  private sequentialElementChanged(t: Expr & { kind: 'subscript' }, at: Span): boolean {
    const index = t.index.length === 1 ? intLiteral(this.f, t.index[0]) : undefined;
    if (!this.exprs.changeBuiltSequential(t.value, at, index)) return false;
    for (const x of t.index) this.consume(this.ev(x), at);
    return true;
  }

  private assignTo(t: Expr, v: Val, at: Span): void {
    const f = this.f;
    if (t.kind === 'name') {
      f.env.set(t.id, v);
      return;
    }
    if (t.kind === 'tuple' || t.kind === 'list') {
      this.consume(v, at);
      for (const n of namesIn(t)) f.env.set(n, UNKNOWN);
      return;
    }
    if (t.kind === 'subscript' && this.sequentialElementChanged(t, at)) {
      this.consume(v, at);
      return;
    }
    if (t.kind === 'subscript') {
      // The list (or list of lists) written into: a local name's, or one this method keeps in an attribute of `self`.
      const root = subscriptRoot(t.value);
      const holder = this.exprs.holderKey(root);
      const cur = holder !== undefined ? f.env.get(holder) : undefined;
      if (holder !== undefined && cur?.k === 'list') {
        const key = t.index.length === 1 && root === t.value ? f.model.literal(t.index[0], f.scope) : undefined;
        if (typeof key === 'number' && Number.isInteger(key) && !cur.list.depth) {
          // `layers[1] = nn.BatchNorm2d(c)` replaces a known element; any other index loses the order.
          const nl = this.lists.replace(cur.list, key, this.lists.asInstances(v), at);
          this.exprs.changed(holder, cur.list, nl ? { k: 'list', list: nl } : UNKNOWN);
        } else if (typeof key === 'string') {
          // `layers['bn1'] = nn.BatchNorm2d(c)` on an OrderedDict being built
          this.exprs.changed(holder, cur.list, { k: 'list', list: this.lists.append(cur.list, this.lists.asInstances(v)) });
        } else this.exprs.changed(holder, cur.list, UNKNOWN);
        return;
      }
    }
    if (t.kind === 'attr' && f.selfName && t.value.kind === 'name' && t.value.id === f.selfName) {
      // A list of layers kept in an attribute is followed through the method (`self.blocks.append(…)`).
      const key = selfKey(f.selfName, t.attr);
      if (!f.seqSubclass && (v.k === 'list' || (v.k === 'mod' && v.list))) f.env.set(key, v);
      else f.env.delete(key);
      return;
    }
    this.ev(t);
    this.consume(v, at);
  }
}
