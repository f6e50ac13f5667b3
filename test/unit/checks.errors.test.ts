/**
 * Checks that cannot work: each is reported with what is wrong and where in the note (line and column of the note,
 * the block starting at line 10, column 2, inside a list item), and left out; the other checks still compile.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileChecks, type CheckProblem, type CheckSource } from '../../src/core/checks/check';
import { repoRoot } from './helpers';
import { checkSourcesOf } from '../../src/core/checks/index';
import { parseNote } from '../../src/core/notes/parse';
import { ruleIds } from '../../src/core/rules/index';
import { CHECK_COUNT, fiftyChecks } from '../../bench/noteChecks';

const GOOD = 'id: good-check\nmessage: fine\npattern: f($X)\n';

/** Compiles one block (plus a good check after it) at line 10, column 2; returns the problems as "line:col message". */
function problemsOf(yaml: string): string[] {
  const { checks, problems } = compileChecks(
    [
      { file: 'notes/a.md', ref: { slug: 's' }, text: yaml, line: 10, column: 2 },
      { file: 'notes/b.md', ref: { slug: 't' }, text: GOOD, line: 0, column: 0 },
    ],
    new Set(ruleIds),
  );
  assert.ok(checks.some((c) => c.id === 'good-check'), 'the other check still compiles');
  return problems.map(show);
}

function show(p: CheckProblem): string {
  return `${p.range.start.line}:${p.range.start.character} ${p.message.text}`;
}

