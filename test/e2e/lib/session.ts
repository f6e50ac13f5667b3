// One VS Code window for a test file: code-server with the extension installed, a workspace copy,
// Chromium on it; and `describeVSCode`/`scene`, which run scenes in it with one retry each.
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startCodeServer, type CodeServer } from './codeServer';
import { defaultExtensionSource, installExtension, type InstalledExtension } from './extension';
import { builtinExtensionsDir, chromiumPath, e2eFixturesDir, flakyLog, runsDir } from './paths';
import { registerCleanup } from './cleanup';
import { DEFAULT_TIMEOUT, POLL_MS, Workbench } from './workbench';
import { DEFAULT_SETTINGS, SCENE_SETTINGS } from './settings';
import { installSettingsWriter, requestSettings, SETTINGS_DIR_ENV, settingsResponse } from './settingsWriter';

export { DEFAULT_SETTINGS };

/** Chromium flags for this machine kind: no sandbox as root, no GPU, no background network traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Built-in extensions no scene uses that would start in every window anyway: Copilot Chat, GitHub and the sign-in
 * providers, and the debuggers start with the window; TypeScript's language features start with any JSON-with-comments
 * file; Emmet, npm, merge conflicts, extension authoring and the rest with other files. Then the languages no scene
 * opens a file of and the colour themes no scene picks: they start nothing, but every window reads and registers what
 * they contribute (grammars, snippets, settings, themes). The scenes' windows run without them; the demo keeps them all
 * (test/e2e/README.md has the figures).
 */
const UNUSED_BUILTIN_EXTENSIONS = new Set([
  'copilot',
  'github',
  'github-authentication',
  'microsoft-authentication',
  'debug-auto-launch',
  'debug-server-ready',
  'ms-vscode.js-debug',
  'ms-vscode.js-debug-companion',
  'ms-vscode.vscode-js-profile-table',
  'typescript-language-features',
  'extension-editing',
  'emmet',
  'npm',
  'merge-conflict',
  'simple-browser',
  'terminal-suggest',
  'tunnel-forwarding',
  // languages and themes
  'bat', 'clojure', 'coffeescript', 'cpp', 'csharp', 'css', 'css-language-features', 'dart', 'docker', 'dotenv',
  'fsharp', 'go', 'groovy', 'grunt', 'gulp', 'handlebars', 'hlsl', 'html', 'html-language-features', 'jake', 'java',
  'javascript', 'julia', 'latex', 'less', 'lua', 'make', 'objective-c', 'perl', 'php', 'php-language-features',
  'powershell', 'prompt-basics', 'pug', 'r', 'razor', 'restructuredtext', 'ruby', 'rust', 'scss', 'shaderlab',
  'shellscript', 'sql', 'swift', 'typescript-basics', 'vb', 'xml',
  'theme-abyss', 'theme-kimbie-dark', 'theme-monokai', 'theme-monokai-dimmed', 'theme-quietlight', 'theme-red',
  'theme-solarized-dark', 'theme-solarized-light', 'theme-tomorrow-night-blue',
]);

/** A folder of the built-in extensions the scenes' windows keep (links to code-server's own). */
function sceneBuiltinExtensions(runDir: string): string {
  const dir = join(runDir, 'builtin-extensions');
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(builtinExtensionsDir)) {
    if (!UNUSED_BUILTIN_EXTENSIONS.has(name)) symlinkSync(join(builtinExtensionsDir, name), join(dir, name));
  }
  return dir;
}

export interface VSCodeOptions {
  /** A folder under test/e2e/fixtures (or an absolute path); the window opens a temporary copy. */
  workspace: string;
  /** User settings over DEFAULT_SETTINGS (e.g. `{ 'workbench.colorTheme': 'Default Dark Modern' }`). */
  settings?: Record<string, unknown>;
  /**
   * The extension to install: a .vsix file or an extension folder. By default ML_NOTES_E2E_EXTENSION,
   * else the .vsix that the runner packages (`npm run package`) into the cache: the scenes test the package.
   */
  extension?: string;
  viewport?: { width: number; height: number };
  /**
   * Workspace trust on, with the workspace not trusted yet (Restricted Mode, no startup prompt): for scenes about
   * what the extension does before and after the user trusts the folder. Off by default.
   */
  restrictedMode?: boolean;
  /**
   * Runs the package's `browser` entry in the browser's web worker extension host (as on vscode.dev), not its Node
   * entry: the installed copy's manifest loses `main`, so VS Code has only the web entry to run. Off by default.
   */
  webExtensionHost?: boolean;
  /** VS Code's display language (code-server's `--locale`), e.g. `zh-cn`; English by default. */
  locale?: string;
}

