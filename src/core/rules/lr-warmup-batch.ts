/**
 * lr-warmup's evidence of a large batch, by data flow: the learning rate that reaches an optimizer is computed
 * (multiplied, divided) from a batch size the training actually uses — the batch size of a DataLoader that trains, of a
 * tf.data pipeline that trains, of `fit(batch_size=…)`, or the step of a loop that trains — or from the number of
 * workers the distributed runtime reports. A variable assigned and never used, a test or evaluation batch size, a
 * literal, or a name alone proves nothing.
 *
 * Values are followed backwards through assignments (`lr = base_lr * bs / 256`, `args.lr = args.lr * args.batch_size`),
 * through parameters to the calls that bind them, and through schedules that carry the rate into the optimizer.
 */
import { findArg, walkExpr, type CallExpr, type Expr, type Span, type Stmt } from '../python/ast';
import { canonicalName } from '../python/catalog';
import type { PythonModel, Scope } from '../python/model';
import { walkModule } from '../python/walk';
import { assignedTail, batchUnits, namesIn, rootName, type BatchUnit } from './lr-warmup-units';
import { RATE_ARGS, rateFactor } from './lr-warmup-factor';

/** A variable an expression reads, reached through assignments: its key, and whether only `*`, `/`, `//` lie between. */
interface Leaf {
  key: string;
  scaling: boolean;
  /** The statement (or argument) where it was read. */
  at: Span;
}

/**
 * How deep a rate is followed (each expression and each name it goes through is a step; names are never followed
 * twice): `SGD(learning_rate=schedule)` ← `PiecewiseConstantDecay(values=[base_lr, …])` ← `base_lr = 0.01 * global_batch
 * / 16` ← `global_batch = local_batch * strategy.num_replicas_in_sync` takes 8.
 */
const MAX_DEPTH = 12;
const RUNTIME_WORLD = '<runtime world size>';
const WORLD_SIZE_CALLS = new Set([
  'torch.distributed.get_world_size',
  'torch.cuda.device_count',
  'jax.device_count',
  'jax.local_device_count',
  'jax.process_count',
  'horovod.torch.size',
  'horovod.tensorflow.size',
  'horovod.tensorflow.keras.size',
  'accelerate.Accelerator.num_processes',
]);
const DATA_LOADERS = new Set(['torch.utils.data.DataLoader', 'torch.utils.data.dataloader.DataLoader']);

/** tf.data's batching methods: `.batch(n)`, `.padded_batch(n)`, `.ragged_batch(n)`. */
const BATCH_METHODS = new Set(['batch', 'padded_batch', 'ragged_batch']);

/**
 * A call that may set the batch size of training: a DataLoader construction (`q`: what its callee stands for), a
 * tf.data batching method, `.fit(…)`.
 */
export function isBatchCall(call: CallExpr, q: string | undefined): boolean {
  const f = call.func;
  if (f.kind === 'attr' && ((BATCH_METHODS.has(f.attr) && call.args.length >= 1) || f.attr === 'fit')) return true;
  return !!q && DATA_LOADERS.has(canonicalName(q));
}

export class TrainingBatches {
  private readonly scopeIds = new Map<Scope, number>();
  private readonly attrAssigns = new Map<string, { value: Expr; scope: Scope; stmt: Stmt }[]>();
  private trainingFns?: Set<object>;
  private batchKeys?: Map<string, Span>;
  private unitFacts?: BatchUnit[];
  /** The batch-size expressions of training: DataLoaders, pipelines, `fit`, loop steps. */
  private readonly batchUses: { expr: Expr; scope: Scope }[] = [];

  /** @param batchCalls  the file's calls that `isBatchCall` accepts, in order. */
  constructor(
    private readonly model: PythonModel,
    private readonly batchCalls: readonly CallExpr[],
  ) {}

  /** What the batch analysis reads of each top-level statement (kept with the statement across versions). */
  private units(): BatchUnit[] {
    const text = this.model.text;
    return (this.unitFacts ??= this.model.parsed.units.map((u) => batchUnits.of(u, text)));
  }

