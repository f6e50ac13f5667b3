// Installs the extension under test into a code-server extensions folder: the packaged .vsix (what a
// user installs; the default of the scenes) or an unpacked extension folder (the repository after
// `npm run build`; `npm start` and ML_NOTES_E2E_EXTENSION=<folder> use it).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cacheDir, codeServerEntry, nodeBinary, repoRoot, vsixPath } from './paths';

/** What a user's installation of the extension holds (a .vsix carries the same): folders... */
const RUNNABLE_FOLDERS = ['dist', 'media', 'notes', 'l10n'];
/** ...and top-level files: the manifest and its translations (package.nls*.json), README, LICENSE, CHANGELOG. */
const RUNNABLE_FILE = /^(package\.json|package\.nls(\.[A-Za-z-]+)?\.json|README(\.md)?|LICENSE(\.md|\.txt)?|CHANGELOG(\.md)?)$/;

export interface InstalledExtension {
  /** `publisher.name` as VS Code knows it. */
  id: string;
  version: string;
  /** Folder inside the extensions folder. */
  dir: string;
  /** What was installed: a .vsix file or an extension folder. */
  source: string;
  kind: 'vsix' | 'folder';
}

interface Manifest {
  name: string;
  publisher: string;
  version: string;
  main?: string;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/**
 * What the scenes install when nothing says otherwise: ML_NOTES_E2E_EXTENSION (a .vsix or an extension
 * folder), else the .vsix that `node test/e2e/run.mjs` packages into the cache (`npm run package`).
 */
export function defaultExtensionSource(): string {
  const fromEnv = process.env.ML_NOTES_E2E_EXTENSION;
  if (fromEnv) return fromEnv;
  if (!existsSync(vsixPath)) {
    throw new Error(
      `no packaged extension at ${vsixPath}: run the scenes with \`node test/e2e/run.mjs\` (it runs \`npm run package -- ${vsixPath}\`), ` +
        'or set ML_NOTES_E2E_EXTENSION to a .vsix or to an extension folder (ML_NOTES_E2E_EXTENSION=$PWD after `npm run build` tests the source folder)',
    );
  }
  return vsixPath;
}

/**
 * Installs `source` into `extensionsDir`: a `.vsix` file the way a user does (code-server's
 * `--install-extension`), or an extension folder by copying what a package would hold to
 * `<extensions-dir>/<publisher>.<name>-<version>` (the layout VS Code loads at start-up).
 */
export function installExtension(extensionsDir: string, source: string = repoRoot): InstalledExtension {
  if (source.endsWith('.vsix') && existsSync(source) && statSync(source).isFile()) return installVsix(extensionsDir, source);
  return installFolder(extensionsDir, source);
}

/** What a package of the extension folder `source` would hold. */
function runnableParts(source: string): string[] {
  return [...RUNNABLE_FOLDERS.filter((f) => existsSync(join(source, f))), ...readdirSync(source).filter((f) => RUNNABLE_FILE.test(f))];
}

function installFolder(extensionsDir: string, source: string, parts: (source: string) => string[] = runnableParts): InstalledExtension {
  if (!existsSync(join(source, 'package.json'))) throw new Error(`not an extension folder or a .vsix: ${source}`);
  const manifest = readManifest(source);
  if (manifest.main) {
    const main = join(source, manifest.main.endsWith('.js') ? manifest.main : `${manifest.main}.js`);
    if (!existsSync(main)) throw new Error(`the extension is not built: ${main} is missing (run npm run build)`);
  }
  const id = `${manifest.publisher}.${manifest.name}`;
  const dir = join(extensionsDir, `${id}-${manifest.version}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const part of parts(source)) cpSync(join(source, part), join(dir, part), { recursive: true });
  return { id, version: manifest.version, dir, source, kind: 'folder' };
}

/**
 * Installs a helper extension of the harness (every file of the folder `source`, e.g. test/e2e/settings-writer) beside
 * the extension under test. When the folder has an extensions.json (a .vsix install writes one, and VS Code then reads
 * the folder's extensions from it), the helper is listed there too.
 */
export function installHelperExtension(extensionsDir: string, source: string): InstalledExtension {
  const installed = installFolder(extensionsDir, source, (dir) => readdirSync(dir));
  const list = join(extensionsDir, 'extensions.json');
  if (existsSync(list)) {
    const entries = (JSON.parse(readFileSync(list, 'utf8')) as ExtensionsJsonEntry[]).filter((e) => e.identifier.id !== installed.id);
    entries.push({ identifier: { id: installed.id }, version: installed.version, location: locationOf(installed.dir), relativeLocation: basename(installed.dir) });
    writeFileSync(list, JSON.stringify(entries));
  }
  return installed;
}

interface ExtensionsJsonEntry {
  identifier: { id: string };
  version: string;
  location: { $mid?: number; fsPath?: string; external?: string; path: string; scheme: string };
  relativeLocation?: string;
}

/** An extensions.json location for the extension folder `dir`. */
function locationOf(dir: string): ExtensionsJsonEntry['location'] {
  return { $mid: 1, fsPath: dir, external: `file://${encodeURI(dir)}`, path: dir, scheme: 'file' };
}

/**
 * A .vsix is installed once per package content by code-server's own CLI (`--install-extension`, as
 * a user would; it checks the manifest and the engine and unpacks `extension/`), into
 * `<cache>/installed/<hash>/`; each window gets a copy of that folder, with the locations in its
 * `extensions.json` pointed at the copy.
 */
function installVsix(extensionsDir: string, vsix: string): InstalledExtension {
  const hash = createHash('sha256').update(readFileSync(vsix)).digest('hex').slice(0, 16);
  const template = join(cacheDir, 'installed', hash);
  if (!existsSync(join(template, 'extensions.json'))) {
    const work = `${template}.tmp-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(join(work, 'extensions'), { recursive: true });
    const r = spawnSync(
      nodeBinary,
      [codeServerEntry, '--user-data-dir', join(work, 'user-data'), '--extensions-dir', join(work, 'extensions'), '--install-extension', vsix],
      { encoding: 'utf8', timeout: 120_000, env: { ...process.env, EXTENSIONS_GALLERY: '{}', VSCODE_IPC_HOOK_CLI: undefined } },
    );
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    if (r.status !== 0 || !/successfully installed/i.test(output) || !existsSync(join(work, 'extensions', 'extensions.json'))) {
      rmSync(work, { recursive: true, force: true });
      throw new Error(`code-server --install-extension ${vsix} failed (exit ${r.status ?? r.signal}):\n${output}`);
    }
    mkdirSync(join(template, '..'), { recursive: true });
    // Test files run in parallel: another one may have installed the same package meanwhile (the rename is atomic,
    // so a template folder that is there is whole, unless an older run left one without its extensions.json).
    if (existsSync(template) && !existsSync(join(template, 'extensions.json'))) rmSync(template, { recursive: true, force: true });
    try {
      renameSync(join(work, 'extensions'), template);
    } catch (err) {
      if (!existsSync(join(template, 'extensions.json'))) throw err;
    }
    rmSync(work, { recursive: true, force: true });
    // Each packaging makes a new .vsix (zip timestamps): drop installs of older ones, unless recent
    // enough that another run may still be copying them.
    const installed = join(cacheDir, 'installed');
    // Another test file's install in progress (`*.tmp-<pid>`) is its own to remove, and may go while this looks.
    for (const name of readdirSync(installed)) {
      const p = join(installed, name);
      if (p === template || name.includes('.tmp-')) continue;
      const st = statSync(p, { throwIfNoEntry: false });
      if (st && Date.now() - st.mtimeMs > 3_600_000) rmSync(p, { recursive: true, force: true });
    }
  }

  const entries = JSON.parse(readFileSync(join(template, 'extensions.json'), 'utf8')) as ExtensionsJsonEntry[];
  if (entries.length !== 1) throw new Error(`expected one extension installed from ${vsix}, found ${entries.length} in ${template}`);
  mkdirSync(extensionsDir, { recursive: true });
  cpSync(template, extensionsDir, { recursive: true });
  const entry = entries[0]!;
  const folder = entry.relativeLocation ?? entry.location.path.split('/').pop()!;
  const dir = join(extensionsDir, folder);
  entry.relativeLocation = folder;
  entry.location = { ...entry.location, ...locationOf(dir) };
  writeFileSync(join(extensionsDir, 'extensions.json'), JSON.stringify(entries));
  const manifest = readManifest(dir);
  return { id: `${manifest.publisher}.${manifest.name}`, version: manifest.version, dir, source: vsix, kind: 'vsix' };
}
