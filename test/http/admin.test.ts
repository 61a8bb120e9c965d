/**
 * The admin gate (src/http/admin.ts): every path under /api/v1/admin/ needs
 * role admin and, with one-time codes configured, the token's current code in
 * X-Cairn-OTP, each code once; every request, refused or allowed, is recorded
 * in the audit before it is answered, and an allowed one before it runs.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { ManualClock } from '../../src/clock.js';
import { OTP_HEADER, OneTimeCodes, tokenSha256Hex, totp, type AccessPolicy, type AdminRecord, type TokenRecord } from '../../src/http/index.js';
import { LogError } from '../../src/errors.js';
import { testApp } from '../support/http.js';

const SUBMIT = 'cairn_submit-token-for-admin-tests';
const ADMIN = 'cairn_admin-token-for-admin-tests';
const OTHER_ADMIN = 'cairn_other-admin-token-for-tests';
const record = (name: string, token: string, roles: TokenRecord['roles']): TokenRecord => ({ name, sha256: Buffer.from(tokenSha256Hex(token), 'hex'), roles });
const TOKENS: TokenRecord[] = [record('ci', SUBMIT, ['submit']), record('ops', ADMIN, ['admin'])];
const SECRET = Buffer.from('0123456789abcdef0123', 'ascii');
const bearer = (t: string): string => `Bearer ${t}`;

interface World {
  app: Awaited<ReturnType<typeof testApp>>['app'];
  records: AdminRecord[];
  clock: ManualClock;
  reloads: number;
  /** Records written when the operation last ran. */
  recordsAtRun: number;
  /** Make the next audit writes fail. */
  failAudit: boolean;
  tokens: TokenRecord[];
}

async function world(o: { otp?: boolean; access?: boolean } = {}): Promise<World> {
  const w: World = { app: undefined as never, records: [], clock: new ManualClock(), reloads: 0, recordsAtRun: -1, failAudit: false, tokens: TOKENS };
  const access: AccessPolicy = { tokens: () => w.tokens, readAuth: false };
  w.app = (await testApp({
    ...(o.access === false ? {} : { access }),
    clock: w.clock,
    admin: {
      ...(o.otp === true ? { otp: new OneTimeCodes(SECRET) } : {}),
      audit: {
        record: async (r) => {
          await Promise.resolve();
          if (w.failAudit) throw new LogError('STORE_FAILED', 'disk full');
          w.records.push(r);
        },
      },
      operations: {
        reloadTokens: () => {
          w.reloads++;
          w.recordsAtRun = w.records.length;
          w.tokens = [...TOKENS, record('ops2', OTHER_ADMIN, ['admin'])];
          return w.tokens;
        },
      },
    },
  })).app;
  return w;
}

const reload = (w: World) => request(w.app).post('/api/v1/admin/tokens/reload').set('X-Request-Id', 'req-1');

