/**
 * lr-warmup: a learning-rate schedule without warmup where the rate is scaled with the batch size (or the
 * run is marked large-batch), and constant warmup where gradual warmup would avoid the jump. The note:
 * gradual warmup starts small and raises the rate step by step, which helps large batches.
 *
 * Its findings depend on the whole file (evidence of a large batch anywhere, warmup anywhere), so it runs on every
 * analysis; what it reads of each top-level statement is kept with the statement (python/unitMemo.ts), so that after an edit
 * only the statements the edit touched are read again, and the file-wide reasoning runs on what they hold. It also
 * offers the "Add gradual LR warmup" action on any optimizer or scheduler construction, with or without a finding.
 */
import { dottedParts, findArg, identifierParts, type CallExpr, type Expr, type Span, type Stmt, type StringExpr } from '../python/ast';
import { canonicalName } from '../python/catalog';
import { PythonModel, type Scope } from '../python/model';
import type { LoweredUnit } from '../python/parse';
import { ResolvedUnitMemo, UnitMemo } from '../python/unitMemo';
import { ownReturns, walkModule } from '../python/walk';
import { isBatchCall, TrainingBatches } from './lr-warmup-batch';
import { callsRampElsewhere, rampsRate, setsRate } from './lr-warmup-ramps';
import { addKeyword, indentAt, Imports, insertAfter, insertBefore, newlineOf, setArgument } from './edits';
import { msg, type Msg } from '../message';
import type { OffsetEdit, RawFinding, RawFix, Rule, RuleContext } from './rule';

type Framework = 'torch' | 'transformers' | 'timm' | 'keras' | 'optax';

/** An optimizer or learning-rate scheduler construction. */
interface LrCall {
  call: CallExpr;
  scope: Scope;
  kind: 'optimizer' | 'scheduler';
  framework: Framework;
  /** Class or function name, e.g. `CosineAnnealingLR`. */
  name: string;
  /** yes: warms up; no: does not; constant: constant warmup; unknown: custom (LambdaLR…); composite: chains others. */
  warmup: 'yes' | 'no' | 'constant' | 'unknown' | 'composite';
  /** A large-batch optimizer (LARS, LAMB). */
  largeBatch?: boolean;
}

// (Not apex's LARC: it wraps an optimizer built before it, as Lookahead does.)
const LARGE_BATCH_OPTIMIZERS = new Set(['lars', 'lamb', 'fusedlamb', 'fusedlars']);
const OPTAX_OPTIMIZERS = new Set([
  'sgd',
  'adam',
  'adamw',
  'adamax',
  'adamaxw',
  'lamb',
  'lars',
  'rmsprop',
  'adagrad',
  'adafactor',
  'lion',
  'nadam',
  'nadamw',
  'radam',
  'novograd',
  'fromage',
  'yogi',
  'adabelief',
  'noisy_sgd',
  'sm3',
  'adadelta',
]);

/** Runs of whitespace (line breaks included) as one space, for quoting code in a message. */
function collapseSpaces(s: string): string {
  let out = '';
  let space = false;
  for (const ch of s) {
    if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') space = true;
    else {
      if (space && out) out += ' ';
      space = false;
      out += ch;
    }
  }
  return out;
}

function isZero(e: Expr | undefined): boolean {
  return !!e && ((e.kind === 'number' && e.value === 0) || (e.kind === 'const' && (e.value === 'None' || e.value === 'False')));
}

function lastName(e: Expr): string | undefined {
  if (e.kind === 'name') return e.id;
  if (e.kind === 'attr') return e.attr;
  if (e.kind === 'subscript' && e.index.length === 1 && e.index[0].kind === 'string') return e.index[0].value;
  if (e.kind === 'call') return lastName(e.func);
  return undefined;
}

function isWarmupName(id: string): boolean {
  if (!id.toLowerCase().includes('warm')) return false;
  const parts = identifierParts(id);
  // `no_warmup`, `without_warmup`, `skip_warmup` name the absence of a warmup.
  return parts.some((p, i) => (p.startsWith('warmup') || p === 'warm') && !NEGATIONS.has(parts[i - 1] ?? ''));
}

const NEGATIONS = new Set(['no', 'without', 'skip', 'disable', 'disabled', 'wo']);

