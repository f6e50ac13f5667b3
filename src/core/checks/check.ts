/**
 * Note checks: the `ml-notes-check` blocks of the notes, read and validated.
 *
 * A block holds YAML: one check (a mapping) or a list of them. Fields: `id`, `message`, `pattern` (one pattern, or
 * `any:` a list), `unless` (a list), `inside`, `not-inside`, `severity`, `fix`. A check that cannot work is reported
 * (with where, in the note) and left out; the others still run. Checks are data: nothing in them is executed.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type Pair, type Scalar } from 'yaml';
import type { NoteRef } from '../notes/types';
import type { Severity } from '../rules/types';
import { msg, type Msg } from '../message';
import { LineIndex, type Position, type Range } from '../text';
import { compilePattern, type CompiledPattern } from './pattern';
import { dollarsOf } from './source';

/** One `ml-notes-check` block of a note, as the notes parser finds it. */
export interface CheckSource {
  /** The note file's id. */
  file: string;
  /** The section (and point) the block sits in: the checks' note. */
  ref: NoteRef;
  /** The block's content (the YAML), lines joined with `\n`. */
  text: string;
  /** 0-based line of the note where `text` starts, and the column its lines start at (inside a list item). */
  line: number;
  column: number;
}

export type CheckSeverity = Exclude<Severity, 'off'>;

export interface CompiledCheck {
  id: string;
  /** The message, with `$NAME` where a capture's text goes. */
  message: string;
  severity: CheckSeverity;
  /** Alternatives: a match of any of them is a finding. */
  patterns: CompiledPattern[];
  unless: CompiledPattern[];
  inside?: CompiledPattern;
  notInside?: CompiledPattern;
  fix?: CompiledPattern;
  ref: NoteRef;
  /** Where the check is written (note file, 0-based line of its `id`). */
  at: { file: string; line: number };
}

/** A check that cannot work, and where in the note. */
export interface CheckProblem {
  file: string;
  range: Range;
  message: Msg;
  /** The check's id when it has a readable one. */
  id?: string;
}

const FIELDS = new Set(['id', 'message', 'pattern', 'unless', 'inside', 'not-inside', 'severity', 'fix']);
const SEVERITIES = new Set(['hint', 'information', 'warning', 'error']);

/** Lower-case words (letters and digits, starting with a letter) joined by single dashes. */
export function isCheckId(id: string): boolean {
  if (!(id[0] >= 'a' && id[0] <= 'z') || id.endsWith('-') || id.includes('--')) return false;
  for (const ch of id) if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch === '-')) return false;
  return true;
}

/**
 * Reads and validates the checks of all blocks, in order. `reserved`: ids that are taken (the built-in rules).
 * A later check with an id already used is reported and left out.
 */
export function compileChecks(sources: readonly CheckSource[], reserved: ReadonlySet<string>): { checks: CompiledCheck[]; problems: CheckProblem[] } {
  const checks: CompiledCheck[] = [];
  const problems: CheckProblem[] = [];
  const seen = new Map<string, CompiledCheck['at']>();
  for (const src of sources) {
    const block = new BlockReader(src);
    for (const c of block.read()) {
      if (reserved.has(c.id)) {
        block.problem(c.idNode, msg('“{0}” is the id of a built-in rule: choose another id.', c.id), c.id);
        continue;
      }
      const first = seen.get(c.id);
      if (first) {
        block.problem(c.idNode, msg('The id “{0}” is already used by a check at {1}:{2}: ids must be unique across your notes.', c.id, shortFile(first.file), first.line + 1), c.id);
        continue;
      }
      seen.set(c.id, c.check.at);
      checks.push(c.check);
    }
    problems.push(...block.problems);
  }
  return { checks, problems };
}

function shortFile(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i >= 0 ? file.slice(i + 1) : file;
}

/** Reads one block, collecting its problems with their positions in the note. */
class BlockReader {
  readonly problems: CheckProblem[] = [];
  private readonly lines: LineIndex;
  /** Set when the check being read has a problem (it is then left out). */
  private failed = false;
  /** The id of the check being read, once known (its problems carry it). */
  private currentId: string | undefined;

  constructor(private readonly src: CheckSource) {
    this.lines = new LineIndex(src.text);
  }

