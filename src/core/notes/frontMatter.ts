/**
 * The front matter most notes have, read without a YAML parser: top-level `key: value` lines, and one level of
 * `key: [a, "b"]` or `key: value` entries under a top-level key (the `terms` block). It answers only when the text is
 * certainly in that subset and means what the `yaml` package would make of it; anything else (block sequences,
 * multi-line or nested flow collections, escapes, anchors, tags, numbers, booleans, duplicate keys, tabs…) returns
 * undefined and the caller uses the full parser. A property test holds the two to the same answers.
 */

type Value = string | string[] | Record<string, string | string[]>;

/** The data of a YAML mapping in the simple subset, or undefined when the full parser has to decide. */
export function readSimpleYaml(text: string): Record<string, Value> | undefined {
  const lines = text.split('\n');
  return readSimpleYamlLines(lines, 0, lines.length);
}

/** `readSimpleYaml` of lines[from, to) joined with newlines (a note's front matter, read from its lines as they are). */
export function readSimpleYamlLines(all: readonly string[], from: number, to: number): Record<string, Value> | undefined {
  for (let i = from; i < to; i++) if (all[i].includes('\t') || all[i].includes('\\')) return undefined;
  const out: Record<string, Value> = {};
  let nested: Record<string, string | string[]> | undefined; // the mapping the indented lines belong to
  let nestedIndent = 0;
  let pendingKey: string | undefined; // a top-level `key:` still waiting for its indented entries
  for (let i = from; i < to; i++) {
    const line = all[i].trimEnd();
    if (line === '') continue;
    const indent = line.length - line.trimStart().length;
    if (line[indent] === '#') continue; // a comment line
    const entry = readEntry(line.slice(indent));
    if (!entry) return undefined;
    if (indent === 0) {
      if (pendingKey !== undefined) return undefined; // `key:` with nothing under it is null
      if (Object.prototype.hasOwnProperty.call(out, entry.key)) return undefined;
      nested = undefined;
      if (entry.value === undefined) {
        pendingKey = entry.key;
      } else {
        out[entry.key] = entry.value;
      }
      continue;
    }
    if (pendingKey !== undefined) {
      nested = {};
      nestedIndent = indent;
      out[pendingKey] = nested;
      pendingKey = undefined;
    }
    if (!nested || indent !== nestedIndent || entry.value === undefined) return undefined;
    if (Object.prototype.hasOwnProperty.call(nested, entry.key)) return undefined;
    nested[entry.key] = entry.value;
  }
  if (pendingKey !== undefined || !Object.keys(out).length) return undefined;
  return out;
}

/** `key: value`, `key: [a, b]` or `key:` (value undefined). */
function readEntry(s: string): { key: string; value?: string | string[] } | undefined {
  let key: string | undefined;
  let rest: string;
  if (s[0] === '"' || s[0] === "'") {
    const close = s.indexOf(s[0], 1);
    if (close < 0) return undefined;
    key = s.slice(1, close);
    if (s[close + 1] !== ':') return undefined;
    rest = s.slice(close + 2);
  } else {
    const colon = s.indexOf(':');
    if (colon <= 0) return undefined;
    key = s.slice(0, colon);
    if (!isPlainKey(key)) return undefined;
    rest = s.slice(colon + 1);
  }
  if (key === '__proto__' || (s[0] !== '"' && s[0] !== "'" && key.includes("'"))) return undefined;
  if (rest === '') return { key };
  if (rest[0] !== ' ') return undefined;
  const v = rest.trim();
  if (v === '' || v[0] === '#') return { key };
  if (v[0] === '[') {
    const list = readFlowSequence(v);
    return list ? { key, value: list } : undefined;
  }
  const scalar = readBlockScalar(v);
  return scalar === undefined ? undefined : { key, value: scalar };
}

/** `[a, "b c", 'd']` on one line, optionally followed by a comment. */
function readFlowSequence(v: string): string[] | undefined {
  const close = v.indexOf(']');
  if (close < 0) return undefined;
  const after = v.slice(close + 1);
  if (after !== '' && !/^\s+#/.test(after)) return undefined;
  const inner = v.slice(1, close);
  if (/[[{}]/.test(inner)) return undefined;
  if (inner.trim() === '') return [];
  const items: string[] = [];
  for (const part of splitFlowItems(inner) ?? []) {
    const item = part.trim();
    if (item === '') return undefined;
    if (item[0] === '"' || item[0] === "'") {
      if (item.length < 2 || item[item.length - 1] !== item[0] || item.slice(1, -1).includes(item[0])) return undefined;
      items.push(item.slice(1, -1));
    } else if (isPlainFlowItem(item)) {
      items.push(item);
    } else {
      return undefined;
    }
  }
  return items.length ? items : undefined;
}

/** Splits on the commas that are outside quotes. */
function splitFlowItems(inner: string): string[] | undefined {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if ((c === '"' || c === "'") && inner.slice(start, i).trim() === '') {
      quote = c;
    } else if (c === ',') {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  if (quote) return undefined;
  const last = inner.slice(start);
  if (last.trim() !== '' || !parts.length) parts.push(last);
  return parts;
}

/** A quoted string, or a plain one that can only be a string (no comment, no number, no boolean or null). */
function readBlockScalar(v: string): string | undefined {
  if (v[0] === '"' || v[0] === "'") {
    const close = v.indexOf(v[0], 1);
    if (close < 0) return undefined;
    const after = v.slice(close + 1);
    if (after !== '' && !/^\s+#/.test(after)) return undefined;
    return v.slice(1, close);
  }
  if (!PLAIN_START.test(v) || RESERVED.test(v) || /[#{}[\]]|:(\s|$)/.test(v)) return undefined;
  return v;
}

/** A letter or `_` first: never a number, an indicator (`-`, `?`, `&`, `*`, `!`, `|`, `>`, `%`, `@`…) or `~`. */
const PLAIN_START = /^[\p{L}_]/u;
/** Words the YAML core schema (and older habits) could read as booleans or null. */
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n)$/i;

function isPlainKey(k: string): boolean {
  return PLAIN_START.test(k) && !RESERVED.test(k) && k === k.trim() && !/[#,{}[\]"]|\s#/.test(k);
}

function isPlainFlowItem(item: string): boolean {
  return PLAIN_START.test(item) && !RESERVED.test(item) && !/[\s:#,{}[\]"']/.test(item);
}
