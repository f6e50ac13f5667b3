/**
 * The analysis engine the editor talks to: in a real worker thread (src/worker/analysisWorker.ts) it gives what the
 * core gives on this thread, answers in order, keeps each document's incremental state, and when the worker dies its
 * pending and later requests are answered on this thread instead.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { WorkerAnalysisEngine, type AnalysisResponse } from '../../src/core/analysisEngine';
import { analyze, DocumentAnalyzer, strictHost } from '../../src/core/rules/index';
import { ReanalysisWarmUp, withComment, WORKER_WARM_UP } from '../../src/core/reanalysisWarmUp';
import { fixturesDir } from './helpers';

const workerFile = path.join(__dirname, '..', '..', 'src', 'worker', 'analysisWorker.js');
const MODEL = readFileSync(path.join(fixturesDir, 'rules', 'conv-bias-before-batchnorm', 'builders.in.py'), 'utf8');
const TRAIN = 'import torch\n\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\nfor epoch in range(10):\n    train(opt)\n';

/** An engine whose worker starts on the first request; `worker()` is that worker once started. */
function startEngine(): { engine: WorkerAnalysisEngine; worker: () => Worker; fallbacks: string[] } {
  let started: Worker | undefined;
  const fallbacks: string[] = [];
  const engine = new WorkerAnalysisEngine(
    (e) => {
      const worker = (started = new Worker(workerFile));
      worker.on('message', (m: AnalysisResponse) => e.receive(m));
      worker.on('error', (err) => e.fail(String(err)));
      worker.on('exit', (code) => e.fail(`exit code ${code}`));
      return { post: (req) => worker.postMessage(req), terminate: () => void worker.terminate() };
    },
    { onFallback: (reason) => fallbacks.push(reason), onRuleError: () => undefined },
  );
  return { engine, worker: () => started!, fallbacks };
}

