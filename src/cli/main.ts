import * as fs from 'node:fs';
import * as path from 'node:path';
import { breadcrumbOf, excerptOf, explainAt, focusOf } from '../core/explain';
import type { NoteLibrary } from '../core/notes/library';
import type { NoteDocument } from '../core/notes/types';
import { sectionOfSpec } from '../core/terms/refTarget';
import { runRefs } from './refs';
import { isTermArgument, runLink } from './link';
import { readNoteFile } from '../core/notes/loader';
import { nodeNoteFs } from './nodeFs';
import { shownPath, writeAtomic } from './files';
import { LineIndex } from '../core/text';
import { decodePythonSource } from '../core/python/source';
import { parseNote } from '../core/notes/parse';
import { isMainThread } from 'node:worker_threads';
import { resolveNotePath, runLint } from './lint';
import { loadLibrary, notesPaths } from './library';
import { ProjectConfigs } from '../core/config/projectConfigs';
import { formatProblem } from '../core/config/projectConfig';
import { nodeConfigFs } from './nodeFs';
import { FORMATS, type Format } from './formats';
import { LibraryLookup } from '../core/search/libraryLookup';
import { toolVersion } from './version';

const USAGE = `ml-notes — your ML notes, from the command line

Usage:
  ml-notes lookup QUERY [--json] [--limit N]       ranked note sections for a query (English or 中文)
  ml-notes explain FILE:LINE:COL [--json]          what the editor hover shows there (1-based); exit 1 if nothing
  ml-notes render NOTE.md [-o OUT.html]            a standalone HTML page of a note (figures and KaTeX included)
  ml-notes lsp [--stdio]                           the language server (stdio) for Neovim, Helix, Zed, Sublime, JupyterLab
  ml-notes lint [PATHS…] [--format F] [--fix] [--rule ID…] [--jobs N]
                                                   findings from the notes' rules in Python files and notebooks
  ml-notes backlinks NOTE[#slug] [--json]          the notes and sections linking to (or embedding) a note or section:
                                                   path:line: context; exit 1 if none
  ml-notes refs NOTE[#slug[/N]] [PATHS…] [--json]  places in code (Python, notebooks, YAML) where the hover shows
                                                   that note, section or point: path:line:col: token; exit 1 if none
  ml-notes link SYMBOL NOTE#slug[/N]               adds SYMBOL to the note's front-matter terms for that section
                                                   (or point N); comments, order and style kept; atomic write

  NOTE is a note file's path, or its name as a wikilink writes it (AdamW, Optim/AdamW); the section is its
  slug or its heading text.

Options:
  --notes PATH      add a note file or folder (repeatable), like the mlNotes.notesPaths setting
  --no-bundled      leave out the bundled notes
  -h, --help        this help
  -V, --version     the version of ml-notes

lint:
  --format F        text (default: path:line:col: rule message), json, sarif (SARIF 2.1.0), or github
                    (GitHub Actions annotations, one ::warning line per finding)
  --json            the same as --format json
  --fix             apply the preferred fix of every finding (files that do not parse are left alone)
  --rule ID         only this rule (repeatable); runs it even where the project config turns it off
  --report-unused-ignores
                    report '# ml-notes: ignore…' comments that silence nothing (as unused-suppression findings)
  --jobs N          worker threads (default: one per core from 4 MB of Python a thread; 1: none); the output
                    is the same, in the same order. --fix runs on one thread.
  Suppressions: '# ml-notes: ignore[rule-id, …]' (or '# ml-notes: ignore', every rule) at the end of a line;
  '# ml-notes: ignore-file[rule-id]' in a comment line before the first statement.
  Folders are walked for *.py and *.ipynb, leaving out what .gitignore ignores, .git, node_modules, virtual
  environments, and the project config's exclude / extend-exclude patterns.
  Project config: the nearest .ml-notes.toml or pyproject.toml [tool.ml-notes] above each file.

Exit codes (lint):
  0  no findings
  1  findings
  2  usage error, a broken project config (reported with file:line:col, not applied), or a rule that failed
`;

export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  cwd: string;
}

interface Parsed {
  command?: string;
  positionals: string[];
  json: boolean;
  format?: Format;
  reportUnusedIgnores: boolean;
  jobs?: number;
  fix: boolean;
  notes: string[];
  rules: string[];
  bundled: boolean;
  output?: string;
  limit: number;
  help: boolean;
  version: boolean;
}

