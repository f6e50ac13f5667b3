/**
 * Property tests of note check patterns, on the rule fixtures and the demo's Python: a pattern drawn from a file (an
 * expression or a statement of it, some of its parts replaced by `$X`, `$_` or `$$$_`) matches the code it was drawn
 * from; and patterns drawn from one file run over every other file without throwing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from './fc';
import { fixturesDir, repoRoot } from './helpers';
import { compileChecks } from '../../src/core/checks/check';
import { checkMatches, withChecks } from '../../src/core/checks/index';
import { compilePattern } from '../../src/core/checks/pattern';
import { forEachChild, type Expr, type Stmt } from '../../src/core/python/ast';
import { parsePython } from '../../src/core/python/parse';
import { walkModule } from '../../src/core/python/walk';
import { DocumentAnalyzer, rethrow, strictHost } from '../../src/core/rules/index';
import { LineIndex } from '../../src/core/text';

const files: string[] = [];
// (Sorted: the order a directory lists its files in is the file system's, and the properties draw from this list.)
for (const rule of readdirSync(join(fixturesDir, 'rules')).sort()) {
  if (!rule.includes('-')) continue;
  const dir = join(fixturesDir, 'rules', rule);
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.py')) files.push(readFileSync(join(dir, f), 'utf8'));
}
for (const f of ['pytorch/detector.py', 'pytorch/train.py', 'pytorch/finetune.py', 'keras/segmentation.py']) files.push(readFileSync(join(repoRoot, 'demo', f), 'utf8'));

interface Node {
  from: number;
  to: number;
  /** Expressions inside it (the candidates for captures), and the calls (for `$$$_` arguments). */
  parts: Expr[];
  calls: Expr[];
  /** An expression (not a statement). */
  expr: boolean;
}

/** The expressions and statements of a file that parse cleanly, as places to draw patterns from. */
function nodesOf(text: string): Node[] {
  const parsed = parsePython(text);
  const out: Node[] = [];
  const collect = (e: Expr, parts: Expr[], calls: Expr[]) => {
    forEachChild(e, (c) => {
      parts.push(c);
      if (c.kind === 'call') calls.push(c);
      collect(c, parts, calls);
    });
  };
  walkModule(parsed.module.body, {
    expr: (e) => {
      const parts: Expr[] = [];
      const calls: Expr[] = e.kind === 'call' ? [e] : [];
      collect(e, parts, calls);
      out.push({ from: e.from, to: e.to, parts, calls, expr: true });
    },
    stmt: (s: Stmt) => {
      const parts: Expr[] = [];
      const calls: Expr[] = [];
      walkModule([s], { expr: (e) => (parts.push(e), e.kind === 'call' && calls.push(e)) });
      out.push({ from: s.from, to: s.to, parts, calls, expr: false });
    },
  });
  const errors = parsed.module.errors;
  // A string over several lines keeps its lines' indentation: a pattern drawn from a statement holding one is dedented
  // (see dedent), which would change the string's value.
  const multiline: Expr[] = [];
  walkModule(parsed.module.body, { expr: (e) => void (e.kind === 'string' && text.slice(e.from, e.to).includes('\n') && multiline.push(e)) });
  return out.filter((n) => n.to > n.from && !errors.some((e) => e.from < n.to + 1 && n.from <= e.to) && !multiline.some((m) => n.from <= m.from && m.to <= n.to));
}

const drawn = files.map(nodesOf);

/** A statement's source lines after the first, without the first line's indentation (undefined when one has less). */
function dedent(text: string, from: number, to: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', from - 1) + 1;
  const indent = from - lineStart;
  const lines = text.slice(from, to).replace(/\s+$/, '').split('\n');
  const out = [lines[0]];
  for (const l of lines.slice(1)) {
    if (l.trim() === '') out.push('');
    else if (l.slice(0, indent).trim() !== '') return undefined;
    else out.push(l.slice(indent));
  }
  return out.join('\n');
}

