/**
 * segmentation-head-3x3-classifier: the last conv of a segmentation head maps straight to the class
 * count with a 3x3 kernel. The note: a single 3x3 output conv makes results unstable; better a 3x3 conv
 * followed by a 1x1 conv that does the classification. A hint: the tip is debated.
 */
import { callsWithin, type CallExpr, type Expr, type Span, type Stmt } from '../python/ast';
import { callTargetOf, type CallSite } from '../python/calls';
import { projectFlow } from '../python/flow';
import { readsAfter } from '../python/resultReads';
import type { FunctionInfo, LayerInstance, PythonModel, Scope } from '../python/model';
import { msg, type Msg } from '../message';
import { callsOwnCode, type RawFinding, type Rule, type RuleContext } from './rule';
import { boundAt, buildFix, helperSiteFix, kerasBackendKey } from './segmentation-head-fixes';
import { goesOn, isModelCall, modelFedOn } from './segmentation-head-reach';

/** Names that hold a class count (compared on the last identifier, case-insensitively). */
const CLASS_COUNT_NAMES = new Set([
  'num_classes',
  'n_classes',
  'nclasses',
  'nclass',
  'n_class',
  'num_class',
  'numclasses',
  'classes',
  'number_of_classes',
  'out_classes',
  'num_cls',
  'n_cls',
  'ncls',
  'num_labels',
  'n_labels',
  'nlabels',
  'num_categories',
  'n_categories',
  'num_seg_classes',
  'seg_classes',
]);

/** Lists whose length is the class count: `len(CLASSES)`. */
const CLASS_LIST_NAMES = new Set(['classes', 'class_names', 'labels', 'label_names', 'categories']);

export const segmentationHead3x3Classifier: Rule = {
  meta: {
    id: 'segmentation-head-3x3-classifier',
    noteRef: { slug: '一些琐碎但是非常重要的点', point: 1 },
    defaultSeverity: 'hint',
    fixable: true,
    description: 'The final conv of a segmentation head maps to the class count with a 3x3 kernel.',
    docs: {
      why:
        'A single 3x3 conv that outputs the class scores directly tends to give unstable results. Letting a 3x3 conv (with batch norm and ReLU) refine the features and a 1x1 conv classify each pixel is steadier. The tip is debated, so the rule is a hint by default.',
      before: 'self.classifier = nn.Conv2d(256, num_classes, kernel_size=3, padding=1)',
      after:
        'self.classifier = nn.Sequential(\n    nn.Conv2d(256, 256, kernel_size=3, padding=1, bias=False),\n    nn.BatchNorm2d(256),\n    nn.ReLU(inplace=True),\n    nn.Conv2d(256, num_classes, kernel_size=1, padding=0),\n)',
    },
  },
  check(ctx) {
    const model = ctx.model;
    const out: RawFinding[] = [];
    for (const call of ctx.callsInFocus()) {
      const inst = model.instanceAt(call);
      if (inst?.helper && inst.site === call) {
        const f = helperSiteFinding(ctx, inst);
        if (f) out.push(f);
        continue;
      }
      if (!inst) {
        out.push(...tensorHelperFindings(ctx, call));
        continue;
      }
      if (inst.ctor !== call || inst.helper || inst.localClass) continue;
      const spec = inst.spec;
      if (spec.role !== 'conv' || spec.transpose || spec.depthwise || !call.complete || model.hiddenArgs(call)) continue;
      const outArg = model.layerArg(inst, 'out');
      if (!outArg.value || !isClassCount(outArg.value)) continue;
      const kernel = model.layerArg(inst, 'kernel');
      const k = model.literal(kernel.value, inst.ctorScope);
      const dims = spec.dims ?? (Array.isArray(k) ? k.length : 0);
      if (dims < 2 || dims > 3) continue;
      if (!(k === 3 || (Array.isArray(k) && k.length === dims && k.every((x) => x === 3)))) continue;
      // Not the final layer when its output goes on into more layers; not a segmentation head beside a box regressor.
      if (goesOn(ctx.flow, inst) || besideBoxRegressor(ctx, inst)) continue;
      const span = kernel.arg && !kernel.fromPartial ? kernel.arg : call;
      const fix = kernel.arg && !kernel.fromPartial ? buildFix(ctx, inst, kernel.arg, dims) : undefined;
      out.push({ span, message: message(model.source(outArg.value)), fixes: fix ? [fix] : [] });
    }
    return out;
  },
  // The Keras fixes follow the file's data format as its backend is asked for it anywhere in the file.
  fileKey: kerasBackendKey,
  // Its findings in a unit are at convs mapping to the class count: a unit that builds none and calls none of the
  // file's classes and functions has none, whatever its callers do with what it builds.
  callerFree(model, unit) {
    for (const call of unit.calls) {
      if (callsOwnCode(model, call)) return false;
      const inst = model.instanceAt(call);
      if (!inst || inst.spec.role !== 'conv') continue;
      const out = model.layerArg(inst, 'out').value;
      if (out && isClassCount(out)) return false;
    }
    return true;
  },
};

