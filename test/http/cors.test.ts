/**
 * CORS on the read routes (src/http/cors.ts): reads carry
 * Access-Control-Allow-Origin for allowed origins, preflights for reads are
 * answered 204 before any guard (also with access control on), writes get
 * nothing, and a list of origins is echoed with Vary: Origin.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { tokenSha256Hex, type CairnApp } from '../../src/http/index.js';
import { testApp } from '../support/http.js';
import { rawEntry, type TestLog } from '../support/test-log.js';

describe('CORS', () => {
  describe('with origins *', () => {
    let app: CairnApp;
    before(async () => ({ app } = await testApp({ cors: { origins: '*' } })));

    it('lets any page read, exposing the request ID and rate-limit headers', async () => {
      const res = await request(app).get('/api/v1/log').set('Origin', 'https://elsewhere.example').expect(200);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.match(String(res.headers['access-control-expose-headers']), /X-Request-Id.*RateLimit-Remaining/);
      assert.equal(res.headers['vary'], undefined);
    });

    it('answers a read preflight 204 with the methods and headers allowed', async () => {
      const res = await request(app)
        .options('/api/v1/log/entries/abc')
        .set('Origin', 'https://elsewhere.example')
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization')
        .expect(204);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.equal(res.headers['access-control-allow-methods'], 'GET, HEAD');
      assert.match(String(res.headers['access-control-allow-headers']), /Authorization/);
      assert.equal(res.headers['access-control-max-age'], '86400');
    });

    it('gives writes and their preflights no CORS headers', async () => {
      const pre = await request(app).options('/api/v1/log/entries').set('Origin', 'https://elsewhere.example').set('Access-Control-Request-Method', 'POST').expect(200);
      assert.equal(pre.headers['access-control-allow-origin'], undefined);
      assert.equal(pre.headers['allow'], 'GET, HEAD, POST', 'an ordinary OPTIONS answer');
      const post = await request(app).post('/api/v1/log/entries').set('Origin', 'https://elsewhere.example').send({}).expect(422);
      assert.equal(post.headers['access-control-allow-origin'], undefined);
    });

    it('puts nothing on requests without Origin', async () => {
      const res = await request(app).get('/api/v1/log').expect(200);
      assert.equal(res.headers['access-control-allow-origin'], undefined);
    });
  });

  describe('with a list of origins', () => {
    let t: TestLog;
    let app: CairnApp;
    before(async () => ({ t, app } = await testApp({ cors: { origins: ['https://explorer.example', 'http://localhost:8080'] } })));

    it('echoes an allowed origin with Vary: Origin (merged with the answer\'s own Vary), and ignores others', async () => {
      await t.log.submit(rawEntry('cors'));
      const bundle = await request(app).get('/tile/entries/000.p/1').set('Origin', 'https://explorer.example').expect(200);
      assert.equal(bundle.headers['access-control-allow-origin'], 'https://explorer.example');
      assert.equal(bundle.headers['vary'], 'Accept-Encoding, Origin');
      const missing = await request(app).get('/tile/entries/001').set('Origin', 'https://explorer.example').expect(404);
      assert.equal(missing.headers['access-control-allow-origin'], 'https://explorer.example', 'a page can read the error too');
      const log = await request(app).get('/api/v1/log').set('Origin', 'http://localhost:8080').expect(200);
      assert.equal(log.headers['access-control-allow-origin'], 'http://localhost:8080');
      assert.equal(log.headers['vary'], 'Origin');
      const other = await request(app).get('/api/v1/log').set('Origin', 'https://evil.example').expect(200);
      assert.equal(other.headers['access-control-allow-origin'], undefined);
      await request(app).options('/api/v1/log').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'GET').expect(200);
    });
  });

  describe('with read access control on', () => {
    it('answers the preflight (which carries no token) and puts CORS headers on the 401 too', async () => {
      const token = 'reader-token-0123456789';
      const { app } = await testApp({
        cors: { origins: '*' },
        access: { tokens: [{ name: 'r', sha256: Buffer.from(tokenSha256Hex(token), 'hex'), roles: ['submit'] }], readAuth: true },
      });
      await request(app).options('/api/v1/log').set('Origin', 'https://a.example').set('Access-Control-Request-Method', 'GET').expect(204);
      const denied = await request(app).get('/api/v1/log').set('Origin', 'https://a.example').expect(401);
      assert.equal(denied.headers['access-control-allow-origin'], '*');
      await request(app).get('/api/v1/log').set('Origin', 'https://a.example').set('Authorization', `Bearer ${token}`).expect(200);
    });
  });
});