/** What a call is, as far as learning rates go (`raw`: what its callee stands for). */
function classify(model: PythonModel, call: CallExpr, scope = model.scopeOf(call), raw = model.qname(call.func, scope)): LrCall | undefined {
  if (!raw || raw.startsWith('@')) {
    // A class of the project, here or in another module (`@path:LARS`): a LARS or LAMB of its own, as self-supervised
    // training code often writes, by its name.
    const own = raw ? raw.slice(raw.lastIndexOf(':') + 1) : projectClassName(model, call, scope);
    return own && LARGE_BATCH_OPTIMIZERS.has(own.toLowerCase()) ? { call, scope, name: own, kind: 'optimizer', framework: 'torch', warmup: 'no', largeBatch: true } : undefined;
  }
  const q = canonicalName(raw);
  const name = q.slice(q.lastIndexOf('.') + 1);
  const base = { call, scope, name };
  const kw = (n: string, i?: number) => findArg(call, n, i)?.value;
  if (q.startsWith('torch.optim.lr_scheduler.')) {
    let warmup: LrCall['warmup'] = 'no';
    if (name === 'LinearLR') {
      const sf = model.literal(kw('start_factor', 1));
      warmup = typeof sf === 'number' && sf >= 1 ? 'no' : 'yes';
    } else if (name === 'OneCycleLR' || name === 'CyclicLR') warmup = 'yes';
    else if (name === 'LambdaLR' || name === 'MultiplicativeLR') warmup = 'unknown';
    else if (name === 'ConstantLR') {
      // A factor of 1 or more (or no steps) never lowers the rate: no warmup at all; one not written as a number may be
      // either (the default is 1/3).
      const factor = kw('factor', 1);
      const f = factor && model.literal(factor);
      const iters = model.literal(kw('total_iters', 2));
      warmup = iters === 0 || (typeof f === 'number' && f >= 1) ? 'no' : factor && typeof f !== 'number' ? 'unknown' : 'constant';
    }
    else if (name === 'SequentialLR' || name === 'ChainedScheduler') warmup = 'composite';
    else if (name[0] < 'A' || name[0] > 'Z' || name === 'LRScheduler' || name === '_LRScheduler') return undefined;
    return { ...base, kind: 'scheduler', framework: 'torch', warmup };
  }
  // Averaging weights (SWA) is neither an optimizer nor a warmup schedule.
  if (q.startsWith('torch.optim.swa_utils.')) return undefined;
  if (q.startsWith('torch.optim.') || q.startsWith('torch.distributed.optim.')) {
    if (name[0] < 'A' || name[0] > 'Z' || name === 'Optimizer') return undefined;
    return { ...base, kind: 'optimizer', framework: 'torch', warmup: 'no', largeBatch: LARGE_BATCH_OPTIMIZERS.has(name.toLowerCase()) };
  }
  if (q.startsWith('transformers.')) {
    if (name === 'get_scheduler') return { ...base, kind: 'scheduler', framework: 'transformers', warmup: isZero(kw('num_warmup_steps', 2)) || !kw('num_warmup_steps', 2) ? 'no' : 'yes' };
    if (name.startsWith('get_') && name.endsWith('_with_warmup'))
      return { ...base, kind: 'scheduler', framework: 'transformers', warmup: isZero(kw('num_warmup_steps', 1)) || !kw('num_warmup_steps', 1) ? 'no' : 'yes' };
    if (name.startsWith('get_') && name.endsWith('_schedule')) return { ...base, kind: 'scheduler', framework: 'transformers', warmup: 'no' };
    if (name === 'TrainingArguments' || name === 'Seq2SeqTrainingArguments') {
      const ratio = kw('warmup_ratio');
      const steps = kw('warmup_steps');
      const none = (!ratio || isZero(ratio)) && (!steps || isZero(steps));
      return { ...base, kind: 'scheduler', framework: 'transformers', warmup: none ? 'no' : 'yes' };
    }
    if (name === 'AdamW' || name === 'Adafactor') return { ...base, kind: 'optimizer', framework: 'transformers', warmup: 'no' };
    return undefined;
  }
  if (q.startsWith('timm.scheduler.')) {
    if (name === 'create_scheduler') return { ...base, kind: 'scheduler', framework: 'timm', warmup: 'unknown' };
    if (name === 'create_scheduler_v2') return { ...base, kind: 'scheduler', framework: 'timm', warmup: isZero(kw('warmup_epochs')) || !kw('warmup_epochs') ? 'no' : 'yes' };
    if (name.endsWith('Scheduler')) return { ...base, kind: 'scheduler', framework: 'timm', warmup: isZero(kw('warmup_t')) || !kw('warmup_t') ? 'no' : 'yes' };
    return undefined;
  }
  if (q.startsWith('timm.optim.')) {
    // `Lookahead(optimizer)` wraps an optimizer built before it: that one is the construction that counts.
    if (name === 'Lookahead') return undefined;
    return { ...base, kind: 'optimizer', framework: 'timm', warmup: 'no', largeBatch: LARGE_BATCH_OPTIMIZERS.has(name.toLowerCase()) };
  }
  if (q.startsWith('keras.optimizers.schedules.')) {
    if (name === 'CosineDecay') return { ...base, kind: 'scheduler', framework: 'keras', warmup: isZero(kw('warmup_steps')) || !kw('warmup_steps') ? 'no' : 'yes' };
    if (name === 'LearningRateSchedule') return undefined;
    return { ...base, kind: 'scheduler', framework: 'keras', warmup: 'no' };
  }
  if (q.startsWith('keras.optimizers.')) {
    if (name[0] < 'A' || name[0] > 'Z' || name === 'Optimizer') return undefined;
    return { ...base, kind: 'optimizer', framework: 'keras', warmup: 'no', largeBatch: LARGE_BATCH_OPTIMIZERS.has(name.toLowerCase()) };
  }
  if (q.startsWith('optax.')) {
    if (OPTAX_OPTIMIZERS.has(name)) return { ...base, kind: 'optimizer', framework: 'optax', warmup: 'no', largeBatch: name === 'lars' || name === 'lamb' };
    if (name.startsWith('warmup_') || name.endsWith('onecycle_schedule') || name === 'linear_schedule') return { ...base, kind: 'scheduler', framework: 'optax', warmup: 'yes' };
    if (name === 'join_schedules' || name === 'inject_hyperparams') return { ...base, kind: 'scheduler', framework: 'optax', warmup: 'composite' };
    if (name.endsWith('_schedule') || name === 'exponential_decay') return { ...base, kind: 'scheduler', framework: 'optax', warmup: 'no' };
    return undefined;
  }
  const lower = name.toLowerCase();
  if (LARGE_BATCH_OPTIMIZERS.has(lower) && !q.startsWith('.')) return { ...base, kind: 'optimizer', framework: 'torch', warmup: 'no', largeBatch: true };
  return undefined;
}

