/**
 * Python analysis benchmark (issue 4): a generated 10,000-line PyTorch file.
 *
 * - analysis.full.ms          parse + model + all rules, fresh each run (median)
 * - analysis.incremental.ms   the document re-analysed after a one-line edit, in a fresh analysis worker as the extension
 *                             starts it: the file opened (its first analysis), the worker left to its idle warm-up
 *                             (src/core/reanalysisWarmUp.ts), 3 edits, then the median of the next 15, each as the
 *                             worker timed it
 * - analysis.warm_up.ms        how long that warm-up kept the worker busy (after its answer to the first analysis)
 * - analysis.incremental.unwarmed.ms   the same in a worker without the warm-up (what the first edits cost without it)
 * - analysis.incremental.inprocess.ms  in this process, after the full-analysis runs above, no warm-up: median of the
 *                                      first 15 edits after 3 edits (the runtime has not yet optimised the re-analysis)
 * - analysis.incremental.warm.ms   the same after 60 more edits elsewhere (median of 15 more, at places not edited
 *                                  before): what a long editing session sees
 * - python.ast.ms             `ast.parse` of the same file inside python3 (median, interpreter start excluded)
 * - python.ast.command.ms     the whole `python3 -c 'import ast; ast.parse(...)'` command (median)
 * - analysis.ratio_to_python_ast   full / python.ast.ms (target: ≤ 1.0×)
 * - cli.lint100k.ms          the whole `ml-notes lint FILE` process (dist/cli.js) on a 100,000-line file (median)
 * - python.ast100k.command.ms      the whole `python3 -c 'import ast,sys; ast.parse(…)'` process on it (median)
 * - cli.ratio_to_python_process    cli.lint100k.ms / python.ast100k.command.ms (target: ≤ 1.0×)
 * - analysis.peak_rss_delta.mb     peak resident memory while the analysis worker (as the extension starts it,
 *                                  with its heap limits) analyses the file, above the idle worker (target: < 50 MB;
 *                                  read in the worker without the warm-up, which starts only after that analysis)
 * - analysis.peak_rss_warmed.mb    the same peak once the worker's warm-up is over
 * - analysis.peak_rss_edited.mb    the same peak after the 18 edits (.unwarmed: in the worker without the warm-up)
 * - analysis.retained_heap.mb      heap still held by the analysis result after a GC
 * - analysis.findings              findings on the file (a sanity check that the rules did work)
 * - analysis.checks50.ms           the full analysis with 50 note checks added (bench/noteChecks.ts), median; measured
 *                                  alternately with analysis.full.ms so that both see the same machine
 * - analysis.checks50.ratio        that / the full analysis without them, in the same run (target: ≤ 1.3)
 * - analysis.checks50.findings     findings of the 50 checks on the file
 *
 * Targets: full < 150 ms, incremental ≤ 10 ms (reported, not asserted).
 *
 * Run on its own: `node out/bench/analysis.js` (after `node esbuild.mjs --tests`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ANALYSIS_WORKER_LIMITS } from '../src/core/analysisEngine';
import { analyze, DocumentAnalyzer, strictHost } from '../src/core/rules/index';
import { withChecks } from '../src/core/checks/index';
import { CHECK_COUNT, fiftyChecks } from './noteChecks';

/** The analysis worker bundle (built next to this file's bundle by `node esbuild.mjs --tests`). */
const WORKER_FILE = join(__dirname, '..', 'src', 'worker', 'analysisWorker.js');

