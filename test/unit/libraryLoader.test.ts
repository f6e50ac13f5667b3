import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nodeNoteFs } from '../../src/cli/nodeFs';
import { NoteLibrary } from '../../src/core/notes/library';
import { decodeLibraryCache, encodeLibraryCache, LIBRARY_CACHE_FORMAT, type CachedNote } from '../../src/core/notes/libraryCache';
import { LibraryLoader, type LoaderRoot } from '../../src/core/notes/libraryLoader';
import { forEachInOrder, type NoteFileSystem } from '../../src/core/notes/loader';
import { SLICE_MS, yieldToEventLoop } from '../../src/core/slices';
import { parseNote } from '../../src/core/notes/parse';
import { restoreNote, SNAPSHOT_VERSION } from '../../src/core/notes/snapshot';
import { tokenAt } from '../../src/core/terms/codeToken';
import { tempTree } from './helpers';
import { generateLibrary } from '../../bench/generate';
import { termEntriesOf } from '../../src/core/notes/library';

const KEY = 'roots and settings';

const NOTES = {
  'AdamW.md': '---\nterms:\n  decoupled: [AdamW, weight_decay]\n---\n\n# AdamW\n\n## Decoupled\n\nWeight decay apart from the gradient.\n\n- first point\n- second point\n',
  'Warmup.md': '---\naliases: [LR warmup]\n---\n\n# Warmup\n\n## Gradual warmup\n\nSee [[AdamW#Decoupled]]. #ml/training\n',
  'Focal.md': '---\nterms:\n  focal: [FocalLoss]\n---\n\n# Focal\n\n## Focal\n\nDown-weights easy examples.\n',
};

/** The note section a hover on a code identifier shows first (file#slug), if any. */
function hoverTargets(library: NoteLibrary, identifier: string): string[] {
  const at = tokenAt(identifier, 0);
  assert.ok(at);
  return library.lookupToken(at.token).map((m) => `${path.basename(m.doc.id)}#${m.section.slug}`).slice(0, 1);
}

interface Run {
  library: NoteLibrary;
  loader: LibraryLoader;
  /** Files read, in order. */
  reads: string[];
  /** How many files had been read when the terms were reported ready. */
  readsAtTermsReady: number;
  issues: string[];
}

async function load(dir: string, cache: Map<string, CachedNote>, fsys: NoteFileSystem = nodeNoteFs): Promise<Run> {
  const library = new NoteLibrary();
  const reads: string[] = [];
  const issues: string[] = [];
  const counting: NoteFileSystem = {
    ...fsys,
    readFile: (loc) => (reads.push(path.basename(loc)), fsys.readFile(loc)),
    // A read that stats and reads at once is a read too.
    statAndRead: fsys.statAndRead && ((loc, max) => (reads.push(path.basename(loc)), fsys.statAndRead!(loc, max))),
  };
  const loader = new LibraryLoader(library, {
    fs: counting,
    maxBytes: () => 1 << 20,
    label: (loc) => path.basename(loc),
    problem: (_root, p) => issues.push(p.message),
    fileIssue: (loc, issue) => issues.push(`${path.basename(loc)}: ${issue.message}`),
  });
  let readsAtTermsReady = -1;
  const root: LoaderRoot = { loc: dir, bundled: false };
  await loader.loadAll([root], cache, () => {
    if (readsAtTermsReady < 0) readsAtTermsReady = reads.length;
  });
  return { library, loader, reads, readsAtTermsReady, issues };
}

/** What the next session finds: the notes as the loader read them, through the cache's text form. */
function keep(run: Run, key = KEY): string {
  const notes = run.library.documents().map((doc) => ({ doc, info: run.library.info(doc.id) ?? {}, ...run.loader.stamps.get(doc.id)! }));
  assert.equal(notes.length, run.loader.stamps.size, 'every note read has its size and time');
  return new TextDecoder().decode(encodeLibraryCache(key, notes, run.library.terms));
}

