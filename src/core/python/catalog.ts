/**
 * What the layers and functions of PyTorch, Keras and Flax are, by qualified name: their role in a
 * data flow (conv, batch norm, activation, shape-only op…) and where their arguments sit.
 * Qualified names are canonical: `tensorflow.keras.X`, `tensorflow.compat.v2.keras.X` and `tf_keras.X` are looked up as
 * `keras.X`.
 */

export type Framework = 'torch' | 'keras' | 'flax' | 'nnx';

/**
 * - conv / linear: affine layers that may carry a bias
 * - bn: batch normalisation (subtracts the per-channel batch mean)
 * - instnorm: instance normalisation (also subtracts a per-channel mean; counted as bn on request)
 * - norm: other normalisations (group/layer/RMS): do not cancel a per-channel bias
 * - act: activations (non-linear: a bias before them matters)
 * - pass: ops that keep a per-channel constant a per-channel constant (pooling, upsampling, identity)
 * - reshape: ops that regroup the features (`view`, `flatten`, `nn.Unflatten`, Keras `Reshape`): see reshapes.ts
 * - seq: sequential containers (their arguments run in order)
 * - input: Keras `Input`
 * - wrap: a wrapper applying the layer it is given (Keras `TimeDistributed(Conv2D(…))` acts as that Conv2D)
 * - module: any other known layer
 */
export type Role = 'conv' | 'linear' | 'bn' | 'instnorm' | 'norm' | 'act' | 'pass' | 'reshape' | 'seq' | 'input' | 'wrap' | 'module';

export interface LayerSpec {
  /** Canonical qualified name, e.g. `torch.nn.Conv2d`. */
  qname: string;
  /** Class name, e.g. `Conv2d`. */
  name: string;
  framework: Framework;
  role: Role;
  /** Spatial dimensions of a conv (1, 2, 3). */
  dims?: number;
  transpose?: boolean;
  depthwise?: boolean;
  /** The bias switch: parameter name, positional index (undefined: keyword only in practice), default. */
  bias?: { name: string; index?: number; default: boolean };
  /** Positional indices and keyword names of the arguments rules look at. */
  args: Partial<Record<ArgRole, { index?: number; name: string }>>;
  /** Padding when not given: 0 (torch), 'valid' (keras), 'same' (flax). */
  paddingDefault?: 'zero' | 'valid' | 'same';
}

export type ArgRole = 'in' | 'out' | 'kernel' | 'stride' | 'padding' | 'dilation' | 'activation' | 'features';

export interface FunctionSpec {
  qname: string;
  name: string;
  framework: Framework;
  /** How the function treats its first argument (`concat`: a list of tensors, joined along a dimension). */
  role: 'act' | 'pass' | 'reshape' | 'bn' | 'instnorm' | 'norm' | 'concat';
}

const specs = new Map<string, LayerSpec>();
const functions = new Map<string, FunctionSpec>();

function add(spec: LayerSpec): void {
  specs.set(spec.qname, spec);
}

// ---- PyTorch --------------------------------------------------------------------------------------

