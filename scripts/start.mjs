// `npm start`: builds the extension, installs code-server and Chromium's dependencies if missing
// (test/e2e/setup, cached in .vscode-test/), then serves VS Code with ML Notes on the demo workspace and
// prints the URL to open. Stays in the foreground until Ctrl-C.
//
//   npm start [-- --port N] [--host ADDRESS] [--folder PATH] [--no-build]
//
// --port N        port to serve on (or ML_NOTES_PORT); 8080 by default, a free one when 8080 is taken
// --host ADDRESS  address to listen on (or ML_NOTES_HOST); 127.0.0.1 by default, 0.0.0.0 for other machines
//                 (there is no password: prefer an SSH tunnel on a shared network)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
function option(name) {
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

const port = option('--port') ?? process.env.ML_NOTES_PORT;
const host = option('--host') ?? process.env.ML_NOTES_HOST;
if (port !== undefined && !(/^\d+$/.test(port) && Number(port) > 0 && Number(port) < 65536)) {
  console.error(`[start] --port takes a port number (1-65535), not ${JSON.stringify(port)}`);
  process.exit(2);
}

function run(title, command, args) {
  console.log(`[start] ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[start] FAILED: ${title} (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

// The launcher shares its code with the end-to-end harness (test/e2e/lib): bundle it for Node, inside the repository
// (it finds the repository from where it lies; ML_NOTES_E2E_CACHE may be anywhere).
const launcher = join(root, 'node_modules', '.cache', 'ml-notes-demo', 'demo-launcher.cjs');
await esbuild.build({
  entryPoints: [join(root, 'test', 'e2e', 'lib', 'demo.ts')],
  outfile: launcher,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
});
const { choosePort, startDemo } = createRequire(import.meta.url)(launcher);
// A port asked for that is taken stops here, before the build.
const chosen = await choosePort(host, port === undefined ? undefined : Number(port));
if (chosen === undefined) process.exit(1);

if (!argv.includes('--no-build')) run('building the extension (npm run build)', 'npm', ['run', 'build', '--silent']);
run('checking code-server and Chromium (test/e2e/setup)', 'bash', [join(root, 'test', 'e2e', 'setup')]);

const folder = option('--folder');
await startDemo({
  host,
  port: chosen,
  workspace: folder === undefined ? undefined : resolve(folder),
});