describe('admin gate', () => {
  it('refuses every admin request when the server has no tokens, and records it', async () => {
    const w = await world({ access: false });
    const res = await reload(w).set('Authorization', bearer(ADMIN)).expect(403);
    assert.equal(res.body.error, 'FORBIDDEN');
    assert.match(res.body.message, /--tokens-file/);
    assert.equal(w.reloads, 0);
    assert.deepEqual(
      w.records.map((r) => [r.event, r.who, r.operation, r.status, r.reason, r.requestId]),
      [['refused', null, 'POST /api/v1/admin/tokens/reload', 403, 'FORBIDDEN', 'req-1']],
    );
  });

  it('refuses without a token (401), with an unknown one (401), without the admin role (403), each recorded', async () => {
    const w = await world();
    assert.equal((await reload(w).expect(401)).body.error, 'UNAUTHENTICATED');
    assert.match((await reload(w).set('Authorization', bearer('cairn_nope')).expect(401)).headers['www-authenticate'] ?? '', /invalid_token/);
    const forbidden = await reload(w).set('Authorization', bearer(SUBMIT)).expect(403);
    assert.match(forbidden.headers['www-authenticate'] ?? '', /insufficient_scope/);
    assert.equal(w.reloads, 0);
    assert.deepEqual(
      w.records.map((r) => [r.event, r.who, r.status, r.reason]),
      [['refused', null, 401, 'UNAUTHENTICATED'], ['refused', null, 401, 'UNAUTHENTICATED'], ['refused', 'ci', 403, 'FORBIDDEN']],
    );
  });

  it('runs an admin operation for an admin token: authorized (recorded before it runs), then completed', async () => {
    const w = await world();
    const res = await reload(w).set('Authorization', bearer(ADMIN)).expect(200);
    assert.deepEqual(res.body, { tokens: 3, admins: 2 });
    assert.equal(w.reloads, 1);
    assert.equal(w.recordsAtRun, 1); // `authorized` was durable before the operation ran
    assert.deepEqual(
      w.records.map((r) => [r.event, r.who, r.client.length > 0, r.status, r.reason, r.time]),
      [['authorized', 'ops', true, null, null, w.clock.now()], ['completed', 'ops', true, 200, null, w.clock.now()]],
    );
    // the reloaded tokens are in force at once
    await reload(w).set('Authorization', bearer(OTHER_ADMIN)).expect(200);
  });

  it('gates every method and spelling of the prefix, served or not', async () => {
    const w = await world();
    await request(w.app).get('/api/v1/admin/tokens/reload').expect(401);
    await request(w.app).post('/API/V1/Admin/tokens/reload').expect(401);
    await request(w.app).post('/api/v1/admin/no-such-operation').expect(401); // no such route: still refused first
    await request(w.app).post('/api/v1/admin/no-such-operation').set('Authorization', bearer(ADMIN)).expect(404);
    assert.deepEqual(
      w.records.map((r) => [r.event, r.operation, r.status]),
      [
        ['refused', 'GET /api/v1/admin/tokens/reload', 401],
        ['refused', 'POST /API/V1/Admin/tokens/reload', 401],
        ['refused', 'POST /api/v1/admin/no-such-operation', 401],
        ['authorized', 'POST /api/v1/admin/no-such-operation', null],
        ['completed', 'POST /api/v1/admin/no-such-operation', 404],
      ],
    );
    assert.equal(w.records[4]!.reason, 'NOT_FOUND');
    assert.equal(w.reloads, 0);
  });

  it('leaves other paths alone: /api/v1/admin-log and /api/v1/administer are not admin operations', async () => {
    const w = await world();
    await request(w.app).get('/api/v1/administer').expect(404);
    assert.deepEqual(w.records, []);
  });

  describe('with one-time codes', () => {
    const code = (w: World, skewMs = 0): string => totp(SECRET, w.clock.now() + skewMs);

    it('refuses an admin token without a code, with a wrong one, with a reused one; accepts a fresh one', async () => {
      const w = await world({ otp: true });
      const none = await reload(w).set('Authorization', bearer(ADMIN)).expect(401);
      assert.equal(none.body.error, 'OTP_REQUIRED');
      assert.match(none.headers['www-authenticate'] ?? '', /error="insufficient_user_authentication"/);
      const wrongCode = String((Number(code(w)) + 1) % 1_000_000).padStart(6, '0');
      assert.equal((await reload(w).set('Authorization', bearer(ADMIN)).set(OTP_HEADER, wrongCode).expect(401)).body.error, 'OTP_INVALID');
      const good = code(w);
      await reload(w).set('Authorization', bearer(ADMIN)).set(OTP_HEADER, good).expect(200);
      assert.equal((await reload(w).set('Authorization', bearer(ADMIN)).set(OTP_HEADER, good).expect(401)).body.error, 'OTP_REUSED');
      w.clock.advance(30_000);
      await reload(w).set('Authorization', bearer(ADMIN)).set(OTP_HEADER, code(w)).expect(200);
      assert.equal(w.reloads, 2);
      assert.deepEqual(
        w.records.map((r) => [r.event, r.who, r.status, r.reason]),
        [
          ['refused', 'ops', 401, 'OTP_REQUIRED'],
          ['refused', 'ops', 401, 'OTP_INVALID'],
          ['authorized', 'ops', null, null],
          ['completed', 'ops', 200, null],
          ['refused', 'ops', 401, 'OTP_REUSED'],
          ['authorized', 'ops', null, null],
          ['completed', 'ops', 200, null],
        ],
      );
    });

    it('locks a token out after 5 wrong codes (429 OTP_LOCKED), Retry-After the seconds left of the lockout', async () => {
      const w = await world({ otp: true });
      const wrongCode = String((Number(code(w)) + 1) % 1_000_000).padStart(6, '0');
      for (let i = 0; i < 5; i++) await reload(w).set('Authorization', bearer(ADMIN)).set(OTP_HEADER, wrongCode).expect(401);
      const locked = await reload(w).set('Authorization', bearer(ADMIN)).set(OTP_HEADER, code(w)).expect(429);
      assert.equal(locked.body.error, 'OTP_LOCKED');
      assert.equal(locked.headers['retry-after'], '30');
      w.clock.advance(12_500);
      assert.equal((await reload(w).set('Authorization', bearer(ADMIN)).set(OTP_HEADER, code(w)).expect(429)).headers['retry-after'], '18');
      w.clock.advance(17_500);
      await reload(w).set('Authorization', bearer(ADMIN)).set(OTP_HEADER, code(w)).expect(200);
      assert.equal(w.reloads, 1);
    });

    it('checks the role before the code: a submit token with a valid code is still 403', async () => {
      const w = await world({ otp: true });
      await reload(w).set('Authorization', bearer(SUBMIT)).set(OTP_HEADER, code(w)).expect(403);
      await reload(w).set('Authorization', bearer(ADMIN)).set(OTP_HEADER, code(w)).expect(200); // the code was not spent
    });
  });

  it('does not run an operation whose record cannot be written (503), nor answer a refusal unrecorded', async () => {
    const w = await world();
    w.failAudit = true;
    const res = await reload(w).set('Authorization', bearer(ADMIN)).expect(503);
    assert.equal(res.body.error, 'STORE_FAILED');
    assert.match(res.body.message, /was not run/);
    assert.equal(w.reloads, 0);
    assert.equal((await reload(w).expect(503)).body.details.status, 401);
  });
});
