import { msg, type Msg } from '../message';
import type { LocalizableText } from '../rules/types';
import { slicePause, SLICE_MS } from '../slices';

/**
 * Finding and reading note files through an abstract file system: vscode.workspace.fs in the editor (desktop, web,
 * remote), node:fs in the CLI. Size limits, binary detection and encoding problems are reported, never thrown.
 */

export type FileKind = 'file' | 'directory' | 'other';

export interface NoteFileSystem {
  /** undefined when the location does not exist. `mtime`: last modification, in ms (when the host knows it). */
  stat(loc: string): Promise<{ kind: FileKind; size: number; symlink?: boolean; mtime?: number } | undefined>;
  readDirectory(loc: string): Promise<[name: string, kind: FileKind, symlink: boolean][]>;
  readFile(loc: string): Promise<Uint8Array>;
  join(loc: string, name: string): string;
  /**
   * Optional: what `stat` says of a location and, when it is a file of at most `maxBytes`, its bytes, from one opened
   * file (half the system calls of a stat and a read: it counts over a thousand notes). Undefined when it does not exist.
   */
  statAndRead?(loc: string, maxBytes: number): Promise<StatAndBytes | undefined>;
}

/** What a file system says of a file, and its bytes when they were read. */
export interface StatAndBytes {
  kind: FileKind;
  size: number;
  mtime?: number;
  bytes?: Uint8Array;
}

/** statAndRead from a stat and a read, for a file system that has no better way. */
export async function statThenRead(fs: NoteFileSystem, loc: string, maxBytes: number): Promise<StatAndBytes | undefined> {
  const st = await fs.stat(loc);
  if (!st || st.kind !== 'file' || st.size > maxBytes) return st && { kind: st.kind, size: st.size, mtime: st.mtime };
  return { kind: st.kind, size: st.size, mtime: st.mtime, bytes: await fs.readFile(loc) };
}

export interface LoadProblem {
  loc: string;
  message: string;
  /** `message` as a template and its arguments, for translation. */
  l10n?: LocalizableText;
  /** The location does not exist (hosts tell it apart: a missing notes folder is a setting to fix). */
  missing?: boolean;
}

function problem(loc: string, m: Msg, missing?: boolean): LoadProblem {
  return { loc, message: m.text, l10n: m.l10n, missing };
}

export const NOTE_EXTENSIONS = ['.md', '.markdown'];
/** The size limit of a note file, in KB, unless a host sets another (`mlNotes.maxNoteFileSizeKB`). */
export const DEFAULT_MAX_NOTE_KB = 2048;
const MAX_DEPTH = 16;
const MAX_FILES = 20000;
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv']);

/** Files next to the notes that embeds (`![[figure.png]]`) and links may point at. */
const ATTACHMENT = /\.(?:png|jpe?g|gif|svg|webp|bmp|avif|ico|pdf|mp3|mp4|webm|ogg|wav|m4a|mov|csv|txt)$/i;
const MAX_ATTACHMENTS = 50000;

export function isAttachment(name: string): boolean {
  return ATTACHMENT.test(name);
}

export function isNoteFile(name: string): boolean {
  const lower = name.toLowerCase();
  return NOTE_EXTENSIONS.some((e) => lower.endsWith(e));
}

/**
 * Every note file under the given roots (files or folders), in a stable order, the figures and other files next to
 * them (`attachments`, for embeds), and what could not be read.
 */
