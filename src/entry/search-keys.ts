/** Search-key normalisation: every key is lowercased and trimmed; empty and repeated keys are dropped. */

/** Normalised keys in first-seen order. */
export function normaliseSearchKeys(keys: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const key of keys) {
    const k = key.trim().toLowerCase();
    if (k.length > 0) seen.add(k);
  }
  return [...seen];
}

/** `<algorithm>:<hex>` hash key. */
export function hashKey(algorithm: string, hex: string): string {
  return `${algorithm}:${hex}`;
}
