// Builds the bundles (dist/) and, with --tests, transpiles src/test/bench to out/ for node:test.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const watch = args.has('--watch');
const production = args.has('--production');

/** Files under `dir` whose name passes `keep`. */
function walk(dir, keep, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out;
}
const isTs = (p) => p.endsWith('.ts') && !p.endsWith('.d.ts');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  target: 'es2022',
  logLevel: 'warning',
  legalComments: 'none',
};

const builds = [
  { ...common, entryPoints: ['src/vscode/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode', './renderer.js'] },
  // markdown-it + KaTeX, loaded by the extension only when something is rendered.
  { ...common, entryPoints: ['src/core/render/renderer.ts'], outfile: 'dist/renderer.js', platform: 'node', format: 'cjs' },
  // Web extension host (a web worker): browser platform, no Node built-ins.
  { ...common, entryPoints: ['src/vscode/web.ts'], outfile: 'dist/web/extension.js', platform: 'browser', format: 'cjs', external: ['vscode'], mainFields: ['browser', 'module', 'main'] },
  // The analysis worker thread (desktop): Python parsing and the rules, off the extension host's thread.
  { ...common, entryPoints: ['src/worker/analysisWorker.ts'], outfile: 'dist/analysisWorker.js', platform: 'node', format: 'cjs' },
  // The `ml-notes` command: a launcher that sets up Node's compile cache, then the CLI itself.
  { ...common, entryPoints: ['src/cli/launcher.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', banner: { js: '#!/usr/bin/env node' }, external: ['./cli-main.js'] },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli-main.js', platform: 'node', format: 'cjs' },
  { ...common, entryPoints: ['src/webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife' },
].filter((b) => existsSync(b.entryPoints[0]));

function copyKatexAssets() {
  const katexDir = dirname(require.resolve('katex/package.json', { paths: [dirname(require.resolve('@vscode/markdown-it-katex/package.json'))] }));
  const dest = 'dist/katex';
  mkdirSync(dest, { recursive: true });
  cpSync(join(katexDir, 'dist', 'katex.min.css'), join(dest, 'katex.min.css'));
  // Browsers that run VS Code all read woff2: the other font formats are not shipped.
  cpSync(join(katexDir, 'dist', 'fonts'), join(dest, 'fonts'), { recursive: true, filter: (src) => !/\.(woff|ttf)$/.test(src) });
}

if (args.has('--tests')) {
  // src/vscode needs the editor's API, except the modules with no runtime `vscode` import, which the unit suite tests.
  const vscodeFree = new Set([join('src', 'vscode', 'dispose.ts'), join('src', 'vscode', 'analysisRuns.ts'), join('src', 'vscode', 'focusTimes.ts'), join('src', 'vscode', 'heapCollection.ts')]);
  const entryPoints = [...walk('src', isTs), ...walk('test', isTs), ...walk('bench', isTs)].filter(
    (p) => (!p.startsWith(join('src', 'vscode')) || vscodeFree.has(p)) && !p.startsWith(join('test', 'e2e', 'fixtures')),
  );
  await esbuild.build({ entryPoints, outdir: 'out', outbase: '.', platform: 'node', format: 'cjs', target: 'es2022', sourcemap: 'inline', logLevel: 'warning' });
  // Drop outputs whose source is gone (a deleted test must not keep running). out/ is not wiped, so a unit
  // run and an end-to-end run can share it.
  const wanted = new Set(entryPoints.map((p) => join('out', p.replace(/\.ts$/, '.js'))));
  // The bench measures the core as it ships: bundled (a transpiled module reaches its imports through getters). So
  // does the differential test of the Python parser, whose run time is mostly the parser's.
  await Promise.all(
    ['bench/run.ts', 'bench/analysis.ts', 'src/worker/analysisWorker.ts', 'test/unit/python.grammar.test.ts'].map((entry) =>
      esbuild.build({ entryPoints: [entry], outfile: join('out', entry.replace(/\.ts$/, '.js')), bundle: true, platform: 'node', format: 'cjs', target: 'es2022', logLevel: 'warning' }),
    ),
  );
  for (const f of walk('out', (p) => p.endsWith('.js'))) if (!wanted.has(f)) rmSync(f, { force: true });
} else if (watch) {
  copyKatexAssets();
  for (const b of builds) {
    const ctx = await esbuild.context(b);
    await ctx.watch();
  }
  console.log('[esbuild] watching');
} else {
  if (production) rmSync('dist', { recursive: true, force: true });
  copyKatexAssets();
  const t0 = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`[esbuild] built ${builds.map((b) => b.outfile).join(', ')} in ${Date.now() - t0} ms`);
}
