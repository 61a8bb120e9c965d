/**
 * LogReader's proof path on a store with leaf groups: every inclusion proof
 * is one leaf-group read plus tiles held in memory, at any published size;
 * full level-0 tiles are never cached; tiles served are the C2SP bytes.
 */
import assert from 'node:assert/strict';
import { LogReader } from '../../src/log/index.js';
import { TileCache } from '../../src/log/tile-cache.js';
import { TILE_WIDTH, verifyConsistency, verifyInclusion } from '../../src/merkle/index.js';
import { openSqliteStore, toAsyncStore } from '../../src/storage/index.js';
import type { LogStore } from '../../src/storage/types.js';
import { openTestLog, rawEntry, wrapStore, type TestLog } from '../support/test-log.js';

const SIZE = 70_000; // 273 full level-0 tiles, tile levels 0..2

/** The store with its reads counted (leafGroup forwarded: wrapStore does not know it). */
function counting(inner: LogStore) {
  const reads = { tiles: [] as string[], groups: 0 };
  const store: LogStore = {
    ...wrapStore(inner, { tile: (l, i) => (reads.tiles.push(`${l}/${i}`), inner.tile(l, i)) }),
    leafGroup: (g) => (reads.groups++, inner.leafGroup?.(g)),
  };
  return { store, reads };
}

describe('LogReader', () => {
  let t: TestLog;
  before(async function () {
    this.timeout(60_000);
    t = await openTestLog(openSqliteStore({ path: ':memory:' }), { batchMaxSize: 4096, poolMaxSize: SIZE });
    await Promise.all(Array.from({ length: SIZE }, (_, i) => t.log.submit(rawEntry(`reader ${i}`))));
  });

  describe('when proving inclusion at the latest size', () => {
    it('reads one leaf group per proof and, once warm, no tile', async () => {
      const { store: counted, reads } = counting(t.store);
      const store = toAsyncStore(counted);
      const cache = new TileCache(store, 64);
      const reader = new LogReader(store, cache, () => t.store.latestCheckpoint()!);
      const cp = reader.latest();
      for (const i of [0, 69_000, 123]) await reader.inclusionProof(i, cp.size); // warm the upper tiles
      reads.tiles.length = 0;
      reads.groups = 0;
      for (let i = 0; i < 2000; i++) {
        const index = (i * 7919) % cp.size;
        const before = reads.groups;
        const proof = await reader.inclusionProof(index, cp.size);
        verifyInclusion(index, cp.size, t.store.entryByIndex(index)!.leafHash, proof, cp.root);
        assert.equal(reads.groups - before, index < Math.floor(cp.size / TILE_WIDTH) * TILE_WIDTH ? 1 : 0, `proof of ${index}`);
      }
      assert.deepEqual(reads.tiles, [], 'upper tiles and the right-edge tile stay in memory');
    });
  });

  describe('when proving at older published sizes', () => {
    it('gives proofs that verify against those checkpoints', async () => {
      const checkpoints = t.store.listCheckpoints(1, 1e6);
      for (const cp of checkpoints) {
        for (const index of [0, cp.size - 1, Math.floor(cp.size / 3)]) {
          verifyInclusion(index, cp.size, t.store.entryByIndex(index)!.leafHash, (await t.log.reader.inclusionProof(index, cp.size)), cp.root);
        }
        const latest = t.log.reader.latest();
        verifyConsistency(cp.size, latest.size, cp.root, latest.root, (await t.log.reader.consistencyProof(cp.size, latest.size)));
        assert.deepEqual(Buffer.from((await t.log.reader.rootAt(cp.size))), Buffer.from(cp.root));
      }
    });
  });

  describe('when serving tiles', () => {
    it('serves full level-0 tiles as their leaf hashes, from the store, without caching them', async () => {
      const { store: counted, reads } = counting(t.store);
      const store = toAsyncStore(counted);
      const cache = new TileCache(store, 64);
      const reader = new LogReader(store, cache, () => t.store.latestCheckpoint()!);
      for (const k of [0, 100, 272]) {
        const leaves = t.store.entriesInRange(k * TILE_WIDTH, TILE_WIDTH).map((e) => e.leafHash);
        assert.deepEqual(Buffer.from(await reader.tile(0, k)), Buffer.concat(leaves));
        assert.deepEqual(Buffer.from(await reader.tile(0, k, 10)), Buffer.concat(leaves.slice(0, 10)));
      }
      assert.equal(reads.tiles.filter((r) => r === '0/100').length, 2, 'read from the store each time');
      const partial = t.store.entriesInRange(273 * TILE_WIDTH, SIZE - 273 * TILE_WIDTH).map((e) => e.leafHash);
      assert.deepEqual(Buffer.from(await reader.tile(0, 273, partial.length)), Buffer.concat(partial));
    });
  });
});
