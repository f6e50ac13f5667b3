import type { NoteDocument, NotePoint, NoteSection } from '../notes/types';
import { afterListMarker, altText, clip, countEntries, countTextChars, firstTextLine, frontMatterTerms, pointLead, sectionBreadcrumb, tagEnd } from './entries';
import { lineStarts } from '../text';
import { highlight } from './highlight';
import { BODY, KeySpace, LEAD, MAX_ENTRY_ID, TERMS, TITLE } from './postings';
import {
  CJK_SPAN,
  acronymsOf,
  boundedEditDistance,
  cjkIndex,
  isCjkCode,
  isSubsequence,
  isWordCode,
  parseQuery,
  prefixRange,
  scanText,
  shortKeys,
  wordKeys,
  type CjkQueryToken,
  type LatinQueryToken,
  type QueryToken,
} from './tokenize';
import type { LookupField, LookupFileInfo, LookupResult } from './types';

/*
 * The lookup index: an inverted index over every section and point of every note file.
 *
 * Entries (a section, or one point of a section) get integer ids, allocated in increasing order file by file (see
 * postings.ts), so replacing or removing a file splices its postings out of the lists it touched and nothing else
 * is rebuilt.
 *
 * Key spaces: `words` (Latin words and identifier parts from every field, with a sorted vocabulary for prefix
 * ranges and typo scans), `heads` (the same for titles, point leads and terms only, so that a one- or two-letter
 * prefix expands over headings rather than every body word), `grams` (CJK bigrams and lone characters) and `acros`
 * (initials of titles and terms, so `lrw` finds "Learning Rate warming up").
 *
 * A section's own text excludes its points; a point's body match also counts as a body match of its section.
 */

const FIELD_NAMES: [number, LookupField][] = [
  [TITLE, 'title'],
  [TERMS, 'terms'],
  [LEAD, 'lead'],
  [BODY, 'body'],
];

const WEIGHT_TITLE = 10;
const WEIGHT_TERMS = 7;
const WEIGHT_LEAD = 6;
const WEIGHT_BODY = 3;

/** Match qualities, multiplied by the field weight: exact > prefix > acronym > typo/subsequence. */
const Q_EXACT = 1;
const Q_JOINED = 0.95;
const Q_SUFFIX = 0.9;
const Q_PREFIX_MIN = 0.6;
const Q_PREFIX_SPAN = 0.3;
const Q_ACRONYM = 0.55;
const Q_ACRONYM_PREFIX = 0.5;
const Q_TYPO_1 = 0.45;
const Q_TYPO_2 = 0.3;
const Q_SUBSEQ_MIN = 0.2;
const Q_SUBSEQ_SPAN = 0.15;
const Q_CJK_SCATTERED = 0.5;
const Q_CJK_CHAR = 0.9;

/** A match inside a point counts this much for its section: text only in one point finds the point first. */
const PARENT_SHARE = 0.85;

const MAX_PREFIX_EXPANSIONS = 400;
const MAX_FUZZY_EXPANSIONS = 40;
const MAX_ACRONYM_EXPANSIONS = 100;
/** Tokens evaluated per query (a compound token that falls back to its parts counts each part). */
const MAX_QUERY_TOKENS = 24;
/** Prefixes this short expand over headings and terms only. */
const SHORT_PREFIX = 2;

/**
 * Common English words that are not indexed in bodies (they are in titles and terms). A query drops them unless it
 * has nothing else.
 */
const STOP_WORDS = new Set('a an and are as at be but by for if in into is it of on or such that the their then there these they this to was will with'.split(' '));

/** Score of a posting by its low byte (tf << 4 | mask): the best field's weight; body grows slowly with frequency. */
const SCORE = new Float64Array(256);
/** The field that gave that score. */
const BEST = new Uint8Array(256);
for (let code = 0; code < 256; code++) {
  const mask = code & 15;
  const tf = code >>> 4;
  let best = 0;
  let field = 0;
  const consider = (bit: number, w: number) => {
    if (mask & bit && w > best) {
      best = w;
      field = bit;
    }
  };
  consider(TITLE, WEIGHT_TITLE);
  consider(TERMS, WEIGHT_TERMS);
  consider(LEAD, WEIGHT_LEAD);
  consider(BODY, WEIGHT_BODY * (1 + 0.25 * Math.log2(Math.max(1, tf))));
  SCORE[code] = best;
  BEST[code] = field;
}

