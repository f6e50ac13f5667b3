/**
 * Finding and reading note files through an abstract file system: vscode.workspace.fs in the editor (desktop, web,
 * remote), node:fs in the CLI. Size limits, binary detection and encoding problems are reported, never thrown.
 */

export type FileKind = 'file' | 'directory' | 'other';

export interface NoteFileSystem {
  /** undefined when the location does not exist. */
  stat(loc: string): Promise<{ kind: FileKind; size: number; symlink?: boolean } | undefined>;
  readDirectory(loc: string): Promise<[name: string, kind: FileKind, symlink: boolean][]>;
  readFile(loc: string): Promise<Uint8Array>;
  join(loc: string, name: string): string;
}

export interface LoadProblem {
  loc: string;
  message: string;
}

export const NOTE_EXTENSIONS = ['.md', '.markdown'];
const MAX_DEPTH = 16;
const MAX_FILES = 20000;
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv']);

export function isNoteFile(name: string): boolean {
  const lower = name.toLowerCase();
  return NOTE_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Every note file under the given roots (files or folders), in a stable order, and what could not be read. */
export async function collectNoteFiles(fs: NoteFileSystem, roots: readonly string[]): Promise<{ files: string[]; problems: LoadProblem[] }> {
  const files: string[] = [];
  const seen = new Set<string>();
  const problems: LoadProblem[] = [];
  const walk = async (loc: string, depth: number): Promise<void> => {
    if (files.length >= MAX_FILES) return;
    if (depth > MAX_DEPTH) {
      problems.push({ loc, message: `Folder nesting deeper than ${MAX_DEPTH} levels (a symbolic link loop?); not read further.` });
      return;
    }
    let entries: [string, FileKind, boolean][];
    try {
      entries = await fs.readDirectory(loc);
    } catch (e) {
      problems.push({ loc, message: `Cannot read the folder: ${describeFsError(e)}` });
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
        problems.push({ loc: child, message: symlink ? 'Broken symbolic link (or a link loop); skipped.' : 'Not a regular file (a pipe, socket or device); skipped.' });
      } else if (kind === 'file' && isNoteFile(name) && !seen.has(child)) {
        seen.add(child);
        files.push(child);
        if (files.length >= MAX_FILES) {
          problems.push({ loc, message: `More than ${MAX_FILES} note files; the rest are not read.` });
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
      problems.push({ loc: root, message: `Cannot read: ${describeFsError(e)}` });
      continue;
    }
    if (!st) {
      problems.push({ loc: root, message: 'Notes path does not exist.' });
      continue;
    }
    if (st.kind === 'directory') await walk(root, 0);
    else if (st.kind === 'file') {
      if (!isNoteFile(root)) problems.push({ loc: root, message: 'Not a Markdown file (.md or .markdown); skipped.' });
      else if (!seen.has(root)) {
        seen.add(root);
        files.push(root);
      }
    } else problems.push({ loc: root, message: 'Not a file or folder (a pipe, socket or device); skipped.' });
  }
  return { files, problems };
}

export type ReadResult = { ok: true; text: string; warning?: string } | { ok: false; reason: string };

/** Reads one note file: skipped when too large or binary; invalid UTF-8 is decoded with replacement characters. */
export async function readNoteFile(fs: NoteFileSystem, loc: string, maxBytes: number): Promise<ReadResult> {
  try {
    const st = await fs.stat(loc);
    if (!st) return { ok: false, reason: 'File does not exist.' };
    if (st.kind !== 'file') return { ok: false, reason: 'Not a file.' };
    if (st.size > maxBytes) return { ok: false, reason: `File is ${formatSize(st.size)}, over the ${formatSize(maxBytes)} limit (mlNotes.maxNoteFileSizeKB); skipped.` };
    const bytes = await fs.readFile(loc);
    if (bytes.length > maxBytes) return { ok: false, reason: `File is ${formatSize(bytes.length)}, over the ${formatSize(maxBytes)} limit (mlNotes.maxNoteFileSizeKB); skipped.` };
    return decodeNote(bytes);
  } catch (e) {
    return { ok: false, reason: `Cannot read the file: ${describeFsError(e)}` };
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
    if (looksBinary(new TextEncoder().encode(text))) return { ok: false, reason: 'File looks binary (NUL bytes or mostly control characters); skipped.' };
    return { ok: true, text, warning: bytes.length % 2 ? 'File is UTF-16 with an odd number of bytes; its last byte is shown as �.' : undefined };
  }
  if (looksBinary(bytes)) return { ok: false, reason: 'File looks binary (NUL bytes or mostly control characters); skipped.' };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    return { ok: true, text, warning: 'File is not valid UTF-8; undecodable bytes are shown as �.' };
  }
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

export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}

/** A file-system error as a sentence: what happened first (node codes and VS Code FileSystemError codes), then the raw message. */
export function describeFsError(e: unknown): string {
  const code = e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : '';
  const what: Record<string, string> = {
    ENOENT: 'it no longer exists (removed while being read?)',
    FileNotFound: 'it no longer exists (removed while being read?)',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    NoPermissions: 'permission denied',
    ELOOP: 'symbolic link loop',
    ENOTDIR: 'not a folder',
    FileNotADirectory: 'not a folder',
    EISDIR: 'it is a folder',
    FileIsADirectory: 'it is a folder',
    EMFILE: 'too many open files',
    ENAMETOOLONG: 'path too long',
    Unavailable: 'the file system is unavailable',
  };
  const raw = errorMessage(e);
  return what[code] ? `${what[code]} (${raw})` : raw;
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
