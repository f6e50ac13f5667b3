import type { NoteDocument, NotePoint, NoteSection } from '../notes/types';
import { afterListMarker, altText, clip, countTextChars, firstTextLine, frontMatterTerms, pointLead, pointTitle, sectionBreadcrumb, tagEnd } from './entries';
import { lineStartsOf } from '../notes/parse';
import { FieldView } from './fieldView';
import { objectArray } from '../arrays';
import { HASH_SEED, hashStep } from '../keyTable';
import { BODY, KeySpace, LEAD, TERMS, TITLE } from './postings';
import { CHAR_CLASS, CH_CJK, CH_CLOSE_BRACKET, CH_DIGIT, CH_LOWER, CH_LT, CH_WORD, CJK_INDEX, CJK_SPAN, STOP_WORDS, shortKeys, wordKeys } from './tokenize';
import type { LookupResult } from './types';

/*
 * What the lookup index holds, and how a note file gets into it: entries (a section, or one point of a section) with
 * integer ids, allocated in increasing order file by file, and three key spaces of posting lists (see postings.ts).
 * Replacing or removing a file splices its postings out of the lists it touched; nothing else is rebuilt.
 *
 * Key spaces: `words` (Latin words and identifier parts from every field, with a sorted vocabulary for prefix
 * ranges and typo scans), `grams` (CJK bigrams and lone characters) and `acros` (initials of titles and terms, so
 * `lrw` finds "Learning Rate warming up"). `heads` reads the words of titles, point leads and terms alone out of
 * `words` (see FieldView), so that a one- or two-letter prefix expands over headings rather than every body word.
 *
 * A section's own text excludes its points; a point's body match also counts as a body match of its section.
 */

export interface FileRec {
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
  /** The front-matter terms of its sections and points, once an entry of the file is made (see IndexStore.entry). */
  terms?: ReturnType<typeof frontMatterTerms>;
  /** Its entries made so far, by id − lo (see IndexStore.entry): none until a query reaches one. */
  made?: (Entry | undefined)[];
}

/** The fields whose words `heads` reads. */
const HEAD_FIELDS = TITLE | LEAD | TERMS;

/** The terms of an entry that has none (one array for all of them). */
const NO_TERMS: readonly string[] = Object.freeze([]);

/** An entry's title as queries rank it: made when a query first reaches the entry (most never are). */
interface EntryTitle {
  text: string;
  lower?: string;
  /** Word and CJK characters. */
  chars?: number;
}

/**
 * One section or point of a note. A point's title (its lead-in, or its first words) is made when first asked. An index
 * holds one per section and point of every note: each field costs 8 bytes a hundred thousand times.
 */
export class Entry {
  private shown?: EntryTitle;
  constructor(
    readonly file: FileRec,
    readonly section: NoteSection,
    readonly point: NotePoint | undefined,
    readonly lead: string,
    readonly terms: readonly string[],
  ) {}

  get title(): string {
    return this.titled().text;
  }

  get titleLower(): string {
    const t = this.titled();
    return (t.lower ??= t.text.toLowerCase());
  }

  get titleChars(): number {
    const t = this.titled();
    return (t.chars ??= countTextChars(t.text));
  }

  private titled(): EntryTitle {
    return (this.shown ??= { text: this.point ? this.lead || pointTitle(this.point.summary) : this.section.title });
  }
}

/**
 * Key ids of a title, lead or term in each key space (cached: a library repeats its headings), in one array: how many
 * word ids, how many gram ids, then the word, gram and acronym ids.
 */
type ShortIds = number[];

