// The scenes' way to change user settings: a small extension installed beside ML Notes (test/e2e/settings-writer)
// has VS Code write the settings file the harness asks for (a workspace edit, through the window's file service),
// without the settings editor drawn, typed into and closed. See VSCode.updateSettings and test/e2e/README.md ("Changing settings").
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installHelperExtension } from './extension';
import { repoRoot } from './paths';

const SOURCE = join(repoRoot, 'test', 'e2e', 'settings-writer');

/** The environment variable code-server passes on to the extension host: the folder of requests and responses. */
export const SETTINGS_DIR_ENV = 'ML_NOTES_E2E_SETTINGS_DIR';

export interface SettingsResponse {
  id: number;
  error?: string;
}

/** Installs the settings writer into a window's extensions folder, beside ML Notes. */
export function installSettingsWriter(extensionsDir: string): void {
  installHelperExtension(extensionsDir, SOURCE);
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