export async function collectNoteFiles(fs: NoteFileSystem, roots: readonly string[]): Promise<{ files: string[]; attachments: string[]; problems: LoadProblem[] }> {
  const files: string[] = [];
  const attachments: string[] = [];
  const seen = new Set<string>();
  const problems: LoadProblem[] = [];
  const walk = async (loc: string, depth: number): Promise<void> => {
    if (files.length >= MAX_FILES) return;
    if (depth > MAX_DEPTH) {
      problems.push(problem(loc, msg('Folder nesting deeper than {0} levels (a symbolic link loop?); not read further.', MAX_DEPTH)));
      return;
    }
    let entries: [string, FileKind, boolean][];
    try {
      entries = await fs.readDirectory(loc);
    } catch (e) {
      problems.push(problem(loc, msg('Cannot read the folder: {0}', fsErrorMsg(e))));
      return;
    }
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [name, kind, symlink] of entries) {
      const child = fs.join(loc, name);
      if (kind === 'directory') {
        if (SKIP_DIRS.has(name) || name.startsWith('.')) continue;
        if (symlink) continue; // linked folders are not followed: no loops, no escaping the notes root
        await walk(child, depth + 1);
      } else if (kind === 'other' && isNoteFile(name)) {
        problems.push(problem(child, symlink ? msg('Broken symbolic link (or a link loop); skipped.') : msg('Not a regular file (a pipe, socket or device); skipped.')));
      } else if (kind === 'file' && attachments.length < MAX_ATTACHMENTS && isAttachment(name)) {
        attachments.push(child);
      } else if (kind === 'file' && isNoteFile(name) && !seen.has(child)) {
        seen.add(child);
        files.push(child);
        if (files.length >= MAX_FILES) {
          problems.push(problem(loc, msg('More than {0} note files; the rest are not read.', MAX_FILES)));
          return;
        }
      }
    }
  };
  for (const root of roots) {
    let st: Awaited<ReturnType<NoteFileSystem['stat']>>;
    try {
      st = await fs.stat(root);
    } catch (e) {
      problems.push(problem(root, msg('Cannot read: {0}', fsErrorMsg(e))));
      continue;
    }
    if (!st) {
      problems.push(problem(root, msg('Notes path does not exist.'), true));
      continue;
    }
    if (st.kind === 'directory') await walk(root, 0);
    else if (st.kind === 'file') {
      if (!isNoteFile(root)) problems.push(problem(root, msg('Not a Markdown file (.md or .markdown); skipped.')));
      else if (!seen.has(root)) {
        seen.add(root);
        files.push(root);
      }
    } else problems.push(problem(root, msg('Not a file or folder (a pipe, socket or device); skipped.')));
  }
  return { files, attachments, problems };
}

/** `reason` and `warning` are English; their `…L10n` forms are for translation. */
export type ReadResult =
  | { ok: true; text: string; warning?: string; warningL10n?: LocalizableText; size?: number; mtime?: number }
  | { ok: false; reason: string; reasonL10n?: LocalizableText };

function refused(m: Msg): ReadResult {
  return { ok: false, reason: m.text, reasonL10n: m.l10n };
}

function readWithWarning(text: string, m: Msg | undefined): ReadResult {
  return m ? { ok: true, text, warning: m.text, warningL10n: m.l10n } : { ok: true, text };
}

/** Reads one note file: skipped when too large or binary; invalid UTF-8 is decoded with replacement characters. */
export async function readNoteFile(fs: NoteFileSystem, loc: string, maxBytes: number): Promise<ReadResult> {
  try {
    const st = fs.statAndRead ? await fs.statAndRead(loc, maxBytes) : await statThenRead(fs, loc, maxBytes);
    if (!st) return refused(msg('File does not exist.'));
    if (st.kind !== 'file') return refused(msg('Not a file.'));
    if (st.size > maxBytes || !st.bytes) return refused(tooLarge(st.size, maxBytes));
    const bytes = st.bytes;
    if (bytes.length > maxBytes) return refused(tooLarge(bytes.length, maxBytes));
    const res = decodeNote(bytes);
    // What the file was when read: a host keeps it to tell later whether the file changed (size and time). A file
    // system that gives no time (0) gives nothing to tell by: such a file is parsed at every start.
    if (res.ok) {
      res.size = bytes.length;
      if (st.mtime && bytes.length === st.size) res.mtime = st.mtime;
    }
    return res;
  } catch (e) {
    return refused(msg('Cannot read the file: {0}', fsErrorMsg(e)));
  }
}

/**
 * Bytes → note text. UTF-8 (with or without BOM); UTF-16 with a BOM (what some Windows editors save as "Unicode");
 * binary files are refused; invalid UTF-8 is decoded with replacement characters and a warning.
 */
export function decodeNote(bytes: Uint8Array): ReadResult {
  const le = bytes[0] === 0xff && bytes[1] === 0xfe;
  const be = bytes[0] === 0xfe && bytes[1] === 0xff;
  if (le || be) {
    // Big-endian is swapped to little-endian: every TextDecoder has utf-16le, not every one has utf-16be.
    const units = be ? swapBytePairs(bytes) : bytes;
    const text = new TextDecoder('utf-16le').decode(units);
    if (looksBinary(new TextEncoder().encode(text))) return refused(BINARY());
    return readWithWarning(text, bytes.length % 2 ? msg('File is UTF-16 with an odd number of bytes; its last byte is shown as �.') : undefined);
  }
  if (looksBinary(bytes)) return refused(BINARY());
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    return readWithWarning(text, msg('File is not valid UTF-8; undecodable bytes are shown as �.'));
  }
}

