import assert from 'node:assert/strict';
import * as path from 'node:path';
import { NoteLibrary } from '../../src/core/notes/library';
import { collectNoteFiles, readNoteFile } from '../../src/core/notes/loader';
import { nodeNoteFs } from '../../src/cli/nodeFs';
import { fixturesDir } from './helpers';

export const vaultDir = path.join(fixturesDir, 'vault');

/** The fixture vault, loaded as the CLI and the extension load a notes folder (names relative to it, figures listed). */
export async function loadVault(extra: Record<string, string> = {}): Promise<NoteLibrary> {
  const lib = new NoteLibrary();
  const { files, attachments } = await collectNoteFiles(nodeNoteFs, [vaultDir]);
  lib.setAttachments(vaultDir, attachments);
  for (const f of files) {
    const res = await readNoteFile(nodeNoteFs, f, 1 << 20);
    assert.ok(res.ok, f);
    lib.setFile(f, res.text, { root: vaultDir });
  }
  for (const [rel, text] of Object.entries(extra)) lib.setFile(path.join(vaultDir, rel), text, { root: vaultDir });
  return lib;
}

