/**
 * A deterministic code tree for `refs`: Python modules (models, training loops, utilities), YAML configs and a few
 * notebooks, in nested packages, written with the everyday identifiers of ML code and, sparsely, the vocabulary the
 * notes' terms use (so a section's terms turn up in some files and not in most, as in a real repository).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRng, TOPICS } from './generate';

const COMMON = ['x', 'y', 'out', 'loss', 'images', 'targets', 'model', 'optimizer', 'scheduler', 'step', 'epoch', 'batch', 'logger', 'device', 'features', 'outputs', 'labels', 'preds', 'cfg', 'args', 'state', 'metrics', 'result', 'config', 'data', 'idx', 'params', 'hidden', 'weight', 'scale'];
const PACKAGES = ['models', 'models/backbones', 'models/heads', 'data', 'data/transforms', 'engine', 'utils', 'tools', 'configs', 'tests', 'ops', 'losses', 'evaluation', 'scripts'];

export interface CodeTreeOptions {
  files: number;
  seed: number;
  /** Share of lines that use a term of the notes (the rest is everyday code). */
  termDensity?: number;
}

/** Writes the tree under `root` (emptied first); returns the files written and their total size in bytes. */
export function writeCodeTree(root: string, opts: CodeTreeOptions): { files: string[]; bytes: number } {
  fs.rmSync(root, { recursive: true, force: true });
  const rand = createRng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const density = opts.termDensity ?? 0.02;
  const term = () => pick(pick(TOPICS).ids);
  const name = () => (rand() < density ? term().split('.').pop()! : pick(COMMON));
  const files: string[] = [];
  let bytes = 0;
  for (let i = 0; i < opts.files; i++) {
    const dir = path.join(root, pick(PACKAGES), `pkg${Math.floor(rand() * 40)}`);
    const kind = i % 50 === 7 ? 'ipynb' : i % 10 === 3 ? 'yaml' : 'py';
    const file = path.join(dir, `module_${i}.${kind}`);
    const lines = kind === 'yaml' ? yamlConfig(rand, pick, name, term) : pythonModule(rand, pick, name, term, density);
    const text = kind === 'ipynb' ? notebook(lines) : lines.join('\n') + '\n';
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, text);
    files.push(file);
    bytes += Buffer.byteLength(text);
  }
  return { files, bytes };
}

function pythonModule(rand: () => number, pick: <T>(xs: readonly T[]) => T, name: () => string, term: () => string, density: number): string[] {
  const lines = ['import torch', 'import torch.nn as nn', 'import torch.nn.functional as F', `from ..utils import ${name()}, ${name()}`, ''];
  const classes = 1 + Math.floor(rand() * 3);
  for (let c = 0; c < classes; c++) {
    const cls = rand() < density * 5 ? term().split('.').pop()! : `Block${Math.floor(rand() * 1000)}`;
    lines.push(`class ${cls}(nn.Module):`, `    """${pick(['A residual block.', 'The detection head.', 'Feature extractor.', 'Projection layer.'])}"""`, '');
    lines.push(`    def __init__(self, in_channels, out_channels, ${name()}=None):`, '        super().__init__()');
    const layers = 3 + Math.floor(rand() * 8);
    for (let l = 0; l < layers; l++) {
      const layer = pick(['nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False)', 'nn.BatchNorm2d(out_channels)', 'nn.ReLU(inplace=True)', 'nn.Linear(out_channels, out_channels)', 'nn.Dropout(0.1)', `nn.${term().split('.').pop()}(out_channels)`]);
      lines.push(`        self.${name()}_${l} = ${rand() < density * 3 ? layer : layer.replace(/nn\.\w+\(out_channels\)$/, 'nn.Identity()')}`);
    }
    lines.push('', '    def forward(self, x):');
    const steps = 4 + Math.floor(rand() * 10);
    for (let s = 0; s < steps; s++) lines.push(`        ${name()} = self.${name()}_${s % layers}(${name()}) + ${name()} * ${(rand() * 2).toFixed(2)}  # ${pick(['keep the shape', 'residual', 'TODO: check', 'scale'])}`);
    lines.push(`        return ${name()}`, '');
  }
  lines.push('', `def train_one_epoch(model, loader, optimizer, ${name()}, epoch):`, '    model.train()', '    for step, (images, targets) in enumerate(loader):');
  const body = 5 + Math.floor(rand() * 15);
  for (let b = 0; b < body; b++) lines.push(`        ${name()} = ${pick(['model', 'F.relu', 'torch.mean', 'optimizer.step', 'logger.info'])}(${name()}, ${name()})`);
  lines.push('        loss.backward()', '        optimizer.step()', '    return loss', '');
  return lines;
}

function yamlConfig(rand: () => number, pick: <T>(xs: readonly T[]) => T, name: () => string, term: () => string): string[] {
  const lines = ['model:', `  type: ${rand() < 0.2 ? term().split('.').pop() : pick(['ResNet', 'Detector', 'Classifier'])}`, '  depth: 50', 'train:'];
  for (let i = 0; i < 10 + Math.floor(rand() * 20); i++) lines.push(`  ${name()}: ${(rand() * 10).toFixed(3)}`);
  return lines;
}

function notebook(lines: string[]): string {
  const cells = [];
  for (let i = 0; i < lines.length; i += 12) cells.push({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: lines.slice(i, i + 12).map((l) => l + '\n') });
  return JSON.stringify({ cells, metadata: { language_info: { name: 'python' } }, nbformat: 4, nbformat_minor: 5 }, null, 1);
}
