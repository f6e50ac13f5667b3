/**
 * Note locations as paths, whatever form the host gives them: URI strings in the editor (`file:///…`,
 * `vscode-remote://…`, percent-encoded), file system paths in the CLI (`/…`, `C:\…`). Link resolution compares these
 * paths; it never builds a location from them.
 */

const URI = /^([a-z][\w+.-]*:\/\/[^/]*)(.*)$/i;

/** The decoded, `/`-separated path of a location (no scheme or authority). */
export function locationPath(loc: string): string {
  const m = URI.exec(loc);
  if (m) {
    const path = m[2].split(/[?#]/)[0];
    return path
      .split('/')
      .map((seg) => safeDecode(seg))
      .join('/');
  }
  return loc.replace(/\\/g, '/');
}

/** The path with `.`, `..` and empty segments resolved (a leading `/` is kept; `..` never climbs above the start). */
export function normalizePath(path: string): string {
  const abs = path.startsWith('/');
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return (abs ? '/' : '') + out.join('/');
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '') : path.slice(0, i);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

const NOTE_EXTENSION = /\.(?:md|markdown)$/i;

/** A note path without its `.md` / `.markdown` extension. */
export function stripNoteExtension(path: string): string {
  return path.replace(NOTE_EXTENSION, '');
}

export function hasNoteExtension(path: string): boolean {
  return NOTE_EXTENSION.test(path);
}

/** How names are compared: case-insensitive, Unicode-normalised (a name typed on macOS and one from Linux match). */
export function nameKey(s: string): string {
  const lower = s.toLowerCase();
  return /^[\x00-\x7f]*$/.test(lower) ? lower : lower.normalize('NFC');
}

/** Percent-decoded, or the text as it is when it is not valid percent-encoding. */
export function safeDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
