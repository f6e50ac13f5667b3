import { msg, type Msg } from '../message';
import type { LocalizableText } from '../rules/types';
import { slugify } from './parse';
import { basename, dirname, hasNoteExtension, locationPath, nameKey, normalizePath, stripNoteExtension } from './paths';
import type { NoteBlock, NoteDocument, NotePoint, NoteSection } from './types';
import { memoize } from '../memo';

/** See NoteNames.keyOf; remembered for the paths seen lately (a library links to the same notes again and again). */
const linkKey = memoize((path: string) => nameKey(stripNoteExtension(basename(normalizePath(path.replace(/\\/g, '/'))))));

/** Where a link points, as written: `[[path#heading|…]]`, `[[path#^block]]`, `[text](path.md#heading)`. */
export interface LinkTarget {
  /** Note name, folder path or relative path ('' for the same note); a file name for embeds of figures. */
  path: string;
  heading?: string;
  block?: string;
}

export type LinkProblem = 'no-note' | 'ambiguous' | 'no-heading' | 'no-block' | 'no-file';

/** What a link resolves to: a note (and a section, point or block of it), a file next to the notes, or why not. */
export type LinkResolution =
  | {
      kind: 'note';
      doc: NoteDocument;
      /** The heading's section, the block's or point's section; undefined for the note as a whole. */
      section?: NoteSection;
      point?: NotePoint;
      block?: NoteBlock;
      /** The element id to scroll to in the rendered note: a section slug or `^block-id`; undefined for the top. */
      anchor?: string;
    }
  | {
      kind: 'file';
      /** The file's path relative to the linking note's folder (`figures/fpn.svg`, `../assets/x.png`). */
      relative: string;
      /** Whether the file is known to exist (listed with the notes); false when only its name was written. */
      known: boolean;
    }
  | {
      kind: 'broken';
      problem: LinkProblem;
      /** Why, in a sentence (English), and its localisable form. */
      message: string;
      l10n: LocalizableText;
      /** The note, when it exists but the heading or block does not. */
      doc?: NoteDocument;
      /** Notes of that name, when the name is ambiguous (paths relative to their notes folder). */
      candidates?: string[];
    };

interface FileNames {
  /** Decoded path of the location. */
  path: string;
  /** Path relative to its notes folder, without the note extension, as a name key. */
  rel: string;
  root: string;
  /** Its front matter's aliases, as name keys. */
  aliases?: string[];
}

/**
 * Names of the notes and files of the library, and link resolution as Obsidian does it: a note is named by its file
 * name without `.md` (case-insensitive; Dendron's dotted names like `ml.optim.adamw` are names too), a folder path
 * tells notes of the same name apart (`[[Optim/AdamW]]`), and a relative path is tried first. Names are unique per
 * notes folder: a name two notes share in the linking note's notes folder means the one next to the linking note, if
 * one is, as in Obsidian; otherwise it is ambiguous, and reported as such.
 */
export class NoteNames {
  private readonly notes = new Map<string, FileNames>();
  /** Base-name key → note ids. */
  private readonly byName = new Map<string, string[]>();
  /**
   * Full path key (decoded, lower case, no extension) → note ids: one, or more whose paths differ only in case (a
   * case-sensitive file system holds `X.md` and `x.md` apart).
   */
  private readonly byPath = new Map<string, string[]>();
  /**
   * Alias key → note ids. A link does not reach a note by an alias (Obsidian links a note by its file name and writes an
   * alias as the label: `[[Artificial intelligence|AI]]`); a broken link that names one says which note has it.
   */
  private readonly byAlias = new Map<string, string[]>();
  /** Attachments (figures, PDFs…) per notes folder: base-name key → paths, and path key → path. */
  private readonly fileNames = new Map<string, string[]>();
  private readonly filePaths = new Map<string, string>();
  private readonly filesByRoot = new Map<string, string[]>();

  constructor(private readonly getDoc: (id: string) => NoteDocument | undefined) {}