function parseArgs(argv: string[]): Parsed {
  const p: Parsed = { positionals: [], json: false, reportUnusedIgnores: false, fix: false, notes: [], rules: [], bundled: true, limit: 10, help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--json') p.json = true;
    else if (a === '--report-unused-ignores') p.reportUnusedIgnores = true;
    else if (a === '--format' || a.startsWith('--format=')) {
      const f = a === '--format' ? value() : a.slice(9);
      if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${f}")`);
      p.format = f as Format;
    }
    else if (a === '--fix') p.fix = true;
    else if (a === '--notes') p.notes.push(value());
    else if (a.startsWith('--notes=')) p.notes.push(a.slice(8));
    else if (a === '--rule') p.rules.push(value());
    else if (a.startsWith('--rule=')) p.rules.push(a.slice(7));
    else if (a === '--no-bundled') p.bundled = false;
    else if (a === '-o' || a === '--output') p.output = value();
    else if (a === '--limit') p.limit = Math.max(1, Number(value()) || 10);
    else if (a === '--jobs' || a.startsWith('--jobs=')) {
      const v = a === '--jobs' ? value() : a.slice(7);
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--jobs must be a whole number of threads, 1 or more (got "${v}")`);
      p.jobs = n;
    }
    else if (a === '-h' || a === '--help') p.help = true;
    else if (a === '-V' || a === '--version') p.version = true;
    else if (a === '--stdio') continue; // `ml-notes lsp --stdio`: what many LSP clients pass (stdio is the only transport)
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else if (!p.command) p.command = a;
    else p.positionals.push(a);
  }
  return p;
}

class UsageError extends Error {}

/**
 * The notes for `lookup` and `explain`: the bundled ones, the project config's `notes` (the config nearest above the
 * file, or above the working folder), and `--notes`.
 */
async function libraryFor(p: Parsed, io: CliIo, file?: string, extra: string[] = []): Promise<NoteLibrary> {
  const configs = new ProjectConfigs(nodeConfigFs);
  const lookup = file ? await configs.forFile(file) : await configs.forFolder(io.cwd);
  for (const pr of lookup.broken?.problems ?? []) io.err(`ml-notes: ${formatProblem(pr, shownPath(io.cwd, pr.file))}${pr.severity === 'error' ? ' (the configuration is not applied)' : ''}`);
  const c = lookup.config;
  const notes = [...(c?.notes ?? []).map((n) => resolveNotePath(c!.dir, n)), ...p.notes];
  return loadLibrary({ notes, bundled: p.bundled && c?.includeBundledNotes !== false }, io, extra);
}

/**
 * The vault a note file belongs to: the nearest folder above it marked as one (`.obsidian/`, `.foam/`, `dendron.yml`),
 * else the note's own folder.
 */
export function vaultRootOf(file: string): string {
  let dir = path.dirname(file);
  for (let i = 0; i < 32; i++) {
    if (['.obsidian', '.foam', 'dendron.yml', 'dendron.yaml'].some((m) => fs.existsSync(path.join(dir, m)))) return dir;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return path.dirname(file);
}

/** The --notes folder holding a file, or its vault when none does (to be loaded as an extra folder). */
function extraRootFor(file: string, p: { notes: string[] }, io: CliIo): string[] {
  const inside = notesPaths(p, io).some((n) => file === n || file.startsWith(n.endsWith(path.sep) ? n : n + path.sep));
  return inside ? [] : [vaultRootOf(file)];
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let p: Parsed;
  try {
    p = parseArgs(argv);
  } catch (e) {
    io.err(`ml-notes: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (p.version) {
    io.out(`ml-notes ${toolVersion()}`);
    return 0;
  }
  if (p.help || !p.command) {
    (p.help ? io.out : io.err)(USAGE);
    return p.help ? 0 : 2;
  }
  switch (p.command) {
    case 'lookup':
      return cmdLookup(p, io);
    case 'explain':
      return cmdExplain(p, io);
    case 'render':
      return cmdRender(p, io);
    case 'backlinks':
      return cmdBacklinks(p, io);
    case 'refs':
      return cmdRefs(p, io);
    case 'link':
      return cmdLink(p, io);
    case 'lsp':
      // The language server (stdio) runs until the client says exit.
      (require('../lsp/server') as typeof import('../lsp/server')).startLanguageServer();
      return new Promise<number>(() => undefined);
    case 'lint':
      if (p.json && p.format && p.format !== 'json') {
        io.err(`ml-notes lint: --json and --format ${p.format} disagree`);
        return 2;
      }
      return runLint({ paths: p.positionals, format: p.format ?? (p.json ? 'json' : 'text'), fix: p.fix, rules: p.rules, notes: p.notes, bundled: p.bundled, reportUnusedIgnores: p.reportUnusedIgnores, jobs: p.jobs }, io);
    default:
      io.err(`ml-notes: unknown command "${p.command}"\n\n${USAGE}`);
      return 2;
  }
}

async function cmdLookup(p: Parsed, io: CliIo): Promise<number> {
  const query = p.positionals.join(' ');
  if (!query.trim()) {
    io.err('ml-notes lookup: give a query, e.g. `ml-notes lookup warmup`');
    return 2;
  }
  const lib = await libraryFor(p, io);
  const results = new LibraryLookup(lib).search(query, p.limit);
  if (p.json) {
    io.out(JSON.stringify(results.map((r) => ({ file: r.file, title: r.title, slug: r.slug, line: r.line + 1, point: r.point ?? null, breadcrumb: r.breadcrumb, score: round(r.score) })), null, 2));
  } else if (!results.length) io.out(`No note matches “${query}”.`);
  else for (const r of results) io.out(`${r.title}${r.breadcrumb.length ? `  (${r.breadcrumb.join(' › ')})` : ''}\n    ${shownPath(io.cwd, r.file)}:${r.line + 1}#${r.slug}${r.point ? `/${r.point}` : ''}`);
  return results.length ? 0 : 1;
}

async function cmdExplain(p: Parsed, io: CliIo): Promise<number> {
  const spec = p.positionals[0];
  const m = spec ? /^(.*):(\d+):(\d+)$/.exec(spec) : null;
  if (!m) {
    io.err('ml-notes explain: expected FILE:LINE:COL (1-based), e.g. model.py:12:9');
    return 2;
  }
  const file = path.resolve(io.cwd, m[1]);
  let text: string;
  try {
    // Read as Python reads it (a coding declaration, a byte order mark), as `lint` reads it.
    text = decodePythonSource(fs.readFileSync(file)).text;
  } catch (e) {
    io.err(`ml-notes explain: cannot read ${m[1]}: ${(e as Error).message}`);
    return 2;
  }
  const line = Number(m[2]) - 1;
  const col = Number(m[3]) - 1;
  const index = new LineIndex(text);
  if (line < 0 || line >= index.lineCount || col < 0 || col > index.lineText(line).length) {
    io.err(`ml-notes explain: ${m[2]}:${m[3]} is outside ${m[1]}`);
    return 2;
  }
  const offset = index.offsetAt({ line, character: col });
  const lib = await libraryFor(p, io, file);
  const ex = explainAt(lib, text, offset);
  if (!ex) {
    if (p.json) io.out('null');
    return 1;
  }
  const all = [ex.best, ...ex.others];
  const term = text.slice(ex.start, ex.end);
  const focus = focusOf(ex, term);
  if (p.json) {
    io.out(
      JSON.stringify(
        {
          term,
          matches: all.map((mm) => ({
            file: mm.doc.id,
            title: mm.section.title,
            slug: mm.section.slug,
            line: (mm.point?.startLine ?? mm.section.startLine) + 1,
            point: mm.point?.index ?? null,
            breadcrumb: breadcrumbOf(mm),
            matchedTerm: mm.term,
            score: mm.score,
            excerpt: excerptOf(mm, 12, mm === ex.best ? focus : { focus: [term, mm.term], related: [] }).markdown,
          })),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  const b = ex.best;
  io.out(`${breadcrumbOf(b).join(' › ')}${b.point ? ` · point ${b.point.index}` : ''}`);
  io.out(`${shownPath(io.cwd, b.doc.id)}:${(b.point?.startLine ?? b.section.startLine) + 1}#${b.section.slug}`);
  io.out('');
  const excerpt = excerptOf(b, 12, focus);
  io.out(excerpt.markdown);
  if (excerpt.truncated) io.out('…');
  if (ex.others.length) {
    io.out('');
    io.out('Also:');
    for (const o of ex.others) io.out(`  ${o.section.title}${o.point ? ` · point ${o.point.index}` : ''}  ${shownPath(io.cwd, o.doc.id)}:${(o.point?.startLine ?? o.section.startLine) + 1}`);
  }
  return 0;
}

async function cmdRender(p: Parsed, io: CliIo): Promise<number> {
  const input = p.positionals[0];
  if (!input) {
    io.err('ml-notes render: give a note file, e.g. `ml-notes render notes/ml-basis-notes.md -o notes.html`');
    return 2;
  }
  const file = path.resolve(io.cwd, input);
  const res = await readNoteFile(nodeNoteFs, file, 50 * 1024 * 1024);
  if (!res.ok) {
    io.err(`ml-notes render: ${input}: ${res.reason}`);
    return 2;
  }
  // The note's vault (its --notes folder, or the folder marked as a vault above it) resolves its links and embeds.
  const extra = extraRootFor(file, p, io);
  const lib = await libraryFor(p, io, file, extra);
  const root = [...extra, ...notesPaths(p, io)].find((r) => file === r || file.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  const doc = parseNote(res.text, file);
  lib.setDocument(doc, { root });
  // markdown-it and KaTeX are set up only for `render`: every other command started 20–35 ms sooner without them.
  const { renderStandalone } = require('./standalone') as typeof import('./standalone');
  const html = renderStandalone(doc, lib);
  if (p.output) {
    writeAtomic(path.resolve(io.cwd, p.output), html);
    io.err(`ml-notes: wrote ${p.output} (${Math.round(html.length / 1024)} KB)`);
  } else io.out(html);
  return 0;
}

/** The name of the place a note name given to the CLI is resolved from, at the top of a notes folder (no file's). */
const FROM_TOP = '\u0000top';

/**
 * NOTE of `NOTE[#fragment]`, the way `backlinks`, `refs` and `link` take it: a note file's path (its vault read too
 * when no notes path holds it), or a note name resolved as a wikilink from the first notes folder would be. The
 * library read for it comes along; undefined after a message on stderr.
 */
async function noteFromSpec(p: Parsed, io: CliIo, command: string, spec: string): Promise<{ lib: NoteLibrary; doc: NoteDocument; fragment?: string } | undefined> {
  const hash = spec.lastIndexOf('#');
  const name = hash >= 0 ? spec.slice(0, hash) : spec;
  const fragment = hash >= 0 ? spec.slice(hash + 1) : undefined;
  if (!name) {
    io.err(`ml-notes ${command}: name a note before “#${fragment ?? ''}” (a file's path, or its name as a wikilink writes it)`);
    return undefined;
  }
  const asFile = path.resolve(io.cwd, name);
  const isFile = /\.(md|markdown)$/i.test(name) && fs.existsSync(asFile);
  const lib = await libraryFor(p, io, isFile ? asFile : undefined, isFile ? extraRootFor(asFile, p, io) : []);
  let docId: string | undefined;
  if (isFile) docId = lib.has(asFile) ? asFile : undefined;
  else {
    // A note name, resolved as a wikilink would be from a note at the top of the first notes folder (a name two notes
    // share is then that folder's own note of the name, or ambiguous: not the one next to whichever note came first).
    const first = lib.documents().find((d) => !lib.info(d.id)?.bundled) ?? lib.documents()[0];
    const root = first && lib.info(first.id)?.root;
    const r = first ? lib.resolveLink(root ? `${root.replace(/[\\/]+$/, '')}/${FROM_TOP}` : first.id, { path: name }) : undefined;
    if (r?.kind === 'broken') {
      io.err(`ml-notes ${command}: ${r.message}`);
      return undefined;
    }
    if (r?.kind === 'note') docId = r.doc.id;
  }
  const doc = docId ? lib.get(docId) : undefined;
  if (!doc) {
    io.err(`ml-notes ${command}: no note “${name}” among the notes read${p.notes.length ? '' : ' (add the notes folder with --notes PATH)'}`);
    return undefined;
  }
  return { lib, doc, fragment };
}

async function cmdBacklinks(p: Parsed, io: CliIo): Promise<number> {
  const spec = p.positionals.join(' ').trim();
  if (!spec) {
    io.err('ml-notes backlinks: give a note, e.g. `ml-notes backlinks notes/Warmup.md` or `ml-notes backlinks "Warmup#gradual-warmup" --notes notes`');
    return 2;
  }
  const found = await noteFromSpec(p, io, 'backlinks', spec);
  if (!found) return 2;
  const { lib, doc, fragment } = found;
  let slug: string | undefined;
  if (fragment) {
    const r = lib.resolveLink(doc.id, { path: '', heading: fragment });
    if (r.kind !== 'note' || !r.section) {
      io.err(`ml-notes backlinks: ${r.kind === 'broken' ? r.message : `no section “${fragment}”`}`);
      return 2;
    }
    slug = r.section.slug;
  }
  const links = lib.backlinks(doc.id, slug);
  if (p.json) {
    io.out(
      JSON.stringify(
        links.map((b) => ({
          file: b.doc.id,
          line: b.link.line + 1,
          column: b.link.start + 1,
          kind: b.link.kind,
          section: b.section ? { title: b.section.title, slug: b.section.slug } : null,
          target: { file: b.resolution.doc.id, slug: b.resolution.section?.slug ?? null, block: b.resolution.block?.id ?? null },
          context: b.context,
        })),
        null,
        2,
      ),
    );
  } else for (const b of links) io.out(`${shownPath(io.cwd, b.doc.id)}:${b.link.line + 1}: ${b.context}`);
  return links.length ? 0 : 1;
}

/** `ml-notes refs NOTE[#slug[/N]] [PATHS…]`: the places in code where the hover shows the note, section or point. */
async function cmdRefs(p: Parsed, io: CliIo): Promise<number> {
  const [spec, ...paths] = p.positionals;
  if (!spec?.trim()) {
    io.err('ml-notes refs: give a note section, e.g. `ml-notes refs ml-basis-notes#fpn-architecture src/`');
    return 2;
  }
  const found = await noteFromSpec(p, io, 'refs', spec.trim());
  if (!found) return 2;
  if (!found.fragment) return runRefs(found.lib, { doc: found.doc }, { paths, json: p.json }, io);
  const s = sectionOfSpec(found.doc, found.fragment);
  if (!s.ok) {
    io.err(`ml-notes refs: ${s.message}`);
    return 2;
  }
  return runRefs(found.lib, { doc: found.doc, section: s.section, point: s.point }, { paths, json: p.json }, io);
}

/** `ml-notes link SYMBOL NOTE#slug[/N]`: adds SYMBOL to the note's front-matter terms for that section or point. */
async function cmdLink(p: Parsed, io: CliIo): Promise<number> {
  const [symbol, spec] = p.positionals.map((x) => x.trim());
  if (p.positionals.length !== 2 || !symbol || !spec) {
    io.err('ml-notes link: give a symbol and a note section, e.g. `ml-notes link sigmoid_focal_loss "Focal Loss#focal-loss" --notes notes/`');
    return 2;
  }
  if (!isTermArgument(symbol)) {
    io.err(`ml-notes link: “${symbol}” is not a term: give a name (BatchNorm2d, warmup_epochs), a dotted name (torch.cat), a prefix (warmup*) or Callee(keyword) (Conv2d(bias))`);
    return 2;
  }
  const found = await noteFromSpec(p, io, 'link', spec);
  if (!found) return 2;
  if (!found.fragment) {
    io.err('ml-notes link: name a section: NOTE#slug or NOTE#slug/N');
    return 2;
  }
  const s = sectionOfSpec(found.doc, found.fragment);
  if (!s.ok) {
    io.err(`ml-notes link: ${s.message}`);
    return 2;
  }
  return runLink(found.lib, { doc: found.doc, section: s.section, point: s.point }, symbol, io);
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * Runs the command line of this process (`ml-notes …`): what the launcher (launcher.ts) calls once it has set up
 * Node's compile cache.
 */
export function runCommandLine(): void {
  // Output piped into a reader that stops early (`ml-notes lookup … | head -3`) is not wanted any more: end quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') process.stderr.write(`ml-notes: cannot write the output: ${e.message}\n`);
    process.exit(e.code === 'EPIPE' ? (process.exitCode ?? 0) : 2);
  });
  // Lines for stdout go out in blocks, not one write (a system call) each: `lint` prints a line per finding. What is
  // waiting goes out before anything is written to stderr, so that a terminal shows the two in the order they came.
  const waiting: string[] = [];
  let waitingChars = 0;
  const flush = () => {
    if (!waiting.length) return;
    process.stdout.write(waiting.join(''));
    waiting.length = 0;
    waitingChars = 0;
  };
  const out = (s: string) => {
    waiting.push(s + '\n');
    waitingChars += s.length + 1;
    if (waitingChars >= 1 << 16) flush();
  };
  const err = (s: string) => {
    flush();
    process.stderr.write(s + '\n');
  };
  main(process.argv.slice(2), { out, err, cwd: process.cwd() }).then(
    (code) => {
      flush();
      process.exitCode = code;
    },
    (e) => {
      flush();
      process.stderr.write(`ml-notes: ${e?.stack ?? e}\n`);
      process.exitCode = 2;
    },
  );
}

// Run directly (`node dist/cli-main.js`) it runs its command line; a worker thread of `ml-notes lint` loads this file
// too (parallel.ts) and runs no command.
if (require.main === module && isMainThread) runCommandLine();
