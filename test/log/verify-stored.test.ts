/**
 * verifyStoredLog, the content part of `--startup-check full`: a healthy log
 * passes; a changed body, leaf hash, tile hash (at level 0 and above), index
 * entry or checkpoint root is found and named.
 */
import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { verifyStoredLog } from '../../src/log/index.js';
import { buildTile, c2spTileBytes } from '../../src/merkle/index.js';
import { openSqliteStore, toAsyncStore } from '../../src/storage/index.js';
import type { LogStore, StoredEntry, TileRow } from '../../src/storage/types.js';
import { openTestLog, rawEntry, wrapStore, type TestLog } from '../support/test-log.js';

const SIZE = 600; // two full level-0 tiles and a partial one; a level-1 tile of width 2

describe('verifyStoredLog', () => {
  let t: TestLog;
  before(async () => {
    t = await openTestLog(openSqliteStore({ path: ':memory:' }), { batchMaxSize: 50 });
    await Promise.all(Array.from({ length: SIZE }, (_, i) => t.log.submit(rawEntry(`stored ${i}`))));
  });

  const flip = (b: Uint8Array, at: number): Uint8Array => {
    const c = Uint8Array.from(b);
    c[at] = (c[at] ?? 0) ^ 1;
    return c;
  };
  const check = (store: LogStore) => () => verifyStoredLog(toAsyncStore(store), t.store.latestCheckpoint()!);

  it('passes a healthy log, counting what it checked', async () => {
    assert.deepEqual(await check(t.store)(), { entries: SIZE, tiles: 4, checkpoints: t.store.listCheckpoints(0, 1e6).length });
  });

  const tamper: Array<[string, Partial<LogStore>, RegExp]> = [
    [
      'a body changed',
      { entriesInRange: (s, n) => t.store.entriesInRange(s, n).map((e): StoredEntry => (e.index === 300 ? { ...e, body: flip(e.body, 2) } : e)) },
      /entry 300's body does not hash to its stored leaf hash/,
    ],
    [
      'a body and its leaf hash changed together',
      {
        entriesInRange: (s, n) =>
          t.store.entriesInRange(s, n).map((e): StoredEntry => (e.index === 10 ? { ...e, body: Buffer.from('forged'), leafHash: rawEntry('forged').leafHash } : e)),
      },
      /entry 10's leaf hash is not hash 10 of tile 0\/0/,
    ],
    [
      'an interior hash of a level-0 tile changed',
      { tile: (l, i): TileRow | undefined => { const r = t.store.tile(l, i); return r && l === 0 && i === 1 ? { ...r, hashes: flip(r.hashes, r.hashes.length - 1) } : r; } },
      /interior hashes of tile 0\/1 do not recompute/,
    ],
    [
      'a hash of the level-1 tile changed (its interior rehashed to match)',
      { tile: (l, i): TileRow | undefined => { const r = t.store.tile(l, i); return r && l === 1 ? buildTile(1, 0, flip(c2spTileBytes(r), 0)) : r; } },
      /hash 0 of tile 1\/0 is not the root of tile 0\/0/,
    ],
    ['the leaf-hash index pointing elsewhere', { indexOfLeafHash: (h) => { const i = t.store.indexOfLeafHash(h); return i === 42 ? 41 : i; } }, /leaf-hash index does not find entry 42/],
    ['an entry missing', { entriesInRange: (s, n) => t.store.entriesInRange(s, n).filter((e) => e.index !== 599) }, /entries 512..599: 87 of 88 are stored/],
    [
      'an old checkpoint root changed',
      { listCheckpoints: (f, n) => t.store.listCheckpoints(f, n).map((c) => (c.size === 100 ? { ...c, root: flip(c.root, 0) } : c)) },
      /checkpoint at size 100 has a root the stored tree does not have/,
    ],
  ];
  it('finds a leaf-group row changed (the copy proofs read, not the one the tile shows)', async () => {
    // Group 9's hash 31 is its tree-level-5 sibling, node (5, 5); the rebuilt tile 0/0 shows group 8's copy of it.
    const store: LogStore = { ...wrapStore(t.store, {}), leafGroup: (g) => (g === 9 ? flip(t.store.leafGroup!(g)!, 31 * 32) : t.store.leafGroup?.(g)) };
    await assert.rejects(check(store), (err: unknown) => isLogError(err, 'CORRUPT') && /leaf group 9 of tile 0\/0 does not match/.test(err.message));
  });

  for (const [what, overrides, message] of tamper) {
    it(`finds ${what}`, async () => {
      await assert.rejects(check(wrapStore(t.store, overrides)), (err: unknown) => isLogError(err, 'CORRUPT') && message.test(err.message));
    });
  }
});