function touch(file: string, text: string, mtime: Date): void {
  fs.writeFileSync(file, text);
  fs.utimesSync(file, mtime, mtime);
}

test('a second session rebuilds unchanged notes from the kept index and parses the changed ones (size or time)', async () => {
  const dir = tempTree(NOTES);
  const past = new Date(Date.now() - 60_000);
  for (const name of Object.keys(NOTES)) fs.utimesSync(path.join(dir, name), past, past);
  const first = await load(dir, new Map());
  assert.deepEqual(first.loader.counts, { restored: 0, parsed: 3 });
  assert.deepEqual(hoverTargets(first.library, 'AdamW'), ['AdamW.md#decoupled']);
  const kept = keep(first);

  // Unchanged: every note comes back, with its terms, links and points, and none is parsed; from the text or from
  // its bytes as a host reads them.
  const fromBytes = await load(dir, decodeLibraryCache(new TextEncoder().encode(kept), KEY).notes);
  assert.deepEqual(fromBytes.loader.counts, { restored: 3, parsed: 0 });
  assert.deepEqual(hoverTargets(fromBytes.library, 'weight_decay'), ['AdamW.md#decoupled']);
  const same = await load(dir, decodeLibraryCache(kept, KEY).notes);
  assert.deepEqual(same.loader.counts, { restored: 3, parsed: 0 });
  assert.deepEqual(hoverTargets(same.library, 'weight_decay'), ['AdamW.md#decoupled']);
  const adamw = same.library.get(path.join(dir, 'AdamW.md'))!;
  assert.deepEqual(adamw.sections[1].points.map((p) => p.summary), ['first point', 'second point']);
  assert.equal(same.library.backlinks(path.join(dir, 'AdamW.md')).length, 1, 'the link from Warmup is known');
  assert.deepEqual(same.issues, []);

  // One note grows (another size), one is rewritten with the same size (another time): those two are parsed again,
  // and a hover shows what they say now.
  touch(path.join(dir, 'AdamW.md'), NOTES['AdamW.md'].replace('[AdamW, weight_decay]', '[AdamW, decoupled_weight_decay]'), past);
  const focal = NOTES['Focal.md'].replace('FocalLoss', 'SigmoidFL');
  assert.equal(focal.length, NOTES['Focal.md'].length);
  touch(path.join(dir, 'Focal.md'), focal, new Date());
  const changed = await load(dir, decodeLibraryCache(kept, KEY).notes);
  assert.deepEqual(changed.loader.counts, { restored: 1, parsed: 2 });
  assert.deepEqual(hoverTargets(changed.library, 'decoupled_weight_decay'), ['AdamW.md#decoupled']);
  assert.deepEqual(hoverTargets(changed.library, 'weight_decay'), []);
  assert.deepEqual(hoverTargets(changed.library, 'SigmoidFL'), ['Focal.md#focal']);
  assert.deepEqual([...changed.library.get(path.join(dir, 'Focal.md'))!.terms], [['focal', ['SigmoidFL']]]);

  // A note removed since is gone, not kept from the index.
  fs.rmSync(path.join(dir, 'Focal.md'));
  const removed = await load(dir, decodeLibraryCache(kept, KEY).notes);
  assert.deepEqual(hoverTargets(removed.library, 'FocalLoss'), []);
  assert.equal(removed.library.documents().length, 2);
});

