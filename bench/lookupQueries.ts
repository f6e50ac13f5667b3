/**
 * Query sets shared by the lookup tests and the bench.
 *
 * LABELLED_QUERIES: what a user types into "ML Notes: Look Up…" and the section of the bundled notes
 * (notes/ml-basis-notes.md) they want: in first place (rank 1) or at least among the first five (rank 5). A `point`
 * asks for that point of the section; without one, the section or any of its points counts.
 */

export interface LabelledQuery {
  query: string;
  slug: string;
  point?: number;
  rank: 1 | 5;
  kind: 'english' | 'chinese' | 'mixed' | 'identifier' | 'typo' | 'acronym' | 'prefix' | 'subsequence';
}

export const LABELLED_QUERIES: readonly LabelledQuery[] = [
  // English words and phrases
  { query: 'FPN', slug: 'fpn-architecture', rank: 1, kind: 'english' },
  { query: 'feature pyramid', slug: 'fpn-architecture', rank: 1, kind: 'english' },
  { query: 'lateral', slug: 'fpn-architecture', rank: 1, kind: 'english' },
  { query: 'top-down', slug: 'fpn-architecture', rank: 1, kind: 'english' },
  { query: 'warmup', slug: 'learning-rate-warming-up', rank: 1, kind: 'english' },
  { query: 'learning rate', slug: 'learning-rate-warming-up', rank: 1, kind: 'english' },
  { query: 'Constant warmup', slug: 'learning-rate-warming-up', point: 1, rank: 1, kind: 'english' },
  { query: 'gradual', slug: 'learning-rate-warming-up', point: 2, rank: 5, kind: 'english' },
  { query: 'bn derivation', slug: 'bn-derivation-details', rank: 1, kind: 'english' },
  { query: 'semantic segmentation', slug: 'semantic-segmentation-本质上的难点', rank: 1, kind: 'english' },
  { query: 'recall', slug: 'recall-and-precision', rank: 1, kind: 'english' },
  { query: 'recall and precision', slug: 'recall-and-precision', rank: 1, kind: 'english' },
  { query: 'PCA', slug: 'theory-basis', rank: 1, kind: 'english' },
  { query: 'principal component', slug: 'theory-basis', rank: 1, kind: 'english' },
  { query: 'conv bias', slug: 'misc-details', point: 2, rank: 1, kind: 'english' },
  { query: 'mask rcnn', slug: 'semantic-segmentation-本质上的难点', point: 3, rank: 5, kind: 'english' },
  { query: 'CVPR', slug: '关于做研究', rank: 1, kind: 'english' },
  // Chinese
  { query: '语义分割', slug: 'semantic-segmentation-本质上的难点', rank: 1, kind: 'chinese' },
  { query: '分割', slug: 'semantic-segmentation-本质上的难点', rank: 5, kind: 'chinese' },
  { query: '一些琐碎', slug: '一些琐碎但是非常重要的点', rank: 1, kind: 'chinese' },
  { query: '非常重要', slug: '一些琐碎但是非常重要的点', rank: 1, kind: 'chinese' },
  { query: '融合特征', slug: '理解神经网络中通过add的方式融合特征', rank: 1, kind: 'chinese' },
  { query: '做研究', slug: '关于做研究', rank: 1, kind: 'chinese' },
  { query: '顶会', slug: '关于做研究', rank: 1, kind: 'chinese' },
  { query: '均值和方差', slug: 'misc-details', point: 1, rank: 1, kind: 'chinese' },
  { query: '弱监督', slug: 'semantic-segmentation-本质上的难点', point: 4, rank: 1, kind: 'chinese' },
  // Mixed
  { query: 'BN 均值', slug: 'misc-details', point: 1, rank: 1, kind: 'mixed' },
  { query: 'add 融合', slug: '理解神经网络中通过add的方式融合特征', rank: 1, kind: 'mixed' },
  { query: 'CRF 后处理', slug: 'semantic-segmentation-本质上的难点', point: 1, rank: 5, kind: 'mixed' },
  { query: 'padding 原图', slug: '一些琐碎但是非常重要的点', point: 2, rank: 1, kind: 'mixed' },
  { query: '3x3 1x1 卷积', slug: '一些琐碎但是非常重要的点', point: 1, rank: 5, kind: 'mixed' },
  // Code identifiers
  { query: 'BatchNorm2d', slug: 'misc-details', point: 1, rank: 1, kind: 'identifier' },
  { query: 'torch.nn.BatchNorm2d', slug: 'misc-details', point: 1, rank: 1, kind: 'identifier' },
  { query: 'SyncBatchNorm', slug: 'misc-details', point: 1, rank: 1, kind: 'identifier' },
  { query: 'running_mean', slug: 'bn-derivation-details', rank: 1, kind: 'identifier' },
  { query: 'torch.cat', slug: '理解神经网络中通过add的方式融合特征', rank: 1, kind: 'identifier' },
  { query: 'np.concatenate', slug: '理解神经网络中通过add的方式融合特征', rank: 1, kind: 'identifier' },
  { query: 'LinearLR', slug: 'learning-rate-warming-up', rank: 1, kind: 'identifier' },
  { query: 'get_linear_schedule_with_warmup', slug: 'learning-rate-warming-up', rank: 1, kind: 'identifier' },
  { query: 'FeaturePyramidNetwork', slug: 'fpn-architecture', rank: 1, kind: 'identifier' },
  { query: 'F.pad', slug: '一些琐碎但是非常重要的点', point: 2, rank: 1, kind: 'identifier' },
  { query: 'RoIAlign', slug: '一些琐碎但是非常重要的点', point: 2, rank: 1, kind: 'identifier' },
  { query: 'precision_score', slug: 'recall-and-precision', rank: 1, kind: 'identifier' },
  { query: 'mIoU', slug: 'semantic-segmentation-本质上的难点', rank: 1, kind: 'identifier' },
  { query: 'deeplab', slug: 'semantic-segmentation-本质上的难点', rank: 1, kind: 'identifier' },
  // Typos
  { query: 'wamrup', slug: 'learning-rate-warming-up', rank: 1, kind: 'typo' },
  { query: 'precsion', slug: 'recall-and-precision', rank: 1, kind: 'typo' },
  { query: 'segmantation', slug: 'semantic-segmentation-本质上的难点', rank: 1, kind: 'typo' },
  { query: 'BatchNrom2d', slug: 'misc-details', rank: 5, kind: 'typo' },
  { query: 'pyrmaid', slug: 'fpn-architecture', rank: 1, kind: 'typo' },
  // Acronyms (heading initials)
  { query: 'lrw', slug: 'learning-rate-warming-up', rank: 1, kind: 'acronym' },
  { query: 'bdd', slug: 'bn-derivation-details', rank: 1, kind: 'acronym' },
  { query: 'rap', slug: 'recall-and-precision', rank: 1, kind: 'acronym' },
  // Subsequences of a heading, as in an editor's fuzzy finder
  { query: 'lrwarm', slug: 'learning-rate-warming-up', rank: 1, kind: 'subsequence' },
  { query: 'semseg', slug: 'semantic-segmentation-本质上的难点', rank: 1, kind: 'subsequence' },
  // Prefixes (the word still being typed)
  { query: 'warm', slug: 'learning-rate-warming-up', rank: 1, kind: 'prefix' },
  { query: 'deriv', slug: 'bn-derivation-details', rank: 1, kind: 'prefix' },
  { query: 'segm', slug: 'semantic-segmentation-本质上的难点', rank: 1, kind: 'prefix' },
  { query: 'Batch', slug: 'misc-details', rank: 5, kind: 'prefix' },
];

