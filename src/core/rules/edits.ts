/**
 * Building fixes as plain text edits that keep the code's own formatting: adding a keyword to a call
 * the way its other arguments are laid out, replacing one argument, inserting statements at the right
 * indentation, and referring to a library name the way the file already imports it.
 */
import { findArg, type CallExpr, type FromImportStmt, type Span, type Stmt } from '../python/ast';
import { canonicalName } from '../python/catalog';
import type { Scope } from '../python/model';
import type { RuleContext, OffsetEdit } from './rule';

/** Leading whitespace of the line holding `offset`. */
export function indentAt(text: string, offset: number): string {
  let start = offset;
  while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') start--;
  let end = start;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  return text.slice(start, end);
}

export function lineStartAt(text: string, offset: number): number {
  let start = offset;
  while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') start--;
  return start;
}

export function lineEndAt(text: string, offset: number): number {
  let end = offset;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  return end;
}

/** Whether only whitespace precedes `offset` on its line. */
export function firstOnLine(text: string, offset: number): boolean {
  const start = lineStartAt(text, offset);
  for (let i = start; i < offset; i++) if (text[i] !== ' ' && text[i] !== '\t') return false;
  return true;
}

const NEWLINE_KEY = {};

/**
 * The line break the fixes that rewrite a whole construct write (lr-warmup's scheduler, the segmentation heads'
 * Sequentials): CRLF when the file has any, else LF; looked for once per analysed text, not once per fix. The edits
 * that insert a line next to another (below) take the file's first line break instead (`lineBreak`).
 */
export function newlineOf(ctx: RuleContext): string {
  return ctx.memo(NEWLINE_KEY, () => (ctx.text.includes('\r\n') ? '\r\n' : '\n'));
}

/** The file's first line break (LF when it has none): what the edits inserting a line beside another write. */
export function lineBreak(text: string): string {
  const i = text.indexOf('\n');
  return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
}

function sameLine(text: string, a: number, b: number): boolean {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  for (let i = lo; i < hi; i++) if (text[i] === '\n' || text[i] === '\r') return false;
  return true;
}

/**
 * Adds keyword arguments (e.g. `bias=False`) after the last argument of a call, in the call's layout:
 * on the same line after the last argument, or each on a line of its own when the arguments are one per line.
 */
export function addKeyword(text: string, call: CallExpr, keyword: string | string[]): OffsetEdit[] {
  const kws = Array.isArray(keyword) ? keyword : [keyword];
  const args = call.args;
  const nl = lineBreak(text);
  if (!args.length) return [{ from: call.openParen + 1, to: call.openParen + 1, text: kws.join(', ') }];
  // Before `**kwargs`, where keywords are written (`Conv2d(c, c, 3, bias=False, **dd)`).
  const unpacked = args.find((a) => a.star === '**');
  if (unpacked) {
    const own = firstOnLine(text, unpacked.from) && args[0] !== unpacked;
    const indent = indentAt(text, unpacked.from);
    return [{ from: unpacked.from, to: unpacked.from, text: own ? kws.map((k) => `${k},${nl}${indent}`).join('') : `${kws.join(', ')}, ` }];
  }
  const last = args[args.length - 1];
  const trailingComma = call.commas.find((c) => c >= last.to);
  const closeAt = Math.max(call.closeParen - 1, last.to);
  const inline = kws.join(', ');
  if (!sameLine(text, last.to, closeAt) && firstOnLine(text, last.from)) {
    // One argument per line, closing parenthesis on a later line: one line per keyword.
    const indent = indentAt(text, last.from);
    if (trailingComma !== undefined) {
      const eol = lineEndAt(text, trailingComma);
      return [{ from: eol, to: eol, text: kws.map((k) => `${nl}${indent}${k},`).join('') }];
    }
    const eol = lineEndAt(text, last.to);
    return [
      { from: last.to, to: last.to, text: ',' },
      { from: eol, to: eol, text: kws.map((k, i) => `${nl}${indent}${k}${i < kws.length - 1 ? ',' : ''}`).join('') },
    ];
  }
  if (trailingComma !== undefined) return [{ from: trailingComma + 1, to: trailingComma + 1, text: ` ${inline},` }];
  return [{ from: last.to, to: last.to, text: `, ${inline}` }];
}

