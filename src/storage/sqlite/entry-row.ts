/**
 * Entry rows as SQLite statements read them (statements.ts, and a frozen
 * tree's reads in shards.ts): column aliases shaped as the contract's
 * StoredEntry, and the one-row read of an entry with a leaf group.
 */
import type { StoredEntry } from '../types.js';

/** The entries table's columns, aliased as StoredEntry's fields. */
export const ENTRY = `idx AS "index", leaf_hash AS leafHash, body, kind, integrated_time AS integratedTime, set_sig AS "set"`;
/** ENTRY's columns of the table aliased `t`. */
export const ENTRY_OF = (t: string): string => `${t}.idx AS "index", ${t}.leaf_hash AS leafHash, ${t}.body, ${t}.kind, ${t}.integrated_time AS integratedTime, ${t}.set_sig AS "set"`;

type Nullable<T> = { [K in keyof T]: T[K] | null };

/** A row of an entry-and-leaf-group statement: the entry's columns (all NULL when it is not stored) and the group's hashes. */
export type EntryAndLeafGroupRow = Nullable<StoredEntry> & { leafGroup: Uint8Array | null };

/** The entry and leaf group of such a row. */
export function entryAndLeafGroupOf(row: EntryAndLeafGroupRow): { entry: StoredEntry | undefined; leafGroup: Uint8Array | undefined } {
  const { leafGroup, ...entry } = row;
  return { entry: entry.index === null ? undefined : (entry as StoredEntry), leafGroup: leafGroup ?? undefined };
}
