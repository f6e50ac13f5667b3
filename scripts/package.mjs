// `npm run package`: builds ml-notes-<version>.vsix with @vscode/vsce from the production bundles and prints its size.
// The packager is not one of the project's own dependencies (an install of ML Notes from its repository, as pre-commit
// makes, would fetch its 260 packages): it is installed into scripts/vsce with `npm ci` on first use, and again when
// scripts/vsce/package-lock.json changes.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = process.argv[2] ?? join(root, `${name}-${version}.vsix`);

const tools = join(root, 'scripts', 'vsce');
const vsce = join(tools, 'node_modules', '@vscode', 'vsce', 'vsce');
const stamp = join(tools, 'node_modules', '.installed-lock');
const lock = createHash('sha256').update(readFileSync(join(tools, 'package-lock.json'))).digest('hex');
if (!existsSync(vsce) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== lock) {
  console.log('[package] installing @vscode/vsce into scripts/vsce (npm ci, no install scripts)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const i = spawnSync(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tools, stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' });
  if (i.status !== 0 || !existsSync(vsce)) {
    console.error(`[package] could not install @vscode/vsce (npm ci in ${tools} exited ${i.status ?? i.signal}); it needs the npm registry.`);
    process.exit(1);
  }
  writeFileSync(stamp, lock);
}
// The bundles are already built; no dependencies to ship (everything is bundled into dist/).
const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--skip-license', '--allow-star-activation', '--out', out], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
if (r.status !== 0) process.exit(r.status ?? 1);
const kb = statSync(out).size / 1024;
console.log(`[package] ${out} (${kb >= 1024 ? `${(kb / 1024).toFixed(2)} MB` : `${Math.round(kb)} KB`})`);
