/**
 * Property tests (fast-check) for the core a note passes through: the notes parser, term resolution and the HTML
 * sanitiser / renderer. Every property's run count is recorded for the published figures.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from './fc';
import { parseNote, plainInline } from '../../src/core/notes/parse';
import { firstTextLine } from '../../src/core/notes/markdownText';
import { pointLead } from '../../src/core/search/entries';
import { readSimpleYaml } from '../../src/core/notes/frontMatter';
import { parseDocument } from 'yaml';
import { NoteLibrary } from '../../src/core/notes/library';
import type { NoteDocument } from '../../src/core/notes/types';
import { tokenAt } from '../../src/core/terms/codeToken';
import type { CodeToken } from '../../src/core/terms/termIndex';
import { sanitizeHtml } from '../../src/core/render/sanitize';
import { Renderer } from '../../src/core/render/renderer';
import { parsePanelState, parseWebviewMessage } from '../../src/webview/protocol';
import { checkRenderedHtml } from './hostileHtml';
import { bundledNotesDir, fixturesDir } from './helpers';
import { propertyRuns, recordFigures, watchUnhandled } from './securityFigures';

// Larger generated values than fast-check's default ("small": strings and arrays of about ten items).
fc.configureGlobal({ ...fc.readConfigureGlobal(), baseSize: 'medium' });

const { runs, check } = propertyRuns();
const unhandled = watchUnhandled();

const bundledFile = path.join(bundledNotesDir, 'ml-basis-notes.md');
const bundledText = readFileSync(bundledFile, 'utf8');

// ---------------------------------------------------------------------------------------------------------------
// Generators

/** Lines that matter to the block structure: headings, fences, lists, rules, HTML, front matter, quotes, tables. */
const STRUCTURAL_LINES = [
  '# A',
  '## B',
  '### 标题 C',
  '#### d ####',
  '#',
  '#no-space',
  '####### seven',
  '   # indented three',
  '    # indented four (code)',
  'Title',
  '===',
  '---',
  '***',
  '___',
  '- item',
  '* item',
  '+ item',
  '1. one',
  '2) two',
  '10. ten',
  '-',
  '  - nested',
  '    - deeper',
  '\t- tab item',
  '      continuation',
  '```',
  '```python',
  '~~~',
  '````',
  '- ```',
  '  ```',
  '> quote',
  '> # quoted heading',
  '>',
  '<div>',
  '</div>',
  '<!--',
  '-->',
  '<!-- one line -->',
  '<script>',
  '</script>',
  '<pre>',
  '</pre>',
  '<style>',
  '<hr>',
  '<hr/>',
  '<details>',
  '<img src="x.png">',
  '<a href="https://example.com">',
  '$$',
  '| a | b |',
  '|---|---|',
  '...',
  'title: x',
  'terms:',
  '  a: [b, c]',
  '',
  '',
  '   ',
  'text with [link](x.md) and `code`',
  '中文段落',
  '\\# escaped',
];

const structuralLine = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...STRUCTURAL_LINES) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });

const markdownDoc = fc
  .record({
    frontMatter: fc.constantFrom('', '---\ntitle: T\n---\n', '---\nterms:\n  a: [b]\n---\n', '---\nunclosed: front matter\n', '---\n[bad yaml\n---\n'),
    lines: fc.array(structuralLine, { maxLength: 60 }),
    eol: fc.constantFrom('\n', '\n', '\r\n', '\r'),
    bom: fc.boolean(),
  })
  .map(({ frontMatter, lines, eol, bom }) => (bom ? '\ufeff' : '') + (frontMatter + lines.join('\n')).replace(/\n/g, eol));

