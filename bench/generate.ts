/**
 * A deterministic generator of realistic note libraries (English + Chinese Markdown, the shape of the user's own
 * notes, kept as an Obsidian vault): front matter with `terms`, `aliases` and `tags`, a heading tree, paragraphs with
 * inline code, top-level list items with bold lead-ins, fenced Python with `#` comments, `<hr>` separators, images and
 * links; `[[wikilinks]]` to other notes (by name, heading, label; some to notes that do not exist), `![[embeds]]` of
 * their sections, callouts, `#tags`, `==highlights==` and `^block-ids`.
 */

/** Mulberry32: a small seeded PRNG (same seed → same library on every machine). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Topic {
  en: string;
  zh: string;
  short: string;
  ids: string[];
}

export const TOPICS: Topic[] = [
  { en: 'Feature Pyramid Network', zh: '特征金字塔网络', short: 'FPN', ids: ['FPN', 'FeaturePyramidNetwork', 'lateral_conv', 'top_down', 'inner_blocks', 'layer_blocks', 'BiFPN'] },
  { en: 'Batch Normalization', zh: '批归一化', short: 'BN', ids: ['BatchNorm2d', 'BatchNorm1d', 'SyncBatchNorm', 'running_mean', 'running_var', 'momentum', 'track_running_stats'] },
  { en: 'Layer Normalization', zh: '层归一化', short: 'LN', ids: ['LayerNorm', 'layer_norm', 'normalized_shape', 'elementwise_affine', 'RMSNorm'] },
  { en: 'Group Normalization', zh: '组归一化', short: 'GN', ids: ['GroupNorm', 'num_groups', 'group_norm', 'InstanceNorm2d'] },
  { en: 'Learning Rate Warmup', zh: '学习率预热', short: 'warmup', ids: ['LinearLR', 'SequentialLR', 'warmup_epochs', 'get_linear_schedule_with_warmup', 'warmup_ratio', 'ConstantLR'] },
  { en: 'Cosine Annealing', zh: '余弦退火', short: 'cosine', ids: ['CosineAnnealingLR', 'CosineAnnealingWarmRestarts', 'eta_min', 'T_max', 'get_cosine_schedule_with_warmup'] },
  { en: 'Focal Loss', zh: '焦点损失', short: 'focal', ids: ['sigmoid_focal_loss', 'FocalLoss', 'focal_gamma', 'focal_alpha', 'gamma'] },
  { en: 'Label Smoothing', zh: '标签平滑', short: 'smoothing', ids: ['label_smoothing', 'CrossEntropyLoss', 'smooth_eps', 'LabelSmoothingCrossEntropy'] },
  { en: 'Dropout Regularization', zh: 'Dropout 正则化', short: 'dropout', ids: ['Dropout', 'dropout_rate', 'F.dropout', 'DropPath', 'drop_path_rate', 'Dropout2d'] },
  { en: 'Weight Decay', zh: '权重衰减', short: 'wd', ids: ['weight_decay', 'AdamW', 'no_decay', 'param_groups', 'decoupled_weight_decay'] },
  { en: 'Adam Optimizer', zh: 'Adam 优化器', short: 'Adam', ids: ['Adam', 'AdamW', 'betas', 'eps', 'amsgrad', 'optim.Adam'] },
  { en: 'Stochastic Gradient Descent', zh: '随机梯度下降', short: 'SGD', ids: ['SGD', 'momentum', 'nesterov', 'optim.SGD', 'dampening'] },
  { en: 'Gradient Clipping', zh: '梯度裁剪', short: 'clip', ids: ['clip_grad_norm_', 'clip_grad_value_', 'max_norm', 'grad_clip', 'GradScaler'] },
  { en: 'Mixed Precision Training', zh: '混合精度训练', short: 'AMP', ids: ['autocast', 'GradScaler', 'torch.cuda.amp', 'bfloat16', 'float16', 'loss_scale'] },
  { en: 'Semantic Segmentation', zh: '语义分割', short: 'seg', ids: ['deeplabv3_resnet50', 'mIoU', 'SegmentationHead', 'CRF', 'FCN', 'UNet', 'ignore_index'] },
  { en: 'Instance Segmentation', zh: '实例分割', short: 'inst', ids: ['MaskRCNN', 'maskrcnn_resnet50_fpn', 'mask_head', 'RoIAlign', 'roi_align'] },
  { en: 'Object Detection', zh: '目标检测', short: 'det', ids: ['FasterRCNN', 'RetinaNet', 'anchor_generator', 'nms', 'box_iou', 'batched_nms'] },
  { en: 'Anchor Boxes', zh: '锚框', short: 'anchor', ids: ['AnchorGenerator', 'anchor_sizes', 'aspect_ratios', 'num_anchors'] },
  { en: 'Non Maximum Suppression', zh: '非极大值抑制', short: 'NMS', ids: ['nms', 'batched_nms', 'iou_threshold', 'soft_nms', 'score_thresh'] },
  { en: 'Residual Connection', zh: '残差连接', short: 'residual', ids: ['BasicBlock', 'Bottleneck', 'downsample', 'torch.add', 'identity', 'skip_connection'] },
  { en: 'Feature Concatenation', zh: '特征拼接', short: 'concat', ids: ['torch.cat', 'torch.concat', 'np.concatenate', 'Concatenate', 'torch.stack'] },
  { en: 'Attention Mechanism', zh: '注意力机制', short: 'attention', ids: ['MultiheadAttention', 'scaled_dot_product_attention', 'attn_mask', 'num_heads', 'key_padding_mask'] },
  { en: 'Vision Transformer', zh: '视觉 Transformer', short: 'ViT', ids: ['VisionTransformer', 'patch_size', 'PatchEmbed', 'cls_token', 'pos_embed'] },
  { en: 'Positional Encoding', zh: '位置编码', short: 'posenc', ids: ['PositionalEncoding', 'rotary_emb', 'sinusoidal', 'max_len', 'RoPE'] },
  { en: 'Knowledge Distillation', zh: '知识蒸馏', short: 'KD', ids: ['KLDivLoss', 'temperature', 'teacher_model', 'distill_loss', 'soft_targets'] },
  { en: 'Data Augmentation', zh: '数据增强', short: 'aug', ids: ['RandomResizedCrop', 'ColorJitter', 'RandAugment', 'mixup_alpha', 'CutMix', 'transforms.Compose'] },
  { en: 'Mixup and CutMix', zh: 'Mixup 与 CutMix', short: 'mixup', ids: ['mixup_alpha', 'cutmix_alpha', 'Mixup', 'mix_prob', 'label_mix'] },
  { en: 'Precision and Recall', zh: '精确率与召回率', short: 'PR', ids: ['precision_score', 'recall_score', 'precision_recall_curve', 'average_precision_score', 'f1_score'] },
  { en: 'ROC Curve', zh: 'ROC 曲线', short: 'ROC', ids: ['roc_curve', 'roc_auc_score', 'RocCurveDisplay', 'auc', 'tpr', 'fpr'] },
  { en: 'Principal Component Analysis', zh: '主成分分析', short: 'PCA', ids: ['PCA', 'n_components', 'explained_variance_ratio_', 'svd_solver', 'IncrementalPCA'] },
  { en: 'Convolution Padding', zh: '卷积填充', short: 'padding', ids: ['F.pad', 'ZeroPad2d', 'padding_mode', 'ReflectionPad2d', 'same_padding'] },
  { en: 'Dilated Convolution', zh: '空洞卷积', short: 'dilation', ids: ['dilation', 'atrous_rates', 'ASPP', 'output_stride'] },
  { en: 'Depthwise Separable Convolution', zh: '深度可分离卷积', short: 'DWConv', ids: ['groups', 'depthwise_conv', 'pointwise_conv', 'MobileNetV2', 'InvertedResidual'] },
  { en: 'Transposed Convolution', zh: '转置卷积', short: 'deconv', ids: ['ConvTranspose2d', 'output_padding', 'upsample', 'F.interpolate', 'PixelShuffle'] },
  { en: 'Pooling Layers', zh: '池化层', short: 'pool', ids: ['MaxPool2d', 'AdaptiveAvgPool2d', 'avg_pool', 'global_pool', 'AvgPool2d'] },
  { en: 'Activation Functions', zh: '激活函数', short: 'act', ids: ['ReLU', 'GELU', 'SiLU', 'LeakyReLU', 'inplace', 'F.gelu'] },
  { en: 'Weight Initialization', zh: '权重初始化', short: 'init', ids: ['kaiming_normal_', 'xavier_uniform_', 'trunc_normal_', 'init.zeros_', 'fan_in'] },
  { en: 'Exponential Moving Average', zh: '指数滑动平均', short: 'EMA', ids: ['ModelEma', 'ema_decay', 'AveragedModel', 'update_parameters', 'swa_utils'] },
  { en: 'Gradient Accumulation', zh: '梯度累积', short: 'accum', ids: ['accumulation_steps', 'grad_accum', 'zero_grad', 'no_sync'] },
  { en: 'Distributed Data Parallel', zh: '分布式数据并行', short: 'DDP', ids: ['DistributedDataParallel', 'DistributedSampler', 'init_process_group', 'local_rank', 'all_reduce'] },
  { en: 'Data Loading', zh: '数据加载', short: 'loader', ids: ['DataLoader', 'num_workers', 'pin_memory', 'collate_fn', 'persistent_workers'] },
  { en: 'Contrastive Learning', zh: '对比学习', short: 'contrastive', ids: ['info_nce', 'SimCLR', 'MoCo', 'temperature', 'projection_head'] },
  { en: 'Word Embeddings', zh: '词向量', short: 'embedding', ids: ['nn.Embedding', 'padding_idx', 'embedding_dim', 'Word2Vec', 'max_norm'] },
  { en: 'Recurrent Networks', zh: '循环神经网络', short: 'RNN', ids: ['LSTM', 'GRU', 'hidden_size', 'pack_padded_sequence', 'bidirectional'] },
  { en: 'Beam Search', zh: '束搜索', short: 'beam', ids: ['num_beams', 'length_penalty', 'beam_search', 'generate', 'early_stopping'] },
  { en: 'Tokenization', zh: '分词', short: 'tokenizer', ids: ['AutoTokenizer', 'BertTokenizer', 'vocab_size', 'sentencepiece', 'bpe'] },
  { en: 'Gradient Checkpointing', zh: '梯度检查点', short: 'checkpoint', ids: ['checkpoint_sequential', 'torch.utils.checkpoint', 'use_reentrant', 'gradient_checkpointing_enable'] },
  { en: 'Model Quantization', zh: '模型量化', short: 'quant', ids: ['quantize_dynamic', 'QuantStub', 'DeQuantStub', 'qconfig', 'int8'] },
  { en: 'Model Pruning', zh: '模型剪枝', short: 'prune', ids: ['prune.l1_unstructured', 'prune.remove', 'sparsity', 'global_unstructured'] },
  { en: 'Early Stopping', zh: '早停', short: 'early', ids: ['EarlyStopping', 'patience', 'min_delta', 'best_score', 'monitor'] },
  { en: 'Cross Validation', zh: '交叉验证', short: 'cv', ids: ['KFold', 'StratifiedKFold', 'cross_val_score', 'n_splits', 'GroupKFold'] },
  { en: 'Class Imbalance', zh: '类别不平衡', short: 'imbalance', ids: ['WeightedRandomSampler', 'class_weight', 'pos_weight', 'BCEWithLogitsLoss', 'oversample'] },
  { en: 'Receptive Field', zh: '感受野', short: 'RF', ids: ['receptive_field', 'kernel_size', 'stride', 'dilation'] },
  { en: 'Image Pyramid', zh: '图像金字塔', short: 'pyramid', ids: ['pyrDown', 'pyrUp', 'scale_factor', 'multi_scale'] },
  { en: 'Depth Estimation', zh: '深度估计', short: 'depth', ids: ['DPT', 'depth_head', 'scale_invariant_loss', 'disparity'] },
  { en: 'Optical Flow', zh: '光流', short: 'flow', ids: ['RAFT', 'flow_head', 'warp', 'grid_sample', 'correlation'] },
  { en: 'Generative Adversarial Network', zh: '生成对抗网络', short: 'GAN', ids: ['Generator', 'Discriminator', 'gradient_penalty', 'spectral_norm', 'latent_dim'] },
  { en: 'Variational Autoencoder', zh: '变分自编码器', short: 'VAE', ids: ['reparameterize', 'kl_divergence', 'logvar', 'latent_dim', 'beta_vae'] },
  { en: 'Diffusion Models', zh: '扩散模型', short: 'diffusion', ids: ['DDPMScheduler', 'noise_scheduler', 'num_train_timesteps', 'UNet2DModel', 'guidance_scale'] },
  { en: 'Graph Neural Networks', zh: '图神经网络', short: 'GNN', ids: ['GCNConv', 'edge_index', 'message_passing', 'MessagePassing', 'global_mean_pool'] },
];

const ASPECTS_EN = ['implementation details', 'common pitfalls', 'hyperparameters', 'ablation results', 'initialization', 'training tricks', 'inference speed', 'memory usage', 'gradient flow', 'loss design', 'debugging notes', 'paper summary', 'open questions', 'related work', 'intuition', 'derivation'];
const ASPECTS_ZH = ['实现细节', '常见问题', '超参数', '消融实验', '初始化', '训练技巧', '推理速度', '显存占用', '梯度', '损失函数设计', '调试记录', '论文总结', '未解决的问题', '相关工作', '直觉理解', '公式推导'];

const EN_SUBJECTS = ['The model', 'This layer', 'A deeper backbone', 'The training loop', 'The optimizer', 'Our baseline', 'The detector head', 'A small batch', 'The validation set', 'The loss'];
const EN_VERBS = ['converges faster', 'becomes unstable', 'needs a lower learning rate', 'overfits quickly', 'improves mAP by about two points', 'is sensitive to initialization', 'uses more memory', 'generalizes better', 'slows down inference', 'hides the real bottleneck'];
const EN_CONDITIONS = ['when the batch size is small', 'after the first few epochs', 'with mixed precision enabled', 'on high resolution inputs', 'if the statistics are frozen', 'without warmup', 'on imbalanced classes', 'when the features are concatenated', 'under heavy augmentation', 'at test time'];
const EN_EXTRA = ['Check the gradients before tuning anything else.', 'This matches what the paper reports.', 'I could not reproduce the original numbers.', 'Keep this in mind when porting code between frameworks.', 'The effect disappears with longer schedules.', 'See the ablation table for details.'];

const ZH_SUBJECTS = ['模型', '这一层', '主干网络', '训练过程', '优化器', '基线', '检测头', '小批量', '验证集', '损失函数'];
const ZH_VERBS = ['收敛更快', '变得不稳定', '需要更小的学习率', '很快过拟合', '大约能涨两个点', '对初始化很敏感', '占用更多显存', '泛化更好', '拖慢推理速度', '掩盖了真正的瓶颈'];
const ZH_CONDITIONS = ['在批量很小的时候', '在前几个 epoch 之后', '在开启混合精度的时候', '在高分辨率输入上', '在统计量被冻结的时候', '在没有预热的时候', '在类别不平衡的时候', '在特征拼接之后', '在强数据增强下', '在测试阶段'];
const ZH_EXTRA = ['调参之前先检查梯度。', '这和论文里的结论一致。', '我没能复现原文的结果。', '在不同框架之间移植代码时要注意这一点。', '训练时间变长之后这个现象就消失了。', '具体可以看消融实验的表格。'];

/** Filler vocabulary, so that a library has a realistic spread of rare words besides its templates. */
const EN_WORDS = (
  'accuracy activation adapter aggregate alignment amplitude analysis anchor annotation approximation architecture argument ' +
  'asymmetric attribute augment average backbone bandwidth baseline benchmark bias bilinear bottleneck boundary branch buffer ' +
  'calibration capacity cascade channel checkpoint classifier cluster coarse coefficient collapse compression concatenate ' +
  'confidence constraint context contrast convergence convolution corpus correlation covariance crop curriculum dataset decay ' +
  'decoder dense density deployment depth derivative detection deviation diagonal dilation dimension discrete distillation ' +
  'distribution divergence domain downsample dropout dynamic edge eigenvalue embedding encoder energy ensemble entropy epoch ' +
  'equivariant estimator evaluation expectation exploding exponent extrapolate factorization feature filter fine-tune ' +
  'fixed-point flatten fusion gating gaussian generalization gradient granularity graph greedy grid hardware heatmap heuristic ' +
  'hidden histogram horizon hyperplane identity illumination imbalance inference initializer instance interpolation invariance ' +
  'iteration jitter kernel keypoint label lambda latency latent lattice layer leakage likelihood linear logit lookahead ' +
  'magnitude manifold margin mask matrix maximum memory mesh metric minibatch modality momentum monotonic multiscale ' +
  'neighborhood noise nonlinear normalization objective occlusion offset optimizer orthogonal outlier overfitting padding ' +
  'parameter partition patch perplexity perturbation pipeline pixel plateau pooling posterior precision prediction prior ' +
  'probability projection proposal pruning quantile quantization query radius random ranking recall receptive reconstruction ' +
  'recurrent regression regularizer reinforcement residual resolution retrieval robustness rotation sample saturation scale ' +
  'schedule segment semantic sensitivity sequence shortcut sigmoid similarity skip smoothing softmax sparse spatial spectral ' +
  'stability stochastic stride subspace supervision surrogate symmetric temperature tensor threshold throughput token topology ' +
  'trajectory transfer transformer truncation uncertainty underfitting uniform unsupervised upsample validation variance vector ' +
  'vocabulary voxel warp weight whitening window'
).split(' ');
const ZH_WORDS = (
  '准确率 激活 适配器 聚合 对齐 幅值 分析 锚点 标注 近似 架构 参数 非对称 属性 增强 平均 骨干 带宽 基准 偏置 双线性 瓶颈 边界 分支 缓冲 ' +
  '校准 容量 级联 通道 检查点 分类器 聚类 粗糙 系数 坍塌 压缩 拼接 置信度 约束 上下文 对比 收敛 卷积 语料 相关性 协方差 裁剪 课程 数据集 衰减 ' +
  '解码器 稠密 密度 部署 深度 导数 检测 偏差 对角 空洞 维度 离散 蒸馏 分布 散度 领域 下采样 动态 边缘 特征值 嵌入 编码器 能量 集成 熵 ' +
  '等变 估计 评估 期望 爆炸 指数 外推 分解 特征 滤波 微调 展平 融合 门控 高斯 泛化 梯度 粒度 图结构 贪心 网格 硬件 热力图 启发式 ' +
  '隐藏层 直方图 超平面 恒等 光照 不平衡 推理 初始化 实例 插值 不变性 迭代 抖动 卷积核 关键点 标签 延迟 隐变量 泄漏 似然 线性 ' +
  '幅度 流形 间隔 掩码 矩阵 最大值 显存 网格化 度量 小批量 模态 动量 单调 多尺度 邻域 噪声 非线性 归一化 目标函数 遮挡 偏移 优化器 ' +
  '正交 离群点 过拟合 填充 划分 图像块 困惑度 扰动 流水线 像素 平台期 池化 后验 精度 预测 先验 概率 投影 候选框 剪枝 分位数 量化 ' +
  '查询 半径 随机 排序 召回 感受野 重建 循环 回归 正则 强化学习 残差 分辨率 检索 鲁棒性 旋转 采样 饱和 尺度 调度 分段 语义 敏感度 ' +
  '序列 捷径 相似度 跳连 平滑 稀疏 空间 谱 稳定性 随机性 子空间 监督 代理 对称 温度 张量 阈值 吞吐量 词元 拓扑 轨迹 迁移 截断 ' +
  '不确定性 欠拟合 均匀 无监督 上采样 验证 方差 向量 词表 体素 形变 权重 白化 窗口'
).split(' ');