export interface VSCode {
  readonly workbench: Workbench;
  readonly page: Page;
  readonly server: CodeServer;
  readonly extension: InstalledExtension;
  /** The workspace copy the window has open. */
  readonly workspaceDir: string;
  /** The fixture the copy was made from. */
  readonly fixtureDir: string;
  readonly userDataDir: string;
  /** This window's scratch folder (logs, user data, workspace copy). */
  readonly runDir: string;
  /**
   * Writes user settings (merged over what the window started with) and waits until the window has applied them (its
   * title carries a counter). VS Code writes the new settings.json itself: a small extension installed beside ML Notes
   * (test/e2e/settings-writer) has the window's file service write the whole file, so the configuration service reads
   * it as after a user saved it, and the extension gets one onDidChangeConfiguration (VS Code does not notice the file
   * written behind its back). No editor is opened or typed into (about 1 CPU-s a change instead of 6 to 8, see the README).
   * What the extension does about a change (reading the notes again, analysing again) follows: wait for what the user
   * then sees (an output line, a squiggle).
   * Scenes that only need a theme can also pick it as a user does: `runCommand('Preferences: Color Theme')`.
   */
  updateSettings(settings: Record<string, unknown>): Promise<void>;
  /**
   * Reloads the window with "Developer: Reload Window" and waits until the workbench is ready again.
   * Unlike the browser's reload, the command lets VS Code save its state first (open editors, webview
   * state), so editors and the notes panel come back as a user gets them back.
   */
  reload(): Promise<void>;
  /** Puts the window back to a plain state: no pop-ups, no editors open, workspace files as in the fixture. */
  reset(): Promise<void>;
  /** Closes Chromium and stops code-server; `keep` leaves runDir on disk (for a failure's logs). */
  close(keep?: boolean): Promise<void>;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'scene';
}

function listFiles(dir: string, base = dir, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listFiles(p, base, out);
    else out.push(relative(base, p));
  }
  return out;
}

/**
 * VS Code runs in a display language only when a language pack for it is registered (`languagepacks.json` in the
 * user data, which VS Code writes when one is installed). None can be downloaded here, so a stand-in is registered:
 * an empty translation of VS Code's own strings (they stay in English). The extension's strings do not depend on it:
 * they come from its package.nls.<locale>.json and l10n/bundle.l10n.<locale>.json.
 */
function registerStandInLanguagePack(userDataDir: string, locale: string): void {
  const translations = join(userDataDir, 'stand-in-language-pack', 'main.i18n.json');
  mkdirSync(join(translations, '..'), { recursive: true });
  writeFileSync(translations, JSON.stringify({ version: '1.0.0', contents: {} }));
  const packs = {
    [locale]: {
      hash: `stand-in-${locale}`,
      extensions: [{ extensionIdentifier: { id: `ml-notes-tests.language-pack-${locale}` }, version: '1.0.0' }],
      translations: { vscode: translations },
      label: locale,
    },
  };
  writeFileSync(join(userDataDir, 'languagepacks.json'), JSON.stringify(packs, null, 2));
}