/** The name of the class of this file a call constructs (`LARS(…)` with `class LARS(Optimizer)` above). */
function projectClassName(model: PythonModel, call: CallExpr, scope: Scope): string | undefined {
  if (call.func.kind !== 'name') return undefined;
  const cs = model.callables(call.func, scope);
  const c = cs.length === 1 ? cs[0].value : undefined;
  return c?.kind === 'class' ? c.cls.def.name : undefined;
}

interface Survey {
  calls: LrCall[];
  /**
   * Why the file's training counts as large-batch: an LR scaled with the batch size, a large batch, a flag. (A LARS or
   * LAMB construction is evidence for itself and the file's schedules only: a factory that builds LAMB in one branch
   * and SGD in another trains large batches with the first alone.)
   */
  evidence?: { span: Span; what: Msg };
  /** Module-level code already warms up (a scheduler, or a name mentioning warmup): nothing is reported. */
  hasWarmup: boolean;
  /** Top-level functions and classes that warm up: what they build is covered. */
  warmupUnits: { from: number; to: number }[];
  /** `warmup_method="constant"` and the like. */
  constantStrings: StringExpr[];
}

/** What one top-level statement says about warmup and batch size (its text only: cached per statement). */
interface TextFacts {
  evidence?: { span: Span; what: Msg };
  hasWarmup: boolean;
  constantStrings: StringExpr[];
  /** It ramps param groups' rate up by hand (see lr-warmup-ramps.ts). */
  rampsRate: boolean;
}

/** The statements an edit did not touch are the same objects in the next version of a document: their facts stay attached. */
const textFactsOf = new UnitMemo((unit: LoweredUnit, model: PythonModel) => textFacts(model, unit));

/**
 * Per top-level statement: its optimizer and scheduler constructions, and its calls that may set the batch size of
 * training (whether a call is either depends only on what its callee stands for).
 */
const namedCallsOf = new ResolvedUnitMemo((model, unit) => {
  const lr: CallExpr[] = [];
  const batch: CallExpr[] = [];
  for (const c of unit.calls) {
    const scope = model.scopeOf(c);
    const q = model.qname(c.func, scope);
    // A name that stands for no import may be a class of the file (see classify): kept by its text alone, which is what
    // this cache may depend on (which class it is, is decided again by every analysis).
    const own = q === undefined && c.func.kind === 'name' && LARGE_BATCH_OPTIMIZERS.has(c.func.id.toLowerCase());
    if ((q !== undefined && classify(model, c, scope, q)) || own) lr.push(c);
    if (isBatchCall(c, q)) batch.push(c);
  }
  return { lr, batch };
});

/** The file's optimizer and scheduler constructions, in order. */
function lrCalls(model: PythonModel): LrCall[] {
  const calls: LrCall[] = [];
  for (const unit of model.parsed.units) {
    for (const c of namedCallsOf.of(model, unit).lr) {
      const k = classify(model, c);
      if (k) calls.push(k);
    }
  }
  return calls;
}

