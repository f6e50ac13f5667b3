/**
 * unpadded-conv-before-roi: convolutions with a kernel larger than 1 and no padding in a model that
 * also crops regions (RoIAlign, roi_pool, crop_and_resize…). Each such conv shrinks the feature map, so
 * a region of interest at the image border maps to a point or a line in the features, which hurts
 * (the note: pad the input of a network without padding).
 */
import { callsWithin, type CallExpr, type Span } from '../python/ast';
import type { ClassInfo, LayerInstance, PythonModel, Scope } from '../python/model';
import { addKeyword, firstOnLine, Imports, indentAt, insertAfter, insertBefore, lineBreak, quoteOf, setArgument } from './edits';
import { msg } from '../message';
import type { OffsetEdit, RawFinding, RawFix, Rule, RuleContext } from './rule';
import { UnitMemo } from '../python/unitMemo';

/** Region-cropping operations, by the last identifier of the callee. */
const ROI_OPS = new Set([
  'roi_align',
  'roi_pool',
  'ps_roi_align',
  'ps_roi_pool',
  'roi_align_rotated',
  'RoIAlign',
  'RoIPool',
  'ROIAlign',
  'ROIPool',
  'ROIAlignRotated',
  'RoIAlignRotated',
  'PSRoIAlign',
  'PSRoIPool',
  'MultiScaleRoIAlign',
  'crop_and_resize',
]);

/** Calls that pad an input (a model padding its input once is fine without padded convs). */
const PAD_OPS = new Set(['pad', 'ZeroPad2d', 'ZeroPadding2D', 'ConstantPad2d', 'ReflectionPad2d', 'ReplicationPad2d', 'CircularPad2d']);

interface Unpadded {
  inst: LayerInstance;
  call: CallExpr;
  kernel: number[];
  dilation: number[];
  stride: number[];
  /** Group: the class (or function / module scope) the conv belongs to. */
  group: ClassInfo | Scope;
}

export const unpaddedConvBeforeRoi: Rule = {
  meta: {
    id: 'unpadded-conv-before-roi',
    noteRef: { slug: '一些琐碎但是非常重要的点', point: 2 },
    defaultSeverity: 'information',
    fixable: true,
    description: 'Convolutions without padding in a model that crops regions of interest.',
    docs: {
      why:
        'A conv with a kernel larger than 1 and no padding shrinks the feature map at every border. A region of interest near the image border then maps onto a point or a thin line in the features, and the pooled feature is poor. Pad the convs, or pad the image once at the input (and shift the boxes by the same amount).',
      before: 'self.conv1 = nn.Conv2d(3, 64, kernel_size=3)\n# forward: roi_align(features, boxes, output_size=7)',
      after: 'self.conv1 = nn.Conv2d(3, 64, kernel_size=3, padding=1)\n# forward: roi_align(features, boxes, output_size=7)',
    },
  },
  // Whether the file crops regions decides the findings in every class: a unit that did not change must be
  // re-analysed when an roi_align appears elsewhere.
  fileKey: (model) => (regionCropping(model) ? 'roi' : ''),
  // A conv is judged by its own arguments and the padding in its own class or function: never by their callers.
  callerFree: () => true,
  check(ctx) {
    const model = ctx.model;
    if (!regionCropping(model)) return [];
    const found: Unpadded[] = [];
    for (const call of ctx.callsInFocus()) {
      const u = unpadded(model, call);
      if (u) found.push(u);
    }
    // Groups that already pad their input once are fine.
    const paddedGroups = new Set<ClassInfo | Scope>();
    for (const unit of model.parsed.units) for (const call of cropsAndPads.of(unit).pads) paddedGroups.add(groupOf(model.scopeOf(call)));
    const out: RawFinding[] = [];
    for (const u of found) {
      if (paddedGroups.has(u.group)) continue;
      const padding = model.layerArg(u.inst, 'padding');
      const span: Span = padding.arg && !padding.fromPartial ? padding.arg : u.call;
      const fixes: RawFix[] = [];
      const convFix = padConvFix(ctx, u);
      if (convFix) fixes.push(convFix);
      const inputFix = padInputFix(
        ctx,
        u,
        found.filter((x) => x.group === u.group),
      );
      if (inputFix) fixes.push(inputFix);
      const label = `${u.kernel[0]}x${u.kernel[1]}`;
      out.push({
        span,
        message: msg(
          'This {0} conv has no padding, so it shrinks the feature map at every border, and this file also crops regions of interest. A region at the image border then maps onto a point or a thin line in the features. Pad the conv, or pad the image once at the input.',
          label,
        ),
        fixes,
      });
    }
    return out;
  },
};

