// `npm start`: code-server with the built extension on the demo workspace, in the foreground.
// scripts/start.mjs bundles this file with esbuild and runs it (after the build and the setup).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { freePort, startCodeServer } from './codeServer';
import { installExtension } from './extension';
import { cacheDir, repoRoot } from './paths';
import { DEFAULT_SETTINGS } from './settings';

export interface DemoOptions {
  /** Folder to open; <repo>/demo by default. */
  workspace?: string;
  /** 127.0.0.1 by default (0.0.0.0 serves other machines too: there is no password). */
  host?: string;
  /** 8080 by default, or a free port when 8080 is taken. A port asked for explicitly must be free. */
  port?: number;
}

/** The default port; another is picked when it is taken and none was asked for. */
export const DEMO_PORT = 8080;
/**
 * Seconds a closed tab's VS Code (its extension host) stays alive, waiting for the tab to come back: short for the
 * demo (code-server keeps them 3 hours by default, so every closed tab held one for hours).
 */
export const DEMO_RECONNECTION_GRACE_SECONDS = 60;

function portTaken(host: string, port: number): Promise<boolean> {
  const probe = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return new Promise((resolve) => {
    const socket = createConnection({ host: probe, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Addresses other machines can use for a server on `host` (every external IPv4 address for 0.0.0.0). */
function reachableHosts(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host];
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  return out.length ? out : ['127.0.0.1'];
}

/**
 * The port to serve on: the one asked for when it is free (undefined, with a message saying what to do, when it is
 * taken), else 8080, else a free one.
 */
export async function choosePort(host = '127.0.0.1', asked?: number): Promise<number | undefined> {
  if (asked !== undefined) {
    if (!(await portTaken(host, asked))) return asked;
    console.error(`\n  Port ${asked} is already in use on ${host} (another npm start, or another server).`);
    console.error(`  Stop that one, or pick another port:  npm start -- --port ${asked + 1}   (or ML_NOTES_PORT=${asked + 1} npm start)\n`);
    return undefined;
  }
  if (!(await portTaken(host, DEMO_PORT))) return DEMO_PORT;
  const port = await freePort();
  console.log(`[start] port ${DEMO_PORT} is in use: serving on ${port} instead (--port N picks one)`);
  return port;
}

export async function startDemo(options: DemoOptions = {}): Promise<void> {
  const workspace = options.workspace ?? join(repoRoot, 'demo');
  const host = options.host ?? '127.0.0.1';
  const runDir = join(cacheDir, 'demo');
  const userDataDir = join(runDir, 'user-data');
  const extensionsDir = join(runDir, 'extensions');
  const port = await choosePort(host, options.port);
  if (port === undefined) {
    process.exitCode = 1;
    return;
  }
  // The extension is installed afresh each time; the user's own settings and UI state are kept.
  const extension = installExtension(extensionsDir);
  const settingsFile = join(userDataDir, 'User', 'settings.json');
  if (!existsSync(settingsFile)) {
    mkdirSync(join(userDataDir, 'User'), { recursive: true });
    writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_SETTINGS, 'workbench.startupEditor': 'readme' }, null, 2));
  }
  const server = await startCodeServer({
    runDir,
    userDataDir,
    extensionsDir,
    workspace,
    host,
    port,
    startTimeoutMs: 120_000,
    reconnectionGraceSeconds: DEMO_RECONNECTION_GRACE_SECONDS,
  });
  const path = `/?folder=${encodeURIComponent(workspace).replace(/%2F/g, '/')}`;
  const version = JSON.parse(readFileSync(join(extension.dir, 'package.json'), 'utf8')).version as string;
  console.log('');
  console.log(`  ML Notes ${version} in VS Code (code-server), demo workspace ${workspace}`);
  console.log('');
  for (const h of reachableHosts(host)) console.log(`  Open:  http://${h.includes(':') ? `[${h}]` : h}:${server.port}${path}`);
  if (host === '127.0.0.1' || host === 'localhost') {
    console.log(`         (from another machine: ssh -L ${server.port}:127.0.0.1:${server.port} <this machine>, then the URL above;`);
    console.log('          or npm start -- --host 0.0.0.0, which serves everyone who can reach this machine, without a password)');
  } else {
    console.log('         No password: anyone who can reach this address can use this VS Code.');
  }
  console.log('');
  console.log(`  A closed tab's VS Code stops ${DEMO_RECONNECTION_GRACE_SECONDS} s later.  Log: ${server.logFile}`);
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
