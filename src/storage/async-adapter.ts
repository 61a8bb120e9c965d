/**
 * A synchronous {@link LogStore} presented as an {@link AsyncLogStore}. The
 * store underneath keeps working synchronously (SQLite's hot paths stay one
 * function call); each answer is handed back as a settled promise, and a
 * throw becomes a rejection, so callers written for the asynchronous contract
 * run on it unchanged. Nothing else changes: `sync` and `writeBarrier` pass
 * through, durability and atomicity are the inner store's.
 */

import type { AsyncLogStore } from './async-types.js';
import type { Batch, CheckpointRow, CosignatureRow, LogStore, StoredEntry, TileRow } from './types.js';

/** `store` behind the asynchronous contract. The adapter owns nothing: `close()` closes `store`. */
export function toAsyncStore(store: LogStore): AsyncLogStore & { readonly inner: LogStore } {
  return new SyncStoreAdapter(store);
}

class SyncStoreAdapter implements AsyncLogStore {
  readonly inner: LogStore;
  readonly sync?: () => Promise<void>;
  readonly writeBarrier?: () => Promise<void> | undefined;
  readonly leafGroup?: (group: number) => Promise<Uint8Array | undefined>;

  constructor(inner: LogStore) {
    this.inner = inner;
    // Optional operations exist on the adapter exactly when they exist on the store.
    if (inner.sync !== undefined) this.sync = () => inner.sync?.() ?? Promise.resolve();
    if (inner.writeBarrier !== undefined) this.writeBarrier = () => inner.writeBarrier?.();
    if (inner.leafGroup !== undefined) this.leafGroup = (group) => settle(() => inner.leafGroup?.(group));
  }

  appendBatch(previousSize: number, batch: Batch): Promise<void> {
    return settle(() => this.inner.appendBatch(previousSize, batch));
  }

  latestCheckpoint(): Promise<CheckpointRow | undefined> {
    return settle(() => this.inner.latestCheckpoint());
  }

  checkpointAt(size: number): Promise<CheckpointRow | undefined> {
    return settle(() => this.inner.checkpointAt(size));
  }

  listCheckpoints(fromSize: number, limit: number): Promise<CheckpointRow[]> {
    return settle(() => this.inner.listCheckpoints(fromSize, limit));
  }

  addCosignature(row: CosignatureRow): Promise<void> {
    return settle(() => this.inner.addCosignature(row));
  }

  cosignatures(size: number): Promise<CosignatureRow[]> {
    return settle(() => this.inner.cosignatures(size));
  }

  entryByIndex(index: number): Promise<StoredEntry | undefined> {
    return settle(() => this.inner.entryByIndex(index));
  }

  entriesInRange(start: number, count: number): Promise<StoredEntry[]> {
    return settle(() => this.inner.entriesInRange(start, count));
  }

  entryByLeafHash(leafHash: Uint8Array): Promise<StoredEntry | undefined> {
    return settle(() => this.inner.entryByLeafHash(leafHash));
  }

  indexOfLeafHash(leafHash: Uint8Array): Promise<number | undefined> {
    return settle(() => this.inner.indexOfLeafHash(leafHash));
  }

  searchKey(key: string, limit: number): Promise<number[]> {
    return settle(() => this.inner.searchKey(key, limit));
  }

  tile(level: number, index: number): Promise<TileRow | undefined> {
    return settle(() => this.inner.tile(level, index));
  }

  getMeta(key: string): Promise<string | undefined> {
    return settle(() => this.inner.getMeta(key));
  }

  setMeta(key: string, value: string): Promise<void> {
    return settle(() => this.inner.setMeta(key, value));
  }

  sizeOnDisk(): Promise<number> {
    return settle(() => this.inner.sizeOnDisk());
  }

  close(): Promise<void> {
    return settle(() => this.inner.close());
  }
}

/** Run `fn` now; its value as a resolved promise, its throw as a rejected one. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}