describe('analysis engine in a worker thread', () => {
  test('findings and the rules\' actions at a position are those of the core on this thread', async () => {
    const { engine, fallbacks } = startEngine();
    try {
      const r = await engine.analyze('a.py', MODEL, {});
      assert.ok(r.findings.length > 0);
      assert.deepEqual(r.findings, analyze(MODEL));
      assert.equal(r.clean, true);
      const actions = await engine.actionsAt('b.py', TRAIN, { line: 2, character: 10 }, {});
      assert.deepEqual(actions.map((a) => [a.rule, a.fix.title]), [['lr-warmup', 'Add gradual LR warmup']], 'the optimizer gets the warmup action');
      assert.deepEqual(actions, strictHost.actionsAt(TRAIN, { line: 2, character: 10 }));
      assert.deepEqual(await engine.actionsAt('b.py', TRAIN, { line: 2, character: 10 }, { severities: { 'lr-warmup': 'off' } }), [], 'a rule turned off offers nothing');
      assert.deepEqual(fallbacks, []);
    } finally {
      engine.dispose();
    }
  });

  test('many versions of a document asked at once: every answer matches its own version', async () => {
    const { engine } = startEngine();
    try {
      const versions = Array.from({ length: 12 }, (_, i) => MODEL.replace('bias=True', i % 2 ? 'bias=False' : 'bias=True') + `\nx${i} = ${i}\n`);
      const answers = await Promise.all(versions.map((v) => engine.analyze('doc.py', v, {})));
      answers.forEach((a, i) => assert.deepEqual(a.findings, analyze(versions[i]), `version ${i}`));
      const severities = await engine.analyze('doc.py', versions[0], { severities: { 'conv-bias-before-batchnorm': 'error' } });
      assert.ok(severities.findings.every((f) => f.rule !== 'conv-bias-before-batchnorm' || f.severity === 'error'), 'options travel with the request');
    } finally {
      engine.dispose();
    }
  });

  test('a notebook\'s cells (options.cells, as the editor sends them) are compiled as IPython compiles a cell: top-level await is no syntax error there, and one in a file', async () => {
    const { engine } = startEngine();
    try {
      const cells = 'import asyncio\nimport torch.nn as nn\nawait asyncio.sleep(0)\nnet = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n';
      const nb = await engine.analyze('nb.ipynb', cells, { cells: true });
      assert.equal(nb.clean, true);
      assert.deepEqual(nb.findings.map((f) => f.rule), ['conv-bias-before-batchnorm']);
      assert.equal((await engine.analyze('nb.py', cells, {})).clean, false);
      // The same document asked again as cells after a version asked as a file: its parse is not reused across kinds.
      assert.equal((await engine.analyze('nb.py', cells, { cells: true })).clean, true);
    } finally {
      engine.dispose();
    }
  });

  test('a worker that dies: the pending request and later ones are answered on this thread', async () => {
    const { engine, worker, fallbacks } = startEngine();
    try {
      await engine.analyze('a.py', MODEL, {});
      const pending = engine.analyze('a.py', MODEL + '\ny = 1\n', {});
      await worker().terminate();
      assert.deepEqual((await pending).findings, analyze(MODEL + '\ny = 1\n'));
      assert.equal(fallbacks.length, 1);
      assert.deepEqual((await engine.analyze('c.py', MODEL, {})).findings, analyze(MODEL));
      assert.ok((await engine.actionsAt('d.py', TRAIN, { line: 2, character: 10 }, {})).length > 0);
    } finally {
      engine.dispose();
    }
  });

  test('the notes\' checks sent to the worker apply to the next analyses, also after a restart on this thread', async () => {
    const { engine, worker, fallbacks } = startEngine();
    const code = 'import torch\nsd = torch.load(path)\n';
    const sources = [{ file: 'note.md', ref: { slug: 'load' }, text: 'id: torch-load-weights-only\nmessage: m\npattern: torch.load($$$A)\nunless: ["torch.load($$$_, weights_only=$_)"]\nfix: torch.load($$$A, weights_only=True)\n', line: 0, column: 0 }];
    try {
      assert.deepEqual((await engine.analyze('a.py', code, {})).findings, [], 'no checks yet');
      engine.setChecks(sources);
      const found = (await engine.analyze('a.py', code, {})).findings;
      assert.deepEqual(found.map((f) => [f.rule, f.noteRef, f.fixes[0]?.title]), [['torch-load-weights-only', { slug: 'load', file: 'note.md' }, 'Apply the note’s fix: torch.load(path, weights_only=True)']]);
      assert.equal((await engine.analyze('a.py', code, { severities: { 'torch-load-weights-only': 'off' } })).findings.length, 0, 'its severity setting applies');
      await worker().terminate();
      assert.equal((await engine.analyze('b.py', code, {})).findings.length, 1, 'the fallback on this thread has the checks too');
      assert.equal(fallbacks.length, 1);
      engine.setChecks([]);
      assert.deepEqual((await engine.analyze('b.py', code, {})).findings, [], 'checks removed from the notes are gone');
    } finally {
      engine.dispose();
    }
  });

  test('"Try this check" in the worker: one check tried on texts, apart from the notes\' checks, and the same on this thread', async () => {
    const { engine, worker, fallbacks } = startEngine();
    const source = { file: 'note.md', ref: { slug: 'load' }, text: 'id: torch-load-weights-only\nmessage: m\npattern: torch.load($$$A)\nunless: ["torch.load($$$_, weights_only=$_)"]\n', line: 0, column: 0 };
    const code = 'import torch\nsd = torch.load(path)\nok = torch.load(path, weights_only=True)\n';
    try {
      const tried = await engine.tryChecks([source], code);
      assert.deepEqual(tried, { matches: [{ id: 'torch-load-weights-only', range: { start: { line: 1, character: 5 }, end: { line: 1, character: 21 } } }], failures: [] });
      assert.deepEqual((await engine.analyze('a.py', code, {})).findings, [], 'trying a check does not make it one of the notes\' checks');
      assert.deepEqual((await engine.tryChecks([source], 'import torch\n')).matches, [], 'another file, nothing there');
      await worker().terminate();
      assert.deepEqual(await engine.tryChecks([source], code), tried, 'the fallback on this thread tries it the same way');
      assert.equal(fallbacks.length, 1);
    } finally {
      engine.dispose();
    }
  });

  test('disposing stops the worker without a fallback, and pending requests are rejected', async () => {
    const { engine, fallbacks } = startEngine();
    const pending = engine.analyze('a.py', MODEL, {});
    engine.dispose();
    await assert.rejects(pending, /stopped/);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(fallbacks, []);
  });

  test('the worker starts on the first request, and one that cannot start leaves the analysis on this thread', async () => {
    let starts = 0;
    const fallbacks: string[] = [];
    const engine = new WorkerAnalysisEngine(
      () => {
        starts++;
        throw new Error('no threads here');
      },
      { onFallback: (reason) => fallbacks.push(reason), onRuleError: () => undefined },
    );
    engine.forget('a.py');
    assert.equal(starts, 0, 'nothing started before a request');
    assert.deepEqual((await engine.analyze('a.py', MODEL, {})).findings, analyze(MODEL));
    assert.deepEqual((await engine.analyze('b.py', MODEL, {})).findings, analyze(MODEL));
    assert.equal(starts, 1);
    assert.equal(fallbacks.length, 1);
    assert.match(fallbacks[0], /could not start: no threads here/);
    engine.dispose();
  });
});

