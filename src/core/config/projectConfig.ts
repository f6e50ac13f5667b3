/**
 * The project configuration: `[tool.ml-notes]` in pyproject.toml, or a `.ml-notes.toml` (which wins when both are in
 * one folder). Read here and nowhere else; the CLI, the extension and the language server each merge their own
 * overrides on top (command-line options, explicitly set settings, initializationOptions).
 *
 * The TOML is parsed by toml-eslint-parser, which keeps the position of every key and value: a broken config (a TOML
 * error, an unknown key, a value of the wrong type) is reported at its file:line:col and not applied.
 */
import { parseTOML, type AST } from 'toml-eslint-parser';
import type { Severity } from '../rules/types';

export const CONFIG_FILE_NAMES = ['.ml-notes.toml', 'pyproject.toml'] as const;
export type ConfigFileName = (typeof CONFIG_FILE_NAMES)[number];

export const SEVERITIES: readonly Severity[] = ['off', 'hint', 'information', 'warning', 'error'];

/** What a project configuration sets; a key left out is not set (the host's default or setting applies). */
export interface ProjectSettings {
  /** Note files or folders, as written (relative to the config file's folder, or absolute, or `~/…`). */
  notes?: string[];
  includeBundledNotes?: boolean;
  /** Severity per rule id (built-in rules and note checks). */
  rules?: Record<string, Severity>;
  /** Gitignore-style patterns, relative to the config file's folder; replace the default exclusions. */
  exclude?: string[];
  /** Gitignore-style patterns added to `exclude` (or to the default exclusions). */
  extendExclude?: string[];
  analysisMaxLines?: number;
}

export interface ProjectConfig extends ProjectSettings {
  /** Location of the config file (a path or a URI string, as the host gave it). */
  file: string;
  /** Location of the folder that holds it: relative paths in the config start here. */
  dir: string;
  /** Where each rule id was written (1-based), to report ids no rule or note check has. */
  ruleLocations: Record<string, { line: number; column: number }>;
}

export interface ConfigProblem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
  /** An error keeps the whole config from being applied; a warning does not. */
  severity: 'error' | 'warning';
}

export interface ParsedConfig {
  /** Present when the file configures ML Notes and has no error. */
  config?: ProjectConfig;
  /** Whether the file is meant to configure ML Notes (a pyproject.toml without `[tool.ml-notes]` is not). */
  relevant: boolean;
  problems: ConfigProblem[];
}

/** The keys a config may set, with their TOML spelling. */
const KEYS = ['notes', 'include-bundled-notes', 'rules', 'exclude', 'extend-exclude', 'analysis-max-lines'] as const;
type Key = (typeof KEYS)[number];

type Path = (string | number)[];
type Loc = { line: number; column: number };

interface Entry {
  path: Path;
  /** The position of each component of the path (table header parts, then the dotted key's parts). */
  locs: Loc[];
  /** undefined for a table header. */
  value?: AST.TOMLContentNode;
}

/** The problem's text as printed by every host: `file:line:col: message`. */
export function formatProblem(p: ConfigProblem, shownFile: string = p.file): string {
  return `${shownFile}:${p.line}:${p.column}: ${p.message}`;
}

/**
 * Reads one config file's text. `name` tells where the settings live: the whole file (`.ml-notes.toml`) or its
 * `[tool.ml-notes]` table (`pyproject.toml`).
 */
