// Starts and stops code-server (the real VS Code workbench and extension host, served over HTTP).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertSetupDone, codeServerEntry, nodeBinary } from './paths';
import { registerCleanup } from './cleanup';

export interface CodeServerOptions {
  /** Folder for this server's own files (user data, config, log); created if missing. */
  runDir: string;
  /** The extensions folder; the caller installs extensions into it before start. */
  extensionsDir: string;
  /** The user data folder (settings live in `User/settings.json` under it). */
  userDataDir: string;
  /** The built-in extensions' folder instead of code-server's own (`--builtin-extensions-dir`). */
  builtinExtensionsDir?: string;
  /** Folder opened by default. */
  workspace?: string;
  /** Address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** Port to listen on; a free one by default. */
  port?: number;
  /** Milliseconds to wait for /healthz to answer; 60 s by default. */
  startTimeoutMs?: number;
  /** Keep workspace trust (disabled by default, so that no trust prompt gets in the way). */
  workspaceTrust?: boolean;
  /** Display language (`--locale`). */
  locale?: string;
  /**
   * Seconds a window's extension host stays alive after its tab closed or lost the connection (code-server's
   * `--reconnection-grace-time`; 3 hours by default). Short for the demo: a closed tab frees its memory soon.
   */
  reconnectionGraceSeconds?: number;
  /** More environment for code-server and the processes it starts (the extension host). */
  env?: Record<string, string>;
}

export interface CodeServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` (no trailing slash; the host it listens on). */
  readonly origin: string;
  /** The workbench URL for the workspace folder. */
  readonly url: string;
  readonly logFile: string;
  /** code-server's process id, also its process group's (the extension host and helpers are in that group). */
  readonly pid: number;
  /** Last lines code-server printed, for failure messages. */
  logTail(lines?: number): string;
  /** Stops the server and every process it started (extension host, file watcher, pty host). */
  stop(): Promise<void>;
}

/** A TCP port that is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function healthy(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/healthz', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  assertSetupDone();
  mkdirSync(options.runDir, { recursive: true });
  mkdirSync(options.userDataDir, { recursive: true });
  mkdirSync(options.extensionsDir, { recursive: true });
  const configFile = join(options.runDir, 'code-server.yaml');
  // Its own config file, so that code-server never writes ~/.config/code-server.
  writeFileSync(configFile, 'auth: none\ncert: false\n');
  const logFile = join(options.runDir, 'code-server.log');

  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = options.port ?? (await freePort());
    const host = options.host ?? '127.0.0.1';
    const localHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    const args = [
      codeServerEntry,
      '--config', configFile,
      '--auth', 'none',
      '--bind-addr', `${host}:${port}`,
      '--user-data-dir', options.userDataDir,
      '--extensions-dir', options.extensionsDir,
      ...(options.builtinExtensionsDir ? ['--builtin-extensions-dir', options.builtinExtensionsDir] : []),
      '--disable-telemetry',
      '--disable-update-check',
      ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
      ...(options.locale ? ['--locale', options.locale] : []),
      ...(options.reconnectionGraceSeconds !== undefined ? ['--reconnection-grace-time', String(options.reconnectionGraceSeconds)] : []),
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(options.workspace ? [options.workspace] : []),
    ];
    const log = openSync(logFile, 'a');
    // A temporary folder of its own (VS Code's IPC sockets go there, not to XDG_RUNTIME_DIR, and outlive a killed
    // server), removed when it stops; short, as a socket's path must be.
    const temp = mkdtempSync(join(tmpdir(), 'ml-notes-cs-'));
    // Its own process group (detached), so that stop() also ends the extension host and helpers.
    const child = spawn(nodeBinary, args, {
      detached: true,
      stdio: ['ignore', log, log],
      // No extension gallery: this machine has no network, and VS Code would ask open-vsx.org.
      env: { ...process.env, ...options.env, TMPDIR: temp, XDG_RUNTIME_DIR: undefined, EXTENSIONS_GALLERY: '{}', PORT: undefined, PASSWORD: undefined, HASHED_PASSWORD: undefined, VSCODE_IPC_HOOK_CLI: undefined },
    });
    closeSync(log);
    let exited: number | null | undefined;
    const exitPromise = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
      exited = code ?? (signal ? -1 : null);
      resolve();
    }));
    const unregister = registerCleanup(() => {
      killGroup(child, 'SIGKILL');
      rmSync(temp, { recursive: true, force: true });
    });

    const logTail = (lines = 40): string => {
      try {
        return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    };
    const stop = async (): Promise<void> => {
      if (exited === undefined) {
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
        await exitPromise;
        clearTimeout(timer);
      }
      // Children of the extension host may outlive code-server's own exit.
      killGroup(child, 'SIGKILL');
      rmSync(temp, { recursive: true, force: true });
      unregister();
    };

    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    let ready = false;
    while (Date.now() < deadline && exited === undefined) {
      if (await healthy(localHost, port)) {
        ready = true;
        break;
      }
      await Promise.race([exitPromise, new Promise((r) => setTimeout(r, 100))]);
    }
    if (ready) {
      const origin = `http://${localHost.includes(':') ? `[${localHost}]` : localHost}:${port}`;
      const url = options.workspace ? `${origin}/?folder=${encodeURIComponent(options.workspace).replace(/%2F/g, '/')}` : origin;
      return { port, origin, url, logFile, pid: child.pid!, logTail, stop };
    }
    await stop();
    const tail = logTail();
    lastError = new Error(
      exited !== undefined
        ? `code-server exited (code ${exited}) before it was ready; log ${logFile}:\n${tail}`
        : `code-server did not answer /healthz within ${options.startTimeoutMs ?? 60_000} ms; log ${logFile}:\n${tail}`,
    );
    // A port taken between freePort() and bind is the one failure worth another try.
    if (options.port !== undefined || !/EADDRINUSE/.test(tail)) break;
  }
  throw lastError ?? new Error('code-server did not start');
}
