/**
 * A Python file's bytes as Python reads them (PEP 263 and 3120): UTF-8 unless a coding declaration on the first
 * or second line says otherwise (the second only after a comment or blank first line), a UTF-8 byte order mark
 * allowed (with no other declaration). What Python refuses here is a syntax error in its own words:
 * "unknown encoding: uft-8", "encoding problem: utf8 with BOM", "(unicode error) 'utf-8' codec can't decode
 * byte 0xf6 in position 1: invalid start byte".
 */
import type { SyntaxErrorSpan } from './ast';
import { PYTHON_ENCODINGS } from './encodings';

export interface PythonSource {
  text: string;
  /** Errors Python reports before it parses (offsets into `text`). */
  errors: SyntaxErrorSpan[];
  /** Python's name of the encoding the text was read in ('utf-8' when nothing else is declared). */
  encoding: string;
  /** The bytes began with a UTF-8 byte order mark (not part of `text`; write it back when saving). */
  bom: boolean;
}

export function decodePythonSource(bytes: Uint8Array): PythonSource {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  const declared = codingDeclaration(body);
  const errors: SyntaxErrorSpan[] = [];
  let encoding = 'utf-8';
  if (declared !== undefined) {
    const canonical = pythonEncoding(declared);
    if (bom && normalName(declared) !== 'utf-8') errors.push({ from: 0, to: 0, message: `encoding problem: ${declared} with BOM` });
    else if (!canonical) errors.push({ from: 0, to: 0, message: `unknown encoding: ${declared}` });
    else encoding = canonical;
  }
  if (encoding === 'utf-8' || encoding === 'utf-8-sig') {
    const bad = invalidUtf8(body);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
    if (bad && !errors.length) errors.push({ from: 0, to: 0, message: `(unicode error) 'utf-8' codec can't decode byte 0x${bad.byte.toString(16).padStart(2, '0')} in position ${bad.column}: ${bad.reason}` });
    return { text, errors, encoding: 'utf-8', bom };
  }
  return { text: decodeAs(encoding, body), errors, encoding, bom };
}

/** The encoding named by a coding declaration on line 1 or 2, as written. */
function codingDeclaration(bytes: Uint8Array): string | undefined {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length && lines.length < 2; i++) {
    if (i === bytes.length || bytes[i] === 10 || bytes[i] === 13) {
      lines.push(String.fromCharCode(...bytes.subarray(start, Math.min(i, start + 400))));
      if (bytes[i] === 13 && bytes[i + 1] === 10) i++;
      start = i + 1;
    }
  }
  for (let l = 0; l < lines.length; l++) {
    const m = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/.exec(lines[l]);
    if (m) return m[1];
    // A declaration on line 2 counts only after a comment or blank first line.
    if (!/^[ \t\f]*(#.*)?$/.test(lines[l])) return undefined;
  }
  return undefined;
}

/** CPython's get_normal_name: the UTF-8 and Latin-1 spellings it recognises before looking the codec up. */
function normalName(name: string): string {
  const n = name.slice(0, 12).toLowerCase().replace(/_/g, '-');
  if (n === 'utf-8' || n.startsWith('utf-8-')) return 'utf-8';
  if (/^(latin-1|iso-8859-1|iso-latin-1)(-|$)/.test(n)) return 'iso-8859-1';
  return name;
}

let aliases: Map<string, string> | undefined;

/** Python's canonical name for a declared encoding, or undefined when Python knows no such text encoding. */
export function pythonEncoding(declared: string): string | undefined {
  if (!aliases) {
    aliases = new Map();
    for (const [canonical, others] of Object.entries(PYTHON_ENCODINGS)) {
      aliases.set(normalize(canonical), canonical);
      for (const a of others.split(' ')) if (a) aliases.set(a, canonical);
    }
  }
  const n = normalName(declared);
  return aliases.get(normalize(n === 'iso-8859-1' ? 'latin_1' : n));
}

/** Python's normalize_encoding, lower-cased: runs of characters other than letters, digits and `.` become `_`. */
function normalize(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The first byte Python's UTF-8 decoder refuses, with its reason and its column on its line. */
function invalidUtf8(b: Uint8Array): { byte: number; column: number; reason: string } | undefined {
  let lineStart = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 10) lineStart = i + 1;
    if (c < 0x80) continue;
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need < 0) return { byte: c, column: i - lineStart, reason: 'invalid start byte' };
    for (let k = 1; k <= need; k++) {
      if (i + k >= b.length) return { byte: c, column: i - lineStart, reason: 'unexpected end of data' };
      const d = b[i + k];
      const lo = k === 1 && c === 0xe0 ? 0xa0 : k === 1 && c === 0xf0 ? 0x90 : 0x80;
      const hi = k === 1 && c === 0xed ? 0x9f : k === 1 && c === 0xf4 ? 0x8f : 0xbf;
      if (d < lo || d > hi) return { byte: c, column: i - lineStart, reason: 'invalid continuation byte' };
    }
    i += need;
  }
  return undefined;
}

/** The WHATWG decoder for a Python codec, where one decodes the same characters. */
const DECODERS: Record<string, string> = {
  'koi8-r': 'koi8-r',
  'koi8-u': 'koi8-u',
  cp866: 'ibm866',
  euc_jp: 'euc-jp',
  euc_kr: 'euc-kr',
  shift_jis: 'shift_jis',
  cp932: 'shift_jis',
  gbk: 'gbk',
  gb2312: 'gbk',
  gb18030: 'gb18030',
  big5: 'big5',
  iso2022_jp: 'iso-2022-jp',
  'mac-roman': 'macintosh',
  'mac-cyrillic': 'x-mac-cyrillic',
  'tis-620': 'windows-874',
  'utf-16': 'utf-16le',
  'utf-16-le': 'utf-16le',
  'utf-16-be': 'utf-16be',
};

function decodeAs(encoding: string, bytes: Uint8Array): string {
  let label = DECODERS[encoding];
  const iso = /^iso8859-(\d+)$/.exec(encoding);
  if (iso && iso[1] !== '1') label = `iso-8859-${iso[1]}`;
  const win = /^cp(125\d)$/.exec(encoding);
  if (win) label = `windows-${win[1]}`;
  if (label) {
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // this runtime lacks the decoder: read the bytes as Latin-1 below
    }
  }
  // Latin-1 (and codecs this runtime cannot decode): one character per byte, so the structure stays readable.
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}
