import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { replaceFigures, type Figure } from '../../src/core/explain';
import { fixturesDir, repoRoot, tempDir } from './helpers';

async function run(args: string[], cwd = repoRoot): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s), cwd });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const userNotes = path.join(fixturesDir, 'user-notes');

function tmpFile(name: string, text: string): string {
  const dir = tempDir('ml-notes-cli-');
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

test('lookup finds a bundled section by English and Chinese queries', async () => {
  const en = await run(['lookup', 'warmup', '--json']);
  assert.equal(en.code, 0);
  const results = JSON.parse(en.out);
  assert.equal(results[0].slug, 'learning-rate-warming-up');
  assert.equal(results[0].title, 'Learning Rate warming up');
  assert.equal(typeof results[0].line, 'number');
  assert.ok(results[0].file.endsWith('ml-basis-notes.md'));

  const zh = JSON.parse((await run(['lookup', '语义分割', '--json'])).out);
  assert.ok(zh.slice(0, 5).some((r: { slug: string }) => r.slug === 'semantic-segmentation-本质上的难点'));
});

test('lookup reads a user notes folder (--notes) and says nothing matched with exit 1', async () => {
  const r = await run(['lookup', 'focal', '--notes', userNotes, '--json']);
  assert.equal(r.code, 0);
  assert.equal(JSON.parse(r.out)[0].slug, 'focal-loss');
  const none = await run(['lookup', 'zzzqqqxxy']);
  assert.equal(none.code, 1);
  assert.match(none.out, /No note matches/);
});

test('the CLI loads notes as the extension does: a note under two notes paths is read once (its warning said once), notes in the order listed, the same size limit', async () => {
  const dir = tempDir('ml-notes-cli-');
  fs.writeFileSync(path.join(dir, 'a.md'), '---\ntitle: A\n\n# Focal loss\n\nDown-weights easy examples.\n');
  fs.writeFileSync(path.join(dir, 'b.md'), '# Focal loss variants\n\nFocal loss with label smoothing.\n');
  fs.writeFileSync(path.join(dir, 'big.md'), `# Big\n\n${'x'.repeat(2048 * 1024)}\n`);
  const r = await run(['lookup', 'focal', '--no-bundled', '--notes', dir, '--notes', path.join(dir, 'a.md'), '--json'], dir);
  assert.equal(r.code, 0, r.err);
  const warnings = r.err.split('\n').filter((l) => l.includes('never closed'));
  assert.deepEqual(warnings, [`ml-notes: ${path.join(dir, 'a.md')}:1: Front matter starts with "---" but is never closed; it is read as text.`]);
  assert.match(r.err, /ml-notes: skipped .*big\.md: File is 2\.0 MB, over the 2\.0 MB limit \(mlNotes\.maxNoteFileSizeKB\); skipped\./);
  const results = JSON.parse(r.out) as { file: string; slug: string }[];
  assert.deepEqual(results.map((x) => path.basename(x.file)).filter((f, i, all) => all.indexOf(f) === i), ['a.md', 'b.md']);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('explain shows what the hover shows, with 1-based line and column', async () => {
  const py = tmpFile('model.py', 'import torch\nfrom torch import nn\n\nclass Head(nn.Module):\n    def __init__(self):\n        self.bn1 = nn.BatchNorm2d(64)\n        self.conv = nn.Conv2d(3, 64, 3, bias=True)\n\ny = torch.cat([a, b], 1)\nwarmup_epochs = 5\n');
  const fpn = await run(['explain', `${py}:4:7`]);
  assert.equal(fpn.code, 1, 'the class name "Head" alone is not a note term');

  const bn = JSON.parse((await run(['explain', `${py}:6:25`, '--json'])).out);
  assert.equal(bn.term, 'BatchNorm2d');
  assert.equal(bn.matches[0].slug, 'misc-details');
  assert.equal(bn.matches[0].point, 1);

  const bias = JSON.parse((await run(['explain', `${py}:7:44`, '--json'])).out);
  assert.equal(bias.term, 'bias');
  assert.equal(bias.matches[0].point, 2);
  assert.match(bias.matches[0].excerpt, /不再需要Bias/);

  const cat = await run(['explain', `${py}:9:11`]);
  assert.equal(cat.code, 0);
  assert.match(cat.out, /理解神经网络中通过add的方式融合特征/);

  const warm = await run(['explain', `${py}:10:3`]);
  assert.match(warm.out, /Learning Rate warming up/);

  const nothing = await run(['explain', `${py}:1:3`]);
  assert.equal(nothing.code, 1);
  assert.equal(nothing.out, '');
});

test('explain reads the file as Python does: a byte order mark is no column, a coding declaration is honoured', async () => {
  const bom = tmpFile('bom.py', '\ufeffwarmup_epochs = 5\n');
  const first = await run(['explain', `${bom}:1:1`]);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /Learning Rate warming up/);
  // Latin-1 "é©" is two characters; read as UTF-8 each pair would be one, and the columns after them would be off.
  const latin1 = tmpFile('latin1.py', '');
  fs.writeFileSync(latin1, Buffer.from('# -*- coding: latin-1 -*-\nnom = "é©é©é©é©é©"; warmup_epochs = 5\n', 'latin1'));
  const after = await run(['explain', `${latin1}:2:33`]);
  assert.equal(after.code, 0, after.err);
  assert.match(after.out, /Learning Rate warming up/);
});

test('explain finds the user note through its front-matter terms', async () => {
  const py = tmpFile('loss.py', 'from torchvision.ops import sigmoid_focal_loss\n');
  const r = await run(['explain', `${py}:1:35`, '--notes', userNotes, '--json']);
  assert.equal(r.code, 0);
  const j = JSON.parse(r.out);
  assert.equal(j.matches[0].title, 'Focal Loss');
  assert.ok(j.matches[0].file.endsWith('focal-loss.md'));
});

test('explain rejects a malformed position with a clear message', async () => {
  const r = await run(['explain', 'model.py']);
  assert.equal(r.code, 2);
  assert.match(r.err, /FILE:LINE:COL/);
  const py = tmpFile('a.py', 'x = 1\n');
  const out = await run(['explain', `${py}:9:1`]);
  assert.equal(out.code, 2);
  assert.match(out.err, /outside/);
});

test('render writes a standalone page with figures and KaTeX inlined', async () => {
  const dir = tempDir('ml-notes-render-');
  const out = path.join(dir, 'notes.html');
  const r = await run(['render', path.join(repoRoot, 'notes', 'ml-basis-notes.md'), '-o', out]);
  assert.equal(r.code, 0, r.err);
  const html = fs.readFileSync(out, 'utf8');
  assert.match(html, /<h2[^>]* id="fpn-architecture"/);
  assert.match(html, /src="data:image\/svg\+xml;base64,/, 'figures are inlined');
  assert.doesNotMatch(html, /<img[^>]+src="figures\//);
  assert.match(html, /\.katex\{/, 'KaTeX CSS is included');

  const math = await run(['render', path.join(userNotes, 'focal-loss.md')]);
  assert.match(math.out, /class="katex"/);
  assert.match(math.out, /font\/woff2;base64/, 'KaTeX fonts are inlined');
});

test('unknown commands and options print usage with exit 2', async () => {
  assert.equal((await run(['frobnicate'])).code, 2);
  const r = await run(['lookup', '--bogus']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown option --bogus/);
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /ml-notes lookup QUERY/);
  for (const command of ['lookup', 'explain', 'render', 'lsp', 'lint', 'backlinks', 'refs', 'link']) assert.match(help.out, new RegExp(`^  ml-notes ${command} `, 'm'), `the usage lists ${command}`);
});

test('--version prints the package version, whatever the command', async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  for (const args of [['--version'], ['-V'], ['lint', '--version']]) {
    const r = await run(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.equal(r.out.trim(), `ml-notes ${pkg.version}`);
  }
});

test('every figure of an excerpt (Markdown and raw HTML images) is handed to the renderer with its source and alt text', async () => {
  const seen: Figure[] = [];
  const out = replaceFigures('a ![BN](figures/bn.svg "t") b <img width="70%" src="figures/fpn.svg" alt=\'x &quot;y&quot;\' />', (f) => (seen.push(f), '[fig]'));
  assert.equal(out, 'a [fig] b [fig]');
  assert.deepEqual(seen, [
    { src: 'figures/bn.svg', alt: 'BN' },
    { src: 'figures/fpn.svg', alt: 'x "y"' },
  ]);
  assert.equal(replaceFigures('text only', () => 'x'), 'text only');
});

const vault = path.join(fixturesDir, 'vault');

test('backlinks of a note file: its vault is found from the file (.obsidian), one line per linking line', async () => {
  const r = await run(['backlinks', path.join(vault, 'Warmup.md'), '--no-bundled'], vault);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  assert.ok(lines.includes('Optim/SGD.md:3: Momentum 0.9, and a warmup for large batches.'), r.out);
  assert.ok(lines.some((l) => /^Home\.md:\d+: Warmup › Gradual warmup$/.test(l)), r.out);
  assert.ok(lines.every((l) => /^[^:]+\.md:\d+: /.test(l) && !l.includes('[[')), r.out);
});

test('backlinks of a section by note name and heading, as JSON; an ambiguous name is refused with the candidates', async () => {
  const r = await run(['backlinks', 'Warmup#Gradual warmup', '--notes', vault, '--json', '--no-bundled']);
  assert.equal(r.code, 0, r.err);
  const links = JSON.parse(r.out) as { file: string; line: number; target: { slug: string | null; block: string | null }; context: string }[];
  assert.ok(links.length >= 2);
  assert.ok(links.every((l) => l.target.slug === 'gradual-warmup'));
  assert.ok(links.some((l) => l.target.block === 'linear-ramp'));
  const amb = await run(['backlinks', 'AdamW', '--notes', vault, '--no-bundled']);
  assert.equal(amb.code, 2);
  assert.match(amb.err, /“AdamW” names 2 notes \((Archive\/AdamW, Optim\/AdamW|Optim\/AdamW, Archive\/AdamW)\)/);
  const none = await run(['backlinks', path.join(vault, 'Loops', 'A.md'), '--no-bundled'], vault);
  assert.equal(none.code, 0);
  assert.equal(none.out, 'Loops/B.md:5: Loops/A');
});

test('lint, lookup and explain start without markdown-it and KaTeX; render loads them', () => {
  const dir = tempDir('ml-notes-cli-');
  fs.writeFileSync(path.join(dir, 'model.py'), 'import torch.nn as nn\nconv = nn.Conv2d(3, 8, 3)\n');
  const note = path.join(repoRoot, 'notes', 'ml-basis-notes.md');
  // The command runs in a fresh process, which then lists the renderer's packages it loaded.
  const loaded = (args: string[]): string[] => {
    const script = [
      `const { main } = require(${JSON.stringify(path.join(repoRoot, 'out', 'src', 'cli', 'main.js'))});`,
      `main(${JSON.stringify(args)}, { out: () => {}, err: () => {}, cwd: ${JSON.stringify(dir)} }).then(() => {`,
      `  const mods = Object.keys(require.cache).map((f) => /node_modules[\\\\/](katex|markdown-it)[\\\\/]/.exec(f)?.[1]).filter(Boolean);`,
      '  process.stdout.write(JSON.stringify([...new Set(mods)].sort()));',
      '});',
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as string[];
  };
  assert.deepEqual(loaded(['lint', dir]), []);
  assert.deepEqual(loaded(['lookup', 'warmup']), []);
  assert.deepEqual(loaded(['explain', `${path.join(dir, 'model.py')}:2:12`]), []);
  assert.deepEqual(loaded(['render', note, '-o', path.join(dir, 'note.html')]), ['katex', 'markdown-it']);
});

test('output piped into a reader that stops early ends the command quietly (`ml-notes render NOTE.md | head -1`)', () => {
  const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
  const note = path.join(repoRoot, 'notes', 'ml-basis-notes.md');
  // The reader closes the pipe after one line, while the page (about 400 KB, more than a pipe holds) is being written.
  const r = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" render "${note}" | head -n 1; exit "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
  assert.equal(r.stderr, '', 'nothing on stderr');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.split('\n').filter(Boolean).length, 1);
});

test('a note spec with only a fragment (`#heading`) asks for the note', async () => {
  const vault = path.join(fixturesDir, 'vault');
  const r = await run(['backlinks', '#Gradual warmup', '--notes', vault, '--no-bundled']);
  assert.equal(r.code, 2);
  assert.equal(r.err.trim(), 'ml-notes backlinks: name a note before “#Gradual warmup” (a file\'s path, or its name as a wikilink writes it)');
});

test('output piped into a reader that stops early ends the CLI quietly (no EPIPE error, no stack), with its own exit code', async () => {
  const { spawn } = await import('node:child_process');
  const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
  // The bundled note rendered is far more than a pipe holds: the reader goes away while the CLI still writes.
  const child = spawn(process.execPath, [cli, 'render', path.join(repoRoot, 'notes', 'ml-basis-notes.md')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(err, '', 'nothing on stderr');
  assert.equal(code, 0);
});

test('the ml-notes launcher turns on Node\'s compile cache before it loads the CLI, and the CLI runs as well when started directly', () => {
  // The launcher as dist/ holds it (dist/cli.js next to dist/cli-main.js), here with the CLI of out/ behind it.
  const dir = tempDir('ml-notes-launcher-');
  fs.copyFileSync(path.join(repoRoot, 'out', 'src', 'cli', 'launcher.js'), path.join(dir, 'cli.js'));
  const cliMain = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
  fs.writeFileSync(path.join(dir, 'cli-main.js'), `module.exports = require(${JSON.stringify(cliMain)});\n`);
  // Node 22.1+ has module.enableCompileCache; a stand-in records whether the CLI was loaded when it was called.
  const stub = path.join(dir, 'stub.js');
  fs.writeFileSync(
    stub,
    `require('node:module').enableCompileCache = () => { process.stderr.write('compile cache on; CLI loaded: ' + (${JSON.stringify(cliMain)} in require.cache) + '\\n'); };\n`,
  );
  const r = spawnSync(process.execPath, ['-r', stub, path.join(dir, 'cli.js'), '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ml-notes \d+\.\d+\.\d+/);
  assert.equal(r.stderr, 'compile cache on; CLI loaded: false\n');
  const direct = spawnSync(process.execPath, [cliMain, '--version'], { encoding: 'utf8' });
  assert.equal(direct.status, 0, direct.stderr);
  assert.equal(direct.stdout, r.stdout);
});
