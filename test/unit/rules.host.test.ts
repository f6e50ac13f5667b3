/**
 * The rule host: rules declare what the host needs (scope, whole-file facts, extra actions) and the host knows none
 * by name; a rule that throws is reported to the reporter the host was given, and the other rules still report.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, analyzeParsed, builtinHost, DocumentAnalyzer, RuleHost, rules, strictHost, type Rule } from '../../src/core/rules/index';
import { msg } from '../../src/core/message';
import { runLint } from '../../src/cli/lint';
import { fixText, lintText } from '../../src/core/lint';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir, repoRoot } from './helpers';

const CONV_BN = 'import torch.nn as nn\nconv = nn.Conv2d(3, 8, 3)\nbn = nn.BatchNorm2d(8)\nnet = nn.Sequential(conv, bn)\n';

/** A rule that throws on every file. */
const broken: Rule = {
  meta: { id: 'always-throws', noteRef: { slug: 'x' }, defaultSeverity: 'warning', fixable: false, description: 'A rule with a bug in it.' },
  check() {
    throw new TypeError('cannot read properties of undefined');
  },
};

/** Reports each `print(...)` call (a per-place rule looks only where the host focuses it). */
function printRule(scope: 'unit' | 'file'): Rule {
  return {
    meta: { id: 'no-print', noteRef: { slug: 'printing' }, defaultSeverity: 'hint', fixable: false, description: 'Calls to print.', scope },
    check(ctx) {
      return ctx.model.module.calls
        .filter((c) => c.func.kind === 'name' && c.func.id === 'print' && (scope === 'file' || ctx.inFocus(c.from)))
        .map((c) => ({ span: c, message: msg('A print call.'), fixes: [] }));
    },
    actionsAt(ctx, offset) {
      const call = ctx.model.module.calls.find((c) => c.from <= offset && offset <= c.to && c.func.kind === 'name' && c.func.id === 'len');
      return call ? [{ title: msg('Wrap in int()'), edits: [{ from: call.from, to: call.from, text: 'int(' }, { from: call.to, to: call.to, text: ')' }] }] : [];
    },
  };
}

