import * as vscode from 'vscode';
import { decodeLibraryCache, encodeLibraryCache, type CachedNote } from '../core/notes/libraryCache';
import type { TermIndex } from '../core/terms/termIndex';
import type { NoteFileInfo } from '../core/notes/library';
import type { NoteDocument } from '../core/notes/types';
import { errorMessage, type NoteFileSystem } from '../core/notes/loader';
import { isNotFound } from './noteFs';
import type { Log } from './log';
import { t, tt } from './l10n';

/** Largest cache kept (a library this large is rebuilt from its files at each start instead). */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * The notes of the last session, in the extension's storage (the workspace's, else the global one), through
 * workspace.fs: desktop, remote and browser alike. Read once at start; written after a load and after notes change.
 */
export class NotesCache {
  private readonly file: vscode.Uri;

  constructor(
    private readonly dir: vscode.Uri,
    /** Reads the index (through node:fs when it is a local file: no round trip to the window). */
    private readonly fs: NoteFileSystem,
    private readonly log: Log,
  ) {
    this.file = vscode.Uri.joinPath(dir, 'notes-index.json');
  }

  /**
   * The notes kept under `key` (none when there is no usable index), and what reading and decoding it took. The file
   * is read at once; it is decoded when the key is known.
   */
  async read(key: Promise<string>): Promise<{ notes: Map<string, CachedNote>; bytes: number; readMs: number; decodeMs: number }> {
    const t0 = Date.now();
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.fs.readFile(this.file.toString());
    } catch (e) {
      if (!isNotFound(e)) this.log.warn(t('Could not read the notes index kept from the last session: {0}', errorMessage(e)));
    }
    const readMs = Date.now() - t0;
    const k = await key;
    if (!bytes) return { notes: new Map(), bytes: 0, readMs, decodeMs: 0 };
    const t1 = Date.now();
    const { notes, ignored, stale } = decodeLibraryCache(bytes, k);
    if (ignored) {
      const why = tt(ignored.l10n, ignored.text);
      const line = notes.size ? t('The notes index kept from the last session is used in part: {0}', why) : t('The notes index kept from the last session is not used, every note is read again: {0}', why);
      if (stale) this.log.info(line);
      else this.log.warn(line);
    }
    return { notes, bytes: bytes.length, readMs, decodeMs: Date.now() - t1 };
  }

  /** Keeps `notes`, with their term entries as `index` holds them. */
  async write(key: string, notes: { doc: NoteDocument; info: NoteFileInfo; size: number; mtime: number }[], index: TermIndex): Promise<void> {
    try {
      const bytes = encodeLibraryCache(key, notes, index);
      if (bytes.length > MAX_CACHE_BYTES) {
        this.log.info(t('The notes index ({0} MB) is too large to keep for the next session: every start reads the notes.', Math.round(bytes.length / 1048576)));
        return;
      }
      await vscode.workspace.fs.createDirectory(this.dir);
      // A new file renamed over the old one: a session that stops mid-write leaves the old cache, not half of one.
      const tmp = vscode.Uri.joinPath(this.dir, 'notes-index.json.tmp');
      await vscode.workspace.fs.writeFile(tmp, bytes);
      await vscode.workspace.fs.rename(tmp, this.file, { overwrite: true });
      this.log.info(t('Kept the index of {0} note file(s) ({1} MB) for the next session.', notes.length, (bytes.length / 1048576).toFixed(1)));
    } catch (e) {
      this.log.warn(t('Could not keep the notes index for the next session: {0}', errorMessage(e)));
    }
  }
}