for (const d of [1, 2, 3]) {
  add({
    qname: `torch.nn.Conv${d}d`,
    name: `Conv${d}d`,
    framework: 'torch',
    role: 'conv',
    dims: d,
    bias: { name: 'bias', index: 7, default: true },
    args: {
      in: { index: 0, name: 'in_channels' },
      out: { index: 1, name: 'out_channels' },
      kernel: { index: 2, name: 'kernel_size' },
      stride: { index: 3, name: 'stride' },
      padding: { index: 4, name: 'padding' },
      dilation: { index: 5, name: 'dilation' },
    },
    paddingDefault: 'zero',
  });
  add({
    qname: `torch.nn.ConvTranspose${d}d`,
    name: `ConvTranspose${d}d`,
    framework: 'torch',
    role: 'conv',
    dims: d,
    transpose: true,
    bias: { name: 'bias', index: 7, default: true },
    args: {
      in: { index: 0, name: 'in_channels' },
      out: { index: 1, name: 'out_channels' },
      kernel: { index: 2, name: 'kernel_size' },
      stride: { index: 3, name: 'stride' },
      padding: { index: 4, name: 'padding' },
      dilation: { index: 8, name: 'dilation' },
    },
    paddingDefault: 'zero',
  });
  add({
    qname: `torch.nn.LazyConv${d}d`,
    name: `LazyConv${d}d`,
    framework: 'torch',
    role: 'conv',
    dims: d,
    bias: { name: 'bias', index: 6, default: true },
    args: {
      out: { index: 0, name: 'out_channels' },
      kernel: { index: 1, name: 'kernel_size' },
      stride: { index: 2, name: 'stride' },
      padding: { index: 3, name: 'padding' },
      dilation: { index: 4, name: 'dilation' },
    },
    paddingDefault: 'zero',
  });
  add({
    qname: `torch.nn.LazyConvTranspose${d}d`,
    name: `LazyConvTranspose${d}d`,
    framework: 'torch',
    role: 'conv',
    dims: d,
    transpose: true,
    bias: { name: 'bias', index: 6, default: true },
    args: {
      out: { index: 0, name: 'out_channels' },
      kernel: { index: 1, name: 'kernel_size' },
      stride: { index: 2, name: 'stride' },
      padding: { index: 3, name: 'padding' },
      dilation: { index: 7, name: 'dilation' },
    },
    paddingDefault: 'zero',
  });
  for (const n of [`BatchNorm${d}d`, `LazyBatchNorm${d}d`]) add({ qname: `torch.nn.${n}`, name: n, framework: 'torch', role: 'bn', args: {} });
  for (const n of [`InstanceNorm${d}d`, `LazyInstanceNorm${d}d`]) add({ qname: `torch.nn.${n}`, name: n, framework: 'torch', role: 'instnorm', args: {} });
  for (const n of [`MaxPool${d}d`, `AvgPool${d}d`, `AdaptiveAvgPool${d}d`, `AdaptiveMaxPool${d}d`])
    add({ qname: `torch.nn.${n}`, name: n, framework: 'torch', role: 'pass', args: {} });
}
add({
  qname: 'torch.nn.Linear',
  name: 'Linear',
  framework: 'torch',
  role: 'linear',
  bias: { name: 'bias', index: 2, default: true },
  args: { in: { index: 0, name: 'in_features' }, out: { index: 1, name: 'out_features' } },
});
add({
  qname: 'torch.nn.LazyLinear',
  name: 'LazyLinear',
  framework: 'torch',
  role: 'linear',
  bias: { name: 'bias', index: 1, default: true },
  args: { out: { index: 0, name: 'out_features' } },
});
add({ qname: 'torch.nn.SyncBatchNorm', name: 'SyncBatchNorm', framework: 'torch', role: 'bn', args: {} });
// The bases projects derive their own batch norms from (`class SynchronizedBatchNorm2d(_BatchNorm)`).
add({ qname: 'torch.nn._BatchNorm', name: '_BatchNorm', framework: 'torch', role: 'bn', args: {} });
add({ qname: 'torch.nn._InstanceNorm', name: '_InstanceNorm', framework: 'torch', role: 'instnorm', args: {} });
for (const n of ['GroupNorm', 'LayerNorm', 'LocalResponseNorm', 'RMSNorm', 'CrossMapLRN2d'])
  add({ qname: `torch.nn.${n}`, name: n, framework: 'torch', role: 'norm', args: {} });
for (const n of [
  'ReLU',
  'ReLU6',
  'LeakyReLU',
  'PReLU',
  'RReLU',
  'ELU',
  'SELU',
  'CELU',
  'GELU',
  'SiLU',
  'Mish',
  'Sigmoid',
  'Tanh',
  'Hardswish',
  'Hardsigmoid',
  'Hardtanh',
  'Softplus',
  'Softsign',
  'Softmax',
  'Softmax2d',
  'LogSoftmax',
  'LogSigmoid',
  'Threshold',
  'GLU',
  'Tanhshrink',
  'Softshrink',
  'Hardshrink',
])
  add({ qname: `torch.nn.${n}`, name: n, framework: 'torch', role: 'act', args: {} });
