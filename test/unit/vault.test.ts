import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { NoteLibrary } from '../../src/core/notes/library';
import { parseNote } from '../../src/core/notes/parse';
import { mayStartTag, parseWikiTarget, scanInline, tagAt, type InlineSyntax } from '../../src/core/notes/vaultSyntax';
import fc from './fc';
import { loadVault, vaultDir } from './vaultHelpers';
import { LibraryLookup } from '../../src/core/search/libraryLookup';
import { explainAt } from '../../src/core/explain';

const note = (rel: string) => path.join(vaultDir, rel);

function scan(line: string): InlineSyntax[] {
  const out: InlineSyntax[] = [];
  scanInline(line, (s) => out.push(s), { highlights: true });
  return out;
}

describe('vault syntax on a line', () => {
  test('wikilinks: name, label, heading, same-note heading, block, folder path', () => {
    assert.deepEqual(parseWikiTarget('Warmup'), { path: 'Warmup' });
    assert.deepEqual(parseWikiTarget('Warmup|the warmup'), { path: 'Warmup', label: 'the warmup' });
    assert.deepEqual(parseWikiTarget('Warmup#Gradual warmup|gradual'), { path: 'Warmup', heading: 'Gradual warmup', label: 'gradual' });
    assert.deepEqual(parseWikiTarget('#Reading list'), { path: '', heading: 'Reading list' });
    assert.deepEqual(parseWikiTarget('Warmup#^linear-ramp'), { path: 'Warmup', block: 'linear-ramp' });
    assert.deepEqual(parseWikiTarget('Optim/AdamW'), { path: 'Optim/AdamW' });
    assert.deepEqual(parseWikiTarget('Warmup\\|table cell'), { path: 'Warmup', label: 'table cell' });
  });

  test('finds links, embeds, tags, block ids and highlights, and skips code, math, HTML and URLs', () => {
    const found = scan('See [[A|a]], ![[fig.png|300]], [b](B.md#x), ==hot== and #ml/optim here `[[code]] #code` $#x$ <a title="#t"> https://x.org/#frag #1 ^blk');
    assert.deepEqual(
      found.map((s) => [s.kind, s.kind === 'tag' ? s.name : s.kind === 'block' ? s.id : s.kind === 'highlight' ? s.text : s.kind === 'markdown' ? s.url : s.target.path]),
      [
        ['wikilink', 'A'],
        ['embed', 'fig.png'],
        ['markdown', 'B.md#x'],
        ['highlight', 'hot'],
        ['tag', 'ml/optim'],
        ['block', 'blk'],
      ],
    );
  });

  test('not links: empty brackets, escaped brackets, a link spanning a `]]` inside', () => {
    assert.deepEqual(scan('[[]] \\[[no]] [[ ]]'), []);
  });

  test('tags need a letter: #1 and #2024 are numbers, #y2024 and #中文 are tags; a heading is not a tag', () => {
    assert.deepEqual(
      scan('#1 #2024 #y2024 #中文 a#b').map((s) => s.kind === 'tag' && s.name),
      ['y2024', '中文'],
    );
    assert.deepEqual(scan('# Heading'), []);
  });
});

