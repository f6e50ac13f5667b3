// Prints the README's "Security and reliability" section from the figures the hardening tests record
// (test/unit/hostile.test.ts, property.*.test.ts, robust.*.test.ts write out/security-figures/<part>.json).
//
//   node esbuild.mjs --tests && node scripts/security-figures.mjs [--run] [--json]
//
// After `npm run test:unit` the figures are there and are read as they are; when they are missing (or with --run)
// the script runs those test files first (node --test over out/, so `node esbuild.mjs --tests` must have run).
// Writes the merged figures to out/security-figures.json; exits 1 when a figure is not what it must be (an input
// that executed, an unhandled error, a failing test).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const outUnit = join(root, 'out', 'test', 'unit');
const figuresDir = join(root, 'out', 'security-figures');
const PARTS = {
  hostile: 'hostile.test.js',
  'property-notes': 'property.notes.test.js',
  'property-lint': 'property.lint.test.js',
  'robust-notes': 'robust.notes.test.js',
  'robust-python': 'robust.python.test.js',
};

if (!existsSync(outUnit)) {
  console.error('security-figures: out/test/unit is missing; run `node esbuild.mjs --tests` (or `npm run test:unit`) first.');
  process.exit(2);
}

const missing = Object.keys(PARTS).filter((p) => !existsSync(join(figuresDir, `${p}.json`)));
let testStatus = 0;
if (args.has('--run') || missing.length) {
  const files = Object.entries(PARTS)
    .filter(([p]) => args.has('--run') || missing.includes(p))
    .map(([, f]) => join(outUnit, f));
  console.error(`security-figures: running ${files.map((f) => f.slice(outUnit.length + 1)).join(', ')}`);
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=dot', ...files], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  testStatus = r.status ?? 1;
}

const figures = {};
for (const part of Object.keys(PARTS)) {
  const f = join(figuresDir, `${part}.json`);
  if (!existsSync(f)) {
    console.error(`security-figures: ${part} recorded no figures (its test file failed to run?)`);
    process.exit(1);
  }
  figures[part] = JSON.parse(readFileSync(f, 'utf8'));
}

/** Property runs of the other property tests in the suite, read from their source (numRuns literals). */
function otherProperties() {
  const out = [];
  for (const name of readdirSync(join(root, 'test', 'unit')).sort()) {
    if (!name.endsWith('.test.ts') || name.startsWith('property.')) continue;
    const src = readFileSync(join(root, 'test', 'unit', name), 'utf8');
    if (!src.includes('fast-check')) continue;
    const runs = [...src.matchAll(/numRuns:\s*(\d+)/g)].map((m) => Number(m[1]));
    if (runs.length) out.push({ file: `test/unit/${name}`, properties: runs.length, runs: runs.reduce((a, b) => a + b, 0) });
  }
  return out;
}

const h = figures.hostile;
const properties = [...figures['property-notes'].properties, ...figures['property-lint'].properties];
const others = otherProperties();
const badFiles = [...figures['robust-notes'].badFiles, ...figures['robust-python'].badFiles];
const unhandled = Object.values(figures).reduce((n, f) => n + (f.unhandledErrors ?? 0), 0);
const rn = figures['robust-notes'];
const rp = figures['robust-python'];
const fmt = (n) => n.toLocaleString('en-US');
const msf = (n) => (n >= 100 ? fmt(Math.round(n)) : String(n));