function message(classes: string): Msg {
  return msg(
    'This conv maps straight to the class count (“{0}”) with a 3x3 kernel. A single 3x3 output conv tends to make segmentation results unstable; a 3x3 conv (with batch norm and ReLU) followed by a 1x1 conv that classifies is steadier.',
    classes,
  );
}

/**
 * Whether the class (or function) building the classifier also builds a box regressor: a conv with 4 outputs, or 4 per
 * anchor (`num_anchors * 4`). That is a detection head (RetinaNet, FCOS, CenterNet), whose 3x3 class conv over a tower
 * of convs is its design; the note's tip is about segmentation heads.
 */
function besideBoxRegressor(ctx: RuleContext, inst: LayerInstance): boolean {
  const model = ctx.model;
  const scope = inst.ctorScope;
  if (scope.owner !== model) return false;
  const region = scope.fn?.cls?.def ?? scope.cls?.def ?? scope.fn?.def;
  if (!region) return false;
  // Remembered per class or function for the analysis: a head builds several class convs.
  const known = ctx.memo(boxRegressors, () => new Map<Span, boolean>());
  let found = known.get(region);
  if (found === undefined) known.set(region, (found = buildsBoxRegressor(ctx, region)));
  return found;
}

const boxRegressors = {};

/** Whether a class or function builds a conv with 4 outputs, or 4 per anchor. */
function buildsBoxRegressor(ctx: RuleContext, region: Span): boolean {
  const model = ctx.model;
  return callsWithin(model.module.calls, region).some((call) => {
    const other = model.instanceAt(call);
    if (!other || other.ctor !== call || other.spec.role !== 'conv') return false;
    const out = model.layerArg(other, 'out').value;
    return !!out && isBoxCount(out);
  });
}

/** `4`, or a product with a factor 4 (`num_anchors * 4`). */
function isBoxCount(e: Expr): boolean {
  if (e.kind === 'number') return e.value === 4;
  return e.kind === 'binop' && e.op === '*' && (isBoxCount(e.left) || isBoxCount(e.right));
}

/**
 * A helper building the classifier from its parameters (`def classifier(c, num_classes, kernel_size=3): return
 * nn.Conv2d(c, num_classes, kernel_size, padding=kernel_size // 2)`): each call decides, and the finding is at the
 * call that passes 3 (or leaves the default 3). The helper is this file's or another module's of the project.
 */
function helperSiteFinding(ctx: RuleContext, inst: LayerInstance): RawFinding | undefined {
  const model = ctx.model;
  const site = inst.site;
  const fn = inst.helper!.fn;
  const home = inst.ctorScope.owner as PythonModel | undefined;
  if (!home || fn.scope.owner !== home || inst.localClass) return undefined;
  const bound = boundCall(model, home, fn, site);
  const found = bound && chosenClassifier(ctx, inst, home, bound);
  if (!found || goesOn(ctx.flow, inst)) return undefined;
  // Only a kernel the call chooses can be changed there.
  const fix = inst.spec.framework === 'torch' ? helperSiteFix(ctx, inst, bound, found.kernelParam, found.dims) : undefined;
  return { ...found.finding, fixes: fix ? [fix] : [] };
}

/**
 * A function applying the classifier to a tensor and returning the result (Keras' functional style: `def
 * CONV_output(X, n_labels, kernel_size=1): X = Conv2D(n_labels, kernel_size)(X); …; return X`): reported at a call
 * choosing a 3x3 kernel, when inside the function the conv's output goes into no other conv or normalisation and here
 * the call's result goes on only to the model's outputs (see resultIsOutput). No fix: the call is the user's to change.
 */
function tensorHelperFindings(ctx: RuleContext, call: CallExpr): RawFinding[] {
  const model = ctx.model;
  const scope = model.scopeOf(call);
  const fn = callTargetOf(model, call, scope);
  if (!fn || 'methods' in fn || fn.cls || !scope.fn) return [];
  const home = fn.scope.owner as PythonModel | undefined;
  const convs = home ? convsBuiltIn(ctx, home, fn) : [];
  const bound = convs.length ? boundCall(model, home!, fn, call) : undefined;
  if (!bound) return [];
  const flow = home === model ? ctx.flow : projectFlow(home!);
  const out: RawFinding[] = [];
  for (const inst of convs) {
    const found = chosenClassifier(ctx, inst, home!, bound);
    // What the function returns is judged at this call (resultIsOutput).
    if (found && !goesOn(flow, inst, false)) out.push({ ...found.finding, fixes: [] });
  }
  return out.length && resultIsOutput(model, call, scope) ? out : [];
}

/** The convs a function builds in its own body (not through a helper), remembered per function for the analysis. */
function convsBuiltIn(ctx: RuleContext, home: PythonModel, fn: FunctionInfo): LayerInstance[] {
  const known = ctx.memo(builtConvs, () => new Map<FunctionInfo, LayerInstance[]>());
  let convs = known.get(fn);
  if (!convs) {
    convs = [];
    for (const c of callsWithin(home.module.calls, fn.def)) {
      const inst = home.instanceAt(c);
      if (inst?.ctor === c && !inst.helper && !inst.localClass && inst.ctorScope === fn.scope && inst.spec.role === 'conv') convs.push(inst);
    }
    known.set(fn, convs);
  }
  return convs;
}

