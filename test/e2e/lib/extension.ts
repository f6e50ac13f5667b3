// Installs the extension under test into a code-server extensions folder.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

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
}

/**
 * Puts the built extension found in `source` (the repository by default: run `npm run build` first)
 * into `extensionsDir` as `<publisher>.<name>-<version>`, the layout VS Code loads at start-up.
 * This is the one place that knows how the extension gets installed: when packaging lands, it
 * installs the .vsix instead.
 */
export function installExtension(extensionsDir: string, source: string = repoRoot): InstalledExtension {
  const manifestPath = join(source, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; publisher: string; version: string; main?: string };
  if (manifest.main) {
    const main = join(source, manifest.main.endsWith('.js') ? manifest.main : `${manifest.main}.js`);
    if (!existsSync(main)) throw new Error(`the extension is not built: ${main} is missing (run npm run build)`);
  }
  const id = `${manifest.publisher}.${manifest.name}`;
  const dir = join(extensionsDir, `${id}-${manifest.version}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const parts = [...RUNNABLE_FOLDERS.filter((f) => existsSync(join(source, f))), ...readdirSync(source).filter((f) => RUNNABLE_FILE.test(f))];
  for (const part of parts) cpSync(join(source, part), join(dir, part), { recursive: true });
  return { id, version: manifest.version, dir };
}