test('terms registered from a kept index resolve every code token as the notes they were kept from do', () => {
  const notes = [...Object.entries(NOTES).map(([id, text]) => ({ id, text })), ...generateLibrary({ files: 40, sectionsPerFile: 12, seed: 7 })];
  const docs = notes.map((n) => parseNote(n.text, n.id));
  const parsed = new NoteLibrary();
  for (const doc of docs) parsed.setDocument(doc);
  const kept = new NoteLibrary();
  const stamped = docs.map((doc) => ({ doc, info: {}, size: 1, mtime: 1 }));
  const encoded = encodeLibraryCache(KEY, stamped);
  // Kept from the index the notes are in (what the extension does) or from the notes themselves: the same bytes.
  assert.deepEqual(encodeLibraryCache(KEY, stamped, parsed.terms), encoded);
  // Written into a buffer grown in place (more than its first 64 KB), shrunk to the bytes written; where the runtime
  // cannot grow a buffer so (doubling it instead), the same bytes.
  assert.ok(encoded.byteLength > 1 << 16, `${encoded.byteLength} bytes`);
  assert.equal(encoded.buffer.byteLength, encoded.byteLength);
  const resize = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'resize');
  assert.ok(resize, 'this Node grows buffers in place');
  delete (ArrayBuffer.prototype as { resize?: unknown }).resize;
  try {
    assert.deepEqual(encodeLibraryCache(KEY, stamped), encoded);
  } finally {
    Object.defineProperty(ArrayBuffer.prototype, 'resize', resize);
  }
  const cache = decodeLibraryCache(encoded, KEY).notes;
  for (const [id, c] of cache) kept.setPending(id, c.terms);
  // Every note's line, Chinese text included, reads back as the note it was kept from.
  notes.forEach((n, i) => {
    const restored = restoreNote(cache.get(n.id)!.snapshot()!, n.id, n.text);
    assert.deepEqual(restored?.sections.map((x) => [x.title, x.slug, x.startLine]), docs[i].sections.map((x) => [x.title, x.slug, x.startLine]), n.id);
  });
  assert.ok(notes.some((n) => /[\u4e00-\u9fff]/.test(n.text)), 'the notes have Chinese text');
  // Every term as written, and as code would spell it: an attribute, a keyword, a call's parts.
  const tokens = new Set<string>();
  for (const doc of docs) for (const e of termEntriesOf(doc)) tokens.add(e.term);
  for (const t of [...tokens]) tokens.add(`self.${t.replace(/\W+/g, '_').toLowerCase()}`);
  let matched = 0;
  for (const text of tokens) {
    const at = tokenAt(text, text.length - 1);
    if (!at) continue;
    const expected = parsed.terms.resolve(at.token, 20);
    assert.deepEqual(kept.terms.resolve(at.token, 20), expected, text);
    assert.deepEqual(kept.filesFor(at.token), parsed.filesFor(at.token), text);
    if (expected.length) matched++;
  }
  assert.ok(matched > 200, `${matched} tokens matched`);
  assert.equal(kept.terms.size, parsed.terms.size);
  // The note read later, with the same terms, is not indexed again and gives the same.
  for (const doc of docs) kept.setDocument(doc);
  assert.deepEqual(kept.terms.resolve(tokenAt('FocalLoss', 0)!.token), parsed.terms.resolve(tokenAt('FocalLoss', 0)!.token));
});

test('with a kept index, hovers have their terms before the folder is listed or any file read, and read only what they show', async () => {
  const dir = tempTree(NOTES);
  const kept = keep(await load(dir, new Map()));
  const cache = decodeLibraryCache(kept, KEY).notes;

  const library = new NoteLibrary();
  // Listing the folder and reading files wait until released: the terms must not depend on them.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const reads: string[] = [];
  const gated: NoteFileSystem = {
    ...nodeNoteFs,
    statAndRead: undefined,
    readDirectory: async (loc) => (await gate, nodeNoteFs.readDirectory(loc)),
    readFile: async (loc) => (reads.push(path.basename(loc)), await gate, nodeNoteFs.readFile(loc)),
  };
  const loader = new LibraryLoader(library, { fs: gated, maxBytes: () => 1 << 20, label: (l) => l, problem: () => undefined, fileIssue: () => undefined });
  let termsReady!: () => void;
  const ready = new Promise<void>((r) => (termsReady = r));
  const loading = loader.loadAll([{ loc: dir, bundled: false }], cache, termsReady);
  await ready;
  const at = tokenAt('FocalLoss', 0)!;
  const focalId = path.join(dir, 'Focal.md');
  assert.deepEqual(library.filesFor(at.token), [focalId], 'the term is known from the index');
  assert.ok(library.isPending(focalId));
  assert.deepEqual(library.lookupToken(at.token), [], 'its text is not there yet');
  assert.equal(library.documents().length, 0);
  release();
  await loader.ensure([focalId]);
  assert.equal(library.lookupToken(at.token)[0]?.section.title, 'Focal');
  await loading;
  assert.equal(library.documents().length, 3);
  assert.equal(reads.filter((r) => r === 'Focal.md').length, 1, 'the note a hover read is not read twice');
});