interface FileRec {
  id: string;
  doc: NoteDocument;
  bundled: boolean;
  /** Insertion sequence (kept when the file is replaced). */
  seq: number;
  /** Position in document order, refreshed before each query. */
  rank: number;
  /** Entry ids [lo, hi). */
  lo: number;
  hi: number;
}

interface Entry {
  file: FileRec;
  /** Order within the file. */
  pos: number;
  section: NoteSection;
  point?: NotePoint;
  title: string;
  lead: string;
  terms: string[];
  /** Lower-cased title and its word/CJK character count, filled when first needed. */
  titleLower?: string;
  titleChars?: number;
}

interface Candidate {
  id: number;
  entry: Entry;
  score: number;
}

export class LookupIndex {
  private readonly files = new Map<string, FileRec>();
  private entries: (Entry | undefined)[] = [];
  /** For a point: its section's entry id + 1; 0 for a section. */
  private parentOf = new Int32Array(0);
  private nextId = 0;
  private nextSeq = 0;
  /** True while a file is tokenised again to find the lists its postings are in. */
  private replaying = false;

  private readonly words = new KeySpace<string>(true);
  private readonly heads = new KeySpace<string>(true);
  private readonly grams = new KeySpace<number>(false);
  private readonly acros = new KeySpace<string>(true);
  /** CJK character index → keys of the bigrams containing it (may name bigrams since removed). */
  private readonly charGrams = new Map<number, number[]>();

  private orderDirty = true;
  private ordered: FileRec[] = [];

  // Query scratch, indexed by entry id.
  private acc = new Float64Array(0);
  private cnt = new Uint8Array(0);
  private titleCnt = new Uint8Array(0);
  private fieldMask = new Uint8Array(0);
  private tokBest = new Float64Array(0);
  private tokMask = new Uint8Array(0);
  private tokField = new Uint8Array(0);
  private gramCnt = new Uint8Array(0);
  private gramAnd = new Uint8Array(0);
  private gramOr = new Uint8Array(0);
  private gramTf = new Uint8Array(0);
  private touched: number[] = [];
  private tokTouched: number[] = [];
  private matchedKeys = new Set<string>();
  /** Title subsequence scans are for short queries (one or two tokens) only. */
  private allowTitleScan = false;

  /** Number of indexed entries (sections and points). */
  get size(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.hi - f.lo;
    return n;
  }

  get fileCount(): number {
    return this.files.size;
  }

  has(fileId: string): boolean {
    return this.files.has(fileId);
  }

  /** Indexes a parsed note file, replacing its earlier version; other files are not touched. */
  updateFile(doc: NoteDocument, info: LookupFileInfo = {}): void {
    const old = this.files.get(doc.id);
    const bundled = !!info.bundled;
    if (old && old.doc === doc && old.bundled === bundled) return;
    if (old) this.dropFile(old);
    if (this.nextId + countEntries(doc) >= MAX_ENTRY_ID) this.renumber();
    const rec: FileRec = { id: doc.id, doc, bundled, seq: old ? old.seq : this.nextSeq++, rank: 0, lo: this.nextId, hi: this.nextId };
    this.files.set(doc.id, rec);
    this.indexFile(rec);
    this.orderDirty = true;
  }

  /** Removes a file's entries. Returns whether it was indexed. */
  removeFile(fileId: string): boolean {
    const rec = this.files.get(fileId);
    if (!rec) return false;
    this.dropFile(rec);
    this.files.delete(fileId);
    this.orderDirty = true;
    return true;
  }

  /** Makes the index query-ready (the first search after a change does it; callable ahead of time). */
  flush(): void {
    this.words.sorted();
    this.heads.sorted();
    this.acros.sorted();
    if (this.orderDirty) {
      this.ordered = [...this.files.values()].sort((a, b) => Number(b.bundled) - Number(a.bundled) || a.seq - b.seq);
      this.ordered.forEach((f, i) => (f.rank = i));
      this.orderDirty = false;
    }
  }

