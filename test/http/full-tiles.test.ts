/**
 * FullTileCache (src/http/full-tiles.ts) and the tile routes that answer
 * from it: the bound in bytes (least recently used out), one read for
 * concurrent misses, nothing kept of a failed read; on a log in a real
 * PostgreSQL database, cached full tiles and bundles byte-identical to
 * uncached ones and to the reference tree, partial tiles never kept, and a
 * node following another (standing by, adopting its checkpoints) serving
 * the right edge as its latest adopted checkpoint implies, before and after
 * the tree grows.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { ManualClock } from '../../src/clock.js';
import { createApp, FullTileCache } from '../../src/http/index.js';
import { ENTRY_OVERHEAD } from '../../src/http/full-tiles.js';
import { LogService } from '../../src/log/index.js';
import { openPostgresStore, type PostgresStore } from '../../src/storage/index.js';
import { usePostgres } from '../support/postgres.js';
import { ReferenceTree } from '../support/reference-tree.js';
import { FAST_OPTIONS, rawEntry, testIdentity } from '../support/test-log.js';

const TILE_BYTES = 256 * 32;
const body = (text: string): Buffer => Buffer.from(`full tiles ${text}`);

describe('FullTileCache', () => {
  it('holds at most its bound in bytes, the least recently used out', async () => {
    const cache = new FullTileCache(3 * (100 + ENTRY_OVERHEAD));
    for (const k of ['a', 'b', 'c']) await cache.get(k, async () => new Uint8Array(100).fill(k.charCodeAt(0)));
    assert.equal(cache.size, 3);
    assert.equal(cache.bytes, 3 * (100 + ENTRY_OVERHEAD));
    await cache.get('a', () => assert.fail('a is held')); // a is now the most recently used
    await cache.get('d', async () => new Uint8Array(100));
    assert.equal(cache.size, 3);
    assert.ok(cache.bytes <= 3 * (100 + ENTRY_OVERHEAD));
    let read = 0;
    await cache.get('b', async () => (read++, new Uint8Array(100)));
    assert.equal(read, 1, 'b, the least recently used, was evicted');
    await cache.get('a', () => assert.fail('a stays'));
    // A body larger than the bound is served but not kept.
    const big = await cache.get('big', async () => new Uint8Array(1000));
    assert.equal(big.length, 1000);
    assert.equal(cache.size, 3);
  });

  it('keeps a copy of a body that is a view into a larger buffer, so the bytes counted are the bytes held', async () => {
    const cache = new FullTileCache(1 << 20);
    const backing = new Uint8Array(1 << 16).fill(7);
    const kept = await cache.get('view', async () => backing.subarray(10, 42));
    assert.equal(kept.buffer.byteLength, 32);
    assert.deepEqual(Buffer.from(kept), Buffer.from(backing.subarray(10, 42)));
    assert.equal(cache.bytes, 32 + ENTRY_OVERHEAD);
  });

  it('reads once for concurrent misses, keeps nothing of a failed read, and keeps nothing with a bound of 0', async () => {
    const cache = new FullTileCache(1 << 20);
    let reads = 0;
    const slow = async (): Promise<Uint8Array> => {
      reads++;
      await new Promise((r) => setTimeout(r, 20));
      return new Uint8Array(8);
    };
    await Promise.all([cache.get('k', slow), cache.get('k', slow), cache.get('k', slow)]);
    assert.equal(reads, 1);
    await assert.rejects(cache.get('bad', async () => Promise.reject(new Error('store down'))), /store down/);
    assert.equal(await cache.get('bad', async () => new Uint8Array(3)).then((b) => b.length), 3, 'read again after the failure');
    const off = new FullTileCache(0);
    await off.get('k', async () => new Uint8Array(8));
    assert.equal(off.size, 0);
    assert.equal(off.bytes, 0);
  });
});

describe('tile routes with a FullTileCache, on PostgreSQL', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  const open: Array<{ log: LogService; store: PostgresStore }> = [];
  afterEach(async () => {
    for (const n of open.splice(0)) {
      await n.log.close();
      await n.store.close();
    }
  });

  async function node(url: string, clock: ManualClock): Promise<LogService> {
    const store = await openPostgresStore({ url });
    const log = await LogService.open(store, testIdentity(), clock, FAST_OPTIONS);
    open.push({ log, store });
    return log;
  }

  async function grow(log: LogService, from: number, to: number): Promise<void> {
    await Promise.all(Array.from({ length: to - from }, (_, i) => log.submit(rawEntry(`full tiles ${from + i}`))));
  }

  /** The hashes tile (level, index) of the reference tree of `size` holds, `width` of them. */
  function expectedTile(tree: ReferenceTree, level: number, index: number, width: number): Buffer {
    return Buffer.concat(Array.from({ length: width }, (_, k) => Buffer.from(tree.node(level * 8, index * 256 + k))));
  }

  function expectedBundle(texts: readonly string[]): Buffer {
    return Buffer.concat(texts.map((t) => {
      const b = body(t);
      const n = Buffer.alloc(2);
      n.writeUInt16BE(b.length);
      return Buffer.concat([n, b]);
    }));
  }

  it('serves cached full tiles and bundles byte-identical to uncached ones and to the reference tree; partial tiles are not kept', async () => {
    const clock = new ManualClock();
    const log = await node(await pg().createDatabase(), clock);
    await grow(log, 0, 600);
    const ordered = (await Promise.all(Array.from({ length: 600 }, async (_, i) => (await log.entryByIndex(i))!.entry.body))).map((b) => Buffer.from(b));
    const tree = new ReferenceTree(ordered);
    const cache = new FullTileCache();
    const cached = createApp({ log, maxRequestBytes: 1 << 20, fullTiles: cache });
    const uncached = createApp({ log, maxRequestBytes: 1 << 20, fullTiles: new FullTileCache(0) });
    // Bundles as sent to a client that does not take gzip (gzipped ones have a cache of their own: compress.ts).
    const get = (app: typeof cached, path: string) => request(app).get(path).set('Accept-Encoding', 'identity').expect(200);
    for (const path of ['/tile/0/000', '/tile/0/001', '/tile/entries/000', '/tile/entries/001']) {
      const first = (await get(cached, path)).body as Buffer;
      const again = (await get(cached, path)).body as Buffer;
      const plain = (await get(uncached, path)).body as Buffer;
      assert.deepEqual(again, first, path);
      assert.deepEqual(plain, first, path);
    }
    assert.equal(cache.size, 4);
    assert.equal(cache.hits, 4);
    assert.deepEqual((await get(cached, '/tile/0/001')).body, expectedTile(tree, 0, 1, 256));
    const texts = ordered.slice(256, 512).map((b) => b.toString().slice('full tiles '.length));
    assert.deepEqual((await get(cached, '/tile/entries/001')).body, expectedBundle(texts));
    const gzipped = await request(cached).get('/tile/entries/001').set('Accept-Encoding', 'gzip').expect(200);
    assert.equal(gzipped.headers['content-encoding'], 'gzip');
    assert.deepEqual(gzipped.body, expectedBundle(texts), 'supertest gunzips it');
    // The right edge: partial tiles are served as always, and never kept.
    assert.deepEqual((await request(cached).get('/tile/0/002.p/88').expect(200)).body, expectedTile(tree, 0, 2, 88));
    assert.deepEqual((await request(cached).get('/tile/1/000.p/2').expect(200)).body, expectedTile(tree, 1, 0, 2));
    await request(cached).get('/tile/entries/002.p/88').expect(200);
    await request(cached).get('/tile/0/002').expect(404);
    await request(cached).get('/tile/entries/002').expect(404);
    assert.equal(cache.size, 4, 'no partial tile kept, nor an unpublished one');
  });

  it('on a node following another, serves the right edge its adopted checkpoint implies, never a stale one, as the tree grows', async () => {
    const clock = new ManualClock();
    const url = await pg().createDatabase();
    const a = await node(url, clock);
    const b = await node(url, clock);
    await b.standBy('a sequences');
    const cache = new FullTileCache();
    const follower = createApp({ log: b, maxRequestBytes: 1 << 20, fullTiles: cache });
    await grow(a, 0, 300);
    assert.equal((await b.adoptLatest()).size, 300);
    const before = (await request(follower).get('/tile/0/001.p/44').expect(200)).body as Buffer;
    await request(follower).get('/tile/0/000').expect(200);
    await request(follower).get('/tile/0/001').expect(404);
    await request(follower).get('/tile/1/000.p/1').expect(200);

    await grow(a, 300, 700);
    // Not adopted yet: b publishes 300 entries, so tile 0/001 is still not full there.
    await request(follower).get('/tile/0/001').expect(404);
    await request(follower).get('/tile/1/000.p/2').expect(404);
    assert.equal((await b.adoptLatest()).size, 700);
    const ordered = (await Promise.all(Array.from({ length: 700 }, async (_, i) => (await b.entryByIndex(i))!.entry.body))).map((x) => Buffer.from(x));
    const tree = new ReferenceTree(ordered);
    const full1 = (await request(follower).get('/tile/0/001').expect(200)).body as Buffer;
    assert.deepEqual(full1, expectedTile(tree, 0, 1, 256));
    assert.deepEqual(full1.subarray(0, before.length), before, 'the old partial is a prefix of the full tile');
    assert.deepEqual((await request(follower).get('/tile/0/002.p/188').expect(200)).body, expectedTile(tree, 0, 2, 188));
    assert.deepEqual((await request(follower).get('/tile/1/000.p/2').expect(200)).body, expectedTile(tree, 1, 0, 2));
    assert.deepEqual((await request(follower).get('/tile/0/000').expect(200)).body, expectedTile(tree, 0, 0, 256), 'a cached full tile, the same');
    assert.equal(cache.hits, 1);
  });

  it('keeps to its bound when more full tiles are read than it holds, and serves the evicted ones again from the store', async () => {
    const clock = new ManualClock();
    const log = await node(await pg().createDatabase(), clock);
    await grow(log, 0, 1024);
    const ordered = (await Promise.all(Array.from({ length: 1024 }, async (_, i) => (await log.entryByIndex(i))!.entry.body))).map((x) => Buffer.from(x));
    const tree = new ReferenceTree(ordered);
    const bound = 2 * (TILE_BYTES + ENTRY_OVERHEAD);
    const cache = new FullTileCache(bound);
    const app = createApp({ log, maxRequestBytes: 1 << 20, fullTiles: cache });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) {
        const got = (await request(app).get(`/tile/0/00${i}`).expect(200)).body as Buffer;
        assert.deepEqual(got, expectedTile(tree, 0, i, 256), `tile 0/${i}, round ${round}`);
        assert.ok(cache.bytes <= bound, `${cache.bytes} bytes held`);
        assert.ok(cache.size <= 2);
      }
    }
    assert.equal(cache.hits, 0, 'read in order, four tiles through a cache of two: each was evicted before it was read again');
    await request(app).get('/tile/0/003').expect(200);
    assert.equal(cache.hits, 1);
  });
});
