import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, DocumentAnalyzer, strictHost } from '../../src/core/rules/index';
import { lintText, fixText } from '../../src/core/lint';
import { lexicalScan } from '../../src/core/python/lexical';
import { parsePython } from '../../src/core/python/parse';
import { ignoreInFileFix, ignoreOnLineFix, parseSuppressions, SuppressionFixes } from '../../src/core/rules/suppressions';
import { applyEdits } from '../../src/core/text';
import type { Finding } from '../../src/core/rules/types';
import { main } from '../../src/cli/main';
import { tempTree } from './helpers';
import * as fs from 'node:fs';

const HEAD = 'import torch.nn as nn\n';
const CONV = 'nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))';
const ROI = 'from torchvision.ops import roi_align\nr = roi_align(x, boxes, 7)\n';

const rules = (text: string) => analyze(text).map((f) => `${f.range.start.line + 1}:${f.rule}`);

test('# ml-notes: ignore[id] drops that rule\'s finding on its line only; several ids, spaces allowed', () => {
  const text = `${HEAD}${ROI}a = ${CONV}  # ml-notes: ignore[conv-bias-before-batchnorm]\nb = ${CONV}\nc = ${CONV}  # ml-notes: ignore[ unpadded-conv-before-roi ,conv-bias-before-batchnorm ]\n`;
  assert.deepEqual(rules(text), ['4:unpadded-conv-before-roi', '5:conv-bias-before-batchnorm', '5:unpadded-conv-before-roi']);
});

test('# ml-notes: ignore (no ids) drops every rule on its line; other comments on the line are kept apart', () => {
  const text = `${HEAD}${ROI}a = ${CONV}  # type: ignore  # ml-notes: ignore\nb = ${CONV}  # noqa: E501 # ml-notes: ignore[lr-warmup]\n`;
  assert.deepEqual(rules(text), ['5:conv-bias-before-batchnorm', '5:unpadded-conv-before-roi']);
});

test('a # inside a string is not a comment, and look-alikes are not directives', () => {
  const text = `${HEAD}a = ${CONV}; s = "# ml-notes: ignore"\nb = ${CONV}  # ml-notes: ignored\nc = ${CONV}  # ml-notes: ignore[\nd = ${CONV}  # ml-notes:ignore[conv-bias-before-batchnorm]\ne = ${CONV}  # noqa\n`;
  assert.deepEqual(rules(text), ['2:conv-bias-before-batchnorm', '3:conv-bias-before-batchnorm', '4:conv-bias-before-batchnorm', '6:conv-bias-before-batchnorm']);
});

test('# ml-notes: ignore-file[id] before the first statement (after a docstring too) drops the rule in the whole file', () => {
  const body = `${HEAD}${ROI}a = ${CONV}\nb = ${CONV}\n`;
  assert.deepEqual(rules(`#!/usr/bin/env python\n# ml-notes: ignore-file[conv-bias-before-batchnorm]\n${body}`), ['6:unpadded-conv-before-roi', '7:unpadded-conv-before-roi']);
  assert.deepEqual(rules(`"""Module doc."""\n# ml-notes: ignore-file[conv-bias-before-batchnorm, unpadded-conv-before-roi]\n${body}`), []);
  assert.deepEqual(rules(`# ml-notes: ignore-file\n${body}`), [], 'every rule');
  // After the first statement it does nothing.
  assert.equal(rules(`${HEAD}# ml-notes: ignore-file[conv-bias-before-batchnorm]\n${ROI}a = ${CONV}\n`).filter((r) => r.endsWith('batchnorm')).length, 1);
});

