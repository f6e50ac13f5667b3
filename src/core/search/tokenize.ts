import { splitIdentifier } from '../terms/identifiers';

/**
 * Text → index keys, shared by indexing and querying so that both sides agree.
 *
 * Latin-script text yields words: the whole token lower-cased (`torch.cat`, `batchnorm2d`, `lr_warmup_epochs`),
 * its identifier parts (`torch`, `cat`; `batch`, `norm`, `2d`; `lr`, `warmup`, `epochs`), the parts joined
 * (`lrwarmupepochs`) and, for dotted paths, every segment and dotted suffix (`nn.batchnorm2d`).
 * CJK text (Han, kana, Hangul) has no spaces, so it yields overlapping character bigrams (`语义分割` → 语义, 义分,
 * 分割); a lone CJK character yields itself.
 */

/** [0-9A-Za-z_], Latin-1/Extended letters, Greek, Cyrillic. */
export function isWordCode(c: number): boolean {
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  return (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) || (c >= 0x370 && c <= 0x3ff) || (c >= 0x400 && c <= 0x4ff);
}

/** Han (incl. extension A and compatibility), Hiragana/Katakana, Hangul syllables. */
export function isCjkCode(c: number): boolean {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x3040 && c <= 0x30ff) || (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff);
}

/**
 * Common English words that are not indexed in bodies (they are in titles and terms). A query drops them unless it
 * has nothing else.
 */
export const STOP_WORDS = new Set('a an and are as at be but by for if in into is it of on or such that the their then there these they this to was will with'.split(' '));

export interface TextVisitor {
  word(raw: string): void;
  /** A run of CJK characters: text[start, end). */
  cjk(text: string, start: number, end: number): void;
}

/** Walks a text once, reporting Latin tokens (dots and hyphens between word characters kept) and CJK runs. */
export function scanText(text: string, visit: TextVisitor): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isWordCode(c)) {
      const start = i;
      i++;
      for (;;) {
        while (i < n && isWordCode(text.charCodeAt(i))) i++;
        const d = text.charCodeAt(i);
        if ((d === 46 || d === 45) && i + 1 < n && isWordCode(text.charCodeAt(i + 1))) i++;
        else break;
      }
      if (i - start <= 64) visit.word(text.slice(start, i));
    } else if (isCjkCode(c)) {
      const start = i;
      i++;
      while (i < n && isCjkCode(text.charCodeAt(i))) i++;
      visit.cjk(text, start, i);
    } else {
      i++;
    }
  }
}

const keyCache = new Map<string, readonly string[]>();

/** The index keys of one Latin token (cached: a library repeats its vocabulary). */
export function wordKeys(raw: string): readonly string[] {
  let keys = keyCache.get(raw);
  if (keys) return keys;
  keys = computeWordKeys(raw);
  if (keyCache.size > 200_000) keyCache.clear();
  keyCache.set(raw, keys);
  return keys;
}

function computeWordKeys(raw: string): string[] {
  const lower = raw.toLowerCase();
  if (isSimpleWord(raw)) return [lower];
  const out = new Set<string>([lower]);
  const parts = splitIdentifier(raw).map((p) => p.toLowerCase());
  for (const p of parts) out.add(p);
  if (parts.length > 1) out.add(parts.join(''));
  if (lower.includes('.')) {
    const segs = lower.split('.').filter(Boolean);
    for (let i = 1; i < segs.length; i++) out.add(segs.slice(i).join('.'));
    for (const s of segs) out.add(s.replace(/[_-]/g, ''));
  }
  return [...out].filter((k) => k.length > 0);
}

/** Lower-case letters and digits only (no separators, no case change after the first letter). */
function isSimpleWord(raw: string): boolean {
  let sawLower = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 97 && c <= 122) sawLower = true;
    else if (c >= 65 && c <= 90) {
      if (i > 0) return false; // CamelCase or an acronym: let the splitter decide
    } else if (c >= 48 && c <= 57) {
      if (sawLower || i > 0) return false; // bn1, conv3x3
    } else return false;
  }
  return true;
}

/**
 * CJK characters numbered densely from 1 (kana, Han extension A, Han, Hangul, compatibility ideographs), so that a
 * bigram is one small integer: index(a) * CJK_SPAN + index(b). Lone characters keep their index (< CJK_SPAN).
 */