test('with a kept index and a rest, the notes are read again only after it: a hover reads what it shows meanwhile, and hurry ends it', async () => {
  const dir = tempTree(NOTES);
  const kept = keep(await load(dir, new Map()));
  const reads: string[] = [];
  const listings: string[] = [];
  const counting: NoteFileSystem = {
    ...nodeNoteFs,
    statAndRead: undefined,
    readDirectory: (loc) => (listings.push(loc), nodeNoteFs.readDirectory(loc)),
    readFile: (loc) => (reads.push(path.basename(loc)), nodeNoteFs.readFile(loc)),
  };
  const start = (restMs: number) => {
    const library = new NoteLibrary();
    const loader = new LibraryLoader(library, { fs: counting, maxBytes: () => 1 << 20, label: (l) => l, problem: () => undefined, fileIssue: () => undefined }, SLICE_MS, restMs);
    let termsReady!: () => void;
    const ready = new Promise<void>((r) => (termsReady = r));
    const loading = loader.loadAll([{ loc: dir, bundled: false }], decodeLibraryCache(kept, KEY).notes, termsReady);
    return { library, loader, ready, loading };
  };

  // A long rest: nothing is listed or read until something needs every note.
  const long = start(60_000);
  await long.ready;
  for (let i = 0; i < 5; i++) await yieldToEventLoop();
  assert.ok(long.loader.resting);
  assert.deepEqual([listings.length, reads.length], [0, 0], 'nothing listed or read while resting');
  const focalId = path.join(dir, 'Focal.md');
  await long.loader.ensure([focalId]);
  assert.deepEqual(reads, ['Focal.md'], 'a hover reads the note it shows');
  assert.equal(long.library.lookupToken(tokenAt('FocalLoss', 0)!.token)[0]?.section.title, 'Focal');
  long.loader.hurry();
  assert.equal(long.loader.resting, false);
  await long.loading;
  assert.equal(long.library.documents().length, 3);
  assert.equal(long.loader.counts.restored, 3, 'every note rebuilt from the index, the other two once the rest ended');
  assert.equal(reads.filter((r) => r === 'Focal.md').length, 1, 'the note the hover read is not read again');

  // A short rest ends by itself; without a kept index there is none.
  reads.length = listings.length = 0;
  const short = start(20);
  await short.ready;
  assert.ok(short.loader.resting);
  await short.loading;
  assert.equal(short.library.documents().length, 3);
  const library = new NoteLibrary();
  const cold = new LibraryLoader(library, { fs: counting, maxBytes: () => 1 << 20, label: (l) => l, problem: () => undefined, fileIssue: () => undefined }, SLICE_MS, 60_000);
  await cold.loadAll([{ loc: dir, bundled: false }], new Map(), () => undefined);
  assert.equal(library.documents().length, 3, 'a load with nothing kept does not rest');
});

