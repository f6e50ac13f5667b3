import { joinKey, splitIdentifier, subJoins } from './identifiers';
import { memoize } from '../memo';

/** What a term points at: a section (and maybe one point) of a note file. */
export interface TermTarget {
  file: string;
  slug: string;
  point?: number;
}

export interface TermEntry {
  term: string;
  target: TermTarget;
  /** Front matter terms are declared by the author (+), heading words are inferred. */
  source: 'frontMatter' | 'heading';
}

/** The code around the cursor, as far as term resolution needs it. */
export interface CodeToken {
  /** Dotted chain up to and including the hovered identifier: `torch.nn.BatchNorm2d` → [torch, nn, BatchNorm2d]. */
  chain: string[];
  /** When the identifier is a keyword argument (`bias=` …), the callee chain of the enclosing call. */
  keywordOf?: string[];
}

export interface TermMatch {
  target: TermTarget;
  term: string;
  score: number;
}

type Kind = 'qualified' | 'keyword' | 'class' | 'word' | 'prefix';

/** What a term is, whatever note it is in: compiled once per term text and shared by its entries. */
interface Shape {
  term: string;
  kind: Kind;
  /** qualified: lower-case segments; keyword: [calleePattern, kw]; class: the name's parts. */
  segments: string[];
  key: string;
  /** What the folded text of an identifier this entry matches always contains (see foldKey). */
  needle: string;
}

/** A term of one file, with the text every identifier it can match contains once folded (see foldKey). */
export interface TermNeedle {
  term: string;
  target: TermTarget;
  source: TermEntry['source'];
  needle: string;
}

interface Compiled {
  shape: Shape;
  /** One object per target within a file (entries of the same section or point share it). */
  target: TermTarget;
  source: TermEntry['source'];
  /** The score bonus of the entry's source and target. */
  bonus: number;
  /** Where its file ranks among the files with equal scores: the order the files were first added. */
  ordinal: number;
}

/** The score bonuses an entry can carry (front matter +5, a point +2), best first: a bucket each. */
const BONUSES = [7, 5, 2, 0];

/**
 * The entries under one key, bucketed by bonus. Every entry of a bucket scores the same for a given kind of match,
 * so resolving a token walks whole buckets best first and stops at the limit, however common the key is.
 */
const NONE: Compiled[] = [];

class Bucket {
  readonly byBonus: Compiled[][] = [NONE, NONE, NONE, NONE];
  /** Per list of byBonus: the ordinal of its last entry, while it has one (read without reaching that entry). */
  private readonly lastOrdinal = [-1, -1, -1, -1];
  /** Adds an entry after those of files added before its file (usually at the end: files come in order). */
  add(c: Compiled): void {
    const i = bonusIndex(c.bonus);
    const l = this.byBonus[i];
    if (l === NONE) {
      this.byBonus[i] = [c];
      this.lastOrdinal[i] = c.ordinal;
    } else if (!l.length || this.lastOrdinal[i] <= c.ordinal) {
      // (a list emptied by dropFile is not NONE)
      l.push(c);
      this.lastOrdinal[i] = c.ordinal;
    } else l.splice(firstAfter(l, c.ordinal), 0, c);
  }
  /**
   * Drops a file's entries (those of rank `ordinal`: a list is in rank order, so they are one run, found by bisection);
   * true when the bucket is left empty.
   */
  dropFile(ordinal: number): boolean {
    let left = 0;
    for (let i = 0; i < 4; i++) {
      const l = this.byBonus[i];
      if (l.length) {
        const from = firstAfter(l, ordinal - 1);
        const to = firstAfter(l, ordinal);
        if (to > from) {
          l.splice(from, to - from);
          if (l.length) this.lastOrdinal[i] = l[l.length - 1].ordinal;
        }
      }
      left += l.length;
    }
    return left === 0;
  }
}

/** The bucket of a bonus (its index in BONUSES). */
function bonusIndex(bonus: number): number {
  return bonus === 7 ? 0 : bonus === 5 ? 1 : bonus === 2 ? 2 : 3;
}

