/**
 * The copy's meta rows against its source's: which keys a PostgreSQL server
 * adds to a copy without sequencing (left out of every comparison), which
 * keys make a log the log it is, and how a copy's rows differ.
 *
 * A copy's checks (copy.ts, extend.ts) and its proof (prove.ts) leave
 * {@link SERVER_META_KEYS} out of "the same meta rows".
 */

/**
 * Meta rows a PostgreSQL server adds to its database when it starts, not
 * taken from the log it serves, without sequencing any entry: a copy that a
 * server has opened holds them and its source does not. Only the cluster
 * secret (src/cluster/secret.ts's CLUSTER_SECRET_META, made by
 * clusterSecret at a server's first start: src/cli/cluster.ts). The other
 * meta a server writes at start are not among them:
 * - `logId`, `origin`, `vkey`, `treeId` (src/cli/open-log.ts,
 *   src/cli/admin-log.ts, src/cli/open-v2-log.ts) are written only when
 *   absent, and every source holds them;
 * - `vkey.<n>` (the admin log's, src/cli/admin-log.ts) records a note key
 *   the source's log never pinned: started with another key, the server
 *   signs with one the source's log does not accept;
 * - `rekorV2Tree` (REKOR_V2_TREE_META, src/cli/open-v2-log.ts) records a
 *   Rekor v2 tree the server created on the copy (its checkpoint at size 0
 *   signed there): a tree the source does not have, which the source's
 *   server would create again under the same origin and keys.
 */
export const SERVER_META_KEYS: ReadonlySet<string> = new Set(['clusterSecret']);

/**
 * The keys every log pins when it is created, which make it that log
 * (src/cli/open-log.ts, admin-log.ts, open-v2-log.ts pin `logId`, `origin`,
 * `vkey`, `treeId`, and refuse to start with other ones): a copy that holds
 * one of the source's with another value is another log's.
 */
export const IDENTITY_META_KEYS: ReadonlySet<string> = new Set(['logId', 'origin', 'vkey', 'treeId']);

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

/** How a finished copy's meta rows differ from its source's (see {@link metaDivergence}). */
export interface MetaDivergence {
  /** A key that makes the copy another log's: one of the source's the copy lacks, or an identity key it holds with another value. */
  readonly another: string | undefined;
  /** A key written to this log's copy and not to the source: the copy holds it and the source does not, or holds another value. */
  readonly diverged: string | undefined;
}

/**
 * Compare a finished copy's meta rows (`stored`) with the source's, leaving
 * out {@link SERVER_META_KEYS}: `another` (checked first) when the copy
 * lacks one of the source's keys or holds one of {@link IDENTITY_META_KEYS}
 * with another value; else `diverged` when the copy holds a key the source
 * does not, or holds another value for one (meta is only ever added, and
 * setMeta refuses a second value: a server on the copy wrote it). Both
 * undefined when the rows are the same.
 */
export function metaDivergence(stored: ReadonlyMap<string, string>, source: readonly (readonly [string, string])[]): MetaDivergence {
  const another = source.find(([k, v]) => !stored.has(k) || (IDENTITY_META_KEYS.has(k) && stored.get(k) !== v))?.[0];
  return { another, diverged: another === undefined ? metaDifference(stored, source, false) : undefined };
}