function fillerEn(rand: () => number): string {
  const n = Math.floor(rand() * 4);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(EN_WORDS[Math.floor(rand() * EN_WORDS.length)]);
  return out.length ? ` Related: ${out.join(', ')}${rand() < 0.2 ? ` (run ${Math.floor(rand() * 10000)})` : ''}.` : '';
}

function fillerZh(rand: () => number): string {
  const n = Math.floor(rand() * 4);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(ZH_WORDS[Math.floor(rand() * ZH_WORDS.length)]);
  return out.length ? `相关：${out.join('、')}。` : '';
}

const LEADS_EN = ['Tip', 'Pitfall', 'Note', 'Rule of thumb', 'Observation', 'Question'];
const LEADS_ZH = ['技巧', '坑', '注意', '经验', '观察', '疑问'];

export interface GeneratedNote {
  id: string;
  text: string;
}

export interface GenerateOptions {
  files: number;
  /** Sections per file (the H1 + H2 topics + H3 aspects); at least 3. */
  sectionsPerFile: number;
  seed: number;
}

/** A deterministic library: same options → byte-identical files. */
export function generateLibrary(opts: GenerateOptions): GeneratedNote[] {
  const rand = createRng(opts.seed);
  // Every note's first topic is drawn first: notes link to each other by file name (`0042-fpn`).
  const first = Array.from({ length: opts.files }, () => TOPICS[Math.floor(rand() * TOPICS.length)]);
  const vault: Vault = { names: first.map((t, i) => noteName(i, t)), first };
  const out: GeneratedNote[] = [];
  for (let f = 0; f < opts.files; f++) out.push(generateNote(rand, f, Math.max(3, opts.sectionsPerFile), vault));
  return out;
}

