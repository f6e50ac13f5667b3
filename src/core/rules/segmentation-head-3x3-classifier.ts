/**
 * segmentation-head-3x3-classifier: the last conv of a segmentation head maps straight to the class
 * count with a 3x3 kernel. The note: a single 3x3 output conv makes results unstable; better a 3x3 conv
 * followed by a 1x1 conv that does the classification. A hint: the tip is debated.
 */
import type { Arg, CallExpr, Expr } from '../python/ast';
import type { LayerInstance } from '../python/model';
import { applyInside, firstOnLine, indentAt, Imports, insertBefore, quoteOf, setArgument } from './edits';
import { msg } from '../message';
import type { OffsetEdit, RawFinding, RawFix, Rule, RuleContext } from './rule';

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
    for (const call of model.module.calls) {
      if (!ctx.inFocus(call.from)) continue;
      const inst = model.instanceAt(call);
      if (!inst || inst.ctor !== call || inst.helper || inst.localClass) continue;
      const spec = inst.spec;
      if (spec.role !== 'conv' || spec.transpose || spec.depthwise || !call.complete || model.hiddenArgs(call)) continue;
      const outArg = model.layerArg(inst, 'out');
      if (!outArg.value || !isClassCount(outArg.value)) continue;
      const kernel = model.layerArg(inst, 'kernel');
      const k = model.literal(kernel.value, inst.ctorScope);
      const dims = spec.dims ?? (Array.isArray(k) ? k.length : 0);
      if (dims < 2 || dims > 3) continue;
      if (!(k === 3 || (Array.isArray(k) && k.length === dims && k.every((x) => x === 3)))) continue;
      // Not the final layer when another conv / norm consumes its output.
      const uses = ctx.flow.usesOf(inst);
      if (uses.some((u) => u.role === 'conv' || u.role === 'linear' || u.role === 'bn' || u.role === 'norm' || u.role === 'instnorm')) continue;
      const classes = model.source(outArg.value);
      const span = kernel.arg && !kernel.fromPartial ? kernel.arg : call;
      const fix = kernel.arg && !kernel.fromPartial ? buildFix(ctx, inst, kernel.arg, dims) : undefined;
      out.push({
        span,
        message: msg(
          'This conv maps straight to the {0} classes with a 3x3 kernel. A single 3x3 output conv tends to make segmentation results unstable; a 3x3 conv (with batch norm and ReLU) followed by a 1x1 conv that classifies is steadier.',
          classes,
        ),
        fixes: fix ? [fix] : [],
      });
    }
    return out;
  },
};

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

/** The kernel written as ones, in the kernel argument's own shape (`1`, `(1, 1)`, `[1, 1]`). */
function onesLike(kernel: Arg): string {
  const v = kernel.value;
  if (v.kind === 'tuple' || v.kind === 'list') {
    const ones = v.elts.map(() => '1').join(', ');
    return v.kind === 'list' ? `[${ones}]` : `(${ones})`;
  }
  return '1';
}

function buildFix(ctx: RuleContext, inst: LayerInstance, kernelArg: Arg, dims: number): RawFix | undefined {
  switch (inst.spec.framework) {
    case 'torch':
    case 'nnx':
      return sequentialFix(ctx, inst, kernelArg, dims);
    case 'keras':
      return functionalFix(ctx, inst, kernelArg) ?? kerasSequentialFix(ctx, inst, kernelArg);
    case 'flax':
      return functionalFix(ctx, inst, kernelArg);
    default:
      return undefined;
  }
}

/**
 * A layer built once and called later (PyTorch, Flax NNX): the conv becomes a Sequential of a 3x3 conv keeping the
 * channels, batch norm, ReLU and the classifier with a 1x1 kernel.
 *   torch: `Conv2d(c, classes, 3)` → `Sequential(Conv2d(c, c, kernel_size=3, padding=1, bias=False), BatchNorm2d(c), ReLU(inplace=True), Conv2d(c, classes, 1))`
 *   nnx:   `nnx.Conv(c, classes, (3, 3), rngs=rngs)` → `nnx.Sequential(nnx.Conv(c, c, kernel_size=(3, 3), use_bias=False, rngs=rngs), nnx.BatchNorm(c, rngs=rngs), nnx.relu, nnx.Conv(c, classes, (1, 1), rngs=rngs))`
 */