/** The bundled note with random lines inserted, deleted or duplicated. */
const mutatedBundled = fc
  .array(
    fc.record({
      kind: fc.constantFrom('insert', 'insert', 'insert', 'delete', 'duplicate'),
      at: fc.nat(),
      line: fc.constantFrom(...STRUCTURAL_LINES),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map((edits) => {
    const lines = bundledText.split('\n');
    for (const e of edits) {
      const i = e.at % (lines.length + 1);
      if (e.kind === 'insert') lines.splice(i, 0, e.line);
      else if (e.kind === 'delete') lines.splice(Math.min(i, lines.length - 1), 1);
      else lines.splice(i, 0, lines[Math.min(i, lines.length - 1)] ?? '');
    }
    return lines.join('\n');
  });

// ---------------------------------------------------------------------------------------------------------------
// Note invariants

function assertNoteInvariants(doc: NoteDocument): void {
  assert.equal(doc.lineCount, doc.text.split('\n').length, 'lineCount');
  assert.ok(doc.contentStartLine >= 0 && doc.contentStartLine <= doc.lineCount, 'contentStartLine');
  assert.ok(doc.sections.length >= 1, 'at least one section');
  const slugs = new Set<string>();
  for (const s of doc.sections) {
    assert.ok(!slugs.has(s.slug), `duplicate slug ${s.slug}`);
    slugs.add(s.slug);
    assert.ok(s.slug.length > 0, 'empty slug');
  }
  // Every line from the first section on belongs to exactly one section's own body range.
  const first = doc.sections[0].startLine;
  assert.ok(first >= doc.contentStartLine, 'first section starts after the front matter');
  const owner = new Array<number>(doc.lineCount).fill(0);
  for (const s of doc.sections) {
    assert.ok(s.startLine <= s.bodyEndLine || (s.level === 0 && s.startLine === doc.lineCount), `${s.slug}: body range [${s.startLine}, ${s.bodyEndLine}]`);
    assert.ok(s.bodyEndLine <= s.endLine && s.endLine <= doc.lineCount - 1, `${s.slug}: endLine ${s.endLine}`);
    for (let l = s.startLine; l <= s.bodyEndLine; l++) owner[l]++;
  }
  for (let l = first; l < doc.lineCount; l++) assert.equal(owner[l], 1, `line ${l} belongs to ${owner[l]} sections`);
  for (let l = 0; l < first; l++) assert.equal(owner[l], 0, `line ${l} before the first section`);
  // Sections are in document order; subsections lie inside their parent's range.
  for (let i = 1; i < doc.sections.length; i++) assert.ok(doc.sections[i].startLine > doc.sections[i - 1].startLine, 'document order');
  for (const s of doc.sections) {
    for (const c of s.children) {
      assert.equal(c.parent, s);
      assert.ok(c.level > s.level, 'child level');
      assert.ok(c.startLine > s.startLine && c.endLine <= s.endLine, 'child inside parent');
    }
    assert.equal(s.breadcrumb.length, ancestors(s), 'breadcrumb depth');
  }
  // Points lie within their own section's body, in order, without overlapping.
  for (const s of doc.sections) {
    let prevEnd = s.startLine - 1;
    s.points.forEach((p, k) => {
      assert.equal(p.index, k + 1);
      assert.equal(p.id, `${s.slug}/${k + 1}`);
      assert.ok(p.startLine > prevEnd, `${p.id} starts after the previous point`);
      assert.ok(p.startLine >= s.startLine && p.endLine <= s.bodyEndLine && p.startLine <= p.endLine, `${p.id} [${p.startLine}, ${p.endLine}] within ${s.slug} [${s.startLine}, ${s.bodyEndLine}]`);
      prevEnd = p.endLine;
    });
  }
}

function ancestors(s: { parent?: unknown }): number {
  let n = 0;
  for (let p = s.parent as { parent?: unknown } | undefined; p; p = p.parent as { parent?: unknown } | undefined) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Front matter: the fast reader of the common subset against the yaml package

/** Pieces of front-matter lines, the tricky ones included: quotes, colons, comments, indicators, numbers, booleans. */
const YAML_WORDS = ['a', 'fpn', 'FPN', 'F.pad', 'Conv2d(bias)', 'warmup*', 'top-down', 'P2', '语义分割', 'theory-basis/1', 'é'];
const YAML_TRICKY = [' ', 'x y', '2d', '1.5', '0x1F', 'true', 'No', 'null', '~', '.inf', '-x', '?', '&a', '*a', '!t', '|', '>', '%', '@', '`', "'", '"', "''", '\\', '\t', '#', ' #c', ':', ': ', ',', '[', ']', '{', '}', '  ', '__proto__'];
const yamlAtom = fc.oneof({ arbitrary: fc.constantFrom(...YAML_WORDS), weight: 6 }, { arbitrary: fc.constantFrom(...YAML_TRICKY), weight: 1 });
const yamlText = fc.array(yamlAtom, { minLength: 1, maxLength: 4 }).map((a) => a.join(''));
const yamlList = fc.array(fc.oneof(yamlText, yamlText.map((t) => `"${t}"`), yamlText.map((t) => `'${t}'`)), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`);
const yamlValue = fc.oneof(yamlText, yamlList, yamlText.map((t) => `"${t}"`), yamlText.map((t) => `'${t}'`), fc.constant(''));
const yamlLine = fc.oneof(
  fc.tuple(yamlText, yamlValue).map(([k, v]) => `${k}: ${v}`),
  fc.tuple(fc.constantFrom('  ', '    ', ' '), yamlText, yamlValue).map(([i, k, v]) => `${i}${k}: ${v}`),
  fc.tuple(fc.constantFrom('  ', ''), fc.constantFrom('"s-1"', "'s/2'", 'key')).map(([i, k]) => `${i}${k}: [x, y]`),
  fc.constantFrom('terms:', 'title: Notes', '# comment', '  # indented comment', '', '  - item', 'terms: # c'),
);
const looseBody = fc.array(yamlLine, { minLength: 1, maxLength: 8 }).map((ls) => ls.join('\n'));
/** The shape notes have (title, a `terms` block of entries), with tricky pieces inside the keys and values. */
const shapedBody = fc
  .tuple(yamlValue, fc.array(fc.tuple(yamlText, yamlValue), { minLength: 1, maxLength: 6 }), fc.constantFrom('  ', '    '))
  .map(([title, entries, indent]) => [`title: ${title}`, 'terms:', ...entries.map(([k, v]) => `${indent}${k}: ${v}`)].join('\n'));
const frontMatterBody = fc.oneof(looseBody, shapedBody);

/** What the notes parser did before the fast path: the yaml package's data, or undefined when it reports errors. */
function yamlData(body: string): unknown {
  const doc = parseDocument(body, { prettyErrors: false, logLevel: 'silent' });
  return doc.errors.length || doc.warnings.length ? undefined : doc.toJS({ maxAliasCount: 50 });
}

describe('properties: front matter', () => {
  test('the fast reader answers only when the yaml package gives the same data', () => {
    let answered = 0;
    check(
      'front matter: fast reader agrees with the yaml package',
      fc.property(frontMatterBody, (body) => {
        const fast = readSimpleYaml(body);
        if (fast === undefined) return;
        answered++;
        assert.deepEqual(fast, yamlData(body), body);
      }),
      5000,
    );
    const total = runs.find((r) => r.property === 'front matter: fast reader agrees with the yaml package')?.numRuns ?? 0;
    assert.ok(answered > total / 20, `the fast reader answered ${answered} of ${total} times: the generator should reach it`);
  });

  test('the bundled notes and the common shapes take the fast path', () => {
    const body = bundledText.split('\n---\n')[0].replace(/^---\n/, '');
    assert.deepEqual(readSimpleYaml(body), yamlData(body));
    const shapes = [
      'title: "Notes on FPN, again"\nterms:\n  "fpn-architecture": ["FPN", "fpn"]\n  "roc-未解决的问题/2": ["roc_auc_score"]',
      "title: It's the BN note, see below\n# comment\nterms:\n  misc/1: [bn, 'Conv2d(bias)', warmup*,]",
      'terms: # the code words\n  Focal Loss: FocalLoss, focal_loss',
    ];
    for (const s of shapes) {
      assert.notEqual(readSimpleYaml(s), undefined, s);
      assert.deepEqual(readSimpleYaml(s), yamlData(s), s);
    }
  });
});

describe('properties: the notes parser', () => {
  test('never throws on arbitrary strings, and its structure invariants hold', () => {
    check('parseNote: arbitrary strings', fc.property(fc.string({ maxLength: 400 }), (s) => assertNoteInvariants(parseNote(s, 'a.md'))), 3000);
    check('parseNote: arbitrary UTF-16 (lone surrogates, controls)', fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => assertNoteInvariants(parseNote(s, 'a.md'))), 1000);
  });

  test('Markdown-shaped documents: every line from the first section on is in exactly one section, slugs are unique, points lie in their section', () => {
    check('parseNote: structural-line documents', fc.property(markdownDoc, (s) => assertNoteInvariants(parseNote(s, 'doc.md'))), 3000);
  });

  test('the bundled note with random #, fence, list, ---, HTML lines inserted, deleted or duplicated', () => {
    check('parseNote: mutations of the bundled note', fc.property(mutatedBundled, (s) => assertNoteInvariants(parseNote(s, bundledFile))), 500);
  });

  test('line endings and a BOM do not change the structure', () => {
    check(
      'parseNote: CRLF/CR/BOM invariance',
      fc.property(markdownDoc, fc.constantFrom('\r\n', '\r'), fc.boolean(), (s, eol, bom) => {
        const lf = s.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n');
        const other = (bom ? '\ufeff' : '') + lf.replace(/\n/g, eol);
        const shape = (d: NoteDocument) => d.sections.map((x) => [x.slug, x.level, x.startLine, x.bodyEndLine, x.endLine, x.points.map((p) => [p.startLine, p.endLine])]);
        assert.deepEqual(shape(parseNote(other, 'a.md')), shape(parseNote(lf, 'a.md')));
      }),
      1000,
    );
  });
});

/** Pieces of a list item's text: lead-ins, labels, colons, inline markup that hides or rewrites text, white space. */
const ITEM_PIECES = ['**Lead**', '__lead__', '**Warmup**:', 'Label', '标签', '很长的中文标签文本很长的中文标签文本', ':', '：', ' ', '  ', '\t', '\u3000', '\u00a0', '`code`', '`', '[x](y.md)', '[[Note#H|label]]', '[[#^blk]]', '<b>', '</b>', '<!-- c -->', '<span>', ' ^id', '^', '\\*', '==mark==', '*em*', '_', 'word', 'x'.repeat(30), '!', '(', ')', ',', '。', '，'];
const itemText = fc.array(fc.constantFrom(...ITEM_PIECES), { maxLength: 12 }).map((p) => p.join(''));
const itemsDoc = fc
  .array(fc.record({ marker: fc.constantFrom('- ', '* ', '1. ', '-   ', '-'), first: itemText, more: fc.array(fc.oneof(itemText, fc.constant('')), { maxLength: 3 }) }), { minLength: 1, maxLength: 6 })
  .map((items) => '# Items\n\n' + items.map((it) => [it.marker + it.first, ...it.more.map((m) => '  ' + m)].join('\n')).join('\n'));

describe('properties: points', () => {
  test("a point's summary and lead-in, read from its first line, are the ones its whole Markdown gives", () => {
    check(
      'points: summary and lead-in from the first line',
      fc.property(itemsDoc, (s) => {
        const fresh = parseNote(s, 'items.md').sections.flatMap((x) => x.points);
        const read = parseNote(s, 'items.md').sections.flatMap((x) => x.points);
        fresh.forEach((point, i) => {
          // A plain object has no first line of its own: its lead-in is read from its whole Markdown and summary.
          const md = read[i].markdown;
          const plain = { ...read[i], markdown: md, summary: plainInline(firstTextLine(md)) };
          const lead = pointLead(point);
          assert.equal(point.summary, plain.summary, JSON.stringify(md));
          assert.equal(lead, pointLead(plain), JSON.stringify(md));
        });
      }),
      2000,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Term resolution

const library = new NoteLibrary();
library.setFile(bundledFile, bundledText, { bundled: true });
for (const f of readdirSync(path.join(fixturesDir, 'user-notes')).sort().filter((n) => n.endsWith('.md'))) {
  const file = path.join(fixturesDir, 'user-notes', f);
  library.setFile(file, readFileSync(file, 'utf8'));
}

const CODE_PIECES = [
  'torch.nn.BatchNorm2d',
  'nn.SyncBatchNorm(',
  'self.fpn_head',
  'FPNHead',
  'lr_warmup_epochs',
  'torch.cat(',
  'cat',
  'bnx',
  'self.bn1',
  'nn.Conv2d(3, 64, 3, bias=True)',
  'bias=',
  'warmup_epochs: 5',
  'F.pad(x, (1, 1))',
  '语义分割',
  'mIoU',
  '.',
  '..',
  '(',
  ')',
  '[',
  '=',
  '==',
  ' ',
  '\n',
  '\t',
  '_',
  '__init__',
  'x'.repeat(300),
  '1x1',
  'a.b.c.d.e.f.g.h.i.j',
  '𝑥',
  'é',
];
const codeText = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.constantFrom(...CODE_PIECES), { maxLength: 30 }).map((p) => p.join('')));

function assertMatches(token: CodeToken): void {
  const matches = library.lookupToken(token);
  for (let i = 1; i < matches.length; i++) assert.ok(matches[i - 1].score >= matches[i].score, 'best first');
  for (const m of matches) {
    assert.ok(m.doc.sections.includes(m.section), 'section of its document');
    if (m.point) assert.ok(m.section.points.includes(m.point), 'point of its section');
  }
}

describe('properties: term resolution', () => {
  test('tokenAt never throws on arbitrary text and offsets; the token is the identifier at the offset', () => {
    check(
      'tokenAt + lookupToken: arbitrary text and offsets',
      fc.property(codeText, fc.integer({ min: -3, max: 400 }), (text, raw) => {
        const offset = raw > text.length + 3 ? raw % (text.length + 4) : raw;
        const t = tokenAt(text, offset);
        if (!t) return;
        assert.ok(t.start <= offset && offset <= t.end, 'offset inside the token');
        const name = t.token.chain[t.token.chain.length - 1];
        assert.equal(text.slice(t.start, t.end), name);
        assert.match(name, /^[\p{L}\p{N}_]+$/u);
        assertMatches(t.token);
      }),
      5000,
    );
  });

  test('lookupToken never throws on arbitrary tokens', () => {
    const part = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('torch', 'nn', 'BatchNorm2d', 'cat', 'bias', 'Conv2d', '', 'x'.repeat(250), 'FPN', '__proto__', 'constructor'));
    check(
      'lookupToken: arbitrary chains and keyword callees',
      fc.property(fc.array(part, { maxLength: 10 }), fc.option(fc.array(part, { maxLength: 4 }), { nil: undefined }), (chain, keywordOf) => {
        assertMatches({ chain, keywordOf });
      }),
      5000,
    );
  });

  test('a library of random notes never throws, and removing a note restores every lookup', () => {
    const probes: CodeToken[] = ['FPN', 'BatchNorm2d', 'warmup_epochs', 'cat', 'bn', 'mIoU', 'focal_loss', 'x', 'a', 'b'].map((n) => ({ chain: [n] }));
    probes.push({ chain: ['torch', 'cat'] }, { chain: ['bias'], keywordOf: ['nn', 'Conv2d'] });
    const shape = () => probes.map((p) => library.lookupToken(p).map((m) => `${m.doc.id}#${m.section.slug}/${m.point?.index ?? ''}:${m.score}`));
    const before = shape();
    const termKey = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('a', 'b', 'a/1', 'c/99', '__proto__', 'constructor', 'fpn-architecture'));
    const termList = fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('FPN', 'bn', 'Conv2d(bias)', 'warmup*', '*', 'torch.cat', 'a.b.', '.', 'x(y)', 'BatchNorm2d')), { maxLength: 6 });
    check(
      'NoteLibrary: random notes added and removed',
      fc.property(markdownDoc, fc.dictionary(termKey, termList, { maxKeys: 5 }), (body, terms) => {
        const fm = `---\nterms:\n${Object.entries(terms)
          .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
          .join('\n')}\n---\n`;
        const id = 'random://note.md';
        library.setFile(id, fm + body.replace(/^\ufeff/, ''));
        for (const p of probes) assertMatches(p);
        library.removeFile(id);
        assert.deepEqual(shape(), before);
      }),
      500,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Sanitiser and renderer

const TAGS = ['a', 'img', 'script', 'SCRIPT', 'style', 'svg', 'math', 'iframe', 'div', 'span', 'p', 'table', 'tr', 'td', 'details', 'summary', 'b', 'textarea', 'title', 'noscript', 'template', 'object', 'embed', 'base', 'meta', 'link', 'form', 'input', 'button', 'x-y', 'IMG', 'mglyph', 'xmp'];
const ATTRS = ['href', 'src', 'onerror', 'onclick', 'ONLOAD', 'style', 'srcset', 'alt', 'title', 'width', 'align', 'colspan', 'start', 'open', 'xlink:href', 'formaction', 'action', 'data', 'class', 'id', 'on', 'o&#110;error', 'href\t', '/onerror'];
const VALUES = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'jav&#x09;ascript:alert(1)',
  'jav&#9;ascript:alert(1)',
  '&#106;avascript:alert(1)',
  '&#x6A&#x61vascript:alert(1)',
  'javascript&colon;alert(1)',
  'java\nscript:alert(1)',
  '\u0001javascript:alert(1)',
  '  javascript:alert(1)',
  'vbscript:msgbox(1)',
  'data:text/html,<script>alert(1)</script>',
  'data:image/png;base64,AAAA',
  'data:image/svg+xml;base64,PHN2Zz4=',
  'command:workbench.action.quit',
  'mailto:a@b.c',
  'https://example.com/x',
  'x.png',
  '#top',
  '100%',
  'alert(1)',
  '"',
  "'",
  '`',
  '<',
  '>',
  '&quot; onerror=&quot;alert(1)',
  '',
];

const attr = fc
  .record({ name: fc.constantFrom(...ATTRS), value: fc.constantFrom(...VALUES), quote: fc.constantFrom('"', "'", '', 'none') })
  .map(({ name, value, quote }) => (quote === 'none' ? ` ${name}` : ` ${name}=${quote}${value}${quote}`));
const htmlPiece = fc.oneof(
  { weight: 4, arbitrary: fc.record({ tag: fc.constantFrom(...TAGS), attrs: fc.array(attr, { maxLength: 4 }), end: fc.constantFrom('>', '/>', ' >', '', '\n>') }).map(({ tag, attrs, end }) => `<${tag}${attrs.join('')}${end}`) },
  { weight: 2, arbitrary: fc.constantFrom(...TAGS).map((t) => `</${t}>`) },
  { weight: 2, arbitrary: fc.constantFrom('<!--', '-->', '--!>', '<![CDATA[', ']]>', '<!', '<?', '?>', '&lt;', '&#60;', '<', '>', '"', "'", '\n', '\n\n', ' ', 'text', '中文', 'alert(1)', '&', '&amp;', '<<', '</') },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const htmlSoup = fc.array(htmlPiece, { maxLength: 40 }).map((p) => p.join(''));

const MD_PIECES = ['[x](javascript:alert(1))', '![i](javascript:alert(1))', '<javascript:alert(1)>', '[r]', '\n\n[r]: javascript:alert(1)\n', '$\\href{javascript:alert(1)}{x}$', '$\\def\\a{\\a\\a}\\a$', '$$\n', '\n```\n', '\n# ', '\n- ', '\n> ', '**', '`', '\n| a |\n|---|\n| ', 'https://example.com/"onclick="x', '$\\htmlClass{a}{b}$'];
const markdownSoup = fc.array(fc.oneof(htmlPiece, fc.constantFrom(...MD_PIECES)), { maxLength: 40 }).map((p) => p.join(''));

/**
 * What the brief asks of the sanitiser's output, by text search: any `<` in the output starts a real tag, and every
 * attribute value is double-quoted with its quotes escaped, so blanking the values leaves names only.
 */
function assertNoScriptText(out: string): void {
  assert.doesNotMatch(out, /<script/i);
  assert.doesNotMatch(out.replace(/="[^"]*"/g, '=""'), /<[^>]*\son[a-z]*\s*=/i);
  assert.doesNotMatch(out, /<[^>]*(?:java|vb)script:/i);
}

const renderer = new Renderer();

describe('properties: sanitiser and renderer', () => {
  test('sanitizeHtml never throws; its output has no <script, no on…= attribute, no javascript: in a tag', () => {
    check(
      'sanitizeHtml: arbitrary strings',
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const out = sanitizeHtml(s);
        assertNoScriptText(out);
        assert.deepEqual(checkRenderedHtml(out).violations, []);
      }),
      3000,
    );
  });

  test('sanitizeHtml on HTML soup (tags, handlers, obfuscated schemes, comments): the output passes the allowlist checker', () => {
    check(
      'sanitizeHtml: HTML soup, checked by parse5',
      fc.property(htmlSoup, (s) => {
        const out = sanitizeHtml(s, { image: (src) => (src.includes('x') ? null : src) });
        assertNoScriptText(out);
        assert.deepEqual(checkRenderedHtml(out).violations, []);
      }),
      3000,
    );
  });

  test('a note of Markdown and HTML soup renders to allowlisted HTML', () => {
    check(
      'Renderer.renderDocument: Markdown + HTML soup, checked by parse5',
      fc.property(markdownSoup, (s) => {
        const html = renderer.renderDocument(parseNote(s, 'soup.md')).html;
        assert.deepEqual(checkRenderedHtml(html).violations, []);
      }),
      1000,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Messages from the webview (the host validates each one before acting on it)

/** The fields each message type may carry, and their types; anything else must not come through. */
const MESSAGE_FIELDS: Record<string, Record<string, 'string' | 'number'>> = {
  ready: {},
  back: {},
  forward: {},
  navigate: { docId: 'string', target: 'string' },
  openLink: { href: 'string' },
  openSource: { line: 'number', target: 'string' },
  search: { query: 'string' },
  scrolled: { target: 'string' },
};

const messageLike = fc.oneof(
  fc.anything(),
  // An own "__proto__" key, as JSON.parse makes it from a message that carries one.
  fc.constantFrom('{"__proto__": {"type": "openLink", "href": "x"}}', '{"type": "search", "__proto__": {"query": "q"}}').map((j) => JSON.parse(j) as unknown),
  fc.record(
    {
      type: fc.oneof(fc.constantFrom(...Object.keys(MESSAGE_FIELDS), 'openFile', 'eval', '__proto__', 'constructor'), fc.anything()),
      docId: fc.oneof(fc.string(), fc.anything(), fc.constant('x'.repeat(5000))),
      target: fc.oneof(fc.string(), fc.anything(), fc.constant('x'.repeat(600))),
      href: fc.oneof(fc.constantFrom('javascript:alert(1)', 'command:workbench.action.quit', 'https://example.com', '../x.md'), fc.anything()),
      line: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 1e9, Number.NaN, Infinity), fc.anything()),
      query: fc.oneof(fc.string(), fc.anything()),
      extra: fc.anything(),
    },
    { requiredKeys: [] },
  ),
);

describe('properties: messages from the webview', () => {
  test('parseWebviewMessage and parsePanelState never throw, and pass on only well-formed messages with their own fields', () => {
    check(
      'parseWebviewMessage / parsePanelState: arbitrary values',
      fc.property(messageLike, (raw) => {
        const m = parseWebviewMessage(raw);
        if (m) {
          const fields = MESSAGE_FIELDS[m.type];
          assert.ok(fields, `unknown type ${String(m.type)}`);
          for (const [k, v] of Object.entries(m)) {
            if (k === 'type' || v === undefined) continue;
            assert.equal(typeof v, fields[k], `${m.type}.${k}`);
            if (typeof v === 'string') assert.ok(v.length <= 4096);
            if (typeof v === 'number') assert.ok(Number.isInteger(v) && v >= 0);
          }
          assert.equal(Object.getPrototypeOf(m), Object.prototype);
        }
        const st = parsePanelState(raw);
        if (st) assert.ok(typeof st.docId === 'string' && (st.target === undefined || typeof st.target === 'string'));
      }),
      3000,
    );
  });
});

after(() => {
  unhandled.stop();
  recordFigures('property-notes', { properties: runs, unhandledErrors: unhandled.count });
});

test('no unhandled rejection or uncaught exception during the properties', async () => {
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(unhandled.messages, []);
});
