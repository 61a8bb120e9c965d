/**
 * The SQL of {@link PostgresStore}, as named statements: node-postgres
 * prepares each once per connection and reuses the plan. Column aliases make
 * rows come back shaped as the contract's types (bigint columns are read as
 * numbers: see INT8 in connect.ts).
 *
 * A batch's rows go in one statement per table, as arrays unnested on the
 * server: the statement text is the same for every batch size.
 */

import type { QueryConfig } from 'pg';

const ENTRY = `idx AS "index", leaf_hash AS "leafHash", body, kind, integrated_time AS "integratedTime", set_sig AS "set"`;
const CHECKPOINT = 'size, root, time_ms AS "time", note';

function named(name: string, text: string): (values?: unknown[]) => QueryConfig {
  return (values = []) => ({ name: `cairn_${name}`, text, values });
}

export const SQL = {
  headSize: named('head_size', 'SELECT size FROM log_head'),
  head: named('head', 'SELECT size, tree, frozen FROM log_head'),
  leaseHolder: named('lease_holder', 'SELECT holder, epoch, expires_at > clock_timestamp() AS live FROM sequencer_lease'),
  // The lease row in another schema (SequencerFence.leaseSchema, a checked plain identifier).
  leaseHolderIn: (schema: string) => named(`lease_holder_in_${schema}`, `SELECT holder, epoch, expires_at > clock_timestamp() AS live FROM ${schema}.sequencer_lease`),

  // the log's trees (shards.ts)
  shards: named('shards', 'SELECT ordinal, tree_id, first_index, public_key, note_key, created_ms, frozen_size, frozen_ms FROM shards ORDER BY ordinal'),
  insertShard: named(
    'insert_shard',
    'INSERT INTO shards (ordinal, tree_id, first_index, public_key, note_key, created_ms) VALUES ($1, $2, $3, $4, $5, $6)',
  ),
  freezeShard: named('freeze_shard', 'UPDATE shards SET frozen_size = $2, frozen_ms = $3 WHERE ordinal = $1 AND frozen_size IS NULL RETURNING first_index'),

  // entries
  insertEntries: named(
    'insert_entries',
    `INSERT INTO entries (idx, leaf_hash, body, kind, integrated_time, set_sig)
     SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::text[], $5::bigint[], $6::bytea[])`,
  ),
  entryByIndex: named('entry_by_index', `SELECT ${ENTRY} FROM entries WHERE idx = $1`),
  entriesInRange: named('entries_in_range', `SELECT ${ENTRY} FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx`),
  entryByLeafHash: named('entry_by_leaf_hash', `SELECT ${ENTRY} FROM entries WHERE leaf_hash = $1`),
  indexOfLeafHash: named('index_of_leaf_hash', 'SELECT idx FROM entries WHERE leaf_hash = $1'),
  indicesOfLeafHashes: named('indices_of_leaf_hashes', 'SELECT idx, leaf_hash FROM entries WHERE leaf_hash = ANY($1::bytea[])'),

  // search keys
  insertSearchKeys: named(
    'insert_search_keys',
    'INSERT INTO search_keys (key, idx) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING',
  ),
  searchKey: named('search_key', 'SELECT idx FROM search_keys WHERE key = $1 ORDER BY idx LIMIT $2'),

  // meta and housekeeping
  getMeta: named('get_meta', 'SELECT value FROM meta WHERE key = $1'),
  insertMeta: named('insert_meta', 'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING'),
  // the next generation of reload $1, asked by node $2 (cluster_reloads)
  requestReload: named(
    'request_reload',
    'INSERT INTO cluster_reloads (what, generation, requested_by, requested_at) VALUES ($1, 1, $2, clock_timestamp()) ' +
      'ON CONFLICT (what) DO UPDATE SET generation = cluster_reloads.generation + 1, requested_by = EXCLUDED.requested_by, requested_at = EXCLUDED.requested_at ' +
      'RETURNING generation::text AS generation',
  ),
  reloads: named('reloads', 'SELECT what, generation::text AS generation, requested_by FROM cluster_reloads'),
  // the schema of the head row this connection's search path finds (the log's own: its checkpoint channel, notify.ts)
  headSchema: named('head_schema', "SELECT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'log_head'::regclass"),
  // announce size $2 on checkpoint channel $1 at commit (notify.ts): a rotation's or a freeze's (a batch's is in its swap)
  announce: named('announce', 'SELECT pg_notify($1, $2)'),
  databaseSize: named('database_size', 'SELECT pg_database_size(current_database()) AS bytes'),
  // a copy cairn migrate has not finished (import.ts)
  unfinishedImport: named('unfinished_import', 'SELECT source FROM import_state'),

  // tree 0's (a log that never rotated, and a rotated log's first tree)
  ...treeStatements(0),
} as const;

/** The tables of one tree (migrations/postgres/0004_shards.sql): tree 0's plain names, tree k's `shard_<k>_…`. */
export interface TreeTables {
  readonly tiles: string;
  readonly leafGroups: string;
  readonly checkpoints: string;
  readonly cosignatures: string;
}