  /**
   * The best `limit` sections and points for a query, best first. Every query token has to match; only when no
   * entry matches them all do entries matching the most tokens come back, scored down. Empty query: sections in
   * document order.
   */
  search(query: string, limit = 50): LookupResult[] {
    this.flush();
    limit = Math.floor(limit);
    if (!(limit > 0)) return [];
    let tokens = parseQuery(query);
    if (!tokens.length) return this.browse(limit);
    const content = tokens.filter((t) => !(t.kind === 'latin' && STOP_WORDS.has(t.lower)));
    if (content.length) tokens = content;
    this.ensureScratch();
    this.matchedKeys = new Set();
    this.allowTitleScan = tokens.length <= 2;

    try {
      let n = 0;
      const evaluated: QueryToken[] = [];
      for (const t of tokens) {
        if (n >= MAX_QUERY_TOKENS) break;
        if (t.kind === 'cjk') {
          this.cjkToken(t);
        } else if (!this.latinToken(t) && t.compound) {
          // torch.nn.Foo or lr_wamrup_epochs with no whole match: each part on its own.
          for (const p of t.parts) {
            if (n >= MAX_QUERY_TOKENS || STOP_WORDS.has(p) || evaluated.some((e) => e.kind === 'latin' && e.lower === p)) continue;
            const part: LatinQueryToken = { kind: 'latin', raw: p, lower: p, parts: [p], suffixes: [], compound: false };
            this.latinToken(part);
            this.endToken();
            evaluated.push(part);
            n++;
          }
          continue;
        }
        this.endToken();
        evaluated.push(t);
        n++;
      }
      const candidates = this.collect(n, evaluated, query);
      const top = selectTop(candidates, limit, (a, b) => b.score - a.score || a.entry.file.rank - b.entry.file.rank || a.entry.pos - b.entry.pos);
      return top.map((c) => this.toResult(c.entry, c.score, this.fieldMask[c.id], evaluated));
    } finally {
      this.endToken();
      this.resetScratch();
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Indexing

  private indexFile(rec: FileRec): void {
    const doc = rec.doc;
    const text = doc.text;
    const terms = frontMatterTerms(doc);
    const starts = lineStarts(text);
    const lineEnd = (line: number) => (line + 1 < starts.length ? starts[line + 1] - 1 : text.length);
    let pos = 0;
    for (const section of doc.sections) {
      const sectionTerms = terms.sections.get(section.slug) ?? [];
      const sectionId = this.newEntry({ file: rec, pos: pos++, section, title: section.title, lead: '', terms: sectionTerms }, 0);
      this.indexShort(sectionId, section.title, TITLE);
      for (const term of sectionTerms) this.indexShort(sectionId, term, TERMS);
      let from = section.level === 0 ? section.startLine : section.startLine + 1;
      for (const point of section.points) {
        if (point.startLine > from) this.indexRange(sectionId, text, starts[from], lineEnd(point.startLine - 1));
        from = point.endLine + 1;
      }
      if (from <= section.bodyEndLine) this.indexRange(sectionId, text, starts[from], lineEnd(section.bodyEndLine));

      for (const point of section.points) {
        const lead = pointLead(point);
        const pointTerms = (terms.points.size && terms.points.get(`${section.slug}/${point.index}`)) || [];
        const id = this.newEntry({ file: rec, pos: pos++, section, point, title: lead || clip(point.summary, 80), lead, terms: pointTerms }, sectionId + 1);
        if (lead) this.indexShort(id, lead, LEAD);
        for (const term of pointTerms) this.indexShort(id, term, TERMS);
        this.indexRange(id, text, afterListMarker(text, starts[point.startLine]), lineEnd(point.endLine));
      }
    }
    if (!this.replaying) rec.hi = this.nextId;
  }

  private newEntry(entry: Entry, parent: number): number {
    if (this.replaying) return 0;
    const id = this.nextId++;
    this.entries[id] = entry;
    if (id >= this.parentOf.length) {
      const grown = new Int32Array(Math.max(1024, this.parentOf.length * 2));
      grown.set(this.parentOf);
      this.parentOf = grown;
    }
    this.parentOf[id] = parent;
    return id;
  }

  /** A title, lead or term (keys cached: a library repeats them). */
  private indexShort(id: number, s: string, field: number): void {
    const keys = shortKeys(s);
    for (const w of keys.words) {
      this.words.add(w, id, field);
      this.heads.add(w, id, field);
    }
    for (const g of keys.grams) this.addGram(g, id, field);
    for (const a of keys.acronyms) this.acros.add(a, id, field);
  }

  /**
   * Body text [from, to): scanText's tokenisation inlined (this is the hot loop of indexing), plain lower-case
   * words added as they are, stop words skipped, Markdown link targets and HTML tags skipped (`alt` text kept).
   */
  private indexRange(id: number, text: string, from: number, to: number): void {
    const words = this.words;
    let i = from;
    while (i < to) {
      const c = text.charCodeAt(i);
      if (isWordCode(c)) {
        const start = i;
        let plain = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
        let sawLetter = c >= 97;
        i++;
        for (;;) {
          while (i < to) {
            const d = text.charCodeAt(i);
            if (d >= 97 && d <= 122) sawLetter = true;
            else if (d >= 48 && d <= 57) {
              if (sawLetter) plain = false; // bn1
            } else if (isWordCode(d)) plain = false;
            else break;
            i++;
          }
          const d = text.charCodeAt(i);
          if ((d === 46 || d === 45) && i + 1 < to && isWordCode(text.charCodeAt(i + 1))) {
            plain = false;
            i++;
          } else break;
        }
        if (i - start > 64) continue;
        const raw = text.slice(start, i);
        if (plain) {
          if (!STOP_WORDS.has(raw)) words.add(raw, id, BODY);
        } else {
          for (const k of wordKeys(raw)) if (!STOP_WORDS.has(k)) words.add(k, id, BODY);
        }
      } else if (isCjkCode(c)) {
        let prev = cjkIndex(c);
        i++;
        if (i >= to || !isCjkCode(text.charCodeAt(i))) {
          this.addGram(prev, id, BODY);
          continue;
        }
        while (i < to) {
          const d = text.charCodeAt(i);
          if (!isCjkCode(d)) break;
          const cur = cjkIndex(d);
          this.addGram(prev * CJK_SPAN + cur, id, BODY);
          prev = cur;
          i++;
        }
      } else if (c === 60 /* < */) {
        const close = tagEnd(text, i, to);
        if (close < 0) {
          i++;
          continue;
        }
        const alt = altText(text, i, close);
        if (alt) this.indexRange(id, text, alt[0], alt[1]);
        i = close + 1;
      } else if (c === 93 /* ] */ && text.charCodeAt(i + 1) === 40 /* ( */) {
        const close = text.indexOf(')', i + 2);
        const nl = text.indexOf('\n', i + 2);
        i = close >= 0 && close < to && (nl < 0 || close < nl) ? close + 1 : i + 1;
      } else {
        i++;
      }
    }
  }

  private addGram(key: number, id: number, field: number): void {
    if (!this.grams.add(key, id, field) || key < CJK_SPAN) return;
    // A new bigram: remember it under both of its characters, for one-character queries.
    const a = Math.floor(key / CJK_SPAN);
    const b = key % CJK_SPAN;
    for (const ch of a === b ? [a] : [a, b]) {
      const l = this.charGrams.get(ch);
      if (l) l.push(key);
      else this.charGrams.set(ch, [key]);
    }
  }

  /** Splices a file's postings out of every list it is in (the lists are found by tokenising the file again). */
  private dropFile(rec: FileRec): void {
    const spaces = [this.words, this.heads, this.grams, this.acros] as KeySpace<string | number>[];
    for (const sp of spaces) sp.startCollecting();
    this.replaying = true;
    try {
      this.indexFile(rec);
    } finally {
      this.replaying = false;
    }
    for (const sp of spaces) sp.drop(sp.stopCollecting(), rec.lo, rec.hi);
    for (let id = rec.lo; id < rec.hi; id++) this.entries[id] = undefined;
  }

  /** Entry ids only grow; before they would overflow a posting, every file gets fresh, dense ids. */
  private renumber(): void {
    const all = [...this.files.values()].sort((a, b) => a.lo - b.lo);
    for (const rec of all) this.dropFile(rec);
    this.entries = [];
    this.nextId = 0;
    for (const rec of all) {
      rec.lo = rec.hi = this.nextId;
      this.indexFile(rec);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Querying

  private ensureScratch(): void {
    const need = this.nextId;
    if (this.acc.length >= need) return;
    const size = Math.max(1024, need + (need >>> 2));
    this.acc = new Float64Array(size);
    this.cnt = new Uint8Array(size);
    this.titleCnt = new Uint8Array(size);
    this.fieldMask = new Uint8Array(size);
    this.tokBest = new Float64Array(size);
    this.tokMask = new Uint8Array(size);
    this.tokField = new Uint8Array(size);
    this.gramCnt = new Uint8Array(size);
    this.gramAnd = new Uint8Array(size);
    this.gramOr = new Uint8Array(size);
    this.gramTf = new Uint8Array(size);
  }

  private resetScratch(): void {
    for (const e of this.touched) {
      this.acc[e] = 0;
      this.cnt[e] = 0;
      this.titleCnt[e] = 0;
      this.fieldMask[e] = 0;
    }
    this.touched = [];
  }

  /**
   * Adds a posting list to the current token at a match quality; per entry the best field counts. A point's text
   * is part of its section's body, so a match there also counts (as body) for the section.
   */
  private addList(list: readonly number[], quality: number, key: string): void {
    const { tokBest, tokMask, tokField, tokTouched, parentOf } = this;
    this.matchedKeys.add(key);
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      const e = p >>> 8;
      const code = p & 255;
      const s = quality * SCORE[code];
      const prev = tokBest[e];
      if (prev === 0) tokTouched.push(e);
      tokMask[e] |= code & 15;
      if (s > prev) {
        tokBest[e] = s;
        tokField[e] = BEST[code];
      }
      const parent = parentOf[e];
      if (parent !== 0 && code & (BODY | LEAD)) {
        const pe = parent - 1;
        const ps = quality * PARENT_SHARE * SCORE[(code & 0xf0) | BODY];
        const pprev = tokBest[pe];
        if (pprev === 0) tokTouched.push(pe);
        tokMask[pe] |= BODY;
        if (ps > pprev) {
          tokBest[pe] = ps;
          tokField[pe] = BODY;
        }
      }
    }
  }

  /** One entry's match for the current token. */
  private credit(e: number, s: number, field: number, mask: number): void {
    const prev = this.tokBest[e];
    if (prev === 0) this.tokTouched.push(e);
    this.tokMask[e] |= mask;
    if (s > prev) {
      this.tokBest[e] = s;
      this.tokField[e] = field;
    }
  }

  /** Folds the current token's best match per entry into the query's totals. */
  private endToken(): void {
    const { acc, cnt, titleCnt, fieldMask, tokBest, tokMask, tokField, touched } = this;
    for (const e of this.tokTouched) {
      acc[e] += tokBest[e];
      if (cnt[e] === 0) touched.push(e);
      cnt[e]++;
      if (tokField[e] === TITLE) titleCnt[e]++;
      fieldMask[e] |= tokMask[e];
      tokBest[e] = 0;
      tokMask[e] = 0;
      tokField[e] = 0;
    }
    this.tokTouched = [];
  }

  /** Exact, prefix, acronym and (when little else matched) typo-tolerant matches of a Latin token. */
  private latinToken(t: LatinQueryToken): boolean {
    if (!t.compound) {
      this.wordMatches(t.lower, Q_EXACT, true);
      if (/^[a-z]{2,8}$/.test(t.lower)) this.acronymMatches(t.lower);
      if (this.tokTouched.length < 10) this.fuzzyMatches(t.lower);
      if (!this.tokTouched.length && this.allowTitleScan) this.titleSubsequences(t.lower);
      return this.tokTouched.length > 0;
    }
    this.wordMatches(t.lower, Q_EXACT, t.lower.length >= 2);
    const joined = t.parts.join('');
    if (joined !== t.lower) this.wordMatches(joined, Q_JOINED, joined.length >= 3);
    t.suffixes.forEach((s, i) => this.wordMatches(s, Q_SUFFIX - 0.05 * i, false));
    if (!this.tokTouched.length) this.fuzzyMatches(joined);
    return this.tokTouched.length > 0;
  }

  /** The word itself, and words it is a prefix of (over headings and terms only when it is very short). */
  private wordMatches(w: string, quality: number, withPrefix: boolean): void {
    const exact = this.words.get(w);
    if (exact) this.addList(exact, quality, w);
    if (!withPrefix) return;
    const space = w.length <= SHORT_PREFIX ? this.heads : this.words;
    const vocab = space.sorted() as readonly string[];
    const [start, end] = prefixRange(vocab, w);
    // A short prefix spans much of the vocabulary; then keep the closest completions.
    const maxExtra = end - start > MAX_PREFIX_EXPANSIONS ? 3 : Infinity;
    let taken = 0;
    for (let i = start; i < end && taken < MAX_PREFIX_EXPANSIONS; i++) {
      const k = vocab[i];
      if (k === w || k.length - w.length > maxExtra) continue;
      const list = space.get(k);
      if (!list) continue;
      taken++;
      this.addList(list, quality * (Q_PREFIX_MIN + Q_PREFIX_SPAN * (w.length / k.length)), k);
    }
  }

  private acronymMatches(w: string): void {
    const exact = this.acros.get(w);
    if (exact) this.addList(exact, Q_ACRONYM, '\u0000' + w);
    const vocab = this.acros.sorted();
    const [start, end] = prefixRange(vocab, w);
    let taken = 0;
    for (let i = start; i < end && taken < MAX_ACRONYM_EXPANSIONS; i++) {
      const a = vocab[i];
      if (a === w) continue;
      const list = this.acros.get(a);
      if (!list) continue;
      taken++;
      this.addList(list, Q_ACRONYM_PREFIX, '\u0000' + a);
    }
  }

  /**
   * Words one edit away (two for longer words; a transposition counts once), or containing the query as a
   * subsequence. Scans only the vocabulary starting with the query's first letter, or its first two swapped.
   */
  private fuzzyMatches(w: string): void {
    if (w.length < 4 || !/[a-z]/.test(w)) return;
    const maxDist = w.length <= 5 ? 1 : 2;
    const vocab = this.words.sorted();
    const found: { key: string; q: number; size: number }[] = [];
    const scan = (prefix: string, subsequence: boolean) => {
      const [start, end] = prefixRange(vocab, prefix);
      for (let i = start; i < end; i++) {
        const k = vocab[i];
        const dl = k.length - w.length;
        let q = 0;
        if (dl >= -maxDist && dl <= maxDist) {
          const d = boundedEditDistance(w, k, maxDist);
          if (d === 1) q = Q_TYPO_1;
          else if (d === 2 && maxDist >= 2) q = Q_TYPO_2;
        }
        if (!q && subsequence && dl > 0 && k.length <= w.length * 2.5 && isSubsequence(w, k)) q = Q_SUBSEQ_MIN + Q_SUBSEQ_SPAN * (w.length / k.length);
        if (q) found.push({ key: k, q, size: this.words.get(k)?.length ?? 0 });
      }
    };
    scan(w[0], true);
    if (w[1] !== w[0]) scan(w[1] + w[0], false);
    found.sort((a, b) => b.q - a.q || b.size - a.size);
    for (const f of found.slice(0, MAX_FUZZY_EXPANSIONS)) {
      const list = this.words.get(f.key);
      if (list) this.addList(list, f.q, f.key);
    }
  }

  /**
   * The last resort for a Latin token that matched no word: titles (and point leads) that contain it as a
   * subsequence starting at a word, the way an editor's fuzzy file finder matches `lrwarm` to "Learning Rate
   * warming up". A scan of the titles, so it only runs when nothing else matched.
   */
  private titleSubsequences(w: string): void {
    if (w.length < 3) return;
    // Candidates: titles and leads with a word starting with the query's first letter.
    const vocab = this.heads.sorted() as readonly string[];
    const [start, end] = prefixRange(vocab, w[0]);
    const seen = this.gramCnt;
    const marked: number[] = [];
    for (let i = start; i < end; i++) {
      const list = this.heads.get(vocab[i]);
      if (!list) continue;
      for (const p of list) {
        if (!(p & (TITLE | LEAD))) continue;
        const e = p >>> 8;
        if (seen[e]) continue;
        seen[e] = 1;
        marked.push(e);
        const entry = this.entries[e];
        if (!entry) continue;
        const q = subsequenceQuality(w, (entry.titleLower ??= entry.title.toLowerCase()));
        const field = entry.point ? LEAD : TITLE;
        if (q > 0) this.credit(e, q * (entry.point ? WEIGHT_LEAD : WEIGHT_TITLE), field, field);
      }
    }
    for (const e of marked) seen[e] = 0;
  }

  /**
   * A CJK run matches where it occurs as a substring: entries holding all of its bigrams, verified per field. A
   * lone character matches through every bigram that contains it.
   */
  private cjkToken(t: CjkQueryToken): void {
    this.matchedKeys.add(t.raw);
    if (t.raw.length === 1) {
      const ch = t.grams[0];
      const own = this.grams.get(ch);
      if (own) this.addList(own, Q_CJK_CHAR, t.raw);
      const grams = this.charGrams.get(ch);
      if (grams) {
        const live = grams.filter((g) => this.grams.map.has(g));
        if (live.length !== grams.length) this.charGrams.set(ch, live);
        for (const g of live) this.addList(this.grams.get(g)!, Q_CJK_CHAR, t.raw);
      }
      return;
    }
    const lists: number[][] = [];
    for (const g of t.grams) {
      const l = this.grams.get(g);
      if (!l) return;
      lists.push(l);
    }
    if (lists.length === 1) {
      this.addList(lists[0], Q_EXACT, t.raw);
      return;
    }
    lists.sort((a, b) => a.length - b.length);
    const { gramCnt, gramAnd, gramOr, gramTf } = this;
    const first = lists[0];
    for (const p of first) {
      const e = p >>> 8;
      gramCnt[e] = 1;
      gramAnd[e] = p & 15;
      gramOr[e] = p & 15;
      gramTf[e] = (p >>> 4) & 15;
    }
    for (let gi = 1; gi < lists.length; gi++) {
      for (const p of lists[gi]) {
        const e = p >>> 8;
        if (gramCnt[e] !== gi) continue;
        gramCnt[e] = gi + 1;
        gramAnd[e] &= p & 15;
        gramOr[e] |= p & 15;
        gramTf[e] = Math.min(gramTf[e], (p >>> 4) & 15);
      }
    }
    const need = lists.length;
    for (const p of first) {
      const e = p >>> 8;
      if (gramCnt[e] === need) {
        const entry = this.entries[e];
        if (entry) {
          // All bigrams can occur without the run: keep the fields that really contain it.
          let mask = 0;
          const and = gramAnd[e];
          if (and & TITLE && entry.title.includes(t.raw)) mask |= TITLE;
          if (and & LEAD && entry.lead.includes(t.raw)) mask |= LEAD;
          if (and & TERMS && entry.terms.some((x) => x.includes(t.raw))) mask |= TERMS;
          if (and & BODY && (entry.point ? entry.point.markdown : entry.section.body).includes(t.raw)) mask |= BODY;
          const code = (gramTf[e] << 4) | (mask || gramOr[e]);
          const q = mask ? Q_EXACT : Q_CJK_SCATTERED;
          this.credit(e, q * SCORE[code], BEST[code], mask || gramOr[e]);
          const parent = this.parentOf[e];
          if (parent !== 0 && code & (BODY | LEAD)) this.credit(parent - 1, q * PARENT_SHARE * SCORE[(code & 0xf0) | BODY], BODY, BODY);
        }
      }
      gramCnt[e] = 0;
      gramAnd[e] = 0;
      gramOr[e] = 0;
      gramTf[e] = 0;
    }
  }

  /** Entries that matched every token (or, if none did, the most tokens), with ranking bonuses. */
  private collect(n: number, tokens: QueryToken[], query: string): Candidate[] {
    const { acc, cnt, titleCnt } = this;
    let need = n;
    let any = false;
    let most = 0;
    for (const e of this.touched) {
      if (cnt[e] === n) {
        any = true;
        break;
      }
      if (cnt[e] > most) most = cnt[e];
    }
    if (!any) {
      if (n <= 1 || most === 0) return [];
      need = most;
    }
    const partial = need / n;
    const qChars = tokens.reduce((s, t) => s + t.raw.length, 0);
    const phrase = n > 1 ? query.trim().toLowerCase().replace(/\s+/g, ' ') : '';
    const out: Candidate[] = [];
    for (const e of this.touched) {
      if (cnt[e] !== need) continue;
      const entry = this.entries[e];
      if (!entry) continue;
      let score = acc[e] * partial;
      if (titleCnt[e] === need) {
        // The query covers much of the title: "FPN" ranks "FPN" above "FPN training tricks" (scaled by how well
        // the title matched, so that a typo does not gain as much as the exact word).
        entry.titleChars ??= countTextChars(entry.title);
        if (entry.titleChars > 0) score += 3 * Math.min(1, qChars / entry.titleChars) * Math.min(1, acc[e] / (need * WEIGHT_TITLE));
        if (phrase && (entry.titleLower ??= entry.title.toLowerCase()).includes(phrase)) score += 2;
      } else if (phrase && entry.lead && entry.lead.toLowerCase().includes(phrase)) score += 2;
      if (!entry.point) score += 0.3;
      out.push({ id: e, entry, score });
    }
    return out;
  }

  private toResult(entry: Entry, score: number, mask: number, tokens: QueryToken[]): LookupResult {
    const r = this.describe(entry);
    r.score = Math.round(score * 1000) / 1000;
    r.fields = FIELD_NAMES.filter(([bit]) => mask & bit).map(([, name]) => name);
    r.matchedTerms = entry.terms.filter((term) => this.termMatched(term));
    r.titleHighlights = highlight(entry.title, tokens, this.matchedKeys);
    return r;
  }

  private describe(entry: Entry): LookupResult {
    const { section, point } = entry;
    const breadcrumb = sectionBreadcrumb(entry.file.doc, section);
    if (point) breadcrumb.push(section.title);
    const r: LookupResult = {
      file: entry.file.id,
      slug: section.slug,
      title: entry.title,
      breadcrumb,
      firstLine: point ? clip(point.summary, 200) : firstTextLine(section.body),
      line: point ? point.startLine : section.startLine,
      score: 0,
      fields: [],
      matchedTerms: [],
      titleHighlights: [],
    };
    if (point) r.point = point.index;
    return r;
  }

  private termMatched(term: string): boolean {
    let hit = false;
    scanText(term, {
      word: (raw) => {
        if (!hit) hit = wordKeys(raw).some((k) => this.matchedKeys.has(k));
      },
      cjk: (text, start, end) => {
        const run = text.slice(start, end);
        if (!hit) hit = [...this.matchedKeys].some((k) => run.includes(k));
      },
    });
    return hit || acronymsOf(term).some((a) => this.matchedKeys.has('\u0000' + a));
  }

  /** A section as a result (score 0), for lists made outside the index (the sections with a tag). */
  describeSection(fileId: string, slug: string): LookupResult | undefined {
    this.flush();
    const rec = this.files.get(fileId);
    if (!rec) return undefined;
    for (let id = rec.lo; id < rec.hi; id++) {
      const entry = this.entries[id];
      if (entry && !entry.point && entry.section.slug === slug) return this.describe(entry);
    }
    return undefined;
  }

  private browse(limit: number): LookupResult[] {
    const out: LookupResult[] = [];
    for (const rec of this.ordered) {
      for (let id = rec.lo; id < rec.hi && out.length < limit; id++) {
        const entry = this.entries[id];
        if (entry && !entry.point) out.push(this.describe(entry));
      }
      if (out.length >= limit) break;
    }
    return out;
  }
}

/**
 * How well `q` matches `title` as a subsequence that starts at a word and consumes the rest in order: 0 when it
 * does not, up to Q_SUBSEQ_MIN + Q_SUBSEQ_SPAN when every matched character starts a word or continues a run.
 */
function subsequenceQuality(q: string, title: string): number {
  let start = -1;
  for (let i = title.indexOf(q[0]); i >= 0; i = title.indexOf(q[0], i + 1)) {
    if (i === 0 || !isWordCode(title.charCodeAt(i - 1))) {
      start = i;
      break;
    }
  }
  if (start < 0) return 0;
  let j = 0;
  let good = 0;
  let prev = -2;
  for (let i = start; i < title.length && j < q.length; i++) {
    if (title.charCodeAt(i) !== q.charCodeAt(j)) continue;
    if (i === prev + 1 || i === 0 || !isWordCode(title.charCodeAt(i - 1))) good++;
    prev = i;
    j++;
  }
  if (j < q.length) return 0;
  return Q_SUBSEQ_MIN + Q_SUBSEQ_SPAN * (good / q.length);
}

/** The best `k` items by `cmp` (a full sort when that is cheap, a bounded heap otherwise). */
function selectTop<T>(items: T[], k: number, cmp: (a: T, b: T) => number): T[] {
  if (items.length <= k * 4) return items.sort(cmp).slice(0, k);
  // Max-heap on "worst first" keeps the k best.
  const heap: T[] = [];
  const worse = (a: T, b: T) => cmp(a, b) > 0;
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l], heap[m])) m = l;
      if (r < heap.length && worse(heap[r], heap[m])) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (const it of items) {
    if (heap.length < k) {
      heap.push(it);
      up(heap.length - 1);
    } else if (cmp(it, heap[0]) < 0) {
      heap[0] = it;
      down(0);
    }
  }
  return heap.sort(cmp);
}
