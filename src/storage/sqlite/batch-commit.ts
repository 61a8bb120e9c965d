/**
 * The commit of one batch on a SQLite connection (LogStore.appendBatch): one
 * IMMEDIATE transaction holding the compare-and-swap on the latest
 * checkpoint's size, the entries, their search keys, the tiles and the
 * checkpoint. Committed when it returns; on a throw nothing of it is visible.
 *
 * Any connection to the file may run it: SQLite's write lock orders
 * writers, and the compare-and-swap inside the transaction refuses a batch
 * that does not follow what is stored, whoever wrote last.
 *
 * Throws LogError: INCONSISTENT for a batch that does not fit the stored log
 * (another size, a tile or checkpoint that would be rewritten, an entry
 * already stored: batch.ts duplicateLeafError names it), CORRUPT for a
 * damaged file, STORE_FAILED for any other failure (disk full, I/O error,
 * read-only file).
 */
import type { Database } from 'better-sqlite3';
import { LogError } from '../../errors.js';
import { LEAF_GROUPS_PER_TILE, TILE_WIDTH, leafGroupsOfTile } from '../../merkle/index.js';
import { duplicateLeafError } from '../batch.js';
import type { Batch, TileRow } from '../types.js';
import { sqliteCode, toLogError } from './errors.js';
import type { Statements } from './statements.js';

export type BatchCommit = (previousSize: number, batch: Batch) => void;

/** The commit routine of connection `db`, with `s` its prepared statements. */
export function batchCommit(db: Database, s: Statements): BatchCommit {
  const transaction = db.transaction((previousSize: number, batch: Batch) => write(s, previousSize, batch));
  return (previousSize, batch) => {
    try {
      transaction.immediate(previousSize, batch);
    } catch (err) {
      throw commitError(s, err, batch);
    }
  };
}

/** The transaction body. Throwing rolls everything back. */
function write(s: Statements, previousSize: number, batch: Batch): void {
  const stored = s.latestSize.get() ?? 0;
  if (stored !== previousSize) {
    throw new LogError('INCONSISTENT', `couldn't commit batch: the stored log has size ${stored}, not ${previousSize}`, {
      details: { storedSize: stored, previousSize },
    });
  }
  for (const e of batch.entries) s.insertEntry.run(e.index, e.leafHash, e.body, e.kind, e.integratedTime, e.set);
  for (const k of batch.searchKeys) s.insertSearchKey.run(k.key, k.index);
  for (const t of batch.tiles) writeTile(s, t);
  writeCheckpoint(s, batch);
}

/**
 * Upsert a tile; the statement refuses (changes nothing) a narrower row or
 * changed level-0 hashes. A full level-0 tile goes to leaf groups instead.
 */
function writeTile(s: Statements, t: TileRow): void {
  if (t.level === 0 && t.width === TILE_WIDTH) return writeFullLevel0(s, t);
  if (t.level === 0 && s.leafGroup.get(t.index * LEAF_GROUPS_PER_TILE) !== undefined) refuseTile(t, TILE_WIDTH);
  if (s.upsertTile.run(t.level, t.index, t.width, t.hashes).changes > 0) return;
  refuseTile(t, s.tile.get(t.level, t.index)?.width);
}

/**
 * A level-0 tile became full: its 16 leaf-group rows replace its partial
 * row, under the same rule as the upsert (the stored level-0 hashes are
 * kept; the same full tile again is a no-op; other hashes are refused).
 */
function writeFullLevel0(s: Statements, t: TileRow): void {
  const partial = s.tile.get(0, t.index);
  if (partial !== undefined) {
    const n = partial.width * 32;
    if (Buffer.compare(partial.hashes.subarray(0, n), t.hashes.subarray(0, n)) !== 0) refuseTile(t, partial.width);
    s.deleteTile.run(0, t.index);
  }
  const first = t.index * LEAF_GROUPS_PER_TILE;
  leafGroupsOfTile(t).forEach((row, k) => {
    if (s.insertLeafGroup.run(first + k, row).changes > 0) return;
    const stored = s.leafGroup.get(first + k);
    if (stored === undefined || Buffer.compare(stored, row) !== 0) refuseTile(t, TILE_WIDTH);
  });
}

function refuseTile(t: TileRow, storedWidth: number | undefined): never {
  throw new LogError(
    'INCONSISTENT',
    `couldn't commit batch: tile ${t.level}/${t.index} of width ${storedWidth} would be rewritten with width ${t.width} or other hashes`,
    { details: { level: t.level, index: t.index, storedWidth, width: t.width } },
  );
}

/**
 * A batch with no entries re-publishes the checkpoint at the current size
 * (a fresh signature and time): its root MUST equal the stored one
 * (INCONSISTENT otherwise); if its note differs, the stored note is replaced
 * and the cosignatures of the old note are dropped, as they no longer
 * verify against what is served.
 */
function writeCheckpoint(s: Statements, batch: Batch): void {
  const cp = batch.checkpoint;
  const stored = batch.entries.length === 0 ? s.checkpointAt.get(cp.size) : undefined;
  if (stored === undefined) {
    s.insertCheckpoint.run(cp.size, cp.root, cp.time, cp.note);
    return;
  }
  if (Buffer.compare(stored.root, cp.root) !== 0) {
    throw new LogError('INCONSISTENT', `couldn't commit batch: checkpoint at size ${cp.size} has a different root than the stored one`, {
      details: { size: cp.size },
    });
  }
  s.resignCheckpoint.run(cp.time, cp.note, cp.size);
  if (stored.note !== cp.note) s.deleteCosignatures.run(cp.size);
}

/** Turn a failed commit into the contract's error, naming a duplicate entry when that was the cause. */
function commitError(s: Statements, err: unknown, batch: Batch): LogError {
  const code = sqliteCode(err);
  if (code === undefined || !code.startsWith('SQLITE_CONSTRAINT')) return toLogError('commit batch', err, 'STORE_FAILED');
  const duplicate = duplicateLeafError(batch, (h) => s.indexOfLeafHash.get(h), err);
  if (duplicate !== undefined) return duplicate;
  return toLogError('commit batch', err, 'INCONSISTENT');
}