describe('parseNote: vault constructs', () => {
  test('aliases and tags from the front matter, as a list or a string', () => {
    const list = parseNote('---\naliases: [One, Two]\ntags: [a/b, "#c"]\n---\n# X\n', 'x.md');
    assert.deepEqual(list.aliases, ['One', 'Two']);
    assert.deepEqual(list.tags, [{ name: 'a/b', line: -1 }, { name: 'c', line: -1 }]);
    const str = parseNote('---\nalias: Only one, Second\ntags: a b, c\n---\n# X\n', 'x.md');
    assert.deepEqual(str.aliases, ['Only one', 'Second']);
    assert.deepEqual(str.tags.map((t) => t.name), ['a', 'b', 'c']);
    const block = parseNote('---\naliases:\n  - Block list\ntags:\n  - t1\n---\n# X\n', 'x.md');
    assert.deepEqual(block.aliases, ['Block list']);
    assert.deepEqual(block.tags.map((t) => t.name), ['t1']);
    // A tag written with and without its `#` is one tag; a lone `#` is none.
    const repeated = parseNote('---\ntags: ["#ml", ml, "#", optim]\n---\n# X\n', 'x.md');
    assert.deepEqual(repeated.tags.map((t) => t.name), ['ml', 'optim']);
  });

  test('links with their lines and columns; none inside fences, indented code or HTML blocks', () => {
    const doc = parseNote(['# T', '', 'A [[B#h|x]] and [c](C.md).', '', '```', '[[no]] #no', '```', '', '    [[indented]]', '', '<div>', '[[html]]', '</div>', '', '- item ![[D]] #yes ^id1'].join('\n'), 't.md');
    assert.deepEqual(
      doc.links.map((l) => [l.kind, l.path, l.heading ?? null, l.label ?? null, l.line, l.start, l.end]),
      [
        ['wikilink', 'B', 'h', 'x', 2, 2, 11],
        ['markdown', 'C.md', null, 'c', 2, 16, 25],
        ['embed', 'D', null, null, 14, 7, 13],
      ],
    );
    assert.deepEqual(doc.tags, [{ name: 'yes', line: 14 }]);
    assert.deepEqual(doc.blocks, [{ id: 'id1', line: 14 }]);
  });

  test('a block id must end its paragraph', () => {
    const doc = parseNote('First line ^not-last\nsecond line ^last\n\nAlone\n\n^own-line\n', 'b.md');
    assert.deepEqual(doc.blocks.map((b) => b.id), ['last', 'own-line']);
  });

  test('Markdown links count as note links only to .md files or a fragment', () => {
    const doc = parseNote('[a](x.md) [b](https://x.org/y.md) [c](figures/f.png) [d](#local) [e](My%20Note.md#Some%20Heading) [f](<With space.md>)', 'm.md');
    assert.deepEqual(
      doc.links.map((l) => [l.path, l.heading ?? null]),
      [
        ['x.md', null],
        ['', 'local'],
        ['My Note.md', 'Some Heading'],
        ['With space.md', null],
      ],
    );
  });
});

