/**
 * The fixes of segmentation-head-3x3-classifier, in the file's framework and style: refine with a 3x3 conv, batch norm
 * and ReLU, then classify with a 1x1 conv. A Sequential in PyTorch and Flax NNX; three lines before the call in Keras
 * and Flax Linen functional code (carrying the classifier's `data_format`, with batch norm on the matching axis and the
 * channel count read from that axis); four layers in a Keras Sequential list (the previous conv's filter count); a
 * Sequential around the call of a helper that builds the classifier (`classifier(256, num_classes, kernel_size=1)`).
 */
import { walkExpr, type Arg, type CallExpr, type Expr } from '../python/ast';
import type { CallSite } from '../python/calls';
import { canonicalName } from '../python/catalog';
import type { LayerInstance, PythonModel, Scope } from '../python/model';
import { applyInside, firstOnLine, indentAt, Imports, insertBefore, newlineOf, quoteOf, setArgument } from './edits';
import { msg } from '../message';
import type { OffsetEdit, RawFix, RuleContext } from './rule';

/** The kernel written as ones, in the kernel argument's own shape (`1`, `(1, 1)`, `[1, 1]`). */
function onesLike(kernel: Arg): string {
  const v = kernel.value;
  if (v.kind === 'tuple' || v.kind === 'list') {
    const ones = v.elts.map(() => '1').join(', ');
    return v.kind === 'list' ? `[${ones}]` : `(${ones})`;
  }
  return '1';
}

/** A value in a helper, as one of its calls binds it: a parameter becomes that call's argument (or its default). */
export function boundAt(model: PythonModel, e: Expr | undefined, scope: Scope, site: CallSite | undefined): { expr: Expr; scope: Scope; explicit?: Arg } | undefined {
  if (!e) return undefined;
  if (site?.owner.kind === 'fn' && e.kind === 'name' && model.lookup(e.id, scope)?.scope === site.owner.fn.scope) {
    const a = site.arg(e.id);
    if (!a || a === 'hidden') return undefined;
    return { expr: a.value, scope: a.scope, explicit: a.isDefault ? undefined : site.call?.args.find((x) => x.value === a.value) };
  }
  return { expr: e, scope };
}

