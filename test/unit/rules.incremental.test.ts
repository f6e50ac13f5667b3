/**
 * The re-analysis of edited documents (DocumentAnalyzer: the unit cache, the scopes and call targets kept per
 * top-level statement) gives what a fresh analysis of each version gives, in the cases where something kept could go
 * stale: an edit in a caller changing a callee's finding, a base class edited, a helper renamed, a duplicate definition
 * added, a function assigning a module name through `global`. Also with a parse that keeps the statements after the
 * edit too, their nodes moved in place (what an incremental parse may do).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from './helpers';
import { analyze, DocumentAnalyzer, strictHost } from '../../src/core/rules/index';
import type { Finding } from '../../src/core/rules/types';
import { parsePython, type LoweredUnit, type ParsedPython } from '../../src/core/python/parse';
import type { Module } from '../../src/core/python/ast';
import { UnitCache } from '../../src/core/rules/incremental';

const HEAD = 'import torch.nn as nn\n\n\n';

/** Module text from top-level blocks. */
const py = (...blocks: string[]) => HEAD + blocks.map((b) => `${b.trim()}\n`).join('\n\n');

const BLOCK_FLAG = `
class Block(nn.Module):
    def __init__(self, c, use_bn=False):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.bn = nn.BatchNorm2d(c) if use_bn else nn.Identity()

    def forward(self, x):
        return self.bn(self.conv(x))`;

const BLOCK_BIAS = `
class Block(nn.Module):
    def __init__(self, c, bias=True):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1, bias=bias)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return self.bn(self.conv(x))`;

const net = (call: string) => `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = ${call}

    def forward(self, x):
        return self.block(x)`;

const helper = (name: string, bias: string) => `
def ${name}(i, o):
    return nn.Conv2d(i, o, 3, padding=1${bias})`;

const USER = `
class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = conv3x3(3, 8)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        return self.bn(self.conv(x))`;

const base = (layers: string) => `
class Base(nn.Module):
    def __init__(self):
        super().__init__()
${layers}`;

const CHILD = `
class Child(Base):
    def forward(self, x):
        return self.bn(self.conv(x))`;

const setup = (norm: string) => `
def setup():
    global Norm
    Norm = ${norm}`;

const USES_NORM = `
class UsesNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = Norm(8)

    def forward(self, x):
        return self.bn(self.conv(x))`;

const make = (comment: string) => `
def make():
    return Block(4)${comment}`;

/** A caller of Gated growing by `n` lines: Gated, after it, moves without changing (and is analysed again). */
const build = (n: number) => `
def build():
${'    x = 1\n'.repeat(n)}    return Gated(8)`;

/** The batch norm under a local flag, bound after the conv (a fix cannot test it there) or before. */
const gated = (flagFirst: boolean) => `
class Gated(nn.Module):
    def __init__(self, c, use_bn=False):
        super().__init__()
${flagFirst ? '        norm = use_bn\n' : ''}        self.conv = nn.Conv2d(c, c, 3)
${flagFirst ? '' : '        norm = use_bn\n'}        self.bn = nn.BatchNorm2d(c) if norm else nn.Identity()

    def forward(self, x):
        return self.bn(self.conv(x))`;

/** Each scenario: successive versions of one document, at least two of them with different findings. */
const SCENARIOS: Record<string, string[]> = {
  'a caller passes the flag that puts batch norm after the callee’s conv': [
    py(BLOCK_FLAG, net('Block(8)')),
    py(BLOCK_FLAG, net('Block(8, use_bn=True)')),
    py(BLOCK_FLAG, net('Block(8)')),
  ],
  'a caller turns the callee’s bias off': [py(BLOCK_BIAS, net('Block(8)')), py(BLOCK_BIAS, net('Block(8, bias=False)')), py(BLOCK_BIAS, net('Block(8, bias=True)'))],
  'the caller comes before the callee': [py(net('Block(8)'), BLOCK_FLAG), py(net('Block(8, use_bn=True)'), BLOCK_FLAG)],
  // The edit re-parses the callee (unchanged) after it, and the caller's calls must find the callee's new objects.
  'a caller kept before the edit, its callee after it': [
    py(net('Block(8, use_bn=True)'), make(''), BLOCK_FLAG),
    py(net('Block(8, use_bn=True)'), make('  # edited'), BLOCK_FLAG),
    py(net('Block(8)'), make('  # edited'), BLOCK_FLAG),
  ],
  'a unit moved by an edit before it, where a name is bound': [py(build(1), gated(false)), py(build(30), gated(false)), py(build(30), gated(true)), py(build(1), gated(true))],
  'a base class edited': [
    py(base('        self.conv = nn.Conv2d(3, 8, 3)\n        self.bn = nn.BatchNorm2d(8)'), CHILD),
    py(base('        self.conv = nn.Conv2d(3, 8, 3, bias=False)\n        self.bn = nn.BatchNorm2d(8)'), CHILD),
    py(base('        self.conv = nn.Conv2d(3, 8, 3)\n        self.bn = nn.Identity()'), CHILD),
  ],
  'a helper renamed, then named back': [py(helper('conv3x3', ''), USER), py(helper('conv3x3_', ''), USER), py(helper('conv3x3', ''), USER)],
  'a duplicate definition added after, then before': [
    py(helper('conv3x3', ''), USER),
    py(helper('conv3x3', ''), helper('conv3x3', ', bias=False'), USER),
    py(helper('conv3x3', ''), USER),
    py(helper('conv3x3', ', bias=False'), helper('conv3x3', ''), USER),
  ],
  'a duplicate class added after its callers': [py(BLOCK_FLAG, net('Block(8, use_bn=True)')), py(BLOCK_FLAG, net('Block(8, use_bn=True)'), BLOCK_BIAS.replace('bias=True', 'bias=False'))],
  'a function assigns a module name through global': [py(setup('nn.BatchNorm2d'), USES_NORM), py(setup('nn.Identity'), USES_NORM), py(setup('nn.BatchNorm2d'), USES_NORM)],
  'an alias in the module body': [py(BLOCK_FLAG, 'B = Block', net('B(8, use_bn=True)')), py(BLOCK_FLAG, 'B = nn.Identity', net('B(8, use_bn=True)'))],
};