for (const n of ['Identity', 'Upsample', 'UpsamplingNearest2d', 'UpsamplingBilinear2d'])
  add({ qname: `torch.nn.${n}`, name: n, framework: 'torch', role: 'pass', args: {} });
for (const n of ['Flatten', 'Unflatten']) add({ qname: `torch.nn.${n}`, name: n, framework: 'torch', role: 'reshape', args: {} });
add({ qname: 'torch.nn.Sequential', name: 'Sequential', framework: 'torch', role: 'seq', args: {} });

const torchFunctions: Record<string, FunctionSpec['role']> = {
  relu: 'act',
  relu_: 'act',
  relu6: 'act',
  leaky_relu: 'act',
  leaky_relu_: 'act',
  prelu: 'act',
  elu: 'act',
  selu: 'act',
  celu: 'act',
  gelu: 'act',
  silu: 'act',
  mish: 'act',
  sigmoid: 'act',
  tanh: 'act',
  hardswish: 'act',
  hardsigmoid: 'act',
  hardtanh: 'act',
  softplus: 'act',
  softmax: 'act',
  log_softmax: 'act',
  glu: 'act',
  max_pool1d: 'pass',
  max_pool2d: 'pass',
  max_pool3d: 'pass',
  avg_pool1d: 'pass',
  avg_pool2d: 'pass',
  avg_pool3d: 'pass',
  adaptive_avg_pool1d: 'pass',
  adaptive_avg_pool2d: 'pass',
  adaptive_avg_pool3d: 'pass',
  adaptive_max_pool1d: 'pass',
  adaptive_max_pool2d: 'pass',
  adaptive_max_pool3d: 'pass',
  interpolate: 'pass',
  upsample: 'pass',
  flatten: 'reshape',
  batch_norm: 'bn',
  instance_norm: 'instnorm',
  group_norm: 'norm',
  layer_norm: 'norm',
};
for (const [n, role] of Object.entries(torchFunctions)) {
  functions.set(`torch.nn.functional.${n}`, { qname: `torch.nn.functional.${n}`, name: n, framework: 'torch', role });
}
for (const n of ['relu', 'relu_', 'sigmoid', 'tanh', 'flatten', 'max_pool2d', 'avg_pool2d', 'batch_norm', 'instance_norm', 'layer_norm', 'group_norm']) {
  const role = torchFunctions[n];
  functions.set(`torch.${n}`, { qname: `torch.${n}`, name: n, framework: 'torch', role });
}

for (const n of ['cat', 'concat', 'concatenate']) functions.set(`torch.${n}`, { qname: `torch.${n}`, name: n, framework: 'torch', role: 'concat' });

/** Methods on a tensor that act like these functions on the tensor itself. */
export const TENSOR_METHODS: Record<string, Exclude<FunctionSpec['role'], 'concat'>> = {
  relu: 'act',
  relu_: 'act',
  sigmoid: 'act',
  sigmoid_: 'act',
  tanh: 'act',
  tanh_: 'act',
  clamp: 'act',
  clamp_: 'act',
  clamp_min: 'act',
  softmax: 'act',
  view: 'reshape',
  view_as: 'reshape',
  reshape: 'reshape',
  reshape_as: 'reshape',
  flatten: 'reshape',
  unflatten: 'reshape',
  contiguous: 'pass',
  float: 'pass',
  half: 'pass',
  to: 'pass',
};

/** Methods that only look at a tensor (shape, device…), not a use of its values. */
export const INSPECTION_METHODS = new Set(['size', 'dim', 'numel', 'get_shape', 'is_contiguous', 'type', 'ndimension', 'nelement', 'element_size']);

// ---- Keras ----------------------------------------------------------------------------------------