function sequentialFix(ctx: RuleContext, inst: LayerInstance, kernelArg: Arg, dims: number): RawFix | undefined {
  const model = ctx.model;
  const call = inst.ctor;
  const inArg = model.layerArg(inst, 'in');
  if (!inArg.value || inArg.fromPartial) return undefined;
  const text = ctx.text;
  const imports = new Imports(ctx);
  const direct = inst.partialKw.length === 0 && inst.partialPos.length === 0;
  const nnx = inst.spec.framework === 'nnx';
  const c = model.source(inArg.value);
  const k = model.source(kernelArg.value);
  let lines: string[];
  let seqRef: string;
  let bnName: string;
  if (nnx) {
    // NNX layers take their random state explicitly: the new ones share the classifier's.
    const rngs = call.args.find((a) => a.name === 'rngs');
    if (!rngs) return undefined;
    const r = model.source(rngs.value);
    const ref = (name: string) => (call.func.kind === 'attr' && direct ? `${model.source(call.func.value)}.${name}` : imports.ref('flax.nnx', name));
    seqRef = ref('Sequential');
    bnName = 'BatchNorm';
    lines = [`${direct ? model.source(call.func) : ref('Conv')}(${c}, ${c}, kernel_size=${k}, use_bias=False, rngs=${r}),`, `${ref('BatchNorm')}(${c}, rngs=${r}),`, `${ref('relu')},`];
  } else {
    const convRef = direct ? model.source(call.func) : imports.ref('torch.nn', `Conv${dims}d`);
    const bnRef = imports.ref('torch.nn', `BatchNorm${dims}d`);
    const reluRef = imports.ref('torch.nn', 'ReLU');
    seqRef = imports.ref('torch.nn', 'Sequential');
    bnName = bnRef.split('.').pop() ?? bnRef;
    lines = [`${convRef}(${c}, ${c}, kernel_size=${k}, padding=${k === '3' ? '1' : onesLike(kernelArg)}, bias=False),`, `${bnRef}(${c}),`, `${reluRef}(inplace=True),`];
  }
  // The classifier itself: kernel 1, no padding.
  const inner: OffsetEdit[] = [{ from: kernelArg.value.from, to: kernelArg.value.to, text: onesLike(kernelArg) }];
  const padding = model.layerArg(inst, 'padding');
  if (padding.arg && !padding.fromPartial) {
    const p = model.literal(padding.value, inst.ctorScope);
    const none = p === 0 || (typeof p === 'string' && ['same', 'valid'].includes(p.toLowerCase())) || (Array.isArray(p) && p.every((x) => x === 0));
    if (!none) inner.push({ from: padding.value!.from, to: padding.value!.to, text: '0' });
  } else if (padding.fromPartial) {
    inner.push(...setArgument(text, call, 'padding', undefined, '0'));
  }
  lines.push(`${applyInside(model.source(call), call.from, inner)},`);
  const indent = indentAt(text, call.from);
  const unit = indent.includes('\t') ? '\t' : '    ';
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const replacement = `${seqRef}(${nl}${lines.map((l) => indent + unit + l).join(nl)}${nl}${indent})`;
  return {
    title: msg('Classify with a 1x1 conv after a 3x3 conv + {0} + ReLU', bnName),
    edits: [...imports.edits(), { from: call.from, to: call.to, text: replacement }],
    isPreferred: true,
  };
}

/**
 * Keras / Flax functional code `y = layers.Conv2D(classes, 3, …)(x)`: three lines before it (3x3 conv
 * keeping the channels, batch norm, ReLU) and the classifier's kernel set to 1.
 */
