/**
 * The asynchronous storage contract: {@link LogStore}'s operations for a
 * store that may answer over the network (PostgreSQL), where every call may
 * wait for a round trip. Same rows, same rules; what differs is stated here.
 * The contract suite in `test/storage/store.contract.ts` runs on every
 * implementation (the SQLite store through `toAsyncStore`, async-adapter.ts).
 *
 * Concurrency: calls MAY overlap. A read that overlaps a commit sees the
 * store before the batch or after it, never part of it. The log issues its
 * `appendBatch` calls in index order, one after the other; a second writer
 * (another process, another node on the same database) is possible, and the
 * compare-and-swap is what keeps it from forking the log: it is done by the
 * storage engine, inside the batch's transaction, so of two batches on the
 * same previous size at most one commits.
 *
 * Errors are LogErrors, as a rejected promise (never a synchronous throw):
 * INCONSISTENT, CORRUPT, NOT_FOUND, SHUTTING_DOWN as in `LogStore`;
 * STORE_FAILED for a write that failed and also for any call while the
 * storage engine cannot be reached or refuses work for now (connection
 * refused or lost, server shutting down, timeout, disk full): retryable (a
 * 503), nothing was changed by the call that got it — except a commit whose
 * outcome is unknown (below); INTERNAL for any other failed read.
 */

import type { Batch, CheckpointRow, CosignatureRow, LogStore, Rotation, ShardRow, StoredEntry, TileRow, TreeReads } from './types.js';

/**
 * A log store whose operations return promises.
 *
 * Durability: when `appendBatch` resolves, the batch is committed: visible to
 * every later read of any store on the same data, and safe from a crash of
 * this process. It survives a crash of the machine once `sync()` has resolved
 * (a store without `sync` — PostgreSQL with `synchronous_commit = on` — is
 * durable when `appendBatch` resolves). Nothing may be published or
 * acknowledged before. Other writes (cosignatures, meta) are durable when
 * they resolve.
 *
 * Atomicity: a batch is written entirely or not at all.
 *
 * Consistency: `appendBatch` is a compare-and-swap on the latest checkpoint's
 * size, done by the storage engine in the batch's transaction: it MUST reject
 * with `LogError('INCONSISTENT')` and write nothing when `previousSize`
 * differs from the stored latest size (0 if none) at the moment the batch
 * would commit, or when an entry index is not dense from `previousSize`.
 *
 * A rejected `appendBatch` wrote nothing, with one exception: when the
 * connection failed while the commit itself was in flight, the store cannot
 * tell whether it took effect and rejects with STORE_FAILED and
 * `details.outcome === 'unknown'`. The caller MUST then learn the outcome
 * from `latestCheckpoint()` before writing again (the log does after any
 * failed batch: src/log/commit.ts, rebuild).
 */
export interface AsyncLogStore {
  /** Commit a batch (see the interface contract). */
  appendBatch(previousSize: number, batch: Batch): Promise<void>;
  /** As {@link LogStore.sync}. Absent: appendBatch is durable when it resolves. */
  sync?(): Promise<void>;
  /** As {@link LogStore.writeBarrier}. */
  writeBarrier?(): Promise<void> | undefined;

  /** The latest committed checkpoint, or undefined for a new log. */
  latestCheckpoint(): Promise<CheckpointRow | undefined>;
  /** The checkpoint published at exactly `size`, if any. */
  checkpointAt(size: number): Promise<CheckpointRow | undefined>;
  /** Published checkpoints with size ≥ `fromSize`, ascending, at most `limit`. */
  listCheckpoints(fromSize: number, limit: number): Promise<CheckpointRow[]>;

  /** Add a witness cosignature to a stored checkpoint; idempotent per (size, witness); NOT_FOUND without that checkpoint. */
  addCosignature(row: CosignatureRow): Promise<void>;
  /** Cosignatures stored for the checkpoint at `size`, in insertion order. */
  cosignatures(size: number): Promise<CosignatureRow[]>;

