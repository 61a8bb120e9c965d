/**
 * Admin operations asked of a follower: two real `cairn serve` nodes on one
 * PostgreSQL database, with a tokens file and a TOTP secret. The follower
 * checks the caller itself: without the role or the code it refuses, and
 * nothing reaches the sequencing node; allowed, an operation on the log
 * itself (rotate) is relayed to the sequencing node, runs there once, and is
 * recorded in the admin audit log as if asked directly plus the relaying
 * node; a tokens reload runs where asked, its records reaching the audit
 * log through the sequencing node, and then on the other node. A code one node
 * accepted is refused by the other; wrong codes sent to both count together,
 * and the lockout they earn holds on both. With the sequencing node down, the
 * follower answers a retryable 503 at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_RELAY_PATH } from '../../src/http/index.js';
import { ADMIN_TOKEN, SUBMIT_TOKEN, adminCall, adminCode, adminServeArgs, errorCode, readAdminLog } from '../support/admin-server.js';
import { tokenSha256Hex } from '../../src/http/index.js';
import { TestCluster } from '../support/cluster.js';
import { getJson, httpRequest, type HttpAnswer } from '../support/http-client.js';
import { usePostgres } from '../support/postgres.js';

/** Relays node `url` answered on the relay route (cairn_http_requests_total, every status). */
async function relaysAnswered(url: string): Promise<number> {
  const text = (await httpRequest(url, 'GET', '/metrics', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).body.toString('utf8');
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith('cairn_http_requests_total{') && line.includes(`route="${ADMIN_RELAY_PATH}"`)) n += Number(line.split(' ').pop());
  return n;
}

/** An admin token added to the tokens file before the reload. */
const NEW_ADMIN_TOKEN = 'cairn-test-second-admin-token';

const json = (a: HttpAnswer): Record<string, unknown> => JSON.parse(a.body.toString('utf8')) as Record<string, unknown>;

