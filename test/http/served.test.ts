/**
 * What the dispatcher reports of each request (src/http/served.ts): one
 * record per answer with its route template (never the raw path), method,
 * status, duration and request ID; the ID honoured from X-Request-Id when
 * sane, else made, and returned on every answer.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import type { Served } from '../../src/http/index.js';
import { ecKey, hashedRekord, testApp } from '../support/http.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function observed(deps: Parameters<typeof testApp>[0] = {}): Promise<{ served: Served[]; app: Awaited<ReturnType<typeof testApp>>['app'] }> {
  const served: Served[] = [];
  const { app } = await testApp({ ...deps, onServed: (s) => served.push(s) });
  return { served, app };
}

describe('served requests', () => {
  it('reports the route template, method, status, duration and request ID of each answer', async () => {
    const { served, app } = await observed();
    const key = ecKey();
    await request(app).post('/api/v1/log/entries').send(hashedRekord(key, 'one')).expect(201);
    const res = await request(app).get('/api/v1/log/entries?logIndex=0').expect(200);
    await request(app).get('/api/v1/log/entries/not-an-entry-id').expect(400);
    await request(app).get('/no/such/path').expect(404);
    assert.deepEqual(
      served.map((s) => [s.method, s.route, s.status]),
      [
        ['POST', '/api/v1/log/entries', 201],
        ['GET', '/api/v1/log/entries', 200],
        ['GET', '/api/v1/log/entries/{entryUUID}', 400],
        ['GET', 'none', 404],
      ],
    );
    for (const s of served) {
      assert.ok(s.durationMs >= 0 && s.durationMs < 60_000, `duration ${s.durationMs}`);
      assert.match(s.requestId, UUID);
    }
    assert.equal(res.headers['x-request-id'], served[1]!.requestId, 'the answer carries the ID reported');
    assert.equal(new Set(served.map((s) => s.requestId)).size, 4, 'a new ID per request');
  });

  describe('X-Request-Id', () => {
    it('is kept when sane and returned, on success and on errors', async () => {
      const { served, app } = await observed();
      const ok = await request(app).get('/api/v1/log').set('X-Request-Id', 'edge-7f3a.b:9').expect(200);
      assert.equal(ok.headers['x-request-id'], 'edge-7f3a.b:9');
      const missing = await request(app).get('/nope').set('X-Request-Id', 'abc123').expect(404);
      assert.equal(missing.headers['x-request-id'], 'abc123');
      assert.deepEqual(served.map((s) => s.requestId), ['edge-7f3a.b:9', 'abc123']);
    });

    it('is replaced by a new UUID when empty, too long or not a plain token', async () => {
      const { app } = await observed();
      for (const bad of ['', 'x'.repeat(129), 'has space', '"quoted"', '-leading-dash', 'new\u00e9']) {
        const res = await request(app).get('/api/v1/log').set('X-Request-Id', bad).expect(200);
        assert.match(String(res.headers['x-request-id']), UUID, JSON.stringify(bad));
      }
      const longest = 'a'.repeat(128);
      assert.equal((await request(app).get('/api/v1/log').set('X-Request-Id', longest)).headers['x-request-id'], longest);
    });

    it('is on a guard\'s refusal too, reported under the route the request aimed at', async () => {
      const { served, app } = await observed({ rateLimit: { ratePerSecond: 0.001, burst: 1 } });
      await request(app).get('/api/v1/log').expect(200);
      const refused = await request(app).get('/api/v1/log').set('X-Request-Id', 'r-1').expect(429);
      assert.equal(refused.headers['x-request-id'], 'r-1');
      assert.deepEqual(served.map((s) => [s.route, s.status]), [['/api/v1/log', 200], ['/api/v1/log', 429]]);
    });
  });
});
