/**
 * A function of a string remembered for the strings seen lately (a library repeats its headings and terms): the
 * cache is emptied when it holds `max` entries, so it never grows without bound. Results are shared: never change them.
 */
export function memoize<T>(fn: (s: string) => T, max = 20_000): (s: string) => T {
  const cache = new Map<string, T>();
  return (s: string) => {
    let v = cache.get(s);
    if (v === undefined) {
      v = fn(s);
      if (cache.size >= max) cache.clear();
      cache.set(s, v);
    }
    return v;
  };
}