const LINES = 10_000;
const RUNS = 15;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A 10,000-line PyTorch file in the shapes real model code takes (deterministic). */
export function generatePyTorchFile(lines = LINES): string {
  const out: string[] = [
    '"""Generated model zoo for the analysis benchmark."""',
    'import math',
    'from collections import OrderedDict',
    'from functools import partial',
    '',
    'import torch',
    'import torch.nn as nn',
    'import torch.nn.functional as F',
    'from torchvision.ops import roi_align',
    '',
    '',
    'def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):',
    '    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups, dilation=dilation, bias=False)',
    '',
    '',
    'def conv1x1(in_planes, out_planes, stride=1):',
    '    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)',
    '',
  ];
  let i = 0;
  while (out.length < lines - 40) {
    const k = i % 4;
    if (k === 0) {
      out.push(
        '',
        `class BasicBlock${i}(nn.Module):`,
        '    expansion = 1',
        '',
        '    def __init__(self, inplanes, planes, stride=1, downsample=None, norm_layer=None):',
        '        super().__init__()',
        '        if norm_layer is None:',
        '            norm_layer = nn.BatchNorm2d',
        '        self.conv1 = conv3x3(inplanes, planes, stride)',
        '        self.bn1 = norm_layer(planes)',
        '        self.relu = nn.ReLU(inplace=True)',
        `        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, padding=1${i % 8 === 0 ? '' : ', bias=False'})`,
        '        self.bn2 = norm_layer(planes)',
        '        self.downsample = downsample',
        '        self.stride = stride',
        '',
        '    def forward(self, x):',
        '        identity = x',
        '        out = self.conv1(x)',
        '        out = self.bn1(out)',
        '        out = self.relu(out)',
        '        out = self.conv2(out)',
        '        out = self.bn2(out)',
        '        if self.downsample is not None:',
        '            identity = self.downsample(x)',
        '        out += identity',
        '        return self.relu(out)',
      );
    } else if (k === 1) {
      out.push(
        '',
        `def make_layers_${i}(cfg, batch_norm=False):`,
        '    layers = []',
        '    in_channels = 3',
        '    for v in cfg:',
        '        if v == "M":',
        '            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]',
        '        else:',
        '            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)',
        '            if batch_norm:',
        '                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]',
        '            else:',
        '                layers += [conv2d, nn.ReLU(inplace=True)]',
        '            in_channels = v',
        '    return nn.Sequential(*layers)',
      );
    } else if (k === 2) {
      out.push(
        '',
        `class SegHead${i}(nn.Module):`,
        '    def __init__(self, in_channels, num_classes, dropout=0.1):',
        '        super().__init__()',
        '        inter = in_channels // 4',
        '        self.block = nn.Sequential(',
        '            OrderedDict(',
        '                [',
        '                    ("conv", nn.Conv2d(in_channels, inter, 3, padding=1, bias=False)),',
        '                    ("bn", nn.BatchNorm2d(inter)),',
        '                    ("relu", nn.ReLU(inplace=True)),',
        '                    ("drop", nn.Dropout2d(dropout)),',
        '                ]',
        '            )',
        '        )',
        `        self.cls = nn.Conv2d(inter, num_classes, kernel_size=${i % 6 === 2 ? 3 : 1}${i % 6 === 2 ? ', padding=1' : ''})`,
        '',
        '    def forward(self, x, size):',
        '        x = self.block(x)',
        '        x = self.cls(x)',
        '        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)',
      );
    } else {
      out.push(
        '',
        `class Stem${i}(nn.Module):`,
        '    def __init__(self, width=64, act_layer=nn.ReLU):',
        '        super().__init__()',
        '        norm = partial(nn.BatchNorm2d, eps=1e-5, momentum=0.1)',
        '        self.stem = nn.Sequential(',
        '            nn.Conv2d(3, width // 2, kernel_size=3, stride=2, padding=1, bias=False),',
        '            norm(width // 2),',
        '            act_layer(inplace=True),',
        '            nn.Conv2d(width // 2, width, kernel_size=3, stride=1, padding=1, bias=False),',
        '            norm(width),',
        '            act_layer(inplace=True),',
        '        )',
        '        self.pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)',
        '        self.fc = nn.Linear(width, 1000)',
        '',
        '    def forward(self, x):',
        '        x = self.pool(self.stem(x))',
        '        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)',
        '        return self.fc(x)',
      );
    }
    i++;
  }
  out.push(
    '',
    '',
    'def train(model, loader, args):',
    '    lr = args.lr * args.batch_size / 256',
    '    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)',
    '    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)',
    '    for epoch in range(args.epochs):',
    '        for images, boxes, target in loader:',
    '            feats = model(images)',
    '            pooled = roi_align(feats, boxes, output_size=7)',
    '            loss = F.cross_entropy(pooled.mean((2, 3)), target)',
    '            optimizer.zero_grad()',
    '            loss.backward()',
    '            optimizer.step()',
    '        scheduler.step()',
  );
  while (out.length < lines) out.push('');
  return `${out.slice(0, lines).join('\n')}\n`;
}

/** The text with a comment added at the end of line `line` (a one-line edit). */
function editLine(text: string, line: number, variant: number): string {
  const lines = text.split('\n');
  lines[line] = `${lines[line]}  # edit ${variant}`;
  return lines.join('\n');
}

function pythonAst(file: string): { inside: number; command: number } | undefined {
  const script = [
    'import ast, sys, time',
    'src = open(sys.argv[1], encoding="utf-8").read()',
    'ts = []',
    `for _ in range(${RUNS}):`,
    '    t = time.perf_counter(); ast.parse(src); ts.append((time.perf_counter() - t) * 1000)',
    'ts.sort(); print(ts[len(ts) // 2])',
  ].join('\n');
  try {
    const inside = Number(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }).trim());
    const commands: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      execFileSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', file]);
      commands.push(performance.now() - t);
    }
    return { inside, command: median(commands) };
  } catch {
    return undefined;
  }
}