  read(): { id: string; idNode: YamlNode; check: CompiledCheck }[] {
    const doc = parseDocument(this.src.text, { prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length) {
      for (const e of doc.errors.slice(0, 3)) this.problemAt(e.pos[0], e.pos[1], msg('This block is not valid YAML: {0}', e.message));
      return [];
    }
    const root = doc.contents;
    if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
      this.problemAt(0, 0, msg('This check block is empty: write a check (id, message, pattern) in YAML.'));
      return [];
    }
    const maps = isSeq(root) ? root.items : [root];
    const out: { id: string; idNode: YamlNode; check: CompiledCheck }[] = [];
    for (const item of maps) {
      if (!isMap(item)) {
        this.problem(item as YamlNode, msg('A check is a mapping of fields (id, message, pattern…), not this.'));
        continue;
      }
      const c = this.check(item.items as Pair<YamlNode, YamlNode>[], item as unknown as YamlNode);
      if (c) out.push(c);
    }
    return out;
  }

  private check(pairs: Pair<YamlNode, YamlNode>[], node: YamlNode): { id: string; idNode: YamlNode; check: CompiledCheck } | undefined {
    const fields = new Map<string, Pair<YamlNode, YamlNode>>();
    this.failed = false;
    this.currentId = undefined;
    const unknown: Pair<YamlNode, YamlNode>[] = [];
    for (const p of pairs) {
      const key = isScalar(p.key) ? String(p.key.value) : '';
      if (!FIELDS.has(key)) {
        unknown.push(p);
        continue;
      }
      fields.set(key, p);
    }
    const idPair = fields.get('id');
    const id = idPair && isScalar(idPair.value) && typeof idPair.value.value === 'string' ? idPair.value.value : undefined;
    if (!idPair) {
      this.problem(node, msg('This check has no “id” (lower-case words and dashes, e.g. “adamw-for-weight-decay”).'));
      return undefined;
    }
    if (id === undefined || !isCheckId(id)) {
      this.problem(idPair.value ?? idPair.key, msg('The id must be lower-case words and dashes, e.g. “adamw-for-weight-decay”.'));
      return undefined;
    }
    const idNode = idPair.value!;
    this.currentId = id;
    const report = (n: YamlNode | null | undefined, m: Msg) => this.problem(n ?? idNode, m, id);
    for (const p of unknown) report(p.key, msg('Unknown field “{0}”: a check has id, message, pattern, unless, inside, not-inside, severity and fix.', isScalar(p.key) ? String(p.key.value) : '?'));
    const message = this.text(fields.get('message'), 'message', report);
    if (!fields.has('message')) report(idNode, msg('Check “{0}” has no “message”.', id));
    const patternPair = fields.get('pattern');
    if (!patternPair) report(idNode, msg('Check “{0}” has no “pattern”.', id));
    const patterns = patternPair ? this.patternList(patternPair, report) : [];
    const unless = fields.has('unless') ? this.patternList(fields.get('unless')!, report, true) : [];
    const inside = fields.has('inside') ? this.onePattern(fields.get('inside')!, report) : undefined;
    const notInside = fields.has('not-inside') ? this.onePattern(fields.get('not-inside')!, report) : undefined;
    const fix = fields.has('fix') ? this.onePattern(fields.get('fix')!, report) : undefined;
    let severity: CheckSeverity = 'information';
    const sevPair = fields.get('severity');
    if (sevPair) {
      const v = isScalar(sevPair.value) ? String(sevPair.value.value) : '';
      if (SEVERITIES.has(v)) severity = v as CheckSeverity;
      else report(sevPair.value, msg('The severity is one of hint, information, warning, error; not “{0}”.', v));
    }
    if (this.failed || !message || !patterns.length) return undefined;

    // Every capture the fix and the message use must be bound by every alternative of the pattern.
    const bound = (name: string) => patterns.every((p) => p.pattern.captures.has(name));
    if (fix) {
      const fixNode = fields.get('fix')!.value;
      for (const [name, kind] of fix.pattern.captures) {
        if (!bound(name)) report(fixNode, msg('The fix uses “{0}”, which the pattern does not capture.', (kind === 'many' ? '$$$' : '$') + name));
        else if (patterns.some((p) => p.pattern.captures.get(name) !== kind)) report(fixNode, msg('The fix uses “{0}” as another kind of capture than the pattern does ($ for one expression, $$$ for a sequence).', name));
      }
      if (dollarsOf(fix.source).some((d) => d.name === '_')) report(fixNode, msg('A fix cannot use “$_” or “$$$_”: they capture nothing. Name the capture in the pattern.'));
    }
    for (const d of dollarsOf(message.value, false)) {
      if (d.name && d.name !== '_' && (d.count === 1 || d.count === 3) && !bound(d.name)) report(fields.get('message')!.value, msg('The message uses “{0}”, which the pattern does not capture.', message.value.slice(d.at, d.at + d.count + d.name.length)));
    }
    if (this.failed) return undefined;
    const line = this.src.line + this.lines.positionAt(idPair.key.range?.[0] ?? 0).line;
    return {
      id,
      idNode,
      check: {
        id,
        message: message.value,
        severity,
        patterns: patterns.map((p) => p.pattern),
        unless: unless.map((p) => p.pattern),
        inside: inside?.pattern,
        notInside: notInside?.pattern,
        fix: fix?.pattern,
        ref: { ...this.src.ref, file: this.src.file },
        at: { file: this.src.file, line },
      },
    };
  }