function survey(model: PythonModel): Survey {
  const calls = lrCalls(model);
  const s: Survey = { calls, hasWarmup: false, warmupUnits: [], constantStrings: [] };
  // The rate an optimizer gets, scaled with a batch size the training uses (or the runtime's number of workers).
  const batches = new TrainingBatches(
    model,
    model.parsed.units.flatMap((u) => namedCallsOf.of(model, u).batch),
  );
  const rates = calls.filter((c) => c.kind === 'optimizer').flatMap((c) => {
    const a = findArg(c.call, 'lr', c.framework === 'keras' || c.framework === 'optax' ? undefined : 1) ?? findArg(c.call, 'learning_rate', c.framework === 'keras' || c.framework === 'optax' ? 0 : undefined);
    return a ? [{ expr: a.value, scope: c.scope }] : [];
  });
  rates.push(...batches.paramGroupRates());
  const scaled = s.evidence ? undefined : batches.scaledRate(rates);
  if (scaled) s.evidence = { span: scaled, what: msg('the learning rate is scaled with the batch size (“{0}”)', shortSource(model, scaled)) };
  const large = s.evidence ? undefined : batches.largeBatch();
  if (large) s.evidence = { span: large, what: msg('the batch is large (“{0}”)', shortSource(model, large)) };
  const warmingCalls = calls.filter((c) => c.warmup === 'yes' || c.warmup === 'unknown');
  for (const unit of model.parsed.units) {
    const f = textFactsOf.of(unit, model);
    if (!s.evidence && f.evidence) s.evidence = f.evidence;
    // A rate ramped up by hand is the file's schedule, for every optimizer it is given (see lr-warmup-ramps.ts).
    if (f.rampsRate) s.hasWarmup = true;
    const warms = f.hasWarmup || warmingCalls.some((c) => unit.from <= c.call.from && c.call.to <= unit.to);
    if (warms) {
      const head = unit.stmts[0]?.kind;
      if (unit.stmts.length === 1 && (head === 'def' || head === 'class')) s.warmupUnits.push({ from: unit.from, to: unit.to });
      else s.hasWarmup = true;
    }
    for (const x of f.constantStrings) s.constantStrings.push(x);
  }
  return s;
}

/**
 * Whether a construction is handed to callers this file does not show: the plain function it is in returns it
 * (`return SGD(…)`, or `optimizer = SGD(…)` with a `return optimizer` or a tuple holding it) and nothing in the file
 * calls that function. (Not a method: its class, here, is what trains, as PyTorch Lightning's `configure_optimizers`.)
 */
function returnedByItsFunction(model: PythonModel, call: CallExpr): boolean {
  const fn = model.scopeOf(call).fn;
  const stmt = model.statementOf.get(call);
  if (!fn || fn.cls || !stmt || model.callSites.of({ kind: 'fn', fn }).length) return false;
  if (stmt.kind === 'return') return true;
  if (stmt.kind !== 'assign' || stmt.targets.length !== 1 || stmt.targets[0].kind !== 'name') return false;
  const name = stmt.targets[0].id;
  const isName = (e: Expr) => e.kind === 'name' && e.id === name;
  return ownReturns(fn.def.body).some((v) => isName(v) || (v.kind === 'tuple' && v.elts.some(isName)));
}

/**
 * Whether a construction is in a test: in a function or method whose name starts with `test` (pytest, unittest), or in a
 * class that pytest collects (`Test…`) or that derives from a `TestCase` (unittest, absl, tf.test, Keras). An optimizer
 * built there checks the optimizer on a few steps with expected values; it trains no model, and a warmup would change
 * what the test compares.
 */
function inTestCode(model: PythonModel, call: CallExpr): boolean {
  for (let scope: Scope | undefined = model.scopeOf(call); scope; scope = scope.parent) {
    const fn = scope.fn;
    // `test`, `test_step`, `testStep` (pytest and unittest collect them), not `testbed_pretrain`.
    if (fn && /^test(?:$|_|[A-Z0-9])/.test(fn.def.name)) return true;
    const cls = scope.cls ?? fn?.cls;
    // `TestLars` (pytest collects it), not `TesterTrainer`; or a `TestCase` subclass.
    if (cls && (/^Test(?:$|[A-Z0-9_])/.test(cls.def.name) || cls.def.bases.some((b) => !b.name && !!dottedParts(b.value)?.at(-1)?.endsWith('TestCase')))) return true;
  }
  return false;
}

/** Code as a message quotes it: on one line, at most 60 characters. */
function shortSource(model: PythonModel, span: Span): string {
  const src = collapseSpaces(model.source(span));
  return src.length > 60 ? `${src.slice(0, 57)}…` : src;
}

