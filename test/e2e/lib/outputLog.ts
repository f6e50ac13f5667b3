// What the extension wrote to its "ML Notes" output channel, read as a user does: "ML Notes: Show Output", then the
// Output view. (The channel's log file under the user data is written late, sometimes only when the window closes.)
import type { Workbench } from './workbench';

/**
 * What the Output view shows now, as one string: the view is an editor whose long lines wrap (the breaks are
 * dropped, so that a message reads whole) and whose spaces are drawn as no-break spaces.
 */
export async function outputViewText(workbench: Workbench): Promise<string> {
  const text = await workbench.page.locator('.output-view .view-lines').first().innerText();
  return text.replace(/\u00a0/g, ' ').replace(/\n/g, '');
}

/** Runs "ML Notes: Show Output" and returns what the Output view shows once it matches `expected` (or after 10 s). */
export async function showOutput(workbench: Workbench, expected: RegExp): Promise<string> {
  await workbench.runCommand('ML Notes: Show Output');
  await workbench.page.locator('.output-view .view-lines').first().waitFor({ state: 'visible' });
  const end = Date.now() + 10_000;
  let text = await outputViewText(workbench);
  while (!expected.test(text) && Date.now() < end) {
    await workbench.page.waitForTimeout(200);
    text = await outputViewText(workbench);
  }
  return text;
}
