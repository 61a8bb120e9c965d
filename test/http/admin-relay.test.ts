/**
 * The receiving side of relayed admin operations (src/http/admin-relay.ts),
 * in process: a relay authenticated by the cluster secret runs its
 * operation once, through the admin gate, recorded with the relaying node;
 * a relay is refused before anything is recorded or run when its MAC does
 * not authenticate it, its nonce was seen, its time is out of the window,
 * the node does not sequence or sequences under another epoch, or no
 * operation of the sequencing node's serves it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { checkClusterMac, clusterMac } from '../../src/cluster/index.js';
import { ADMIN_RELAY_PATH, RELAY_WINDOW_MS, decodeForwardedReplies, encodeAdminRelay, type AdminRecord, type ClusterHooks, type RelayedAdmin, type RelayStamp } from '../../src/http/index.js';
import { adminAccess, testApp } from '../support/http.js';

const SECRET = Buffer.alloc(32, 5);
const EPOCH = 4;

function hooks(sequencing: () => boolean): ClusterHooks {
  return {
    forward: () => undefined,
    authenticates: (body, mac) => checkClusterMac(SECRET, body, mac),
    sequencing,
    status: () => ({ nodeId: 'node-a', nodeUrl: 'http://a.test', role: sequencing() ? 'sequencer' : 'follower', holder: 'node-a', holderUrl: 'http://a.test', epoch: EPOCH, takeovers: 1, databaseReachable: true }),
  };
}

const ROTATE: RelayedAdmin = { method: 'POST', path: '/api/v1/admin/rotate', query: '', contentType: null, body: new Uint8Array(0), who: 'ops', client: '10.0.0.7', requestId: 'asked-of-b' };
const stamp = (o: Partial<RelayStamp> = {}): RelayStamp => ({ node: 'node-b', epoch: EPOCH, nonce: randomBytes(16).toString('hex'), time: Date.now(), ...o });

async function relayApp(sequencing = () => true) {
  const records: AdminRecord[] = [];
  const t = await testApp({ cluster: hooks(sequencing), access: adminAccess(), admin: { audit: { record: async (r) => void records.push(r) } } });
  /** POST `body` with `mac` (default: its MAC under the secret; null: none). */
  const post = (body: Buffer, mac: string | null = clusterMac(SECRET, body)) => {
    const r = request(t.app).post(ADMIN_RELAY_PATH).set('Content-Type', 'application/json');
    return (mac === null ? r : r.set('X-Cairn-Cluster-Mac', mac)).send(body.toString());
  };
  return { ...t, records, post };
}

describe('the admin relay route', () => {
  it("runs a relayed rotation once, answering its reply, recorded as the relaying node's verdict says", async () => {
    const { post, records, t } = await relayApp();
    const body = encodeAdminRelay(ROTATE, stamp());
    const res = await post(body).expect(200);
    const reply = decodeForwardedReplies(res.text, 1)?.[0];
    assert.equal(reply?.status, 200, res.text);
    assert.equal(reply.headers['cache-control'], 'no-store');
    assert.equal(t.log.shards().length, 2, 'rotated');
    assert.deepEqual(
      records.map((r) => [r.event, r.who, r.client, r.operation, r.requestId, r.status, r.relayedBy]),
      [
        ['authorized', 'ops', '10.0.0.7', 'POST /api/v1/admin/rotate', 'asked-of-b', null, 'node-b'],
        ['completed', 'ops', '10.0.0.7', 'POST /api/v1/admin/rotate', 'asked-of-b', 200, 'node-b'],
      ],
    );
    const again = await post(body).expect(401);
    assert.equal(again.body.error, 'UNAUTHENTICATED');
    assert.match(again.body.message, /nonce/);
    assert.equal(t.log.shards().length, 2, 'a relay sent again does not run again');
    assert.equal(records.length, 2);
  });

  it('refuses a relay, recording and running nothing, unless authenticated, fresh, meant for this sequencer and for an operation of its own', async () => {
    const { post, records, t } = await relayApp();
    const body = encodeAdminRelay(ROTATE, stamp());
    for (const mac of [null, clusterMac(Buffer.alloc(32, 6), body), 'zz']) assert.equal((await post(body, mac).expect(401)).body.error, 'UNAUTHENTICATED');
    for (const time of [Date.now() - RELAY_WINDOW_MS - 60_000, Date.now() + RELAY_WINDOW_MS + 60_000]) {
      assert.match((await post(encodeAdminRelay(ROTATE, stamp({ time }))).expect(401)).body.message, /clock/);
    }
    const stale = await post(encodeAdminRelay(ROTATE, stamp({ epoch: EPOCH - 1 }))).expect(503);
    assert.equal(stale.body.error, 'NOT_SEQUENCER');
    for (const path of ['/api/v1/admin/tokens/reload', '/api/v1/admin/nothing', '/api/v1/log/entries']) {
      assert.equal((await post(encodeAdminRelay({ ...ROTATE, path }, stamp())).expect(404)).body.error, 'NOT_FOUND', path);
    }
    for (const text of ['not json', '{}', JSON.stringify({ ...JSON.parse(encodeAdminRelay(ROTATE, stamp()).toString()), nonce: 'short' })]) {
      assert.equal((await post(Buffer.from(text)).expect(400)).body.error, 'BAD_REQUEST', text);
    }
    assert.deepEqual(records, []);
    assert.equal(t.log.shards().length, 1);
  });

  it('answers 503 NOT_SEQUENCER when the node does not sequence', async () => {
    const { post, records, t } = await relayApp(() => false);
    const res = await post(encodeAdminRelay(ROTATE, stamp())).expect(503);
    assert.equal(res.body.error, 'NOT_SEQUENCER');
    assert.deepEqual(records, []);
    assert.equal(t.log.shards().length, 1);
  });
});