function textFacts(model: PythonModel, unit: LoweredUnit): TextFacts {
  const s: TextFacts = { hasWarmup: false, constantStrings: [], rampsRate: false };
  let setsAnyRate = false;
  const short = (span: Span) => shortSource(model, span);
  const evidence = (span: Span, what: Msg) => {
    if (!s.evidence) s.evidence = { span, what };
  };
  const largeFlag = (id: string) => {
    if (!id.toLowerCase().includes('large')) return false;
    const parts = identifierParts(id);
    return parts.includes('large') && (parts.includes('batch') || parts.includes('bs'));
  };
  const zeroOrNone = (e: Expr | undefined) => isZero(e) || (e?.kind === 'const' && e.value === 'None');

  const onStmt = (st: Stmt): void => {
    if (setsRate(st)) setsAnyRate = true;
    if (st.kind === 'assign' && st.value) {
      for (const t of st.targets) {
        const id = lastName(t);
        if (!id) continue;
        if (isWarmupName(id) && !zeroOrNone(st.value)) {
          const lower = id.toLowerCase();
          if (!(lower.endsWith('warmup_method') && st.value.kind === 'string' && st.value.value === 'constant')) s.hasWarmup = true;
        }
        if (id.toLowerCase().endsWith('warmup_method') && st.value.kind === 'string' && st.value.value?.toLowerCase() === 'constant') s.constantStrings.push(st.value);
        if (largeFlag(id) && st.value.kind === 'const' && st.value.value === 'True') evidence(st, msg('it is marked large-batch (“{0}”)', short(st)));
      }
    } else if (st.kind === 'def') {
      if (isWarmupName(st.name)) s.hasWarmup = true;
      for (const p of st.params) if (isWarmupName(p.name) && !zeroOrNone(p.default)) s.hasWarmup = true;
    } else if (st.kind === 'class' && isWarmupName(st.name)) s.hasWarmup = true;
  };
  walkModule(unit.stmts, { stmt: onStmt });
  s.rampsRate = setsAnyRate && rampsRate(unit.stmts);
  // Callees (`transformers.get_linear_schedule_with_warmup`) say nothing about this file warming up.
  const callees = new Set<Expr>();
  for (const e of unit.calls) {
    callees.add(e.func);
    for (const a of e.args) {
      if (!a.name) continue;
      if (isWarmupName(a.name)) {
        const isConstant = a.value.kind === 'string' && a.value.value?.toLowerCase() === 'constant';
        if (isConstant && (a.name === 'warmup' || a.name.toLowerCase().endsWith('warmup_method'))) s.constantStrings.push(a.value as StringExpr);
        else if (!zeroOrNone(a.value)) s.hasWarmup = true;
      }
      if (largeFlag(a.name) && a.value.kind === 'const' && a.value.value === 'True') evidence(a, msg('it is marked large-batch (“{0}”)', short(a)));
    }
    // argparse: add_argument('--batch-size', default=4096)
    const first = e.args[0]?.value;
    if (e.func.kind === 'attr' && e.func.attr === 'add_argument' && first?.kind === 'string' && first.value) {
      let flag = first.value;
      while (flag.startsWith('-')) flag = flag.slice(1);
      const def = e.args.find((a) => a.name === 'default');
      if (isWarmupName(flag) && def && !zeroOrNone(def.value)) s.hasWarmup = true;
    }
  }
  for (const e of unit.dicts) {
    for (const it of e.items) {
      if (it.key?.kind === 'string' && it.key.value) {
        if (isWarmupName(it.key.value)) {
          if (it.value.kind === 'string' && it.value.value?.toLowerCase() === 'constant' && it.key.value.toLowerCase().endsWith('warmup_method')) s.constantStrings.push(it.value);
          else if (!zeroOrNone(it.value)) s.hasWarmup = true;
        }
      }
    }
  }
  for (const e of unit.warmAttrs) if (!callees.has(e) && isWarmupName(e.attr)) s.hasWarmup = true;
  return s;
}