/** Sets a parameter: replaces its value where the call passes it (by keyword or position), else adds the keyword. */
export function setArgument(text: string, call: CallExpr, name: string, index: number | undefined, value: string): OffsetEdit[] {
  const arg = findArg(call, name, index);
  if (arg) return [{ from: arg.value.from, to: arg.value.to, text: value }];
  return addKeyword(text, call, `${name}=${value}`);
}

/** Applies offset edits to a substring that starts at `base` (the edits must lie inside it). */
export function applyInside(source: string, base: number, edits: OffsetEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.from - a.from);
  let out = source;
  for (const e of sorted) out = out.slice(0, e.from - base) + e.text + out.slice(e.to - base);
  return out;
}

/** Lines inserted before a statement, at its indentation. */
export function insertBefore(text: string, stmt: Span, lines: string[]): OffsetEdit {
  const nl = lineBreak(text);
  const start = lineStartAt(text, stmt.from);
  const indent = indentAt(text, stmt.from);
  return { from: start, to: start, text: lines.map((l) => `${indent}${l}${nl}`).join('') };
}

/** Lines inserted after a statement, at its indentation. */
export function insertAfter(text: string, stmt: Span, lines: string[]): OffsetEdit {
  const nl = lineBreak(text);
  const indent = indentAt(text, stmt.from);
  const eol = lineEndAt(text, stmt.to);
  return { from: eol, to: eol, text: lines.map((l) => `${nl}${indent}${l}`).join('') };
}

/** The file's quote character for new string literals. */
export function quoteOf(ctx: RuleContext): string {
  return ctx.model.module.singleQuotes > ctx.model.module.doubleQuotes ? "'" : '"';
}

/** Where new import lines go: after the last top-level import, else after the module docstring, else the top. */
function importInsertionPoint(ctx: RuleContext): number {
  const body = ctx.model.module.body;
  let lastImport: Stmt | undefined;
  for (const s of body) {
    if (s.kind === 'import' || s.kind === 'from') lastImport = s;
    else if (lastImport) break;
  }
  const text = ctx.text;
  if (lastImport) {
    const eol = lineEndAt(text, lastImport.to);
    return text[eol] === '\r' && text[eol + 1] === '\n' ? eol + 2 : eol < text.length ? eol + 1 : eol;
  }
  const first = body[0];
  if (first && first.kind === 'expr' && first.value.kind === 'string') {
    const eol = lineEndAt(text, first.to);
    return eol < text.length ? eol + 1 : eol;
  }
  return 0;
}

/** A file's imported names, listed once per model (a file with thousands of module-level names has many fixes). */
const importedNamesOf = new WeakMap<object, [local: string, qname: string][]>();

/**
 * Refers to library names the way the file imports them (`nn.BatchNorm2d`, `BatchNorm2d`,
 * `torch.nn.BatchNorm2d`), adding `from module import Name` lines for the ones it does not.
 */
export class Imports {
  private readonly added = new Map<string, Set<string>>();

  constructor(private readonly ctx: RuleContext) {}

  /**
   * Another member of the module a layer's callee comes from, named the way the call names its own: `layers.ReLU`
   * beside `layers.Conv2D(…)`, else imported from that module (`from tensorflow.keras.layers import ReLU`).
   * `viaCallee: false` (a callee bound through `partial`) always imports. Undefined when the module is unknown.
   */
  sibling(call: CallExpr, scope: Scope, member: string, viaCallee = true): string | undefined {
    const model = this.ctx.model;
    if (call.func.kind === 'attr' && viaCallee) return `${model.source(call.func.value)}.${member}`;
    const qname = model.qname(call.func, scope);
    return qname ? this.ref(qname.slice(0, qname.lastIndexOf('.')), member) : undefined;
  }

  /**
   * The file's imported names and what they import (canonical): a name counts when every binding of it imports the
   * same thing (`import torch.nn as nn` twice), never when it is also assigned.
   */
  private importedNames(): readonly [local: string, qname: string][] {
    const model = this.ctx.model;
    let out = importedNamesOf.get(model);
    if (out) return out;
    out = [];
    for (const [local, bindings] of model.moduleScope.bindings) {
      const first = bindings[0];
      if (first?.kind !== 'import') continue;
      const q = canonicalName(first.qname);
      if (bindings.every((b) => b.kind === 'import' && canonicalName(b.qname) === q)) out.push([local, q]);
    }
    importedNamesOf.set(model, out);
    return out;
  }

