import { sectionAt } from '../notes/resolver';
import type { NoteDocument } from '../notes/types';

/** A tagged place: a note's first section for a front-matter tag, the section holding an inline `#tag`. */
export interface TagHit {
  file: string;
  slug: string;
  /** The tag as written. */
  tag: string;
}

/**
 * Every tag of every note, for `#tag` queries in Look Up: `#ml` finds `#ml` and the tags nested under it (`#ml/optim`),
 * then, while it is being typed, the tags it starts (`#trai` → `#training`). Files are replaced as a unit.
 */
export class TagIndex {
  private readonly byFile = new Map<string, TagHit[]>();

  setFile(doc: NoteDocument): void {
    if (!doc.tags.length) {
      this.byFile.delete(doc.id);
      return;
    }
    const hits: TagHit[] = [];
    const seen = new Set<string>();
    for (const t of doc.tags) {
      const section = t.line < 0 ? doc.sections[0] : sectionAt(doc, t.line) ?? doc.sections[0];
      if (!section) continue;
      const key = `${t.name.toLowerCase()}\u0000${section.slug}`;
      if (seen.has(key)) continue;
      seen.add(key);
      hits.push({ file: doc.id, slug: section.slug, tag: t.name });
    }
    this.byFile.set(doc.id, hits);
  }

  removeFile(id: string): void {
    this.byFile.delete(id);
  }

  /** Places tagged `tag` (without `#`, any case) or a tag under it; else tags starting with it. Files in `order`. */
  find(tag: string, order: readonly string[]): TagHit[] {
    const q = tag.toLowerCase().replace(/^#/, '').replace(/\/+$/, '');
    if (!q) return [];
    const exact: TagHit[] = [];
    const prefix: TagHit[] = [];
    for (const file of order) {
      for (const h of this.byFile.get(file) ?? []) {
        const t = h.tag.toLowerCase();
        if (t === q || t.startsWith(q + '/')) exact.push(h);
        else if (t.startsWith(q)) prefix.push(h);
      }
    }
    return exact.length ? exact : prefix;
  }

  /** Every tag with the number of places it tags, most used first. */
  counts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const hits of this.byFile.values()) for (const h of hits) out.set(h.tag, (out.get(h.tag) ?? 0) + 1);
    return new Map([...out].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
  }
}
