/**
 * Per-client rate limiting (src/http/rate-limit.ts): a token bucket
 * per client (its token's name when it has a valid one, else its address),
 * 429 RATE_LIMITED with Retry-After when empty, /healthz never limited, off
 * unless configured. A manual clock makes it deterministic.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { TokenBuckets, tokenSha256Hex, type AccessPolicy } from '../../src/http/index.js';
import { ecKey, hashedRekord, testApp } from '../support/http.js';

const key = ecKey();

class Clock {
  ms = 1_000_000;
  readonly now = (): number => this.ms;
}

describe('TokenBuckets', () => {
  it('allows a burst, then refuses with the seconds until the next token, and refills at the rate', () => {
    const clock = new Clock();
    const b = new TokenBuckets({ ratePerSecond: 2, burst: 3, now: clock.now });
    assert.deepEqual([b.take('a'), b.take('a'), b.take('a')], [0, 0, 0]);
    assert.equal(b.take('a'), 1);
    clock.ms += 499;
    assert.equal(b.take('a'), 1, 'not yet a whole token back');
    clock.ms += 1;
    assert.equal(b.take('a'), 0);
    clock.ms += 60_000;
    assert.deepEqual([b.take('a'), b.take('a'), b.take('a'), b.take('a')], [0, 0, 0, 1], 'refills up to the burst only');
  });

  it('answers a slow rate with a Retry-After of several seconds', () => {
    const clock = new Clock();
    const b = new TokenBuckets({ ratePerSecond: 0.1, burst: 1, now: clock.now });
    assert.equal(b.take('x'), 0);
    assert.equal(b.take('x'), 10);
  });

  it('keeps clients apart, and forgets the least recently seen beyond maxClients', () => {
    const clock = new Clock();
    const b = new TokenBuckets({ ratePerSecond: 1, burst: 1, maxClients: 2, now: clock.now });
    assert.equal(b.take('a'), 0);
    assert.equal(b.take('b'), 0);
    assert.equal(b.take('a'), 1, 'a is empty; b did not use a\'s bucket');
    assert.equal(b.take('c'), 0);
    assert.equal(b.size, 2);
    assert.equal(b.take('b'), 0, 'b was evicted (least recently used) and starts again full');
  });

  it('refuses nonsense options', () => {
    assert.throws(() => new TokenBuckets({ ratePerSecond: 0, burst: 1 }), /rate limit/);
    assert.throws(() => new TokenBuckets({ ratePerSecond: 1, burst: 0 }), /rate limit/);
  });
});

describe('rate limiting over HTTP', () => {
  it('answers 429 RATE_LIMITED with Retry-After once a client has used its burst, and serves it again after the wait', async () => {
    const clock = new Clock();
    const { app } = await testApp({ rateLimit: { ratePerSecond: 1, burst: 3, now: clock.now } });
    for (let i = 0; i < 3; i++) await request(app).get('/api/v1/log').expect(200);
    const res = await request(app).post('/api/v1/log/entries').send(hashedRekord(key, 'limited'));
    assert.equal(res.status, 429);
    assert.equal(res.body.error, 'RATE_LIMITED');
    assert.equal(res.body.code, 429);
    assert.equal(res.headers['retry-after'], '1');
    await request(app).get('/healthz').expect(200);
    clock.ms += 1000;
    await request(app).post('/api/v1/log/entries').send(hashedRekord(key, 'limited')).expect(201);
  });

  it('tells every answer the quota (RateLimit-Limit, -Remaining, -Reset), refusals included; /healthz has none', async () => {
    const clock = new Clock();
    const { app } = await testApp({ rateLimit: { ratePerSecond: 2, burst: 3, now: clock.now } });
    const seen: Array<[number, string | undefined, string | undefined, string | undefined]> = [];
    for (let i = 0; i < 4; i++) {
      const r = await request(app).get('/api/v1/log');
      seen.push([r.status, r.headers['ratelimit-limit'], r.headers['ratelimit-remaining'], r.headers['ratelimit-reset']]);
    }
    // After each request: 2, 1, 0 tokens left, full again in 1, 1 (1.0 s), 2 (1.5 s) s; then refused, next token in 1 s.
    assert.deepEqual(seen, [
      [200, '3', '2', '1'],
      [200, '3', '1', '1'],
      [200, '3', '0', '2'],
      [429, '3', '0', '1'],
    ]);
    clock.ms += 500;
    const back = await request(app).get('/api/v1/log').expect(200);
    assert.deepEqual([back.headers['ratelimit-remaining'], back.headers['ratelimit-reset']], ['0', '2']);
    const health = await request(app).get('/healthz').expect(200);
    assert.equal(health.headers['ratelimit-limit'], undefined);
    assert.equal((await request((await testApp()).app).get('/api/v1/log').expect(200)).headers['ratelimit-limit'], undefined, 'no headers without a rate limit');
  });

  it('counts each token separately from the anonymous clients of the same address', async () => {
    const clock = new Clock();
    const tokens = ['cairn_a', 'cairn_b'].map((t, i) => ({ name: `t${i}`, sha256: Buffer.from(tokenSha256Hex(t), 'hex'), roles: ['submit' as const] }));
    const access: AccessPolicy = { tokens, readAuth: false };
    const { app } = await testApp({ access, rateLimit: { ratePerSecond: 1, burst: 1, now: clock.now } });
    await request(app).get('/checkpoint').expect(200);
    await request(app).get('/checkpoint').expect(429);
    await request(app).get('/checkpoint').set('Authorization', 'Bearer cairn_a').expect(200);
    await request(app).get('/checkpoint').set('Authorization', 'Bearer cairn_a').expect(429);
    await request(app).get('/checkpoint').set('Authorization', 'Bearer cairn_b').expect(200);
  });

  it('tells clients behind a trusted proxy apart by X-Forwarded-For', async () => {
    const clock = new Clock();
    const { app } = await testApp({ trustProxy: 1, rateLimit: { ratePerSecond: 1, burst: 1, now: clock.now } });
    await request(app).get('/checkpoint').set('X-Forwarded-For', '192.0.2.1').expect(200);
    await request(app).get('/checkpoint').set('X-Forwarded-For', '192.0.2.1').expect(429);
    await request(app).get('/checkpoint').set('X-Forwarded-For', '192.0.2.2').expect(200);
  });

  it('ignores X-Forwarded-For unless a proxy is trusted (a client cannot pick its own bucket)', async () => {
    const clock = new Clock();
    const { app } = await testApp({ rateLimit: { ratePerSecond: 1, burst: 1, now: clock.now } });
    await request(app).get('/checkpoint').set('X-Forwarded-For', '192.0.2.1').expect(200);
    await request(app).get('/checkpoint').set('X-Forwarded-For', '192.0.2.2').expect(429);
  });
});
