// The scenes' way to change user settings: a small extension installed beside ML Notes (test/e2e/settings-writer)
// saves the settings file the harness asks for through VS Code's own document editing, without the settings editor
// drawn, typed into and closed. See VSCode.updateSettings and test/e2e/README.md ("Changing settings").
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

const SOURCE = join(repoRoot, 'test', 'e2e', 'settings-writer');
const ID = 'ml-notes-tests.settings-writer';

/** The environment variable code-server passes on to the extension host: the folder of requests and responses. */
export const SETTINGS_DIR_ENV = 'ML_NOTES_E2E_SETTINGS_DIR';

export interface SettingsResponse {
  id: number;
  error?: string;
}

/**
 * Installs the settings writer into a window's extensions folder (as an unpacked extension, listed in the folder's
 * extensions.json when there is one, as the .vsix install of ML Notes leaves it).
 */
export function installSettingsWriter(extensionsDir: string): void {
  const manifest = JSON.parse(readFileSync(join(SOURCE, 'package.json'), 'utf8')) as { version: string };
  const folder = `${ID}-${manifest.version}`;
  const dir = join(extensionsDir, folder);
  mkdirSync(dir, { recursive: true });
  cpSync(SOURCE, dir, { recursive: true });
  const list = join(extensionsDir, 'extensions.json');
  if (!existsSync(list)) return;
  const entries = (JSON.parse(readFileSync(list, 'utf8')) as { identifier: { id: string } }[]).filter((e) => e.identifier.id !== ID);
  entries.push({
    identifier: { id: ID },
    version: manifest.version,
    location: { $mid: 1, fsPath: dir, external: `file://${encodeURI(dir)}`, path: dir, scheme: 'file' },
    relativeLocation: folder,
  } as { identifier: { id: string } });
  writeFileSync(list, JSON.stringify(entries));
}

/** Asks the writer to save `content` as the user settings file (a whole file, renamed into place). */
export function requestSettings(dir: string, id: number, settingsFile: string, content: string): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, 'request.json.tmp');
  writeFileSync(tmp, JSON.stringify({ id, settingsFile, content }));
  renameSync(tmp, join(dir, 'request.json'));
}

/** The writer's answer to request `id`, once it has given one. */
export function settingsResponse(dir: string, id: number): SettingsResponse | undefined {
  try {
    const response = JSON.parse(readFileSync(join(dir, 'response.json'), 'utf8')) as SettingsResponse;
    return response.id === id ? response : undefined;
  } catch {
    return undefined;
  }
}