  private text(pair: Pair<YamlNode, YamlNode> | undefined, field: string, report: (n: YamlNode | null | undefined, m: Msg) => void): { value: string } | undefined {
    if (!pair) return undefined;
    const v = pair.value;
    if (!isScalar(v) || typeof v.value !== 'string' || !v.value.trim()) {
      report(v ?? pair.key, msg('“{0}” must be text.', field));
      return undefined;
    }
    return { value: v.value };
  }

  /** `pattern: …`, `pattern: {any: […]}`, `unless: […]` (a single pattern is accepted for `unless` too). */
  private patternList(pair: Pair<YamlNode, YamlNode>, report: (n: YamlNode | null | undefined, m: Msg) => void, list = false): { pattern: CompiledPattern; source: string }[] {
    const v = pair.value;
    let items: YamlNode[];
    if (list && isSeq(v)) items = v.items as YamlNode[];
    else if (!list && isMap(v)) {
      const anyPair = (v.items as Pair<YamlNode, YamlNode>[]).find((p) => isScalar(p.key) && p.key.value === 'any');
      const others = (v.items as Pair<YamlNode, YamlNode>[]).filter((p) => p !== anyPair);
      if (!anyPair || others.length || !isSeq(anyPair.value)) {
        report(v, msg('A pattern is Python text, or “any:” followed by a list of patterns.'));
        return [];
      }
      items = anyPair.value.items as YamlNode[];
      if (!items.length) {
        report(anyPair.value, msg('“any:” needs at least one pattern.'));
        return [];
      }
    } else items = v ? [v] : [];
    const out: { pattern: CompiledPattern; source: string }[] = [];
    for (const it of items) {
      const one = this.compile(it, report);
      if (one) out.push(one);
    }
    if (!items.length) report(v ?? pair.key, msg('The pattern is empty.'));
    return out;
  }

  private onePattern(pair: Pair<YamlNode, YamlNode>, report: (n: YamlNode | null | undefined, m: Msg) => void): { pattern: CompiledPattern; source: string } | undefined {
    if (!pair.value) report(pair.key, msg('The pattern is empty.'));
    return pair.value ? this.compile(pair.value, report) : undefined;
  }

  private compile(node: YamlNode, report: (n: YamlNode | null | undefined, m: Msg) => void): { pattern: CompiledPattern; source: string } | undefined {
    if (!isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'number' && typeof node.value !== 'boolean')) {
      report(node, msg('A pattern is Python text.'));
      return undefined;
    }
    const source = String(node.value);
    const r = compilePattern(source);
    if (r.pattern) return { pattern: r.pattern, source };
    for (const e of r.errors) {
      const at = this.valueOffset(node as Scalar, source, e.offset);
      this.problemAt(at, at + 1, e.message, this.currentId);
    }
    return undefined;
  }

  /**
   * The offset in the block of character `k` of a scalar's value: its characters are found in order in the source
   * (quotes, escapes, indentation and folded line breaks are skipped over).
   */
  private valueOffset(node: Scalar, value: string, k: number): number {
    const [start, end] = node.range ?? [0, 0];
    const text = this.src.text;
    let s = start;
    for (let i = 0; i <= Math.min(k, value.length - 1); i++) {
      const ch = value[i];
      if (ch === '\n' || ch === ' ') {
        if (i === k) return s;
        continue;
      }
      const f = text.indexOf(ch, s);
      if (f < 0 || f >= end) return s;
      if (i === k) return f;
      s = f + 1;
    }
    return s;
  }

  problem(node: YamlNode | null | undefined, message: Msg, id?: string): void {
    const r = node?.range ?? [0, 0];
    this.problemAt(r[0], Math.max(r[0], r[1]), message, id);
  }

  private problemAt(from: number, to: number, message: Msg, id?: string): void {
    this.failed = true;
    this.problems.push({ file: this.src.file, range: { start: this.notePosition(from), end: this.notePosition(Math.min(to, this.lineEnd(from))) }, message, id });
  }

  private lineEnd(offset: number): number {
    return this.lines.lineEnd(this.lines.positionAt(offset).line);
  }

  private notePosition(offset: number): Position {
    const p = this.lines.positionAt(offset);
    return { line: this.src.line + p.line, character: p.character + this.src.column };
  }
}