/** The CLI as it ships (dist/cli.js: `node esbuild.mjs` builds it); undefined when it is not built. */
const CLI_FILE = join(__dirname, '..', '..', 'dist', 'cli.js');

/** Median wall time (ms) of `runs` runs of a whole process. */
function processMs(cmd: string, args: string[], runs: number): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    spawnSync(cmd, args, { stdio: 'ignore' });
    times.push(performance.now() - t);
  }
  return median(times);
}

/** The whole `ml-notes lint` process on a 100,000-line file, and the whole python3 process parsing it with ast. */
function wholeProcesses(dir: string): { cli: number; python: number } | undefined {
  if (!existsSync(CLI_FILE) || spawnSync('python3', ['--version']).status !== 0) return undefined;
  const file = join(dir, 'models100k.py');
  writeFileSync(file, generatePyTorchFile(100_000));
  const cli = processMs(process.execPath, [CLI_FILE, 'lint', file], 5);
  const python = processMs('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', file], 5);
  return { cli, python };
}

/** Peak RSS (KB) above the idle worker after its first analysis of the file, after it went idle, after the edits. */
interface WorkerRun {
  firstKb: number;
  warmedKb: number;
  editedKb: number;
  /** How long the worker was busy between its answer to the first analysis and going idle (its warm-up). */
  warmUpMs: number;
  /** The worker's own times for the edits measured. */
  edits: number[];
}

/**
 * In a fresh process, the analysis worker as the extension starts it (or without its warm-up): the file opened, the
 * worker left until idle (its warm-up over), 3 edits, then the edits measured.
 */
function workerRun(file: string, warmUp: boolean): WorkerRun | undefined {
  const r = spawnSync(process.execPath, [__filename, '--worker-run', file, String(warmUp)], { encoding: 'utf8' });
  try {
    const out = JSON.parse(r.stdout) as WorkerRun;
    return out.firstKb > 0 && out.edits.length ? out : undefined;
  } catch {
    throw new Error(`the worker run failed: ${r.stderr || r.stdout}`);
  }
}

/**
 * This process's peak resident memory in KB: Linux's VmHWM, which starts afresh at exec. (getrusage's maxRSS keeps the
 * peak of the process that forked this one, so under `npm run bench`, whose process holds the generated library, the
 * worker's peak never showed above it.)
 */
function peakRssKb(): number {
  const status = '/proc/self/status';
  const hwm = existsSync(status) ? /^VmHWM:\s+(\d+)/m.exec(readFileSync(status, 'utf8')) : null;
  return hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS;
}

async function workerChild(file: string, warmUp: boolean): Promise<void> {
  const text = readFileSync(file, 'utf8');
  const lineCount = text.split('\n').length - 1;
  const worker = new Worker(WORKER_FILE, { resourceLimits: ANALYSIS_WORKER_LIMITS, workerData: { warmUp } });
  await new Promise((resolve) => worker.once('online', resolve));
  const idle = peakRssKb();
  let id = 0;
  const analyzed = (current: string) =>
    new Promise<number>((resolve) => {
      const n = ++id;
      const listen = (m: { kind: string; id?: number; ms?: number }) => {
        if (m.kind !== 'analyze' || m.id !== n) return;
        worker.off('message', listen);
        resolve(m.ms!);
      };
      worker.on('message', listen);
      worker.postMessage({ kind: 'analyze', id: n, key: 'models.py', text: current, options: {} });
    });
  await analyzed(text);
  const firstKb = peakRssKb() - idle;
  const before = worker.performance.eventLoopUtilization();
  await untilIdle(worker);
  const warmUpMs = worker.performance.eventLoopUtilization(worker.performance.eventLoopUtilization(), before).active;
  const warmedKb = peakRssKb() - idle;
  let current = text;
  for (let r = 0; r < 3; r++) await analyzed((current = editLine(current, 50 + r, r)));
  const edits: number[] = [];
  for (let r = 0; r < RUNS; r++) edits.push(await analyzed((current = editLine(current, 100 + ((r * 613) % (lineCount - 200)), r))));
  process.stdout.write(JSON.stringify({ firstKb, warmedKb, editedKb: peakRssKb() - idle, warmUpMs, edits } satisfies WorkerRun));
  await worker.terminate();
}

/** Resolves when the worker's event loop has been idle for two 100 ms windows in a row (its warm-up over). */
async function untilIdle(worker: Worker): Promise<void> {
  let last = worker.performance.eventLoopUtilization();
  let quiet = 0;
  while (quiet < 2) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = worker.performance.eventLoopUtilization();
    quiet = worker.performance.eventLoopUtilization(now, last).utilization < 0.05 ? quiet + 1 : 0;
    last = now;
  }
}

