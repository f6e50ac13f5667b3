/**
 * Suppressions, read from the file's comments (the tokenizer's, so a `#` inside a string is not one):
 *
 * - `# ml-notes: ignore[rule-id, other-id]` at the end of a line: those rules' findings on that line are dropped;
 * - `# ml-notes: ignore`: every rule's findings on that line;
 * - `# ml-notes: ignore-file[rule-id]` (or `ignore-file` for every rule) in a comment line before the first statement
 *   (a module docstring may come first): those rules' findings in the whole file.
 *
 * A finding's line is the line it starts on. Not `# noqa`: flake8 reads any `# noqa: word` as an ignore of all of its
 * own checks. The host drops suppressed findings for every client (editor, CLI, language server) and can say which
 * suppressions silenced nothing (`ml-notes lint --report-unused-ignores`). The quick fixes "Ignore on this line" and
 * "Ignore in this file" are edits built here, which keep a comment already on the line.
 */
import type { Span, Stmt } from '../python/ast';
import { lexicalScan, type LexicalScan } from '../python/lexical';
import { memoizeLatest } from '../memo';
import { msg } from '../message';
import { LineIndex, type Range } from '../text';
import type { Finding, Fix } from './types';

export interface Suppression {
  kind: 'line' | 'file';
  /** 0-based line of the comment. */
  line: number;
  /** Offsets of the directive (`# ml-notes: ignore[…]`) in the text. */
  from: number;
  to: number;
  /** The rule ids listed, with their offsets; empty for every rule. */
  ids: { id: string; from: number; to: number }[];
  /** A file suppression after the first statement: it has no effect. */
  misplaced?: boolean;
}

export interface UnusedSuppression {
  range: Range;
  /** The id that silenced nothing (undefined: the whole directive). */
  id?: string;
  message: string;
}

/** Matches one directive in a comment's text: `ml-notes: ignore`, `ignore[…]`, `ignore-file`, `ignore-file[…]`. */
const DIRECTIVE = /#\s*ml-notes:\s*(ignore-file|ignore)(?:\[([^\]\r\n]*)\]|(?![[\w-]))/g;

/**
 * The suppressions written in a file's comments. `body` is the module's statements: a file suppression must come
 * before the first one (a leading docstring excepted).
 */
export function parseSuppressions(text: string, comments: readonly Span[], body: readonly Stmt[]): Suppression[] {
  const out: Suppression[] = [];
  let lines: LineIndex | undefined;
  const firstCode = firstStatementOffset(body);
  for (const c of comments) {
    const comment = text.slice(c.from, c.to);
    if (!comment.includes('ml-notes:')) continue;
    for (const m of comment.matchAll(DIRECTIVE)) {
      lines ??= new LineIndex(text);
      const from = c.from + m.index!;
      const to = from + m[0].length;
      const ids: Suppression['ids'] = [];
      if (m[2] !== undefined) {
        let at = to - 1 - m[2].length; // the offset of the text between the brackets
        for (const part of m[2].split(',')) {
          const id = part.trim();
          if (id) ids.push({ id, from: at + part.indexOf(id), to: at + part.indexOf(id) + id.length });
          at += part.length + 1;
        }
        if (!ids.length) continue; // `ignore[]` names no rule: it suppresses nothing
      }
      const line = lines.positionAt(from).line;
      if (m[1] === 'ignore') out.push({ kind: 'line', line, from, to, ids });
      else {
        const ownLine = text.slice(lines.lineStart(line), c.from).trim() === '';
        out.push({ kind: 'file', line, from, to, ids, misplaced: !ownLine || c.from > firstCode });
      }
    }
  }
  return out;
}

/** Where the first statement starts (a module docstring does not count); the text's end when there is none. */
function firstStatementOffset(body: readonly Stmt[]): number {
  const isDocstring = (s: Stmt) => s.kind === 'expr' && s.value.kind === 'string';
  const first = body.find((s, i) => !(i === 0 && isDocstring(s)));
  return first ? first.from : Number.MAX_SAFE_INTEGER;
}

/**
 * Drops the suppressed findings. `status` says whether a rule ran on the text ('ran'), exists but is turned off
 * ('off'), or is unknown: a suppression of a rule turned off is not reported as unused (it may be on elsewhere).
 */
export function applySuppressions(
  text: string,
  findings: readonly Finding[],
  suppressions: readonly Suppression[],
  status: (id: string) => 'ran' | 'off' | 'unknown',
): { kept: Finding[]; unused: UnusedSuppression[] } {
  if (!suppressions.length) return { kept: [...findings], unused: [] };
  const used = new Set<string>(); // `${index}` for a blanket directive, `${index}:${id}` for an id
  const active = suppressions.map((s, i) => ({ s, i })).filter(({ s }) => !s.misplaced);
  const byLine = new Map<number, { s: Suppression; i: number }[]>();
  for (const x of active) if (x.s.kind === 'line') byLine.set(x.s.line, [...(byLine.get(x.s.line) ?? []), x]);
  const fileWide = active.filter((x) => x.s.kind === 'file');
  const kept: Finding[] = [];
  for (const f of findings) {
    const candidates = [...fileWide, ...(byLine.get(f.range.start.line) ?? [])];
    let suppressed = false;
    for (const { s, i } of candidates) {
      if (!s.ids.length) {
        used.add(`${i}`);
        suppressed = true;
      } else if (s.ids.some((x) => x.id === f.rule)) {
        used.add(`${i}:${f.rule}`);
        suppressed = true;
      }
    }
    if (!suppressed) kept.push(f);
  }
  const lines = new LineIndex(text);
  const unused: UnusedSuppression[] = [];
  suppressions.forEach((s, i) => {
    const where = lines.range(s.from, s.to);
    if (s.misplaced) {
      unused.push({ range: where, message: 'ml-notes: ignore-file has no effect here: it must be in a comment line before the first statement' });
      return;
    }
    const scope = s.kind === 'file' ? 'in this file' : 'on this line';
    if (!s.ids.length) {
      if (!used.has(`${i}`)) unused.push({ range: where, message: `unused suppression: no finding ${scope}` });
      return;
    }
    for (const x of s.ids) {
      if (used.has(`${i}:${x.id}`)) continue;
      const st = status(x.id);
      if (st === 'off') continue;
      unused.push({
        range: lines.range(x.from, x.to),
        id: x.id,
        message: st === 'unknown' ? `unknown rule "${x.id}" in a suppression` : `unused suppression: no ${x.id} finding ${scope}`,
      });
    }
  });
  return { kept, unused };
}

