import MiniSearch from 'minisearch';
import type { NoteDocument } from '../src/core/notes/types';
import { frontMatterTerms } from '../src/core/search/entries';

/**
 * The lookup baseline: MiniSearch over the same entries as our index (every section and every point, with its
 * title, front-matter terms and text), searched with fuzzy + prefix matching and title > terms > body boosts.
 */

interface BaselineDoc {
  id: number;
  title: string;
  terms: string;
  body: string;
  slug: string;
  point?: number;
}

export interface BaselineHit {
  slug: string;
  point?: number;
}

const SEARCH_OPTIONS = { fuzzy: 0.2, prefix: true, boost: { title: 3, terms: 2 }, combineWith: 'OR' as const };

/** MiniSearch's default tokenizer (spaces and punctuation), plus each CJK run also cut into bigrams when `cjk`. */
function tokenizer(cjk: boolean): (text: string) => string[] {
  const split = /[\n\r\p{Z}\p{P}]+/u;
  const han = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+/gu;
  return (text) => {
    const out = text.split(split).filter(Boolean);
    if (!cjk) return out;
    for (const m of text.matchAll(han)) {
      const run = m[0];
      if (run.length === 1) out.push(run);
      for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
    }
    return out;
  };
}

export class MiniSearchBaseline {
  private readonly ms: MiniSearch<BaselineDoc>;

  /** `cjk`: also index CJK bigrams (MiniSearch alone keeps a Chinese sentence as one token). */
  constructor(readonly cjk = false) {
    this.ms = new MiniSearch<BaselineDoc>({
      fields: ['title', 'terms', 'body'],
      storeFields: ['slug', 'point'],
      tokenize: tokenizer(cjk),
      searchOptions: { ...SEARCH_OPTIONS, tokenize: tokenizer(cjk) },
    });
  }

  addDocuments(docs: readonly NoteDocument[]): void {
    const items: BaselineDoc[] = [];
    let id = this.ms.documentCount;
    for (const doc of docs) {
      const terms = frontMatterTerms(doc);
      for (const s of doc.sections) {
        items.push({ id: id++, title: s.title, terms: (terms.sections.get(s) ?? []).join(' '), body: s.body, slug: s.slug });
        for (const p of s.points) {
          items.push({ id: id++, title: p.summary, terms: (terms.points.get(p) ?? []).join(' '), body: p.markdown, slug: s.slug, point: p.index });
        }
      }
    }
    this.ms.addAll(items);
  }

  search(query: string, limit: number): BaselineHit[] {
    return this.ms
      .search(query)
      .slice(0, limit)
      .map((r) => ({ slug: r.slug as string, point: r.point as number | undefined }));
  }
}