export function parseProjectConfig(file: string, dir: string, name: ConfigFileName, text: string): ParsedConfig {
  const problems: ConfigProblem[] = [];
  const at = (loc: Loc, message: string, severity: 'error' | 'warning' = 'error') => problems.push({ file, line: loc.line, column: loc.column, message, severity });
  let ast: AST.TOMLProgram;
  try {
    ast = parseTOML(text);
  } catch (e) {
    const err = e as { message?: string; lineNumber?: number; column?: number };
    // A pyproject.toml that never mentions ML Notes is someone else's problem: look further up instead.
    const relevant = name !== 'pyproject.toml' || text.includes('ml-notes');
    if (relevant) at({ line: err.lineNumber ?? 1, column: (err.column ?? 0) + 1 }, `TOML error: ${err.message ?? String(e)}`);
    return { relevant, problems };
  }

  const entries = flatten(ast);
  const prefix: Path = name === 'pyproject.toml' ? ['tool', 'ml-notes'] : [];
  const under = entries.filter((e) => startsWith(e.path, prefix) || startsWith(prefix, e.path));
  const mine = under.filter((e) => startsWith(e.path, prefix));
  const relevant = name !== 'pyproject.toml' || mine.length > 0;
  if (!relevant) return { relevant, problems };

  const settings: ProjectSettings = {};
  const ruleLocations: Record<string, Loc> = {};
  const section = name === 'pyproject.toml' ? '[tool.ml-notes]' : 'the file';
  for (const e of under) {
    if (e.path.length <= prefix.length) {
      // `tool.ml-notes = …` or `[[tool.ml-notes]]`: not a table.
      if (e.value && e.path.length === prefix.length && e.value.type !== 'TOMLInlineTable') at(e.locs[e.locs.length - 1], `${section} must be a table`);
      continue;
    }
    if (e.path.some((p) => typeof p === 'number')) {
      at(e.locs[prefix.length], `${section} must be a table, not an array of tables`);
      continue;
    }
    const written = e.path[prefix.length] as string;
    const keyLoc = e.locs[prefix.length];
    if (!isKey(written)) {
      const hint = closest(written, KEYS);
      at(keyLoc, `unknown key "${written}"${hint ? ` (did you mean "${hint}"?)` : ''}; known keys: ${KEYS.join(', ')}`);
      continue;
    }
    const key: Key = written;
    const depth = e.path.length - prefix.length;
    if (key === 'rules') {
      if (depth === 1) {
        if (e.value && e.value.type !== 'TOMLInlineTable') at(locOf(e.value), `"rules" must be a table of rule id = severity (${SEVERITIES.join(' | ')})`);
        else settings.rules ??= {};
        continue;
      }
      const id = String(e.path[prefix.length + 1]);
      if (depth > 2 || !e.value) {
        at(e.locs[prefix.length + 1], `"rules.${id}" must be a severity (${SEVERITIES.join(' | ')})`);
        continue;
      }
      const v = e.value;
      if (v.type !== 'TOMLValue' || v.kind !== 'string' || !(SEVERITIES as readonly string[]).includes(v.value)) {
        at(locOf(v), `rule "${id}": expected one of ${SEVERITIES.map((s) => `"${s}"`).join(', ')}, found ${describe(v)}`);
        continue;
      }
      settings.rules ??= {};
      settings.rules[id] = v.value as Severity;
      ruleLocations[id] = e.locs[prefix.length + 1];
      continue;
    }
    if (depth > 1 || !e.value) {
      at(keyLoc, `"${key}" ${expected(key)}, found a table`);
      continue;
    }
    const v = e.value;
    const value = read(key, v);
    if (value === undefined) at(locOf(v), `"${key}" ${expected(key)}, found ${describe(v)}`);
    else assign(settings, key, value);
  }
  if (problems.some((p) => p.severity === 'error')) return { relevant, problems };
  return { relevant, problems, config: { ...settings, file, dir, ruleLocations } };
}

/** Warnings for rule ids in the config that no rule or note check has (the config still applies). */
export function unknownRuleProblems(config: ProjectConfig, isKnown: (id: string) => boolean, known: readonly string[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const [id, loc] of Object.entries(config.ruleLocations)) {
    if (isKnown(id)) continue;
    const hint = closest(id, known);
    out.push({ file: config.file, ...loc, severity: 'warning', message: `unknown rule "${id}"${hint ? ` (did you mean "${hint}"?)` : ''}; it is ignored` });
  }
  return out;
}

