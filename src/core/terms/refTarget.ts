/**
 * The section part of `NOTE#slug[/N]` as written on the command line: a section by its slug or heading text, and
 * optionally one of its points.
 */
import { sectionFinder, splitSectionKey } from '../notes/library';
import type { NoteDocument, NoteSection } from '../notes/types';

export type SectionResult = { ok: true; section: NoteSection; point?: number } | { ok: false; message: string };

export function sectionOfSpec(doc: NoteDocument, fragment: string): SectionResult {
  const { sectionKey, point } = splitSectionKey(fragment.trim());
  const section = sectionFinder(doc)(sectionKey);
  if (!section) {
    const slugs = doc.sections.map((s) => s.slug);
    return { ok: false, message: `“${doc.title}” has no section “${sectionKey}” (sections: ${slugs.slice(0, 12).join(', ')}${slugs.length > 12 ? ', …' : ''})` };
  }
  if (point !== undefined && !section.points[point - 1]) return { ok: false, message: `“${section.title}” has ${section.points.length} point(s), not ${point}` };
  return { ok: true, section, point };
}

/** `slug` or `slug/N`: the key a section or point has in front-matter `terms`. */
export function targetKey(section: NoteSection, point?: number): string {
  return point !== undefined ? `${section.slug}/${point}` : section.slug;
}