  entryByIndex(index: number): Promise<StoredEntry | undefined>;
  /** Entries with index in [start, start + count), ascending; fewer if the log is shorter. */
  entriesInRange(start: number, count: number): Promise<StoredEntry[]>;
  entryByLeafHash(leafHash: Uint8Array): Promise<StoredEntry | undefined>;
  /** Index of the entry with this leaf hash, if stored (dedup lookup). */
  indexOfLeafHash(leafHash: Uint8Array): Promise<number | undefined>;
  /** Entry indices stored under a search key, ascending, at most `limit`. */
  searchKey(key: string, limit: number): Promise<number[]>;

  /** The stored tile row at (level, index), or undefined; a full level-0 tile in the full-tile layout. */
  tile(level: number, index: number): Promise<TileRow | undefined>;
  /** As {@link LogStore.leafGroup}: one leaf-group row of a full level-0 tile. Optional. */
  leafGroup?(group: number): Promise<Uint8Array | undefined>;
  /**
   * `entryByIndex(index)` and `leafGroup(group)` in one read, from one
   * snapshot: what an entry served with its inclusion proof needs from the
   * store (`group` numbered as `leafGroup` numbers it, within the tree). Each
   * is undefined exactly when its own read would answer undefined; the pair
   * never mixes two states of the log. Optional, and only on a store with
   * `leafGroup`: a store over a network answers it in one round trip instead
   * of two (PostgreSQL: one statement).
   */
  entryAndLeafGroup?(index: number, group: number): Promise<{ entry: StoredEntry | undefined; leafGroup: Uint8Array | undefined }>;

  /** As {@link LogStore.shards}: the log's trees, oldest first. Optional: without it, one tree from index 0 that cannot rotate. */
  shards?(): Promise<ShardRow[]>;
  /** As {@link LogStore.addFirstShard}. */
  addFirstShard?(row: Omit<ShardRow, 'ordinal' | 'firstIndex' | 'frozenSize' | 'frozenMs'>): Promise<void>;
  /** As {@link LogStore.rotate}: freeze the active tree and start the next, in one transaction, with the same compare-and-swap. */
  rotate?(rotation: Rotation): Promise<void>;
  /** As {@link LogStore.freeze}. */
  freeze?(size: number, atMs: number): Promise<void>;
  /** As {@link LogStore.frozenTree}: reads of the frozen tree `ordinal`; rejects with NOT_FOUND for the active tree or an unknown one. */
  frozenTree?(ordinal: number): Promise<AsyncTreeReads>;
  /**
   * This store bound to tree `ordinal` for good: its checkpoint, cosignature,
   * tile and leaf-group operations address that tree's rows whichever tree is
   * active now, and its appendBatch, rotate and freeze apply to that tree only
   * while it is the active one (INCONSISTENT otherwise, nothing written).
   * Entries, search keys and meta are the log's, as on the store. Optional:
   * a store without it is written by one process, which alone changes its
   * active tree, and its operations address the active tree.
   *
   * For a store that several processes share (PostgreSQL): a process that
   * has not yet learnt of a rotation another one made goes on reading its
   * tree through its view, never the next tree's rows, and can never write
   * into a tree it does not know to be active.
   */
  tree?(ordinal: number): AsyncLogStore;

  /** Log identity and settings that must never change once set. */
  getMeta(key: string): Promise<string | undefined>;
  /** Set a meta value once; a different value for a set key rejects with INCONSISTENT. */
  setMeta(key: string, value: string): Promise<void>;

  /** Approximate bytes used on disk (for metrics and benchmarks). */
  sizeOnDisk(): Promise<number>;
  /** Close the store (its connections); later calls reject with SHUTTING_DOWN. Idempotent. */
  close(): Promise<void>;
}

/** Reads of one tree, as {@link TreeReads} (src/storage/types.ts), with promises. */
export type AsyncTreeReads = Pick<
  AsyncLogStore,
  | 'latestCheckpoint'
  | 'checkpointAt'
  | 'listCheckpoints'
  | 'cosignatures'
  | 'entryByIndex'
  | 'entriesInRange'
  | 'entryByLeafHash'
  | 'indexOfLeafHash'
  | 'searchKey'
  | 'tile'
  | 'leafGroup'
  | 'entryAndLeafGroup'
>;