// ---- quick fixes ------------------------------------------------------------------------------------------------

/**
 * "Ignore on this line": `  # ml-notes: ignore[rule]` at the end of the finding's line, or the rule added to the
 * directive already there. A comment already on the line is kept (the directive follows it). Undefined where a
 * comment cannot go: a line that continues with a backslash, or ends inside a string.
 */
export function ignoreOnLineFix(text: string, scan: Pick<LexicalScan, 'comments' | 'longStrings'>, finding: Finding): Fix | undefined {
  const { comments } = scan;
  const lines = new LineIndex(text);
  const line = finding.range.start.line;
  const start = lines.lineStart(line);
  const end = lines.lineEnd(line);
  const title = msg('Ignore {0} on this line', finding.rule);
  const onLine = comments.filter((c) => c.from >= start && c.from < end);
  const existing = addToDirective(text, onLine, 'ignore', finding.rule);
  if (existing) return { title: title.text, titleL10n: title.l10n, edits: [existing] };
  const lineText = text.slice(start, end);
  const code = onLine.length ? text.slice(start, onLine[0].from) : lineText;
  if (/\\\s*$/.test(code)) return undefined;
  if (!onLine.length && scan.longStrings.some((x) => x.from < end && x.to > end)) return undefined;
  const trimmedEnd = start + lineText.replace(/\s+$/, '').length;
  const at = lines.positionAt(trimmedEnd);
  return { title: title.text, titleL10n: title.l10n, edits: [{ range: { start: at, end: at }, newText: `  # ml-notes: ignore[${finding.rule}]` }] };
}

/**
 * "Ignore in this file": the rule added to an `ignore-file` directive at the top of the file, or a new comment line
 * `# ml-notes: ignore-file[rule]` after a shebang and an encoding line.
 */
export function ignoreInFileFix(text: string, scan: Pick<LexicalScan, 'comments'>, finding: Finding): Fix {
  const { comments } = scan;
  const lines = new LineIndex(text);
  const title = msg('Ignore {0} in this file', finding.rule);
  // The comment lines at the top of the file (before any code).
  const top: Span[] = [];
  for (const c of comments) {
    const line = lines.positionAt(c.from).line;
    if (text.slice(lines.lineStart(line), c.from).trim() !== '') break;
    if (text.slice(top.length ? top[top.length - 1].to : 0, lines.lineStart(line)).trim() !== '') break;
    top.push(c);
  }
  const existing = addToDirective(text, top, 'ignore-file', finding.rule);
  if (existing) return { title: title.text, titleL10n: title.l10n, edits: [existing] };
  let line = 0;
  if (lines.lineText(0).startsWith('#!')) line = 1;
  if (line < lines.lineCount && /^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+/.test(lines.lineText(line))) line++;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const pos = line < lines.lineCount ? { line, character: 0 } : lines.positionAt(text.length);
  const prefix = line >= lines.lineCount ? eol : '';
  return { title: title.text, titleL10n: title.l10n, edits: [{ range: { start: pos, end: pos }, newText: `${prefix}# ml-notes: ignore-file[${finding.rule}]${eol}` }] };
}

/**
 * "Ignore on this line" and "Ignore in this file" for the findings of open documents, as code actions ask for them:
 * the file's comments and strings are scanned once per text of a document, not again at each request (a request comes
 * with every move of the cursor over a finding).
 */
export class SuppressionFixes {
  private readonly scanOf: (key: string, text: string) => LexicalScan;

  /** @param scan the scanner (the tokenizer's lexicalScan) */
  constructor(scan: (text: string) => LexicalScan = lexicalScan) {
    this.scanOf = memoizeLatest(scan);
  }

  /** The fixes that silence `finding` in the document `key` whose text is `text` (the line's fix where a comment can go). */
  fixesFor(key: string, text: string, finding: Finding): Fix[] {
    const scan = this.scanOf(key, text);
    const onLine = ignoreOnLineFix(text, scan, finding);
    const inFile = ignoreInFileFix(text, scan, finding);
    return onLine ? [onLine, inFile] : [inFile];
  }
}

/** The edit adding `rule` to the first `kind` directive among `comments`, if there is one. */
function addToDirective(text: string, comments: readonly Span[], kind: 'ignore' | 'ignore-file', rule: string) {
  const lines = new LineIndex(text);
  for (const c of comments) {
    for (const m of text.slice(c.from, c.to).matchAll(DIRECTIVE)) {
      if (m[1] !== kind) continue;
      const from = c.from + m.index!;
      if (m[2] === undefined) return undefined; // already every rule
      if (m[2].split(',').some((x) => x.trim() === rule)) return undefined;
      const close = from + m[0].length - 1;
      const at = lines.positionAt(close);
      return { range: { start: at, end: at }, newText: m[2].trim() ? `, ${rule}` : rule };
    }
  }
  return undefined;
}