const merged = { machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`, node: process.version, ...figures, otherProperties: others };
writeFileSync(join(root, 'out', 'security-figures.json'), JSON.stringify(merged, null, 2) + '\n');

if (args.has('--json')) {
  console.log(JSON.stringify(merged, null, 2));
} else {
  const lines = [];
  const p = (s = '') => lines.push(s);
  p('## Security and reliability');
  p();
  p(
    `Figures from the unit suite (\`npm run test:unit\`, then \`node scripts/security-figures.mjs\`), measured on ${merged.machine} with Node ${process.version}.`,
  );
  p();
  p('| | |');
  p('|---|---|');
  p(
    `| Hostile inputs tried | **${fmt(h.inputsTried)}** (${h.corpusFiles} files in \`test/fixtures/hostile/\` + ${h.generatedInputs} generated large ones), each rendered twice (plain and with the panel's image/link hooks) and checked by an independent allowlist checker (parse5) |`,
  );
  p(`| Hostile inputs that executed (a script, handler, style, element or URL outside the allowlist) | **${h.executed}** |`);
  p(`| The same corpus through markdown-it with raw HTML and no sanitiser | ${h.naiveMarkdownItExecuted} of ${h.corpusFiles} would execute |`);
  p(`| Slowest hostile input to parse and render | ${msf(h.slowestInput.ms)} ms (\`${h.slowestInput.name}\`) |`);
  p(`| Property-test runs (fast-check) | **${fmt(properties.reduce((n, x) => n + x.numRuns, 0))}** over ${properties.length} properties, plus ${fmt(others.reduce((n, o) => n + o.runs, 0))} in the analysis and search suites |`);
  p(`| Bad files and folders tried | **${badFiles.length}** (notes: ${rn.badFilesTried}, Python: ${rp.badFilesTried}); each ends in a note or a clear message |`);
  p(`| Unhandled errors (rejections, uncaught exceptions) | **${unhandled}** |`);
  p(
    `| One analysis of a 10,000-line file (\`mlNotes.analysis.maxLines\`), in the analysis worker thread: the extension host only posts the text | **${msf(rp.documentAnalyzer10kFirstMs)} ms** on open, ${msf(rp.documentAnalyzer10kAfterEditMs)} ms after an edit (incremental) |`,
  );
  p(`| Same, 20,000-line file (over the default limit; raise the setting to analyse it) | ${msf(rp.lint20kMs)} ms (one \`lintText\`); ${msf(rp.documentAnalyzer20kFirstMs)} ms on open, ${msf(rp.documentAnalyzer20kAfterEditMs)} ms after an edit |`);
  p(`| Same, 100,000-line file (the editor skips it; the CLI analyses it) | **${msf(rp.lint100kMs)} ms**, ${fmt(rp.findings100k)} findings |`);
  p(`| 50,000-character lines | at most ${msf(rp.longLineMaxMs)} ms |`);
  p(`| A 50 MB note | refused by size before reading (${rn.refuse50MbMs} ms); parsed anyway as a string: ${msf(rn.parse50MbMs)} ms, ${fmt(rn.parse50MbSections)} sections |`);
  p(`| 10,000 headings (read, parse, index, render) / a 2 MB note rendered | ${msf(rn.headings10kMs)} ms / ${msf(rn.render2MbMs)} ms |`);
  p();
  p('<details><summary>Property tests</summary>');
  p();
  p('| Property | Runs |');
  p('|---|---:|');
  for (const x of properties) p(`| ${x.property} | ${fmt(x.numRuns)} |`);
  for (const o of others) p(`| ${o.file} (${o.properties} properties) | ${fmt(o.runs)} |`);
  p();
  p('</details>');
  p();
  p('<details><summary>Bad files and folders</summary>');
  p();
  p('| Case | Outcome |');
  p('|---|---|');
  for (const b of badFiles) p(`| ${b.name} | ${b.outcome.replace(/\|/g, '\\|')} |`);
  p();
  p('</details>');
  if (h.inertSchemeTextInputs) {
    p();
    p(
      `KaTeX shows a formula it cannot render in red, with its source as a tooltip; for ${h.inertSchemeTextInputs} hostile input${h.inertSchemeTextInputs === 1 ? '' : 's'} that tooltip quotes the \`javascript:\` written in the formula (a \`title\` attribute: shown, never loaded). Everywhere else no attribute holds a \`javascript:\`, \`vbscript:\`, \`command:\` or \`data:text/html\`, not even alt text or a tooltip.`,
    );
  }
  console.log(lines.join('\n'));
}

const bad = h.executed !== 0 || unhandled !== 0 || testStatus !== 0;
if (bad) console.error(`security-figures: executed=${h.executed}, unhandled=${unhandled}, test status=${testStatus}`);
process.exit(bad ? 1 : 0);