interface Vault {
  /** File names without `.md`, by note index. */
  names: string[];
  first: Topic[];
}

function noteName(index: number, topic: Topic): string {
  return `${String(index).padStart(4, '0')}-${topic.short.toLowerCase()}`;
}

/** A wikilink to another note of the vault: by name, to its title heading, with a label; 3% to a missing note. */
function wikilink(rand: () => number, vault: Vault, zh: boolean): string {
  const r = rand();
  if (r < 0.03) return `[[${zh ? '待写的笔记' : 'A note to write'} ${Math.floor(rand() * 100)}]]`;
  const j = Math.floor(rand() * vault.names.length);
  const name = vault.names[j];
  const t = vault.first[j];
  if (r < 0.45) return `[[${name}]]`;
  if (r < 0.7) return `[[${name}|${zh ? t.zh : t.en}]]`;
  return `[[${name}#${zh ? t.zh : t.en}]]`;
}

function generateNote(rand: () => number, index: number, sectionCount: number, vault: Vault): GeneratedNote {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const chance = (p: number) => rand() < p;
  const zhFile = chance(0.5);

  const h2Count = Math.max(1, Math.round((sectionCount - 1) / 7));
  const topics: Topic[] = [vault.first[index]];
  while (topics.length < h2Count) {
    const t = pick(TOPICS);
    if (!topics.includes(t) || topics.length >= TOPICS.length) topics.push(t);
  }
  const link = () => wikilink(rand, vault, zhFile);
  const fileTitle = zhFile ? `${topics[0].zh}学习笔记 ${index + 1}` : `Notes on ${topics[0].en} ${index + 1}`;
  const lines: string[] = [];
  const terms: [string, string[]][] = [];
  const usedSlugs = new Map<string, number>();
  const slugOf = (title: string) => {
    const base = title.toLowerCase().replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').trim().replace(/\s+/g, '-') || 'section';
    const n = usedSlugs.get(base);
    usedSlugs.set(base, (n ?? -1) + 1);
    return n === undefined ? base : `${base}-${n + 1}`;
  };

  lines.push(`# ${fileTitle}`, '');
  slugOf(fileTitle);
  lines.push(`${sentence(rand, zhFile, topics[0])} ${zhFile ? '另见' : 'See also'} ${link()}. #${topics[0].short.toLowerCase()}`, '');

  let remaining = sectionCount - 1;
  for (let ti = 0; ti < topics.length && remaining > 0; ti++) {
    const topic = topics[ti];
    const h3Count = Math.min(remaining - 1, ti === topics.length - 1 ? remaining - 1 : Math.max(0, Math.round((remaining - 1) / (topics.length - ti))));
    const h2 = chance(0.5) ? topic.en : chance(0.5) ? topic.zh : `${topic.short} ${zhFile ? pick(ASPECTS_ZH) : pick(ASPECTS_EN)}`;
    const h2Slug = slugOf(h2);
    remaining--;
    if (ti > 0 && chance(0.5)) lines.push('<hr>', '');
    lines.push(`## ${h2}`, '');
    const points = body(rand, zhFile, topic, lines, link);
    if (chance(0.6)) terms.push([h2Slug, sampleIds(rand, topic, 3)]);
    if (points > 0 && chance(0.3)) terms.push([`${h2Slug}/${1 + Math.floor(rand() * points)}`, sampleIds(rand, topic, 2)]);

    for (let k = 0; k < h3Count; k++) {
      const zh = chance(zhFile ? 0.75 : 0.25);
      const h3 = `${chance(0.5) ? topic.short : zh ? topic.zh : topic.en} ${zh ? pick(ASPECTS_ZH) : pick(ASPECTS_EN)}`;
      const h3Slug = slugOf(h3);
      remaining--;
      lines.push(`### ${h3}`, '');
      const n = body(rand, zh, topic, lines, link);
      if (chance(0.15)) terms.push([h3Slug, sampleIds(rand, topic, 2)]);
      if (n > 0 && chance(0.1)) terms.push([`${h3Slug}/${1 + Math.floor(rand() * n)}`, sampleIds(rand, topic, 1)]);
    }
  }

  const front = ['---', `title: ${JSON.stringify(fileTitle)}`];
  if (chance(0.3)) front.push(`aliases: [${JSON.stringify(`${topics[0].short} ${zhFile ? '笔记' : 'notes'} ${index + 1}`)}]`);
  if (chance(0.5)) front.push(`tags: [${JSON.stringify(`ml/${topics[0].short.toLowerCase()}`)}, ${zhFile ? '"zh"' : '"en"'}]`);
  front.push('terms:');
  for (const [k, ids] of terms) front.push(`  ${JSON.stringify(k)}: [${ids.map((i) => JSON.stringify(i)).join(', ')}]`);
  front.push('---', '');
  return { id: `notes/gen/${vault.names[index]}.md`, text: [...front, ...lines].join('\n') };
}

