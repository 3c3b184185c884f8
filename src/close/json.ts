/** Close sends JSON objects with their keys sorted (the seed example, every fixture). */

/** A copy of `obj` with its keys in sorted order, as Close sends JSON. */
export function sortKeys<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}