test('the editor\'s incremental analysis and the CLI\'s lint drop the same findings', () => {
  const text = `${HEAD}class A(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.m = ${CONV}  # ml-notes: ignore[conv-bias-before-batchnorm]\n        self.n = ${CONV}\n`;
  const doc = new DocumentAnalyzer(strictHost);
  const first = doc.analyze(text).findings.map((f) => f.range.start.line);
  assert.deepEqual(first, [5]);
  // Edit another line: the unit is re-analysed and the suppression still holds.
  const edited = text.replace('super().__init__()', 'super().__init__()  # init');
  assert.deepEqual(doc.analyze(edited).findings.map((f) => f.range.start.line), [5]);
  assert.deepEqual(lintText(edited).findings.map((f) => f.range.start.line), [5]);
  // --fix leaves the suppressed finding alone.
  const fixed = fixText(edited).output;
  assert.match(fixed, /self\.m = nn\.Sequential\(nn\.Conv2d\(3, 8, 3\), nn\.BatchNorm2d\(8\)\)  # ml-notes: ignore/);
  assert.match(fixed, /self\.n = nn\.Sequential\(nn\.Conv2d\(3, 8, 3, bias=False\)/);
});

test('notebook cells: a suppression applies to the line of its cell', async () => {
  const dir = tempTree({
    'nb.ipynb': JSON.stringify({
      cells: [
        { cell_type: 'code', source: [HEAD] },
        { cell_type: 'code', source: [`a = ${CONV}  # ml-notes: ignore[conv-bias-before-batchnorm]\n`, `b = ${CONV}\n`] },
      ],
      metadata: { language_info: { name: 'python' } },
      nbformat: 4,
      nbformat_minor: 5,
    }),
  });
  const out: string[] = [];
  await main(['lint', 'nb.ipynb'], { out: (s) => out.push(s), err: () => undefined, cwd: dir });
  assert.deepEqual(out.map((l) => l.split(': ')[0].replace(/:\d+$/, '')), ['nb.ipynb#cell2:2'], 'the second line of cell 2 only');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('unused suppressions: an id that silences nothing, an unknown id, a blanket ignore with no finding, a misplaced ignore-file; a rule turned off is not reported', () => {
  const text = `${HEAD}x = 1\n# ml-notes: ignore-file[conv-bias-before-batchnorm]\na = ${CONV}  # ml-notes: ignore[conv-bias-before-batchnorm, lr-warmup, no-such-rule]\ny = 2  # ml-notes: ignore\nz = 3  # ml-notes: ignore[segmentation-head-3x3-classifier]\n`;
  const r = lintText(text, { severities: { 'segmentation-head-3x3-classifier': 'off' } });
  assert.deepEqual(r.findings.map((f) => f.rule), []);
  const lines = text.split('\n');
  const col = (line: number, what: string) => `${line}:${lines[line - 1].indexOf(what) + 1}`;
  assert.deepEqual(
    r.unusedSuppressions.map((u) => `${u.range.start.line + 1}:${u.range.start.character + 1} ${u.message}`),
    [
      `${col(3, '# ml-notes')} ml-notes: ignore-file has no effect here: it must be in a comment line before the first statement`,
      `${col(4, 'lr-warmup')} unused suppression: no lr-warmup finding on this line`,
      `${col(4, 'no-such-rule')} unknown rule "no-such-rule" in a suppression`,
      `${col(5, '# ml-notes')} unused suppression: no finding on this line`,
    ],
  );
});

test('ml-notes lint --report-unused-ignores: unused suppressions are findings (exit 1), in every format', async () => {
  const dir = tempTree({ 'm.py': `${HEAD}a = ${CONV}  # ml-notes: ignore[conv-bias-before-batchnorm]\nb = 1  # ml-notes: ignore[lr-warmup]\n` });
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const code = await main(['lint', '.', ...args], { out: (s) => out.push(s), err: () => undefined, cwd: dir });
    return { code, out };
  };
  assert.equal((await run()).code, 0, 'without the flag the file is clean');
  const r = await run('--report-unused-ignores');
  assert.equal(r.code, 1);
  assert.deepEqual(r.out, ['m.py:3:27: unused-suppression unused suppression: no lr-warmup finding on this line'], 'at the id that silences nothing');
  const gh = await run('--report-unused-ignores', '--format', 'github');
  assert.match(gh.out[0], /^::warning file=m\.py,line=3,col=27,endLine=3,endColumn=36,title=unused-suppression::/);
  const sarif = JSON.parse((await run('--report-unused-ignores', '--format', 'sarif')).out.join('')) as { runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; ruleIndex: number }[] }[] };
  const ids = sarif.runs[0].tool.driver.rules.map((x) => x.id);
  assert.equal(ids[sarif.runs[0].results[0].ruleIndex], 'unused-suppression');
  fs.rmSync(dir, { recursive: true, force: true });
});

function finding(text: string, rule = 'conv-bias-before-batchnorm'): Finding {
  const f = analyze(text).find((x) => x.rule === rule);
  assert.ok(f, `a ${rule} finding`);
  return f;
}

test('"Ignore on this line": appended after the code, after an existing comment (kept), or added to the directive there', () => {
  const apply = (text: string) => {
    const fix = ignoreOnLineFix(text, lexicalScan(text), finding(text));
    assert.ok(fix);
    const out = applyEdits(text, fix.edits);
    assert.deepEqual(analyze(out).filter((f) => f.rule === 'conv-bias-before-batchnorm'), [], 'the finding is gone');
    return out;
  };
  assert.equal(apply(`${HEAD}a = ${CONV}   \n`), `${HEAD}a = ${CONV}  # ml-notes: ignore[conv-bias-before-batchnorm]   \n`);
  assert.equal(apply(`${HEAD}a = ${CONV}  # the stem\n`), `${HEAD}a = ${CONV}  # the stem  # ml-notes: ignore[conv-bias-before-batchnorm]\n`);
  assert.equal(apply(`${HEAD}a = ${CONV}  # ml-notes: ignore[lr-warmup]\n`), `${HEAD}a = ${CONV}  # ml-notes: ignore[lr-warmup, conv-bias-before-batchnorm]\n`);
  assert.equal(apply(`${HEAD}a = nn.Sequential(  # layers\n    nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n`), `${HEAD}a = nn.Sequential(  # layers\n    nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))  # ml-notes: ignore[conv-bias-before-batchnorm]\n`);
});

test('"Ignore on this line" is not offered where a comment cannot go: a backslash continuation', () => {
  const text = `${HEAD}a = nn.Sequential(nn.Conv2d(3, 8, 3), \\\n    nn.BatchNorm2d(8))\n`;
  assert.equal(ignoreOnLineFix(text, lexicalScan(text), finding(text)), undefined);
});

test('"Ignore in this file": a comment line at the top (after a shebang and an encoding line), or the id added to the one there', () => {
  const apply = (text: string) => {
    const fix = ignoreInFileFix(text, lexicalScan(text), finding(text));
    const out = applyEdits(text, fix.edits);
    assert.deepEqual(analyze(out).filter((f) => f.rule === 'conv-bias-before-batchnorm'), [], 'the finding is gone');
    return out;
  };
  assert.equal(apply(`${HEAD}a = ${CONV}\n`), `# ml-notes: ignore-file[conv-bias-before-batchnorm]\n${HEAD}a = ${CONV}\n`);
  assert.equal(apply(`#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n${HEAD}a = ${CONV}\n`), `#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# ml-notes: ignore-file[conv-bias-before-batchnorm]\n${HEAD}a = ${CONV}\n`);
  assert.equal(apply(`# ml-notes: ignore-file[lr-warmup]\n${HEAD}a = ${CONV}\n`), `# ml-notes: ignore-file[lr-warmup, conv-bias-before-batchnorm]\n${HEAD}a = ${CONV}\n`);
  assert.equal(apply(`${HEAD}a = ${CONV}`.replace(/\n/g, '\r\n')), `# ml-notes: ignore-file[conv-bias-before-batchnorm]\r\n${HEAD}a = ${CONV}`.replace(/\n(?!$)/g, '\r\n').replace(/\r\r/g, '\r'));
});

test('parseSuppressions reads the tokenizer\'s comments: ids with their positions', () => {
  const text = `${HEAD}a = 1  # ml-notes: ignore[x,  y]\n`;
  const p = parsePython(text);
  const [s] = parseSuppressions(text, p.module.comments, p.module.body);
  assert.equal(s.kind, 'line');
  assert.deepEqual(s.ids.map((i) => [i.id, text.slice(i.from, i.to)]), [['x', 'x'], ['y', 'y']]);
});

test('code actions on an unchanged document do not scan it again: one scan per text of a document, the same fixes', () => {
  const scanned: string[] = [];
  const fixes = new SuppressionFixes((text) => {
    scanned.push(text);
    return lexicalScan(text);
  });
  const text = `${HEAD}a = ${CONV}  # the stem\nb = ${CONV}\n`;
  const [first, second] = analyze(text).filter((f) => f.rule === 'conv-bias-before-batchnorm');
  const asked = fixes.fixesFor('file:///m.py', text, first);
  assert.deepEqual(asked, [ignoreOnLineFix(text, lexicalScan(text), first), ignoreInFileFix(text, lexicalScan(text), first)]);
  // The cursor moves over the same finding, then over another one of the same text (a text equal, not the same string).
  fixes.fixesFor('file:///m.py', text, first);
  fixes.fixesFor('file:///m.py', `${text}`.slice(0), second);
  fixes.fixesFor('file:///m.py', [HEAD, `a = ${CONV}  # the stem\n`, `b = ${CONV}\n`].join(''), second);
  assert.equal(scanned.length, 1, 'scanned once');
  // Another document is scanned for itself, and keeps the first one's scan; an edit is scanned again.
  const other = `${HEAD}c = ${CONV}\n`;
  fixes.fixesFor('file:///n.py', other, finding(other));
  fixes.fixesFor('file:///m.py', text, first);
  assert.equal(scanned.length, 2);
  const edited = `${text}d = 1\n`;
  const line = fixes.fixesFor('file:///m.py', edited, first);
  assert.equal(scanned.length, 3);
  assert.equal(applyEdits(edited, line[0].edits), `${HEAD}a = ${CONV}  # the stem  # ml-notes: ignore[conv-bias-before-batchnorm]\nb = ${CONV}\nd = 1\n`);
  // Where no comment can go on the line, only "Ignore in this file" is offered.
  const continued = `${HEAD}a = nn.Sequential(nn.Conv2d(3, 8, 3), \\\n    nn.BatchNorm2d(8))\n`;
  assert.deepEqual(fixes.fixesFor('file:///m.py', continued, finding(continued)).map((f) => f.title), ['Ignore conv-bias-before-batchnorm in this file']);
});
