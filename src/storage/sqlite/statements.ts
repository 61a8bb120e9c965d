/**
 * The prepared statements of {@link SqliteStore}, compiled once per
 * connection. Column aliases make rows come back already shaped as the
 * contract's types, so reads do no per-row mapping.
 */

import type { Database } from 'better-sqlite3';
import type { CheckpointRow, CosignatureRow, StoredEntry, TileRow } from '../types.js';
import { ENTRY, ENTRY_OF, type EntryAndLeafGroupRow } from './entry-row.js';
import { joinedLeafGroupsSql } from './shards.js';

type Bytes = Uint8Array;

const CHECKPOINT = 'size, root, time_ms AS time, note';

/** Prepare every statement the store uses. */
export function prepareStatements(db: Database) {
  return {
    // entries
    insertEntry: db.prepare<[number, Bytes, Bytes, string, number, Bytes]>(
      'INSERT INTO entries (idx, leaf_hash, body, kind, integrated_time, set_sig) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    entryByIndex: db.prepare<[number], StoredEntry>(`SELECT ${ENTRY} FROM entries WHERE idx = ?`),
    // One row whether or not the entry is stored: its columns (NULL when it is not) and the leaf group's hashes (NULL when absent).
    entryAndLeafGroup: db.prepare<[number, number], EntryAndLeafGroupRow>(
      `SELECT ${ENTRY_OF('e')}, (SELECT hashes FROM leaf_groups WHERE grp = ?) AS leafGroup FROM (SELECT 1) LEFT JOIN entries e ON e.idx = ?`,
    ),
    entriesInRange: db.prepare<[number, number], StoredEntry>(`SELECT ${ENTRY} FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx`),
    entryByLeafHash: db.prepare<[Bytes], StoredEntry>(`SELECT ${ENTRY} FROM entries WHERE leaf_hash = ?`),
    // Covered by the UNIQUE index on leaf_hash: one b-tree descent, no table lookup.
    indexOfLeafHash: db.prepare<[Bytes], number>('SELECT idx FROM entries WHERE leaf_hash = ?').pluck(),

    // search keys
    insertSearchKey: db.prepare<[string, number]>('INSERT OR IGNORE INTO search_keys (key, idx) VALUES (?, ?)'),
    searchKey: db.prepare<[string, number], number>('SELECT idx FROM search_keys WHERE key = ? ORDER BY idx LIMIT ?').pluck(),

    // tiles: a stored row is replaced only by a wider one that keeps its level-0
    // hashes, or by an identical one; otherwise the upsert changes nothing.
    upsertTile: db.prepare<[number, number, number, Bytes]>(
      `INSERT INTO tiles (level, idx, width, hashes) VALUES (?, ?, ?, ?)
       ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, hashes = excluded.hashes
       WHERE (excluded.width > tiles.width
              AND substr(excluded.hashes, 1, tiles.width * 32) = substr(tiles.hashes, 1, tiles.width * 32))
          OR (excluded.width = tiles.width AND excluded.hashes = tiles.hashes)`,
    ),
    tile: db.prepare<[number, number], TileRow>('SELECT level, idx AS "index", width, hashes FROM tiles WHERE level = ? AND idx = ?'),
    deleteTile: db.prepare<[number, number]>('DELETE FROM tiles WHERE level = ? AND idx = ?'),

    // leaf groups of full level-0 tiles (migrations/0002): written once, never replaced.
    insertLeafGroup: db.prepare<[number, Bytes]>('INSERT INTO leaf_groups (grp, hashes) VALUES (?, ?) ON CONFLICT (grp) DO NOTHING'),
    leafGroup: db.prepare<[number], Bytes>('SELECT hashes FROM leaf_groups WHERE grp = ?').pluck(),
    joinedLeafGroups: db.prepare<[number, number], Bytes | null>(joinedLeafGroupsSql('leaf_groups')).pluck(),

    // checkpoints and cosignatures
    latestSize: db.prepare<[], number>('SELECT size FROM checkpoints ORDER BY size DESC LIMIT 1').pluck(),
    latestCheckpoint: db.prepare<[], CheckpointRow>(`SELECT ${CHECKPOINT} FROM checkpoints ORDER BY size DESC LIMIT 1`),
    checkpointAt: db.prepare<[number], CheckpointRow>(`SELECT ${CHECKPOINT} FROM checkpoints WHERE size = ?`),
    listCheckpoints: db.prepare<[number, number], CheckpointRow>(
      `SELECT ${CHECKPOINT} FROM checkpoints WHERE size >= ? ORDER BY size LIMIT ?`,
    ),
    insertCheckpoint: db.prepare<[number, Bytes, number, string]>(
      'INSERT INTO checkpoints (size, root, time_ms, note) VALUES (?, ?, ?, ?)',
    ),
    resignCheckpoint: db.prepare<[number, string, number]>('UPDATE checkpoints SET time_ms = ?, note = ? WHERE size = ?'),
    insertCosignature: db.prepare<[number, string, string]>(
      'INSERT OR IGNORE INTO cosignatures (size, witness, line) VALUES (?, ?, ?)',
    ),
    cosignatures: db.prepare<[number], CosignatureRow>(
      'SELECT size, witness, line FROM cosignatures WHERE size = ? ORDER BY rowid',
    ),
    deleteCosignatures: db.prepare<[number]>('DELETE FROM cosignatures WHERE size = ?'),

    // meta and housekeeping
    getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
    insertMeta: db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?)'),
    pageBytes: db.prepare<[], number>('SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()').pluck(),
  };
}

/** The statements returned by {@link prepareStatements}. */
export type Statements = ReturnType<typeof prepareStatements>;