export const lrWarmup: Rule = {
  meta: {
    id: 'lr-warmup',
    noteRef: { slug: 'learning-rate-warming-up', point: 2 },
    defaultSeverity: 'hint',
    fixable: true,
    scope: 'file',
    description: 'A learning-rate schedule without warmup for a large batch (a rate scaled with the batch size the training uses), or constant warmup where gradual warmup is better.',
    docs: {
      why:
        'When the learning rate is scaled up with the batch size, the first steps at full rate can make training unstable. Gradual warmup starts with a small rate and raises it step by step to the full one. Constant warmup (a small rate, then a jump) can spike the training error at the jump.',
      before: 'loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True)\nlr = 0.1 * batch_size / 256\noptimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)\nscheduler = CosineAnnealingLR(optimizer, T_max=epochs)',
      after:
        'loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True)\nlr = 0.1 * batch_size / 256\noptimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)\nwarmup_iters = 5  # gradual warmup …\nscheduler = SequentialLR(\n    optimizer,\n    schedulers=[\n        LinearLR(optimizer, start_factor=0.1, total_iters=warmup_iters),\n        CosineAnnealingLR(optimizer, T_max=epochs),\n    ],\n    milestones=[warmup_iters],\n)',
    },
  },
  check(ctx) {
    const model = ctx.model;
    const s = survey(model);
    const out: RawFinding[] = [];
    // Constant warmup → gradual.
    for (const c of s.calls) {
      if (c.warmup !== 'constant') continue;
      const fix = constantLrFix(ctx, c);
      out.push({
        span: c.call,
        message: msg(
          '{0} is a constant warmup: it trains at a reduced rate, then jumps to the full one, which can spike the training error at the jump. A gradual warmup (LinearLR) raises the rate step by step instead.',
          c.name,
        ),
        fixes: fix ? [fix] : [],
      });
    }
    for (const str of s.constantStrings) {
      const q = str.quote;
      out.push({
        span: str,
        message: msg(
          'Constant warmup trains at a reduced rate, then jumps to the full one, which can spike the training error at the jump. Gradual (linear) warmup avoids the jump.',
        ),
        fixes: [{ title: msg('Use gradual (linear) warmup'), edits: [{ from: str.from, to: str.to, text: `${q}linear${q}` }], isPreferred: true }],
      });
    }
    const largeBatch = s.calls.find((c) => c.largeBatch);
    if ((!s.evidence && !largeBatch) || s.hasWarmup) return out;
    // (Asked only now: it resolves the file's calls into the project's other modules.)
    if (model.parsed.units.some((u) => callsRampElsewhere(model, u))) return out;
    const large = (c: LrCall) => msg('it uses the large-batch optimizer {0}', c.name);
    // A schedule built in a function or class covers that function or class, not its neighbours: a file with
    // `make_optimizer_with_warmup` and a warmup-less `make_optimizer_plain` still hears about the second. A bare
    // optimizer stays quiet when anything in the file warms up (hand-written warmup that sets param_groups' lr), and,
    // where a schedule is built around the optimizer (PyTorch, timm, transformers; Keras and optax take it as the
    // optimizer's rate), when its function returns it: the caller schedules it, maybe with a warmup (a factory).
    const covered = (c: LrCall) => s.warmupUnits.some((u) => u.from <= c.call.from && c.call.to <= u.to);
    const schedulers = s.calls.filter((c) => c.kind === 'scheduler' && c.warmup === 'no' && !covered(c));
    const scheduledOutside = (c: LrCall) => c.framework !== 'keras' && c.framework !== 'optax' && returnedByItsFunction(ctx.model, c.call);
    const bare = (c: LrCall) => c.kind === 'optimizer' && (s.evidence || c.largeBatch) && !scheduledOutside(c);
    const targets = schedulers.length ? schedulers : s.warmupUnits.length ? [] : s.calls.filter(bare);
    for (const t of targets) {
      if (inTestCode(model, t.call)) continue;
      const fix = warmupFix(ctx, t, s.calls);
      const why = s.evidence?.what ?? large(t.largeBatch ? t : largeBatch!);
      out.push({
        span: t.call,
        message:
          t.kind === 'scheduler'
            ? msg(
                'This schedule starts at the full learning rate with no warmup, but {0}. Large steps at the very start can make a large-batch run unstable; a gradual warmup raises the rate from small to full over the first epochs.',
                why,
              )
            : msg(
                'This optimizer starts at the full learning rate with no warmup, but {0}. Large steps at the very start can make a large-batch run unstable; a gradual warmup raises the rate from small to full over the first epochs.',
                why,
              ),
        fixes: fix ? [{ ...fix, isPreferred: fix.isPreferred ?? true }] : [],
      });
    }
    return out;
  },
  actionsAt(ctx, offset) {
    // "Add gradual LR warmup" on the innermost optimizer or scheduler construction around the offset.
    const model = ctx.model;
    let best: LrCall | undefined;
    const all = lrCalls(model);
    for (const c of all) {
      const call = c.call;
      if (call.from > offset || call.to < offset) continue;
      if (c.kind === 'optimizer' || c.warmup === 'no') {
        if (!best || call.to - call.from < best.call.to - best.call.from) best = c;
      }
    }
    if (!best) return [];
    if (best.kind === 'optimizer' && all.some((x) => x.warmup === 'yes' || x.warmup === 'unknown' || x.warmup === 'composite')) return [];
    const fix = warmupFix(ctx, best, all);
    return fix ? [{ ...fix, isPreferred: false }] : [];
  },
};

/** ConstantLR(opt, factor, total_iters) → LinearLR(opt, start_factor=factor, total_iters=…), same defaults otherwise. */
function constantLrFix(ctx: RuleContext, c: LrCall): RawFix | undefined {
  const model = ctx.model;
  const call = c.call;
  if (!call.complete || model.hiddenArgs(call)) return undefined;
  const positional = call.args.filter((a) => !a.name);
  if (positional.length > 3) return undefined;
  const imports = new Imports(ctx);
  const f = call.func;
  const ref = f.kind === 'attr' ? `${model.source(f.value)}.LinearLR` : imports.ref('torch.optim.lr_scheduler', 'LinearLR');
  const edits: OffsetEdit[] = [...imports.edits(), { from: f.from, to: f.to, text: ref }];
  for (const a of call.args) if (a.name === 'factor' && a.nameFrom !== undefined) edits.push({ from: a.nameFrom, to: a.nameFrom + 'factor'.length, text: 'start_factor' });
  if (positional[1]) edits.push({ from: positional[1].from, to: positional[1].from, text: 'start_factor=' });
  if (positional[2]) edits.push({ from: positional[2].from, to: positional[2].from, text: 'total_iters=' });
  return { title: msg('Use gradual warmup: LinearLR instead of ConstantLR'), edits, isPreferred: true };
}

