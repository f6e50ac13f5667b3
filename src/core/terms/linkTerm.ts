/**
 * Capturing new terms: which term a symbol in code becomes, under which front-matter key it goes, and what the hover
 * then shows for it. Shared by "ML Notes: Link Symbol to Note…", "New Note from Selection…" and `ml-notes link`.
 */
import { walkModule } from '../python/walk';
import { parsePython } from '../python/parse';
import { sectionFinder, splitSectionKey, type LibraryMatch, type NoteLibrary } from '../notes/library';
import type { NoteDocument } from '../notes/types';
import { addTermEdit, type AddTermResult } from '../notes/termEdit';
import { slugify } from '../notes/parse';
import { tokenAt } from './codeToken';
import type { CodeToken } from './termIndex';

const KEYWORD_TERM = /^([A-Za-z_][\w.]*)\(([A-Za-z_]\w*)\)$/;
const DOTTED = /^[\p{L}_][\p{L}\p{N}_]*(?:\.[\p{L}_][\p{L}\p{N}_]*)*$/u;

/** Whether a selected text is a term as written in the notes: a (dotted) name or `Callee(keyword)`. */
export function isTermText(s: string): boolean {
  return s.length <= 200 && (DOTTED.test(s) || KEYWORD_TERM.test(s));
}

/**
 * The term for the symbol at `offset`: `Callee(kw)` for a keyword argument, a module function as written with its
 * module when that module is imported in the file (`torch.cat`, `F.pad`: a bare `cat` would find every variable so
 * named), else the identifier itself (`BatchNorm2d`, `warmup_epochs`). Python is read with the parser to know the
 * imports; other text (YAML) gives the identifier.
 */
export function termAt(text: string, offset: number, language: 'python' | 'other'): string | undefined {
  const at = tokenAt(text, offset);
  if (!at) return undefined;
  const { chain, keywordOf } = at.token;
  const name = chain[chain.length - 1];
  if (keywordOf?.length) return `${keywordOf[keywordOf.length - 1]}(${name})`;
  if (chain.length >= 2 && language === 'python' && !/^[A-Z]/.test(name) && importedNames(text).has(chain[0])) return chain.join('.');
  return name;
}

/** Names bound by the file's imports (any scope): `torch`, `F`, `np`. */
export function importedNames(text: string): Set<string> {
  const out = new Set<string>();
  walkModule(parsePython(text).module.body, {
    stmt: (s) => {
      if (s.kind === 'import') for (const n of s.names) out.add(n.asname ?? n.module.split('.')[0]);
      else if (s.kind === 'from') for (const n of s.names) out.add(n.asname ?? n.name);
    },
  });
  return out;
}

/**
 * The name a selection of Python code is about: the first class or function it defines, else the identifier at
 * `fallbackOffset` (the cursor). Offsets are in `text`, the whole file.
 */
export function symbolOfSelection(text: string, from: number, to: number, fallbackOffset: number, language: 'python' | 'other'): string | undefined {
  if (language === 'python' && to > from) {
    let found: string | undefined;
    walkModule(parsePython(text).module.body, {
      stmt: (s) => {
        if (found === undefined && (s.kind === 'class' || s.kind === 'def') && s.nameFrom >= from && s.nameFrom < to) found = s.name;
      },
    });
    if (found) return found;
  }
  const selected = text.slice(from, to).trim();
  if (selected && isTermText(selected)) return selected;
  return termAt(text, fallbackOffset, language) ?? firstIdentifier(selected);
}

function firstIdentifier(s: string): string | undefined {
  return /[\p{L}_][\p{L}\p{N}_]*/u.exec(s)?.[0];
}

/** The code token a term stands for, as a hover on it would see it. */
export function tokenForTerm(term: string): CodeToken {
  const kw = KEYWORD_TERM.exec(term);
  if (kw) return { chain: [kw[2]], keywordOf: kw[1].split('.') };
  return { chain: term.replace(/\*$/, '').split('.') };
}

/** A title for a new note about a symbol: `FocalLoss` → "Focal Loss", `sigmoid_focal_loss` → "Sigmoid focal loss". */
export function titleForSymbol(symbol: string): string {
  const kw = KEYWORD_TERM.exec(symbol);
  const base = kw ? `${kw[1].split('.').pop()} ${kw[2]}` : symbol.split('.').pop() ?? symbol;
  const words = base
    .replace(/_+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .trim()
    .split(/\s+/);
  if (!words[0]) return symbol;
  // snake_case reads as a phrase (first word capitalised); CamelCase keeps its capitals.
  const snake = base.includes('_') || base === base.toLowerCase();
  return words.map((w, i) => (snake ? (i === 0 ? w[0].toUpperCase() + w.slice(1) : w) : w)).join(' ');
}

/**
 * The edit adding `term` to a note (`text` as the editor holds it, `doc` its parse) under the key of a section and
 * point, reusing a key that already names them (its heading text, say).
 */
export function linkEdit(text: string, doc: NoteDocument, slug: string, point: number | undefined, term: string): AddTermResult {
  const key = point !== undefined ? `${slug}/${point}` : slug;
  const find = sectionFinder(doc);
  return addTermEdit(text, key, term, {
    sameKey: (existing) => {
      const k = splitSectionKey(existing);
      return k.point === point && find(k.sectionKey)?.slug === slug;
    },
  });
}

/** What the hover shows first for a term now (after linking it: the section, unless another one outranks it). */
export function hoverForTerm(library: NoteLibrary, term: string): LibraryMatch | undefined {
  return library.lookupToken(tokenForTerm(term), 1)[0];
}

/**
 * A new note about a symbol: the heading, the code as a fenced block (fenced longer than any run of backticks in it),
 * and the symbol as the term of the note's section, in front matter written the way `addTermEdit` writes it.
 */
export function newNoteText(title: string, symbol: string, code: string, language: string): string {
  const body = dedent(code.replace(/\r\n?/g, '\n')).replace(/\s+$/, '');
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const heading = `# ${title.replace(/\s+/g, ' ').trim()}`;
  const text = [heading, '', ...(body ? [`${fence}${/^[\w+-]+$/.test(language) ? language : ''}`, body, fence, ''] : [])].join('\n');
  const res = addTermEdit(text, slugify(title.replace(/\s+/g, ' ').trim()), symbol);
  return res.kind === 'edit' ? res.text : text;
}

/** Removes the indentation all non-blank lines share. */
function dedent(s: string): string {
  const lines = s.split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const n = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(Math.min(n, /^[ \t]*/.exec(l)![0].length))).join('\n');
}