function functionalFix(ctx: RuleContext, inst: LayerInstance, kernelArg: Arg): RawFix | undefined {
  const model = ctx.model;
  const call = inst.ctor;
  const applied = model.applicationOf(call);
  if (!applied) return undefined;
  const stmt = model.statementOf.get(applied);
  if (!stmt || (stmt.kind !== 'assign' && stmt.kind !== 'return')) return undefined;
  const input = applied.args[0];
  if (!input || input.name || input.star || (input.value.kind !== 'name' && input.value.kind !== 'attr')) return undefined;
  const x = model.source(input.value);
  const head = model.freshName('head');
  const q = quoteOf(ctx);
  const k = model.source(kernelArg.value);
  const imports = new Imports(ctx);
  const direct = inst.partialKw.length === 0 && inst.partialPos.length === 0;
  const ref = (name: string) => imports.sibling(call, inst.ctorScope, name, direct);
  const convRef = direct ? model.source(call.func) : ref(inst.spec.name);
  let lines: string[];
  if (inst.spec.framework === 'keras') {
    const bn = ref('BatchNormalization');
    const relu = ref('ReLU');
    if (!convRef || !bn || !relu) return undefined;
    lines = [
      `${head} = ${convRef}(${x}.shape[-1], ${k}, padding=${q}same${q}, use_bias=False)(${x})`,
      `${head} = ${bn}()(${head})`,
      `${head} = ${relu}()(${head})`,
    ];
  } else {
    // Flax linen inside @nn.compact: batch norm needs to know whether it is training.
    const fn = inst.ctorScope.fn;
    const train = fn?.def.params.find((p) => p.name === 'train' || p.name === 'training' || p.name === 'is_training');
    const bn = ref('BatchNorm');
    const relu = ref('relu');
    if (!train || !convRef || !bn || !relu) return undefined;
    lines = [
      `${head} = ${convRef}(${x}.shape[-1], kernel_size=${k}, use_bias=False)(${x})`,
      `${head} = ${bn}(use_running_average=not ${train.name})(${head})`,
      `${head} = ${relu}(${head})`,
    ];
  }
  return {
    title: msg('Classify with a 1x1 conv after a 3x3 conv + batch norm + ReLU'),
    edits: [
      ...imports.edits(),
      insertBefore(ctx.text, stmt, lines),
      { from: kernelArg.value.from, to: kernelArg.value.to, text: onesLike(kernelArg) },
      { from: input.value.from, to: input.value.to, text: head },
    ],
    isPreferred: true,
  };
}


/**
 * A Keras `Sequential([...])` list: the classifier becomes four layers, a 3x3 conv with the previous conv's filter
 * count, batch norm, ReLU, and the classifier with a 1x1 kernel. Without a previous conv to take the channel count
 * from, there is no fix (Sequential layers do not name their input channels).
 */
function kerasSequentialFix(ctx: RuleContext, inst: LayerInstance, kernelArg: Arg): RawFix | undefined {
  const model = ctx.model;
  const call = inst.ctor;
  let list: Expr | undefined;
  for (const c of model.module.calls) {
    const seq = model.instanceAt(c);
    if (seq?.spec.role !== 'seq' || seq.spec.framework !== 'keras') continue;
    const v = c.args[0]?.value;
    if (v && (v.kind === 'list' || v.kind === 'tuple') && v.elts.includes(call)) list = v;
  }
  if (!list || (list.kind !== 'list' && list.kind !== 'tuple')) return undefined;
  const elts = list.elts;
  const at = elts.indexOf(call);
  let filters: string | undefined;
  for (let i = at - 1; i >= 0 && !filters; i--) {
    const prev = elts[i].kind === 'call' ? model.instanceAt(elts[i] as CallExpr) : undefined;
    if (prev?.spec.role === 'conv' && prev.spec.framework === 'keras') {
      const out = model.layerArg(prev, 'out');
      if (out.value && !out.fromPartial) filters = model.source(out.value);
      else return undefined;
    }
  }
  if (!filters) return undefined;
  const imports = new Imports(ctx);
  const direct = inst.partialKw.length === 0 && inst.partialPos.length === 0;
  const ref = (name: string) => imports.sibling(call, inst.ctorScope, name, direct);
  const convRef = direct ? model.source(call.func) : ref(inst.spec.name);
  const bn = ref('BatchNormalization');
  const relu = ref('ReLU');
  if (!convRef || !bn || !relu) return undefined;
  const q = quoteOf(ctx);
  const classifier = applyInside(model.source(call), call.from, [{ from: kernelArg.value.from, to: kernelArg.value.to, text: onesLike(kernelArg) }]);
  const layers = [`${convRef}(${filters}, ${model.source(kernelArg.value)}, padding=${q}same${q}, use_bias=False)`, `${bn}()`, `${relu}()`, classifier];
  const text = ctx.text;
  const separator = firstOnLine(text, call.from) ? `,${text.includes('\r\n') ? '\r\n' : '\n'}${indentAt(text, call.from)}` : ', ';
  return {
    title: msg('Classify with a 1x1 conv after a 3x3 conv + batch norm + ReLU'),
    edits: [...imports.edits(), { from: call.from, to: call.to, text: layers.join(separator) }],
    isPreferred: true,
  };
}