function wrapSource(model: PythonModel, e: Expr): string {
  const src = model.source(e);
  return e.kind === 'name' || e.kind === 'attr' || e.kind === 'number' || e.kind === 'call' || e.kind === 'subscript' ? src : `(${src})`;
}

/** The gradual-warmup fix for one optimizer or scheduler construction, if one can be written. */
function warmupFix(ctx: RuleContext, c: LrCall, all: LrCall[]): RawFix | undefined {
  const model = ctx.model;
  const call = c.call;
  const text = ctx.text;
  if (!call.complete) return undefined;
  const title = msg('Add gradual LR warmup');
  const kw = (n: string, i?: number) => findArg(call, n, i);
  switch (c.framework) {
    case 'torch': {
      if (c.kind === 'optimizer') {
        // A scheduler built from this optimizer is the better place.
        const sched = all.find((x) => x.framework === 'torch' && x.kind === 'scheduler' && x.warmup === 'no' && x.scope === c.scope);
        if (sched) return warmupFix(ctx, sched, all);
        const stmt = model.statementOf.get(call);
        if (!stmt || stmt.kind !== 'assign' || stmt.targets.length !== 1) return undefined;
        const opt = model.source(stmt.targets[0]);
        const imports = new Imports(ctx);
        const linear = imports.ref('torch.optim.lr_scheduler', 'LinearLR');
        const iters = model.freshName('warmup_iters');
        const sched2 = model.freshName('warmup_scheduler');
        // Not preferred (`--fix` leaves it): the schedule does nothing until it is stepped, where only the author knows.
        return {
          title,
          isPreferred: false,
          edits: [
            ...imports.edits(),
            insertAfter(text, stmt, [
              `${iters} = 5  # gradual warmup: the learning rate rises linearly to its full value over the first 5 epochs`,
              `${sched2} = ${linear}(${opt}, start_factor=0.1, total_iters=${iters})  # call ${sched2}.step() once per epoch`,
            ]),
          ],
        };
      }
      if (c.name === 'ReduceLROnPlateau' || c.warmup !== 'no') return undefined;
      // `scheduler = X(…)`, `return X(…)`: the construction is a whole statement's value.
      const stmt = model.statementOf.get(call);
      if (!stmt) return undefined;
      const optArg = kw('optimizer', 0);
      if (!optArg) return undefined;
      const opt = model.source(optArg.value);
      const imports = new Imports(ctx);
      const seq = imports.ref('torch.optim.lr_scheduler', 'SequentialLR');
      const linear = imports.ref('torch.optim.lr_scheduler', 'LinearLR');
      const iters = model.freshName('warmup_iters');
      const indent = indentAt(text, stmt.from);
      const unit = indent.includes('\t') ? '\t' : '    ';
      const nl = newlineOf(ctx);
      const i1 = indent + unit;
      const i2 = i1 + unit;
      const replacement = [
        `${seq}(`,
        `${i1}${opt},`,
        `${i1}schedulers=[`,
        `${i2}${linear}(${opt}, start_factor=0.1, total_iters=${iters}),`,
        `${i2}${model.source(call)},`,
        `${i1}],`,
        `${i1}milestones=[${iters}],`,
        `${indent})`,
      ].join(nl);
      return {
        title,
        edits: [
          ...imports.edits(),
          insertBefore(text, stmt, [`${iters} = 5  # gradual warmup: the learning rate rises linearly to its full value over the first 5 scheduler steps`]),
          { from: call.from, to: call.to, text: replacement },
        ],
      };
    }
    case 'transformers': {
      if (c.kind !== 'scheduler' || c.warmup !== 'no') return undefined;
      if (c.name === 'TrainingArguments' || c.name === 'Seq2SeqTrainingArguments') {
        if (kw('warmup_ratio')) return { title, edits: setArgument(text, call, 'warmup_ratio', undefined, '0.05') };
        if (kw('warmup_steps')) return undefined;
        return { title, edits: addKeyword(text, call, 'warmup_ratio=0.05') };
      }
      const sched = c.name === 'get_scheduler';
      const total = kw('num_training_steps', sched ? 3 : 2);
      if (!total || !c.name.endsWith('_with_warmup') && !sched) return undefined;
      return { title, edits: setArgument(text, call, 'num_warmup_steps', sched ? 2 : 1, `${wrapSource(model, total.value)} // 20`) };
    }
    case 'timm': {
      if (c.kind !== 'scheduler' || c.warmup !== 'no') return undefined;
      if (c.name === 'create_scheduler_v2') return { title, edits: setArgument(text, call, 'warmup_epochs', undefined, '5') };
      return { title, edits: setArgument(text, call, 'warmup_t', undefined, '5') };
    }
    case 'keras': {
      if (c.kind === 'optimizer') return kerasOptimizerWarmup(ctx, c, title);
      if (c.kind !== 'scheduler' || c.name !== 'CosineDecay' || c.warmup !== 'no') return undefined;
      const initial = kw('initial_learning_rate', 0);
      const decay = kw('decay_steps', 1);
      if (!initial || !decay || kw('warmup_target') || model.hiddenArgs(call)) return undefined;
      // Keras warms up from initial_learning_rate to warmup_target over warmup_steps, then decays.
      return {
        title,
        edits: [
          { from: initial.value.from, to: initial.value.to, text: '0.0' },
          ...addKeyword(text, call, [`warmup_target=${model.source(initial.value)}`, `warmup_steps=${wrapSource(model, decay.value)} // 20`]),
        ],
      };
    }
    case 'optax': {
      const f = call.func;
      const optax = f.kind === 'attr' ? model.source(f.value) : undefined;
      const imports = new Imports(ctx);
      const ref = (n: string) => (optax ? `${optax}.${n}` : imports.ref('optax', n));
      if (c.kind === 'scheduler') {
        if (c.warmup !== 'no' || c.name !== 'cosine_decay_schedule') return undefined;
        const init = kw('init_value', 0);
        const decay = kw('decay_steps', 1);
        const alpha = kw('alpha', 2);
        if (!init || !decay || model.hiddenArgs(call)) return undefined;
        const end = alpha ? `${wrapSource(model, init.value)} * ${wrapSource(model, alpha.value)}` : '0.0';
        const d = model.source(decay.value);
        const replacement = `${ref('warmup_cosine_decay_schedule')}(init_value=0.0, peak_value=${model.source(init.value)}, warmup_steps=${wrapSource(model, decay.value)} // 20, decay_steps=${d}, end_value=${end})`;
        return { title, edits: [...imports.edits(), { from: call.from, to: call.to, text: replacement }] };
      }
      const lr = kw('learning_rate', 0);
      if (!lr) return undefined;
      // Already a schedule: leave it to the schedule.
      if (isSchedule(model, lr.value, c.scope)) return undefined;
      const stmt = model.statementOf.get(call);
      if (!stmt) return undefined;
      const steps = model.freshName('warmup_steps');
      return {
        title,
        edits: [
          ...imports.edits(),
          insertBefore(text, stmt, [`${steps} = 500  # optimizer steps over which the learning rate rises linearly to its full value`]),
          { from: lr.value.from, to: lr.value.to, text: `${ref('linear_schedule')}(init_value=0.0, end_value=${model.source(lr.value)}, transition_steps=${steps})` },
        ],
      };
    }
  }
  return undefined;
}