export async function benchAnalysis(): Promise<Record<string, number>> {
  const text = generatePyTorchFile();
  const lineCount = text.split('\n').length - 1;
  const results: Record<string, number> = { 'analysis.file.lines': lineCount };

  // Warm up the JIT on the same code paths.
  for (let r = 0; r < 3; r++) analyze(text);

  const full: number[] = [];
  let findings = 0;
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    findings = analyze(text).length;
    full.push(performance.now() - t);
  }
  results['analysis.full.ms'] = round(median(full));
  results['analysis.findings'] = findings;

  // 50 note checks: the full analysis with and without them, alternately (the ratio compares like with like).
  const checked = withChecks(strictHost, [{ file: 'bench.md', ref: { slug: 'bench' }, text: fiftyChecks(), line: 0, column: 0 }]);
  if (checked.problems.length || checked.checks.length !== CHECK_COUNT || CHECK_COUNT !== 50) {
    throw new Error(`the benchmark's checks do not compile: ${checked.problems.map((p) => p.message.text).join('; ')}`);
  }
  for (let r = 0; r < 3; r++) checked.host.analyze(text);
  const plain: number[] = [];
  const withNotes: number[] = [];
  let checkFindings = 0;
  for (let r = 0; r < RUNS; r++) {
    let t = performance.now();
    analyze(text);
    plain.push(performance.now() - t);
    t = performance.now();
    checkFindings = checked.host.analyze(text).length - findings;
    withNotes.push(performance.now() - t);
  }
  results['analysis.checks50.ms'] = round(median(withNotes));
  results['analysis.checks50.ratio'] = round(median(withNotes) / median(plain));
  results['analysis.checks50.findings'] = checkFindings;

  // One-line edits, one after the other, each at a different place in the file (as when typing): in this process.
  const doc = new DocumentAnalyzer(strictHost);
  let current = text;
  doc.analyze(current);
  for (let r = 0; r < 3; r++) doc.analyze((current = editLine(current, 50 + r, r)));
  const incremental: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const line = 100 + ((r * 613) % (lineCount - 200));
    current = editLine(current, line, r);
    const t = performance.now();
    doc.analyze(current);
    incremental.push(performance.now() - t);
  }
  results['analysis.incremental.inprocess.ms'] = round(median(incremental));
  for (let r = 0; r < 60; r++) doc.analyze((current = editLine(current, 150 + ((r * 389) % (lineCount - 300)), 100 + r)));
  const warm: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    current = editLine(current, 170 + ((r * 701) % (lineCount - 300)), 200 + r);
    const t = performance.now();
    doc.analyze(current);
    warm.push(performance.now() - t);
  }
  results['analysis.incremental.warm.ms'] = round(median(warm));

  const dir = mkdtempSync(join(tmpdir(), 'ml-notes-bench-'));
  try {
    const file = join(dir, 'models.py');
    writeFileSync(file, text);
    const py = pythonAst(file);
    if (py) {
      results['python.ast.ms'] = round(py.inside);
      results['python.ast.command.ms'] = round(py.command);
      results['analysis.ratio_to_python_ast'] = round(results['analysis.full.ms'] / py.inside);
    }
    const whole = wholeProcesses(dir);
    if (whole) {
      results['cli.lint100k.ms'] = round(whole.cli);
      results['python.ast100k.command.ms'] = round(whole.python);
      results['cli.ratio_to_python_process'] = round(whole.cli / whole.python);
    }
    // In the worker as the extension starts it, and without its warm-up.
    const worker = workerRun(file, true);
    const unwarmed = workerRun(file, false);
    const mb = (kb: number) => round(kb / 1024, 1);
    if (worker) {
      results['analysis.incremental.ms'] = round(median(worker.edits));
      results['analysis.warm_up.ms'] = round(worker.warmUpMs);
      results['analysis.peak_rss_warmed.mb'] = mb(worker.warmedKb);
      results['analysis.peak_rss_edited.mb'] = mb(worker.editedKb);
    }
    if (unwarmed) {
      results['analysis.incremental.unwarmed.ms'] = round(median(unwarmed.edits));
      // The first analysis alone: without the warm-up, nothing else runs before its answer is read.
      results['analysis.peak_rss_delta.mb'] = mb(unwarmed.firstKb);
      results['analysis.peak_rss_edited.unwarmed.mb'] = mb(unwarmed.editedKb);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept = new DocumentAnalyzer(strictHost);
    kept.analyze(text);
    gc();
    results['analysis.retained_heap.mb'] = round((process.memoryUsage().heapUsed - before) / 2 ** 20, 1);
    void kept;
  }
  return results;
}

if (require.main === module) {
  const i = process.argv.indexOf('--worker-run');
  if (i > 0) {
    void workerChild(process.argv[i + 1], process.argv[i + 2] === 'true');
  } else {
    void benchAnalysis().then((r) => {
      for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(32)} ${v}`);
    });
  }
}