const builtConvs = {};

/** A call of a helper, bound to its parameters (in the helper's own module). */
function boundCall(model: PythonModel, home: PythonModel, fn: FunctionInfo, call: CallExpr): CallSite | undefined {
  return home === model ? model.callSites.of({ kind: 'fn', fn }).find((s) => s.call === call) : home.callSites.bindCall({ kind: 'fn', fn }, call, model.scopeOf(call));
}

/**
 * The finding at a helper's call when the conv the helper builds maps to the class count and the call gives it a 3x3
 * kernel (passed, or the parameter's default); a kernel fixed inside the helper is the helper's own finding.
 */
function chosenClassifier(ctx: RuleContext, inst: LayerInstance, home: PythonModel, bound: CallSite): { finding: RawFinding; kernelParam: Expr; dims: number } | undefined {
  const model = ctx.model;
  const spec = inst.spec;
  const call = bound.call!;
  if (spec.role !== 'conv' || spec.transpose || spec.depthwise || !call.complete || !inst.ctor.complete) return undefined;
  if (model.hiddenArgs(call) || home.hiddenArgs(inst.ctor)) return undefined;
  const outArg = model.layerArg(inst, 'out');
  const classes = boundAt(model, outArg.value, inst.ctorScope, bound);
  if (!outArg.value || !classes || !(isClassCount(outArg.value) || isClassCount(classes.expr))) return undefined;
  const kernel = model.layerArg(inst, 'kernel');
  if (kernel.fromPartial || !kernel.value) return undefined;
  const k = boundAt(model, kernel.value, inst.ctorScope, bound);
  if (!k || k.expr === kernel.value) return undefined;
  const kv = model.literal(k.expr, k.scope);
  const dims = spec.dims ?? (Array.isArray(kv) ? kv.length : 0);
  if (dims < 2 || dims > 3 || !(kv === 3 || (Array.isArray(kv) && kv.length === dims && kv.every((x) => x === 3)))) return undefined;
  const named = (classes.scope.owner as PythonModel | undefined) ?? model;
  return { finding: { span: k.explicit ?? call, message: message(named.source(classes.expr)), fixes: [] }, kernelParam: kernel.value, dims };
}

/**
 * Whether what a call returns goes on only to the model's outputs, as far as its function shows: bound to a name whose
 * later reads (readsAfter) are all arguments of `Model(…)` (a model whose outputs go into no more layers, see
 * segmentation-head-reach.ts) or `print`, or appended to a list whose own later reads are those, or more appends.
 * Returned, through an activation, or into a list concatenated later, it may go on into more layers: not decided.
 */
function resultIsOutput(model: PythonModel, call: CallExpr, scope: Scope): boolean {
  const stmt = model.statementOf.get(call);
  if (stmt?.kind !== 'assign' || stmt.targets.length !== 1 || stmt.targets[0].kind !== 'name') return false;
  const fn = scope.fn!.def.body;
  const reads = readsAfter(fn, stmt, stmt.targets[0].id);
  return !!reads?.length && reads.every((r) => r.kind === 'argument' && (toModel(model, r.call, scope) || appendedToOutputs(model, fn, r.call)));
}

/** `print(…)`, or `Model(…)` building a model whose outputs go into no more layers. */
function toModel(model: PythonModel, c: CallExpr, scope: Scope): boolean {
  return model.qname(c.func, scope) === 'print' || (isModelCall(model, c, scope) && !modelFedOn(model, c));
}

/** `outs.append(x)`, where `outs` is read afterwards only by `Model(…)`, `print` or more appends. */
function appendedToOutputs(model: PythonModel, fn: readonly Stmt[], c: CallExpr): boolean {
  const f = c.func;
  const stmt = model.statementOf.get(c);
  if (f.kind !== 'attr' || f.attr !== 'append' || f.value.kind !== 'name' || stmt?.kind !== 'expr') return false;
  const scope = model.scopeOf(c);
  const reads = readsAfter(fn, stmt, f.value.id);
  return !!reads?.length && reads.every((r) => (r.kind === 'method' && r.name === 'append') || (r.kind === 'argument' && toModel(model, r.call, scope)));
}

function lastIdentifier(e: Expr): string | undefined {
  if (e.kind === 'name') return e.id;
  if (e.kind === 'attr') return e.attr;
  return undefined;
}

function isClassCount(e: Expr): boolean {
  const id = lastIdentifier(e);
  if (id) return CLASS_COUNT_NAMES.has(id.toLowerCase());
  if (e.kind === 'call' && e.func.kind === 'name' && e.func.id === 'len' && e.args.length === 1) {
    const inner = lastIdentifier(e.args[0].value);
    return !!inner && CLASS_LIST_NAMES.has(inner.toLowerCase());
  }
  return false;
}