/** Whether an optimizer's learning rate is already a schedule (a call, or a name bound to one). */
function isSchedule(model: PythonModel, lr: Expr, scope: Scope): boolean {
  if (lr.kind === 'call') return true;
  if (lr.kind !== 'name') return false;
  return !!model.lookup(lr.id, scope)?.bindings.some((b) => b.kind === 'assign' && b.value.kind === 'call');
}

/**
 * A Keras optimizer with a constant learning rate: the rate becomes a `PolynomialDecay` from 0 to it over the warmup
 * steps (power 1 is a straight line, and past its steps the schedule holds its end value: the rate as it was).
 */
function kerasOptimizerWarmup(ctx: RuleContext, c: LrCall, title: Msg): RawFix | undefined {
  const model = ctx.model;
  const call = c.call;
  const lr = findArg(call, 'learning_rate', 0);
  if (!lr || isSchedule(model, lr.value, c.scope) || model.hiddenArgs(call)) return undefined;
  const stmt = model.statementOf.get(call);
  if (!stmt) return undefined;
  const imports = new Imports(ctx);
  // `tf.keras.optimizers.SGD` → `tf.keras.optimizers.schedules.PolynomialDecay`; an imported `SGD` → an import.
  const f = call.func;
  let schedule: string | undefined;
  if (f.kind === 'attr') schedule = `${model.source(f.value)}.schedules.PolynomialDecay`;
  else {
    const q = model.qname(f, c.scope);
    schedule = q ? imports.ref(`${q.slice(0, q.lastIndexOf('.'))}.schedules`, 'PolynomialDecay') : undefined;
  }
  if (!schedule) return undefined;
  const steps = model.freshName('warmup_steps');
  return {
    title,
    edits: [
      ...imports.edits(),
      insertBefore(ctx.text, stmt, [`${steps} = 500  # optimizer steps over which the learning rate rises linearly from 0 to its full value`]),
      { from: lr.value.from, to: lr.value.to, text: `${schedule}(0.0, decay_steps=${steps}, end_learning_rate=${model.source(lr.value)})` },
    ],
  };
}
