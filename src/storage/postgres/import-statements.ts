/**
 * The SQL of {@link PostgresImport} (import.ts), as named statements: the
 * log's (head, import row, meta, entries, search keys, shards rows) and one
 * tree's ({@link importTreeStatements}: its own four tables, as
 * migrations/postgres/0004_shards.sql lays them out).
 */
import type pg from 'pg';
import { treeTables } from './statements.js';

const sql = (name: string, text: string) => (values: unknown[] = []): pg.QueryConfig => ({ name: `cairn_import_${name}`, text, values });

/**
 * The head's `frozen` for a head at `size` of `tree`: set exactly when that
 * tree's row is frozen at that size and no tree follows it (the head of a
 * frozen log: shards.ts's invariant).
 */
function frozenAt(size: string, tree: string): string {
  return `EXISTS (SELECT 1 FROM shards s WHERE s.ordinal = ${tree} AND s.frozen_size = ${size}) AND NOT EXISTS (SELECT 1 FROM shards n WHERE n.ordinal = ${tree} + 1)`;
}

export const Q = {
  lock: sql('lock', 'SELECT pg_try_advisory_lock($1, hashtext(current_schema())) AS ok'),
  unlock: sql('unlock', 'SELECT pg_advisory_unlock($1, hashtext(current_schema()))'),
  status: sql(
    'status',
    `SELECT (SELECT size FROM log_head) AS size, (SELECT tree FROM log_head) AS tree,
            (SELECT source FROM import_state) AS source,
            (SELECT started_ms FROM import_state) AS "startedMs",
            EXISTS (SELECT 1 FROM checkpoints) OR EXISTS (SELECT 1 FROM entries) OR EXISTS (SELECT 1 FROM meta)
              OR EXISTS (SELECT 1 FROM tiles) OR EXISTS (SELECT 1 FROM leaf_groups) OR EXISTS (SELECT 1 FROM search_keys)
              OR EXISTS (SELECT 1 FROM cosignatures) OR EXISTS (SELECT 1 FROM shards) AS "hasRows"`,
  ),
  lockHead: sql('lock_head', 'SELECT size, tree FROM log_head FOR UPDATE'),
  lockImport: sql('lock_import', 'SELECT source FROM import_state FOR UPDATE'),
  shareImport: sql('share_import', 'SELECT source FROM import_state FOR SHARE'),
  startImport: sql('start_import', 'INSERT INTO import_state (source, started_ms) VALUES ($1, $2)'),
  endImport: sql('end_import', 'DELETE FROM import_state WHERE EXISTS (SELECT 1 FROM log_head WHERE size = $1 AND tree = $2)'),
  setHead: sql('set_head', `UPDATE log_head SET size = $1, tree = $2, frozen = ${frozenAt('$1::bigint', '$2::bigint')}`),
  refreezeHead: sql('refreeze_head', `UPDATE log_head SET frozen = ${frozenAt('log_head.size', 'log_head.tree')}`),
  // The global index one past the copy's last entry: the head tree's first index plus the head's size.
  entryEnd: sql('entry_end', 'SELECT h.size + coalesce(s.first_index, 0) AS "end" FROM log_head h LEFT JOIN shards s ON s.ordinal = h.tree'),
  insertMeta: sql('insert_meta', 'INSERT INTO meta (key, value) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (key) DO NOTHING'),
  metaOf: sql('meta_of', 'SELECT key, value FROM meta WHERE key = ANY($1::text[])'),
  allMeta: sql('all_meta', 'SELECT key, value FROM meta'),
  insertShard: sql(
    'insert_shard',
    `INSERT INTO shards (ordinal, tree_id, first_index, public_key, note_key, created_ms, frozen_size, frozen_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  ),
  freezeShard: sql('freeze_shard', 'UPDATE shards SET frozen_size = $2, frozen_ms = $3 WHERE ordinal = $1 AND frozen_size IS NULL'),
  insertSearchKeys: sql(
    'insert_search_keys',
    'INSERT INTO search_keys (key, idx) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING',
  ),
  missingSearchKeys: sql(
    'missing_search_keys',
    `SELECT s.key, s.idx AS "index" FROM unnest($1::text[], $2::bigint[]) AS s (key, idx)
     WHERE NOT EXISTS (SELECT 1 FROM search_keys k WHERE k.key = s.key AND k.idx = s.idx)`,
  ),
  counts: sql(
    'counts',
    `SELECT (SELECT count(*) FROM entries) AS entries, (SELECT coalesce(max(idx) + 1, 0) FROM entries) AS "entryEnd",
            (SELECT count(*) FROM search_keys) AS "searchKeys"`,
  ),
};

/** The statements of tree `ordinal`'s rows in an import (a non-negative safe integer, checked by the caller). */
export function importTreeStatements(ordinal: number) {
  const t = treeTables(ordinal);
  const tree = (name: string, text: string): ((values?: unknown[]) => pg.QueryConfig) => sql(ordinal === 0 ? name : `${name}_t${ordinal}`, text);
  return {
    hasCheckpoint: tree('has_checkpoint', `SELECT EXISTS (SELECT 1 FROM ${t.checkpoints} WHERE size = $1) AS found`),
    deletePartialLevel0: tree('delete_partial_level0', `DELETE FROM ${t.tiles} WHERE level = 0 AND idx = ANY($1::bigint[])`),
    insertLeafGroups: tree('insert_leaf_groups', `INSERT INTO ${t.leafGroups} (grp, hashes) SELECT * FROM unnest($1::bigint[], $2::bytea[])`),
    insertCheckpoints: tree(
      'insert_checkpoints',
      `INSERT INTO ${t.checkpoints} (size, root, time_ms, note) SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bigint[], $4::text[])`,
    ),
    // Cosignatures of stored checkpoints only, in the order given (the identity column numbers them as inserted).
    insertCosignatures: tree(
      'insert_cosignatures',
      `INSERT INTO ${t.cosignatures} (size, witness, line)
       SELECT c.size, c.witness, c.line
       FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS c (size, witness, line, n)
       WHERE EXISTS (SELECT 1 FROM ${t.checkpoints} k WHERE k.size = c.size)
       ORDER BY c.n
       ON CONFLICT DO NOTHING`,
    ),
    countCosignable: tree('count_cosignable', `SELECT count(*)::integer AS n FROM ${t.checkpoints} WHERE size = ANY($1::bigint[])`),
    allCosignatures: tree('all_cosignatures', `SELECT size, witness, line FROM ${t.cosignatures} ORDER BY size, seq`),
    tilesAtLevel: tree('tiles_at_level', `SELECT level, idx AS "index", width, hashes FROM ${t.tiles} WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`),
    counts: tree(
      'tree_counts',
      `SELECT (SELECT count(*) FROM ${t.leafGroups}) AS "leafGroups", (SELECT count(*) FROM ${t.tiles}) AS tiles,
              (SELECT count(*) FROM ${t.checkpoints}) AS checkpoints, (SELECT count(*) FROM ${t.cosignatures}) AS cosignatures`,
    ),
  };
}
