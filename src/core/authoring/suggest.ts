/** "Did you mean": the candidate closest to what was written, when one is close enough to be a slip. */

/** Edit distance with transpositions (optimal string alignment), case-insensitive; stops early past `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  if (Math.abs(s.length - t.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[t.length];
}

/**
 * The closest candidate to `written`: at most a third of its length away (one slip in a short word, more in a long
 * one), or differing only in case, spaces, `-` and `_`. Undefined when nothing is that close.
 */
export function closest(written: string, candidates: Iterable<string>): string | undefined {
  const w = written.trim();
  if (!w) return undefined;
  const loose = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, '');
  const max = Math.max(1, Math.floor(w.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    if (c === w) return undefined; // it is there: nothing to suggest
    const d = loose(c) === loose(w) ? 0 : editDistance(w, c, max);
    if (d <= max && d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
