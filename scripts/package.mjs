// `npm run package`: builds ml-notes-<version>.vsix with @vscode/vsce from the production bundles and prints its size.
// The packager is not one of the project's own dependencies (an install of ML Notes from its repository, as pre-commit
// makes, would fetch its 260 packages): scripts/vsce pins it, and it is installed from there with `npm ci` on first use
// into the user's cache (`$XDG_CACHE_HOME` or ~/.cache, `ml-notes/vsce-<hash of the lock>`), where later runs and fresh
// clones on the same machine find it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = process.argv[2] ?? join(root, `${name}-${version}.vsix`);

const pinned = join(root, 'scripts', 'vsce');
const lock = readFileSync(join(pinned, 'package-lock.json'));
const cacheRoot = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ml-notes');
const tools = join(cacheRoot, `vsce-${createHash('sha256').update(lock).digest('hex').slice(0, 12)}`);
const vsce = join(tools, 'node_modules', '@vscode', 'vsce', 'vsce');
const done = join(tools, '.installed');
if (!existsSync(done) || !existsSync(vsce)) {
  console.log(`[package] installing @vscode/vsce into ${tools} (npm ci, no install scripts)…`);
  mkdirSync(tools, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(pinned, f), join(tools, f));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const i = spawnSync(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tools, stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' });
  if (i.status !== 0 || !existsSync(vsce)) {
    console.error(`[package] could not install @vscode/vsce (npm ci in ${tools} exited ${i.status ?? i.signal}); it needs the npm registry.`);
    process.exit(1);
  }
  writeFileSync(done, '');
}
// The bundles are already built; no dependencies to ship (everything is bundled into dist/).
const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--skip-license', '--allow-star-activation', '--out', out], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
if (r.status !== 0) process.exit(r.status ?? 1);
const kb = statSync(out).size / 1024;
console.log(`[package] ${out} (${kb >= 1024 ? `${(kb / 1024).toFixed(2)} MB` : `${Math.round(kb)} KB`})`);