export class IndexStore {
  readonly files = new Map<string, FileRec>();
  /**
   * The indexed files with entries, in the order of their ids (a file's entries are ids [lo, hi), handed out in
   * increasing order): an entry's file is found by bisection, with no per-entry array of files.
   */
  private byId: FileRec[] = objectArray();
  /**
   * Per entry id: the index of its section in the file. The Entry object is made when a query first reaches the entry
   * (see `entry`): most never are, and a hundred thousand objects made while indexing only to be kept were a good part
   * of the time indexing spent collecting garbage.
   */
  private sectionIndex = new Int32Array(0);
  /**
   * For a point: its section's entry id + 1; 0 for a section. A section's points have the ids after its own, in order:
   * point i (from 0) of the section with id s has id s + 1 + i, so i is id − parentOf[id].
   */
  parentOf = new Int32Array(0);
  nextId = 0;
  nextSeq = 0;
  /** True while a file is tokenised again to find the lists its postings are in. */
  private replaying = false;

  readonly words = new KeySpace<string>(true, STOP_WORDS, HEAD_FIELDS);
  readonly heads = new FieldView(this.words, HEAD_FIELDS);
  readonly grams = new KeySpace<number>(false);
  readonly acros = new KeySpace<string>(true);
  /** CJK character index → keys of the bigrams containing it (may name bigrams since removed). */
  readonly charGrams = new Map<number, number[]>();
  /** Identifier-like body words (`warmup_epochs`, `BatchNorm2d`) → their word key ids, stop words left out. */
  private readonly tokens = new KeySpace<string>(false);
  private tokenIds: (number[] | undefined)[] = objectArray();
  private readonly shortIds = new Map<string, ShortIds>();

  indexFile(rec: FileRec): void {
    const doc = rec.doc;
    const text = doc.text;
    const terms = frontMatterTerms(doc);
    const starts = lineStartsOf(doc);
    const lineEnd = (line: number) => (line + 1 < starts.length ? starts[line + 1] - 1 : text.length);
    const sections = doc.sections;
    for (let si = 0; si < sections.length; si++) {
      const section = sections[si];
      const points = section.points;
      const sectionTerms = (terms.sections.size && terms.sections.get(section)) || NO_TERMS;
      const sectionId = this.newEntry(rec, si, 0);
      this.indexShort(sectionId, section.title, TITLE);
      for (let t = 0; t < sectionTerms.length; t++) this.indexShort(sectionId, sectionTerms[t], TERMS);
      let from = section.level === 0 ? section.startLine : section.startLine + 1;
      for (let pi = 0; pi < points.length; pi++) {
        const point = points[pi];
        if (point.startLine > from) this.indexRange(sectionId, text, starts[from], lineEnd(point.startLine - 1));
        from = point.endLine + 1;
      }
      if (from <= section.bodyEndLine) this.indexRange(sectionId, text, starts[from], lineEnd(section.bodyEndLine));

      for (let pi = 0; pi < points.length; pi++) {
        const point = points[pi];
        const lead = pointLead(point);
        const pointTerms = (terms.points.size && terms.points.get(point)) || NO_TERMS;
        const id = this.newEntry(rec, si, sectionId + 1);
        if (lead) this.indexShort(id, lead, LEAD);
        for (let t = 0; t < pointTerms.length; t++) this.indexShort(id, pointTerms[t], TERMS);
        this.indexRange(id, text, afterListMarker(text, starts[point.startLine]), lineEnd(point.endLine));
      }
    }
    if (this.replaying) return;
    rec.hi = this.nextId;
    if (rec.hi > rec.lo) this.byId.push(rec);
  }

  private newEntry(rec: FileRec, section: number, parent: number): number {
    if (this.replaying) return 0;
    const id = this.nextId++;
    if (id >= this.parentOf.length) {
      const n = Math.max(1024, this.parentOf.length * 2);
      this.parentOf = grown(this.parentOf, n);
      this.sectionIndex = grown(this.sectionIndex, n);
    }
    this.parentOf[id] = parent;
    this.sectionIndex[id] = section;
    return id;
  }