function sampleIds(rand: () => number, topic: Topic, n: number): string[] {
  const out = new Set<string>();
  for (let i = 0; i < n * 2 && out.size < n; i++) {
    const id = topic.ids[Math.floor(rand() * topic.ids.length)];
    out.add(id);
  }
  if (rand() < 0.3) out.add(`${topic.short.toLowerCase()}_${['head', 'neck', 'block', 'cfg', 'layer'][Math.floor(rand() * 5)]}`);
  return [...out];
}

function code(rand: () => number, topic: Topic): string {
  return '`' + topic.ids[Math.floor(rand() * topic.ids.length)] + '`';
}

function sentence(rand: () => number, zh: boolean, topic: Topic, link?: () => string): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  // Now and then: a highlighted verb, a link to another note, a tag.
  const verb = (v: string) => (rand() < 0.03 ? `==${v}==` : v);
  const extra = () => (link && rand() < 0.15 ? ` ${zh ? '参见' : 'See'} ${link()}.` : '') + (rand() < 0.05 ? ` #${topic.short.toLowerCase()}/${zh ? '笔记' : 'notes'} ` : '');
  if (zh) {
    const s = `${pick(ZH_SUBJECTS)}${pick(ZH_CONDITIONS)}${verb(pick(ZH_VERBS))}，用 ${code(rand, topic)} 的时候尤其明显。${fillerZh(rand)}${extra()}`;
    return rand() < 0.4 ? s + pick(ZH_EXTRA) : s;
  }
  const s = `${pick(EN_SUBJECTS)} ${verb(pick(EN_VERBS))} ${pick(EN_CONDITIONS)}, especially with ${code(rand, topic)}.${fillerEn(rand)}${extra()}`;
  return rand() < 0.4 ? `${s} ${pick(EN_EXTRA)}` : s;
}

