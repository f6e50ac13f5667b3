import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from './fc';
import { parseDocument } from 'yaml';
import { NoteLibrary } from '../../src/core/notes/library';
import { parseNote } from '../../src/core/notes/parse';
import { addTermEdit } from '../../src/core/notes/termEdit';
import { applyEdits } from '../../src/core/text';
import { hoverForTerm, linkEdit, newNoteText, symbolOfSelection, termAt, titleForSymbol, tokenForTerm } from '../../src/core/terms/linkTerm';
import { fixturesDir } from './helpers';

const DIR = path.join(fixturesDir, 'term-edit');
const CASES = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8')) as Record<string, { section: string; point?: number; term: string; why: string }>;

describe('adding a term to the front matter: in/out pairs (test/fixtures/term-edit)', () => {
  for (const [name, c] of Object.entries(CASES)) {
    test(`${name}: ${c.why}`, () => {
      const input = fs.readFileSync(path.join(DIR, `${name}.in.md`), 'utf8');
      const expected = fs.readFileSync(path.join(DIR, `${name}.out.md`), 'utf8');
      const doc = parseNote(input, `${name}.md`);
      const res = linkEdit(input, doc, c.section, c.point, c.term);
      assert.equal(res.kind, 'edit', res.kind === 'refused' ? res.message.text : 'unchanged');
      if (res.kind !== 'edit') return;
      assert.equal(res.text, expected);
      assert.deepEqual(res.edit.range.start, res.edit.range.end, 'one insertion: nothing of the note is rewritten');
      assert.equal(applyEdits(input, [res.edit]), expected);

      // The note still reads cleanly, and the next hover on the term shows the section (or point).
      const lib = new NoteLibrary();
      assert.deepEqual(lib.setFile(`${name}.md`, res.text), []);
      const shown = hoverForTerm(lib, c.term);
      assert.ok(shown, `no hover for ${c.term}`);
      assert.equal(shown.section.slug, c.section);
      assert.equal(shown.point?.index, c.point);

      // Linking the same term again changes nothing.
      assert.equal(linkEdit(res.text, parseNote(res.text, 'x.md'), c.section, c.point, c.term).kind, 'unchanged');
    });
  }

  test('every fixture has its pair and a case', () => {
    const names = fs.readdirSync(DIR).filter((f) => f.endsWith('.in.md')).map((f) => f.slice(0, -6)).sort();
    assert.deepEqual(names, Object.keys(CASES).sort());
    for (const n of names) assert.ok(fs.existsSync(path.join(DIR, `${n}.out.md`)), `${n}.out.md`);
  });
});

describe('adding a term: what is refused, with a reason', () => {
  const refused = (text: string, key = 'a', term = 'x') => {
    const r = addTermEdit(text, key, term);
    assert.equal(r.kind, 'refused', `expected a refusal for ${JSON.stringify(text)}`);
    return r.kind === 'refused' ? r.message.text : '';
  };
  test('unclosed or invalid front matter, and shapes that are not a map of lists', () => {
    assert.match(refused('---\ntitle: x\n# A\n'), /never closed/);
    assert.match(refused('---\ntitle: [unclosed\n---\n'), /not valid YAML/);
    assert.match(refused('---\n- a\n- b\n---\n'), /not a mapping/);
    assert.match(refused('---\nterms: [a, b]\n---\n'), /"terms" is not a mapping/);
    assert.match(refused('---\nterms:\n  a: 3\n---\n'), /not a list/);
    assert.match(refused('---\n{title: x}\n---\n'), /one mapping in braces/);
    assert.match(refused('# A\n', 'a', 'two\nlines'), /not a term/);
  });
  test('nothing is written when the result would mean something else (checked by parsing it)', () => {
    // An anchor's alias: adding to the list would change what the alias stands for elsewhere.
    const text = '---\nterms:\n  a: &shared [x]\n  b: *shared\n---\n';
    assert.match(refused(text, 'a', 'y'), /change other parts/);
  });
});

// Generated front matters: comments, quoting, flow and block lists, other keys, line endings.
const plain = fc.constantFrom('FocalLoss', 'focal_loss', 'torch.cat', 'warmup*', 'bn', 'P2', '学习率');
const quoted = plain.chain((t) => fc.constantFrom(`"${t}"`, `'${t}'`, t));
const comment = fc.constantFrom('', '  # why', ' # 说明');
const listOf = (items: string[], style: 'flow' | 'block' | 'string', indent: string) =>
  style === 'flow' ? ` [${items.join(', ')}]` : style === 'string' ? ` ${items.map((i) => i.replace(/^["']|["']$/g, '')).join(', ')}` : items.map((i) => `\n${indent}  - ${i}`).join('');
const entry = fc.record({ key: fc.constantFrom('a', 'b', 'a/1', 'b/2', 'c'), items: fc.array(quoted, { minLength: 1, maxLength: 3 }), style: fc.constantFrom<'flow' | 'block' | 'string'>('flow', 'flow', 'block', 'string'), comment });
const frontMatter = fc
  .record({
    title: fc.constantFrom('', 'title: Notes\n', 'title: "Notes: one"   # quoted\n'),
    before: fc.constantFrom('', '# lead comment\n', 'tags: [x, y]\n'),
    entries: fc.uniqueArray(entry, { selector: (e) => e.key, maxLength: 4 }),
    hasTerms: fc.boolean(),
    after: fc.constantFrom('', '# trailing\n', 'author: me\n'),
    eol: fc.constantFrom('\n', '\r\n'),
  })
  .map(({ title, before, entries, hasTerms, after, eol }) => {
    const terms = hasTerms || entries.length ? `terms:${entries.map((e) => `\n  ${e.key}:${listOf(e.items, e.style, '  ')}${e.style === 'block' ? '' : e.comment}`).join('')}\n` : '';
    return `---\n${title}${before}${terms}${after}---\n\n# A\n\n- one\n- two\n\n# B\n\n1. first\n2. second\n`.replace(/\n/g, eol);
  });