describe('admin operations asked of a follower', function () {
  this.timeout(120_000);
  const server = usePostgres();
  let dir: string;
  let cluster: TestCluster;
  let leader: string;
  let follower: string;
  let followerId: string;
  let followerIndex: number;
  /** The one-time code the follower accepted for the tokens reload. */
  let reloadCode: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-cluster-admin-'));
    // A long lease: after the sequencing node is killed, the follower still names it for seconds.
    cluster = await TestCluster.start({ databaseUrl: await server().createDatabase(), nodes: 2, leaseTtlMs: 15_000, serverArgs: adminServeArgs(dir) });
    const at = await cluster.sequencer();
    assert.ok(at !== undefined);
    followerIndex = 1 - at;
    leader = cluster.urls[at]!;
    follower = cluster.urls[followerIndex]!;
    followerId = (await cluster.health(followerIndex))!.nodeId;
  });
  after(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a caller without the role or the one-time code itself, relaying nothing, and records each refusal naming the follower', async () => {
    const relays = await relaysAnswered(leader);
    const refusals = [
      { token: SUBMIT_TOKEN, otp: adminCode(), status: 403, error: 'FORBIDDEN', requestId: 'refused-role' },
      { token: ADMIN_TOKEN, status: 401, error: 'OTP_REQUIRED', requestId: 'refused-no-code' },
      { token: ADMIN_TOKEN, otp: '000000', status: 401, error: 'OTP_INVALID', requestId: 'refused-wrong-code' },
    ];
    for (const r of refusals) {
      const a = await adminCall(follower, '/api/v1/admin/rotate', r);
      assert.equal(a.status, r.status, a.body.toString());
      assert.equal(errorCode(a), r.error);
    }
    assert.equal(await relaysAnswered(leader), relays, 'no relay reached the sequencing node');
    assert.equal((await getJson<{ inactiveShards?: unknown[] }>(leader, '/api/v1/log')).inactiveShards, undefined, 'the log did not rotate');
    const { records } = await readAdminLog(leader);
    for (const r of refusals) {
      const mine = records.filter((x) => x['requestId'] === r.requestId);
      assert.deepEqual(
        mine.map((x) => [x['event'], x['status'], x['reason'], x['operation'], x['relayedBy']]),
        [['refused', r.status, r.error, 'POST /api/v1/admin/rotate', followerId]],
      );
    }
  });

  it('relays an allowed rotation to the sequencing node, which runs it once and records who asked and which node relayed it', async () => {
    const relays = await relaysAnswered(leader);
    const a = await adminCall(follower, '/api/v1/admin/rotate', { token: ADMIN_TOKEN, otp: adminCode(-30_000), requestId: 'rotate-through-follower' });
    assert.equal(a.status, 200, a.body.toString());
    assert.equal(a.headers['cache-control'], 'no-store', "the operation's own headers are passed on");
    const body = json(a) as { frozen: { treeID: string }; active: { treeID: string } };
    assert.notEqual(body.frozen.treeID, body.active.treeID);
    assert.equal(await relaysAnswered(leader), relays + 1, 'one relay');
    const info = await getJson<{ treeID: string; inactiveShards?: Array<{ treeID: string }> }>(leader, '/api/v1/log');
    assert.equal(info.treeID, body.active.treeID);
    assert.deepEqual(info.inactiveShards?.map((s) => s.treeID), [body.frozen.treeID], 'rotated once');
    const { records } = await readAdminLog(leader);
    const mine = records.filter((x) => x['requestId'] === 'rotate-through-follower');
    assert.deepEqual(
      mine.map((x) => [x['event'], x['who'], x['operation'], x['status'], x['relayedBy']]),
      [
        ['authorized', 'ops', 'POST /api/v1/admin/rotate', null, followerId],
        ['completed', 'ops', 'POST /api/v1/admin/rotate', 200, followerId],
      ],
    );
    assert.match(String(mine[0]!['client']), /^(::ffff:)?127\.0\.0\.1$/, "the client's address as the follower saw it");
  });

  it('runs a tokens reload where it is asked, recorded through the sequencing node, and on every other node within moments', async () => {
    const relays = await relaysAnswered(leader);
    // One more admin token in the tokens file both nodes read.
    const tokensFile = join(dir, 'tokens.json');
    const file = JSON.parse(readFileSync(tokensFile, 'utf8')) as { tokens: unknown[] };
    writeFileSync(tokensFile, JSON.stringify({ tokens: [...file.tokens, { name: 'ops2', sha256: tokenSha256Hex(NEW_ADMIN_TOKEN), roles: ['admin'] }] }), { mode: 0o600 });
    const metricsWith = async (url: string): Promise<number> => (await httpRequest(url, 'GET', '/metrics', { headers: { authorization: `Bearer ${NEW_ADMIN_TOKEN}` } })).status;
    assert.equal(await metricsWith(leader), 401, 'not in force before the reload');

    reloadCode = adminCode();
    const a = await adminCall(follower, '/api/v1/admin/tokens/reload', { token: ADMIN_TOKEN, otp: reloadCode, requestId: 'reload-on-follower' });
    assert.equal(a.status, 200, a.body.toString());
    assert.deepEqual(json(a), { tokens: 3, admins: 2 });
    assert.equal(await metricsWith(follower), 200, 'in force on the node asked at once');
    assert.equal(await relaysAnswered(leader), relays, 'not relayed');
    const t0 = performance.now();
    while ((await metricsWith(leader)) !== 200) {
      assert.ok(performance.now() - t0 < 10_000, 'the other node reloads within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    console.log(`      the other node had the reloaded tokens in force ${Math.round(performance.now() - t0)} ms after the answer`);
    const { records } = await readAdminLog(leader);
    assert.deepEqual(
      records.filter((x) => x['requestId'] === 'reload-on-follower').map((x) => [x['event'], x['status'], x['relayedBy']]),
      [
        ['authorized', null, followerId],
        ['completed', 200, followerId],
      ],
    );
  });

  it('refuses at the sequencing node a one-time code the follower accepted (OTP_REUSED), running nothing', async () => {
    const a = await adminCall(leader, '/api/v1/admin/tokens/reload', { token: ADMIN_TOKEN, otp: reloadCode, requestId: 'reload-replayed-on-leader' });
    assert.equal(a.status, 401, a.body.toString());
    assert.equal(errorCode(a), 'OTP_REUSED');
    const { records } = await readAdminLog(leader);
    assert.deepEqual(
      records.filter((x) => x['requestId'] === 'reload-replayed-on-leader').map((x) => [x['event'], x['status'], x['reason']]),
      [['refused', 401, 'OTP_REUSED']],
    );
  });

  it('locks a token out on both nodes after 5 wrong codes sent to them in turn (429 OTP_LOCKED), its right code included', async () => {
    const call = (url: string, otp: string, requestId: string) => adminCall(url, '/api/v1/admin/tokens/reload', { token: NEW_ADMIN_TOKEN, otp, requestId });
    const right = new Set([adminCode(-30_000), adminCode(), adminCode(30_000)]);
    const wrong = ['000000', '000001', '000002', '000003'].find((c) => !right.has(c))!;
    for (let i = 0; i < 5; i++) {
      const a = await call(i % 2 === 0 ? follower : leader, wrong, `guess-${i}`);
      assert.equal(a.status, 401, a.body.toString());
      assert.equal(errorCode(a), 'OTP_INVALID', `wrong code ${i + 1}`);
    }
    for (const [url, requestId] of [[leader, 'locked-on-leader'], [follower, 'locked-on-follower']] as const) {
      const a = await call(url, adminCode(), requestId);
      assert.equal(a.status, 429, a.body.toString());
      assert.equal(errorCode(a), 'OTP_LOCKED');
      const retry = Number(a.headers['retry-after']);
      assert.ok(retry >= 1 && retry <= 30, `Retry-After ${a.headers['retry-after']}: the seconds left of the 30 s lockout`);
    }
    const { records } = await readAdminLog(leader);
    assert.deepEqual(
      records.filter((x) => String(x['requestId']).startsWith('locked-on-')).map((x) => [x['requestId'], x['who'], x['event'], x['status'], x['reason']]),
      [
        ['locked-on-leader', 'ops2', 'refused', 429, 'OTP_LOCKED'],
        ['locked-on-follower', 'ops2', 'refused', 429, 'OTP_LOCKED'],
      ],
    );
  });

  it('answers a retryable 503 at once, the operation not run, when the sequencing node is down', async () => {
    await cluster.kill(1 - followerIndex);
    assert.equal((await cluster.health(followerIndex))?.role, 'follower', 'the lease still names the dead node');
    const t0 = performance.now();
    const a = await adminCall(follower, '/api/v1/admin/rotate', { token: ADMIN_TOKEN, otp: adminCode(30_000), requestId: 'rotate-while-down' });
    const ms = performance.now() - t0;
    console.log(`      the follower's answer with the sequencing node down: ${a.status} in ${ms.toFixed(1)} ms`);
    assert.equal(a.status, 503, a.body.toString());
    assert.equal(errorCode(a), 'NOT_SEQUENCER');
    assert.equal(a.headers['retry-after'], '1');
    const details = json(a)['details'] as { ran?: unknown; sequencer?: unknown };
    assert.equal(details.ran, false);
    assert.equal(details.sequencer, leader);
    assert.match(String(json(a)['message']), /did not run/);
    assert.ok(ms < 2_000, `answered in ${Math.round(ms)} ms`);
  });
});