describe('link resolution in the fixture vault', () => {
  let lib: NoteLibrary;
  before(async () => {
    lib = await loadVault();
  });
  const from = () => note('Home.md');

  test('by file name, case-insensitive; a heading; a block; the same note', () => {
    const r = lib.resolveLink(from(), { path: 'warmup' });
    assert.equal(r.kind === 'note' && r.doc.id, note('Warmup.md'));
    const h = lib.resolveLink(from(), { path: 'Warmup', heading: 'Gradual warmup' });
    assert.ok(h.kind === 'note' && h.section?.slug === 'gradual-warmup' && h.anchor === 'gradual-warmup');
    const b = lib.resolveLink(from(), { path: 'Warmup', block: 'linear-ramp' });
    assert.ok(b.kind === 'note' && b.anchor === '^linear-ramp' && b.section?.slug === 'gradual-warmup' && b.point?.index === 1);
    const self = lib.resolveLink(from(), { path: '', heading: 'Reading list' });
    assert.ok(self.kind === 'note' && self.doc.id === from() && self.section?.slug === 'reading-list');
  });

  test('a folder path tells notes of the same name apart; the bare name is ambiguous, and says so', () => {
    const r = lib.resolveLink(from(), { path: 'Optim/AdamW' });
    assert.equal(r.kind === 'note' && r.doc.id, note('Optim/AdamW.md'));
    const a = lib.resolveLink(from(), { path: 'AdamW' });
    assert.equal(a.kind, 'broken');
    assert.ok(a.kind === 'broken' && a.problem === 'ambiguous');
    assert.ok(a.kind === 'broken' && a.candidates?.includes('Optim/AdamW') && a.candidates.includes('Archive/AdamW'), JSON.stringify(a));
    assert.match(a.kind === 'broken' ? a.message : '', /2 notes/);
  });

  test('Dendron dotted names, names with spaces, Markdown links relative to the note', () => {
    const d = lib.resolveLink(from(), { path: 'ml.optim.lamb' });
    assert.equal(d.kind === 'note' && d.doc.title, 'LAMB');
    const s = lib.resolveLink(from(), { path: 'Focal Loss' });
    assert.equal(s.kind === 'note' && s.doc.id, note('Losses/Focal Loss.md'));
    const m = lib.resolveLink(from(), { path: 'Warmup.md', heading: 'gradual-warmup' }, 'markdown');
    assert.ok(m.kind === 'note' && m.section?.slug === 'gradual-warmup');
    const up = lib.resolveLink(note('Optim/SGD.md'), { path: '../Warmup.md' }, 'markdown');
    assert.equal(up.kind === 'note' && up.doc.id, note('Warmup.md'));
  });

  test('missing notes, headings and blocks are broken with a reason', () => {
    const n = lib.resolveLink(from(), { path: 'Missing note' });
    assert.ok(n.kind === 'broken' && n.problem === 'no-note' && /No note is named “Missing note”/.test(n.message));
    const h = lib.resolveLink(from(), { path: 'Warmup', heading: 'No such heading' });
    assert.ok(h.kind === 'broken' && h.problem === 'no-heading' && h.doc?.id === note('Warmup.md'));
    const b = lib.resolveLink(from(), { path: 'Warmup', block: 'nope' });
    assert.ok(b.kind === 'broken' && b.problem === 'no-block');
  });

  test('figures next to the notes: by name anywhere in the vault, relative to the linking note', () => {
    const f = lib.resolveLink(from(), { path: 'warmup.svg' }, 'embed');
    assert.deepEqual(f, { kind: 'file', relative: 'figures/warmup.svg', known: true });
    const deeper = lib.resolveLink(note('Optim/AdamW.md'), { path: 'warmup.svg' }, 'embed');
    assert.deepEqual(deeper, { kind: 'file', relative: '../figures/warmup.svg', known: true });
    const missing = lib.resolveLink(from(), { path: 'lr-schedule.svg' }, 'embed');
    assert.ok(missing.kind === 'broken' && missing.problem === 'no-file');
  });

  test('a name resolves again when notes come and go', () => {
    const lib2 = new NoteLibrary();
    lib2.setFile('/v/a/X.md', '# X', { root: '/v' });
    assert.equal(lib2.resolveLink('/v/Home.md', { path: 'x' }).kind, 'note');
    lib2.setFile('/v/b/X.md', '# X too', { root: '/v' });
    assert.equal(lib2.resolveLink('/v/Home.md', { path: 'x' }).kind, 'broken');
    lib2.removeFile('/v/a/X.md');
    const r = lib2.resolveLink('/v/Home.md', { path: 'x' });
    assert.equal(r.kind === 'note' && r.doc.id, '/v/b/X.md');
  });

  test('a name two notes share means the one next to the linking note, as Obsidian links it (the Obsidian help vault\'s `[[Security and privacy]]`)', () => {
    const lib2 = new NoteLibrary();
    lib2.setFile('/v/Sync/Security and privacy.md', 'Sync side.', { root: '/v' });
    lib2.setFile('/v/Publish/Security and privacy.md', 'Publish side.', { root: '/v' });
    const sync = lib2.resolveLink('/v/Sync/Set up Sync.md', { path: 'Security and privacy' });
    assert.equal(sync.kind === 'note' && sync.doc.id, '/v/Sync/Security and privacy.md');
    const publish = lib2.resolveLink('/v/Publish/Introduction.md', { path: 'security and privacy' });
    assert.equal(publish.kind === 'note' && publish.doc.id, '/v/Publish/Security and privacy.md');
    // From a third folder neither is next to it: still ambiguous.
    const home = lib2.resolveLink('/v/Home.md', { path: 'Security and privacy' });
    assert.ok(home.kind === 'broken' && home.problem === 'ambiguous');
  });

  test('a link that names a note by an alias stays broken (as in Obsidian) and says which note has the alias, and how to link it', () => {
    const lib2 = new NoteLibrary();
    lib2.setFile('/v/插件/插件.md', '---\naliases:\n  - 核心插件\n---\nCore plugins.', { root: '/v' });
    lib2.setFile('/v/Home.md', 'See [[核心插件]].', { root: '/v' });
    const r = lib2.resolveLink('/v/Home.md', { path: '核心插件' });
    assert.ok(r.kind === 'broken' && r.problem === 'no-note', JSON.stringify(r));
    assert.equal(r.kind === 'broken' && r.message, 'No note is named “核心插件”; it is an alias of “插件/插件”, and a link names a note by its file name: [[插件|核心插件]].');
    // What the link pointed to inside the note, and an embed's `!`, are kept in the link to write.
    const h = lib2.resolveLink('/v/Home.md', { path: '核心插件', heading: '列表' });
    assert.ok(h.kind === 'broken' && h.message.endsWith(': [[插件#列表|核心插件]].'), JSON.stringify(h));
    const e = lib2.resolveLink('/v/Home.md', { path: '核心插件', block: 'x1' }, 'embed');
    assert.ok(e.kind === 'broken' && e.message.endsWith(': ![[插件#^x1|核心插件]].'), JSON.stringify(e));
    // An alias that looks like a file name (`GPT-3.5`) is still found as an alias.
    lib2.setFile('/v/Models/OpenAI GPT.md', '---\naliases: [GPT-3.5]\n---\nText.', { root: '/v' });
    const g = lib2.resolveLink('/v/Home.md', { path: 'GPT-3.5' });
    assert.ok(g.kind === 'broken' && g.message.includes('it is an alias of “Models/OpenAI GPT”'), JSON.stringify(g));
    // The alias goes with its note.
    lib2.removeFile('/v/插件/插件.md');
    const gone = lib2.resolveLink('/v/Home.md', { path: '核心插件' });
    assert.equal(gone.kind === 'broken' && gone.message, 'No note is named “核心插件”.');
  });

  test('notes whose paths differ only in case (a case-sensitive file system): the name written in the same case picks one, any other case is ambiguous', () => {
    const lib2 = new NoteLibrary();
    lib2.setFile('/v/sub/X.md', '# Upper', { root: '/v' });
    lib2.setFile('/v/sub/x.md', '# Lower', { root: '/v' });
    const id = (r: ReturnType<typeof lib2.resolveLink>) => (r.kind === 'note' ? r.doc.id : r.kind === 'broken' ? r.problem : r.kind);
    assert.equal(id(lib2.resolveLink('/v/Home.md', { path: 'X' })), '/v/sub/X.md');
    assert.equal(id(lib2.resolveLink('/v/Home.md', { path: 'x' })), '/v/sub/x.md');
    assert.equal(id(lib2.resolveLink('/v/Home.md', { path: 'sub/X' })), '/v/sub/X.md');
    assert.equal(id(lib2.resolveLink('/v/Home.md', { path: 'sub/x.md' }, 'markdown')), '/v/sub/x.md');
    assert.equal(id(lib2.resolveLink('/v/sub/Other.md', { path: './X.md' }, 'markdown')), '/v/sub/X.md');
    const other = lib2.resolveLink('/v/Home.md', { path: 'Sub/x' });
    assert.equal(id(other), 'ambiguous');
    assert.deepEqual(other.kind === 'broken' && other.candidates, ['sub/X', 'sub/x']);
    // Either goes on its own.
    lib2.removeFile('/v/sub/X.md');
    assert.equal(id(lib2.resolveLink('/v/Home.md', { path: 'X' })), '/v/sub/x.md');
    assert.equal(id(lib2.resolveLink('/v/sub/Other.md', { path: './X.md' }, 'markdown')), '/v/sub/x.md');
  });

  test('a notes folder at the root of the file system: names, paths from its top, and places outside the library in it', () => {
    const lib2 = new NoteLibrary();
    lib2.setFile('/Optim/AdamW.md', '# AdamW', { root: '/' });
    lib2.setFile('/Home.md', '[[/Optim/AdamW]]', { root: '/' });
    const fromTop = lib2.resolveLink('/Home.md', { path: '/Optim/AdamW' });
    assert.equal(fromTop.kind === 'note' && fromTop.doc.id, '/Optim/AdamW.md');
    // A place no note of the library is (where the CLI resolves a name from) is in the notes folder that holds it: a
    // name that folder and another share means that folder's note.
    lib2.setFile('/srv/team/AdamW.md', '# Theirs', { root: '/srv/team' });
    const unlisted = lib2.resolveLink('/Elsewhere/Draft.md', { path: 'AdamW' });
    assert.equal(unlisted.kind === 'note' && unlisted.doc.id, '/Optim/AdamW.md');
    const theirs = lib2.resolveLink('/srv/team/Index.md', { path: 'AdamW' });
    assert.equal(theirs.kind === 'note' && theirs.doc.id, '/srv/team/AdamW.md');
  });

  test('notes in another notes folder do not make a name ambiguous', () => {
    const lib2 = new NoteLibrary();
    lib2.setFile('/v/X.md', '# Mine', { root: '/v' });
    lib2.setFile('/w/X.md', '# Theirs', { root: '/w' });
    lib2.setFile('/v/Home.md', '[[X]]', { root: '/v' });
    const r = lib2.resolveLink('/v/Home.md', { path: 'X' });
    assert.equal(r.kind === 'note' && r.doc.title, 'Mine');
  });

  test('URIs as ids (the editor): percent-encoded names resolve like paths', () => {
    const lib2 = new NoteLibrary();
    lib2.setFile('file:///v/Losses/Focal%20Loss.md', '# Focal Loss', { root: 'file:///v' });
    lib2.setFile('file:///v/Home.md', '[[Focal Loss]]', { root: 'file:///v' });
    const r = lib2.resolveLink('file:///v/Home.md', { path: 'focal loss' });
    assert.equal(r.kind === 'note' && r.doc.id, 'file:///v/Losses/Focal%20Loss.md');
    assert.equal(lib2.backlinks('file:///v/Losses/Focal%20Loss.md').length, 1);
  });
});

