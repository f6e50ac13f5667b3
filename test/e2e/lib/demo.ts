// `npm start`: code-server with the built extension on the demo workspace, in the foreground.
// scripts/start.mjs bundles this file with esbuild and runs it (after the build and the setup).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startCodeServer } from './codeServer';
import { installExtension } from './extension';
import { cacheDir, repoRoot } from './paths';
import { DEFAULT_SETTINGS } from './settings';
import { createConnection } from 'node:net';

export interface DemoOptions {
  /** Folder to open; <repo>/demo by default. */
  workspace?: string;
  /** 127.0.0.1 by default (0.0.0.0 serves other machines too: there is no password). */
  host?: string;
  /** 8080 by default, or a free port when 8080 is taken. */
  port?: number;
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startDemo(options: DemoOptions = {}): Promise<void> {
  const workspace = options.workspace ?? join(repoRoot, 'demo');
  const runDir = join(cacheDir, 'demo');
  const userDataDir = join(runDir, 'user-data');
  const extensionsDir = join(runDir, 'extensions');
  // The extension is installed afresh each time; the user's own settings and UI state are kept.
  const extension = installExtension(extensionsDir);
  const settingsFile = join(userDataDir, 'User', 'settings.json');
  if (!existsSync(settingsFile)) {
    mkdirSync(join(userDataDir, 'User'), { recursive: true });
    writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_SETTINGS, 'workbench.startupEditor': 'readme' }, null, 2));
  }
  let port = options.port;
  if (port === undefined) port = (await portTaken(8080)) ? await freePort() : 8080;
  const server = await startCodeServer({ runDir, userDataDir, extensionsDir, workspace, host: options.host, port, startTimeoutMs: 120_000 });
  const url = `${server.origin}/?folder=${encodeURIComponent(workspace).replace(/%2F/g, '/')}`;
  const version = JSON.parse(readFileSync(join(extension.dir, 'package.json'), 'utf8')).version as string;
  console.log('');
  console.log(`  ML Notes ${version} in VS Code (code-server), demo workspace ${workspace}`);
  console.log('');
  console.log(`  Open:  ${url}`);
  console.log('');
  console.log(`  Log:   ${server.logFile}`);
  console.log('  Stop:  Ctrl-C');
  console.log('');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      console.log('\nStopping code-server…');
      void server.stop().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