function isKey(s: string): s is Key {
  return (KEYS as readonly string[]).includes(s);
}

function expected(key: Key): string {
  switch (key) {
    case 'include-bundled-notes':
      return 'must be true or false';
    case 'analysis-max-lines':
      return 'must be a positive whole number';
    default:
      return 'must be an array of strings';
  }
}

function read(key: Key, v: AST.TOMLContentNode): string[] | boolean | number | undefined {
  switch (key) {
    case 'include-bundled-notes':
      return v.type === 'TOMLValue' && v.kind === 'boolean' ? v.value : undefined;
    case 'analysis-max-lines':
      return v.type === 'TOMLValue' && v.kind === 'integer' && v.value > 0 && Number.isSafeInteger(v.value) ? v.value : undefined;
    default:
      if (v.type !== 'TOMLArray') return undefined;
      if (!v.elements.every((x) => x.type === 'TOMLValue' && x.kind === 'string')) return undefined;
      return v.elements.map((x) => (x as AST.TOMLStringValue).value);
  }
}

function assign(s: ProjectSettings, key: Key, value: string[] | boolean | number): void {
  if (key === 'notes') s.notes = value as string[];
  else if (key === 'include-bundled-notes') s.includeBundledNotes = value as boolean;
  else if (key === 'exclude') s.exclude = value as string[];
  else if (key === 'extend-exclude') s.extendExclude = value as string[];
  else if (key === 'analysis-max-lines') s.analysisMaxLines = value as number;
}

/** "a string", "an array with a number"… for messages. */
function describe(v: AST.TOMLContentNode): string {
  if (v.type === 'TOMLArray') {
    const odd = v.elements.find((x) => !(x.type === 'TOMLValue' && x.kind === 'string'));
    return odd ? `an array holding ${describe(odd)}` : 'an array';
  }
  if (v.type === 'TOMLInlineTable') return 'a table';
  if (v.kind === 'string') return `"${v.value.length > 40 ? v.value.slice(0, 40) + '…' : v.value}"`;
  if (v.kind === 'integer' || v.kind === 'float') return `the number ${v.number}`;
  if (v.kind === 'boolean') return String(v.value);
  return 'a date';
}

function locOf(n: { loc: AST.SourceLocation }): Loc {
  return { line: n.loc.start.line, column: n.loc.start.column + 1 };
}

/** Every key = value of the document (inline tables opened up) and every table header, with full paths. */
function flatten(ast: AST.TOMLProgram): Entry[] {
  const out: Entry[] = [];
  const add = (base: Path, baseLocs: Loc[], kv: AST.TOMLKeyValue) => {
    const path = [...base, ...kv.key.keys.map(keyName)];
    const locs = [...baseLocs, ...kv.key.keys.map(locOf)];
    if (kv.value.type === 'TOMLInlineTable') {
      out.push({ path, locs, value: kv.value });
      for (const inner of kv.value.body) add(path, locs, inner);
    } else out.push({ path, locs, value: kv.value });
  };
  for (const node of ast.body[0].body) {
    if (node.type === 'TOMLKeyValue') add([], [], node);
    else {
      const path = node.resolvedKey;
      // Header parts, then the array index (if any) at the position of the last part.
      const locs = node.key.keys.map(locOf);
      while (locs.length < path.length) locs.push(locs[locs.length - 1]);
      out.push({ path, locs });
      for (const kv of node.body) add(path, locs, kv);
    }
  }
  return out;
}

function keyName(k: AST.TOMLBare | AST.TOMLQuoted): string {
  return k.type === 'TOMLBare' ? k.name : k.value;
}

function startsWith(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => path[i] === p);
}

/** The known word closest to `word` (a typo or `_` for `-`), if close enough. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const w = word.toLowerCase().replace(/_/g, '-');
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(w, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(w.length / 4)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
