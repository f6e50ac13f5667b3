/**
 * An empty array made for elements of any kind (strings, objects, booleans, `undefined`) from the start.
 *
 * An array made by `[]` holds small integers until its first other element, when it changes kind. Optimised code that
 * has seen only arrays of one kind at a place is dropped when an array of the other comes there: a new index's first
 * keys, or a note with no front matter after notes with tags, did so in the second and third runs of indexing a
 * library, each time the runtime had just optimised that code. Arrays made here are of one kind all their life.
 */
export function objectArray<T>(): T[] {
  const a: T[] = [undefined as T];
  a.length = 0;
  return a;
}

/** Adds `value` to the list `map` keeps under `key`, starting the list when there is none. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
