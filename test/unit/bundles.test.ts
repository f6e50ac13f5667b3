import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import * as path from 'node:path';
import { builtinModules } from 'node:module';
import { repoRoot } from './helpers';

async function inputsOf(entry: string, options: esbuild.BuildOptions): Promise<string[]> {
  const r = await esbuild.build({ entryPoints: [path.join(repoRoot, entry)], bundle: true, write: false, metafile: true, logLevel: 'silent', absWorkingDir: repoRoot, ...options });
  return Object.keys(r.metafile!.inputs);
}

test('activation does not load markdown-it or KaTeX: the desktop bundle leaves the renderer to dist/renderer.js', async () => {
  const inputs = await inputsOf('src/vscode/extension.ts', { platform: 'node', format: 'cjs', external: ['vscode', './renderer.js'] });
  assert.ok(inputs.some((i) => i.includes('src/vscode/hover.ts')), 'sanity: the bundle holds the hover');
  const heavy = inputs.filter((i) => /node_modules\/(markdown-it|katex|@vscode\/markdown-it-katex|entities|linkify-it|mdurl|uc\.micro|punycode)\//.test(i));
  assert.deepEqual(heavy, []);
});

test('the web extension bundle imports no Node built-in', async () => {
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const r = await esbuild.build({
    entryPoints: [path.join(repoRoot, 'src/vscode/web.ts')],
    bundle: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    platform: 'browser',
    format: 'cjs',
    external: ['vscode'],
    absWorkingDir: repoRoot,
  });
  const imported = Object.values(r.metafile!.inputs).flatMap((i) => i.imports.map((x) => x.path));
  assert.deepEqual(imported.filter((p) => builtins.has(p)), []);
  const out = r.outputFiles![0].text;
  assert.doesNotMatch(out, /require\(["'](node:)?(fs|path|os|child_process|crypto)["']\)/);
});