  /**
   * Where the learning rate given to an optimizer (or a schedule it runs on) is scaled with a batch size the training
   * uses, or with the runtime's number of workers: the statement to quote.
   */
  scaledRate(rateExprs: { expr: Expr; scope: Scope }[]): Span | undefined {
    const batch = this.trainingBatchKeys();
    for (const r of rateExprs) {
      for (const leaf of this.leaves(r.expr, r.scope, 0, new Set())) {
        if (!leaf.scaling || (leaf.key !== RUNTIME_WORLD && !batch.has(leaf.key))) continue;
        if (leaf.key === RUNTIME_WORLD || !this.notScaledUp(r.expr, r.scope)) return leaf.at;
        break;
      }
    }
    return undefined;
  }

  /**
   * Whether a rate scaled with the batch size stays at or below its base rate at the batch size the file fixes
   * (`batch_size = 16`, `lr = 0.01 * batch_size / 16`): see lr-warmup-factor.ts. A batch size read from the command
   * line or computed is not fixed, whatever its default.
   */
  private notScaledUp(expr: Expr, scope: Scope): boolean {
    const batch = this.trainingBatchKeys();
    let fixed = 0;
    for (const use of this.batchUses) {
      const n = this.useValue(use, false)?.n;
      if (n === undefined) return false;
      fixed = Math.max(fixed, n);
    }
    if (!fixed) return false;
    const factor = rateFactor(this.model, expr, scope, {
      batch: (e) => {
        const key = this.textKey(e);
        return key !== undefined && batch.has(key) ? fixed : undefined;
      },
      assigned: (e) => {
        const key = this.textKey(e);
        return key === undefined || this.assignmentsTo(e, key).length > 0;
      },
    });
    return factor !== undefined && factor <= 1;
  }

  /** A batch size of 1024 or more that the training uses (a literal, or a variable assigned one): where it is set. */
  largeBatch(): Span | undefined {
    this.trainingBatchKeys();
    for (const use of this.batchUses) {
      const v = this.useValue(use, true);
      if (v && v.n >= 1024) return v.at;
    }
    return undefined;
  }

  /**
   * The number a batch-size use stands for, and where it is set: a literal, a name assigned one once, or (`argparse`)
   * `args.batch_size` from `parser.add_argument("--batch-size", default=4096)`.
   */
  private useValue({ expr, scope }: { expr: Expr; scope: Scope }, argparse: boolean): { n: number; at: Span } | undefined {
    const model = this.model;
    let e = expr;
    let at: Span = model.statementOf.get(expr) ?? expr;
    if (e.kind === 'name') {
      const found = model.lookup(e.id, scope);
      const b = found?.bindings.length === 1 ? found.bindings[0] : undefined;
      if (b?.kind !== 'assign') return undefined;
      e = b.value;
      at = b.stmt;
    } else if (e.kind === 'attr') {
      const def = argparse ? this.argparseDefault(e.attr) : undefined;
      if (!def) return undefined;
      e = def.value;
      at = def.call;
    }
    const n = model.literal(e, scope);
    return typeof n === 'number' ? { n, at } : undefined;
  }

  /** The default of the command-line option whose destination is `dest` (`--batch-size` → batch_size). */
  private argparseDefault(dest: string): { value: Expr; call: CallExpr } | undefined {
    for (const call of this.units().flatMap((u) => u.addArguments)) {
      const explicit = findArg(call, 'dest')?.value;
      let name: string | undefined = explicit?.kind === 'string' ? explicit.value : undefined;
      if (!name) {
        const flags = call.args.filter((a) => !a.name && a.value.kind === 'string').map((a) => (a.value as { value?: string }).value ?? '');
        const long = flags.find((x) => x.startsWith('--')) ?? flags[0];
        let flag = long ?? '';
        while (flag.startsWith('-')) flag = flag.slice(1);
        name = flag.split('-').join('_');
      }
      const def = findArg(call, 'default')?.value;
      if (name === dest && def) return { value: def, call };
    }
    return undefined;
  }

  /** Rates written into an optimizer's parameter groups: `for group in optimizer.param_groups: group["lr"] = lr`. */
  paramGroupRates(): { expr: Expr; scope: Scope }[] {
    const model = this.model;
    return this.units().flatMap((u) => u.paramGroupRates.map((t) => ({ expr: t.value!, scope: model.scopeOf(t) })));
  }

  // ---- what the training uses ----------------------------------------------------------------------

