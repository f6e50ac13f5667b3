/**
 * Adding a code term to a note's front-matter `terms`, as one small text edit that leaves everything else as the author
 * wrote it: comments, key order, quoting, flow or block style, line endings. The `yaml` package's Document API finds
 * where the terms live (node ranges, flow flags, scalar types); the edit is the insertion alone, in the style of its
 * neighbours, and it is checked by parsing the result (the front matter must mean what it meant, plus the term).
 */
import { isMap, isScalar, isSeq, parse, parseDocument, Scalar, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { msg, type Msg } from '../message';
import { LineIndex, applyEdits, type TextEdit } from '../text';

export type AddTermResult =
  | { kind: 'edit'; edit: TextEdit; text: string; key: string }
  | { kind: 'unchanged'; key: string }
  | { kind: 'refused'; message: Msg };

export interface AddTermOptions {
  /** An existing key that names the same section or point (its heading text, another spelling): used instead of `key`. */
  sameKey?: (existing: string) => boolean;
}

interface FrontMatter {
  /** Offset of the first body line, and of the closing `---` line, in the text. */
  bodyStart: number;
  closeStart: number;
  body: string;
}

const OPEN = /^---[ \t]*$/;
const CLOSE = /^(?:---|\.\.\.)[ \t]*$/;

/**
 * The edit that adds `term` under `key` (`slug` or `slug/N`) of the note's front-matter `terms`, creating the front
 * matter, the `terms` map or the key when missing. `text` is the note as the editor holds it (no BOM).
 */
export function addTermEdit(text: string, key: string, term: string, options: AddTermOptions = {}): AddTermResult {
  term = term.trim();
  if (!term || /[\r\n]/.test(term)) return { kind: 'refused', message: msg('“{0}” is not a term that can be added.', term) };
  const eol = text.includes('\r\n') ? '\r\n' : text.includes('\r') ? '\r' : '\n';
  const fm = findFrontMatter(text);
  if (fm === 'unclosed') return { kind: 'refused', message: msg('The front matter starts with "---" but is never closed; close it first.') };
  let edit: { at: number; end?: number; insert: string } | AddTermResult;
  let usedKey = key;
  if (!fm) {
    edit = { at: 0, insert: ['---', 'terms:', `  ${keyText(key)}: [${flowItem(term)}]`, '---', ''].join(eol) };
  } else {
    const doc = parseDocument(fm.body, { prettyErrors: false, logLevel: 'silent', keepSourceTokens: false });
    if (doc.errors.length) return { kind: 'refused', message: msg('The front matter is not valid YAML ({0}); fix it first.', firstLine(doc.errors[0].message)) };
    const planned = planInFrontMatter(doc, fm, new LineIndex(text), key, term, eol, options);
    if ('kind' in planned) return planned;
    edit = planned.edit;
    usedKey = planned.key;
  }
  const index = new LineIndex(text);
  const textEdit: TextEdit = { range: index.range(edit.at, edit.end ?? edit.at), newText: edit.insert };
  const out = applyEdits(text, [textEdit]);
  const check = verify(text, out, usedKey, term);
  if (check) return { kind: 'refused', message: check };
  return { kind: 'edit', edit: textEdit, text: out, key: usedKey };
}

function findFrontMatter(text: string): FrontMatter | 'unclosed' | undefined {
  const lines = new LineIndex(text);
  if (!OPEN.test(lines.lineText(0))) return undefined;
  for (let l = 1; l < lines.lineCount; l++) {
    if (CLOSE.test(lines.lineText(l))) {
      const bodyStart = lines.lineStart(1);
      const closeStart = lines.lineStart(l);
      return { bodyStart, closeStart, body: text.slice(bodyStart, closeStart).replace(/\r\n?/g, '\n') };
    }
  }
  return 'unclosed';
}

type Plan = { edit: { at: number; end?: number; insert: string }; key: string };

function planInFrontMatter(doc: Document, fm: FrontMatter, textLines: LineIndex, key: string, term: string, eol: string, options: AddTermOptions): Plan | AddTermResult {
  // Offsets in the body (\n line breaks) → offsets in the text (its own line breaks; the body starts on line 1).
  const bodyLines = new LineIndex(fm.body);
  const at = (bodyOffset: number) => {
    const p = bodyLines.positionAt(bodyOffset);
    return textLines.offsetAt({ line: p.line + 1, character: p.character });
  };
  const lineEndAt = (bodyOffset: number) => at(bodyLines.lineEnd(bodyLines.positionAt(bodyOffset).line));
  const contents = doc.contents;

  if (contents === null || (isScalar(contents) && contents.value === null)) {
    // Empty front matter (or only comments): the terms go just before the closing line.
    return { key, edit: { at: fm.closeStart, insert: ['terms:', `  ${keyText(key)}: [${flowItem(term)}]`, ''].join(eol) } };
  }
  if (!isMap(contents)) return { kind: 'refused', message: msg('The front matter is not a mapping; the term was not added.') };
  if (contents.flow) return { kind: 'refused', message: msg('The front matter is one mapping in braces; add the term by hand.') };
  const termsPair = contents.items.find((p) => scalarKey(p) === 'terms');
  if (!termsPair) {
    const indent = columnOf(fm.body, contents.range![0]);
    const lead = ' '.repeat(indent);
    return { key, edit: { at: lineStartAfter(fm, contents, at), insert: `${lead}terms:${eol}${lead}  ${keyText(key)}: [${flowItem(term)}]${eol}` } };
  }
  const terms = termsPair.value as Node | null;
  if (terms === null || (isScalar(terms) && terms.value === null)) {
    const keyEnd = (termsPair.key as Node).range![1];
    const indent = columnOf(fm.body, (termsPair.key as Node).range![0]) + 2;
    return { key, edit: { at: lineEndAt(keyEnd), insert: `${eol}${' '.repeat(indent)}${keyText(key)}: [${flowItem(term)}]` } };
  }
  if (!isMap(terms)) return { kind: 'refused', message: msg('Front matter "terms" is not a mapping of sections to terms; the term was not added.') };

  const same = options.sameKey ?? ((k: string) => k === key);
  const pair = terms.items.find((p) => scalarKey(p) === key) ?? terms.items.find((p) => {
    const k = scalarKey(p);
    return k !== undefined && same(k);
  });
  if (pair) {
    const usedKey = scalarKey(pair)!;
    const r = addToValue(fm.body, pair, term, at, lineEndAt, eol);
    return 'kind' in r ? (r.kind === 'unchanged' ? { kind: 'unchanged', key: usedKey } : r) : { key: usedKey, edit: r };
  }
  return { key, edit: addKey(fm.body, terms, key, term, at, lineEndAt, eol) };
}

/** The term added to an existing key's value: a flow list, a block list, a comma-separated string, or nothing yet. */
function addToValue(body: string, pair: Pair, term: string, at: (o: number) => number, lineEndAt: (o: number) => number, eol: string): { at: number; end?: number; insert: string } | AddTermResult {
  const value = pair.value as Node | null;
  if (value === null || (isScalar(value) && value.value === null)) {
    // `key:` with no value: the list goes after the colon (before any comment).
    const colon = body.indexOf(':', (pair.key as Node).range![1]);
    return { at: at(colon + 1), insert: ` [${flowItem(term)}]` };
  }
  if (isSeq(value)) {
    const items = value.items as Node[];
    if (items.some((i) => isScalar(i) && String(i.value) === term)) return { kind: 'unchanged', key: '' };
    return value.flow ? addToFlowSeq(body, value, term, at, eol) : addToBlockSeq(body, value, term, at, lineEndAt, eol);
  }
  if (isScalar(value) && typeof value.value === 'string') {
    const parts = value.value.split(',').map((s) => s.trim());
    if (parts.includes(term)) return { kind: 'unchanged', key: '' };
    if (term.includes(',') || (value.type === Scalar.PLAIN && !readsBack(`k: ${value.value}, ${term}`, { k: `${value.value}, ${term}` }))) {
      return { kind: 'refused', message: msg('The terms of “{0}” are one comma-separated string, which cannot hold “{1}”; write them as a list ([a, b]) first.', String(scalarKey(pair)), term) };
    }
    const valueEnd = value.range![1];
    const style = value.type;
    if (style === Scalar.PLAIN) return { at: at(valueEnd), insert: `, ${term}` };
    if (style === Scalar.QUOTE_DOUBLE) return { at: at(valueEnd - 1), insert: `, ${JSON.stringify(term).slice(1, -1)}` };
    if (style === Scalar.QUOTE_SINGLE) return { at: at(valueEnd - 1), insert: `, ${term.replace(/'/g, "''")}` };
  }
  return { kind: 'refused', message: msg('The terms of “{0}” are not a list; the term was not added.', String(scalarKey(pair))) };
}

function addToFlowSeq(body: string, seq: YAMLSeq, term: string, at: (o: number) => number, eol: string): { at: number; insert: string } {
  const items = seq.items as Node[];
  const item = itemText(term, 'flow', quoteStyleOf(items));
  const close = seq.range![1] - 1; // the `]`
  let p = close;
  while (p > 0 && /\s/.test(body[p - 1])) p--;
  if (!items.length) return { at: at(p), insert: item };
  const last = items[items.length - 1];
  const open = seq.range![0];
  const multiLine = lineOf(body, last.range![0]) !== lineOf(body, open);
  const comma = body[p - 1] === ',';
  if (multiLine) {
    // One item per line: the new one on a line of its own, indented like the last.
    const indent = ' '.repeat(columnOf(body, last.range![0]));
    return { at: at(p), insert: `${comma ? '' : ','}${eol}${indent}${item}${comma ? ',' : ''}` };
  }
  return { at: at(p), insert: comma ? ` ${item},` : `, ${item}` };
}

function addToBlockSeq(body: string, seq: YAMLSeq, term: string, at: (o: number) => number, lineEndAt: (o: number) => number, eol: string): { at: number; insert: string } {
  const items = seq.items as Node[];
  const dash = seq.range![0];
  const indent = ' '.repeat(columnOf(body, dash));
  const last = items[items.length - 1];
  const end = last ? Math.max(last.range![1] - 1, last.range![0]) : dash;
  return { at: lineEndAt(end), insert: `${eol}${indent}- ${itemText(term, 'block', quoteStyleOf(items))}` };
}

/** A new `key: [term]` after the last key of the terms map, indented and styled like its siblings. */
function addKey(body: string, terms: YAMLMap, key: string, term: string, at: (o: number) => number, lineEndAt: (o: number) => number, eol: string): { at: number; insert: string } {
  const pairs = terms.items as Pair[];
  if (terms.flow) {
    const close = terms.range![1] - 1;
    let p = close;
    while (p > 0 && /\s/.test(body[p - 1])) p--;
    const comma = body[p - 1] === ',' || !pairs.length;
    return { at: at(p), insert: `${comma ? (pairs.length ? ' ' : '') : ', '}${keyText(key)}: [${flowItem(term)}]` };
  }
  const last = pairs[pairs.length - 1];
  const indent = ' '.repeat(columnOf(body, (pairs[0].key as Node).range![0]));
  const lastValue = last.value as Node | null;
  const end = lastValue?.range ? Math.max(lastValue.range[1] - 1, lastValue.range[0]) : (last.key as Node).range![1];
  const keyQuote = quoteStyleOf(pairs.map((p) => p.key as Node));
  const k = keyQuote ? quoteWith(key, keyQuote) : keyText(key);
  // Siblings written as block lists get a block list; otherwise the one-line flow list most notes use.
  const blockSibling = pairs.map((p) => p.value as Node | null).find((v): v is YAMLSeq => isSeq(v) && !v.flow && v.items.length > 0);
  if (blockSibling) {
    const dashIndent = columnOf(body, blockSibling.range![0]) - columnOf(body, (pairs[0].key as Node).range![0]);
    const items = blockSibling.items as Node[];
    return { at: lineEndAt(end), insert: `${eol}${indent}${k}:${eol}${indent}${' '.repeat(Math.max(0, dashIndent))}- ${itemText(term, 'block', quoteStyleOf(items))}` };
  }
  const flowSibling = pairs.map((p) => p.value as Node | null).find((v): v is YAMLSeq => isSeq(v) && !!v.flow && v.items.length > 0);
  const quote = flowSibling ? quoteStyleOf(flowSibling.items as Node[]) : undefined;
  return { at: lineEndAt(end), insert: `${eol}${indent}${k}: [${itemText(term, 'flow', quote)}]` };
}

type Quote = typeof Scalar.QUOTE_DOUBLE | typeof Scalar.QUOTE_SINGLE;

/** The quoting every scalar of a list shares, when they all share one. */
function quoteStyleOf(nodes: readonly (Node | null)[]): Quote | undefined {
  const types = new Set(nodes.map((n) => (n && isScalar(n) ? n.type : undefined)));
  if (types.size !== 1) return undefined;
  const [t] = [...types];
  return t === Scalar.QUOTE_DOUBLE || t === Scalar.QUOTE_SINGLE ? t : undefined;
}

function itemText(term: string, context: 'flow' | 'block', quote: Quote | undefined): string {
  if (quote) return quoteWith(term, quote);
  return context === 'flow' ? flowItem(term) : blockItem(term);
}

function quoteWith(s: string, quote: Quote): string {
  return quote === Scalar.QUOTE_SINGLE ? `'${s.replace(/'/g, "''")}'` : JSON.stringify(s);
}

/** Plain when YAML reads it back as the same string inside `[…]`, else double-quoted. */
function flowItem(term: string): string {
  return readsBack(`[${term}]`, [term]) ? term : JSON.stringify(term);
}

function blockItem(term: string): string {
  return readsBack(`- ${term}`, [term]) ? term : JSON.stringify(term);
}

function keyText(key: string): string {
  return readsBack(`${key}: x`, { [key]: 'x' }) ? key : JSON.stringify(key);
}

function readsBack(source: string, expected: unknown): boolean {
  try {
    return JSON.stringify(parse(source, { logLevel: 'silent' })) === JSON.stringify(expected);
  } catch {
    return false;
  }
}

/**
 * The result must parse, mean what the original meant everywhere else, and list the term under the key: otherwise
 * nothing is written.
 */
function verify(before: string, after: string, key: string, term: string): Msg | undefined {
  const a = frontMatterData(before);
  const b = frontMatterData(after);
  if (b === undefined || !isRecord(b)) return msg('Adding the term would leave the front matter unreadable; it was not added.');
  // Through JSON: an alias and its anchor must not share one list here, or a change to both would pass unseen.
  const expected: Record<string, unknown> = isRecord(a) ? (JSON.parse(JSON.stringify(a)) as Record<string, unknown>) : {};
  const terms = isRecord(expected.terms) ? expected.terms : (expected.terms = {});
  const current = terms[key];
  if (Array.isArray(current)) current.push(term);
  else if (typeof current === 'string') terms[key] = `${current}, ${term}`;
  else terms[key] = [term];
  if (JSON.stringify(b) !== JSON.stringify(expected)) return msg('Adding the term would change other parts of the front matter; it was not added.');
  return undefined;
}

function frontMatterData(text: string): unknown {
  const fm = findFrontMatter(text);
  if (!fm) return null;
  if (fm === 'unclosed') return undefined;
  try {
    const doc = parseDocument(fm.body, { prettyErrors: false, logLevel: 'silent' });
    if (doc.errors.length) return undefined;
    return doc.toJS({ maxAliasCount: 50 }) ?? null;
  } catch {
    return undefined;
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

function scalarKey(p: Pair): string | undefined {
  const k = p.key as Node | null;
  return k && isScalar(k) && (typeof k.value === 'string' || typeof k.value === 'number') ? String(k.value) : undefined;
}

/** Where a new top-level key goes: the start of the line after the map's last value (before trailing comments). */
function lineStartAfter(fm: FrontMatter, map: YAMLMap, at: (o: number) => number): number {
  const pairs = map.items as Pair[];
  const last = pairs[pairs.length - 1];
  const v = last?.value as Node | null;
  const end = v?.range ? Math.max(v.range[1] - 1, v.range[0]) : ((last?.key as Node)?.range?.[1] ?? 0);
  const nl = fm.body.indexOf('\n', end);
  return nl < 0 ? fm.closeStart : at(nl + 1);
}

function columnOf(body: string, offset: number): number {
  return offset - (body.lastIndexOf('\n', offset - 1) + 1);
}

function lineOf(body: string, offset: number): number {
  let n = 0;
  for (let i = body.indexOf('\n'); i >= 0 && i < offset; i = body.indexOf('\n', i + 1)) n++;
  return n;
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 160);
}