function kerasConv(name: string, dims: number, extra: Partial<LayerSpec> = {}): void {
  add({
    qname: `keras.layers.${name}`,
    name,
    framework: 'keras',
    role: 'conv',
    dims,
    bias: { name: 'use_bias', default: true },
    args: {
      out: { index: 0, name: 'filters' },
      kernel: { index: 1, name: 'kernel_size' },
      stride: { index: 2, name: 'strides' },
      padding: { index: 3, name: 'padding' },
      dilation: { index: 5, name: 'dilation_rate' },
      activation: { name: 'activation' },
    },
    paddingDefault: 'valid',
    ...extra,
  });
}
for (const d of [1, 2, 3]) {
  kerasConv(`Conv${d}D`, d);
  kerasConv(`Convolution${d}D`, d);
  kerasConv(`Conv${d}DTranspose`, d, { transpose: true });
  kerasConv(`Convolution${d}DTranspose`, d, { transpose: true });
  for (const n of [`MaxPooling${d}D`, `MaxPool${d}D`, `AveragePooling${d}D`, `AvgPool${d}D`, `GlobalAveragePooling${d}D`, `GlobalAvgPool${d}D`, `GlobalMaxPooling${d}D`, `GlobalMaxPool${d}D`, `UpSampling${d}D`])
    add({ qname: `keras.layers.${n}`, name: n, framework: 'keras', role: 'pass', args: {} });
}
for (const d of [1, 2]) {
  kerasConv(`SeparableConv${d}D`, d);
  kerasConv(`SeparableConvolution${d}D`, d);
  add({
    qname: `keras.layers.DepthwiseConv${d}D`,
    name: `DepthwiseConv${d}D`,
    framework: 'keras',
    role: 'conv',
    dims: d,
    depthwise: true,
    bias: { name: 'use_bias', default: true },
    args: {
      kernel: { index: 0, name: 'kernel_size' },
      stride: { index: 1, name: 'strides' },
      padding: { index: 2, name: 'padding' },
      dilation: { index: 5, name: 'dilation_rate' },
      activation: { name: 'activation' },
    },
    paddingDefault: 'valid',
  });
}
add({
  qname: 'keras.layers.Dense',
  name: 'Dense',
  framework: 'keras',
  role: 'linear',
  bias: { name: 'use_bias', default: true },
  args: { out: { index: 0, name: 'units' }, activation: { index: 1, name: 'activation' } },
});
for (const n of ['BatchNormalization', 'SyncBatchNormalization', 'experimental.SyncBatchNormalization'])
  add({ qname: `keras.layers.${n}`, name: n, framework: 'keras', role: 'bn', args: {} });
for (const n of ['LayerNormalization', 'GroupNormalization', 'UnitNormalization'])
  add({ qname: `keras.layers.${n}`, name: n, framework: 'keras', role: 'norm', args: {} });
for (const n of ['Activation', 'ReLU', 'LeakyReLU', 'PReLU', 'ELU', 'Softmax', 'ThresholdedReLU'])
  add({ qname: `keras.layers.${n}`, name: n, framework: 'keras', role: 'act', args: {} });
for (const n of ['Flatten', 'Reshape'])
  add({ qname: `keras.layers.${n}`, name: n, framework: 'keras', role: 'reshape', args: {} });
add({ qname: 'keras.Sequential', name: 'Sequential', framework: 'keras', role: 'seq', args: {} });
add({ qname: 'keras.layers.TimeDistributed', name: 'TimeDistributed', framework: 'keras', role: 'wrap', args: { in: { index: 0, name: 'layer' } } });
add({ qname: 'keras.Input', name: 'Input', framework: 'keras', role: 'input', args: {} });
/** Other names of the same class: Keras's, and OpenMMLab's containers (subclasses of PyTorch's that only add init_cfg). */
const aliases: Record<string, string> = {
  'keras.models.Sequential': 'keras.Sequential',
  'keras.layers.Input': 'keras.Input',
  'mmengine.model.Sequential': 'torch.nn.Sequential',
  'mmengine.model.ModuleList': 'torch.nn.ModuleList',
  'mmcv.runner.Sequential': 'torch.nn.Sequential',
  'mmcv.runner.ModuleList': 'torch.nn.ModuleList',
};
functions.set('tensorflow.nn.relu', { qname: 'tensorflow.nn.relu', name: 'relu', framework: 'keras', role: 'act' });
functions.set('keras.activations.relu', { qname: 'keras.activations.relu', name: 'relu', framework: 'keras', role: 'act' });

