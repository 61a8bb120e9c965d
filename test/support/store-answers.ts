/**
 * Two stores holding the same log answer every read of the store contract
 * the same (the proof of a copy, seen from a reader): checkpoints and their
 * cosignatures, entries by index and by leaf hash, search keys, every tile
 * and leaf group, and meta.
 */
import assert from 'node:assert/strict';
import { TILE_WIDTH } from '../../src/merkle/index.js';
import { toAsyncStore, type AsyncLogStore, type LogStore, type SqliteSnapshot } from '../../src/storage/index.js';

/** Every read of the store contract answers the same on `source` and `copy`; `snapshot` (of the source) lists its search keys and meta. */
export async function sameAnswers(source: LogStore, copy: AsyncLogStore, snapshot: SqliteSnapshot): Promise<void> {
  const a = toAsyncStore(source);
  const latest = await a.latestCheckpoint();
  assert.ok(latest);
  assert.deepEqual(await copy.latestCheckpoint(), latest);
  const cps = await a.listCheckpoints(0, 100_000);
  assert.deepEqual(await copy.listCheckpoints(0, 100_000), cps);
  for (const cp of cps) {
    assert.deepEqual(await copy.checkpointAt(cp.size), cp);
    assert.deepEqual(await copy.cosignatures(cp.size), await a.cosignatures(cp.size));
  }
  assert.deepEqual(await copy.entriesInRange(0, latest.size + 5), await a.entriesInRange(0, latest.size + 5));
  for (let i = 0; i < latest.size; i += 13) {
    const e = await a.entryByIndex(i);
    assert.ok(e);
    assert.deepEqual(await copy.entryByIndex(i), e);
    assert.deepEqual(await copy.entryByLeafHash(e.leafHash), e);
    assert.equal(await copy.indexOfLeafHash(e.leafHash), i);
  }
  for (const k of snapshot.searchKeys(undefined, 100_000)) assert.deepEqual(await copy.searchKey(k.key, 1000), await a.searchKey(k.key, 1000), k.key);
  for (let level = 0, count = latest.size; count > 0; level++, count = Math.floor(count / TILE_WIDTH)) {
    for (let i = 0; i * TILE_WIDTH < count; i++) assert.deepEqual(await copy.tile(level, i), await a.tile(level, i), `tile ${level}/${i}`);
  }
  for (let g = 0; g < Math.ceil(latest.size / 16) + 2; g++) assert.deepEqual(await copy.leafGroup?.(g), await a.leafGroup?.(g), `leaf group ${g}`);
  for (const [k, v] of snapshot.meta()) assert.equal(await copy.getMeta(k), v);
}