describe('invalid checks', () => {
  test('a pattern is judged by the grammar alone: statements that need a context (return, yield, await, break) compile', () => {
    for (const pattern of ['return self.relu($X)', 'yield $X', 'await $X', 'break', 'continue', 'nonlocal x', 'from m import *']) {
      assert.deepEqual(problemsOf(`id: x\nmessage: m\npattern: ${pattern}\n`), [], pattern);
    }
    assert.deepEqual(problemsOf('id: x\nmessage: m\npattern: return f(a,, b)\n'), ['12:22 This is not Python: invalid syntax.']);
  });

  test("the bench's 50 checks compile (npm run bench measures them)", () => {
    const { checks, problems } = compileChecks([{ file: 'bench.md', ref: { slug: 'bench' }, text: fiftyChecks(), line: 0, column: 0 }], new Set(ruleIds));
    assert.deepEqual(problems.map(show), []);
    assert.equal(checks.length, CHECK_COUNT);
  });

  test('YAML that does not parse', () => {
    const [p] = problemsOf('id: x\nmessage: [unclosed\npattern: f()\n');
    assert.match(p, /^1[12]:\d+ This block is not valid YAML: /);
  });

  test('an unknown field, at its key', () => {
    assert.deepEqual(problemsOf('id: x\nmessage: m\npattern: f()\npatern: g()\n'), ['13:2 Unknown field “patern”: a check has id, message, pattern, unless, inside, not-inside, severity and fix.']);
  });

  test('missing id, message or pattern; an id that is not lower-case words and dashes; a bad severity', () => {
    assert.deepEqual(problemsOf('message: m\npattern: f()\n'), ['10:2 This check has no “id” (lower-case words and dashes, e.g. “adamw-for-weight-decay”).']);
    assert.deepEqual(problemsOf('id: x\npattern: f()\n'), ['10:6 Check “x” has no “message”.']);
    assert.deepEqual(problemsOf('id: x\nmessage: m\n'), ['10:6 Check “x” has no “pattern”.']);
    assert.deepEqual(problemsOf('id: Bad_Id\nmessage: m\npattern: f()\n'), ['10:6 The id must be lower-case words and dashes, e.g. “adamw-for-weight-decay”.']);
    assert.deepEqual(problemsOf('id: x\nmessage: m\npattern: f()\nseverity: loud\n'), ['13:12 The severity is one of hint, information, warning, error; not “loud”.']);
  });

  test('a pattern or fix that does not parse, at the place in it', () => {
    assert.deepEqual(problemsOf('id: x\nmessage: m\npattern: f(a,, b)\n'), ['12:15 This is not Python: invalid syntax.']);
    // In a block scalar: the line and column of the error inside it.
    assert.deepEqual(problemsOf('id: x\nmessage: m\npattern: |\n  for a in b:\n      f(a +)\nfix: g()\n'), ['14:13 This is not Python: invalid syntax.']);
    assert.deepEqual(problemsOf('id: x\nmessage: m\npattern: f($X)\nfix: g($X\n'), ["13:8 This is not Python: '(' was never closed."]);
    assert.deepEqual(problemsOf('id: x\nmessage: m\npattern: f($x)\n'), ['12:13 A capture is “$” and a name in capitals (“$X”, “$ARGS”, or “$_”) for one expression, “$$$” and a name for a sequence; this is “$x”.']);
    assert.deepEqual(problemsOf('id: x\nmessage: m\npattern: f($$X)\n'), ['12:13 A capture is “$” and a name in capitals (“$X”, “$ARGS”, or “$_”) for one expression, “$$$” and a name for a sequence; this is “$$X”.']);
  });

  test('$$$ where one expression stands, and one name for both kinds', () => {
    assert.deepEqual(problemsOf('id: x\nmessage: m\npattern: $$$A + 1\n'), ['12:11 “$$$A” stands for items of a sequence (arguments, elements, statements, parameters); here it would be one expression: write “$A”.']);
    assert.deepEqual(problemsOf('id: x\nmessage: m\npattern: f($A, $$$A)\n'), ['12:17 “$A” and “$$$A” are one name used for one item and for a sequence: give them different names.']);
  });

  test('a capture in the fix or the message that the pattern does not bind', () => {
    assert.deepEqual(problemsOf('id: x\nmessage: m\npattern: f($X)\nfix: g($Y)\n'), ['13:7 The fix uses “$Y”, which the pattern does not capture.']);
    assert.deepEqual(problemsOf('id: x\nmessage: "uses $Y"\npattern: f($X)\n'), ['11:11 The message uses “$Y”, which the pattern does not capture.']);
    // Every alternative of `any:` must bind it.
    assert.deepEqual(problemsOf('id: x\nmessage: m\npattern:\n  any: ["f($X)", "g()"]\nfix: h($X)\n'), ['14:7 The fix uses “$X”, which the pattern does not capture.']);
    assert.deepEqual(problemsOf('id: x\nmessage: m\npattern: f($X, $_)\nfix: g($_)\n'), ['13:7 A fix cannot use “$_” or “$$$_”: they capture nothing. Name the capture in the pattern.']);
  });

  test('a duplicate id (the later one), and the id of a built-in rule', () => {
    const { problems } = compileChecks(
      [
        { file: 'notes/a.md', ref: { slug: 's' }, text: '- id: same\n  message: m\n  pattern: f()\n- id: same\n  message: m\n  pattern: g()\n', line: 3, column: 0 },
        { file: 'notes/b.md', ref: { slug: 't' }, text: 'id: lr-warmup\nmessage: m\npattern: f()\n', line: 0, column: 0 },
      ],
      new Set(ruleIds),
    );
    assert.deepEqual(problems.map(show), ['6:6 The id “same” is already used by a check at a.md:4: ids must be unique across your notes.', '0:4 “lr-warmup” is the id of a built-in rule: choose another id.']);
    assert.deepEqual(problems.map((p) => p.file), ['notes/a.md', 'notes/b.md']);
  });

  test('an empty block and a block that is not a mapping', () => {
    assert.deepEqual(problemsOf(''), ['10:2 This check block is empty: write a check (id, message, pattern) in YAML.']);
    assert.deepEqual(problemsOf('- just text\n'), ['10:4 A check is a mapping of fields (id, message, pattern…), not this.']);
  });

  test('checks are data: a YAML tag or anchor runs nothing and is only text', () => {
    const r = compileChecks([{ file: 'a.md', ref: { slug: 's' }, text: 'id: x\nmessage: !!js/function "function(){}"\npattern: f()\n', line: 0, column: 0 }], new Set());
    assert.equal(r.checks.length + r.problems.length, 1);
  });

  test('blocks come from the notes with their section, point and place', () => {
    const md = '# Optimizers\n\n## AdamW\n\nText.\n\n```ml-notes-check\nid: a\nmessage: m\npattern: f()\n```\n\n- first\n- second\n\n  ```ml-notes-check\n  id: b\n  message: m\n  pattern: |\n    g(\n  ```\n';
    const sources = checkSourcesOf([parseNote(md, 'file:///n.md')]);
    assert.deepEqual(
      sources.map((s) => [s.ref, s.line, s.column]),
      [
        [{ slug: 'adamw' }, 7, 0],
        [{ slug: 'adamw', point: 2 }, 16, 2],
      ],
    );
    const { checks, problems } = compileChecks(sources, new Set());
    assert.deepEqual(checks.map((c) => [c.id, c.ref]), [['a', { slug: 'adamw', file: 'file:///n.md' }]]);
    // At the end of the unclosed call.
    assert.deepEqual(problems.map(show), ["19:5 This is not Python: '(' was never closed."]);
  });
});

test('the checks the README shows compile as written', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8').split('\n');
  const sources: CheckSource[] = [];
  for (let i = 0; i < readme.length; i++) {
    if (readme[i].trim() !== '```ml-notes-check') continue;
    const start = i + 1;
    while (readme[++i].trim() !== '```');
    sources.push({ file: 'README.md', ref: { slug: 'checks-in-your-notes' }, text: readme.slice(start, i).join('\n'), line: start, column: 0 });
  }
  const { checks, problems } = compileChecks(sources, new Set(ruleIds));
  assert.deepEqual(problems.map(show), []);
  assert.deepEqual(checks.map((c) => c.id), ['adamw-for-weight-decay', 'torch-load-weights-only', 'eval-mode-for-validation', 'item-in-forward']);
});