describe('backlinks', () => {
  let lib: NoteLibrary;
  before(async () => {
    lib = await loadVault();
  });

  test('every note and section that links to or embeds a note, with the line as context', () => {
    const links = lib.backlinks(note('Warmup.md'));
    const shown = links.map((b) => `${path.relative(vaultDir, b.doc.id)}:${b.link.line + 1} ${b.link.kind} [${b.section?.title}] ${b.context}`);
    assert.ok(shown.some((s) => /^Home\.md:\d+ wikilink \[Training recipes\] What I reach for first/.test(s)) || shown.some((s) => s.startsWith('Home.md:')), shown.join('\n'));
    assert.ok(shown.some((s) => s.startsWith('Home.md:') && s.includes(' embed [The warmup, embedded]')), shown.join('\n'));
    assert.ok(shown.some((s) => s.startsWith('Optim/SGD.md:3 wikilink [SGD] Momentum 0.9, and a warmup for large batches.')), shown.join('\n'));
    assert.ok(shown.some((s) => s.startsWith('Optim/AdamW.md:')), shown.join('\n'));
    // The context shows links as their text, never as [[…]].
    assert.ok(links.every((b) => !b.context.includes('[[')), shown.join('\n'));
  });

  test('a broken link (a missing heading) is not a backlink; the ambiguous [[AdamW]] is nobody\'s', () => {
    const toWarmup = lib.backlinks(note('Warmup.md'));
    assert.ok(!toWarmup.some((b) => b.link.heading === 'No such heading'));
    const toAdamW = lib.backlinks(note('Optim/AdamW.md'));
    assert.ok(toAdamW.every((b) => b.link.path !== 'AdamW'), JSON.stringify(toAdamW.map((b) => b.link)));
    assert.ok(toAdamW.some((b) => b.doc.id === note('Home.md')));
  });

  test('backlinks of a section: links to it, to a heading under it, or to a block in it', () => {
    const gradual = lib.backlinks(note('Warmup.md'), 'gradual-warmup');
    const kinds = gradual.map((b) => `${b.link.heading ?? ''}${b.link.block ? '^' + b.link.block : ''}`);
    assert.ok(kinds.includes('Gradual warmup'));
    assert.ok(kinds.includes('^linear-ramp'));
    assert.ok(!kinds.includes('Linear scaling rule'));
    // One entry per line: line 15 holds the block link and a Markdown link to the section.
    assert.equal(gradual.filter((b) => b.link.line === 14).length, 1);
  });

  test('updated per changed file: a note saved without its link drops out, a new note adds one', () => {
    const before = lib.backlinks(note('Warmup.md')).filter((b) => b.doc.id === note('Optim/SGD.md')).length;
    assert.equal(before, 1);
    lib.setFile(note('Optim/SGD.md'), '# SGD\n\nMomentum 0.9.\n', { root: vaultDir });
    assert.equal(lib.backlinks(note('Warmup.md')).filter((b) => b.doc.id === note('Optim/SGD.md')).length, 0);
    lib.setFile(note('New.md'), '# New\n\nAlso [[Warmup]].\n', { root: vaultDir });
    assert.ok(lib.backlinks(note('Warmup.md')).some((b) => b.doc.id === note('New.md') && b.context === 'Also Warmup.'));
    lib.removeFile(note('New.md'));
    assert.ok(!lib.backlinks(note('Warmup.md')).some((b) => b.doc.id === note('New.md')));
  });

  test('self-links are not backlinks', () => {
    assert.ok(lib.backlinks(note('Home.md')).every((b) => b.doc.id !== note('Home.md')));
  });
});