// ---- Flax -----------------------------------------------------------------------------------------

for (const n of ['Conv', 'ConvTranspose', 'ConvLocal']) {
  add({
    qname: `flax.linen.${n}`,
    name: n,
    framework: 'flax',
    role: 'conv',
    transpose: n === 'ConvTranspose',
    bias: { name: 'use_bias', default: true },
    args: {
      out: { index: 0, name: 'features' },
      kernel: { index: 1, name: 'kernel_size' },
      stride: { index: 2, name: 'strides' },
      padding: { index: 3, name: 'padding' },
      dilation: { name: 'kernel_dilation' },
    },
    paddingDefault: 'same',
  });
}
add({
  qname: 'flax.linen.Dense',
  name: 'Dense',
  framework: 'flax',
  role: 'linear',
  bias: { name: 'use_bias', default: true },
  args: { out: { index: 0, name: 'features' } },
});
add({ qname: 'flax.linen.BatchNorm', name: 'BatchNorm', framework: 'flax', role: 'bn', args: {} });
add({ qname: 'flax.linen.InstanceNorm', name: 'InstanceNorm', framework: 'flax', role: 'instnorm', args: {} });
for (const n of ['LayerNorm', 'GroupNorm', 'RMSNorm']) add({ qname: `flax.linen.${n}`, name: n, framework: 'flax', role: 'norm', args: {} });
add({ qname: 'flax.linen.Sequential', name: 'Sequential', framework: 'flax', role: 'seq', args: {} });

for (const n of ['Conv', 'ConvTranspose']) {
  add({
    qname: `flax.nnx.${n}`,
    name: n,
    framework: 'nnx',
    role: 'conv',
    transpose: n === 'ConvTranspose',
    bias: { name: 'use_bias', default: true },
    args: {
      in: { index: 0, name: 'in_features' },
      out: { index: 1, name: 'out_features' },
      kernel: { index: 2, name: 'kernel_size' },
      stride: { index: 3, name: 'strides' },
      padding: { name: 'padding' },
      dilation: { name: 'kernel_dilation' },
    },
    paddingDefault: 'same',
  });
}
add({
  qname: 'flax.nnx.Linear',
  name: 'Linear',
  framework: 'nnx',
  role: 'linear',
  bias: { name: 'use_bias', default: true },
  args: { in: { index: 0, name: 'in_features' }, out: { index: 1, name: 'out_features' } },
});
add({ qname: 'flax.nnx.BatchNorm', name: 'BatchNorm', framework: 'nnx', role: 'bn', args: {} });
for (const n of ['LayerNorm', 'GroupNorm', 'RMSNorm']) add({ qname: `flax.nnx.${n}`, name: n, framework: 'nnx', role: 'norm', args: {} });
add({ qname: 'flax.nnx.Sequential', name: 'Sequential', framework: 'nnx', role: 'seq', args: {} });

for (const fw of ['flax.linen', 'flax.nnx', 'jax.nn']) {
  for (const n of ['relu', 'relu6', 'gelu', 'silu', 'swish', 'sigmoid', 'tanh', 'elu', 'leaky_relu', 'softmax', 'log_softmax', 'softplus', 'hard_swish', 'celu', 'selu'])
    functions.set(`${fw}.${n}`, { qname: `${fw}.${n}`, name: n, framework: fw === 'flax.nnx' ? 'nnx' : 'flax', role: 'act' });
  for (const n of ['max_pool', 'avg_pool'])
    functions.set(`${fw}.${n}`, { qname: `${fw}.${n}`, name: n, framework: fw === 'flax.nnx' ? 'nnx' : 'flax', role: 'pass' });
}