/** The tables of tree `ordinal` (a non-negative safe integer, checked by the caller). */
export function treeTables(ordinal: number): TreeTables {
  const p = ordinal === 0 ? '' : `shard_${ordinal}_`;
  return { tiles: `${p}tiles`, leafGroups: `${p}leaf_groups`, checkpoints: `${p}checkpoints`, cosignatures: `${p}cosignatures` };
}

/**
 * The statements that read or write one tree's rows, and the batch's
 * compare-and-swap on the head naming that tree. Tree 0's keep the
 * statement names and tables they had before logs had several trees.
 */
export function treeStatements(ordinal: number) {
  const t = treeTables(ordinal);
  const tree = (name: string, text: string): ((values?: unknown[]) => QueryConfig) => named(ordinal === 0 ? name : `${name}_t${ordinal}`, text);
  // the compare-and-swap: updates the one head row only if it holds previousSize of this tree, not frozen; its lock serialises
  // writers. When it swaps, it also queues the new size on the log's checkpoint channel (the last parameter; null: none),
  // which the server delivers at COMMIT (notify.ts): no round trip of its own.
  const cas = `UPDATE log_head SET size = $2 WHERE size = $1 AND tree = ${ordinal} AND NOT frozen`;
  return {
    casHead: tree('cas_head', `${cas} RETURNING ${announce(3)}`),
    // The same compare-and-swap for a store fenced by the sequencer lease (lease.ts): only while the lease row names this
    // holder and epoch and has not expired by the database's clock, and with a KEY SHARE lock on that row until the
    // transaction ends, so that a takeover (which locks the row FOR UPDATE) waits for this commit.
    casHeadFenced: tree('cas_head_fenced', `${cas} AND EXISTS (${leaseHeld('sequencer_lease')}) RETURNING ${announce(5)}`),
    // The same, with the lease row in another schema (SequencerFence.leaseSchema, a checked plain identifier).
    casHeadFencedIn: (schema: string) => tree(`cas_head_fenced_in_${schema}`, `${cas} AND EXISTS (${leaseHeld(`${schema}.sequencer_lease`)}) RETURNING ${announce(5)}`),
    // A rotation's and a freeze's compare-and-swap ($1 the tree's final size; fenced: $2 holder, $3 epoch).
    rotateHead: tree('rotate_head', `UPDATE log_head SET size = 0, tree = ${ordinal + 1} WHERE size = $1 AND tree = ${ordinal} AND NOT frozen`),
    rotateHeadFenced: (schema: string | undefined) =>
      tree(`rotate_head_fenced${schema === undefined ? '' : `_in_${schema}`}`, `UPDATE log_head SET size = 0, tree = ${ordinal + 1} WHERE size = $1 AND tree = ${ordinal} AND NOT frozen AND EXISTS (${leaseHeld(lease(schema), 2)})`),
    freezeHead: tree('freeze_head', `UPDATE log_head SET frozen = true WHERE size = $1 AND tree = ${ordinal} AND NOT frozen`),
    freezeHeadFenced: (schema: string | undefined) =>
      tree(`freeze_head_fenced${schema === undefined ? '' : `_in_${schema}`}`, `UPDATE log_head SET frozen = true WHERE size = $1 AND tree = ${ordinal} AND NOT frozen AND EXISTS (${leaseHeld(lease(schema), 2)})`),

    // Tiles other than full level-0 ones, all of a batch in one upsert. A stored row is replaced only by a wider one that
    // keeps its level-0 hashes, or by an identical one; a level-0 row is never written once its tile is full (its leaf
    // groups exist). RETURNING names the rows written: any other was refused.
    upsertTiles: tree(
      'upsert_tiles',
      `INSERT INTO ${t.tiles} AS t (level, idx, width, hashes)
       SELECT n.level, n.idx, n.width, n.hashes
       FROM unnest($1::integer[], $2::bigint[], $3::integer[], $4::bytea[]) AS n (level, idx, width, hashes)
       WHERE NOT (n.level = 0 AND EXISTS (SELECT 1 FROM ${t.leafGroups} g WHERE g.grp = n.idx * 16))
       ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, hashes = excluded.hashes
       WHERE (excluded.width > t.width AND substring(excluded.hashes FROM 1 FOR t.width * 32) = substring(t.hashes FROM 1 FOR t.width * 32))
          OR (excluded.width = t.width AND excluded.hashes = t.hashes)
       RETURNING level, idx`,
    ),
    // A tile in one statement (one snapshot): its tiles row, first (grp -1), and for level 0 the 16 leaf-group rows of
    // tile $2, in order. A level-0 tile has one or the other: its row is deleted in the transaction that adds its groups.
    tileOrLeafGroups: tree(
      'tile_or_leaf_groups',
      `SELECT -1::bigint AS grp, width, hashes FROM ${t.tiles} WHERE level = $1 AND idx = $2
       UNION ALL
       SELECT grp, NULL, hashes FROM ${t.leafGroups} WHERE $1::integer = 0 AND grp >= $2::bigint * 16 AND grp < ($2::bigint + 1) * 16
       ORDER BY grp`,
    ),
    tileWidth: tree('tile_width', `SELECT width FROM ${t.tiles} WHERE level = $1 AND idx = $2`),
    deletePartialLevel0: tree('delete_partial_level0', `DELETE FROM ${t.tiles} WHERE level = 0 AND idx = $1 RETURNING width, hashes`),

    // leaf groups of full level-0 tiles: written once, never replaced
    insertLeafGroups: tree(
      'insert_leaf_groups',
      `INSERT INTO ${t.leafGroups} (grp, hashes) SELECT * FROM unnest($1::bigint[], $2::bytea[]) ON CONFLICT (grp) DO NOTHING RETURNING grp`,
    ),
    leafGroup: tree('leaf_group', `SELECT hashes FROM ${t.leafGroups} WHERE grp = $1`),
    // An entry and a leaf group in one statement (one snapshot): always one row, its columns null for what is not stored.
    entryAndLeafGroup: tree(
      'entry_and_leaf_group',
      `SELECT e.idx AS "index", e.leaf_hash AS "leafHash", e.body, e.kind, e.integrated_time AS "integratedTime", e.set_sig AS "set",
              g.hashes AS "leafGroup"
       FROM (SELECT $1::bigint AS idx, $2::bigint AS grp) k
       LEFT JOIN entries e ON e.idx = k.idx
       LEFT JOIN ${t.leafGroups} g ON g.grp = k.grp`,
    ),
    // Many (entry, leaf group) pairs in one statement (one snapshot), for reads coalesced while others are in flight
    // (coalesce.ts): one row per pair, `n` its 1-based position in the arrays, columns null for what is not stored (a
    // null group: no leaf group wanted).
    entriesAndLeafGroups: tree(
      'entries_and_leaf_groups',
      `SELECT k.n, e.idx AS "index", e.leaf_hash AS "leafHash", e.body, e.kind, e.integrated_time AS "integratedTime", e.set_sig AS "set",
              g.hashes AS "leafGroup"
       FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS k (idx, grp, n)
       LEFT JOIN entries e ON e.idx = k.idx
       LEFT JOIN ${t.leafGroups} g ON g.grp = k.grp`,
    ),
    leafGroupsInRange: tree('leaf_groups_in_range', `SELECT grp, hashes FROM ${t.leafGroups} WHERE grp >= $1 AND grp < $2 ORDER BY grp`),

    // checkpoints and cosignatures
    latestCheckpoint: tree('latest_checkpoint', `SELECT ${CHECKPOINT} FROM ${t.checkpoints} ORDER BY size DESC LIMIT 1`),
    checkpointAt: tree('checkpoint_at', `SELECT ${CHECKPOINT} FROM ${t.checkpoints} WHERE size = $1`),
    listCheckpoints: tree('list_checkpoints', `SELECT ${CHECKPOINT} FROM ${t.checkpoints} WHERE size >= $1 ORDER BY size LIMIT $2`),
    insertCheckpoint: tree('insert_checkpoint', `INSERT INTO ${t.checkpoints} (size, root, time_ms, note) VALUES ($1, $2, $3, $4)`),
    resignCheckpoint: tree('resign_checkpoint', `UPDATE ${t.checkpoints} SET time_ms = $1, note = $2 WHERE size = $3`),
    // Inserted only while the checkpoint exists (one statement: no window between the check and the insert).
    insertCosignature: tree(
      'insert_cosignature',
      `WITH cp AS (SELECT size FROM ${t.checkpoints} WHERE size = $1 FOR KEY SHARE),
            ins AS (INSERT INTO ${t.cosignatures} (size, witness, line) SELECT size, $2, $3 FROM cp ON CONFLICT DO NOTHING)
       SELECT count(*)::integer AS found FROM cp`,
    ),
    cosignatures: tree('cosignatures', `SELECT size, witness, line FROM ${t.cosignatures} WHERE size = $1 ORDER BY seq`),
    deleteCosignatures: tree('delete_cosignatures', `DELETE FROM ${t.cosignatures} WHERE size = $1`),
  };
}

/** Statements of one tree (treeStatements). */
export type TreeStatements = ReturnType<typeof treeStatements>;

/** The lease table, in `schema` or the search path's. */
function lease(schema: string | undefined): string {
  return schema === undefined ? 'sequencer_lease' : `${schema}.sequencer_lease`;
}

/** The NOTIFY of a compare-and-swap that swapped: the new size on channel $k, unless $k is null. */
function announce(k: number): string {
  return `CASE WHEN $${k}::text IS NULL THEN NULL ELSE pg_notify($${k}::text, size::text) END AS announced`;
}

/** The fence's sub-select: the lease row names holder $k, epoch $k+1 and is live; KEY SHARE-locked until the transaction ends. */
function leaseHeld(table: string, k = 3): string {
  return `SELECT 1 FROM ${table} WHERE holder = $${k} AND epoch = $${k + 1} AND expires_at > clock_timestamp() FOR KEY SHARE`;
}
