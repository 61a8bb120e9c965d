/**
 * gzip for entry bundles (src/http/compress.ts, routes/tiles.ts): which
 * Accept-Encoding values allow it, the cache (compressed once, bounded),
 * and over real HTTP the bytes: gunzipped they equal the identity answer.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { acceptsGzip, GzipCache } from '../../src/http/compress.js';
import { httpRequest } from '../support/http-client.js';
import { testApp } from '../support/http.js';
import { rawEntry } from '../support/test-log.js';

describe('acceptsGzip', () => {
  const table: Array<[string | undefined, boolean]> = [
    [undefined, false],
    ['', false],
    ['identity', false],
    ['gzip', true],
    ['GZip', true],
    ['deflate, gzip;q=0.5', true],
    ['br, x-gzip', true],
    ['gzip;q=0', false],
    ['gzip;q=0, *', false],
    ['*', true],
    ['*;q=0', false],
    ['br;q=1, *;q=0.1', true],
  ];
  for (const [header, want] of table) it(`${JSON.stringify(header)} → ${want}`, () => assert.equal(acceptsGzip(header), want));
});

describe('GzipCache', () => {
  it('compresses each key once, shares a compression in flight, and keeps at most maxBytes', async () => {
    const cache = new GzipCache(100);
    let reads = 0;
    const body = (s: string) => () => {
      reads++;
      return Buffer.from(s.repeat(50));
    };
    const [a1, a2] = await Promise.all([cache.get('a', body('a')), cache.get('a', body('a'))]);
    assert.equal(reads, 1, 'concurrent misses share one compression');
    assert.equal(a1, a2);
    assert.equal(gunzipSync(a1).toString(), 'a'.repeat(50));
    await cache.get('a', body('a'));
    assert.equal(reads, 1, 'a hit reads nothing');
    for (const k of ['b', 'c', 'd', 'e', 'f', 'g', 'h']) await cache.get(k, body(k));
    assert.ok(cache.bytes <= 100, `bounded: ${cache.bytes}`);
    await cache.get('a', body('a'));
    assert.equal(reads, 9, 'the least recently used key was dropped and is compressed again');
  });

  it('rejects with what the body throws, and caches nothing', async () => {
    const cache = new GzipCache();
    await assert.rejects(cache.get('x', () => {
      throw new Error('no such bundle');
    }), /no such bundle/);
    assert.equal(cache.bytes, 0);
    await assert.rejects(cache.get('x', () => Promise.reject(new Error('no such bundle'))), /no such bundle/);
  });
});

describe('entry bundles over HTTP', () => {
  let server: Server;
  let base: string;
  before(async () => {
    const { t, app } = await testApp();
    for (let i = 0; i < 300; i++) await t.log.submit(rawEntry(`bundle entry ${i} ${'{"pad":"x"}'.repeat(8)}`));
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  for (const path of ['/tile/entries/000', '/tile/entries/001.p/44']) {
    it(`sends ${path} gzipped when accepted, whose gunzip equals the identity bytes`, async () => {
      const plain = await httpRequest(base, 'GET', path);
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(plain.headers['vary'], 'Accept-Encoding');
      for (let i = 0; i < 2; i++) {
        const gz = await httpRequest(base, 'GET', path, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
        assert.equal(gz.status, 200);
        assert.equal(gz.headers['content-encoding'], 'gzip');
        assert.equal(gz.headers['vary'], 'Accept-Encoding');
        assert.equal(gz.headers['cache-control'], 'public, max-age=31536000, immutable');
        assert.equal(Number(gz.headers['content-length']), gz.body.length);
        assert.ok(gz.body.length * 2 < plain.body.length, `compressed ${plain.body.length} → ${gz.body.length}`);
        assert.deepEqual(gunzipSync(gz.body), plain.body);
      }
    });
  }

  it('answers HEAD with the gzipped length and no body', async () => {
    const gz = await httpRequest(base, 'GET', '/tile/entries/000', { headers: { 'Accept-Encoding': 'gzip' } });
    const head = await httpRequest(base, 'HEAD', '/tile/entries/000', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(head.headers['content-length'], String(gz.body.length));
    assert.equal(head.body.length, 0);
  });

  it('sends identity to gzip;q=0, hash tiles always as they are, and 404 beyond the log', async () => {
    assert.equal((await httpRequest(base, 'GET', '/tile/entries/000', { headers: { 'Accept-Encoding': 'gzip;q=0' } })).headers['content-encoding'], undefined);
    const tile = await httpRequest(base, 'GET', '/tile/0/000', { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(tile.status, 200);
    assert.equal(tile.headers['content-encoding'], undefined);
    assert.equal(tile.body.length, 256 * 32);
    assert.equal((await httpRequest(base, 'GET', '/tile/entries/002', { headers: { 'Accept-Encoding': 'gzip' } })).status, 404);
  });
});