  /** The entry with this id (made when first asked), or undefined when its file was removed. */
  entry(id: number): Entry | undefined {
    const rec = this.fileOf(id);
    if (!rec) return undefined;
    const made = (rec.made ??= new Array(rec.hi - rec.lo));
    const known = made[id - rec.lo];
    if (known) return known;
    const section = rec.doc.sections[this.sectionIndex[id]];
    const parent = this.parentOf[id];
    const p = parent === 0 ? -1 : id - parent;
    const terms = (rec.terms ??= frontMatterTerms(rec.doc));
    let entry: Entry;
    if (p < 0) entry = new Entry(rec, section, undefined, '', (terms.sections.size && terms.sections.get(section)) || NO_TERMS);
    else {
      const point = section.points[p];
      entry = new Entry(rec, section, point, pointLead(point), (terms.points.size && terms.points.get(point)) || NO_TERMS);
    }
    made[id - rec.lo] = entry;
    return entry;
  }

  /** The indexed file that entry `id` is of, or undefined when its file was dropped. */
  private fileOf(id: number): FileRec | undefined {
    const files = this.byId;
    let lo = 0;
    let hi = files.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (files[mid].hi <= id) lo = mid + 1;
      else hi = mid;
    }
    const rec = files[lo];
    return rec && rec.lo <= id ? rec : undefined;
  }

  /** A title, lead or term. */
  private indexShort(id: number, s: string, field: number): void {
    let ids = this.shortIds.get(s);
    if (!ids) {
      const keys = shortKeys(s);
      // Made at its length (an array grown by push keeps room to spare, and there is one per distinct string).
      ids = new Array<number>(2 + keys.words.length + keys.grams.length + keys.acronyms.length);
      ids[0] = keys.words.length;
      ids[1] = keys.grams.length;
      let k = 2;
      for (const w of keys.words) ids[k++] = this.words.idOf(w);
      for (const g of keys.grams) ids[k++] = this.grams.idOf(g);
      for (const a of keys.acronyms) ids[k++] = this.acros.idOf(a);
      if (this.shortIds.size >= 100_000) this.shortIds.clear();
      this.shortIds.set(s, ids);
    }
    const { words, acros } = this;
    const wordsEnd = 2 + ids[0];
    const gramsEnd = wordsEnd + ids[1];
    let i = 2;
    for (; i < wordsEnd; i++) words.postId(ids[i], id, field);
    for (; i < gramsEnd; i++) this.postGram(ids[i], id, field);
    for (; i < ids.length; i++) acros.postId(ids[i], id, field);
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
      const k = CHAR_CLASS[c];
      if (k === CH_LOWER || k === CH_DIGIT || k === CH_WORD) {
        const start = i;
        let plain = k !== CH_WORD;
        // Only matters while the word is plain: a digit after a letter makes it not (bn1).
        let sawLetter = k === CH_LOWER;
        // The word's hash, accumulated as it is scanned (see KeySpace.addText): a plain word is never cut out.
        let h = hashStep(HASH_SEED, c);
        i++;
        for (;;) {
          while (i < to) {
            const d = text.charCodeAt(i);
            const e = CHAR_CLASS[d];
            if (e === CH_LOWER) sawLetter = true;
            else if (e === CH_DIGIT) {
              if (sawLetter) plain = false; // bn1
            } else if (e === CH_WORD) plain = false;
            else break;
            h = hashStep(h, d);
            i++;
          }
          const d = text.charCodeAt(i);
          if ((d === 46 || d === 45) && i + 1 < to && isWordClass(CHAR_CLASS[text.charCodeAt(i + 1)])) {
            plain = false;
            h = hashStep(h, d);
            i++;
          } else break;
        }
        if (i - start > 64) continue;
        if (plain) words.addText(text, start, i, h, id, BODY);
        else {
          const keys = this.tokenKeys(text, start, i, h);
          for (let j = 0; j < keys.length; j++) words.postId(keys[j], id, BODY);
        }
      } else if (k === CH_CJK) {
        let prev = CJK_INDEX[c];
        i++;
        if (i >= to || CJK_INDEX[text.charCodeAt(i)] === 0) {
          this.postGram(this.grams.numberId(prev), id, BODY);
          continue;
        }
        while (i < to) {
          const cur = CJK_INDEX[text.charCodeAt(i)]; // 0: not a CJK character
          if (cur === 0) break;
          this.postGram(this.grams.numberId(prev * CJK_SPAN + cur), id, BODY);
          prev = cur;
          i++;
        }
      } else if (k === CH_LT) {
        const close = tagEnd(text, i, to);
        if (close < 0) {
          i++;
          continue;
        }
        const alt = altText(text, i, close);
        if (alt) this.indexRange(id, text, alt[0], alt[1]);
        i = close + 1;
      } else if (k === CH_CLOSE_BRACKET && text.charCodeAt(i + 1) === 40 /* ( */) {
        const close = text.indexOf(')', i + 2);
        const nl = text.indexOf('\n', i + 2);
        i = close >= 0 && close < to && (nl < 0 || close < nl) ? close + 1 : i + 1;
      } else {
        i++;
      }
    }
  }

  /** The word key ids of an identifier-like token text[start, end) (hash: its characters'), computed once per token. */
  private tokenKeys(text: string, start: number, end: number, hash: number): number[] {
    const t = this.tokens.internText(text, start, end, hash);
    let ids = this.tokenIds[t];
    if (!ids) {
      ids = [];
      for (const k of wordKeys(this.tokens.keyOf(t))) if (!STOP_WORDS.has(k)) ids.push(this.words.idOf(k));
      this.tokenIds[t] = ids;
    }
    return ids;
  }

  /** Posts a CJK gram (by key id); a bigram new to the index is filed under both of its characters. */
  private postGram(k: number, id: number, field: number): void {
    if (!this.grams.postId(k, id, field)) return;
    const key = this.grams.keyOf(k);
    if (key < CJK_SPAN) return;
    const a = Math.floor(key / CJK_SPAN);
    const b = key % CJK_SPAN;
    for (const ch of a === b ? [a] : [a, b]) {
      const l = this.charGrams.get(ch);
      if (l) l.push(key);
      else this.charGrams.set(ch, [key]);
    }
  }

  /** The key spaces that hold postings of entries. */
  private get postingSpaces(): KeySpace<string | number>[] {
    return [this.words, this.grams, this.acros] as KeySpace<string | number>[];
  }

  /** Packs the posting lists changed since the last call (see KeySpace.pack). */
  pack(): void {
    for (const sp of this.postingSpaces) sp.pack();
  }

  /** Packs the changed lists of one key space (the first with any); false when none was left to pack. */
  packOne(): boolean {
    const sp = this.postingSpaces.find((s) => s.unpacked);
    sp?.pack();
    return !!sp;
  }

  /** Splices a file's postings out of every list it is in (the lists are found by tokenising the file again). */
  dropFile(rec: FileRec): void {
    const spaces = this.postingSpaces;
    for (const sp of spaces) sp.startCollecting();
    this.replaying = true;
    try {
      this.indexFile(rec);
    } finally {
      this.replaying = false;
    }
    for (const sp of spaces) sp.drop(sp.stopCollecting(), rec.lo, rec.hi);
    const at = this.byId.indexOf(rec);
    if (at >= 0) this.byId.splice(at, 1);
    rec.made = undefined;
  }


  /** Entry ids only grow; before they would overflow a posting, every file gets fresh, dense ids. */
  renumber(): void {
    const all = [...this.files.values()].sort((a, b) => a.lo - b.lo);
    for (const rec of all) this.dropFile(rec);
    this.byId = objectArray();
    this.nextId = 0;
    for (const rec of all) {
      rec.lo = rec.hi = this.nextId;
      this.indexFile(rec);
    }
  }

}

/** A word character's class (see CHAR_CLASS). */
function isWordClass(k: number): boolean {
  return k === CH_LOWER || k === CH_DIGIT || k === CH_WORD;
}

/** `a` copied into a new array of length n. */
function grown(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(n);
  out.set(a);
  return out;
}

/** An entry as a result (score 0, no matched fields). */
export function describeEntry(entry: Entry): LookupResult {
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