  /** Keys of the values used as a batch size by training, with the assignment that gave each (or the use). */
  private trainingBatchKeys(): Map<string, Span> {
    if (this.batchKeys) return this.batchKeys;
    const out = new Map<string, Span>();
    const model = this.model;
    const add = (e: Expr | undefined, scope: Scope) => {
      if (!e) return;
      this.batchUses.push({ expr: e, scope });
      for (const l of this.leaves(e, scope, 0, new Set())) if (!out.has(l.key)) out.set(l.key, l.at);
    };
    for (const call of this.batchCalls) {
      const scope = model.scopeOf(call);
      const q = this.canonical(call.func, scope);
      const f = call.func;
      if (q && DATA_LOADERS.has(q)) {
        if (this.trainingLoader(call, scope)) add(this.dataLoaderBatch(call, scope), scope);
      } else if (f.kind === 'attr' && BATCH_METHODS.has(f.attr) && call.args.length >= 1) {
        if (this.trainingPipeline(call, scope)) add(findArg(call, 'batch_size', 0)?.value, scope);
      } else if (f.kind === 'attr' && f.attr === 'fit') {
        add(findArg(call, 'batch_size', 2)?.value, scope);
      }
    }
    // `for i in range(0, n, batch_size):` around a training step.
    for (const u of this.units()) {
      for (const s of u.rangeLoops) if (s.iter.kind === 'call' && this.trains(s.body)) add(s.iter.args[2].value, model.scopeOf(s.iter));
    }
    this.batchKeys = out;
    return out;
  }

  /** The batch size a DataLoader call gets: `batch_size=`, its second argument, or a `**kwargs` dict naming it. */
  private dataLoaderBatch(call: CallExpr, scope: Scope): Expr | undefined {
    const direct = findArg(call, 'batch_size', 1)?.value;
    if (direct) return direct;
    for (const a of call.args) {
      if (a.star !== '**' || a.value.kind !== 'name') continue;
      const found = this.model.lookup(a.value.id, scope);
      for (const b of found?.bindings ?? []) {
        if (b.kind !== 'assign' || b.value.kind !== 'dict') continue;
        for (const it of b.value.items) if (it.key?.kind === 'string' && it.key.value === 'batch_size') return it.value;
      }
    }
    return undefined;
  }

  /**
   * A DataLoader that feeds training: shuffled, dropping the last batch, or with a sampler (evaluation loaders are
   * none of these), or one whose loader is iterated by a training loop or handed to a function that trains.
   */
  private trainingLoader(call: CallExpr, scope: Scope): boolean {
    for (const name of ['shuffle', 'drop_last']) {
      const v = findArg(call, name)?.value;
      if (v && this.model.literal(v, scope) === true) return true;
    }
    const sampler = findArg(call, 'sampler')?.value;
    if (sampler && !(sampler.kind === 'const' && sampler.value === 'None')) return true;
    return this.feedsTraining(call);
  }

  /** A tf.data pipeline that trains: shuffled or repeated on the way, or fed to a training loop or `fit`. */
  private trainingPipeline(call: CallExpr, scope: Scope): boolean {
    let recv: Expr = call.func;
    while (recv.kind === 'attr' || recv.kind === 'call') {
      if (recv.kind === 'call' && recv.func.kind === 'attr' && (recv.func.attr === 'shuffle' || recv.func.attr === 'repeat')) return true;
      recv = recv.kind === 'attr' ? recv.value : recv.func;
    }
    void scope;
    return this.feedsTraining(call);
  }

  /** Whether the value of `call`, as it is assigned (or used directly), reaches a training loop, `fit`, or a training function. */
  private feedsTraining(call: CallExpr): boolean {
    const model = this.model;
    const stmt = model.statementOf.get(call);
    // The value is an argument of an enclosing call (`model.fit(ds.batch(64))`), or assigned to a name or attribute.
    let holder: string | undefined;
    let root: string | undefined;
    if (stmt?.kind === 'assign' && stmt.value === call && stmt.targets.length === 1) {
      holder = this.textKey(stmt.targets[0]);
      root = rootName(stmt.targets[0]);
    }
    const uses = (e: Expr) => {
      let hit = false;
      walkExpr(e, (x) => {
        if (x === call || (holder && (x.kind === 'name' || x.kind === 'attr') && this.textKey(x) === holder)) hit = true;
      });
      return hit;
    };
    let found = false;
    for (const unit of model.parsed.units) {
      // A statement can only use the value if it holds the call, or names what holds the value.
      const holds = unit.from <= call.from && call.to <= unit.to;
      if (!holds && !(holder && root && namesIn.of(unit).has(root))) continue;
      walkModule(unit.stmts, {
        stmt: (s) => {
          if (found) return;
          if (s.kind === 'for' && uses(s.iter) && this.trains(s.body)) found = true;
        },
        expr: (e) => {
          if (found || e.kind !== 'call') return;
          if (!e.args.some((a) => uses(a.value))) return;
          if (e.func.kind === 'attr' && e.func.attr === 'fit') found = true;
          else {
            const cs = model.callables(e.func, model.scopeOf(e));
            if (cs.length === 1 && cs[0].value.kind === 'helper' && this.fnTrains(cs[0].value.fn.def.body)) found = true;
          }
        },
      });
      if (found) return true;
    }
    return false;
  }

