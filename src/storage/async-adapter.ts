/**
 * A synchronous {@link LogStore} presented as an {@link AsyncLogStore}. The
 * store underneath keeps working synchronously (SQLite's hot paths stay one
 * function call); each answer is handed back as a settled promise, and a
 * throw becomes a rejection, so callers written for the asynchronous contract
 * run on it unchanged. Nothing else changes: `sync` and `writeBarrier` pass
 * through, durability and atomicity are the inner store's, and an optional
 * operation exists on the adapter exactly when it exists on the store, bar
 * `entryAndLeafGroup`, which exists wherever the store has `leafGroup`: the
 * store's own one-statement read if it has one, else its two reads in turn.
 */

import type { AsyncLogStore, AsyncTreeReads } from './async-types.js';
import type { LogStore, TreeReads } from './types.js';

/** `store` behind the asynchronous contract. The adapter owns nothing: `close()` closes `store`. */
export function toAsyncStore(store: LogStore): AsyncLogStore & { readonly inner: LogStore } {
  const s = store;
  const adapted: AsyncLogStore & { inner: LogStore } = {
    inner: s,
    ...toAsyncReads(s),
    appendBatch: (previousSize, batch) => settle(() => s.appendBatch(previousSize, batch)),
    addCosignature: (row) => settle(() => s.addCosignature(row)),
    getMeta: (key) => settle(() => s.getMeta(key)),
    setMeta: (key, value) => settle(() => s.setMeta(key, value)),
    sizeOnDisk: () => settle(() => s.sizeOnDisk()),
    close: () => settle(() => s.close()),
  };
  if (s.sync !== undefined) adapted.sync = () => s.sync?.() ?? Promise.resolve();
  if (s.writeBarrier !== undefined) adapted.writeBarrier = () => s.writeBarrier?.();
  if (s.shards !== undefined) adapted.shards = () => settle(() => s.shards?.() ?? []);
  if (s.addFirstShard !== undefined) adapted.addFirstShard = (row) => settle(() => s.addFirstShard?.(row));
  if (s.rotate !== undefined) adapted.rotate = (rotation) => settle(() => s.rotate?.(rotation));
  if (s.freeze !== undefined) adapted.freeze = (size, atMs) => settle(() => s.freeze?.(size, atMs));
  const frozenTree = s.frozenTree?.bind(s);
  if (frozenTree !== undefined) adapted.frozenTree = (ordinal) => settle(() => toAsyncReads(frozenTree(ordinal)));
  return adapted;
}

/** The reads of one tree (a frozen tree's, or a whole store's) with promises. */
export function toAsyncReads(r: TreeReads): AsyncTreeReads {
  const reads: AsyncTreeReads = {
    latestCheckpoint: () => settle(() => r.latestCheckpoint()),
    checkpointAt: (size) => settle(() => r.checkpointAt(size)),
    listCheckpoints: (fromSize, limit) => settle(() => r.listCheckpoints(fromSize, limit)),
    cosignatures: (size) => settle(() => r.cosignatures(size)),
    entryByIndex: (index) => settle(() => r.entryByIndex(index)),
    entriesInRange: (start, count) => settle(() => r.entriesInRange(start, count)),
    entryByLeafHash: (leafHash) => settle(() => r.entryByLeafHash(leafHash)),
    indexOfLeafHash: (leafHash) => settle(() => r.indexOfLeafHash(leafHash)),
    searchKey: (key, limit) => settle(() => r.searchKey(key, limit)),
    tile: (level, index) => settle(() => r.tile(level, index)),
  };
  const leafGroup = r.leafGroup?.bind(r);
  if (leafGroup === undefined) return reads;
  return {
    ...reads,
    leafGroup: (group) => settle(() => leafGroup(group)),
    // One statement where the store has one; else both reads in one synchronous turn: nothing commits between them.
    entryAndLeafGroup: (index, group) => settle(() => r.entryAndLeafGroup?.(index, group) ?? { entry: r.entryByIndex(index), leafGroup: leafGroup(group) }),
  };
}

/** Run `fn` now; its value as a resolved promise, its throw as a rejected one. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}