/** Whether a result (file slug + point) is what a labelled query asks for. */
export function isExpected(q: LabelledQuery, r: { slug: string; point?: number }): boolean {
  return r.slug === q.slug && (q.point === undefined || r.point === q.point);
}

/**
 * What a user types on a large library, keystroke by keystroke for a few of them (the QuickPick searches on every
 * keystroke, so one- and two-letter prefixes are part of the load).
 */
export const LIBRARY_QUERIES: readonly string[] = [
  ...['w', 'wa', 'war', 'warm', 'warmu', 'warmup'],
  ...['b', 'ba', 'bat', 'batc', 'batch', 'batchn', 'batchnorm'],
  ...['语', '语义', '语义分', '语义分割'],
  'FPN',
  'fpn lateral',
  'feature pyramid network',
  'BatchNorm2d',
  'torch.nn.BatchNorm2d',
  'torch.cat',
  'get_linear_schedule_with_warmup',
  'lr_warmup_epochs',
  'wamrup',
  'segmantation',
  'optimzer',
  'lrw',
  'fpn',
  'gn',
  'implementation details',
  'common pitfalls',
  '实现细节',
  '梯度',
  '训练技巧',
  '显存占用',
  'BN 均值',
  'focal loss gamma',
  'label smoothing 技巧',
  'mixed precision',
  'AdamW weight_decay',
  'DDP local_rank',
  'a',
  'the model',
  'nms iou_threshold',
  '注意力机制',
  'ViT patch_size',
  'x',
  'zzzz',
];

/** Python and YAML lines with the hovered column marked by `|`: the hover resolution load. */
export const HOVER_SNIPPETS: readonly string[] = [
  'self.fpn = Feature|PyramidNetwork(in_channels_list, 256)',
  'x = torch.c|at([a, b], dim=1)',
  'self.bn1 = nn.Batch|Norm2d(64)',
  'self.b|n1 = nn.BatchNorm2d(64)',
  'conv = nn.Conv2d(3, 64, 3, b|ias=False)',
  'warmup_ep|ochs: 5',
  'sched = get_linear_schedule_|with_warmup(opt, 100, 1000)',
  'loss = sigmoid_focal|_loss(logits, targets)',
  'model = deeplabv3_res|net50(weights=None)',
  'y = F.p|ad(x, (1, 1, 1, 1))',
  'scaler = torch.cuda.amp.GradSc|aler()',
  'pri|nt(x)',
  'for c|at in cats:',
  'bn|x = 3',
  'loader = DataLoader(ds, num_work|ers=4, pin_memory=True)',
  'keep = nms(boxes, scores, iou_thr|eshold=0.5)',
  'opt = optim.AdamW(params, weight_de|cay=0.05)',
  'self.attn = nn.Multihead|Attention(256, 8)',
  'x = self.drop|out(x)',
  'ema = Model|Ema(model, decay=0.999)',
  'out = self.lateral_co|nvs[i](feat)',
  'self.sync = nn.SyncBatch|Norm(256)',
  'lr_warmup_ep|ochs = 5',
  'miou = mean_i|ou(pred, gt)',
  'x = self.fpn_he|ad(feats)',
  'p = precision_sc|ore(y, y_hat)',
  'data = np.concate|nate([a, b])',
  'h = self.relu(self.b|n(self.conv(x)))',
  'result = some_helper_func|tion(x)',
  'import tor|ch',
];

/** A snippet without its cursor mark, and the cursor offset. */
export function splitCursor(snippet: string): { text: string; offset: number } {
  const offset = snippet.indexOf('|');
  return { text: snippet.slice(0, offset) + snippet.slice(offset + 1), offset };
}