export function buildFix(ctx: RuleContext, inst: LayerInstance, kernelArg: Arg, dims: number): RawFix | undefined {
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
  const nl = newlineOf(ctx);
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
    const fmt = kerasFormat(ctx, inst);
    lines = [
      `${head} = ${convRef}(${fmt.channels(x)}, ${k}, padding=${q}same${q}${fmt.dataFormat}, use_bias=False)(${x})`,
      `${head} = ${bn}(${fmt.bnAxis})(${head})`,
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
  const fmt = kerasFormat(ctx, inst);
  const classifier = applyInside(model.source(call), call.from, [{ from: kernelArg.value.from, to: kernelArg.value.to, text: onesLike(kernelArg) }]);
  const layers = [`${convRef}(${filters}, ${model.source(kernelArg.value)}, padding=${q}same${q}${fmt.dataFormat}, use_bias=False)`, `${bn}(${fmt.bnAxis})`, `${relu}()`, classifier];
  const text = ctx.text;
  const separator = firstOnLine(text, call.from) ? `,${newlineOf(ctx)}${indentAt(text, call.from)}` : ', ';
  return {
    title: msg('Classify with a 1x1 conv after a 3x3 conv + batch norm + ReLU'),
    edits: [...imports.edits(), { from: call.from, to: call.to, text: layers.join(separator) }],
    isPreferred: true,
  };
}

/**
 * `classifier(256, num_classes)` → `nn.Sequential(nn.Conv2d(256, 256, …), nn.BatchNorm2d(256), nn.ReLU(…),
 * classifier(256, num_classes, kernel_size=1))`, when the call names the input channels and the helper's padding
 * follows its kernel (so a 1x1 kernel gets no padding).
 */
export function helperSiteFix(ctx: RuleContext, inst: LayerInstance, site: CallSite, kernelParam: Expr, dims: number): RawFix | undefined {
  const model = ctx.model;
  const call = site.call!;
  if (kernelParam.kind !== 'name') return undefined;
  const inArg = model.layerArg(inst, 'in');
  const c = boundAt(model, inArg.value, inst.ctorScope, site);
  if (!c?.explicit) return undefined;
  const padding = model.layerArg(inst, 'padding');
  if (padding.fromPartial) return undefined;
  if (padding.value) {
    const p = model.literal(padding.value, inst.ctorScope);
    const none = p === 0 || (typeof p === 'string' && ['same', 'valid'].includes(p.toLowerCase()));
    // The padding follows the kernel: computed from it, directly or through a local (`padding = (k - 1) // 2`).
    let follows = false;
    const seen = new Set<Expr>();
    const visit = (x: Expr) =>
      walkExpr(x, (e) => {
        if (e.kind !== 'name') return;
        if (e.id === kernelParam.id) follows = true;
        const found = model.lookup(e.id, inst.ctorScope);
        const b = found?.scope === inst.ctorScope && found.bindings.length === 1 ? found.bindings[0] : undefined;
        if (b?.kind === 'assign' && !seen.has(b.value)) {
          seen.add(b.value);
          visit(b.value);
        }
      });
    visit(padding.value);
    if (!none && !follows) return undefined;
  }
  const fnDef = inst.helper!.fn.def;
  const index = fnDef.params.findIndex((p) => p.name === kernelParam.id);
  const text = ctx.text;
  const imports = new Imports(ctx);
  const ch = model.source(c.expr);
  const lines = [
    `${imports.ref('torch.nn', `Conv${dims}d`)}(${ch}, ${ch}, kernel_size=3, padding=1, bias=False),`,
    `${imports.ref('torch.nn', `BatchNorm${dims}d`)}(${ch}),`,
    `${imports.ref('torch.nn', 'ReLU')}(inplace=True),`,
    `${applyInside(model.source(call), call.from, setArgument(text, call, kernelParam.id, index, '1'))},`,
  ];
  const seqRef = imports.ref('torch.nn', 'Sequential');
  const bnName = `BatchNorm${dims}d`;
  const indent = indentAt(text, call.from);
  const unit = indent.includes('\t') ? '\t' : '    ';
  const nl = newlineOf(ctx);
  return {
    title: msg('Classify with a 1x1 conv after a 3x3 conv + {0} + ReLU', bnName),
    edits: [...imports.edits(), { from: call.from, to: call.to, text: `${seqRef}(${nl}${lines.map((l) => indent + unit + l).join(nl)}${nl}${indent})` }],
    isPreferred: true,
  };
}

/**
 * How a Keras classifier lays out its channels, for the layers inserted before it: its `data_format` carried over,
 * batch norm on the matching axis, and the input's channel count read from that axis. Without a `data_format` the
 * layers follow Keras' global setting: when the file reads it (`backend.image_data_format()`), so does the fix; else
 * channels last, Keras' default. The count is read the way the file reads shapes (`backend.int_shape(x)[…]` or
 * `x.shape[…]`).
 */
function kerasFormat(ctx: RuleContext, inst: LayerInstance): { dataFormat: string; bnAxis: string; channels(x: string): string } {
  const model = ctx.model;
  const q = quoteOf(ctx);
  const arg = inst.ctor.args.find((a) => a.name === 'data_format');
  const backend = kerasBackendName(model);
  const shape = (x: string, axis: string) => (backend?.intShape ? `${backend.name}.int_shape(${x})[${axis}]` : `${x}.shape[${axis}]`);
  const first = `${q}channels_first${q}`;
  const dynamic = (dataFormat: string, f: string) => ({ dataFormat, bnAxis: `axis=1 if ${f} == ${first} else -1`, channels: (x: string) => shape(x, `1 if ${f} == ${first} else -1`) });
  const lit = arg ? model.literal(arg.value, inst.ctorScope) : undefined;
  const dataFormat = arg ? `, data_format=${model.source(arg.value)}` : '';
  if (lit === 'channels_first') return { dataFormat, bnAxis: 'axis=1', channels: (x) => shape(x, '1') };
  if (lit === 'channels_last') return { dataFormat, bnAxis: '', channels: (x) => shape(x, '-1') };
  if (arg && lit !== null) return dynamic(dataFormat, model.source(arg.value));
  // No data_format (or None): Keras' global setting.
  if (backend?.dataFormat) return dynamic(dataFormat, `${backend.name}.image_data_format()`);
  return { dataFormat, bnAxis: '', channels: (x) => shape(x, '-1') };
}

/**
 * What the fixes read of the whole file (the backend's name, whether the file asks it for the data format or shapes):
 * a whole-file fact of the rule (`Rule.fileKey`), so that a fix kept for an unchanged unit is made again when an edit
 * elsewhere changes it.
 */
export function kerasBackendKey(model: PythonModel): string {
  const b = kerasBackendName(model);
  return b ? `${b.name}|${b.dataFormat}|${b.intShape}` : '';
}

/** The module-level name bound to Keras' backend, and whether the file asks it for the data format or for shapes. */
function kerasBackendName(model: PythonModel): { name: string; dataFormat: boolean; intShape: boolean } | undefined {
  let found: { name: string; dataFormat: boolean; intShape: boolean } | undefined;
  for (const call of model.module.calls) {
    const f = call.func;
    if (f.kind !== 'attr' || (f.attr !== 'image_data_format' && f.attr !== 'int_shape') || f.value.kind !== 'name') continue;
    const q = model.qname(f.value, model.moduleScope);
    if (model.lookup(f.value.id, model.moduleScope)?.scope !== model.moduleScope || !q || canonicalName(q) !== 'keras.backend') continue;
    if (found && found.name !== f.value.id) continue;
    found ??= { name: f.value.id, dataFormat: false, intShape: false };
    if (f.attr === 'image_data_format') found.dataFormat = true;
    else found.intShape = true;
  }
  return found;
}