const CALLOUTS = ['note', 'tip', 'warning', 'info', 'example', 'question', 'danger'];

/** Appends a section body; returns the number of top-level list items (points) it wrote. */
function body(rand: () => number, zh: boolean, topic: Topic, lines: string[], link: () => string): number {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  let points = 0;
  const r = rand();
  if (r < 0.06) {
    // A callout (sometimes folded), or an embed of another note's section.
    if (rand() < 0.8) {
      const fold = pick(['', '', '-', '+']);
      lines.push(`> [!${pick(CALLOUTS)}]${fold} ${zh ? topic.zh : topic.en}`, `> ${sentence(rand, zh, topic, link)}`, '');
    } else {
      lines.push(link().replace('[[', '![['), '');
    }
  } else if (r < 0.45) {
    lines.push(sentence(rand, zh, topic, link), '');
  } else if (r < 0.8) {
    const n = 2 + Math.floor(rand() * 3);
    const ordered = rand() < 0.4;
    for (let i = 0; i < n; i++) {
      const marker = ordered ? `${i + 1}.` : '-';
      const lead = rand() < 0.4 ? (zh ? `**${pick(LEADS_ZH)}**：` : `**${pick(LEADS_EN)}**: `) : '';
      lines.push(`${marker} ${lead}${sentence(rand, zh, topic, link)}${rand() < 0.03 ? ` ^${topic.short.toLowerCase()}-${Math.floor(rand() * 1000)}` : ''}`);
    }
    lines.push('');
    points = n;
  } else if (r < 0.92) {
    lines.push(sentence(rand, zh, topic));
    lines.push('```python', `# ${zh ? '示例' : 'example'}: ${topic.en}`, `x = ${topic.ids[0].includes('.') ? topic.ids[0] : 'nn.' + topic.ids[0]}(x)  # ${topic.short}`, '```', '');
  } else {
    lines.push(`<img width="60%" src="figures/${topic.short.toLowerCase()}.svg" alt="${topic.en}" />`, '');
    lines.push(`${sentence(rand, zh, topic)} [${zh ? '原文' : 'paper'}](https://example.org/${topic.short.toLowerCase()})`, '');
  }
  return points;
}
