// What the extension wrote to its "ML Notes" output channel, read as a user does: "ML Notes: Show Output", then the
// Output view. (The channel's log file under the user data is written late, sometimes only when the window closes.)
import type { Workbench } from './workbench';
import { DEFAULT_TIMEOUT } from './workbench';

/**
 * What the Output view shows now, as one string: the view is an editor whose long lines wrap (the breaks are
 * dropped, so that a message reads whole) and whose spaces are drawn as no-break spaces.
 */
export async function outputViewText(workbench: Workbench): Promise<string> {
  const text = await workbench.page.locator('.output-view .view-lines').first().innerText();
  return text.replace(/\u00a0/g, ' ').replace(/\n/g, '');
}

/** The messages the Output view shows, oldest first, one per logged line (`2026-01-02 10:11:12.345 [info] …`). */
export async function outputMessages(workbench: Workbench): Promise<string[]> {
  const text = await outputViewText(workbench);
  return text.split(/(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[)/).filter((m) => m.trim() !== '');
}

/**
 * Runs "ML Notes: Show Output" and waits until the Output view's messages satisfy `until` (e.g. the last "Loaded"
 * line names 2 files); returns them. Fails with what the view shows after `timeoutMs`.
 */
export async function waitForOutput(workbench: Workbench, until: (messages: string[]) => boolean, what: string, timeoutMs = DEFAULT_TIMEOUT): Promise<string[]> {
  await workbench.runCommand('ML Notes: Show Output');
  await workbench.page.locator('.output-view .view-lines').first().waitFor({ state: 'visible', timeout: timeoutMs });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const messages = await outputMessages(workbench);
    if (until(messages)) return messages;
    if (Date.now() > deadline) throw new Error(`the ML Notes output never showed ${what}; it shows:\n${messages.join('\n')}`);
    await workbench.page.waitForTimeout(100);
  }
}

/** Runs "ML Notes: Show Output" and waits until the Output view shows a message matching `expected`; returns the view's text. */
export async function showOutput(workbench: Workbench, expected: RegExp, timeoutMs = DEFAULT_TIMEOUT): Promise<string> {
  await waitForOutput(workbench, (messages) => expected.test(messages.join('')), String(expected), timeoutMs);
  return outputViewText(workbench);
}

/** The last message matching `pattern` the Output view shows (undefined when none). */
export function lastMessage(messages: string[], pattern: RegExp): string | undefined {
  return messages.filter((m) => pattern.test(m)).pop();
}

/** When a message was logged (its leading local timestamp), in ms since the epoch; NaN without one. */
export function loggedAt(message: string): number {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})/.exec(message);
  return m ? new Date(`${m[1]}T${m[2]}`).getTime() : NaN;
}

/** Messages logged at or after `sinceMs` (a `Date.now()` taken before the action that logs them). */
export function messagesSince(messages: string[], sinceMs: number): string[] {
  // Log timestamps have millisecond precision; the clock is this machine's.
  return messages.filter((m) => loggedAt(m) >= sinceMs - 1);
}