export async function launchVSCode(options: VSCodeOptions): Promise<VSCode> {
  const fixtureDir = isAbsolute(options.workspace) ? options.workspace : join(e2eFixturesDir, options.workspace);
  if (!existsSync(fixtureDir)) throw new Error(`no workspace fixture at ${fixtureDir}`);
  mkdirSync(runsDir, { recursive: true });
  const runDir = join(runsDir, `${Date.now()}-${process.pid}-${slug(options.workspace.split('/').pop()!)}`);
  const workspaceDir = join(runDir, 'workspace');
  const userDataDir = join(runDir, 'user-data');
  const extensionsDir = join(runDir, 'extensions');
  cpSync(fixtureDir, workspaceDir, { recursive: true });
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  const trust = options.restrictedMode
    ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' }
    : {};
  let settings: Record<string, unknown> = { ...DEFAULT_SETTINGS, ...SCENE_SETTINGS, ...trust, ...options.settings };
  let settingsVersion = 0;
  let settingsRequest = 0;
  const settingsFile = join(userDataDir, 'User', 'settings.json');
  writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  if (options.locale) registerStandInLanguagePack(userDataDir, options.locale);
  const extension = installExtension(extensionsDir, options.extension ?? defaultExtensionSource());
  installSettingsWriter(extensionsDir);
  const settingsRequests = join(runDir, 'settings-requests');
  if (options.webExtensionHost) {
    const manifestFile = join(extension.dir, 'package.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    if (typeof manifest.browser !== 'string') throw new Error(`the extension has no browser entry: ${manifestFile}`);
    delete manifest.main;
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  }

  const server = await startCodeServer({
    runDir,
    userDataDir,
    extensionsDir,
    builtinExtensionsDir: sceneBuiltinExtensions(runDir),
    workspace: workspaceDir,
    workspaceTrust: options.restrictedMode,
    locale: options.locale,
    env: { [SETTINGS_DIR_ENV]: settingsRequests },
  });
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let unregister = (): void => undefined;
  const close = async (keep = false): Promise<void> => {
    try {
      await context?.close();
      await browser?.close();
    } catch {
      // the browser may be gone already
    } finally {
      unregister();
      await server.stop();
      if (!keep) rmSync(runDir, { recursive: true, force: true });
    }
  };
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
    const launched = browser;
    unregister = registerCleanup(() => void launched.close().catch(() => undefined));
    // code-server compresses every response the browser accepts compressed (its `compression` middleware): the
    // workbench's 21 MB of scripts and styles at every window start (each file's browser is new, nothing is cached
    // yet), about 1 CPU-s of the server's, and each resource after it, for a transfer between two processes on one
    // machine. The scenes' browser asks for them as they are.
    context = await browser.newContext({
      viewport: options.viewport ?? { width: 1400, height: 900 },
      deviceScaleFactor: 1,
      extraHTTPHeaders: { 'Accept-Encoding': 'identity' },
    });
    const page = await context.newPage();
    const consoleLog = join(runDir, 'browser-console.log');
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') appendFileSync(consoleLog, `[${msg.type()}] ${msg.text()}\n`);
    });
    page.on('pageerror', (err) => appendFileSync(consoleLog, `[pageerror] ${err.message}\n`));
    const workbench = new Workbench(page, workspaceDir, server.origin);
    // The page's "load" event is not what the scenes need, and on a busy machine it can come after the workbench is
    // usable: wait for the server to answer, then for the workbench (its Explorer lists the workspace).
    await page.goto(server.url, { waitUntil: 'commit', timeout: 60_000 });
    await workbench.waitReady(120_000);

    const vs: VSCode = {
      workbench,
      page,
      server,
      extension,
      workspaceDir,
      fixtureDir,
      userDataDir,
      runDir,
      async updateSettings(more) {
        settings = { ...settings, ...more };
        // The window's title (the browser tab's) carries a counter, so that the change is seen to have been applied;
        // the extension host gets the new settings before any later request (a hover, a command) from the window.
        const applied = `settings ${++settingsVersion}`;
        const content = JSON.stringify({ ...settings, 'window.title': `\${rootName}\${separator}${applied}` }, null, 2) + '\n';
        // Right after a window starts, the writer's extension host may not be up yet, or VS Code may be writing the
        // settings file itself: a request not applied in 10 s is made again (a new one), three times in all.
        let error = '';
        for (let attempt = 1; attempt <= 3; attempt++) {
          const id = ++settingsRequest;
          requestSettings(settingsRequests, id, settingsFile, content);
          let shown: boolean | undefined;
          void page
            .waitForFunction((marker) => document.title.endsWith(marker), applied, { timeout: attempt < 3 ? 10_000 : DEFAULT_TIMEOUT, polling: POLL_MS })
            .then(() => (shown = true), () => (shown = false));
          // The writer answers at once when VS Code refused the write: no need to wait out the title then.
          let response = settingsResponse(settingsRequests, id);
          while (shown === undefined && !response?.error) {
            await new Promise((r) => setTimeout(r, POLL_MS));
            response = settingsResponse(settingsRequests, id);
          }
          if (shown) return;
          error = response?.error ?? (response ? 'written, but the window title did not change' : 'no answer from the settings writer');
        }
        throw new Error(`the settings were not applied after three requests: ${error}`);
      },
      async reload() {
        // Once in a while the command is picked but no reload follows (the palette closes on a busy window, or the
        // keys went to a webview): the command is given again when the page has not started to navigate within
        // 15 s (it starts at once when the command runs; waiting for the new page's load event instead cost 45 s
        // before a second try), three times in all.
        for (let attempt = 1; ; attempt++) {
          // A document request for the window's frame: a new page (history updates of the old one make none).
          const navigated = page.waitForRequest((r) => r.isNavigationRequest() && r.frame() === page.mainFrame(), { timeout: 15_000 }).then(
            () => true,
            () => false,
          );
          try {
            await workbench.runCommand('Developer: Reload Window');
          } catch (err) {
            // The page may go away while the palette closes; anything else means no reload is coming.
            if (!/context was destroyed|navigat|Target .*closed|detached/i.test(String((err as Error)?.message))) throw err;
          }
          if (await navigated) break;
          if (attempt === 3) throw new Error('the window did not reload after "Developer: Reload Window", three times');
          await workbench.dismissPopups();
        }
        await workbench.waitReady();
      },
      async reset() {
        await workbench.dismissPopups();
        await page.mouse.move(1, 1);
        await workbench.runCommand('View: Close All Editors');
        // Unsaved edits make VS Code ask first: drop them.
        const tabs = page.locator('.editor-group-container .tab');
        const dontSave = page.locator('.monaco-dialog-box').filter({ visible: true }).getByRole('button', { name: /Don.t Save/ });
        for (let i = 0; i < 10; i++) {
          const what = await Promise.race([
            tabs.first().waitFor({ state: 'hidden', timeout: 10_000 }).then(() => 'closed', () => 'timeout'),
            dontSave.first().waitFor({ state: 'visible', timeout: 10_000 }).then(() => 'asked', () => 'timeout'),
          ]);
          if (what === 'asked') await dontSave.first().click();
          else if (what === 'closed') break;
          else throw new Error('editors did not close');
        }
        // Files a scene changed get their fixture content back; the window is reloaded then, so that
        // VS Code and the extension host read them afresh.
        const restored: string[] = [];
        for (const file of listFiles(fixtureDir)) {
          const target = join(workspaceDir, file);
          const original = readFileSync(join(fixtureDir, file));
          if (!existsSync(target) || !readFileSync(target).equals(original)) {
            mkdirSync(join(target, '..'), { recursive: true });
            writeFileSync(target, original);
            restored.push(file);
          }
        }
        if (restored.length) {
          console.log(`# reset after "${workbench.sceneName}": ${restored.join(', ')} restored, window reloaded`);
          await this.reload();
        }
        workbench.dialogs.length = 0;
        workbench.requests.length = 0;
        workbench.consoleMessages.length = 0;
      },
      close,
    };
    return vs;
  } catch (err) {
    const tail = server.logTail();
    await close(true);
    throw new Error(`${(err as Error).message}\n(code-server log: ${server.logFile})\n${tail}`, { cause: err });
  }
}