/** Per top-level statement (kept across versions): whether it crops regions, and its calls that pad an input. */
const cropsAndPads = new UnitMemo((unit) => ({ crops: unit.calls.filter((c) => isCallTo(c, ROI_OPS)), pads: unit.calls.filter((c) => isCallTo(c, PAD_OPS)) }));

/** Per model: whether its file crops regions (asked for the rule's file key and again by its check). */
const cropping = new WeakMap<PythonModel, boolean>();

/** Whether the file crops regions of interest anywhere. */
function regionCropping(model: PythonModel): boolean {
  let c = cropping.get(model);
  if (c === undefined) cropping.set(model, (c = model.parsed.units.some((u) => cropsAndPads.of(u).crops.some((call) => cropsRegions(model, call, 0)))));
  return c;
}

/**
 * Whether a call named like a region crop crops regions: a library's op or class (or one of the project's classes,
 * which wrap one), or a function of the file that itself calls one. A function of the file that only shares the name
 * (`def crop_and_resize(image, height, width)`, a random crop for data augmentation) does not.
 */
function cropsRegions(model: PythonModel, call: CallExpr, depth: number): boolean {
  const targets = model.callables(call.func, model.scopeOf(call));
  if (!targets.every((t) => t.value.kind === 'helper')) return true;
  if (depth >= 3) return false;
  return targets.some((t) => {
    const def = t.value.kind === 'helper' ? t.value.fn.def : undefined;
    return !!def && callsWithin(model.module.calls, def).some((c) => c !== call && isCallTo(c, ROI_OPS) && cropsRegions(model, c, depth + 1));
  });
}

function isCallTo(call: CallExpr, names: Set<string>): boolean {
  const f = call.func;
  const id = f.kind === 'name' ? f.id : f.kind === 'attr' ? f.attr : undefined;
  return !!id && names.has(id);
}

function groupOf(scope: Scope): ClassInfo | Scope {
  let s: Scope | undefined = scope;
  while (s) {
    if (s.fn?.cls) return s.fn.cls;
    if (s.cls) return s.cls;
    if (s.kind === 'function' && !s.parent?.cls && s.parent?.kind !== 'function') return s;
    if (s.kind === 'module') return s;
    s = s.parent;
  }
  return scope;
}

function asList(v: unknown, dims: number): number[] | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return Array.from({ length: dims }, () => v);
  if (Array.isArray(v) && v.length === dims && v.every((x) => typeof x === 'number' && Number.isInteger(x))) return v as number[];
  return undefined;
}

function unpadded(model: PythonModel, call: CallExpr): Unpadded | undefined {
  const inst = model.instanceAt(call);
  if (!inst || inst.ctor !== call || inst.helper || inst.localClass) return undefined;
  const spec = inst.spec;
  if (spec.role !== 'conv' || spec.transpose || !call.complete || model.hiddenArgs(call)) return undefined;
  const kv = model.literal(model.layerArg(inst, 'kernel').value, inst.ctorScope);
  const dims = spec.dims ?? (Array.isArray(kv) ? kv.length : 0);
  if (dims !== 2) return undefined;
  const kernel = asList(kv, 2);
  if (!kernel || Math.max(...kernel) <= 1) return undefined;
  const p = model.layerArg(inst, 'padding');
  if (p.value) {
    const pv = model.literal(p.value, inst.ctorScope);
    const zero = pv === 0 || (Array.isArray(pv) && pv.every((x) => x === 0)) || (typeof pv === 'string' && pv.toLowerCase() === 'valid');
    if (!zero) return undefined;
  } else if (spec.paddingDefault === 'same' || !spec.paddingDefault) return undefined;
  const dv = model.layerArg(inst, 'dilation');
  const dilation = dv.value ? asList(model.literal(dv.value, inst.ctorScope), 2) : [1, 1];
  const sv = model.layerArg(inst, 'stride');
  const stride = sv.value ? asList(model.literal(sv.value, inst.ctorScope), 2) : [1, 1];
  if (!dilation || !stride) return undefined;
  return { inst, call, kernel, dilation, stride, group: groupOf(inst.ctorScope) };
}