describe('adding a term (property)', () => {
  test('the term lands under its key, every other value is unchanged, and the original lines all stay, in order', () => {
    fc.assert(
      fc.property(frontMatter, fc.constantFrom('a', 'b', 'a/1', 'a/2', 'b/2'), fc.constantFrom('new_term', 'NewTerm', 'torch.cat', 'Conv2d(bias)', 'x: y', '学习率_new'), (text, key, term) => {
        const before = parseNote(text, 'n.md');
        const res = addTermEdit(text, key, term);
        if (res.kind === 'refused') {
          // The one refusal: a term with YAML syntax in it for terms written as one comma-separated string.
          assert.match(res.message.text, /one comma-separated string/, text);
          assert.equal(typeof parseDocument(text.split(/\r?\n---/)[0].slice(4)).toJS()?.terms?.[key], 'string');
          return;
        }
        const afterText = res.kind === 'edit' ? res.text : text;
        const after = parseNote(afterText, 'n.md');
        assert.ok(after.terms.get(res.key)?.includes(term), `${term} under ${res.key}`);
        for (const [k, v] of before.terms) if (k !== res.key) assert.deepEqual(after.terms.get(k), v, `key ${k} unchanged`);
        assert.equal(after.title, before.title);
        if (res.kind === 'edit') {
          assert.deepEqual(res.edit.range.start, res.edit.range.end);
          const eol = text.includes('\r\n') ? '\r\n' : '\n';
          assert.ok(!res.edit.newText.replace(/\r\n/g, '').includes('\n') || eol === '\n', 'the insertion uses the note’s line endings');
        }
      }),
      { numRuns: 600 },
    );
  });
});

describe('which term a symbol becomes', () => {
  const py = 'import torch\nimport torch.nn.functional as F\nfrom torch import nn\n\nx = torch.cat([a, b])\ny = F.pad(x, (1, 1))\nz = nn.BatchNorm2d(64)\nc = nn.Conv2d(3, 64, 3, bias=False)\nw = cfg.warmup_epochs\n';
  const at = (needle: string, language: 'python' | 'other' = 'python') => termAt(py, py.indexOf(needle) + 1, language);
  test('a module function keeps its module (imported in the file); a class, an attribute or a keyword argument does not', () => {
    assert.equal(at('cat'), 'torch.cat');
    assert.equal(at('pad'), 'F.pad');
    assert.equal(at('BatchNorm2d'), 'BatchNorm2d');
    assert.equal(at('bias'), 'Conv2d(bias)');
    assert.equal(at('warmup_epochs'), 'warmup_epochs', '`cfg` is not imported');
    assert.equal(at('cat', 'other'), 'cat', 'YAML has no imports');
  });
  test('a selection is named by the first class or function it defines, else by the identifier at the cursor', () => {
    const src = 'import torch\n\nclass FocalLoss(nn.Module):\n    def forward(self, x):\n        return sigmoid_focal_loss(x)\n';
    assert.equal(symbolOfSelection(src, src.indexOf('class'), src.length, src.length, 'python'), 'FocalLoss');
    const inner = src.indexOf('return');
    assert.equal(symbolOfSelection(src, inner, src.length, inner + 12, 'python'), 'sigmoid_focal_loss');
    assert.equal(symbolOfSelection(src, src.indexOf('torch'), src.indexOf('torch') + 5, 0, 'python'), 'torch');
  });
  test('titles from symbols, and the token a term stands for', () => {
    assert.equal(titleForSymbol('FocalLoss'), 'Focal Loss');
    assert.equal(titleForSymbol('sigmoid_focal_loss'), 'Sigmoid focal loss');
    assert.equal(titleForSymbol('torch.cat'), 'Cat');
    assert.equal(titleForSymbol('FPNHead'), 'FPN Head');
    assert.deepEqual(tokenForTerm('Conv2d(bias)'), { chain: ['bias'], keywordOf: ['Conv2d'] });
    assert.deepEqual(tokenForTerm('torch.cat'), { chain: ['torch', 'cat'] });
  });
});

describe('a new note from selected code', () => {
  test('the heading, the code de-indented in a fence longer than its backticks, the symbol as the section’s term', () => {
    const code = '    def focal(x):\r\n        return x  # ```not a fence```\r\n';
    const text = newNoteText('Focal loss', 'focal', code, 'python');
    assert.equal(text, '---\nterms:\n  focal-loss: [focal]\n---\n# Focal loss\n\n````python\ndef focal(x):\n    return x  # ```not a fence```\n````\n');
    const lib = new NoteLibrary();
    assert.deepEqual(lib.setFile('focal-loss.md', text), []);
    assert.equal(hoverForTerm(lib, 'focal')?.section.title, 'Focal loss');
    assert.equal(newNoteText('学习率 预热', 'Conv2d(bias)', '', 'yaml'), '---\nterms:\n  学习率-预热: [Conv2d(bias)]\n---\n# 学习率 预热\n');
  });
});
