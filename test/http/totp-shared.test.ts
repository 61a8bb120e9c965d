/**
 * Admin one-time codes checked by several nodes on one real PostgreSQL
 * database (src/http/totp.ts with src/storage/postgres/admin-otp.ts): two
 * OneTimeCodes, each on its own store as two `cairn serve` nodes have them.
 * Wrong codes count for all the nodes together, whichever node they reach
 * and however they race; the lockout (timed by the database's clock) holds on
 * every node and doubles as on one node; an accepted code resets the count;
 * a database that cannot answer is a 503, never a count kept in memory.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import request from 'supertest';
import { isLogError } from '../../src/errors.js';
import { ManualClock } from '../../src/clock.js';
import { OTP_HEADER, OTP_LOCKOUT, OneTimeCodes, totp } from '../../src/http/index.js';
import { openPostgresStore, type PostgresStore } from '../../src/storage/index.js';
import { ADMIN_TOKEN, adminAccess, testApp } from '../support/http.js';
import { usePostgres } from '../support/postgres.js';

const SECRET = Buffer.from('a secret of twenty b', 'ascii');
const code = (ms: number): string => totp(SECRET, ms);

/** A 6-digit code that is none of the ones accepted at `ms` (±1 step). */
function wrongAt(ms: number): string {
  const right = new Set([code(ms - 30_000), code(ms), code(ms + 30_000)]);
  let n = 0;
  while (right.has(String(n).padStart(6, '0'))) n++;
  return String(n).padStart(6, '0');
}