const BINARY = () => msg('File looks binary (NUL bytes or mostly control characters); skipped.');

function tooLarge(size: number, maxBytes: number): Msg {
  return msg('File is {0}, over the {1} limit (mlNotes.maxNoteFileSizeKB); skipped.', formatSize(size), formatSize(maxBytes));
}

export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b === 0) return true;
    if (b < 8 || (b > 13 && b < 32 && b !== 27)) control++;
  }
  return n > 0 && control / n > 0.1;
}

/** A size for a message, with a decimal below 10 KB (a 1.1 KB file is not "1 KB, over the 1 KB limit"). */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 10 * 1024) return `${Math.round(bytes / 1024)} KB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

/** What a file-system error code means (node codes and VS Code FileSystemError codes). */
function fsErrorMeaning(code: string): Msg | undefined {
  switch (code) {
    case 'ENOENT':
    case 'FileNotFound':
      return msg('it no longer exists (removed while being read?)');
    case 'EACCES':
    case 'EPERM':
    case 'NoPermissions':
      return msg('permission denied');
    case 'ELOOP':
      return msg('symbolic link loop');
    case 'ENOTDIR':
    case 'FileNotADirectory':
      return msg('not a folder');
    case 'EISDIR':
    case 'FileIsADirectory':
      return msg('it is a folder');
    case 'EMFILE':
      return msg('too many open files');
    case 'ENAMETOOLONG':
      return msg('path too long');
    case 'Unavailable':
      return msg('the file system is unavailable');
    default:
      return undefined;
  }
}

/** A file-system error as a phrase: what happened (when the code is known), then the raw message. */
function fsErrorMsg(e: unknown): Msg | string {
  const code = e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : '';
  const raw = errorMessage(e);
  const meaning = fsErrorMeaning(code);
  return meaning ? msg('{0} ({1})', meaning, raw) : raw;
}

function swapBytePairs(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    out[i] = bytes[i + 1];
    out[i + 1] = bytes[i];
  }
  if (bytes.length % 2) out[bytes.length - 1] = bytes[bytes.length - 1];
  return out;
}

/** The message of anything thrown: an Error, a string, a VS Code FileSystemError, or something stranger. */
export function errorMessage(e: unknown): string {
  if (e === undefined || e === null) return 'unknown error';
  if (typeof e === 'object') {
    const o = e as { message?: unknown; code?: unknown; name?: unknown };
    if (typeof o.message === 'string' && o.message) return o.message;
    if (o.code !== undefined) return String(o.code);
    if (typeof o.name === 'string' && o.name) return o.name;
    try {
      const json = JSON.stringify(e);
      if (json && json !== '{}') return json.slice(0, 200);
    } catch {
      // fall through
    }
    return 'unknown error';
  }
  return String(e);
}

/**
 * Runs `prepare` on up to `limit` items at once and hands each result to `commit` in the items' order: reads overlap,
 * yet what is committed comes in the same order on every run (the order of the listing), whichever read ends first.
 * Results that are ready one after another are committed in promise reactions, which run before any message the
 * host has waiting: the loop yields after every `sliceMs` of that (slices.ts), so that a request that came meanwhile (a
 * hover on the extension host) is answered between two slices rather than after the whole load.
 */
export async function forEachInOrder<T, R>(items: readonly T[], limit: number, prepare: (item: T) => Promise<R>, commit: (item: T, result: R) => void, sliceMs = SLICE_MS): Promise<void> {
  const started: Promise<R>[] = [];
  const start = (i: number) => {
    if (i < items.length) started[i] = prepare(items[i]);
  };
  const width = Math.max(1, limit);
  for (let i = 0; i < width; i++) start(i);
  const pause = slicePause(sliceMs);
  for (let i = 0; i < items.length; i++) {
    const result = await started[i];
    start(i + width);
    commit(items[i], result);
    await pause();
  }
}