  /**
   * How the file refers to `module.member`, adding an import when it has none: `from module import member`, or with
   * `style: 'import'` (a file that writes only `import x` lines) `import module` and the full dotted name.
   */
  ref(module: string, member: string, style: 'from' | 'import' = 'from'): string {
    const scope = this.ctx.model.moduleScope;
    const target = canonicalName(`${module}.${member}`);
    const mod = canonicalName(module);
    let viaModule: string | undefined;
    let viaParent: string | undefined;
    for (const [local, q] of this.importedNames()) {
      if (q === target) return local;
      if (q === mod) viaModule ??= `${local}.${member}`;
      else if (mod.startsWith(`${q}.`)) {
        const candidate = `${local}${mod.slice(q.length)}.${member}`;
        if (!viaParent || candidate.length < viaParent.length) viaParent = candidate;
      }
    }
    if (viaModule) return viaModule;
    // `from module import *` brings the member in already, unless the file binds that name itself.
    if (!scope.bindings.has(member) && scope.starImports.some((m) => canonicalName(m.module) === mod)) return member;
    // Keep a name that is already used for something else untouched: refer through the module.
    const taken = scope.bindings.has(member) || [...this.extended.values()].some((m) => m.has(member));
    if (!taken) {
      // `from module import A` already there: add the name to it.
      const existing = this.fromImportOf(module);
      if (existing) {
        let set = this.extended.get(existing);
        if (!set) {
          set = new Set();
          this.extended.set(existing, set);
        }
        set.add(member);
        return member;
      }
    }
    if (viaParent) return viaParent;
    if (taken || style === 'import') {
      this.add(`import ${module}`, '');
      return `${module}.${member}`;
    }
    this.add(`from ${module} import`, member);
    return member;
  }

  private readonly extended = new Map<FromImportStmt, Set<string>>();

  private fromImportOf(module: string): FromImportStmt | undefined {
    for (const s of this.ctx.model.module.body) {
      if (s.kind === 'from' && s.level === 0 && canonicalName(s.module) === canonicalName(module) && s.names.length && !s.names.some((n) => n.name === '*')) return s;
    }
    return undefined;
  }

  /** How the file refers to a module (`F` for torch.nn.functional), importing it with `alias` if needed. */
  moduleRef(module: string, alias: string): string {
    const scope = this.ctx.model.moduleScope;
    const mod = canonicalName(module);
    let viaParent: string | undefined;
    for (const [local, q] of this.importedNames()) {
      if (q === mod) return local;
      if (mod.startsWith(`${q}.`)) viaParent ??= `${local}${mod.slice(q.length)}`;
    }
    if (viaParent) return viaParent;
    if (scope.bindings.has(alias)) {
      this.add(`import ${module}`, '');
      return module;
    }
    this.add(`import ${module} as ${alias}`, '');
    return alias;
  }

  private add(head: string, member: string): void {
    let set = this.added.get(head);
    if (!set) {
      set = new Set();
      this.added.set(head, set);
    }
    if (member) set.add(member);
  }

  /** One edit inserting all needed import lines (empty when none). */
  edits(): OffsetEdit[] {
    const out: OffsetEdit[] = [];
    for (const [stmt, members] of this.extended) {
      const last = stmt.names[stmt.names.length - 1];
      out.push({ from: last.to, to: last.to, text: [...members].map((m) => `, ${m}`).join('') });
    }
    if (!this.added.size) return out;
    const nl = lineBreak(this.ctx.text);
    const lines: string[] = [];
    for (const [head, members] of this.added) lines.push(members.size ? `${head} ${[...members].join(', ')}` : head);
    const at = importInsertionPoint(this.ctx);
    const text = this.ctx.text;
    // At the very end of a file without a trailing newline, start a new line first.
    const prefix = at === text.length && at > 0 && text[at - 1] !== '\n' ? nl : '';
    out.push({ from: at, to: at, text: prefix + lines.map((l) => l + nl).join('') });
    return out;
  }
}

/** Python source for a number or a tuple of numbers. */
export function pyLiteral(v: number | number[]): string {
  if (Array.isArray(v)) return `(${v.join(', ')}${v.length === 1 ? ',' : ''})`;
  return String(v);
}
