import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root, from the transpiled test location (out/test/unit). */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
export const bundledNotesDir = path.join(repoRoot, 'notes');

/** The temporary folders made by this test file's process, removed when it exits. */
const madeDirs: string[] = [];

/**
 * A new empty temporary folder (its real path: no symbolic links), removed with everything in it when the test file's
 * process exits. The unit runner fails a run that leaves anything in the temporary folder (scripts/unit-tests.mjs).
 */
export function tempDir(prefix = 'ml-notes-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  if (!madeDirs.length) process.on('exit', () => madeDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  madeDirs.push(dir);
  return dir;
}

/** A temporary folder holding the given files (relative path → text); its real path (no symbolic links). See tempDir. */
export function tempTree(files: Record<string, string>, prefix = 'ml-notes-'): string {
  const root = tempDir(prefix);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

export interface CheckFields {
  pattern: string | string[];
  unless?: string[];
  inside?: string;
  notInside?: string;
}

/** YAML for one check (patterns as block scalars, so that no quoting gets in the way). */
export function checkYaml(id: string, f: CheckFields & { message?: string; fix?: string; severity?: string }): string {
  const indented = (text: string, indent: string) => text.split('\n').map((l) => `${indent}${l}`).join('\n');
  const block = (key: string, text: string) => `${key}: |\n${indented(text, '  ')}\n`;
  const list = (items: string[], indent: string) => items.map((p) => `${indent}- |\n${indented(p, `${indent}  `)}\n`).join('');
  let y = `id: ${id}\nmessage: ${JSON.stringify(f.message ?? 'found')}\n`;
  if (f.severity) y += `severity: ${f.severity}\n`;
  if (Array.isArray(f.pattern)) y += `pattern:\n  any:\n${list(f.pattern, '    ')}`;
  else y += block('pattern', f.pattern);
  if (f.unless) y += `unless:\n${list(f.unless, '  ')}`;
  if (f.inside) y += block('inside', f.inside);
  if (f.notInside) y += block('not-inside', f.notInside);
  if (f.fix) y += block('fix', f.fix);
  return y;
}

/** 0-based lines that expect a finding of `rule`. */
export function expectedLines(text: string, rule: string): number[] {
  const out: number[] = [];
  text.split('\n').forEach((line, i) => {
    const at = line.indexOf('# expect:');
    if (at < 0) return;
    const ids = line
      .slice(at + '# expect:'.length)
      .split(',')
      .map((s) => s.trim());
    if (ids.includes(rule)) out.push(i);
  });
  return out;
}