describe('one-time codes shared by the nodes on one PostgreSQL database', function () {
  this.timeout(60_000);
  const server = usePostgres();
  const open: PostgresStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  /** Two nodes' checks on a new database, and its URL. */
  async function twoNodes(): Promise<{ url: string; a: OneTimeCodes; b: OneTimeCodes; stores: PostgresStore[] }> {
    const url = await server().createDatabase();
    const stores = await Promise.all([openPostgresStore({ url }), openPostgresStore({ url })]);
    open.push(...stores);
    return { url, stores, a: new OneTimeCodes(SECRET, stores[0]!.adminOtp()), b: new OneTimeCodes(SECRET, stores[1]!.adminOtp()) };
  }

  it('locks a token out on every node after 5 wrong codes sent through either in turn, its right code included, other tokens not', async () => {
    const { url, a, b } = await twoNodes();
    const now = Date.now();
    for (let i = 0; i < OTP_LOCKOUT.maxFailures; i++) assert.equal(await (i % 2 === 0 ? a : b).check('ops', wrongAt(now), now), 'OTP_INVALID', `wrong code ${i + 1}`);
    assert.equal(await a.check('ops', code(now), now), 'OTP_LOCKED');
    assert.equal(await b.check('ops', code(now), now), 'OTP_LOCKED');
    assert.equal(await b.check('ops', wrongAt(now), now), 'OTP_LOCKED', 'not counted while locked out');
    const left = await b.lockedForMs('ops', now);
    assert.ok(left > 25_000 && left <= 30_000, `${left} ms left of the first lockout, by the database's clock`);
    assert.equal(await a.check('other', code(now), now), undefined, 'another token is not locked out');
    const row = await query(url, 'ops');
    assert.equal(row?.failures, 5);
    assert.ok(row.lockedFor !== null && row.lockedFor > 28 && row.lockedFor <= 30, `locked out for ${row.lockedFor} s`);
  });

  it('locks out for twice as long per further wrong code once a lockout has passed, by the database clock, up to 15 min', async () => {
    const { url, a, b } = await twoNodes();
    const now = Date.now();
    for (let i = 0; i < OTP_LOCKOUT.maxFailures; i++) await (i % 2 === 0 ? a : b).check('ops', wrongAt(now), now);
    const lengths: number[] = [];
    for (let i = 0; i < 7; i++) {
      lengths.push(Math.round((await query(url, 'ops'))!.lockedFor!));
      await sql(url, 'UPDATE admin_otp_failures SET locked_until = clock_timestamp()'); // the lockout has passed
      assert.equal(await (i % 2 === 0 ? b : a).check('ops', wrongAt(now), now), 'OTP_INVALID');
    }
    assert.deepEqual(lengths, [30, 60, 120, 240, 480, 900, 900]);
  });

  it('counts wrong codes racing through both nodes exactly: 5 counted, every other one finds the lockout', async () => {
    const { url, a, b } = await twoNodes();
    const now = Date.now();
    for (let round = 0; round < 4; round++) {
      const token = `race-${round}`;
      const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? a : b).check(token, wrongAt(now), now)));
      assert.equal(answers.filter((x) => x === 'OTP_INVALID').length, 5, JSON.stringify(answers));
      assert.equal(answers.filter((x) => x === 'OTP_LOCKED').length, 11);
      assert.equal((await query(url, token))?.failures, 5);
    }
  });

  it('decides a right code racing the 5th wrong code one way or the other, never both: accepted and counted afresh, or locked out and unspent', async () => {
    const { url, a, b, stores } = await twoNodes();
    const shared = stores[0]!.adminOtp();
    const now = Date.now();
    const seen = new Set<string>();
    for (let round = 0; round < 12; round++) {
      const token = `race-${round}`;
      for (let i = 0; i < OTP_LOCKOUT.maxFailures - 1; i++) await shared.fail(token, OTP_LOCKOUT);
      const [right, wrong] = await Promise.all([a.check(token, code(now), now), b.check(token, wrongAt(now), now)]);
      assert.equal(wrong, 'OTP_INVALID');
      const count = (await query(url, token))?.failures;
      const spent = (await sql(url, 'SELECT step FROM admin_otp_steps WHERE token = $1', [token])).length === 1;
      if (right === undefined) assert.deepEqual({ count, spent }, { count: 1, spent: true }, `round ${round}: accepted first`);
      else assert.deepEqual({ right, count, spent }, { right: 'OTP_LOCKED', count: 5, spent: false }, `round ${round}: locked out first`);
      seen.add(String(right));
    }
    console.log(`      outcomes seen: ${[...seen].join(', ')}`);
  });

  it('resets the count for every node on a code accepted through one; a reused code resets nothing', async () => {
    const { url, a, b } = await twoNodes();
    const now = Date.now();
    for (let i = 0; i < 4; i++) assert.equal(await a.check('ops', wrongAt(now), now), 'OTP_INVALID');
    assert.equal(await b.check('ops', code(now - 30_000), now), undefined);
    assert.equal(await query(url, 'ops'), undefined, 'the count is gone');
    for (let i = 0; i < 4; i++) assert.equal(await (i % 2 === 0 ? a : b).check('ops', wrongAt(now), now), 'OTP_INVALID', `wrong code ${i + 1} after the reset`);
    assert.equal(await a.check('ops', code(now - 30_000), now), 'OTP_REUSED', 'spent through the other node');
    assert.equal(await a.check('ops', wrongAt(now), now), 'OTP_INVALID');
    assert.equal(await b.check('ops', code(now), now), 'OTP_LOCKED', 'the reused code did not reset the count');
  });

  it('spends nothing for a right code whose node finds the token locked out by another node since it looked', async () => {
    const { url, stores } = await twoNodes();
    const [x, y] = stores.map((s) => s.adminOtp());
    for (let i = 0; i < OTP_LOCKOUT.maxFailures; i++) assert.equal(await x!.fail('ops', OTP_LOCKOUT), true);
    assert.equal(await x!.fail('ops', OTP_LOCKOUT), false, 'locked out: not counted');
    assert.equal(await y!.spend('ops', 100), 'locked');
    assert.deepEqual(await sql(url, 'SELECT token FROM admin_otp_steps'), [], 'no step spent');
    assert.equal((await query(url, 'ops'))?.failures, 5, 'nor the count cleared');
  });

  it('answers 503 STORE_FAILED while the database cannot be reached, never counting in memory instead', async function () {
    this.timeout(120_000);
    const pgServer = server();
    const { url, a, stores } = await twoNodes();
    const clock = new ManualClock(Date.now());
    const { app } = await testApp({ access: adminAccess(), clock, admin: { otp: new OneTimeCodes(SECRET, stores[1]!.adminOtp()) } });
    const admin = (otp: string) => request(app).post('/api/v1/admin/tokens/reload').set('Authorization', `Bearer ${ADMIN_TOKEN}`).set(OTP_HEADER, otp);
    const now = clock.now();
    for (let i = 0; i < 4; i++) assert.equal(await a.check('ops', wrongAt(now), now), 'OTP_INVALID');
    await pgServer.crash();
    try {
      for (let i = 0; i < 3; i++) {
        await assert.rejects(a.check('ops', wrongAt(now), now), (err) => isLogError(err, 'STORE_FAILED'));
        const res = await admin(wrongAt(now)).expect(503);
        assert.equal(res.body.error, 'STORE_FAILED');
        assert.match(res.body.message, /couldn't check the one-time code/);
      }
      assert.equal((await admin(code(now)).expect(503)).body.error, 'STORE_FAILED', 'the right code too');
    } finally {
      await pgServer.restart();
    }
    assert.equal(await a.check('ops', wrongAt(now), now), 'OTP_INVALID', 'the 5th counted: none while the database was away');
    assert.equal((await admin(code(now + 30_000)).expect(429)).body.error, 'OTP_LOCKED');
    assert.equal((await query(url, 'ops'))?.failures, 5);
  });
});

/** Runs `text` with `values` on the database at `url` (a session of its own); its rows. */
async function sql(url: string, text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

/** The token's admin_otp_failures row: its count, and how long its lockout still runs, s (null: none). */
async function query(url: string, token: string): Promise<{ failures: number; lockedFor: number | null } | undefined> {
  const rows = await sql(url, 'SELECT failures, extract(epoch FROM locked_until - clock_timestamp())::float8 AS "lockedFor" FROM admin_otp_failures WHERE token = $1', [token]);
  return rows[0] as { failures: number; lockedFor: number | null } | undefined;
}
