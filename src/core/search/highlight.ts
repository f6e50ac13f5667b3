import { isWordCode, wordKeys, type QueryToken } from './tokenize';

/** Latin words of a text with their offsets (dots and hyphens between word characters kept, like the index). */
function latinWords(text: string): { start: number; raw: string }[] {
  const out: { start: number; raw: string }[] = [];
  let i = 0;
  while (i < text.length) {
    if (!isWordCode(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && (isWordCode(text.charCodeAt(i)) || ((text[i] === '.' || text[i] === '-') && isWordCode(text.charCodeAt(i + 1))))) i++;
    out.push({ start, raw: text.slice(start, i) });
  }
  return out;
}

/** Characters of `q` found in order in `title`, from the first word that starts with q[0]: `lrwarm` in a title. */
function subsequenceRanges(q: string, title: string): [number, number][] {
  let i = -1;
  for (let k = title.indexOf(q[0]); k >= 0; k = title.indexOf(q[0], k + 1)) {
    if (k === 0 || !isWordCode(title.charCodeAt(k - 1))) {
      i = k;
      break;
    }
  }
  if (i < 0) return [];
  const out: [number, number][] = [];
  let j = 0;
  for (; i < title.length && j < q.length; i++) {
    if (title[i] !== q[j]) continue;
    out.push([i, i + 1]);
    j++;
  }
  return j === q.length ? out : [];
}

/**
 * [start, end) ranges of a title to highlight for a query: words it starts (the typed prefix), identifier parts or
 * words it matched through the index (typos, parts of `BatchNorm2d`), CJK substrings, and acronym initials.
 */
export function highlight(title: string, tokens: readonly QueryToken[], matchedKeys: ReadonlySet<string>): [number, number][] {
  const ranges: [number, number][] = [];
  const words = latinWords(title);
  for (const t of tokens) {
    if (t.kind === 'cjk') {
      for (let at = title.indexOf(t.raw); at >= 0; at = title.indexOf(t.raw, at + t.raw.length)) ranges.push([at, at + t.raw.length]);
      continue;
    }
    let found = false;
    for (const w of words) {
      const lw = w.raw.toLowerCase();
      if (lw.startsWith(t.lower)) {
        ranges.push([w.start, w.start + t.lower.length]);
        found = true;
        continue;
      }
      const key = wordKeys(w.raw).find((k) => matchedKeys.has(k));
      if (key === undefined) continue;
      const at = key === lw ? -1 : lw.indexOf(key);
      ranges.push(at >= 0 ? [w.start + at, w.start + at + key.length] : [w.start, w.start + w.raw.length]);
      found = true;
    }
    if (!found && words.length >= 2 && t.lower.length >= 2) {
      // Acronym: initials of words in order (small words may be skipped).
      const picked: [number, number][] = [];
      for (const w of words) if (picked.length < t.lower.length && w.raw[0].toLowerCase() === t.lower[picked.length]) picked.push([w.start, w.start + 1]);
      if (picked.length === t.lower.length) {
        ranges.push(...picked);
        continue;
      }
    }
    if (!found) ranges.push(...subsequenceRanges(t.lower, title.toLowerCase()));
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}
