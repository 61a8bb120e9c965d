/**
 * Meta rows a PostgreSQL server adds to its database when it starts, not
 * taken from the log it serves: a copy that a server has opened (without
 * sequencing) holds them and its source does not. The copy's checks
 * (copy.ts, extend.ts) and its proof (prove.ts) leave them out of "the same
 * meta rows".
 */

/** The keys: the cluster secret (src/cluster/secret.ts's CLUSTER_SECRET_META, made at a server's first start). */
export const SERVER_META_KEYS: ReadonlySet<string> = new Set(['clusterSecret']);

/**
 * The first key whose meta row differs between the copy (`stored`) and the
 * source (`source`), leaving out {@link SERVER_META_KEYS} the copy holds:
 * a copy key the source lacks or holds with another value, and (when
 * `complete`) a source key the copy lacks. Undefined when none does.
 */
export function metaDifference(stored: ReadonlyMap<string, string>, source: readonly (readonly [string, string])[], complete: boolean): string | undefined {
  const want = new Map(source);
  const other = [...stored].find(([k, v]) => !SERVER_META_KEYS.has(k) && want.get(k) !== v);
  if (other !== undefined) return other[0];
  return complete ? source.find(([k, v]) => stored.get(k) !== v)?.[0] : undefined;
}