test('a damaged, cut short, older or foreign index is not used and says why; the notes are read as if there were none', async () => {
  const dir = tempTree(NOTES);
  const kept = keep(await load(dir, new Map()));

  const cut = decodeLibraryCache(kept.slice(0, kept.length / 2), KEY);
  assert.equal(cut.notes.size, 0);
  assert.match(cut.ignored?.text ?? '', /^it is damaged/);
  assert.ok(!cut.stale);

  const notAnIndex = decodeLibraryCache('{"hello": 1}', KEY);
  assert.equal(notAnIndex.notes.size, 0);
  assert.equal(notAnIndex.ignored?.text, 'it is not an index of notes.');

  const older = decodeLibraryCache(kept.replace(`"v":${LIBRARY_CACHE_FORMAT},`, `"v":${LIBRARY_CACHE_FORMAT - 1},`), KEY);
  assert.equal(older.notes.size, 0);
  assert.equal(older.ignored?.text, `it was written in format ${LIBRARY_CACHE_FORMAT - 1}, this version reads format ${LIBRARY_CACHE_FORMAT}.${SNAPSHOT_VERSION}.`);
  assert.ok(older.stale);
  const olderSnapshots = decodeLibraryCache(kept.replace(`"sv":${SNAPSHOT_VERSION},`, `"sv":${SNAPSHOT_VERSION - 1},`), KEY);
  assert.equal(olderSnapshots.notes.size, 0);
  assert.equal(olderSnapshots.ignored?.text, `it was written in format ${LIBRARY_CACHE_FORMAT}.${SNAPSHOT_VERSION - 1}, this version reads format ${LIBRARY_CACHE_FORMAT}.${SNAPSHOT_VERSION}.`);

  const foreign = decodeLibraryCache(kept, 'other folders');
  assert.equal(foreign.notes.size, 0);
  assert.ok(foreign.stale && foreign.ignored);

  // The index and then one line per note's snapshot.
  const [head, ...snapshots] = kept.split('\n');
  assert.equal(snapshots.length, 3);
  const index = JSON.parse(head);
  // A note's terms broken: that note alone is read and parsed again, and the index says so.
  index.files[1].e = 'not numbers';
  // A snapshot broken (not a snapshot; sections that are not rows): seen when its note is read, which then parses it.
  const snap0 = JSON.parse(snapshots[0]);
  snap0.lineCount = 'many';
  const snap2 = JSON.parse(snapshots[2]);
  snap2.sections = [['x', 1]];
  const partial = decodeLibraryCache([JSON.stringify(index), JSON.stringify(snap0), snapshots[1], JSON.stringify(snap2)].join('\n'), KEY);
  assert.equal(partial.notes.size, 2);
  assert.equal(partial.ignored?.text, '1 of its 3 notes are damaged; those are read again.');
  const run = await load(dir, partial.notes);
  assert.deepEqual(run.loader.counts, { restored: 0, parsed: 3 });
  assert.deepEqual(hoverTargets(run.library, 'FocalLoss'), ['Focal.md#focal']);
  assert.deepEqual(hoverTargets(run.library, 'AdamW'), ['AdamW.md#decoupled']);

  // Snapshot lines missing (the text cut after its first line): not used.
  const headOnly = decodeLibraryCache(head, KEY);
  assert.equal(headOnly.notes.size, 0);
  assert.match(headOnly.ignored?.text ?? '', /^it is damaged/);

  // Whatever byte of the file is wrong, decoding and loading with what it gives never throw, and every note loads.
  for (let cutAt = 0; cutAt < kept.length; cutAt += Math.ceil(kept.length / 97)) {
    const mangled = kept.slice(0, cutAt) + '0' + kept.slice(cutAt + 1);
    const loaded = await load(dir, decodeLibraryCache(mangled, KEY).notes);
    assert.equal(loaded.library.documents().length, 3, `byte ${cutAt}`);
    const bytes = new TextEncoder().encode(kept);
    bytes[Math.min(cutAt, bytes.length - 1)] = cutAt % 2 ? 0xff : 0x30;
    const fromBytes = await load(dir, decodeLibraryCache(bytes, KEY).notes);
    assert.equal(fromBytes.library.documents().length, 3, `byte ${cutAt}, as bytes`);
  }
});