describe('names and tags in Look Up and hovers', () => {
  let lib: NoteLibrary;
  let lookup: LibraryLookup;
  before(async () => {
    lib = await loadVault();
    lookup = new LibraryLookup(lib);
  });
  const where = (r: { file: string; slug: string }) => `${path.relative(vaultDir, r.file)}#${r.slug}`;

  test('aliases and the front-matter title are names of the note: Look Up finds them', () => {
    assert.equal(where(lookup.search('Recipes', 5)[0]), 'Home.md#training-recipes');
    assert.equal(where(lookup.search('训练配方', 5)[0]), 'Home.md#training-recipes');
    assert.equal(where(lookup.search('LR warmup', 5)[0]), 'Warmup.md#warmup');
  });

  test('#tag lists the notes and sections with that tag or a tag under it, in note order', () => {
    assert.deepEqual(lookup.search('#ml', 20).map(where), ['Home.md#training-recipes', 'Warmup.md#warmup', 'Warmup.md#linear-scaling-rule']);
    assert.deepEqual(lookup.search('#ml/optim', 20).map(where), ['Warmup.md#warmup', 'Warmup.md#linear-scaling-rule']);
    assert.deepEqual(lookup.search('#training', 20).map(where), ['Home.md#checklist']);
    // While typing: the tags it starts.
    assert.deepEqual(lookup.search('#trai', 20).map(where), ['Home.md#checklist']);
    assert.deepEqual(lookup.search('#nothing-like-it', 20), []);
  });

  test('#tag with words: the words\' results that carry the tag', () => {
    const r = lookup.search('#ml/optim scaling', 20).map(where);
    assert.deepEqual(r, ['Warmup.md#linear-scaling-rule']);
  });

  test('hovers treat aliases like heading words: lr_warmup finds the Warmup note', () => {
    const ex = explainAt(lib, 'lr_warmup = 5\n', 2);
    assert.equal(ex && `${path.relative(vaultDir, ex.best.doc.id)}#${ex.best.section.slug}`, 'Warmup.md#warmup');
  });

  test('a note named by its file name gives hovers no word of it (`notes.md` does not catch `notes` in code); a front-matter title does', () => {
    const lib2 = new NoteLibrary();
    lib2.setFile('/v/notes.md', '## Meeting log\n\nText.\n', { root: '/v' });
    lib2.setFile('/v/focal.md', '---\ntitle: Focal loss\n---\n## Why\n\nText.\n', { root: '/v' });
    assert.equal(explainAt(lib2, 'notes = load()\n', 2), undefined);
    const ex = explainAt(lib2, 'focal_loss = 1\n', 2);
    assert.equal(ex?.best.doc.id, '/v/focal.md');
  });
});

describe('lines that may hold a tag', () => {
  test('a `#` that starts a tag is never passed over as one that cannot', () => {
    const piece = fc.constantFrom('#', '##', ' ', '\t', '\u00a0', '\u3000', 'a', '1', '/', '-', '语', 'C', '\n', '\r', '\ud83d\ude00');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.nat(3), (parts, lead) => {
        const text = 'x\n'.repeat(lead) + parts.join('');
        const lineStart = text.lastIndexOf('\n', text.length - 1) + 1;
        const line = text.slice(lineStart);
        for (let i = 0; i < line.length; i++) {
          if (line[i] !== '#') continue;
          if (tagAt(line, i)) assert.ok(mayStartTag(text, lineStart + i, lineStart), JSON.stringify(line));
        }
      }),
      { numRuns: 3000 },
    );
    assert.equal(mayStartTag('## Title', 0, 0), false);
    assert.equal(mayStartTag('C# code', 1, 0), false);
    assert.equal(mayStartTag('a #tag', 2, 0), true);
  });
});
