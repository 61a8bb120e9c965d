/**
 * Access control (src/http/auth.ts): off by default (a public log
 * answers as Rekor does); with tokens, writes need role submit (401 without
 * or with an invalid token, WWW-Authenticate; 403 with a token lacking the
 * role), /metrics and unknown writes need admin, reads stay open unless
 * readAuth, /healthz is always open.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import type { RequestListener } from 'node:http';
import { authenticate, requiredAccess, tokenSha256Hex, type AccessPolicy, type TokenRecord } from '../../src/http/index.js';
import { ecKey, hashedRekord, testApp } from '../support/http.js';

const key = ecKey();
const SUBMIT = 'cairn_submit-token-for-tests';
const ADMIN = 'cairn_admin-token-for-tests';
const tokens: TokenRecord[] = [
  { name: 'ci', sha256: Buffer.from(tokenSha256Hex(SUBMIT), 'hex'), roles: ['submit'] },
  { name: 'ops', sha256: Buffer.from(tokenSha256Hex(ADMIN), 'hex'), roles: ['admin'] },
];
const bearer = (t: string): string => `Bearer ${t}`;
let n = 0;
const entry = (): Record<string, unknown> => hashedRekord(key, `auth test ${n++}`);

async function appWith(access?: AccessPolicy): Promise<{ app: RequestListener; size: () => number }> {
  const { t, app } = await testApp(access === undefined ? {} : { access });
  return { app, size: () => t.store.latestCheckpoint()!.size };
}

function assertRefused(res: request.Response, status: 401 | 403, challenge: RegExp): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers['content-type'] ?? '', /application\/json/);
  assert.equal(res.body.error, status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
  assert.equal(res.body.code, status);
  assert.match(res.headers['www-authenticate'] ?? '', challenge);
}

describe('access control', () => {
  describe('when no tokens are configured (the default)', () => {
    it('accepts writes and serves /metrics without credentials, as Rekor does', async () => {
      const { app } = await appWith();
      await request(app).post('/api/v1/log/entries').send(entry()).expect(201);
      await request(app).get('/metrics').expect(200);
      await request(app).post('/api/v1/log/entries').set('Authorization', 'Bearer nonsense').send(entry()).expect(201);
    });
  });

  describe('when tokens are configured', () => {
    const policy: AccessPolicy = { tokens, readAuth: false };

    it('answers a write without credentials 401 with a Bearer challenge, and writes nothing', async () => {
      const { app, size } = await appWith(policy);
      assertRefused(await request(app).post('/api/v1/log/entries').send(entry()), 401, /^Bearer realm="cairn"$/);
      assert.equal(size(), 0);
    });

    it('answers an unknown or malformed token 401 invalid_token', async () => {
      const { app, size } = await appWith(policy);
      for (const header of ['Bearer cairn_not-a-token', `Bearer ${SUBMIT}x`, `Basic ${Buffer.from(`u:${SUBMIT}`).toString('base64')}`, 'Bearer', `Bearer ${SUBMIT} extra`, SUBMIT]) {
        const res = await request(app).post('/api/v1/log/entries').set('Authorization', header).send(entry());
        assertRefused(res, 401, /error="invalid_token"/);
      }
      assert.equal(size(), 0);
    });

    it('accepts a write with a submit token, or an admin token (admin holds every role)', async () => {
      const { app, size } = await appWith(policy);
      await request(app).post('/api/v1/log/entries').set('Authorization', bearer(SUBMIT)).send(entry()).expect(201);
      await request(app).post('/api/v1/log/entries').set('Authorization', `bearer   ${ADMIN}`).send(entry()).expect(201);
      assert.equal(size(), 2);
    });

    it('answers /metrics 403 insufficient_scope for a submit token, 200 for an admin token', async () => {
      const { app } = await appWith(policy);
      assertRefused(await request(app).get('/metrics'), 401, /realm="cairn"/);
      assertRefused(await request(app).get('/metrics').set('Authorization', bearer(SUBMIT)), 403, /error="insufficient_scope"/);
      await request(app).get('/metrics').set('Authorization', bearer(ADMIN)).expect(200);
    });

    it('keeps reads open: log info, checkpoint, entries, proofs, tiles, searches, openapi', async () => {
      const { app } = await appWith(policy);
      await request(app).post('/api/v1/log/entries').set('Authorization', bearer(SUBMIT)).send(entry()).expect(201);
      await request(app).get('/api/v1/log').expect(200);
      await request(app).get('/checkpoint').expect(200);
      await request(app).get('/api/v1/log/entries?logIndex=0').expect(200);
      await request(app).get('/tile/entries/000.p/1').expect(200);
      await request(app).post('/api/v1/log/entries/retrieve').send({ logIndexes: [0] }).expect(200);
      await request(app).post('/api/v1/index/retrieve').send({ hash: 'sha256:' + 'a'.repeat(64) }).expect(200);
      await request(app).get('/openapi.yaml').expect(200);
      await request(app).get('/healthz').expect(200);
    });

    it('needs admin for writes it does not know, whatever the spelling of the path', async () => {
      const { app, size } = await appWith(policy);
      assertRefused(await request(app).put('/api/v1/log/entries').set('Authorization', bearer(SUBMIT)).send(entry()), 403, /insufficient_scope/);
      await request(app).put('/api/v1/log/entries').set('Authorization', bearer(ADMIN)).send(entry()).expect(404);
      assertRefused(await request(app).post('/API/V1/LOG/ENTRIES/').send(entry()), 401, /realm/);
      await request(app).post('/API/V1/LOG/ENTRIES/').set('Authorization', bearer(SUBMIT)).send(entry()).expect(201);
      assert.equal(size(), 1);
    });
  });

  describe('when reads need a token too (readAuth)', () => {
    const policy: AccessPolicy = { tokens, readAuth: true };

    it('answers reads without a valid token 401, with any valid token 200; /healthz stays open', async () => {
      const { app } = await appWith(policy);
      for (const path of ['/api/v1/log', '/checkpoint', '/tile/0/000', '/openapi.yaml', '/api/v1/log/publicKey']) {
        assertRefused(await request(app).get(path), 401, /realm="cairn"/);
        assertRefused(await request(app).get(path).set('Authorization', 'Bearer wrong'), 401, /invalid_token/);
      }
      assertRefused(await request(app).post('/api/v1/log/entries/retrieve').send({ logIndexes: [0] }), 401, /realm/);
      await request(app).get('/api/v1/log').set('Authorization', bearer(SUBMIT)).expect(200);
      await request(app).get('/checkpoint').set('Authorization', bearer(ADMIN)).expect(200);
      await request(app).get('/healthz').expect(200);
    });
  });
});

describe('requiredAccess', () => {
  const table: Array<[string, string, string]> = [
    ['GET', '/healthz', 'none'],
    ['POST', '/api/v1/log/entries', 'submit'],
    ['POST', '/api/v1/log/entries/', 'submit'],
    ['POST', '/api/v2/log/entries', 'submit'],
    ['POST', '/Api/V1/Log/Entries', 'submit'],
    ['POST', '/api/v1/log/entries/retrieve', 'read'],
    ['POST', '/api/v1/index/retrieve', 'read'],
    ['GET', '/api/v1/log/entries', 'read'],
    ['HEAD', '/checkpoint', 'read'],
    ['GET', '/metrics', 'admin'],
    ['POST', '/api/v1/log/anything-new', 'admin'],
    ['DELETE', '/api/v1/log/entries', 'admin'],
    ['OPTIONS', '/api/v1/log', 'admin'],
    ['GET', '/api/v1/admin/anything', 'admin'],
    ['HEAD', '/API/V1/ADMIN/rotate', 'admin'],
    ['GET', '/api/v1/admin-log', 'read'],
  ];
  for (const [method, path, want] of table) {
    it(`${method} ${path} needs ${want}`, () => assert.equal(requiredAccess(method, path), want));
  }
});

describe('authenticate', () => {
  it('finds the token by its SHA-256, ignores the scheme case, and tells missing from invalid', () => {
    assert.equal(authenticate(tokens, `BEARER ${ADMIN}`)?.name, 'ops');
    assert.equal(authenticate(tokens, undefined), undefined);
    assert.equal(authenticate(tokens, 'Bearer x'), null);
    assert.equal(authenticate(tokens, `Bearer ${'a'.repeat(600)}`), null);
    assert.equal(authenticate([], `Bearer ${ADMIN}`), null);
  });
});
