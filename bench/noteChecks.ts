/**
 * Fifty note checks for the analysis benchmark, in the shapes users write: calls by qualified name with keyword
 * conditions and fixes, method calls on any receiver, statements and short statement sequences, `unless`, `inside`
 * and `not-inside`. Some find many places in the generated file (every `nn.ReLU(inplace=True)`, every
 * `F.interpolate(…)`), most find none; together they are one ml-notes-check block of 50 checks.
 */

const CALL_CHECKS: [name: string, pattern: string, fix?: string][] = [
  ['adam-weight-decay', 'torch.optim.Adam($$$ARGS, weight_decay=$WD)', 'torch.optim.AdamW($$$ARGS, weight_decay=$WD)'],
  ['rmsprop-eps', 'torch.optim.RMSprop($$$_, eps=$E)'],
  ['adagrad-used', 'torch.optim.Adagrad($$$_)'],
  ['sgd-nesterov-no-momentum', 'torch.optim.SGD($$$_, nesterov=True)'],
  ['torch-load', 'torch.load($$$ARGS)', 'torch.load($$$ARGS, weights_only=True)'],
  ['relu-inplace', 'nn.ReLU(inplace=True)', 'nn.ReLU()'],
  ['interpolate-align-corners', 'F.interpolate($X, size=$S, mode="bilinear", align_corners=False)'],
  ['upsample-deprecated', 'F.upsample($$$ARGS)', 'F.interpolate($$$ARGS)'],
  ['sigmoid-deprecated', 'F.sigmoid($X)', 'torch.sigmoid($X)'],
  ['tanh-deprecated', 'F.tanh($X)', 'torch.tanh($X)'],
  ['dropout2d-inplace', 'nn.Dropout2d($P, inplace=True)'],
  ['conv-bias-true', 'nn.Conv2d($$$_, bias=True)'],
  ['linear-no-bias', 'nn.Linear($$$_, bias=False)'],
  ['flatten-start-1', 'torch.flatten($X, 1)'],
  ['cross-entropy-reduction', 'F.cross_entropy($$$_, reduction="sum")'],
  ['maxpool-ceil', 'nn.MaxPool2d($$$_, ceil_mode=True)'],
  ['batchnorm-momentum', 'nn.BatchNorm2d($C, momentum=$M)'],
  ['data-parallel', 'nn.DataParallel($M)'],
  ['cudnn-benchmark', 'torch.backends.cudnn.benchmark'],
  ['manual-seed', 'torch.manual_seed($S)'],
  ['numpy-float', 'np.float($X)', 'float($X)'],
  ['tensor-data', 'torch.tensor($X).data'],
  ['clip-grad-norm', 'nn.utils.clip_grad_norm($$$ARGS)', 'nn.utils.clip_grad_norm_($$$ARGS)'],
  ['autocast-old', 'torch.cuda.amp.autocast($$$ARGS)', 'torch.autocast("cuda", $$$ARGS)'],
  ['grad-scaler-old', 'torch.cuda.amp.GradScaler($$$ARGS)', 'torch.amp.GradScaler("cuda", $$$ARGS)'],
  ['sequential-empty', 'nn.Sequential()'],
  ['softmax-no-dim', 'F.softmax($X)', 'F.softmax($X, dim=-1)'],
  ['log-softmax-no-dim', 'F.log_softmax($X)', 'F.log_softmax($X, dim=-1)'],
  ['roi-align-aligned', 'roi_align($$$_, aligned=False)'],
  ['adaptive-pool-1', 'F.adaptive_avg_pool2d($X, 1)'],
];

const METHOD_CHECKS: [name: string, pattern: string, fix?: string][] = [
  ['cuda-call', '$M.cuda()', '$M.to("cuda")'],
  ['view-then-contiguous', '$X.view($$$_).contiguous()'],
  ['item-in-loop', '$X.item()'],
  ['zero-grad-none', '$O.zero_grad(set_to_none=False)'],
  ['numpy-on-tensor', '$X.cpu().numpy()'],
  ['detach-clone', '$X.detach().clone()'],
  ['register-buffer-persistent', '$M.register_buffer($N, $V, persistent=False)'],
  ['type-cast', '$X.type(torch.float16)', '$X.half()'],
];

const BLOCK_CHECKS: { name: string; pattern: string; unless?: string; inside?: string; notInside?: string }[] = [
  { name: 'backward-without-zero-grad', pattern: '$L.backward()\n$O.step()', notInside: 'for $B in $D:\n    $$$_\n    $O.zero_grad()\n    $$$_' },
  { name: 'validation-without-eval', pattern: 'with torch.no_grad():\n    $$$_\n    for $B in $L:\n        $$$_\n    $$$_', notInside: '$M.eval()\n$$$_\nwith $C:\n    $$$_' },
  { name: 'epoch-loop-scheduler', pattern: 'for $E in range($N):\n    $$$_\n    $S.step()' },
  { name: 'identity-add', pattern: '$OUT += $IDENTITY' },
  { name: 'downsample-none', pattern: 'if self.downsample is not None:\n    $$$_' },
  { name: 'super-init-args', pattern: 'super($C, self).__init__()', unless: 'super().__init__()' },
  { name: 'forward-item', pattern: '$X.item()', inside: 'def forward(self, $$$_):\n    $$$_' },
  { name: 'print-in-forward', pattern: 'print($$$_)', inside: 'def forward(self, $$$_):\n    $$$_' },
  { name: 'layers-append', pattern: 'layers += [$$$_]' },
  { name: 'norm-layer-default', pattern: 'if norm_layer is None:\n    norm_layer = $N' },
  { name: 'return-relu', pattern: 'return self.relu($X)' },
  { name: 'assert-in-train', pattern: 'assert $C', inside: 'def train($$$_):\n    $$$_' },
];

function block(key: string, text: string): string {
  return `  ${key}: |\n${text.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
}

/** The 50 checks as one `ml-notes-check` block's YAML (a list of checks). */
export function fiftyChecks(): string {
  let y = '';
  const add = (name: string, fields: Record<string, string | undefined>) => {
    y += `- id: bench-${name}\n  message: "bench check ${name}"\n`;
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) y += block(k, v);
  };
  for (const [name, pattern, fix] of [...CALL_CHECKS, ...METHOD_CHECKS]) add(name, { pattern, fix });
  for (const c of BLOCK_CHECKS) {
    y += `- id: bench-${c.name}\n  message: "bench check ${c.name}"\n`;
    y += block('pattern', c.pattern);
    if (c.unless) y += `  unless:\n${c.unless.split('\n').map((l, i) => (i === 0 ? `    - ${l}` : `      ${l}`)).join('\n')}\n`;
    if (c.inside) y += block('inside', c.inside);
    if (c.notInside) y += block('not-inside', c.notInside);
  }
  return y;
}

export const CHECK_COUNT = CALL_CHECKS.length + METHOD_CHECKS.length + BLOCK_CHECKS.length;