  /** A function body that trains (directly or through the local functions it calls, two levels deep). */
  private fnTrains(body: Stmt[]): boolean {
    this.trainingFns ??= new Set();
    if (this.trainingFns.has(body)) return true;
    const t = this.trains(body, 2);
    if (t) this.trainingFns.add(body);
    return t;
  }

  /** Statements that take a training step: `loss.backward()`, `apply_gradients`, `minimize`, `fit`, jax gradients. */
  private trains(body: Stmt[], depth = 1): boolean {
    const model = this.model;
    let hit = false;
    walkModule(body, {
      expr: (e) => {
        if (hit || e.kind !== 'call') return;
        const f = e.func;
        if (f.kind === 'attr' && ['backward', 'apply_gradients', 'minimize', 'fit', 'train_on_batch'].includes(f.attr)) hit = true;
        else {
          const q = this.canonical(f, model.scopeOf(e));
          if (q === 'jax.grad' || q === 'jax.value_and_grad') hit = true;
          else if (depth > 1) {
            const cs = model.callables(f, model.scopeOf(e));
            if (cs.length === 1 && cs[0].value.kind === 'helper' && this.trains(cs[0].value.fn.def.body, depth - 1)) hit = true;
          }
        }
      },
    });
    return hit;
  }

  // ---- following values backwards ------------------------------------------------------------------

  private leaves(e: Expr, scope: Scope, depth: number, seen: Set<string>, scaling = true, at?: Span): Leaf[] {
    if (depth > MAX_DEPTH) return [];
    const model = this.model;
    const here = at ?? model.statementOf.get(e) ?? e;
    switch (e.kind) {
      case 'binop': {
        const mul = e.op === '*' || e.op === '/' || e.op === '//';
        const pow = e.op === '**';
        return [...this.leaves(e.left, scope, depth + 1, seen, scaling && (mul || pow), here), ...this.leaves(e.right, scope, depth + 1, seen, scaling && mul, here)];
      }
      case 'unary':
        return this.leaves(e.operand, scope, depth + 1, seen, scaling, here);
      case 'ifexp':
        return [...this.leaves(e.body, scope, depth + 1, seen, scaling, here), ...this.leaves(e.orelse, scope, depth + 1, seen, scaling, here)];
      case 'call':
        return this.callLeaves(e, scope, depth, seen, scaling, here);
      case 'name':
        return this.nameLeaves(e.id, scope, depth, seen, scaling, here);
      case 'attr':
      case 'subscript': {
        if (e.kind === 'attr' && e.attr === 'num_replicas_in_sync') return [{ key: RUNTIME_WORLD, scaling, at: here }];
        const key = this.textKey(e);
        if (!key || seen.has(key)) return key ? [{ key, scaling, at: here }] : [];
        seen.add(key);
        const out: Leaf[] = [{ key, scaling, at: here }];
        // `args.lr = args.lr * args.batch_size / 256` anywhere in the file.
        for (const a of this.assignmentsTo(e, key)) out.push(...this.leaves(a.value, a.scope, depth + 1, seen, scaling, a.stmt));
        return out;
      }
      default:
        return [];
    }
  }