/** The index of the first entry of `l` (in rank order) ranked after `ordinal`. */
function firstAfter(l: readonly Compiled[], ordinal: number): number {
  let lo = 0;
  let hi = l.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (l[mid].ordinal <= ordinal) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A run of entries that all score `score` (one bonus bucket of one key), with an optional per-entry check. */
interface Group {
  score: number;
  list: Compiled[];
  accept?: (c: Compiled) => boolean;
}

/**
 * The term index: every term of every note file, keyed so that resolving a token is a handful of map look-ups.
 * Files are added and removed as a unit, so a changed note re-indexes only itself.
 */
export class TermIndex {
  private readonly byFile = new Map<string, Compiled[]>();
  /**
   * Each file's rank among equal matches: the order files were first added. A file set again (read after its terms
   * came from a kept index, or saved) keeps its rank, so a hover during a load picks what it picks after it.
   */
  private readonly ordinals = new Map<string, number>();
  private nextOrdinal = 0;
  private readonly qualified = new Map<string, Bucket>(); // lower-case dotted path →
  private readonly keyword = new Map<string, Bucket>(); // keyword name →
  private readonly classExact = new Map<string, Bucket>(); // exact name →
  private readonly classInner = new Map<string, Bucket>(); // multi-part class name, matched inside identifiers
  private readonly word = new Map<string, Bucket>(); // lower-case joined key →
  private readonly prefixes = new Map<string, Bucket>(); // lower-case joined prefix (3+ characters) →
  private count = 0;

  get size(): number {
    return this.count;
  }

  setFile(file: string, entries: readonly TermEntry[]): void {
    // The same terms again (a note read after its terms came from a kept index, or saved with its terms unchanged):
    // nothing to re-index.
    if (this.sameEntries(file, entries)) return;
    this.dropEntries(file);
    const ordinal = this.ordinalOf(file);
    const compiled: Compiled[] = [];
    const targets = new FileTargets(file);
    for (const e of entries) {
      const shape = cachedShape(e.term, e.source);
      if (shape) compiled.push(compile(shape, targets.at(e.target.slug, e.target.point), e.source, ordinal));
    }
    this.index(file, compiled);
  }

  /**
   * setFile for a file not indexed yet whose terms come from a kept index, in its compact form (see KeptTerms): the
   * same index as setFile with the entries they stand for, without making those.
   */
  setKeptFile(file: string, kept: KeptTerms): void {
    if (this.byFile.has(file)) return this.setFile(file, keptEntries(file, kept));
    const ordinal = this.ordinalOf(file);
    const compiled: Compiled[] = [];
    const targets = new FileTargets(file);
    eachKept(kept, (term, slug, point, source) => {
      const shape = kept.table.shape(term, source);
      if (shape) compiled.push(compile(shape, targets.at(slug, point), source, ordinal));
    });
    this.index(file, compiled);
  }

  private ordinalOf(file: string): number {
    let ordinal = this.ordinals.get(file);
    if (ordinal === undefined) this.ordinals.set(file, (ordinal = this.nextOrdinal++));
    return ordinal;
  }

  private index(file: string, compiled: Compiled[]): void {
    this.byFile.set(file, compiled);
    this.count += compiled.length;
    for (const c of compiled) this.updateBuckets(c, true);
  }

  /**
   * The file's terms, each with its needle: the folded text that any identifier the term can match contains. A text
   * whose folded form contains none of a section's needles holds no token that resolves to that section.
   */
  needlesOf(file: string): TermNeedle[] {
    return (this.byFile.get(file) ?? []).map((c) => ({ term: c.shape.term, target: c.target, source: c.source, needle: c.shape.needle }));
  }

  /**
   * Calls `visit` with each of the file's entries as indexed (an entry whose term is no term is not), in order, without
   * making entry objects: what a kept index holds. False when the file is not indexed.
   */
  forEachEntry(file: string, visit: (term: string, slug: string, point: number, source: TermEntry['source']) => void): boolean {
    const compiled = this.byFile.get(file);
    if (!compiled) return false;
    for (const c of compiled) visit(c.shape.term, c.target.slug, c.target.point ?? 0, c.source);
    return true;
  }

  /** The file is gone: its terms, and its rank (added again, it comes after the others). */
  removeFile(file: string): void {
    this.dropEntries(file);
    this.ordinals.delete(file);
  }

  private dropEntries(file: string): void {
    const old = this.byFile.get(file);
    if (!old) return;
    this.byFile.delete(file);
    this.count -= old.length;
    for (const c of old) this.updateBuckets(c, false);
  }

  /** Whether the file is indexed with exactly these entries (in this order). */
  private sameEntries(file: string, entries: readonly TermEntry[]): boolean {
    const old = this.byFile.get(file);
    if (!old) return false;
    let i = 0;
    for (const e of entries) {
      const shape = cachedShape(e.term, e.source);
      if (!shape) continue;
      const c = old[i++];
      if (!c || c.shape.term !== e.term || c.source !== e.source || c.target.slug !== e.target.slug || c.target.point !== e.target.point || e.target.file !== file) return false;
    }
    return i === old.length;
  }

  /** Adds the entry to the buckets of its keys, or drops its file's entries from them. */
  private updateBuckets(c: Compiled, add: boolean): void {
    const s = c.shape;
    switch (s.kind) {
      case 'qualified':
        return fileEntry(this.qualified, s.key, c, add);
      case 'keyword':
        return fileEntry(this.keyword, s.segments[1], c, add);
      case 'class':
        fileEntry(this.classExact, s.key, c, add);
        if (s.segments.length >= 2) fileEntry(this.classInner, s.key, c, add);
        return;
      case 'word':
        return fileEntry(this.word, s.key, c, add);
      case 'prefix':
        return fileEntry(this.prefixes, s.key, c, add);
    }
  }

  /**
   * Every target the token means, best first, one match per target (at its best score; equal scores keep the order
   * of the kinds of match below, then the order the files were first added). Empty when nothing is confident.
   */
  resolve(token: CodeToken, limit = 8): TermMatch[] {
    const name = token.chain[token.chain.length - 1];
    if (!name || name.length > 200 || limit <= 0) return [];
    const groups: Group[] = [];
    const add = (b: Bucket | undefined, base: number, accept?: (c: Compiled) => boolean) => {
      if (!b) return;
      for (let i = 0; i < 4; i++) if (b.byBonus[i].length) groups.push({ score: base + BONUSES[i], list: b.byBonus[i], accept });
    };

    // Qualified terms match the tail of the dotted chain: `nn.BatchNorm2d` is the tail of `torch.nn.BatchNorm2d`.
    const lowerChain = token.chain.map((s) => s.toLowerCase());
    let tail = '';
    for (let n = 1; n <= lowerChain.length && n <= 16; n++) {
      tail = n === 1 ? lowerChain[lowerChain.length - 1] : `${lowerChain[lowerChain.length - n]}.${tail}`;
      add(this.qualified.get(tail), 100 + n);
    }
    if (token.keywordOf?.length) {
      const callee = token.keywordOf[token.keywordOf.length - 1];
      add(this.keyword.get(name), 95, (c) => wildcardMatch(c.shape.segments[0], callee));
    }
    add(this.classExact.get(name), 90);

    const parts = splitIdentifier(name);
    if (parts.length > 1) {
      // Case-sensitive runs of parts for multi-part class names: MyBatchNormLayer ⊃ BatchNorm.
      for (let i = 0; i < parts.length; i++) {
        let key = '';
        for (let j = i; j < parts.length && j - i < 6; j++) {
          key += parts[j];
          if (j > i && key !== name) add(this.classInner.get(key), 70 + (j - i + 1));
        }
      }
    }
    for (const sj of subJoins(parts)) {
      const whole = sj.count === parts.length;
      add(this.word.get(sj.key), whole ? 85 : 60 + 4 * sj.count);
      if (this.prefixes.size) {
        for (let len = 3; len <= sj.key.length; len++) add(this.prefixes.get(sj.key.slice(0, len)), 55 + (whole ? 5 : 0));
      }
    }
    if (!groups.length) return [];

    // Best groups first; within a group every entry scores the same, so the first time a target is met is its best
    // score, and the walk ends as soon as `limit` targets are found (a common term may have thousands of entries).
    groups.sort((a, b) => b.score - a.score);
    const seen = new Set<TermTarget>();
    const out: TermMatch[] = [];
    for (const g of groups) {
      for (const c of g.list) {
        if (seen.has(c.target) || (g.accept && !g.accept(c))) continue;
        seen.add(c.target);
        out.push({ target: c.target, term: c.shape.term, score: g.score });
        if (out.length === limit) return out;
      }
    }
    return out;
  }
}

/** Files `c` under `key` in `m`, or drops the entries of its file there (and the bucket once it is empty). */
function fileEntry(m: Map<string, Bucket>, key: string, c: Compiled, add: boolean): void {
  let b = m.get(key);
  if (add) {
    if (!b) m.set(key, (b = new Bucket()));
    b.add(c);
  } else if (b?.dropFile(c.ordinal)) m.delete(key);
}

/**
 * One target object per section or point of a file: a match is reported once per target (see resolve). A file's
 * entries come a section at a time, so the last target asked is usually the one asked again.
 */
class FileTargets {
  private last: TermTarget | undefined;
  private readonly sections = new Map<string, TermTarget>();
  private readonly points = new Map<string, Map<number, TermTarget>>();
  constructor(private readonly file: string) {}

  at(slug: string, point: number | undefined): TermTarget {
    const last = this.last;
    if (last && last.slug === slug && last.point === point) return last;
    let target: TermTarget | undefined;
    if (point === undefined) {
      target = this.sections.get(slug);
      if (!target) this.sections.set(slug, (target = { file: this.file, slug }));
    } else {
      let bySlug = this.points.get(slug);
      if (!bySlug) this.points.set(slug, (bySlug = new Map()));
      target = bySlug.get(point);
      if (!target) bySlug.set(point, (target = { file: this.file, slug, point }));
    }
    return (this.last = target);
  }
}

function wildcardMatch(pattern: string, value: string): boolean {
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

const KEYWORD_TERM = /^([A-Za-z_][\w.]*\*?)\(([A-Za-z_]\w*)\)$/;

/**
 * Compiled shapes by source and term text: the same terms repeat across many note files. Keyed by the term's own
 * string (a key built per look-up would be hashed again each time: this runs for every term of every note).
 */
const shapes = { heading: new Map<string, Shape | null>(), frontMatter: new Map<string, Shape | null>() };

function cachedShape(term: string, source: TermEntry['source']): Shape | undefined {
  const cache = shapes[source] ?? shapes.frontMatter;
  let shape = cache.get(term);
  if (shape === undefined) {
    shape = compileShape(term, source) ?? null;
    if (cache.size > 50_000) cache.clear();
    cache.set(term, shape);
  }
  return shape ?? undefined;
}

/** An entry of the index. */
function compile(shape: Shape, target: TermTarget, source: TermEntry['source'], ordinal: number): Compiled {
  return { shape, target, source, bonus: (source === 'frontMatter' ? 5 : 0) + (target.point ? 2 : 0), ordinal };
}

/**
 * A file's term entries as a kept index holds them: 4 numbers an entry (the term's place in `table`, the slug's in
 * `slugs`, the point (0: none), the source (1: front matter, 0: heading)), so that a term text is written once for
 * every file.
 */
export interface KeptTerms {
  table: TermTable;
  slugs: readonly unknown[];
  e: readonly number[];
}

/**
 * Term texts listed once for many files (a kept index): each one's shape is looked up at most once per source,
 * however many files use it.
 */
export class TermTable {
  private readonly heading: (Shape | null)[] = [];
  private readonly frontMatter: (Shape | null)[] = [];
  constructor(readonly terms: readonly unknown[]) {}

  /** The shape of the `i`th term, as a heading's or front matter's; undefined when it is none (or not a text). */
  shape(i: number, source: TermEntry['source']): Shape | undefined {
    const known = source === 'heading' ? this.heading : this.frontMatter;
    let shape = known[i];
    if (shape === undefined) {
      const term = this.terms[i];
      known[i] = shape = (typeof term === 'string' && cachedShape(term, source)) || null;
    }
    return shape ?? undefined;
  }
}

/**
 * Calls `visit` with each entry of kept terms that reads (a slug that is a text, a point that is a whole number ≥ 0):
 * the term's place in the table, the slug, the point (undefined: the section itself) and the source.
 */
function eachKept(kept: KeptTerms, visit: (term: number, slug: string, point: number | undefined, source: TermEntry['source']) => void): void {
  const { slugs, e } = kept;
  for (let k = 0; k + 3 < e.length; k += 4) {
    const slug = slugs[e[k + 1]];
    const point = e[k + 2];
    if (typeof slug !== 'string' || !Number.isInteger(point) || point < 0) continue;
    visit(e[k], slug, point === 0 ? undefined : point, e[k + 3] === 1 ? 'frontMatter' : 'heading');
  }
}

/** The entries kept terms stand for (an entry that does not read is left out). */
function keptEntries(file: string, kept: KeptTerms): TermEntry[] {
  const entries: TermEntry[] = [];
  eachKept(kept, (at, slug, point, source) => {
    const term = kept.table.terms[at];
    if (typeof term === 'string') entries.push({ term, target: point === undefined ? { file, slug } : { file, slug, point }, source });
  });
  return entries;
}

/**
 * Identifier text folded the way every kind of match compares it: lower case, without `_` (the only separator inside
 * an identifier), final sigma as sigma. A term matches an identifier only if the identifier's folded text contains the
 * term's needle, and a text contains that identifier's folded text once folded itself: the prefilter of `refs`.
 */
export function foldKey(s: string): string {
  let f = s.toLowerCase();
  if (f.includes('_')) f = f.replace(/_/g, '');
  if (f.includes('ς')) f = f.replace(/ς/g, 'σ');
  return f;
}

function compileShape(term: string, source: TermEntry['source']): Shape | undefined {
  const shape = shapeOf(term, source);
  return shape && { ...shape, needle: foldKey(needleText(shape)) };
}

/** The part of a term the hovered identifier itself must contain: a qualified term's last segment, a keyword's name. */
function needleText(shape: Omit<Shape, 'needle'>): string {
  switch (shape.kind) {
    case 'qualified':
      return shape.segments[shape.segments.length - 1];
    case 'keyword':
      return shape.segments[1];
    default:
      return shape.key;
  }
}

function shapeOf(term: string, source: TermEntry['source']): Omit<Shape, 'needle'> | undefined {
  const t = term.trim();
  if (!t) return undefined;
  const kw = KEYWORD_TERM.exec(t);
  if (kw) {
    const callee = kw[1].split('.').pop() ?? kw[1];
    return { term: t, kind: 'keyword', segments: [callee, kw[2]], key: kw[2] };
  }
  if (t.endsWith('*')) {
    const key = joinKey(splitIdentifier(t.slice(0, -1)));
    return key.length >= 3 ? { term: t, kind: 'prefix', segments: [], key } : undefined;
  }
  if (t.includes('.')) {
    const segments = t.split('.').map((s) => s.trim().toLowerCase()).filter(Boolean);
    return segments.length ? { term: t, kind: 'qualified', segments, key: segments.join('.') } : undefined;
  }
  // A heading's words are prose ("## Dropout"): matched case-insensitively, so `self.dropout` finds them too.
  if (source !== 'heading' && isClassName(t)) return { term: t, kind: 'class', segments: splitIdentifier(t), key: t };
  const key = joinKey(splitIdentifier(t));
  return key.length >= 2 ? { term: t, kind: 'word', segments: [], key } : undefined;
}

/** `BatchNorm2d`, `Add`, `RoIAlign`: a class name matched exactly. `FPN`, `RoI`, `mIoU`, `bn`: words. */
function isClassName(t: string): boolean {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(t)) return false;
  const lower = t.replace(/[^a-z]/g, '').length;
  return lower >= 2;
}

/**
 * Terms a heading contributes without any configuration: the whole run of Latin words ("Focal Loss" → focalloss,
 * which finds FocalLoss and sigmoid_focal_loss), single-word headings, a word standing on its own in a CJK heading
 * ("Dropout 的作用", but not the "add" inside "通过add的方式"), and acronyms or CamelCase words in it.
 */
export const headingTerms: (title: string) => string[] = memoize(computeHeadingTerms);

function computeHeadingTerms(title: string): string[] {
  const out = new Set<string>();
  const hasOther = /[^\x00-\x7f]/.test(title);
  const singleWordTitle = title.trim().split(/\s+/).length === 1;
  for (const m of title.matchAll(/[A-Za-z0-9 _\-]+/g)) {
    const run = m[0];
    const words = run.split(/[\s\-]+/).filter((w) => /[A-Za-z]/.test(w));
    if (!words.length) continue;
    if (words.length >= 2) out.add(words.join('_'));
    else if (words[0].length >= 3 && (hasOther ? standsAlone(title, m.index ?? 0, run) : singleWordTitle)) out.add(words[0]);
    for (const w of words) {
      if (/^[A-Z][A-Z0-9]+$/.test(w) && !/^[IVX]+$/.test(w)) out.add(w); // FPN, BN (not the roman numeral of "Part II")
      else if (/^[A-Za-z]+[A-Z][A-Za-z0-9]*$/.test(w) && /[a-z]/.test(w) && /[A-Z]/.test(w.slice(1))) out.add(w); // BatchNorm, mIoU
    }
  }
  return [...out];
}

/** The run's word is set apart from the CJK text around it by spaces, punctuation or the ends of the title. */
function standsAlone(title: string, index: number, run: string): boolean {
  const lead = run.length - run.trimStart().length;
  const trail = run.length - run.trimEnd().length;
  const before = lead > 0 ? ' ' : title[index - 1];
  const after = trail > 0 ? ' ' : title[index + run.length];
  const free = (c: string | undefined) => c === undefined || !/[\p{L}\p{N}]/u.test(c);
  return free(before) && free(after);
}