/** The padding that keeps the size (at stride 1): `(k - 1) // 2 * dilation`, or "same" for even kernels. */
function padConvFix(ctx: RuleContext, u: Unpadded): RawFix | undefined {
  const model = ctx.model;
  const spec = u.inst.spec;
  const q = quoteOf(ctx);
  let value: string;
  if (spec.framework === 'keras') value = `${q}same${q}`;
  else if (spec.framework === 'flax' || spec.framework === 'nnx') value = `${q}SAME${q}`;
  else {
    const even = u.kernel.some((k) => k % 2 === 0);
    const stride1 = u.stride.every((s) => s === 1);
    if (even && stride1) value = `${q}same${q}`;
    else {
      const pads = u.kernel.map((k, i) => Math.floor((k - 1) / 2) * u.dilation[i]);
      value = pads[0] === pads[1] && !isTupleKernel(model, u) ? String(pads[0]) : `(${pads.join(', ')})`;
    }
  }
  const p = model.layerArg(u.inst, 'padding');
  const pa = spec.args.padding!;
  let edits: OffsetEdit[];
  if (p.fromPartial) edits = addKeyword(ctx.text, u.call, `${pa.name}=${value}`);
  else edits = setArgument(ctx.text, u.call, pa.name, pa.index, value);
  return { title: msg('Pad the conv: {0}={1}', pa.name, value), edits, isPreferred: true };
}

function isTupleKernel(model: PythonModel, u: Unpadded): boolean {
  const k = model.layerArg(u.inst, 'kernel').value;
  return !!k && (k.kind === 'tuple' || k.kind === 'list');
}

/** Total border the unpadded convs of a group eat, in input pixels (each conv's half kernel times the strides before it). */
function totalShrink(group: Unpadded[]): number {
  const sorted = [...group].sort((a, b) => a.call.from - b.call.from);
  let stride = 1;
  let total = 0;
  for (const u of sorted) {
    const half = Math.max(...u.kernel.map((k, i) => Math.ceil(((k - 1) * u.dilation[i]) / 2)));
    total += half * stride;
    stride *= Math.max(...u.stride);
  }
  return total;
}

/**
 * Pads the input once: `x = F.pad(x, (P, P, P, P))` at the top of the model's forward (PyTorch), a `ZeroPad2d(P)` in
 * front of a Sequential model's first layer, `x = jnp.pad(x, …)` at the top of a Flax module's `__call__`, `tf.pad` /
 * `keras.ops.pad` at the top of a subclassed Keras model's `call`, or a `ZeroPadding2D(P)` after the Keras `Input`.
 * The boxes must be shifted by the same P.
 */
