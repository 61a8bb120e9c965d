import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { checkLogEntry, ecKey, hashedRekord, testApp } from '../support/http.js';

// express.json parses this type too, but the hot path's type test does not match it: the request takes the express route.
const EXPRESS_TYPE = 'application/json; charset=utf-8; profile=x';
const HOT_TYPE = 'application/json';

async function post(app: Parameters<typeof request>[0], body: string | Buffer, type: string): Promise<request.Response> {
  return request(app).post('/api/v1/log/entries').set('Content-Type', type).send(body);
}

describe('hot routes', () => {
  describe('POST /api/v1/log/entries', () => {
    it('answers every kind of body exactly as the express route does', async () => {
      const key = ecKey();
      const bad = hashedRekord(key, 'x', { signature: sign('sha256', Buffer.from('something else'), key.privateKey).toString('base64') });
      const cases: Array<[string, string | Buffer, number, string]> = [
        ['malformed JSON', '{"kind":', 400, 'BAD_REQUEST'],
        ['a JSON string', '"hashedrekord"', 400, 'BAD_REQUEST'],
        ['only whitespace', '  \n', 400, 'BAD_REQUEST'],
        ['an empty body', '', 422, 'SCHEMA_INVALID'],
        ['an array', ' [1,2]', 422, 'SCHEMA_INVALID'],
        ['a byte order mark then {}', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')]), 422, 'SCHEMA_INVALID'],
        ['a bad signature', JSON.stringify(bad), 400, 'SIGNATURE_INVALID'],
        ['an unknown kind', JSON.stringify({ kind: 'nope', apiVersion: '0.0.1', spec: {} }), 422, 'UNSUPPORTED_KIND'],
      ];
      const { app } = testApp();
      for (const [what, body, status, error] of cases) {
        const hot = await post(app, body, HOT_TYPE);
        const viaExpress = await post(app, body, EXPRESS_TYPE);
        assert.equal(hot.status, status, `${what}: hot path status`);
        assert.equal(viaExpress.status, status, `${what}: express status`);
        assert.equal(hot.body.error, error, what);
        assert.equal(viaExpress.body.error, error, what);
        assert.equal(hot.headers['content-type'], viaExpress.headers['content-type'], what);
        if (error !== 'BAD_REQUEST') assert.deepEqual(hot.body, viaExpress.body, what);
      }
    });

    it('answers 201 and 409 with the same headers on both paths, and writes each entry once', async () => {
      const { t, app } = testApp();
      const key = ecKey();
      const a = JSON.stringify(hashedRekord(key, 'a'));
      const b = JSON.stringify(hashedRekord(key, 'b'));
      const hot = await post(app, a, HOT_TYPE);
      const viaExpress = await post(app, b, EXPRESS_TYPE);
      for (const r of [hot, viaExpress]) {
        assert.equal(r.status, 201);
        assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
        const id = Object.keys(r.body)[0]!;
        assert.equal(r.headers['etag'], id);
        assert.equal(r.headers['location'], `/api/v1/log/entries/${id}`);
        checkLogEntry(t, r.body);
      }
      const againHot = await post(app, b, HOT_TYPE);
      const againExpress = await post(app, a, EXPRESS_TYPE);
      assert.equal(againHot.status, 409);
      assert.equal(againExpress.status, 409);
      assert.equal(againHot.headers['location'], viaExpress.headers['location']);
      assert.equal(againExpress.headers['location'], hot.headers['location']);
      assert.equal(t.log.reader.latest().size, 2);
    });

    it('answers 413 for a declared or a streamed body over the limit, and writes nothing', async () => {
      const { t, app } = testApp({ maxRequestBytes: 1024 });
      const big = JSON.stringify({ ...hashedRekord(ecKey(), 'a'), pad: 'x'.repeat(2048) });
      const declared = await post(app, big, HOT_TYPE);
      assert.equal(declared.status, 413);
      assert.equal(declared.body.error, 'TOO_LARGE');

      // Chunked, no Content-Length: the limit is found while reading.
      const server = createServer(app).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      try {
        const { port } = server.address() as AddressInfo;
        const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/log/entries', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
          for (let i = 0; i < big.length; i += 256) req.write(big.slice(i, i + 256));
          req.end();
        });
        assert.equal(answer.status, 413);
        assert.equal((JSON.parse(answer.body) as { error: string }).error, 'TOO_LARGE');
      } finally {
        server.closeAllConnections();
        server.close();
      }
      assert.equal(t.log.reader.latest().size, 0);
    });
  });

  describe('GET /api/v1/log/entries?logIndex=N', () => {
    it('answers as the express route does, found or not', async () => {
      const { t, app } = testApp();
      const key = ecKey();
      for (const d of ['a', 'b', 'c']) assert.equal((await post(app, JSON.stringify(hashedRekord(key, d)), HOT_TYPE)).status, 201);
      for (const index of [0, 2, 3, 1_000_000]) {
        const hot = await request(app).get(`/api/v1/log/entries?logIndex=${index}`);
        const viaExpress = await request(app).get(`/api/v1/log/entries?logIndex=${index}&x=1`);
        assert.equal(hot.status, index < 3 ? 200 : 404);
        assert.equal(hot.status, viaExpress.status);
        assert.equal(hot.text, viaExpress.text);
        assert.equal(hot.headers['content-type'], viaExpress.headers['content-type']);
        assert.equal(hot.headers['cache-control'], viaExpress.headers['cache-control']);
        if (hot.status === 200) checkLogEntry(t, hot.body);
      }
      assert.equal((await request(app).get('/api/v1/log/entries?logIndex=99999999999999999999')).status, 400);
    });
  });

  describe('GET /tile/…', () => {
    it('answers as the express route does: tiles, bundles, partial, beyond the log and malformed', async () => {
      const { app } = testApp();
      const key = ecKey();
      for (const d of ['a', 'b', 'c']) assert.equal((await post(app, JSON.stringify(hashedRekord(key, d)), HOT_TYPE)).status, 201);
      for (const [path, status] of [
        ['/tile/0/000.p/3', 200],
        ['/tile/0/000.p/2', 200],
        ['/tile/entries/000.p/3', 200],
        ['/tile/0/000', 404],
        ['/tile/0/000.p/4', 404],
        ['/tile/0/0000', 400],
        ['/tile/x/000', 400],
      ] as const) {
        const hot = await request(app).get(path).buffer(true);
        const viaExpress = await request(app).get(`${path}?via=express`).buffer(true);
        assert.equal(hot.status, status, path);
        assert.equal(viaExpress.status, status, path);
        assert.deepEqual(hot.body, viaExpress.body, path);
        for (const h of ['content-type', 'cache-control', 'content-length']) assert.equal(hot.headers[h], viaExpress.headers[h], `${path} ${h}`);
      }
    });
  });
});
