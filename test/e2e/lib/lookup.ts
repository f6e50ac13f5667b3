// Look Up (the extension's QuickPick) as a user sees it, checked against the `ml-notes lookup` command line: both
// must list the same notes in the same order for a query.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { VSCode } from './session';
import { DEFAULT_TIMEOUT } from './workbench';

export interface CliLookupResult {
  file: string;
  title: string;
  slug: string;
  point: number | null;
  breadcrumb: string[];
}

/** The notes the window reads, for the command line: `notes` are paths relative to the window's workspace. */
export interface LookupNotes {
  notes?: string[];
  /** false when the window has `mlNotes.includeBundledNotes: false` (`--no-bundled`). */
  bundled?: boolean;
}

/**
 * What `ml-notes lookup QUERY --json` answers, run from the installed package (its CLI and its bundled notes), with
 * `notes` as `--notes`: the notes the window reads.
 */
export function cliLookup(vs: VSCode, query: string, { notes = [], bundled = true }: LookupNotes = {}, limit = 50): CliLookupResult[] {
  const cli = join(vs.extension.dir, 'dist', 'cli.js');
  const args = [cli, 'lookup', query, '--json', '--limit', String(limit), ...notes.flatMap((n) => ['--notes', join(vs.workspaceDir, n)])];
  if (!bundled) args.push('--no-bundled');
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: vs.workspaceDir });
  if (r.status !== 0 && r.status !== 1) throw new Error(`ml-notes lookup failed (${r.status}): ${r.stderr}`);
  return r.status === 1 ? [] : (JSON.parse(r.stdout) as CliLookupResult[]);
}

export interface LookupRow {
  label: string;
  description: string;
  detail: string;
  focused: boolean;
}

/** The rows the shown quick input draws, top to bottom. */
export async function quickInputRows(vs: VSCode): Promise<LookupRow[]> {
  return vs.workbench.quickInputRows().evaluateAll((rows) =>
    rows
      .map((r) => ({ r, top: r.getBoundingClientRect().top }))
      .sort((a, b) => a.top - b.top)
      .map(({ r }) => ({
        label: (r.querySelector('.label-name')?.textContent ?? '').trim(),
        description: (r.querySelector('.label-description')?.textContent ?? '').trim(),
        detail: (r.querySelector('.quick-input-list-label-meta .label-name, .quick-input-list-detail, .monaco-icon-label-container + * .label-name')?.textContent ?? '').trim(),
        focused: r.classList.contains('focused'),
      })),
  );
}

/**
 * Types `query` into the open Look Up and waits until it lists the CLI's answer for the same query, in the CLI's
 * order (as many rows as it draws), the first one focused: that is the extension's answer (VS Code first shows the
 * previous rows filtered by its own matching). Returns the rows and the CLI's results.
 */
export async function lookUpRows(vs: VSCode, query: string, notes: LookupNotes = {}): Promise<{ rows: LookupRow[]; expected: CliLookupResult[] }> {
  const expected = cliLookup(vs, query, notes);
  if (!expected.length) throw new Error(`ml-notes lookup finds nothing for "${query}"`);
  await vs.workbench.quickInputType(query);
  const deadline = Date.now() + DEFAULT_TIMEOUT;
  for (;;) {
    const rows = await quickInputRows(vs);
    const n = Math.min(rows.length, expected.length);
    const same = n > 0 && rows.slice(0, n).every((r, i) => r.label === expected[i].title) && rows[0].focused;
    if (same) return { rows, expected };
    if (Date.now() > deadline) {
      throw new Error(`Look Up "${query}" never listed what ml-notes lookup lists.\nrows: ${JSON.stringify(rows.map((r) => r.label))}\ncli:  ${JSON.stringify(expected.slice(0, rows.length || 10).map((r) => r.title))}`);
    }
    await vs.page.waitForTimeout(100);
  }
}