function padInputFix(ctx: RuleContext, u: Unpadded, group: Unpadded[]): RawFix | undefined {
  const model = ctx.model;
  const text = ctx.text;
  const P = totalShrink(group);
  if (P <= 0) return undefined;
  const comment = `# Pad the image once so that regions at the border keep their size; shift the boxes by +${P} to match.`;
  const imports = new Imports(ctx);
  const title = msg('Pad the input once instead ({0} pixels; shift the boxes by +{0})', P);
  const framework = u.inst.spec.framework;
  const cls = 'def' in u.group && u.group.def.kind === 'class' ? (u.group as ClassInfo) : undefined;
  // A module class: pad at the top of the method that takes the image (PyTorch `forward`, Flax `__call__`, NCHW or NHWC).
  const methodName = framework === 'torch' ? 'forward' : framework === 'flax' || framework === 'nnx' ? '__call__' : framework === 'keras' ? 'call' : undefined;
  const method = cls && methodName ? cls.methods.get(methodName) : undefined;
  if (method) {
    const x = method.def.params.filter((p) => !p.star)[1]?.name;
    let first = method.def.body[0];
    if (first && first.kind === 'expr' && first.value.kind === 'string') first = method.def.body[1];
    if (!x || !first || !firstOnLine(text, first.from)) return undefined;
    const nhwc = `((0, 0), (${P}, ${P}), (${P}, ${P}), (0, 0))`;
    let pad: string;
    if (framework === 'torch') pad = `${x} = ${imports.moduleRef('torch.nn.functional', 'F')}.pad(${x}, (${P}, ${P}, ${P}, ${P}))`;
    else if (framework === 'keras') {
      // A subclassed Keras model: tf.pad with tf.keras, keras.ops.pad with Keras 3.
      const tf = model.qname(u.call.func, u.inst.ctorScope)?.startsWith('tensorflow.');
      pad = tf ? `${x} = ${imports.moduleRef('tensorflow', 'tf')}.pad(${x}, ${nhwc})` : `${x} = ${imports.moduleRef('keras.ops', 'ops')}.pad(${x}, ${nhwc})`;
    } else pad = `${x} = ${imports.moduleRef('jax.numpy', 'jnp')}.pad(${x}, ${nhwc})`;
    return { title, edits: [...imports.edits(), insertBefore(text, first, [comment, pad])] };
  }
  if (framework === 'torch' && !cls) {
    // A model that is one Sequential (`backbone = nn.Sequential(conv, …)`): a ZeroPad2d in front of its first layer.
    const first = [...group].sort((a, b) => a.call.from - b.call.from)[0];
    const seq = model.module.calls.find(
      (c) =>
        model.instanceAt(c)?.spec.role === 'seq' &&
        c.args[0] &&
        !c.args[0].name &&
        !c.args[0].star &&
        c.args.some((a) => a.value === first.call) &&
        group.every((g) => g.call.from >= c.from && g.call.to <= c.to),
    );
    const stmt = seq && model.statementOf.get(seq);
    if (!seq || !stmt || !firstOnLine(text, stmt.from)) return undefined;
    const zp = u.call.func.kind === 'attr' ? `${model.source(u.call.func.value)}.ZeroPad2d` : imports.ref('torch.nn', 'ZeroPad2d');
    const at = seq.args[0].value.from;
    const layer = firstOnLine(text, at) ? `${zp}(${P}),${lineBreak(text)}${indentAt(text, at)}` : `${zp}(${P}), `;
    return { title, edits: [...imports.edits(), insertBefore(text, stmt, [comment]), { from: at, to: at, text: layer }] };
  }
  if (u.inst.spec.framework === 'keras') {
    // Functional model: the Input in the same scope, and the layers applied to it.
    const scope = u.inst.ctorScope;
    for (const call of model.module.calls) {
      if (model.scopeOf(call) !== scope) continue;
      const inst = model.instanceAt(call);
      if (!inst || inst.spec.role !== 'input') continue;
      const stmt = model.statementOf.get(call);
      if (!stmt || stmt.kind !== 'assign' || stmt.targets.length !== 1 || stmt.targets[0].kind !== 'name') continue;
      const input = stmt.targets[0].id;
      const uses = model.module.calls.filter(
        (c) => model.scopeOf(c) === scope && c.func.kind === 'call' && c.args[0] && !c.args[0].name && c.args[0].value.kind === 'name' && c.args[0].value.id === input,
      );
      if (!uses.length) return undefined;
      const padded = model.freshName('padded');
      const zp = imports.sibling(u.call, scope, 'ZeroPadding2D');
      if (!zp) return undefined;
      return {
        title,
        edits: [
          ...imports.edits(),
          insertAfter(text, stmt, [comment, `${padded} = ${zp}(${P})(${input})`]),
          ...uses.map((c) => ({ from: c.args[0].value.from, to: c.args[0].value.to, text: padded })),
        ],
      };
    }
  }
  return undefined;
}