test('a note whose file has the kept size and time but other lines is parsed, not rebuilt from a wrong index', async () => {
  const dir = tempTree({ 'A.md': '# A\n\n- one\n' });
  const first = await load(dir, new Map());
  const kept = decodeLibraryCache(keep(first), KEY).notes;
  const id = path.join(dir, 'A.md');
  const stamp = first.loader.stamps.get(id)!;
  // Same length, one more line: a file system with a coarse clock could report the same size and time.
  const text = '# A\n\n-\none\n';
  assert.equal(text.length, stamp.size);
  fs.writeFileSync(id, text);
  const same: NoteFileSystem = { ...nodeNoteFs, statAndRead: undefined, stat: async (loc) => ({ ...(await nodeNoteFs.stat(loc))!, mtime: stamp.mtime }) };
  const run = await load(dir, kept, same);
  assert.deepEqual(run.loader.counts, { restored: 0, parsed: 1 });
  assert.deepEqual(run.library.get(id)!.sections.map((s) => s.title), parseNote(text, id).sections.map((s) => s.title));
});

test('on a file system that gives no modification time, notes are parsed at every start (nothing tells a change)', async () => {
  const dir = tempTree(NOTES);
  const timeless: NoteFileSystem = { ...nodeNoteFs, statAndRead: undefined, stat: async (loc) => {
    const st = await nodeNoteFs.stat(loc);
    return st && { ...st, mtime: 0 };
  } };
  const first = await load(dir, new Map(), timeless);
  assert.equal(first.loader.stamps.size, 0, 'nothing to keep a note by');
  const withTime = await load(dir, new Map());
  const again = await load(dir, decodeLibraryCache(keep(withTime), KEY).notes, timeless);
  assert.deepEqual(again.loader.counts, { restored: 0, parsed: 3 });
});

test('notes go into the library in the order they are listed, whichever read ends first (the same order on every start, as the CLI)', async () => {
  const names = Array.from({ length: 40 }, (_, i) => `n${String(i).padStart(2, '0')}.md`);
  const dir = tempTree(Object.fromEntries(names.map((n) => [n, `# ${n}\n\nShared term: BatchNorm.\n`])));
  // Reads end in the reverse of their start order: the last file listed arrives first.
  let started = 0;
  const slow: NoteFileSystem = {
    ...nodeNoteFs,
    statAndRead: undefined,
    readFile: async (loc) => {
      const wait = 40 - started++;
      await new Promise((r) => setTimeout(r, wait));
      return nodeNoteFs.readFile(loc);
    },
  };
  const run = await load(dir, new Map(), slow);
  const listed = [...run.library.documents()].map((d) => path.basename(d.id));
  assert.deepEqual(listed, [...listed].sort(), 'in listing order');
  assert.equal(listed.length, names.length);
});

test('a load whose reads are all ready lets a request that came meanwhile (a hover) run before it ends, not after', async () => {
  // 200 notes whose reads are done at once and whose commits take 1 ms each: without a pause, promise reactions alone
  // would carry the load to its end before any timer, I/O callback or message of the host ran.
  const items = Array.from({ length: 200 }, (_, i) => i);
  let committed = 0;
  let committedWhenAnswered = -1;
  setTimeout(() => (committedWhenAnswered = committed), 0);
  await forEachInOrder(
    items,
    16,
    async (i) => i,
    () => {
      const until = performance.now() + 1;
      while (performance.now() < until) {
        // a note's rebuild
      }
      committed++;
    },
  );
  assert.equal(committed, items.length);
  assert.ok(committedWhenAnswered >= 0 && committedWhenAnswered < items.length / 2, `answered after ${committedWhenAnswered} of ${items.length} commits (slices of ${SLICE_MS} ms)`);
});

