// What the extension wrote to its "ML Notes" output channel: code-server keeps each channel in a log file under the
// window's user data (logs/<session>/exthost<N>/<extension id>/ML Notes.log).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

function read(userDataDir: string): string {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name === 'ML Notes.log') files.push(join(d, e.name));
    }
  };
  const logs = join(userDataDir, 'logs');
  if (existsSync(logs)) walk(logs);
  return files.map((f) => readFileSync(f, 'utf8')).join('\n');
}

/**
 * Every line the output channel logged in this window's sessions, once a line matches `expected` (the file is
 * written a little after a line is logged) or after 15 s.
 */
export async function outputChannelLog(page: Page, userDataDir: string, expected: RegExp): Promise<string> {
  const deadline = Date.now() + 15_000;
  let log = read(userDataDir);
  while (!expected.test(log) && Date.now() < deadline) {
    await page.waitForTimeout(250);
    log = read(userDataDir);
  }
  return log;
}