  private callLeaves(e: CallExpr, scope: Scope, depth: number, seen: Set<string>, scaling: boolean, at: Span): Leaf[] {
    const q = this.canonical(e.func, scope);
    if (q && WORLD_SIZE_CALLS.has(q)) return [{ key: RUNTIME_WORLD, scaling, at }];
    if (e.func.kind === 'name' && ['float', 'int', 'round'].includes(e.func.id) && e.args[0]) return this.leaves(e.args[0].value, scope, depth + 1, seen, scaling, at);
    if (q === 'math.sqrt' || q === 'numpy.sqrt') return e.args[0] ? this.leaves(e.args[0].value, scope, depth + 1, seen, scaling, at) : [];
    // A schedule or optimizer carries the rate it is given; a piecewise-constant one starts at its first value.
    const out: Leaf[] = [];
    if (q?.endsWith('.PiecewiseConstantDecay')) {
      const values = findArg(e, 'values', 1)?.value;
      if ((values?.kind === 'list' || values?.kind === 'tuple') && values.elts[0]) out.push(...this.leaves(values.elts[0], scope, depth + 1, seen, scaling, values.elts[0]));
    }
    for (const a of e.args) {
      if (a.name ? RATE_ARGS.includes(a.name) : a === e.args[0] && q !== undefined && isRateCarrier(q)) out.push(...this.leaves(a.value, scope, depth + 1, seen, scaling, a));
    }
    return out;
  }

  private nameLeaves(id: string, scope: Scope, depth: number, seen: Set<string>, scaling: boolean, at: Span): Leaf[] {
    const model = this.model;
    const found = model.lookup(id, scope);
    if (!found) return [];
    const key = `${id}@${this.scopeId(found.scope)}`;
    const out: Leaf[] = [{ key, scaling, at }];
    if (seen.has(key)) return out;
    seen.add(key);
    for (const b of found.bindings) {
      if (b.kind === 'assign') out.push(...this.leaves(b.value, found.scope, depth + 1, seen, scaling, b.stmt));
      else if (b.kind === 'param' && found.scope.fn) {
        // A parameter: what the calls of its function pass.
        for (const site of model.callSites.of({ kind: 'fn', fn: found.scope.fn })) {
          const a = site.arg(id);
          if (a && a !== 'hidden' && !a.isDefault) out.push(...this.leaves(a.value, a.scope, depth + 1, seen, scaling, site.call ?? at));
        }
      }
    }
    return out;
  }

  /** Assignments to an attribute chain or subscript (`args.lr = …`, `cfg.SOLVER.BASE_LR = …`) anywhere, by its text key. */
  private assignmentsTo(e: Expr, key: string): { value: Expr; scope: Scope; stmt: Stmt }[] {
    let out = this.attrAssigns.get(key);
    if (out) return out;
    out = [];
    const model = this.model;
    const tail = assignedTail(e, (x) => model.source(x));
    for (const u of tail ? this.units() : []) {
      for (const a of u.attrAssigns.get(tail!) ?? []) {
        if (this.textKey(a.target) === key) out.push({ value: a.stmt.value!, scope: model.scopeOf(a.stmt), stmt: a.stmt });
      }
    }
    this.attrAssigns.set(key, out);
    return out;
  }

  /** `args.batch_size`, `cfg["lr"]`, `self.bs` as text; undefined for anything else. */
  private textKey(e: Expr): string | undefined {
    if (e.kind === 'name') {
      const found = this.model.lookup(e.id, this.model.scopeOf(e));
      return found ? `${e.id}@${this.scopeId(found.scope)}` : undefined;
    }
    if (e.kind === 'attr') {
      const base = e.value.kind === 'name' ? e.value.id : this.textKey(e.value);
      return base && `${base}.${e.attr}`;
    }
    if (e.kind === 'subscript' && e.index.length === 1 && (e.index[0].kind === 'string' || e.index[0].kind === 'number')) {
      const base = e.value.kind === 'name' ? e.value.id : this.textKey(e.value);
      return base && `${base}[${this.model.source(e.index[0])}]`;
    }
    return undefined;
  }

  private scopeId(scope: Scope): number {
    let id = this.scopeIds.get(scope);
    if (id === undefined) this.scopeIds.set(scope, (id = this.scopeIds.size + 1));
    return id;
  }

  private canonical(f: Expr, scope: Scope): string | undefined {
    const q = this.model.qname(f, scope);
    return q && canonicalName(q);
  }
}

/** Optimizers and schedules whose first argument (after the parameters, for PyTorch) is the rate. */
function isRateCarrier(q: string): boolean {
  return q.startsWith('keras.optimizers.') || q.startsWith('optax.');
}