test('terms kept from the last session are registered in slices: a request that came meanwhile runs before they are all in', async () => {
  const dir = tempTree(NOTES);
  const cache = decodeLibraryCache(keep(await load(dir, new Map())), KEY).notes;
  const library = new NoteLibrary();
  // Slices of 0 ms: the loader yields after every note (a vault's terms take the better part of a second).
  const loader = new LibraryLoader(library, { fs: nodeNoteFs, maxBytes: () => 1 << 20, label: (l) => l, problem: () => undefined, fileIssue: () => undefined }, 0);
  let termsReadyAt = -1;
  let answeredAt = -1;
  let step = 0;
  // A request the host received meanwhile (an I/O callback, which setImmediate stands for: it runs once the event loop
  // gets to it, and does not wait for a timer's millisecond).
  setImmediate(() => (answeredAt = step++));
  await loader.loadAll([{ loc: dir, bundled: false }], cache, () => {
    if (termsReadyAt < 0) termsReadyAt = step++;
  });
  assert.ok(answeredAt >= 0 && answeredAt < termsReadyAt, `the request ran at step ${answeredAt}, the terms were ready at step ${termsReadyAt}`);
  assert.equal(library.documents().length, Object.keys(NOTES).length, 'every note loaded after it');
});

test('where there is no setImmediate (the web extension host\'s worker), a yield still lets a waiting message run first', async () => {
  const saved = globalThis.setImmediate;
  const SavedChannel = globalThis.MessageChannel;
  // The yield is a message to itself, which waits for no timer's clamp: count the channels it opens.
  let channels = 0;
  globalThis.MessageChannel = class extends SavedChannel {
    constructor() {
      super();
      channels++;
    }
  };
  // @ts-expect-error: a browser's worker has none
  delete globalThis.setImmediate;
  try {
    const channel = new SavedChannel();
    let delivered = false;
    channel.port1.onmessage = () => (delivered = true);
    channel.port2.postMessage('a hover');
    await yieldToEventLoop();
    channel.port1.close();
    assert.ok(delivered, 'the message came before the loader went on');
    assert.equal(channels, 1, 'a message, not a timer');
  } finally {
    globalThis.setImmediate = saved;
    globalThis.MessageChannel = SavedChannel;
  }
});

test('a note indexed from an editor\'s unsaved text while the notes load keeps that text: the load does not put the file over it', async () => {
  const dir = tempTree(NOTES);
  const library = new NoteLibrary();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const gated: NoteFileSystem = { ...nodeNoteFs, statAndRead: undefined, readFile: async (loc) => (await gate, nodeNoteFs.readFile(loc)) };
  const loader = new LibraryLoader(library, { fs: gated, maxBytes: () => 1 << 20, label: (l) => l, problem: () => undefined, fileIssue: () => undefined });
  const loading = loader.loadAll([{ loc: dir, bundled: false }], new Map(), () => undefined);
  // The reads are under way: the host indexes the note from an editor (what NotesService.indexUnsaved does).
  const focal = path.join(dir, 'Focal.md');
  loader.keepIndexed(focal);
  library.setFile(focal, NOTES['Focal.md'].replace('Down-weights easy examples.', 'Unsaved: the edited line.'));
  release();
  await loading;
  assert.match(library.documents().find((d) => d.id === focal)!.text, /Unsaved: the edited line\./);
  assert.equal(library.documents().length, 3);
});

test('a note indexed from unsaved text is not kept under its file\'s size and time: the next session reads the file again', async () => {
  const dir = tempTree(NOTES);
  const library = new NoteLibrary();
  const loader = new LibraryLoader(library, { fs: nodeNoteFs, maxBytes: () => 1 << 20, label: (l) => l, problem: () => undefined, fileIssue: () => undefined });
  await loader.loadAll([{ loc: dir, bundled: false }], new Map(), () => undefined);
  const focal = path.join(dir, 'Focal.md');
  assert.ok(loader.stamps.has(focal), 'a note read from its file is stamped');
  loader.keepIndexed(focal);
  library.setFile(focal, NOTES['Focal.md'].replace('Down-weights easy examples.', 'Unsaved: the edited line.'));
  assert.equal(loader.stamps.has(focal), false);
  assert.equal(loader.stamps.size, 2, 'the other notes keep theirs');
});
