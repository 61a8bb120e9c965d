/**
 * The `shards` table's row as both engines store it (SQLite migration
 * 0003_shards.sql, PostgreSQL 0004_shards.sql: the same columns), and the
 * contract's ShardRow made from it.
 */
import type { ShardRow } from './types.js';

/** A row of the `shards` table, columns as named in SQL. */
export interface ShardSqlRow {
  ordinal: number;
  tree_id: string;
  first_index: number;
  public_key: string;
  note_key: string | null;
  created_ms: number;
  frozen_size: number | null;
  frozen_ms: number | null;
}

export function toShardRow(r: ShardSqlRow): ShardRow {
  return {
    ordinal: r.ordinal,
    treeId: r.tree_id,
    firstIndex: r.first_index,
    publicKeyPem: r.public_key,
    noteKeyPem: r.note_key ?? undefined,
    createdMs: r.created_ms,
    frozenSize: r.frozen_size ?? undefined,
    frozenMs: r.frozen_ms ?? undefined,
  };
}
