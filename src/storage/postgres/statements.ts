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
  // the compare-and-swap: updates the one head row only if it holds previousSize; its lock serialises writers
  casHead: named('cas_head', 'UPDATE log_head SET size = $2 WHERE size = $1'),
  // The same compare-and-swap for a store fenced by the sequencer lease (lease.ts): only while the lease row names this
  // holder and epoch and has not expired by the database's clock, and with a KEY SHARE lock on that row until the
  // transaction ends, so that a takeover (which locks the row FOR UPDATE) waits for this commit.
  casHeadFenced: named(
    'cas_head_fenced',
    `UPDATE log_head SET size = $2 WHERE size = $1 AND EXISTS (
       SELECT 1 FROM sequencer_lease WHERE holder = $3 AND epoch = $4 AND expires_at > clock_timestamp() FOR KEY SHARE)`,
  ),
  headSize: named('head_size', 'SELECT size FROM log_head'),
  leaseHolder: named('lease_holder', 'SELECT holder, epoch, expires_at > clock_timestamp() AS live FROM sequencer_lease'),
  // The same two, with the lease row in another schema (SequencerFence.leaseSchema, a checked plain identifier).
  casHeadFencedIn: (schema: string) =>
    named(
      `cas_head_fenced_in_${schema}`,
      `UPDATE log_head SET size = $2 WHERE size = $1 AND EXISTS (
         SELECT 1 FROM ${schema}.sequencer_lease WHERE holder = $3 AND epoch = $4 AND expires_at > clock_timestamp() FOR KEY SHARE)`,
    ),
  leaseHolderIn: (schema: string) => named(`lease_holder_in_${schema}`, `SELECT holder, epoch, expires_at > clock_timestamp() AS live FROM ${schema}.sequencer_lease`),

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

  // Tiles other than full level-0 ones, all of a batch in one upsert. A stored row is replaced only by a wider one that
  // keeps its level-0 hashes, or by an identical one; a level-0 row is never written once its tile is full (its leaf
  // groups exist). RETURNING names the rows written: any other was refused.
  upsertTiles: named(
    'upsert_tiles',
    `INSERT INTO tiles AS t (level, idx, width, hashes)
     SELECT n.level, n.idx, n.width, n.hashes
     FROM unnest($1::integer[], $2::bigint[], $3::integer[], $4::bytea[]) AS n (level, idx, width, hashes)
     WHERE NOT (n.level = 0 AND EXISTS (SELECT 1 FROM leaf_groups g WHERE g.grp = n.idx * 16))
     ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, hashes = excluded.hashes
     WHERE (excluded.width > t.width AND substring(excluded.hashes FROM 1 FOR t.width * 32) = substring(t.hashes FROM 1 FOR t.width * 32))
        OR (excluded.width = t.width AND excluded.hashes = t.hashes)
     RETURNING level, idx`,
  ),
  // A tile in one statement (one snapshot): its tiles row, first (grp -1), and for level 0 the 16 leaf-group rows of
  // tile $2, in order. A level-0 tile has one or the other: its row is deleted in the transaction that adds its groups.
  tileOrLeafGroups: named(
    'tile_or_leaf_groups',
    `SELECT -1::bigint AS grp, width, hashes FROM tiles WHERE level = $1 AND idx = $2
     UNION ALL
     SELECT grp, NULL, hashes FROM leaf_groups WHERE $1::integer = 0 AND grp >= $2::bigint * 16 AND grp < ($2::bigint + 1) * 16
     ORDER BY grp`,
  ),
  tileWidth: named('tile_width', 'SELECT width FROM tiles WHERE level = $1 AND idx = $2'),
  deletePartialLevel0: named('delete_partial_level0', 'DELETE FROM tiles WHERE level = 0 AND idx = $1 RETURNING width, hashes'),

  // leaf groups of full level-0 tiles: written once, never replaced
  insertLeafGroups: named(
    'insert_leaf_groups',
    'INSERT INTO leaf_groups (grp, hashes) SELECT * FROM unnest($1::bigint[], $2::bytea[]) ON CONFLICT (grp) DO NOTHING RETURNING grp',
  ),
  leafGroup: named('leaf_group', 'SELECT hashes FROM leaf_groups WHERE grp = $1'),
  // An entry and a leaf group in one statement (one snapshot): always one row, its columns null for what is not stored.
  entryAndLeafGroup: named(
    'entry_and_leaf_group',
    `SELECT e.idx AS "index", e.leaf_hash AS "leafHash", e.body, e.kind, e.integrated_time AS "integratedTime", e.set_sig AS "set",
            g.hashes AS "leafGroup"
     FROM (SELECT $1::bigint AS idx, $2::bigint AS grp) k
     LEFT JOIN entries e ON e.idx = k.idx
     LEFT JOIN leaf_groups g ON g.grp = k.grp`,
  ),
  // Many (entry, leaf group) pairs in one statement (one snapshot), for reads coalesced while others are in flight
  // (coalesce.ts): one row per pair, `n` its 1-based position in the arrays, columns null for what is not stored (a
  // null group: no leaf group wanted).
  entriesAndLeafGroups: named(
    'entries_and_leaf_groups',
    `SELECT k.n, e.idx AS "index", e.leaf_hash AS "leafHash", e.body, e.kind, e.integrated_time AS "integratedTime", e.set_sig AS "set",
            g.hashes AS "leafGroup"
     FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS k (idx, grp, n)
     LEFT JOIN entries e ON e.idx = k.idx
     LEFT JOIN leaf_groups g ON g.grp = k.grp`,
  ),
  leafGroupsInRange: named('leaf_groups_in_range', 'SELECT grp, hashes FROM leaf_groups WHERE grp >= $1 AND grp < $2 ORDER BY grp'),

  // checkpoints and cosignatures
  latestCheckpoint: named('latest_checkpoint', `SELECT ${CHECKPOINT} FROM checkpoints ORDER BY size DESC LIMIT 1`),
  checkpointAt: named('checkpoint_at', `SELECT ${CHECKPOINT} FROM checkpoints WHERE size = $1`),
  listCheckpoints: named('list_checkpoints', `SELECT ${CHECKPOINT} FROM checkpoints WHERE size >= $1 ORDER BY size LIMIT $2`),
  insertCheckpoint: named('insert_checkpoint', 'INSERT INTO checkpoints (size, root, time_ms, note) VALUES ($1, $2, $3, $4)'),
  resignCheckpoint: named('resign_checkpoint', 'UPDATE checkpoints SET time_ms = $1, note = $2 WHERE size = $3'),
  // Inserted only while the checkpoint exists (one statement: no window between the check and the insert).
  insertCosignature: named(
    'insert_cosignature',
    `WITH cp AS (SELECT size FROM checkpoints WHERE size = $1 FOR KEY SHARE),
          ins AS (INSERT INTO cosignatures (size, witness, line) SELECT size, $2, $3 FROM cp ON CONFLICT DO NOTHING)
     SELECT count(*)::integer AS found FROM cp`,
  ),
  cosignatures: named('cosignatures', 'SELECT size, witness, line FROM cosignatures WHERE size = $1 ORDER BY seq'),
  deleteCosignatures: named('delete_cosignatures', 'DELETE FROM cosignatures WHERE size = $1'),

  // meta and housekeeping
  getMeta: named('get_meta', 'SELECT value FROM meta WHERE key = $1'),
  insertMeta: named('insert_meta', 'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING'),
  databaseSize: named('database_size', 'SELECT pg_database_size(current_database()) AS bytes'),
  // a copy cairn migrate has not finished (import.ts)
  unfinishedImport: named('unfinished_import', 'SELECT source FROM import_state'),
} as const;