/** MODEL repeated until the text is large enough for the worker's warm-up. */
const LARGE = MODEL.repeat(Math.ceil(WORKER_WARM_UP.minChars / MODEL.length));

/** A document analyzer that remembers the texts it was asked to analyse. */
function recordingAnalyzer(): { analyzer: DocumentAnalyzer; texts: string[] } {
  const analyzer = new DocumentAnalyzer(strictHost);
  const texts: string[] = [];
  const analyzeText = analyzer.analyze.bind(analyzer);
  analyzer.analyze = (text, options) => (texts.push(text), analyzeText(text, options));
  return { analyzer, texts };
}

/** A warm-up whose steps wait in `queue` until the test runs them. */
function manualWarmUp(minChars: number, pairs: number): { warm: ReanalysisWarmUp; queue: (() => void)[] } {
  const queue: (() => void)[] = [];
  return { warm: new ReanalysisWarmUp({ minChars, pairs, schedule: (step) => queue.push(step) }, (e) => assert.fail(`the warm-up threw: ${String(e)}`)), queue };
}

describe('the re-analysis warm-up of a large document', () => {
  test('it re-analyses the document with a comment added, then as it is, one analysis per step, and leaves it on its own text', () => {
    const { analyzer, texts } = recordingAnalyzer();
    const { warm, queue } = manualWarmUp(1000, 3);
    analyzer.analyze(LARGE);
    warm.analysed('a.py', analyzer, LARGE, {});
    texts.length = 0;
    let steps = 0;
    while (queue.length) {
      queue.shift()!();
      steps++;
      assert.equal(texts.length, steps, 'one analysis per step');
    }
    assert.equal(steps, 6);
    assert.ok(warm.done);
    const edited = texts.filter((_, i) => i % 2 === 0);
    assert.ok(edited.every((t) => t !== LARGE && t.replace('  # ml-notes warm-up', '') === LARGE), 'a comment added, nothing else');
    assert.equal(new Set(edited).size, 3, 'at a different line each time');
    assert.deepEqual(texts.filter((_, i) => i % 2 === 1), [LARGE, LARGE, LARGE]);
    assert.equal(analyzer.lastParse?.text, LARGE);
  });

  test('a request in between is answered as from scratch, and the warm-up goes on with its text', () => {
    const { analyzer, texts } = recordingAnalyzer();
    const { warm, queue } = manualWarmUp(1000, 2);
    analyzer.analyze(LARGE);
    warm.analysed('a.py', analyzer, LARGE, {});
    queue.shift()!(); // the analyzer now stands on the text with the comment
    const typed = LARGE.replace('bias=True', 'bias=False');
    assert.notEqual(typed, LARGE);
    assert.deepEqual(analyzer.analyze(typed).findings, analyze(typed));
    warm.analysed('a.py', analyzer, typed, {});
    texts.length = 0;
    while (queue.length) queue.shift()!();
    assert.equal(texts.length, 3);
    assert.equal(texts[0], typed, 'back to the document\'s new text');
    assert.equal(texts[1].replace('  # ml-notes warm-up', ''), typed);
    assert.equal(analyzer.lastParse?.text, typed);
    assert.deepEqual(analyzer.analyze(typed).findings, analyze(typed));
  });

  test('only once, only for a large document, and no more once that document is closed', () => {
    const { analyzer } = recordingAnalyzer();
    const { warm, queue } = manualWarmUp(1000, 4);
    warm.analysed('small.py', analyzer, TRAIN, {});
    assert.equal(queue.length, 0, 'a small document: no warm-up');
    warm.analysed('a.py', analyzer, LARGE, {});
    assert.equal(queue.length, 1);
    queue.shift()!();
    warm.analysed('b.py', new DocumentAnalyzer(strictHost), LARGE, {});
    assert.equal(queue.length, 1, 'another large document starts no second warm-up');
    warm.forget('a.py');
    queue.shift()!();
    assert.equal(queue.length, 0, 'closed: its steps stop');
    assert.ok(warm.done);
  });

  test('an analysis that throws during the warm-up is reported once and ends it (the worker goes on serving)', () => {
    const queue: (() => void)[] = [];
    const reported: unknown[] = [];
    const warm = new ReanalysisWarmUp({ minChars: 10, pairs: 4, schedule: (step) => queue.push(step) }, (e) => reported.push(e));
    const throwing = { analyze: () => { throw new Error('parser bug'); } } as unknown as DocumentAnalyzer;
    warm.analysed('a.py', throwing, LARGE, {});
    while (queue.length) queue.shift()!();
    assert.equal(reported.length, 1);
    assert.match(String(reported[0]), /parser bug/);
    assert.ok(warm.done);
  });

  test('the comment goes at the end of a line, before a CRLF too', () => {
    assert.equal(withComment('a = 1\r\nb = 2\r\n', 0), 'a = 1  # ml-notes warm-up\r\nb = 2\r\n');
    const text = Array.from({ length: 100 }, (_, i) => `x${i} = ${i}`).join('\n');
    const lines = new Set(Array.from({ length: 12 }, (_, n) => withComment(text, n).split('\n').findIndex((l) => l.endsWith('warm-up'))));
    assert.ok(lines.size >= 10, `spread over the text: ${[...lines].join(', ')}`);
    assert.ok(!lines.has(-1));
  });

  test('in the worker: a large file keeps it busy after its answer (the warm-up), and edits meanwhile are answered as from scratch', async () => {
    const { engine, worker } = startEngine();
    try {
      assert.deepEqual((await engine.analyze('big.py', LARGE, {})).findings, analyze(LARGE));
      const before = worker().performance.eventLoopUtilization();
      await new Promise((r) => setTimeout(r, 200));
      const busy = worker().performance.eventLoopUtilization(worker().performance.eventLoopUtilization(), before).active;
      assert.ok(busy > 20, `the worker worked after its answer, with no request: ${busy} ms`);
      let current = LARGE;
      for (let i = 0; i < 2; i++) {
        current = current.replace('bias=True', 'bias=False');
        assert.deepEqual((await engine.analyze('big.py', current, {})).findings, analyze(current));
      }
    } finally {
      engine.dispose();
    }
  });
});
