import type { Entry, IndexStore } from './indexStore';
import { describeEntry } from './indexStore';
import { highlight } from './highlight';
import { BODY, LEAD, TERMS, TITLE, type Postings } from './postings';
import {
  STOP_WORDS,
  acronymsOf,
  boundedEditDistance,
  isSubsequence,
  isWordCode,
  prefixRange,
  scanText,
  wordKeys,
  type CjkQueryToken,
  type LatinQueryToken,
  type QueryToken,
} from './tokenize';
import type { LookupField, LookupResult } from './types';

/**
 * Ranking a query over the lookup index: each token's matches (exact, prefix, acronym, typo, subsequence, CJK runs)
 * per entry, folded into totals; the entries matching every token (or, failing that, the most) ranked by field
 * weight and match quality. Scratch arrays indexed by entry id are kept between queries.
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

interface Candidate {
  id: number;
  entry: Entry;
  score: number;
}

export class LookupQuery {
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

  constructor(private readonly store: IndexStore) {}

  /** The best `limit` entries for the tokens of a non-empty query (see LookupIndex.search). */
  run(query: string, tokensIn: QueryToken[], limit: number): LookupResult[] {
    let tokens = tokensIn;
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
      // Within a file, entry ids are in document order.
      const top = selectTop(candidates, limit, (a, b) => b.score - a.score || a.entry.file.rank - b.entry.file.rank || a.id - b.id);
      return top.map((c) => this.toResult(c.entry, c.score, this.fieldMask[c.id], evaluated));
    } finally {
      this.endToken();
      this.resetScratch();
    }
  }

  private ensureScratch(): void {
    const need = this.store.nextId;
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
  private addList(list: Postings, quality: number, key: string): void {
    const { tokBest, tokMask, tokField, tokTouched } = this;
    const parentOf = this.store.parentOf;
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
    const exact = this.store.words.get(w);
    if (exact) this.addList(exact, quality, w);
    if (!withPrefix) return;
    const space = w.length <= SHORT_PREFIX ? this.store.heads : this.store.words;
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
    const exact = this.store.acros.get(w);
    if (exact) this.addList(exact, Q_ACRONYM, '\u0000' + w);
    const vocab = this.store.acros.sorted();
    const [start, end] = prefixRange(vocab, w);
    let taken = 0;
    for (let i = start; i < end && taken < MAX_ACRONYM_EXPANSIONS; i++) {
      const a = vocab[i];
      if (a === w) continue;
      const list = this.store.acros.get(a);
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
    const vocab = this.store.words.sorted();
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
        if (q) found.push({ key: k, q, size: this.store.words.get(k)?.length ?? 0 });
      }
    };
    scan(w[0], true);
    if (w[1] !== w[0]) scan(w[1] + w[0], false);
    found.sort((a, b) => b.q - a.q || b.size - a.size);
    for (const f of found.slice(0, MAX_FUZZY_EXPANSIONS)) {
      const list = this.store.words.get(f.key);
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
    const vocab = this.store.heads.sorted() as readonly string[];
    const [start, end] = prefixRange(vocab, w[0]);
    const seen = this.gramCnt;
    const marked: number[] = [];
    for (let i = start; i < end; i++) {
      const list = this.store.heads.get(vocab[i]);
      if (!list) continue;
      for (const p of list) {
        if (!(p & (TITLE | LEAD))) continue;
        const e = p >>> 8;
        if (seen[e]) continue;
        seen[e] = 1;
        marked.push(e);
        const entry = this.store.entry(e);
        if (!entry) continue;
        const q = subsequenceQuality(w, entry.titleLower);
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
      const own = this.store.grams.get(ch);
      if (own) this.addList(own, Q_CJK_CHAR, t.raw);
      const grams = this.store.charGrams.get(ch);
      if (grams) {
        const live = grams.filter((g) => this.store.grams.has(g));
        if (live.length !== grams.length) this.store.charGrams.set(ch, live);
        for (const g of live) this.addList(this.store.grams.get(g)!, Q_CJK_CHAR, t.raw);
      }
      return;
    }
    const lists: Postings[] = [];
    for (const g of t.grams) {
      const l = this.store.grams.get(g);
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
        const entry = this.store.entry(e);
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
          const parent = this.store.parentOf[e];
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
      const entry = this.store.entry(e);
      if (!entry) continue;
      let score = acc[e] * partial;
      if (titleCnt[e] === need) {
        // The query covers much of the title: "FPN" ranks "FPN" above "FPN training tricks" (scaled by how well
        // the title matched, so that a typo does not gain as much as the exact word).
        const titleChars = entry.titleChars;
        if (titleChars > 0) score += 3 * Math.min(1, qChars / titleChars) * Math.min(1, acc[e] / (need * WEIGHT_TITLE));
        if (phrase && entry.titleLower.includes(phrase)) score += 2;
      } else if (phrase && entry.lead && entry.lead.toLowerCase().includes(phrase)) score += 2;
      if (!entry.point) score += 0.3;
      out.push({ id: e, entry, score });
    }
    return out;
  }

  private toResult(entry: Entry, score: number, mask: number, tokens: QueryToken[]): LookupResult {
    const r = describeEntry(entry);
    r.score = Math.round(score * 1000) / 1000;
    r.fields = FIELD_NAMES.filter(([bit]) => mask & bit).map(([, name]) => name);
    r.matchedTerms = entry.terms.filter((term) => this.termMatched(term));
    r.titleHighlights = highlight(entry.title, tokens, this.matchedKeys);
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