export const CJK_SPAN = 40000;

export function cjkIndex(c: number): number {
  if (c >= 0x4e00 && c <= 0x9fff) return 6785 + (c - 0x4e00);
  if (c >= 0x3040 && c <= 0x30ff) return 1 + (c - 0x3040);
  if (c >= 0x3400 && c <= 0x4dbf) return 193 + (c - 0x3400);
  if (c >= 0xac00 && c <= 0xd7af) return 27777 + (c - 0xac00);
  if (c >= 0xf900 && c <= 0xfaff) return 38961 + (c - 0xf900);
  return 0;
}

/** Keys of the overlapping bigrams of text[start, end), or of the lone character when the run has one. */
export function cjkGramKeys(text: string, start: number, end: number): number[] {
  if (end - start < 2) return [cjkIndex(text.charCodeAt(start))];
  const out: number[] = [];
  let prev = cjkIndex(text.charCodeAt(start));
  for (let i = start + 1; i < end; i++) {
    const cur = cjkIndex(text.charCodeAt(i));
    out.push(prev * CJK_SPAN + cur);
    prev = cur;
  }
  return out;
}

/**
 * Every UTF-16 code unit's class for the body tokenizer (one table read instead of the range tests above): the word
 * characters split into lower-case ASCII letters, ASCII digits and the others (a plain word has only the first two),
 * CJK characters, and the two characters that start markup the tokenizer skips (`<` of a tag, `]` of a link).
 */
export const CH_OTHER = 0;
export const CH_LOWER = 1;
export const CH_DIGIT = 2;
export const CH_WORD = 3;
export const CH_CJK = 4;
export const CH_LT = 5;
export const CH_CLOSE_BRACKET = 6;

export const CHAR_CLASS = new Uint8Array(65536);
/** cjkIndex of every code unit (0: not a CJK character). */
export const CJK_INDEX = new Uint16Array(65536);
for (let c = 0; c < 65536; c++) {
  CJK_INDEX[c] = cjkIndex(c);
  CHAR_CLASS[c] = isWordCode(c)
    ? c >= 97 && c <= 122
      ? CH_LOWER
      : c >= 48 && c <= 57
        ? CH_DIGIT
        : CH_WORD
    : isCjkCode(c)
      ? CH_CJK
      : c === 60
        ? CH_LT
        : c === 93
          ? CH_CLOSE_BRACKET
          : CH_OTHER;
}

/** Words an acronym skips ("Recall and Precision" → rp too). */
const ACRONYM_SKIP = new Set(['a', 'an', 'and', 'of', 'the', 'for', 'in', 'on', 'to', 'with', 'vs', 'or', 'by', 'at']);

/**
 * Initials a title or term can be typed as: "Learning Rate warming up" → lrwu; "Recall and Precision" → rap, rp;
 * "FeaturePyramidNetwork" → fpn; "get_linear_schedule_with_warmup" → glsww.
 */
export function acronymsOf(text: string): readonly string[] {
  let cached = acronymCache.get(text);
  if (!cached) {
    cached = computeAcronyms(text);
    if (acronymCache.size > 50_000) acronymCache.clear();
    acronymCache.set(text, cached);
  }
  return cached;
}

const acronymCache = new Map<string, readonly string[]>();

function computeAcronyms(text: string): string[] {
  const words: string[] = [];
  scanText(text, { word: (w) => words.push(w), cjk: () => undefined });
  const out = new Set<string>();
  const letterWords = words.filter((w) => /^[A-Za-z]/.test(w));
  if (letterWords.length >= 2) {
    out.add(letterWords.map((w) => w[0].toLowerCase()).join(''));
    const content = letterWords.filter((w) => !ACRONYM_SKIP.has(w.toLowerCase()));
    if (content.length >= 2) out.add(content.map((w) => w[0].toLowerCase()).join(''));
    const partInitials = letterWords.flatMap((w) => identifierInitials(w)).join('');
    if (partInitials.length >= 2) out.add(partInitials);
  } else if (letterWords.length === 1) {
    const initials = identifierInitials(letterWords[0]).join('');
    if (initials.length >= 2 && initials !== letterWords[0].toLowerCase()) out.add(initials);
  }
  return [...out].filter((a) => a.length >= 2 && a.length <= 12);
}

