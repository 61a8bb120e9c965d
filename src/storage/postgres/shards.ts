/**
 * The log's trees on PostgreSQL (migrations/postgres/0004_shards.sql): the
 * `shards` rows, the tables a new tree gets, and the head's compare-and-swap
 * of a rotation or a freeze.
 *
 * Why a table set per tree rather than renaming the active tree's tables as
 * SQLite does (src/storage/sqlite/shards.ts): several nodes serve one
 * database, and a node learns of a rotation another node made only when it
 * next reads the `shards` rows (src/log/service.ts, followTrees). Until then
 * it reads its tree at the tables that tree has always had, which the
 * rotation never touches, so no read ever mixes two trees; and no rename
 * waits for every other node's readers to let go of the tables.
 *
 * Invariant: `log_head.tree` is the ordinal of the last `shards` row, and
 * `log_head.size` that tree's latest checkpoint size; `log_head.frozen` is
 * true exactly when that row is frozen. Every write that changes either
 * (a batch, a rotation, a freeze) is one transaction whose first statement is
 * a compare-and-swap on the head row naming the tree and size it expects,
 * under the same sequencer fence as a batch.
 */
import type pg from 'pg';
import { LogError } from '../../errors.js';
import type { SequencerFence } from './lease.js';
import { SQL, treeTables, type TreeStatements } from './statements.js';

export { toShardRow, type ShardSqlRow } from '../shard-row.js';

/** Create tree `ordinal`'s four tables, empty, like tree 0's (columns, checks, keys, storage, identity); inside the caller's transaction. */
export async function createTreeTables(client: pg.PoolClient, ordinal: number): Promise<void> {
  const base = treeTables(0);
  const t = treeTables(ordinal);
  for (const k of ['tiles', 'leafGroups', 'checkpoints', 'cosignatures'] as const) {
    await client.query(`CREATE TABLE ${t[k]} (LIKE ${base[k]} INCLUDING ALL)`);
  }
}

/** The head as stored. */
export interface Head {
  readonly size: number;
  readonly tree: number;
  readonly frozen: boolean;
}

/**
 * The first statement of a rotation or a freeze of tree `ordinal` at `size`:
 * the head's compare-and-swap (fenced when `fence` is set). Resolves when it
 * matched; rejects with NOT_SEQUENCER when the fence no longer holds (the
 * `refuseIfFenced` given), else INCONSISTENT naming what the head holds.
 */
export async function swapHead(
  client: pg.PoolClient,
  q: TreeStatements,
  what: 'rotate' | 'freeze',
  ordinal: number,
  size: number,
  fence: SequencerFence | undefined,
  refuseIfFenced: (client: pg.PoolClient, fence: SequencerFence) => Promise<void>,
): Promise<void> {
  const statement =
    fence === undefined
      ? (what === 'rotate' ? q.rotateHead : q.freezeHead)([size])
      : (what === 'rotate' ? q.rotateHeadFenced : q.freezeHeadFenced)(fence.leaseSchema)([size, fence.holder, fence.epoch]);
  const swapped = await client.query(statement);
  if (swapped.rowCount === 1) return;
  if (fence !== undefined) await refuseIfFenced(client, fence);
  const head = (await client.query<Head>(SQL.head())).rows[0];
  throw new LogError('INCONSISTENT', `couldn't ${what}: ${headMismatch(head, ordinal, size)}`, {
    details: { storedSize: head?.size, storedTree: head?.tree, frozen: head?.frozen, tree: ordinal, size },
  });
}

/** Why the head does not match tree `ordinal` at `size`, for messages. */
export function headMismatch(head: Head | undefined, ordinal: number, size: number): string {
  if (head === undefined) return 'the log has no head row';
  if (head.tree !== ordinal) return `the log's active tree is tree ${head.tree} (another writer rotated it), not tree ${ordinal}`;
  if (head.frozen) return `the log is frozen (tree ${ordinal} at size ${head.size})`;
  return `the active tree has size ${head.size}, not ${size}`;
}