/** The node's text with some parts replaced: by distinct `$Pn` captures, `$_`, or a call's arguments by `$$$_`. */
function patternFrom(text: string, node: Node, picks: number[], wildcardArgs: boolean): string | undefined {
  const repl: { from: number; to: number; text: string }[] = [];
  const taken = (a: { from: number; to: number }) => repl.some((r) => a.from < r.to && r.from < a.to);
  if (wildcardArgs && node.calls.length) {
    const call = node.calls[(picks[0] ?? 0) % node.calls.length] as Extract<Expr, { kind: 'call' }>;
    if (call.complete && call.closeParen - 1 > call.openParen + 1) repl.push({ from: call.openParen + 1, to: call.closeParen - 1, text: '$$$_' });
  }
  picks.forEach((p, i) => {
    const part = node.parts[p % Math.max(1, node.parts.length)];
    // `$X` is one expression, never a starred item (`f($X)` does not match `f(*args)`): those are not drawn.
    if (!part || part.kind === 'starred' || taken(part) || part.from < node.from || part.to > node.to) return;
    repl.push({ from: part.from, to: part.to, text: i % 3 === 2 ? '$_' : `$P${i}` });
  });
  let out = text.slice(node.from, node.to);
  for (const r of [...repl].sort((a, b) => b.from - a.from)) out = out.slice(0, r.from - node.from) + r.text + out.slice(r.to - node.from);
  // An expression over several lines continues them inside the brackets around it in the file: on its own, the pattern
  // needs brackets of its own to stay one expression (`[a]\n+ [b]` alone is two statements).
  if (node.expr && out.includes('\n')) out = `(${out})`;
  const whole = text.slice(0, node.from) + out;
  return dedent(whole, node.from, whole.length);
}

function yamlOf(pattern: string): string {
  return `id: drawn\nmessage: m\npattern: |\n${pattern.split('\n').map((l) => `  ${l}`).join('\n')}\n`;
}

test('a pattern drawn from a file matches the code it was drawn from', () => {
  let compiled = 0;
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.array(fc.nat(), { maxLength: 4 }), fc.boolean(), (fi, ni, picks, wildcard) => {
      const f = fi % files.length;
      const nodes = drawn[f];
      if (!nodes.length) return;
      const node = nodes[ni % nodes.length];
      const text = files[f];
      const pattern = patternFrom(text, node, picks, wildcard);
      if (pattern === undefined || !compilePattern(pattern).pattern) return;
      const { checks, problems } = compileChecks([{ file: 'n.md', ref: { slug: 's' }, text: yamlOf(pattern), line: 0, column: 0 }], new Set());
      assert.deepEqual(problems.map((p) => p.message.text), []);
      compiled++;
      const index = new LineIndex(text);
      const starts = checkMatches(checks, text, rethrow).map((m) => index.offsetAt(m.range.start));
      assert.ok(starts.includes(node.from), `pattern:\n${pattern}\n\nnot found at offset ${node.from} (found at ${starts.join(', ') || 'nothing'})`);
    }),
    { numRuns: 1500 },
  );
  assert.ok(compiled > 1000, `${compiled} of 1500 drawn patterns compiled`);
});

test('patterns drawn from one file, run over every file: the matcher never throws', () => {
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.array(fc.nat(), { maxLength: 3 }), fc.boolean(), fc.nat(), (fi, ni, picks, wildcard, gi) => {
      const f = fi % files.length;
      const nodes = drawn[f];
      if (!nodes.length) return;
      const pattern = patternFrom(files[f], nodes[ni % nodes.length], picks, wildcard);
      if (pattern === undefined) return;
      const { checks } = compileChecks([{ file: 'n.md', ref: { slug: 's' }, text: yamlOf(pattern), line: 0, column: 0 }], new Set());
      if (!checks.length) return;
      checkMatches(checks, files[gi % files.length], rethrow);
    }),
    { numRuns: 300 },
  );
});

test('with note checks, re-analysing an edited document gives the findings of a fresh analysis', () => {
  fc.assert(
    fc.property(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.array(fc.nat(), { maxLength: 3 }), fc.boolean()), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), (fi, draws, lines) => {
      const yaml: string[] = [];
      draws.forEach(([df, dn, picks, wildcard], k) => {
        const f = df % files.length;
        if (!drawn[f].length) return;
        const pattern = patternFrom(files[f], drawn[f][dn % drawn[f].length], picks, wildcard);
        if (pattern !== undefined) yaml.push(yamlOf(pattern).replace('id: drawn', `id: drawn-${k}`));
      });
      const { host } = withChecks(strictHost, yaml.map((text, i) => ({ file: 'n.md', ref: { slug: `s${i}` }, text, line: 0, column: 0 })));
      const doc = new DocumentAnalyzer(host);
      let text = files[fi % files.length];
      doc.analyze(text);
      for (const l of lines) {
        const ls = text.split('\n');
        const i = l % ls.length;
        if (!ls[i].trim() || ls[i].includes('"""') || ls[i].trimEnd().endsWith('\\')) continue;
        ls[i] = `${ls[i]}  # edited`;
        text = ls.join('\n');
        const got = doc.analyze(text).findings;
        if (!doc.lastParse!.module.errors.length) assert.deepEqual(got, host.analyze(text));
      }
    }),
    { numRuns: 150 },
  );
});