function identifierInitials(word: string): string[] {
  return splitIdentifier(word)
    .filter((p) => /^[A-Za-z]/.test(p))
    .map((p) => p[0].toLowerCase());
}

export interface ShortKeys {
  words: readonly string[];
  grams: readonly number[];
  acronyms: readonly string[];
}

const shortCache = new Map<string, ShortKeys>();

/** All keys of a short text (title, point lead, term), cached. */
export function shortKeys(s: string): ShortKeys {
  let keys = shortCache.get(s);
  if (keys) return keys;
  const words = new Set<string>();
  const grams = new Set<number>();
  scanText(s, {
    word: (raw) => {
      for (const k of wordKeys(raw)) words.add(k);
    },
    cjk: (text, start, end) => {
      for (const g of cjkGramKeys(text, start, end)) grams.add(g);
    },
  });
  keys = { words: [...words], grams: [...grams], acronyms: acronymsOf(s) };
  if (shortCache.size > 100_000) shortCache.clear();
  shortCache.set(s, keys);
  return keys;
}

// ---------------------------------------------------------------------------------------------------------------
// Queries

export interface LatinQueryToken {
  kind: 'latin';
  /** As typed. */
  raw: string;
  /** Lower-cased whole token. */
  lower: string;
  /** Lower-cased identifier parts (one element for a plain word). */
  parts: string[];
  /** Dotted suffixes, longest first, without the whole token: torch.nn.batchnorm2d → nn.batchnorm2d, batchnorm2d. */
  suffixes: string[];
  /** Has separators or case boundaries (torch.cat, BatchNorm2d, lr_warmup). */
  compound: boolean;
}

export interface CjkQueryToken {
  kind: 'cjk';
  raw: string;
  /** Bigram keys (see cjkGramKeys). */
  grams: number[];
}

export type QueryToken = LatinQueryToken | CjkQueryToken;

/** A query → tokens (duplicates dropped, at most 12). */
export function parseQuery(query: string): QueryToken[] {
  const out: QueryToken[] = [];
  const seen = new Set<string>();
  scanText(query, {
    word(raw) {
      const lower = raw.toLowerCase();
      if (seen.has(lower)) return;
      seen.add(lower);
      const parts = splitIdentifier(raw).map((p) => p.toLowerCase());
      const segs = lower.split('.').filter(Boolean);
      const suffixes: string[] = [];
      for (let i = 1; i < segs.length; i++) suffixes.push(segs.slice(i).join('.'));
      out.push({ kind: 'latin', raw, lower, parts: parts.length ? parts : [lower], suffixes, compound: parts.length > 1 || /[._-]/.test(raw) });
    },
    cjk(text, start, end) {
      const run = text.slice(start, end);
      if (seen.has(run)) return;
      seen.add(run);
      out.push({ kind: 'cjk', raw: run, grams: cjkGramKeys(text, start, end) });
    },
  });
  return out.slice(0, 12);
}

// ---------------------------------------------------------------------------------------------------------------
// Approximate matching

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions: wamrup → warmup is 1), or
 * `max + 1` as soon as it is certain to exceed `max`.
 */
export function boundedEditDistance(a: string, b: string, max: number): number {
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  let prev2 = new Array<number>(lb + 1).fill(0);
  let prev = new Array<number>(lb + 1);
  let cur = new Array<number>(lb + 1);
  for (let j = 0; j <= lb; j++) prev[j] = j;
  for (let i = 1; i <= la; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= lb; j++) {
      const cb = b.charCodeAt(j - 1);
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca === cb ? 0 : 1));
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return Math.min(prev[lb], max + 1);
}

/** Whether every character of `q` occurs in `w` in order. */
export function isSubsequence(q: string, w: string): boolean {
  let j = 0;
  for (let i = 0; i < w.length && j < q.length; i++) if (w.charCodeAt(i) === q.charCodeAt(j)) j++;
  return j === q.length;
}

/** Index of the first element ≥ key in a sorted array. */
export function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** [start, end) of the words starting with `prefix` in a sorted array. */
export function prefixRange(sorted: readonly string[], prefix: string): [number, number] {
  const start = lowerBound(sorted, prefix);
  const end = lowerBound(sorted, prefix + '\uffff');
  return [start, end];
}
