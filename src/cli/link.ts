import * as fs from 'node:fs';
import type { NoteLibrary } from '../core/notes/library';
import { decodeNote } from '../core/notes/loader';
import { parseNote } from '../core/notes/parse';
import type { NoteDocument, NoteSection } from '../core/notes/types';
import { hoverForTerm, isTermText, linkEdit } from '../core/terms/linkTerm';
import { targetKey } from '../core/terms/refTarget';
import { shownPath, writeAtomic } from './files';
import type { CliIo } from './main';

/** Whether a command-line argument is a term: a (dotted) name, a `prefix*` or `Callee(keyword)`. */
export function isTermArgument(s: string): boolean {
  return isTermText(s) || /^[\p{L}_][\p{L}\p{N}_]*\*$/u.test(s);
}

/**
 * `ml-notes link SYMBOL NOTE#slug[/N]`: adds SYMBOL to the note's front-matter `terms` under that section's key (the
 * rest of the front matter kept as written; the file replaced atomically), then says what the hover shows for it.
 */
export function runLink(library: NoteLibrary, target: { doc: NoteDocument; section: NoteSection; point?: number }, symbol: string, io: CliIo): number {
  const file = target.doc.id;
  if (library.info(file)?.bundled) {
    io.err(`ml-notes link: “${target.doc.title}” is a bundled note, part of ML Notes; link the symbol to a note of your own (--notes PATH)`);
    return 2;
  }
  let raw: Uint8Array;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    io.err(`ml-notes link: cannot read ${shownPath(io.cwd, file)}: ${(e as Error).message}`);
    return 2;
  }
  const decoded = decodeNote(raw);
  if (!decoded.ok) {
    io.err(`ml-notes link: ${shownPath(io.cwd, file)}: ${decoded.reason}`);
    return 2;
  }
  if (decoded.warning || (raw[0] === 0xff && raw[1] === 0xfe) || (raw[0] === 0xfe && raw[1] === 0xff)) {
    // Written back as UTF-8, a UTF-16 note would change encoding, and undecodable bytes would be lost.
    io.err(`ml-notes link: ${shownPath(io.cwd, file)} is not UTF-8 text; it is left as it is (add the term by hand)`);
    return 2;
  }
  // The decoder drops a UTF-8 BOM: it is written back as it was.
  const bom = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? '\ufeff' : '';
  const text = decoded.text.charCodeAt(0) === 0xfeff ? decoded.text.slice(1) : decoded.text;
  const doc = parseNote(text, file);
  const res = linkEdit(text, doc, target.section.slug, target.point, symbol);
  const where = `“${target.section.title}”${target.point ? ` point ${target.point}` : ''} (${shownPath(io.cwd, file)})`;
  if (res.kind === 'refused') {
    io.err(`ml-notes link: ${shownPath(io.cwd, file)}: ${res.message.text}`);
    return 2;
  }
  if (res.kind === 'unchanged') {
    io.out(`${symbol} is already a term of ${where}, under “${res.key}”`);
  } else {
    writeAtomic(file, bom + res.text);
    library.setFile(file, res.text, library.info(file));
    io.out(`linked ${symbol} to ${where} under “${res.key}”`);
  }
  const shown = hoverForTerm(library, symbol);
  if (!shown || shown.doc.id !== file || targetKey(shown.section, shown.point?.index) !== targetKey(target.section, target.point)) {
    const other = shown ? `“${shown.section.title}”${shown.point ? ` point ${shown.point.index}` : ''} (${shownPath(io.cwd, shown.doc.id)}, term ${shown.term})` : 'nothing';
    io.err(`ml-notes link: note: a hover on ${symbol} shows ${other} first`);
  }
  return 0;
}
