/**
 * The front matter most notes have, read without a YAML parser: top-level `key: value` lines, and one level of
 * `key: [a, "b"]` or `key: value` entries under a top-level key (the `terms` block). It answers only when the text is
 * certainly in that subset and means what the `yaml` package would make of it; anything else (block sequences,
 * multi-line or nested flow collections, escapes, anchors, tags, numbers, booleans, duplicate keys, tabs…) returns
 * undefined and the caller uses the full parser. A property test holds the two to the same answers.
 */

import { isBlankBetween, isSpaceCode, skipSpace, trimSpaceEnd } from './markdownText';
import { RangeMemo } from '../memo';

type Value = string | string[] | Record<string, string | string[]>;

/** A nested mapping as `readSimpleYamlLines` gives it: its keys in the order they were written. */
export type SimpleMapping = Map<string, string | string[]>;

/** The data of a YAML mapping in the simple subset, or undefined when the full parser has to decide. */
export function readSimpleYaml(text: string): Record<string, Value> | undefined {
  const lines = text.split('\n');
  const data = readSimpleYamlLines(lines, 0, lines.length);
  if (!data) return undefined;
  const out: Record<string, Value> = {};
  for (const key of Object.keys(data)) {
    const v = data[key];
    out[key] = v instanceof Map ? mappingObject(v) : v;
  }
  return out;
}

/** A nested mapping as the object the `yaml` package makes of it. */
export function mappingObject(m: SimpleMapping): Record<string, string | string[]> {
  const o: Record<string, string | string[]> = {};
  for (const [k, v] of m) o[k] = v;
  return o;
}

/**
 * `readSimpleYaml` of lines[from, to) joined with newlines (a note's front matter, read from its lines as they are),
 * with its nested mappings (a note's `terms`) as Maps in the order written: their keys are a note's own section keys,
 * and made property names of an object each new one was interned first (a store took ~0.7 µs, for a mapping read
 * once per note). `mappingObject` gives the object.
 */
export function readSimpleYamlLines(all: readonly string[], from: number, to: number): Record<string, string | string[] | SimpleMapping> | undefined {
  for (let i = from; i < to; i++) if (all[i].includes('\t') || all[i].includes('\\')) return undefined;
  const out: Record<string, string | string[] | SimpleMapping> = {};
  let nested: SimpleMapping | undefined; // the mapping the indented lines belong to
  let nestedIndent = 0;
  let pendingKey: string | undefined; // a top-level `key:` still waiting for its indented entries
  for (let i = from; i < to; i++) {
    // The line is read where it is (its ends trimmed by index): a front matter is read once per note of a vault.
    const line = all[i];
    const end = trimSpaceEnd(line, 0, line.length);
    if (end === 0) continue;
    const indent = skipSpace(line, 0, end);
    if (line.charCodeAt(indent) === HASH) continue; // a comment line
    const entry = readEntry(line, indent, end);
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
      nested = new Map();
      nestedIndent = indent;
      out[pendingKey] = nested;
      pendingKey = undefined;
    }
    if (!nested || indent !== nestedIndent || entry.value === undefined) return undefined;
    if (nested.has(entry.key)) return undefined;
    nested.set(entry.key, entry.value);
  }
  if (pendingKey !== undefined || !Object.keys(out).length) return undefined;
  return out;
}

const HASH = 35;
const COLON = 58;
const COMMA = 44;

function isQuote(c: number): boolean {
  return c === 34 || c === 39;
}

/**
 * `key: value`, `key: [a, b]` or `key:` (value undefined), in line[from, end): `from` is the line's first character
 * that is not a space, and nothing but whitespace follows `end`.
 */
function readEntry(line: string, from: number, end: number): { key: string; value?: string | string[] } | undefined {
  let key: string;
  let rest: number; // where the text after the key's colon starts
  const first = line.charCodeAt(from);
  if (isQuote(first)) {
    const close = line.indexOf(line[from], from + 1);
    if (close < 0 || close >= end) return undefined;
    key = line.slice(from + 1, close);
    if (close + 1 >= end || line.charCodeAt(close + 1) !== COLON) return undefined;
    rest = close + 2;
  } else {
    const colon = line.indexOf(':', from);
    if (colon <= from || colon >= end) return undefined;
    key = line.slice(from, colon);
    if (!isPlainKey(key)) return undefined;
    rest = colon + 1;
  }
  if (key === '__proto__' || (!isQuote(first) && key.includes("'"))) return undefined;
  if (rest >= end) return { key };
  if (line.charCodeAt(rest) !== 32) return undefined;
  const v = skipSpace(line, rest, end);
  if (v >= end || line.charCodeAt(v) === HASH) return { key };
  if (line[v] === '[') {
    const list = readFlowSequence(line, v, end);
    return list ? { key, value: list } : undefined;
  }
  const scalar = readBlockScalar(line.slice(v, end));
  return scalar === undefined ? undefined : { key, value: scalar };
}

/** `[a, "b c", 'd']` at line[from, end) (`[` at `from`), optionally followed by a comment. */
function readFlowSequence(line: string, from: number, end: number): string[] | undefined {
  const close = line.indexOf(']', from);
  if (close < 0 || close >= end) return undefined;
  if (close + 1 < end) {
    // Only whitespace and a comment after it.
    if (!isSpaceCode(line.charCodeAt(close + 1))) return undefined;
    if (line.charCodeAt(skipSpace(line, close + 1, end)) !== HASH) return undefined;
  }
  for (let i = from + 1; i < close; i++) {
    const c = line[i];
    if (c === '[' || c === '{' || c === '}') return undefined;
  }
  if (isBlankBetween(line, from + 1, close)) return [];
  // Split on the commas outside quotes; a quote opens one only where it starts its item.
  const items: string[] = [];
  let start = from + 1;
  let quote = 0;
  let spaceOnly = true; // line[start, i) is whitespace only
  for (let i = from + 1; i < close; i++) {
    const c = line.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (isQuote(c) && spaceOnly) {
      quote = c;
    } else if (c === COMMA) {
      const item = flowItem(line, start, i);
      if (item === undefined) return undefined;
      items.push(item);
      start = i + 1;
      spaceOnly = true;
      continue;
    }
    if (!isSpaceCode(c)) spaceOnly = false;
  }
  if (quote) return undefined;
  // A trailing comma ends the list; an item after the last comma is read.
  if (!isBlankBetween(line, start, close) || !items.length) {
    const item = flowItem(line, start, close);
    if (item === undefined) return undefined;
    items.push(item);
  }
  return items;
}

/** The item at line[from, to) of a flow sequence, trimmed: quoted, or plain; undefined when it is neither. */
function flowItem(line: string, from: number, to: number): string | undefined {
  from = skipSpace(line, from, to);
  to = trimSpaceEnd(line, from, to);
  if (from === to) return undefined;
  return flowItems.get(line, from, to) ?? undefined;
}

/**
 * Flow sequence items read lately, by their text (trimmed): a library repeats its terms, and each term is one string
 * (the term index and the lookup index find a string they have seen faster than an equal one).
 */
const flowItems = new RangeMemo((item: string): string | null => {
  const q = item.charCodeAt(0);
  if (isQuote(q)) {
    if (item.length < 2 || item.charCodeAt(item.length - 1) !== q) return null;
    const inner = item.slice(1, -1);
    return inner.includes(item[0]) ? null : inner;
  }
  return isPlainFlowItem(item) ? item : null;
});

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
