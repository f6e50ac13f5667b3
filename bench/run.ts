/**
 * `npm run bench`: every case several times, medians and p99s, a pass/fail column against each target, and
 * bench/results/latest.json. Targets are reported, never asserted (wall-clock limits depend on the machine).
 *
 *   node out/bench/run.js [--quick] [--strict] [--files N]
 *     --quick   fewer runs and a 200-file library (for a fast look while developing)
 *     --strict  exit with code 1 when a target is missed
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NoteLibrary } from '../src/core/notes/library';
import { parseNote } from '../src/core/notes/parse';
import type { NoteDocument } from '../src/core/notes/types';
import { LookupIndex } from '../src/core/search/lookupIndex';
import { LibraryLookup } from '../src/core/search/libraryLookup';
import { SLICE_MS } from '../src/core/slices';
import MarkdownIt from 'markdown-it';
import { tokenAt } from '../src/core/terms/codeToken';
import { MiniSearchBaseline, type BaselineHit } from './baseline';
import { benchRefs } from './refs';
import { generateLibrary } from './generate';
import { HOVER_SNIPPETS, LABELLED_QUERIES, LIBRARY_QUERIES, isExpected, splitCursor } from './lookupQueries';
import { formatMs, measure, summarize, type Summary } from './stats';

const repoRoot = path.resolve(__dirname, '..', '..');
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
/** Only the library-indexing rows and the hit rates: a short loop while working on the index. */
const libraryOnly = args.has('--library');
const filesArg = process.argv.indexOf('--files');
const FILES = filesArg > 0 ? Number(process.argv[filesArg + 1]) : quick ? 200 : 1000;
const SECTIONS_PER_FILE = 50;
const SEED = 20240501;

interface Target {
  stat: 'median' | 'p99' | 'value';
  /** Milliseconds for timings; for `value`, the minimum. */
  limit: number;
  label: string;
}

interface Row {
  name: string;
  runs?: number;
  median?: number;
  p99?: number;
  /** For rows that are not timings (hit rates), shown in place of median/p99. */
  text?: string;
  target?: Target;
  pass?: boolean;
  note?: string;
}

const rows: Row[] = [];
const details: Record<string, unknown> = {};

function timed(name: string, s: Summary, target?: Omit<Target, 'label'> & { label?: string }, note?: string): Row {
  const t: Target | undefined = target ? { ...target, label: target.label ?? `${target.stat} < ${target.limit} ms` } : undefined;
  const value = t ? (t.stat === 'p99' ? s.p99 : s.median) : undefined;
  const r: Row = { name, runs: s.runs, median: s.median, p99: s.p99, target: t, pass: t && value !== undefined ? value < t.limit : undefined, note };
  rows.push(r);
  return r;
}

function info(name: string, text: string, note?: string, target?: Target, pass?: boolean): void {
  rows.push({ name, text, note, target, pass });
}

/** The collector, for memory figures (V8 exposes it to a fresh context once the flag is set). */
function exposeGc(): (() => void) | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('node:v8').setFlagsFromString('--expose-gc');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node:vm').runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

// -------------------------------------------------------------------------------------------------------------
// Bundled notes