describe('rule host', () => {
  test('a rule that throws is reported once per run with its id, and the other rules still report', () => {
    const reported: string[] = [];
    const host = builtinHost((id, e) => reported.push(`${id}: ${(e as Error).message}`)).with([broken]);
    const found = host.analyze(CONV_BN);
    assert.deepEqual(found.map((f) => f.rule), ['conv-bias-before-batchnorm']);
    assert.deepEqual(reported, ['always-throws: cannot read properties of undefined']);
  });

  test('the strict host (what `analyze` runs) rethrows, naming the rule', () => {
    assert.throws(() => strictHost.with([broken]).analyze(CONV_BN), /Rule always-throws failed: cannot read properties/);
  });

  test('extending a host keeps its rules and reporter and changes its cache key; ids must be unique', () => {
    const reported: string[] = [];
    const base = builtinHost((id) => reported.push(id));
    const extended = base.with([printRule('unit')]);
    assert.deepEqual(extended.ids, [...rules.map((r) => r.meta.id), 'no-print']);
    assert.notEqual(extended.key, base.key);
    assert.equal(extended.byId('no-print')?.meta.id, 'no-print');
    assert.equal(base.byId('no-print'), undefined);
    assert.throws(() => extended.with([printRule('unit')]), /Two rules with the id no-print/);
    assert.deepEqual(
      extended.analyze('print(1)\n', { only: ['no-print'], severities: { 'no-print': 'error' } }).map((f) => [f.rule, f.severity, f.range.start.line]),
      [['no-print', 'error', 0]],
    );
  });

  test('a document analyzer follows a replaced host: new rules apply without new text', () => {
    const doc = new DocumentAnalyzer(strictHost);
    const text = 'def f():\n    print(1)\n';
    assert.deepEqual(doc.analyze(text).findings, []);
    doc.host = strictHost.with([printRule('unit')]);
    assert.deepEqual(doc.analyze(text).findings.map((f) => f.rule), ['no-print']);
  });

  test('the calls in focus are the calls at offsets in focus, in order: all of them at first, fewer after an edit', () => {
    const seen: { focus: number; all: number; same: boolean }[] = [];
    const probe: Rule = {
      meta: { id: 'calls-in-focus', noteRef: { slug: 'x' }, defaultSeverity: 'hint', fixable: false, description: 'Looks at the calls in focus.' },
      check(ctx) {
        const calls = ctx.callsInFocus();
        const filtered = ctx.model.module.calls.filter((c) => ctx.inFocus(c.from));
        seen.push({ focus: calls.length, all: ctx.model.module.calls.length, same: calls.length === filtered.length && calls.every((c, i) => c === filtered[i]) });
        return [];
      },
    };
    const doc = new DocumentAnalyzer(strictHost.with([probe]));
    const fn = (name: string, body: string) => `def ${name}(x):\n    y = len(str(x))\n    ${body}\n    return print(y)\n`;
    const versions = [
      ['setup(1)', fn('f', 'abs(x)'), fn('g', 'abs(x)'), fn('h', 'abs(x)'), 'main(f(2))'],
      ['setup(1)', fn('f', 'abs(x)'), fn('g', 'abs(x)  # edited'), fn('h', 'abs(x)'), 'main(f(2))'],
      ['setup(1)', fn('f', 'abs(x)'), fn('g', 'abs(x)  # edited'), fn('h', 'abs(x, 3)'), 'main(f(2))'],
    ].map((blocks) => blocks.join('\n\n'));
    for (const text of versions) doc.analyze(text);
    assert.equal(seen.length, versions.length);
    assert.ok(seen.every((s) => s.same), JSON.stringify(seen));
    assert.equal(seen[0].focus, seen[0].all);
    assert.ok(seen.slice(1).every((s) => s.focus < s.all), JSON.stringify(seen));
  });

  test('unit-scoped findings are reused for unchanged functions; file-scoped ones are recomputed', () => {
    const text = 'def f():\n    print(1)\n\ndef g():\n    return 2\n';
    const edited = text.replace('return 2', 'return 3');
    for (const scope of ['unit', 'file'] as const) {
      const host = new RuleHost([printRule(scope)], () => assert.fail('no rule throws'));
      const doc = new DocumentAnalyzer(host);
      const first = doc.analyze(text).findings;
      const second = doc.analyze(edited).findings;
      assert.deepEqual(second, first, `${scope}: same findings after an edit elsewhere`);
      assert.deepEqual(second, host.analyze(edited), `${scope}: those of a fresh analysis`);
    }
  });

  test('a function is analysed again when another definition of its name comes or goes (which one a call resolves to)', () => {
    // Mlp calls plain(normalize=False): no finding in plain. A line `def plain(...):` left above it (a header without
    // a body) changes what the call resolves to, though plain's own text, its callers' and the module body are unchanged.
    const text = readFileSync(join(fixturesDir, 'rules', 'conv-bias-before-batchnorm', 'list_helpers.py'), 'utf8');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('def plain('));
    const doubled = [...lines.slice(0, at), lines[at], ...lines.slice(at)].join('\n');
    const twice = text.replace(/\ndef plain\([\s\S]*?\n(?=\S)/, (m) => m + m.slice(1) + '\n');
    assert.notEqual(twice, text);
    const doc = new DocumentAnalyzer(strictHost);
    for (const t of [text, doubled, text, twice, doubled, twice, text]) {
      const got = doc.analyze(t).findings;
      assert.deepEqual(got, analyzeParsed(doc.lastParse!), 'the same findings as analysing the same parse in full');
      if (!doc.lastParse!.module.errors.length) assert.deepEqual(got, analyze(t));
    }
  });

  test("a rule's whole-file facts (fileKey) re-analyse unchanged units when they change", () => {
    // The rule reports prints only in files that define `DEBUG` at module level: a fact outside the unit.
    const gated: Rule = {
      ...printRule('unit'),
      fileKey: (model) => (model.moduleScope.bindings.has('DEBUG') ? 'debug' : ''),
      check(ctx) {
        if (!ctx.model.moduleScope.bindings.has('DEBUG')) return [];
        return printRule('unit').check(ctx);
      },
    };
    const host = new RuleHost([gated], () => assert.fail('no rule throws'));
    const doc = new DocumentAnalyzer(host);
    const text = 'def f():\n    print(1)\n';
    assert.deepEqual(doc.analyze(text).findings, []);
    const withDebug = `DEBUG = True\n${text}`;
    assert.deepEqual(doc.analyze(withDebug).findings.map((f) => f.range.start.line), [2]);
    assert.deepEqual(doc.analyze(text).findings, []);
  });

  test("rules' extra actions at a position, with their rule; none from a rule turned off", () => {
    const host = new RuleHost([printRule('unit')], () => assert.fail('no rule throws'));
    const text = 'n = len(xs)\n';
    const actions = host.actionsAt(text, { line: 0, character: 6 });
    assert.deepEqual(actions.map((a) => [a.rule, a.fix.title]), [['no-print', 'Wrap in int()']]);
    assert.deepEqual(host.actionsAt(text, { line: 0, character: 0 }), []);
    assert.deepEqual(host.actionsAt(text, { line: 0, character: 6 }, { severities: { 'no-print': 'off' } }), []);
    // Past the end of the text: nothing, and nothing thrown.
    assert.deepEqual(host.actionsAt(text, { line: 40, character: 99 }), []);
  });

  test('lint and fix run the host they are given', () => {
    const reported: string[] = [];
    const host = builtinHost((id) => reported.push(id)).with([broken]);
    assert.equal(lintText(CONV_BN, {}, host).findings.length, 1);
    const fixed = fixText(CONV_BN, {}, undefined, host);
    assert.equal(fixed.applied.length, 1);
    assert.ok(reported.length >= 2 && reported.every((id) => id === 'always-throws'));
    assert.deepEqual(analyze(fixed.output), []);
  });

  test('ml-notes lint names a failing rule on stderr with the file, still prints the findings, and exits 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runLint({ paths: ['demo/pytorch/detector.py'], format: 'text', fix: false, rules: [], notes: [], bundled: true }, { out: (s) => out.push(s), err: (s) => err.push(s), cwd: repoRoot }, (report) =>
      builtinHost(report).with([broken]),
    );
    assert.equal(code, 2);
    assert.match(err.join('\n'), /^ml-notes lint: demo\/pytorch\/detector\.py: rule always-throws failed: TypeError: cannot read properties of undefined/m);
    assert.ok(out.some((l) => l.includes('conv-bias-before-batchnorm')));
  });
});