// ---- lookup -----------------------------------------------------------------------------------------

/** Maps equivalent module paths onto one canonical prefix. */
export function canonicalName(qname: string): string {
  let q = qname;
  for (const [from, to] of [
    ['tensorflow.python.keras.', 'keras.'],
    ['tensorflow.keras.', 'keras.'],
    // TensorFlow 2's API under TensorFlow 1 and its own (`import tensorflow.compat.v2 as tf`): the same Keras.
    ['tensorflow.compat.v1.keras.', 'keras.'],
    ['tensorflow.compat.v2.keras.', 'keras.'],
    ['tensorflow.compat.v1.', 'tensorflow.'],
    ['tensorflow.compat.v2.', 'tensorflow.'],
    ['tf_keras.', 'keras.'],
    ['keras.src.', 'keras.'],
    ['flax.experimental.nnx.', 'flax.nnx.'],
  ] as const) {
    if (q.startsWith(from)) {
      q = to + q.slice(from.length);
      break;
    }
  }
  return aliases[q] ?? q;
}

/** The layer a qualified class name denotes, also through submodule paths (`torch.nn.modules.conv.Conv2d`). */
export function layerSpec(qname: string): LayerSpec | undefined {
  const q = canonicalName(qname);
  const exact = specs.get(q);
  if (exact) return exact;
  const last = q.slice(q.lastIndexOf('.') + 1);
  if (q.startsWith('torch.nn.') && !q.startsWith('torch.nn.functional.')) return specs.get(`torch.nn.${last}`);
  if (q.startsWith('keras.layers.')) return specs.get(`keras.layers.${last}`);
  if (q.startsWith('keras.')) return specs.get(`keras.${last}`);
  if (q.startsWith('flax.linen.')) return specs.get(`flax.linen.${last}`);
  if (q.startsWith('flax.nnx.')) return specs.get(`flax.nnx.${last}`);
  return undefined;
}

/**
 * Whether two layers the code chooses between (`nn.SyncBatchNorm if distributed else nn.BatchNorm2d`) are alike for
 * every rule: both batch norms of one framework, or one conv in its 1-, 2- and 3-D forms (`conv_nd = nn.Conv3d` or
 * `nn.Conv2d` by a `dimension` parameter, as non-local blocks write it: the same arguments, the same bias). Nothing
 * else is: convs of other kinds differ in their padding and kernel, optimizers in what the learning rate needs.
 */
export function interchangeableLayers(x: LayerSpec, y: LayerSpec): boolean {
  if (x.framework !== y.framework) return false;
  if (x.role === 'bn' && y.role === 'bn') return true;
  const family = (s: LayerSpec) => s.name.replace(/[123][dD]$/, '');
  return (
    x.role === 'conv' &&
    y.role === 'conv' &&
    family(x) === family(y) &&
    !!x.transpose === !!y.transpose &&
    !!x.depthwise === !!y.depthwise &&
    x.bias?.name === y.bias?.name &&
    x.bias?.index === y.bias?.index &&
    x.bias?.default === y.bias?.default
  );
}

export function functionSpec(qname: string): FunctionSpec | undefined {
  const q = canonicalName(qname);
  return functions.get(q);
}

/** The qualified name of the module a framework's layers live in, for writing new code. */
export const LAYER_MODULES: Record<Framework, string> = {
  torch: 'torch.nn',
  keras: 'keras.layers',
  flax: 'flax.linen',
  nnx: 'flax.nnx',
};

/** Looks a layer up by framework and class name (for code generation). */
export function specByName(framework: Framework, name: string): LayerSpec | undefined {
  return specs.get(`${LAYER_MODULES[framework]}.${name}`) ?? (framework === 'keras' ? specs.get(`keras.${name}`) : undefined);
}
