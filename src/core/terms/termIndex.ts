import { joinKey, splitIdentifier, subJoins } from './identifiers';

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

interface Compiled extends TermEntry {
  /** Precomputed at index time: one key per target, and the score bonus of the entry's source and target. */
  targetKey: string;
  bonus: number;
  kind: Kind;
  /** qualified: lower-case segments; keyword: [calleePattern, kw]; class: the name's parts. */
  segments: string[];
  key: string;
}

/**
 * The term index: every term of every note file, keyed so that resolving a token is a handful of map look-ups.
 * Files are added and removed as a unit, so a changed note re-indexes only itself.
 */
export class TermIndex {
  private readonly byFile = new Map<string, Compiled[]>();
  private readonly qualified = new Map<string, Compiled[]>(); // last segment (lower) →
  private readonly keyword = new Map<string, Compiled[]>(); // keyword name →
  private readonly classExact = new Map<string, Compiled[]>(); // exact name →
  private readonly classInner = new Map<string, Compiled[]>(); // multi-part class name, matched inside identifiers
  private readonly word = new Map<string, Compiled[]>(); // lower-case joined key →
  private prefixes: Compiled[] = [];

  get size(): number {
    let n = 0;
    for (const l of this.byFile.values()) n += l.length;
    return n;
  }

  setFile(file: string, entries: readonly TermEntry[]): void {
    this.removeFile(file);
    const compiled = entries.map(compile).filter((c): c is Compiled => c !== undefined);
    this.byFile.set(file, compiled);
    for (const c of compiled) {
      switch (c.kind) {
        case 'qualified':
          push(this.qualified, c.segments[c.segments.length - 1], c);
          break;
        case 'keyword':
          push(this.keyword, c.segments[1], c);
          break;
        case 'class':
          push(this.classExact, c.key, c);
          if (c.segments.length >= 2) push(this.classInner, c.key, c);
          break;
        case 'word':
          push(this.word, c.key, c);
          break;
        case 'prefix':
          this.prefixes.push(c);
          break;
      }
    }
  }

  removeFile(file: string): void {
    const old = this.byFile.get(file);
    if (!old) return;
    this.byFile.delete(file);
    const drop = (m: Map<string, Compiled[]>, k: string) => {
      const l = m.get(k);
      if (!l) return;
      const kept = l.filter((c) => c.target.file !== file);
      if (kept.length) m.set(k, kept);
      else m.delete(k);
    };
    for (const c of old) {
      if (c.kind === 'qualified') drop(this.qualified, c.segments[c.segments.length - 1]);
      else if (c.kind === 'keyword') drop(this.keyword, c.segments[1]);
      else if (c.kind === 'class') {
        drop(this.classExact, c.key);
        drop(this.classInner, c.key);
      } else if (c.kind === 'word') drop(this.word, c.key);
    }
    if (old.some((c) => c.kind === 'prefix')) this.prefixes = this.prefixes.filter((c) => c.target.file !== file);
  }

  /** Every target the token means, best first, one match per target. Empty when nothing is confident. */
  resolve(token: CodeToken, limit = 8): TermMatch[] {
    const name = token.chain[token.chain.length - 1];
    if (!name || name.length > 200) return [];
    const best = new Map<string, TermMatch>();
    const hit = (c: Compiled, score: number) => {
      const s = score + c.bonus;
      const prev = best.get(c.targetKey);
      if (!prev || prev.score < s) best.set(c.targetKey, { target: c.target, term: c.term, score: s });
    };

    const lowerChain = token.chain.map((s) => s.toLowerCase());
    for (const c of this.qualified.get(lowerChain[lowerChain.length - 1]) ?? []) {
      const n = c.segments.length;
      if (n <= lowerChain.length && c.segments.every((seg, i) => seg === lowerChain[lowerChain.length - n + i])) hit(c, 100 + n);
    }
    if (token.keywordOf?.length) {
      const callee = token.keywordOf[token.keywordOf.length - 1];
      for (const c of this.keyword.get(name) ?? []) if (wildcardMatch(c.segments[0], callee)) hit(c, 95);
    }
    for (const c of this.classExact.get(name) ?? []) hit(c, 90);

    const parts = splitIdentifier(name);
    if (parts.length > 1) {
      // Case-sensitive runs of parts for multi-part class names: MyBatchNormLayer ⊃ BatchNorm.
      for (let i = 0; i < parts.length; i++) {
        let key = '';
        for (let j = i; j < parts.length && j - i < 6; j++) {
          key += parts[j];
          if (j > i) for (const c of this.classInner.get(key) ?? []) if (key !== name) hit(c, 70 + (j - i + 1));
        }
      }
    }
    for (const sj of subJoins(parts)) {
      const whole = sj.count === parts.length;
      for (const c of this.word.get(sj.key) ?? []) hit(c, whole ? 85 : 60 + 4 * sj.count);
      if (this.prefixes.length) {
        for (const c of this.prefixes) if (sj.key.startsWith(c.key)) hit(c, 55 + (whole ? 5 : 0));
      }
    }
    return topMatches([...best.values()], limit);
  }
}

/** The `limit` best matches, best first (a partial selection: a common term may hit hundreds of targets). */
function topMatches(all: TermMatch[], limit: number): TermMatch[] {
  if (all.length <= limit) return all.sort((a, b) => b.score - a.score);
  const top: TermMatch[] = [];
  for (const m of all) {
    if (top.length === limit && m.score <= top[limit - 1].score) continue;
    let i = top.length < limit ? top.length : limit - 1;
    while (i > 0 && top[i - 1].score < m.score) i--;
    top.splice(i, 0, m);
    if (top.length > limit) top.pop();
  }
  return top;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function wildcardMatch(pattern: string, value: string): boolean {
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

const KEYWORD_TERM = /^([A-Za-z_][\w.]*\*?)\(([A-Za-z_]\w*)\)$/;

type Shape = Pick<Compiled, 'kind' | 'segments' | 'key' | 'term'>;
/** Compiled shapes by source and term text: the same terms repeat across many note files. */
const shapes = new Map<string, Shape | null>();

function compile(e: TermEntry): Compiled | undefined {
  const cacheKey = `${e.source}\u0000${e.term}`;
  let shape = shapes.get(cacheKey);
  if (shape === undefined) {
    shape = compileShape(e) ?? null;
    if (shapes.size > 50_000) shapes.clear();
    shapes.set(cacheKey, shape);
  }
  if (!shape) return undefined;
  const targetKey = `${e.target.file}\u0000${e.target.slug}\u0000${e.target.point ?? ''}`;
  const bonus = (e.source === 'frontMatter' ? 5 : 0) + (e.target.point ? 2 : 0);
  return { ...e, ...shape, targetKey, bonus };
}

function compileShape(e: TermEntry): Shape | undefined {
  const t = e.term.trim();
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
  if (e.source !== 'heading' && isClassName(t)) return { term: t, kind: 'class', segments: splitIdentifier(t), key: t };
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
export function headingTerms(title: string): string[] {
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