const keyOf = (fs: Finding[]) => JSON.stringify(fs.map((f) => [f.rule, f.range.start.line, f.message]));

/**
 * The rules run as DocumentAnalyzer runs them, on a parse that keeps the statements after the edit as well as those
 * before it: the previous version's, their offsets moved in place.
 */
class KeepingAnalyzer {
  private parsed?: ParsedPython;
  private readonly units = new UnitCache();

  analyze(text: string): Finding[] {
    const fresh = parsePython(text, this.parsed);
    const parsed = this.parsed ? keepTail(this.parsed, fresh) : fresh;
    this.parsed = parsed;
    const salt = (model: { module: Module }) => `${strictHost.key}|${strictHost.fileKey(model as never, {})}|${model.module.doubleQuotes >= model.module.singleQuotes}`;
    const r = this.units.analyze(parsed, salt, {}, (rule) => rule.meta.scope === 'file', (ctx) => strictHost.run(ctx, {}));
    return strictHost.suppress(parsed, strictHost.toFindings(r.ctx, r.findings, {}), {}).findings;
  }
}

const OFFSETS = new Set(['from', 'to', 'attrFrom', 'nameFrom', 'openParen', 'closeParen', 'bodyFrom']);

/** Adds `d` to every offset of the nodes under `root` (each node once). */
function shift(root: unknown, d: number, seen: Set<object>): void {
  if (!root || typeof root !== 'object' || seen.has(root)) return;
  seen.add(root);
  const node = root as Record<string, unknown>;
  for (const [k, v] of Object.entries(node)) {
    if (typeof v === 'number' && OFFSETS.has(k)) node[k] = v + d;
    else if (k === 'commas' && Array.isArray(v)) v.forEach((c: number, i) => (v[i] = c + d));
    else if (typeof v === 'object') shift(v, d, seen);
  }
}

/** `next` with the trailing statements equal to those of `prev` replaced by them, moved to their new place. */
function keepTail(prev: ParsedPython, next: ParsedPython): ParsedPython {
  if (next.module.errors.length || prev.module.errors.length) return next;
  const units = [...next.units];
  const seen = new Set<object>();
  for (let i = units.length - 1, j = prev.units.length - 1; i >= 0 && j >= 0 && units[i].key === prev.units[j].key && units[i] !== prev.units[j]; i--, j--) {
    const old = prev.units[j];
    const d = units[i].from - old.from;
    for (const part of [old.stmts, old.calls, old.comments, old.futures, old.products, old.dicts, old.warmAttrs]) shift(part, d, seen);
    units[i] = { ...old, from: units[i].from, to: units[i].to } satisfies LoweredUnit;
  }
  const module: Module = { ...next.module, body: units.flatMap((u) => u.stmts), calls: units.flatMap((u) => u.calls), comments: units.flatMap((u) => u.comments) };
  return { text: next.text, module, units };
}

describe('re-analysis of edited documents', () => {
  for (const [name, versions] of Object.entries(SCENARIOS)) {
    test(name, () => {
      const doc = new DocumentAnalyzer(strictHost);
      const keeping = new KeepingAnalyzer();
      const seen = new Set<string>();
      versions.forEach((text, i) => {
        const expected = analyze(text);
        assert.deepEqual(doc.analyze(text).findings, expected, `version ${i + 1}`);
        assert.deepEqual(keeping.analyze(text), expected, `version ${i + 1}, statements after the edit kept`);
        seen.add(keyOf(expected));
      });
      assert.ok(seen.size > 1, 'the versions differ in their findings');
    });
  }

  test('line edits in the rule fixtures, the statements after each edit kept and moved', () => {
    for (const rule of readdirSync(join(fixturesDir, 'rules'))) {
      if (!rule.includes('-')) continue;
      const dir = join(fixturesDir, 'rules', rule);
      for (const f of readdirSync(dir)) {
        if (!f.endsWith('.py')) continue;
        const text = readFileSync(join(dir, f), 'utf8');
        const doc = new KeepingAnalyzer();
        doc.analyze(text);
        const lines = text.split('\n');
        let current = lines;
        for (let i = 0; i < lines.length; i += 3) {
          if (!lines[i].trim() || lines[i].includes('"""') || lines[i].trimEnd().endsWith('\\')) continue;
          current = [...current];
          current[i] = `${current[i]}  # edited`;
          const t = current.join('\n');
          assert.deepEqual(doc.analyze(t), analyze(t), `${rule}/${f}, after editing line ${i + 1}`);
        }
      }
    }
  });
});