function readBundled(): { id: string; text: string }[] {
  const dir = path.join(repoRoot, 'notes');
  const out: { id: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (/\.(md|markdown)$/i.test(name)) out.push({ id: path.relative(repoRoot, p).split(path.sep).join('/'), text: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

function benchBundled(bundled: { id: string; text: string }[]): NoteDocument[] {
  log(`indexing the bundled notes (${bundled.length} file(s))`);
  let docs: NoteDocument[] = [];
  const samples = measure(
    () => {
      const library = new NoteLibrary();
      const index = new LookupIndex();
      docs = bundled.map((f) => parseNote(f.text, f.id));
      for (const doc of docs) {
        library.setDocument(doc, { bundled: true });
        index.updateFile(doc, { bundled: true });
      }
      index.flush();
    },
    quick ? 20 : 100,
    5,
  );
  const sections = docs.reduce((n, d) => n + d.sections.length, 0);
  timed('index bundled notes (parse + terms + lookup)', summarize(samples), { stat: 'median', limit: 5 }, `${bundled.length} file(s), ${sections} sections`);
  return docs;
}

// -------------------------------------------------------------------------------------------------------------
// Generated library

function benchLibrary(bundled: { id: string; text: string }[]): { library: NoteLibrary; index: LookupIndex; docs: NoteDocument[] } {
  log(`generating ${FILES} note files (seed ${SEED})`);
  const files = generateLibrary({ files: FILES, sectionsPerFile: SECTIONS_PER_FILE, seed: SEED });
  const chars = files.reduce((n, f) => n + f.text.length, 0);
  const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
  const runs = quick ? 2 : 5;
  const parse: number[] = [];
  const terms: number[] = [];
  const lookup: number[] = [];
  const total: number[] = [];
  const markdownIt: number[] = [];
  const ratios: number[] = [];
  // The baseline: markdown-it alone (the panel's configuration, no plugins) parsing the same files to tokens.
  const md = new MarkdownIt({ html: true, linkify: true });
  let last: { library: NoteLibrary; index: LookupIndex; docs: NoteDocument[] } | undefined;
  const gc = exposeGc();
  for (let i = 0; i < runs; i++) {
    log(`indexing the library, run ${i + 1}/${runs}`);
    last = undefined; // let the previous run's index go before measuring the next
    // And collect it: otherwise the next run's indexing pays for freeing this one (a full collection of the old
    // library lands in it, while markdown-it's parse leaves only short-lived garbage). Each run starts from the same
    // collected heap, markdown-it's parse and the indexing alike.
    gc?.();
    const m0 = performance.now();
    for (const f of [...bundled, ...files]) md.parse(f.text, {});
    const mdMs = performance.now() - m0;
    const t0 = performance.now();
    const docs = [...bundled.map((f) => parseNote(f.text, f.id)), ...files.map((f) => parseNote(f.text, f.id))];
    const t1 = performance.now();
    const library = new NoteLibrary();
    docs.forEach((doc, k) => library.setDocument(doc, { bundled: k < bundled.length, root: k < bundled.length ? 'notes' : 'notes/gen' }));
    const t2 = performance.now();
    const lookupOf = new LibraryLookup(library);
    lookupOf.sync();
    const t3 = performance.now();
    lookupOf.dispose();
    parse.push(t1 - t0);
    terms.push(t2 - t1);
    lookup.push(t3 - t2);
    total.push(t3 - t0);
    markdownIt.push(mdMs);
    ratios.push((t3 - t0) / mdMs);
    last = { library, index: lookupOf.index, docs };
  }
  const docs = last!.docs;
  const sections = docs.reduce((n, d) => n + d.sections.length, 0);
  const points = docs.reduce((n, d) => n + d.sections.reduce((m, s) => m + s.points.length, 0), 0);
  const links = docs.reduce((n, d) => n + d.links.length, 0);
  const embeds = docs.reduce((n, d) => n + d.links.filter((l) => l.kind === 'embed').length, 0);
  const tags = docs.reduce((n, d) => n + d.tags.length, 0);
  const callouts = files.reduce((n, f) => n + (f.text.match(/^> \[!/gm) ?? []).length, 0);
  details.library = { files: docs.length, sections, points, chars, bytes, links, embeds, tags, callouts, lookupEntries: last!.index.size };
  timed(
    `index library: ${FILES} files, ${sections} sections (total)`,
    summarize(total),
    { stat: 'median', limit: 1000 },
    `${(bytes / 1e6).toFixed(1)} MB of Markdown, ${points} points, ${links} links (${embeds} embeds), ${tags} tags, ${callouts} callouts`,
  );
  timed('  of which: parse (parseNote: sections, points, links, tags)', summarize(parse));
  timed('  of which: term index, names and link index (NoteLibrary)', summarize(terms));
  timed('  of which: lookup index and tags (LibraryLookup)', summarize(lookup), undefined, 'built in the background once the notes are read');
  timed('  markdown-it alone: parse of the same files (baseline)', summarize(markdownIt), undefined, 'new MarkdownIt({ html: true, linkify: true }).parse(text, {}) per file, in the same runs');
  const ratio = summarize(ratios).median;
  details.indexToMarkdownItParse = Math.round(ratio * 1000) / 1000;
  info('  index / markdown-it parse (median of the runs)', `${ratio.toFixed(2)}×`, `per run: ${ratios.map((r) => r.toFixed(2)).join(', ')}`, { stat: 'value', limit: 0.5, label: '≤ 0.5×' }, ratio <= 0.5);

  if (gc) {
    // The heap and the typed arrays' memory outside it (the packed posting lists), after collections until the
    // reading stops falling: one collection can leave garbage of the runs above (a run read −7.2 MB so).
    const used = () => {
      let bytes = Infinity;
      for (let i = 0; i < 6; i++) {
        gc();
        const m = process.memoryUsage();
        const now = m.heapUsed + m.arrayBuffers;
        if (now >= bytes - 64 * 1024) return Math.min(now, bytes);
        bytes = now;
      }
      return bytes;
    };
    const before = used();
    const index = new LookupIndex();
    last!.docs.forEach((doc, k) => index.updateFile(doc, { bundled: k < bundled.length }));
    index.flush();
    index.pack();
    const mb = (used() - before) / 2 ** 20;
    details.lookupIndexHeapMB = Math.round(mb * 10) / 10;
    info('  lookup index memory (heap + array buffers, beyond the parsed notes)', `${mb.toFixed(1)} MB`, `${index.size} entries`);
  }
  return last!;
}

// -------------------------------------------------------------------------------------------------------------
// The lookup index built in the background, as the extension does once the notes settle

function benchBackgroundIndex(library: NoteLibrary): void {
  log('lookup index in background slices');
  const slices: number[] = [];
  const lookup = new LibraryLookup(library);
  for (;;) {
    const t = performance.now();
    const done = lookup.syncFor(SLICE_MS);
    slices.push(performance.now() - t);
    if (done) break;
  }
  lookup.dispose();
  const s = summarize(slices);
  const longest = Math.max(...slices);
  info(
    'lookup index in the background: longest slice',
    formatMs(longest),
    `${slices.length} slices of ${SLICE_MS} ms (median ${formatMs(s.median)}); the first Look Up then finds it built`,
    { stat: 'value', limit: 50, label: '< 50 ms (a long task)' },
    longest < 50,
  );
}

// -------------------------------------------------------------------------------------------------------------
// Hover resolution

function benchHover(library: NoteLibrary): void {
  log('hover resolution');
  const cases = HOVER_SNIPPETS.map(splitCursor);
  const rounds = quick ? 50 : 300;
  const samples: number[] = [];
  let resolved = 0;
  for (let r = 0; r < rounds + 5; r++) {
    for (const c of cases) {
      const t = performance.now();
      const tok = tokenAt(c.text, c.offset);
      const matches = tok ? library.lookupToken(tok.token) : [];
      const dt = performance.now() - t;
      if (r >= 5) samples.push(dt);
      if (r === 5 && matches.length) resolved++;
    }
  }
  timed('hover: tokenAt + lookupToken', summarize(samples), { stat: 'p99', limit: 0.2 }, `${cases.length} snippets (${resolved} resolve to a note), ×${rounds}`);
}

// -------------------------------------------------------------------------------------------------------------
// Lookup

function benchLookup(index: LookupIndex, docs: NoteDocument[]): void {
  log('lookup queries');
  const rounds = quick ? 5 : 20;
  const ours: number[] = [];
  for (let r = 0; r < rounds + 2; r++) {
    for (const q of LIBRARY_QUERIES) {
      const t = performance.now();
      index.search(q, 50);
      const dt = performance.now() - t;
      if (r >= 2) ours.push(dt);
    }
  }
  const perQuery: Record<string, number> = {};
  for (const q of LIBRARY_QUERIES) {
    const s = measure(() => index.search(q, 50), 5);
    perQuery[q] = summarize(s).median;
  }
  details.lookupSlowestQueries = Object.entries(perQuery)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([q, ms]) => ({ query: q, medianMs: Math.round(ms * 1000) / 1000 }));
  timed('lookup: query on the library (ours)', summarize(ours), { stat: 'p99', limit: 20 }, `${LIBRARY_QUERIES.length} queries incl. keystroke prefixes, ×${rounds}, limit 50`);

  log('lookup: saving one note in the library');
  const saves: number[] = [];
  const userDocs = docs.filter((d) => d.id.startsWith('notes/gen/'));
  for (let i = 0; i < (quick ? 10 : 40); i++) {
    const doc = userDocs[(i * 37) % userDocs.length];
    const edited = parseNote(doc.text.replace('## ', `## Edited ${i} `), doc.id);
    const t = performance.now();
    index.updateFile(edited);
    index.search('edited', 50);
    saves.push(performance.now() - t);
  }
  timed('lookup: one saved note re-indexed + next query', summarize(saves), undefined, 'only that file is re-tokenised; its postings are spliced out and back in');

  log('lookup baseline: MiniSearch over the same sections and points');
  const t0 = performance.now();
  const baseline = new MiniSearchBaseline(false);
  baseline.addDocuments(docs);
  const buildMs = performance.now() - t0;
  const theirs: number[] = [];
  const baselineRounds = quick ? 1 : 3;
  for (let r = 0; r < baselineRounds; r++) {
    for (const q of LIBRARY_QUERIES) {
      const t = performance.now();
      baseline.search(q, 50);
      theirs.push(performance.now() - t);
    }
  }
  timed('lookup: query on the library (MiniSearch baseline)', summarize(theirs), undefined, `fuzzy 0.2 + prefix; its index took ${formatMs(buildMs)}`);
}

function hitRates(bundledDocs: NoteDocument[]): void {
  log('top-5 hit rate on the labelled queries');
  const ours = new LookupIndex();
  for (const d of bundledDocs) ours.updateFile(d, { bundled: true });
  const engines: [string, (q: string) => BaselineHit[]][] = [['ours', (q) => ours.search(q, 5)]];
  const plain = new MiniSearchBaseline(false);
  plain.addDocuments(bundledDocs);
  engines.push(['MiniSearch', (q) => plain.search(q, 5)]);
  const bigrams = new MiniSearchBaseline(true);
  bigrams.addDocuments(bundledDocs);
  engines.push(['MiniSearch + CJK bigrams', (q) => bigrams.search(q, 5)]);

  const rates: Record<string, { top5: number; top1: number; misses: string[] }> = {};
  for (const [name, search] of engines) {
    let top5 = 0;
    let top1 = 0;
    const misses: string[] = [];
    for (const q of LABELLED_QUERIES) {
      const hits = search(q.query);
      const at = hits.findIndex((h) => isExpected(q, h));
      if (at >= 0) top5++;
      else misses.push(q.query);
      if (at === 0) top1++;
    }
    rates[name] = { top5: top5 / LABELLED_QUERIES.length, top1: top1 / LABELLED_QUERIES.length, misses };
  }
  details.hitRates = rates;
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  const best = Math.max(rates['MiniSearch'].top5, rates['MiniSearch + CJK bigrams'].top5);
  const n = LABELLED_QUERIES.length;
  info(`lookup top-5 hit rate, ${n} labelled queries: ours`, pct(rates.ours.top5), `top-1 ${pct(rates.ours.top1)}`, { stat: 'value', limit: best, label: '≥ baselines' }, rates.ours.top5 >= best);
  info('  MiniSearch (fuzzy + prefix)', pct(rates['MiniSearch'].top5), `top-1 ${pct(rates['MiniSearch'].top1)}`);
  info('  MiniSearch + CJK bigram tokenizer', pct(rates['MiniSearch + CJK bigrams'].top5), `top-1 ${pct(rates['MiniSearch + CJK bigrams'].top1)}`);
}

// -------------------------------------------------------------------------------------------------------------
// Rendering and analysis: loaded when measured, as the extension loads the renderer only when a panel opens.

function benchRender(docs: NoteDocument[]): void {
  log('rendering the bundled notes');
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { getRenderer } = require(path.join(__dirname, '..', 'src', 'core', 'render', 'renderer.js')) as typeof import('../src/core/render/renderer');
  const renderAll = () => {
    for (const d of docs) if (!getRenderer().renderDocument(d).html) throw new Error('the renderer returned no HTML');
  };
  renderAll();
  const cold = performance.now() - t0;
  timed('render bundled notes', summarize(measure(renderAll, quick ? 10 : 50, 3)), { stat: 'median', limit: 20 }, `getRenderer().renderDocument(doc); first render (loads markdown-it + KaTeX) ${formatMs(cold)}`);
}

// -------------------------------------------------------------------------------------------------------------
// From a note to the code: `refs` over a generated code tree, with the library above loaded

function benchNoteToCode(library: NoteLibrary, bundledDocs: NoteDocument[]): void {
  const files = quick ? 1000 : 5000;
  log(`refs over a generated code tree (${files} files)`);
  const note = bundledDocs[0].id;
  const r = benchRefs(library, [{ file: note, slug: 'fpn-architecture' }, { file: note, slug: 'misc-details' }, { file: note }], { files, seed: SEED, runs: quick ? 3 : 7, naiveRuns: 1 });
  details.refs = { files: r.files, bytes: r.bytes, cases: r.cases.map((c) => ({ ...c.target, places: c.places, tokenised: c.tokenised, needles: c.needles, medianMs: c.summary.median })) };
  const mb = (r.bytes / 1e6).toFixed(1);
  for (const c of r.cases) {
    const what = c.target.slug ? `section "${c.target.slug}"` : 'every section of the note (CodeLens)';
    timed(
      `refs: ${what}, ${r.files} code files`,
      c.summary,
      c.target.slug ? { stat: 'median', limit: 1000, label: 'median ≤ 1 s' } : undefined,
      `${mb} MB of Python, YAML and notebooks read from disk; ${c.needles} needles; ${c.places} places; ${c.tokenised} files passed the prefilter; ${((c.summary.median / r.naive.median) * 100).toFixed(1)}% of the no-prefilter baseline`,
    );
  }
  timed('  baseline: reading the files alone', r.readOnly);
  timed('  baseline: the hover at every identifier, no prefilter', r.naive);
}

/** Targets of the analysis metrics (bench/analysis.ts names them; its header documents them). */
const ANALYSIS_TARGETS: Record<string, { max: number; label: string; name: string }> = {
  'analysis.full.ms': { max: 150, label: 'median ≤ 150 ms', name: 'analysis: parse + model + all rules (10k-line file)' },
  'analysis.incremental.ms': { max: 10, label: 'median ≤ 10 ms', name: 'analysis: re-analysis after a one-line edit (the worker, first edits)' },
  'analysis.ratio_to_python_ast': { max: 1, label: '≤ 1.0× ast.parse', name: 'analysis: full / python ast.parse' },
  'cli.ratio_to_python_process': { max: 1, label: '≤ 1.0× the python3 process', name: 'ml-notes lint process / python3 ast.parse process (100k lines)' },
  'analysis.peak_rss_delta.mb': { max: 50, label: '≤ 50 MB', name: 'analysis: peak memory for the file' },
  'analysis.checks50.ratio': { max: 1.3, label: '≤ 1.3× without them', name: 'analysis: 50 note checks / none (same run)' },
};

async function benchAnalysis(): Promise<void> {
  log('analysis (bench/analysis.ts)');
  // A bundle of its own (it runs itself in a child process to measure peak memory).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(__dirname, 'analysis.js')) as typeof import('./analysis');
  const result: Record<string, unknown> = await mod.benchAnalysis();
  details.analysis = result;
  for (const [key, value] of Object.entries(result)) {
    if (typeof value !== 'number') continue;
    const t = ANALYSIS_TARGETS[key];
    const shown = key.endsWith('.ms') ? formatMs(value) : key.endsWith('.mb') ? `${value} MB` : String(value);
    if (key.endsWith('.ms')) {
      rows.push({ name: t?.name ?? key, median: value, target: t && { stat: 'median', limit: t.max, label: t.label }, pass: t ? value <= t.max : undefined });
    } else {
      info(t?.name ?? key, shown, undefined, t && { stat: 'value', limit: t.max, label: t.label }, t ? value <= t.max : undefined);
    }
  }
}

// -------------------------------------------------------------------------------------------------------------

function printTable(): void {
  const header = ['case', 'runs', 'median', 'p99', 'target', 'result'];
  const body = rows.map((r) => [
    r.name,
    r.runs === undefined ? '' : String(r.runs),
    r.text ?? (r.median === undefined ? '' : formatMs(r.median)),
    r.text ? '' : r.p99 === undefined ? '' : formatMs(r.p99),
    r.target?.label ?? '',
    r.pass === undefined ? (r.target ? 'n/a' : '') : r.pass ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => [...b[i]].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    console.log('');
    for (const r of notes) console.log(`${r.name.trim()}: ${r.note}`);
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const load0 = os.loadavg();
  const bundled = readBundled();
  const bundledDocs = benchBundled(bundled);
  const { library, index, docs } = benchLibrary(bundled);
  if (!libraryOnly) {
    benchHover(library);
    benchBackgroundIndex(library);
    benchLookup(index, docs);
  }
  hitRates(bundledDocs);
  if (!libraryOnly) {
    benchRender(bundledDocs);
    benchNoteToCode(library, bundledDocs);
    await benchAnalysis();
  }

  const env = {
    date: started.toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    loadAverageBefore: load0.map((x) => Math.round(x * 100) / 100),
    loadAverageAfter: os.loadavg().map((x) => Math.round(x * 100) / 100),
    quick,
    libraryOnly,
    seed: SEED,
  };
  console.log(`ML Notes bench — ${env.node}, ${env.cpu} ×${env.cpus}, load ${env.loadAverageBefore.join(' ')}${quick ? ' (quick)' : ''}${libraryOnly ? ' (library rows only)' : ''}\n`);
  printTable();
  const failed = rows.filter((r) => r.pass === false);
  console.log(`\n${failed.length ? `${failed.length} target(s) missed: ${failed.map((r) => r.name.trim()).join('; ')}` : 'all targets met'}`);

  const outDir = path.join(repoRoot, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, 'latest.json');
  fs.writeFileSync(outFile, JSON.stringify({ env, rows, details }, null, 2) + '\n');
  console.log(`results: ${path.relative(process.cwd(), outFile) || outFile}`);
  if (args.has('--strict') && failed.length) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 2;
});
