// `npm start`: builds the extension, installs code-server and Chromium's dependencies if missing
// (test/e2e/setup, cached in .vscode-test/), then serves VS Code with ML Notes on the demo workspace and
// prints the URL to open. Stays in the foreground until Ctrl-C.
//
//   npm start [-- --port N] [--host ADDRESS] [--folder PATH] [--no-build]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
function option(name) {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function run(title, command, args) {
  console.log(`[start] ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[start] FAILED: ${title} (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

if (!argv.includes('--no-build')) run('building the extension (npm run build)', 'npm', ['run', 'build', '--silent']);
run('checking code-server and Chromium (test/e2e/setup)', 'bash', [join(root, 'test', 'e2e', 'setup')]);

// The launcher shares its code with the end-to-end harness (test/e2e/lib): bundle it for Node.
const cache = process.env.ML_NOTES_E2E_CACHE ?? join(root, '.vscode-test');
const launcher = join(cache, 'demo-launcher.cjs');
await esbuild.build({
  entryPoints: [join(root, 'test', 'e2e', 'lib', 'demo.ts')],
  outfile: launcher,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
});
const { startDemo } = createRequire(import.meta.url)(launcher);
const port = option('--port');
const folder = option('--folder');
await startDemo({
  host: option('--host'),
  port: port === undefined ? undefined : Number(port),
  workspace: folder === undefined ? undefined : resolve(folder),
});