export type SceneBody = (vs: VSCode, t: TestContext) => Promise<void>;

export interface SceneOptions {
  /** Per attempt; 180 s by default (a limit: a scene that passes takes what it takes, 5 to 90 s on a busy machine). */
  timeoutMs?: number;
  /** Screenshot name (test/e2e/results/screenshots/<name>.png); the scene title's slug by default. */
  screenshot?: string;
  /**
   * A product bug this scene shows (what is wrong, where it is reported). The scene runs once, as a
   * node:test TODO: its failure is printed but does not fail the run, and its pass shows the bug fixed.
   * Remove the option once the bug is fixed.
   */
  knownBug?: string;
}

export type Scene = (title: string, body: SceneBody, options?: SceneOptions) => void;

/**
 * A group of scenes sharing one VS Code window (one code-server per test file is the usual shape).
 * Each scene is a node:test test; a scene that fails is retried once after a reset and, if it then
 * passes, reported as flaky (a diagnostic on the test, and a line in test/e2e/results/flaky.jsonl).
 * A passing scene leaves a screenshot at test/e2e/results/screenshots/<scene>.png; a failing one
 * `<scene>.failed.png` and its run folder (code-server and browser logs).
 */
export function describeVSCode(name: string, options: VSCodeOptions, body: (scene: Scene) => void): void {
  describe(name, () => {
    let vs: VSCode | undefined;
    let failed = false;
    /** A scene failed an attempt (and passed its retry): the window's folder is kept for its logs. */
    let retried = false;

    before(async () => {
      vs = await launchVSCode(options);
    }, { timeout: 180_000 });

    after(async () => {
      await vs?.close(failed || retried);
      if ((failed || retried) && vs) console.error(`# kept ${vs.runDir} (code-server log, browser console, user data) for the ${failed ? 'failure' : 'retried scene'}`);
    }, { timeout: 60_000 });

    let registered = 0;
    body((title, sceneBody, sceneOptions = {}) => {
      const index = registered++;
      const screenshotName = sceneOptions.screenshot ?? slug(title);
      const attemptTimeout = sceneOptions.timeoutMs ?? 180_000;
      const attempts = sceneOptions.knownBug ? 1 : 2;
      test(title, { timeout: attemptTimeout * attempts + 60_000, todo: sceneOptions.knownBug ? `KNOWN BUG: ${sceneOptions.knownBug}` : undefined }, async (t) => {
        if (!vs) throw new Error('VS Code did not start (see the before hook)');
        const errors: Error[] = [];
        for (let attempt = 1; attempt <= attempts; attempt++) {
          const current: VSCode = vs;
          current.workbench.sceneName = screenshotName;
          try {
            await withTimeout(sceneBody(current, t), attemptTimeout, `scene "${title}" (attempt ${attempt})`);
            if (!current.workbench.hasScreenshot(screenshotName)) await current.workbench.screenshot(screenshotName);
            if (attempt === 2) {
              const line = { suite: name, scene: title, firstError: errors[0]!.message.split('\n')[0] + sceneFrame(errors[0]), at: new Date().toISOString() };
              mkdirSync(join(flakyLog, '..'), { recursive: true });
              appendFileSync(flakyLog, JSON.stringify(line) + '\n');
              t.diagnostic(`FLAKY: failed once, passed on retry; first error: ${line.firstError}`);
            }
            // After the file's last scene the window closes: nothing to reset it for.
            if (index === registered - 1) return;
            await current.reset().catch(async () => {
              // The next scene needs a plain window: start a new one.
              await current.close(true).catch(() => undefined);
              vs = await launchVSCode(options);
            });
            return;
          } catch (err) {
            errors.push(err as Error);
            retried = true;
            await current.workbench.screenshot(`${screenshotName}.failed${attempt === 1 ? '-1' : ''}`).catch(() => undefined);
            if (attempt < attempts) t.diagnostic(`attempt 1 failed, retrying: ${(err as Error).message.split('\n')[0]}${sceneFrame(err)}`);
            // The next attempt, or the next scene, starts from a plain window.
            try {
              await current.reset();
            } catch {
              // The window is in no state to go on: start a new one.
              await current.close(true).catch(() => undefined);
              vs = await launchVSCode(options);
            }
          }
        }
        // A known bug that still shows does not fail the run: the window's folder is not kept for it.
        if (!sceneOptions.knownBug) failed = true;
        const last = errors[errors.length - 1]!;
        if (attempts > 1) last.message += `\n(failed twice; first error: ${errors[0]!.message.split('\n')[0]})`;
        last.message += `\n(code-server log: ${vs.server.logFile})`;
        throw last;
      });
    });
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Where in a scene file an error came from (" at hover.test.ts:42:7"), to tell one wait from another. */
function sceneFrame(err: unknown): string {
  const frame = String((err as Error)?.stack ?? '')
    .split('\n')
    .find((l) => /test\/e2e\/[\w-]+\.test\.ts:\d+/.test(l));
  const m = frame && /test\/e2e\/([\w-]+\.test\.ts:\d+:\d+)/.exec(frame);
  return m ? ` (at ${m[1]})` : '';
}