  add(id: string, root: string | undefined): void {
    this.remove(id);
    const path = locationPath(id);
    const rootPath = root === undefined ? '' : locationPath(root);
    const relPath = rootPath && path.startsWith(folderPrefix(rootPath)) ? path.slice(rootPath.length).replace(/^\//, '') : basename(path);
    const aliases = this.getDoc(id)?.aliases;
    const names: FileNames = { path, rel: nameKey(stripNoteExtension(relPath)), root: rootPath, aliases: aliases?.length ? aliases.map(nameKey) : undefined };
    this.notes.set(id, names);
    push(this.byName, nameKey(stripNoteExtension(basename(path))), id);
    push(this.byPath, nameKey(stripNoteExtension(path)), id);
    for (const a of names.aliases ?? []) push(this.byAlias, a, id);
  }

  remove(id: string): void {
    const names = this.notes.get(id);
    if (!names) return;
    this.notes.delete(id);
    pull(this.byName, nameKey(stripNoteExtension(basename(names.path))), id);
    pull(this.byPath, nameKey(stripNoteExtension(names.path)), id);
    for (const a of names.aliases ?? []) pull(this.byAlias, a, id);
  }

  /** The files (not notes) under a notes folder, for `![[figure.png]]`; replaces what was listed for it before. */
  setAttachments(root: string, locations: readonly string[]): void {
    const rootPath = locationPath(root);
    for (const old of this.filesByRoot.get(rootPath) ?? []) {
      pull(this.fileNames, nameKey(basename(old)), old);
      this.filePaths.delete(nameKey(old));
    }
    const paths = locations.map(locationPath);
    this.filesByRoot.set(rootPath, paths);
    for (const p of paths) {
      push(this.fileNames, nameKey(basename(p)), p);
      this.filePaths.set(nameKey(p), p);
    }
  }

  /** The base-name key links use for a note or file: lower case, no folder, no note extension. */
  static keyOf(path: string): string {
    return linkKey(path);
  }

  /** Resolves a link written in note `fromId`. `embed`: a name with a file extension may be a figure or other file. */
  resolve(fromId: string, target: LinkTarget, kind: 'wikilink' | 'embed' | 'markdown' = 'wikilink'): LinkResolution {
    const from = this.notes.get(fromId) ?? this.unlisted(fromId);
    const written = target.path.trim().replace(/\\/g, '/');
    let doc: NoteDocument | undefined;
    // A URL or a drive letter is never a note or a file of the vault (`[[javascript:…]]`, `![[https://…]]`, `C:\…`).
    if (/^[a-z][\w+.-]*:/i.test(written) || written.startsWith('//')) {
      return broken(kind === 'embed' ? 'no-file' : 'no-note', msg('“{0}” is an address, not a note or a file of the notes folder.', written));
    }
    if (!written) {
      doc = this.getDoc(fromId);
      if (!doc) return broken('no-note', msg('No note is named “{0}”.', basename(from.path)));
    } else {
      const found = this.findNote(from, written, kind === 'markdown');
      if (found.kind !== 'found') {
        if (found.kind === 'ambiguous') {
          return { ...broken('ambiguous', msg('“{0}” names {1} notes ({2}); write a folder path to choose one, such as “{3}”.', written, found.ids.length, found.shown.join(', '), found.shown[0])), candidates: found.shown };
        }
        const aka = this.byAlias.get(nameKey(written));
        // `![[figure.png]]`, `![[paper.pdf]]`: a file next to the notes (unless a note has that name as an alias).
        if (!aka && !hasNoteExtension(written) && /\.[A-Za-z0-9]{1,8}$/.test(written)) return this.resolveFile(from, written);
        if (aka?.length === 1) {
          const shown = stripNoteExtension(this.shownPath(aka[0]));
          const name = stripNoteExtension(basename(this.notes.get(aka[0])!.path));
          // The link to write: the shortest name of that note (its file name, or its path when another note has the
          // name), what the link pointed to inside it, and the alias as the label.
          const linkName = this.byName.get(nameKey(name))?.length === 1 ? name : shown;
          const inside = target.block ? `#^${target.block}` : target.heading ? `#${target.heading}` : '';
          const link = `${kind === 'embed' ? '!' : ''}[[${linkName}${inside}|${written}]]`;
          return broken('no-note', msg('No note is named “{0}”; it is an alias of “{1}”, and a link names a note by its file name: {2}.', written, shown, link));
        }
        return broken('no-note', msg('No note is named “{0}”.', written));
      }
      doc = this.getDoc(found.id);
      if (!doc) return broken('no-note', msg('No note is named “{0}”.', written));
    }
    return anchorIn(doc, target);
  }

  private findNote(from: FileNames, written: string, relativeFirst: boolean): { kind: 'found'; id: string } | { kind: 'none' } | { kind: 'ambiguous'; ids: string[]; shown: string[] } {
    const noExt = stripNoteExtension(written);
    // A path relative to the linking note (`../Warmup.md`, `./sub/x`), or rooted at its notes folder (`/Optim/AdamW`).
    const relative = written.startsWith('/') ? (from.root ? normalizePath(`${from.root}/${noExt}`) : '') : normalizePath(`${dirname(from.path)}/${noExt}`);
    const atRelative = relative ? this.sameCase(this.byPath.get(nameKey(relative)) ?? [], relative) : [];
    if (atRelative.length === 1 && (relativeFirst || written.includes('/'))) return { kind: 'found', id: atRelative[0] };
    const key = nameKey(normalizePath(noExt.replace(/^\//, '')));
    const base = key.slice(key.lastIndexOf('/') + 1);
    let ids = this.byName.get(base) ?? [];
    if (key.includes('/')) {
      // A folder path: the notes whose path (in their notes folder) is that path or ends with it.
      const exact = ids.filter((id) => this.notes.get(id)!.rel === key);
      ids = exact.length ? exact : ids.filter((id) => this.notes.get(id)!.rel.endsWith('/' + key));
    }
    ids = this.sameCase(ids, noExt);
    if (ids.length === 1) return { kind: 'found', id: ids[0] };
    if (!ids.length) {
      if (atRelative.length === 1) return { kind: 'found', id: atRelative[0] };
      return { kind: 'none' };
    }
    // Several: the notes folders are separate vaults; one of that name in the linking note's folder wins.
    const own = ids.filter((id) => this.notes.get(id)!.root === from.root);
    if (own.length === 1) return { kind: 'found', id: own[0] };
    const pool = own.length ? own : ids;
    // Then, as Obsidian links it, the one next to the linking note (`[[Security and privacy]]` in `Sync/Set up.md` is
    // `Sync/Security and privacy.md`, though `Publish/Security and privacy.md` exists too).
    const adjacent = atRelative.length === 1 ? atRelative[0] : undefined;
    if (adjacent && pool.includes(adjacent)) return { kind: 'found', id: adjacent };
    return { kind: 'ambiguous', ids: pool, shown: pool.map((id) => stripNoteExtension(this.shownPath(id))) };
  }

  /**
   * `ids` with notes whose paths differ only in case (`Sub/X.md` and `sub/x.md` on a case-sensitive file system)
   * narrowed to the one whose path ends with `written` in the same case; when none or several do, they all stay, and
   * the name is ambiguous.
   */
  private sameCase(ids: string[], written: string): string[] {
    if (ids.length < 2) return ids;
    const keys = ids.map((id) => nameKey(stripNoteExtension(this.notes.get(id)!.path)));
    if (new Set(keys).size === keys.length) return ids;
    const tail = '/' + normalizePath(written.replace(/^\//, ''));
    return ids.filter((id, i) => {
      if (keys.indexOf(keys[i]) === keys.lastIndexOf(keys[i])) return true;
      const twins = ids.filter((_, j) => keys[j] === keys[i]);
      const matching = twins.filter((t) => ('/' + stripNoteExtension(this.notes.get(t)!.path)).endsWith(tail));
      return matching.length === 1 ? matching[0] === id : true;
    });
  }

  /**
   * A linking place that is no note of the library (a note not read yet, or where `ml-notes backlinks NAME` resolves
   * NAME from: the top of a notes folder): in the notes folder whose path holds it, if one does.
   */
  private unlisted(id: string): FileNames {
    const path = locationPath(id);
    let root = '';
    for (const n of this.notes.values()) if (n.root.length > root.length && path.startsWith(folderPrefix(n.root))) root = n.root;
    return { path, rel: '', root };
  }

  /** A note's path in its notes folder, as written on disk (not lower-cased). */
  private shownPath(id: string): string {
    const n = this.notes.get(id)!;
    const path = n.path;
    return n.root && path.startsWith(n.root) ? path.slice(n.root.length).replace(/^\//, '') : basename(path);
  }

  private resolveFile(from: FileNames, written: string): LinkResolution {
    const dir = dirname(from.path);
    const relative = normalizePath(written.startsWith('/') && from.root ? `${from.root}/${written}` : `${dir}/${written}`);
    let found = this.filePaths.get(nameKey(relative));
    if (!found) {
      const candidates = this.fileNames.get(nameKey(basename(written))) ?? [];
      const inFolder = candidates.filter((p) => (from.root ? p.startsWith(folderPrefix(from.root)) : true));
      const pool = inFolder.length ? inFolder : candidates;
      const suffix = written.includes('/') ? pool.filter((p) => nameKey(p).endsWith('/' + nameKey(normalizePath(written)))) : pool;
      if (suffix.length === 1) found = suffix[0];
      else if (suffix.length > 1) {
        const shown = suffix.map((p) => (from.root && p.startsWith(from.root) ? p.slice(from.root.length + 1) : basename(p)));
        return { ...broken('ambiguous', msg('“{0}” names {1} files ({2}); write a folder path to choose one.', written, suffix.length, shown.join(', '))), candidates: shown };
      }
    }
    if (found) return { kind: 'file', relative: relativePath(dir, found), known: true };
    // Not listed (a host that lists no files, or a file added since): the path as written, for the host to check; never
    // outside the notes folder.
    const inside = !from.root || relative.startsWith(folderPrefix(from.root));
    if (!this.filesByRoot.size && inside) return { kind: 'file', relative: relativePath(dir, relative), known: false };
    return broken('no-file', msg('No file is named “{0}”.', written));
  }
}

/** The section, point or block a link's fragment names inside a note. */
function anchorIn(doc: NoteDocument, target: LinkTarget): LinkResolution {
  if (target.block !== undefined && target.block !== '') {
    const id = target.block;
    const block = doc.blocks.find((b) => b.id === id) ?? doc.blocks.find((b) => b.id.toLowerCase() === id.toLowerCase());
    if (!block) return { ...broken('no-block', msg('“{0}” has no block “^{1}”.', doc.title, id)), doc };
    const section = sectionAt(doc, block.line);
    const point = section?.points.find((p) => p.startLine <= block.line && block.line <= p.endLine);
    return { kind: 'note', doc, section, point, block, anchor: `^${block.id}` };
  }
  if (target.heading !== undefined && target.heading.trim() !== '') {
    const section = findHeading(doc, target.heading);
    if (!section) return { ...broken('no-heading', msg('“{0}” has no heading “{1}”.', doc.title, target.heading.split('#').filter(Boolean).join(' › '))), doc };
    return { kind: 'note', doc, section, anchor: section.slug };
  }
  return { kind: 'note', doc };
}

/**
 * The section a heading reference names: by heading text (case-insensitive) or by slug (`gradual-warmup`,
 * `Gradual Warmup` alike). `A#B` is a heading B under a heading A.
 */
export function findHeading(doc: NoteDocument, heading: string): NoteSection | undefined {
  const parts = heading.split('#').map((p) => p.trim()).filter(Boolean);
  const last = parts[parts.length - 1];
  if (!last) return undefined;
  const lower = last.toLowerCase();
  const slug = slugify(last);
  const matches = doc.sections.filter((s) => s.title.toLowerCase() === lower || s.slug === last || s.slug === lower || s.slug === slug);
  if (matches.length <= 1 || parts.length === 1) return matches.find((s) => s.title.toLowerCase() === lower) ?? matches[0];
  const outer = parts.slice(0, -1).map((p) => p.toLowerCase());
  return matches.find((s) => outer.every((o) => s.breadcrumb.some((b) => b.toLowerCase() === o || slugify(b) === slugify(o)))) ?? matches[0];
}

/** The section whose own lines hold `line` (the last one starting at or before it). */
export function sectionAt(doc: NoteDocument, line: number): NoteSection | undefined {
  const sections = doc.sections;
  let lo = 0;
  let hi = sections.length - 1;
  let found: NoteSection | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sections[mid].startLine <= line) {
      found = sections[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** "Note › Section" (the note's title alone for the whole note), with an extra crumb such as a block id. */
export function breadcrumbTitle(doc: NoteDocument, section?: NoteSection, extra?: string): string {
  const parts = [doc.title];
  if (section && section.level > 0) {
    for (const b of section.breadcrumb) if (b !== doc.title) parts.push(b);
    if (section.title !== doc.title) parts.push(section.title);
  }
  if (extra) parts.push(extra);
  return parts.join(' › ');
}

/** A relative path from folder `fromDir` to `to` (both decoded paths). */
export function relativePath(fromDir: string, to: string): string {
  const a = fromDir.split('/').filter(Boolean);
  const b = to.split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  const up = a.length - i;
  return [...Array<string>(up).fill('..'), ...b.slice(i)].join('/');
}

/** A folder's path as the start of the paths in it: `/v/` for `/v`, `/` for the root itself. */
function folderPrefix(folder: string): string {
  return folder.endsWith('/') ? folder : folder + '/';
}

function broken(problem: LinkProblem, m: Msg): Extract<LinkResolution, { kind: 'broken' }> {
  return { kind: 'broken', problem, message: m.text, l10n: m.l10n };
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (!list) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

function pull(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.indexOf(value);
  if (i >= 0) list.splice(i, 1);
  if (!list.length) map.delete(key);
}
