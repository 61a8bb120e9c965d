/**
 * The internal forwarding route of a node among several (src/http/routes/cluster.ts)
 * and the forwarding client (src/cluster/forward.ts), over real HTTP: an
 * entry admitted by a follower and forwarded gets the sequencing node's own
 * 201 (or 409); entries sent at once share requests, each getting its own
 * reply in order, while a lone entry goes alone; only requests authenticated
 * by the cluster secret's HMAC are taken, only well-formed batches read; a
 * node that does not sequence answers a retryable 503; the probes and
 * /metrics name the node's role.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Forwarder, checkClusterMac, clusterMac } from '../../src/cluster/index.js';
import { admitSubmission } from '../../src/admission/index.js';
import { loadApiSpec } from '../../src/api/index.js';
import { isLogError } from '../../src/errors.js';
import { CLUSTER_ENTRIES_PATH, MAX_FORWARDED_ENTRIES, encodeForwardedEntry, forwardedBatch, type ClusterHooks, type ClusterView } from '../../src/http/index.js';
import type { PreparedEntry } from '../../src/entry/index.js';
import { freePort } from '../support/registry.js';
import { adminAccess, checkLogEntry, ecKey, hashedRekord, hashedRekordV2, testApp } from '../support/http.js';

const SECRET = Buffer.alloc(32, 7);

/** The hooks of a node that sequences (or not, as `sequencing` says) and authenticates with SECRET. */
function hooks(sequencing: () => boolean): ClusterHooks {
  const view = (): ClusterView => ({
    nodeId: 'node-a', nodeUrl: 'http://a.test', role: sequencing() ? 'sequencer' : 'follower',
    holder: sequencing() ? 'node-a' : 'node-b', holderUrl: sequencing() ? 'http://a.test' : 'http://b.test', epoch: 3, takeovers: 1, databaseReachable: true,
  });
  return { forward: () => undefined, authenticates: (body, mac) => checkClusterMac(SECRET, body, mac), sequencing, status: view };
}

function prepared(data: string): PreparedEntry {
  return admitSubmission(loadApiSpec(), Buffer.from(JSON.stringify(hashedRekord(ecKey(), data))), { maxBodyBytes: 65_535, maxChainLength: 10 });
}

/** A batch of `entries` as the forwarder sends it. */
function batchOf(...entries: PreparedEntry[]): Buffer {
  return forwardedBatch(entries.map((e) => encodeForwardedEntry(e)));
}

/** Requests the app at `url` answered on the forwarding route (cairn_http_requests_total), all statuses. */
async function forwardRequests(app: Parameters<typeof request>[0]): Promise<number> {
  const text = (await request(app).get('/metrics').expect(200)).text;
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith('cairn_http_requests_total{') && line.includes(`route="${CLUSTER_ENTRIES_PATH}"`)) n += Number(line.split(' ').pop());
  return n;
}

interface WireReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function listen(listener: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('the cluster forwarding route', () => {
  describe('when the node sequences', () => {
    it("answers a forwarded entry with the node's own 201, and a second time with its 409", async () => {
      const { app, t } = await testApp({ cluster: hooks(() => true) });
      const { server, url } = await listen(app);
      const forwarder = new Forwarder({ secret: SECRET, timeoutMs: 10_000 });
      try {
        const entry = prepared('forwarded once');
        const first = await forwarder.send(url, entry);
        assert.equal(first.status, 201, String(first.body));
        assert.match(first.headers['location'] ?? '', /^\/api\/v1\/log\/entries\/[0-9a-f]{80}$/);
        assert.equal(first.headers['etag'], first.headers['location']?.split('/').pop());
        const checked = checkLogEntry(t, JSON.parse(String(first.body)));
        assert.equal(checked.logIndex, 0);
        const again = await forwarder.send(url, entry);
        assert.equal(again.status, 409);
        assert.equal(again.code, 'DUPLICATE');
        assert.equal(again.headers['location'], first.headers['location']);
      } finally {
        forwarder.close();
        server.close();
      }
    });

    it("answers a forwarded Rekor v2 entry as its own POST /api/v2/log/entries does (201, then 409 with x-log-index)", async () => {
      const { app, v2 } = await testApp({ cluster: hooks(() => true) });
      const { server, url } = await listen(app);
      const forwarder = new Forwarder({ secret: SECRET, timeoutMs: 10_000 });
      try {
        const raw = Buffer.from(JSON.stringify(hashedRekordV2(ecKey(), 'forwarded to the v2 tree')));
        const entry = admitSubmission(loadApiSpec(), raw, { maxBodyBytes: 65_535, maxChainLength: 10 }, 'rekor-v2');
        const first = await forwarder.send(url, entry, 'v2');
        assert.equal(first.status, 201, String(first.body));
        assert.equal((JSON.parse(String(first.body)) as { logIndex: string }).logIndex, '0');
        assert.equal(v2.status().size, 1);
        const again = await forwarder.send(url, entry, 'v2');
        assert.equal(again.status, 409);
        assert.equal(again.headers['x-log-index'], '0');
      } finally {
        forwarder.close();
        server.close();
      }
    });

    it('answers entries sent at once in few requests, each with its own reply, and a lone entry in a request of its own', async () => {
      const { app, t } = await testApp({ cluster: hooks(() => true) });
      const { server, url } = await listen(app);
      const forwarder = new Forwarder({ secret: SECRET, timeoutMs: 10_000 });
      try {
        const entries = Array.from({ length: 120 }, (_, i) => prepared(`at once ${i}`));
        const replies = await Promise.all(entries.map((e) => forwarder.send(url, e)));
        const indices = new Set<number>();
        replies.forEach((r, i) => {
          assert.equal(r.status, 201, String(r.body));
          assert.ok(r.headers['location']?.endsWith(Buffer.from(entries[i]!.leafHash).toString('hex')), `reply ${i} is its entry's`);
          indices.add(checkLogEntry(t, JSON.parse(String(r.body))).logIndex);
        });
        assert.equal(indices.size, 120);
        assert.equal(t.log.status().size, 120);
        const sent = forwarder.stats();
        assert.equal(sent.entries, 120);
        assert.ok(sent.requests < 30, `${sent.requests} requests carried 120 entries`);
        assert.equal(await forwardRequests(app), sent.requests, 'the sequencing node answered as many requests');
        const lone = await forwarder.send(url, prepared('alone'));
        assert.equal(lone.status, 201);
        assert.deepEqual(forwarder.stats(), { requests: sent.requests + 1, entries: 121 });
        assert.equal(await forwardRequests(app), sent.requests + 1);
      } finally {
        forwarder.close();
        server.close();
      }
    });

    it('answers a batch with every reply in order, a duplicate within it 409 naming the first', async () => {
      const { app, t } = await testApp({ cluster: hooks(() => true) });
      const entries = Array.from({ length: 20 }, (_, i) => prepared(`batched ${i}`));
      const body = batchOf(...entries, entries[3]!);
      const res = await request(app).post(CLUSTER_ENTRIES_PATH).set('Content-Type', 'application/json').set('X-Cairn-Cluster-Mac', clusterMac(SECRET, body)).send(body.toString()).expect(200);
      const replies = (res.body as { replies: WireReply[] }).replies;
      assert.equal(replies.length, 21);
      entries.forEach((e, i) => {
        assert.equal(replies[i]!.status, 201, replies[i]!.body);
        assert.ok(replies[i]!.headers['Location']?.endsWith(Buffer.from(e.leafHash).toString('hex')), `reply ${i} is its entry's`);
        checkLogEntry(t, JSON.parse(replies[i]!.body));
      });
      assert.equal(replies[20]!.status, 409, replies[20]!.body);
      assert.equal((JSON.parse(replies[20]!.body) as { error: string }).error, 'DUPLICATE');
      assert.equal(replies[20]!.headers['Location'], replies[3]!.headers['Location']);
      assert.equal(t.log.status().size, 20);
    });

    it('takes no token and no rate limit, but refuses a batch its HMAC does not authenticate (401), sequencing nothing', async () => {
      const { app, t } = await testApp({ cluster: hooks(() => true), access: adminAccess(), rateLimit: { ratePerSecond: 1, burst: 1 } });
      const body = batchOf(prepared('authenticated'), prepared('authenticated too'));
      for (const mac of [undefined, clusterMac(Buffer.alloc(32, 8), body), 'zz', clusterMac(SECRET, Buffer.concat([body, Buffer.from(' ')]))]) {
        const r = request(app).post(CLUSTER_ENTRIES_PATH).set('Content-Type', 'application/json');
        const res = await (mac === undefined ? r : r.set('X-Cairn-Cluster-Mac', mac)).send(body.toString()).expect(401);
        assert.equal(res.body.error, 'UNAUTHENTICATED');
      }
      assert.equal(t.log.status().size, 0);
      for (let i = 0; i < 3; i++) {
        const one = batchOf(prepared(`entry ${i}`));
        const res = await request(app).post(CLUSTER_ENTRIES_PATH).set('Content-Type', 'application/json').set('X-Cairn-Cluster-Mac', clusterMac(SECRET, one)).send(one.toString()).expect(200);
        assert.equal((res.body as { replies: WireReply[] }).replies[0]?.status, 201);
      }
    });

    it('refuses a malformed batch, or one holding a malformed entry or one whose leaf hash is not its body’s, with 400, sequencing nothing', async () => {
      const { app, t } = await testApp({ cluster: hooks(() => true) });
      const good = JSON.parse(encodeForwardedEntry(prepared('tampered'))) as Record<string, unknown>;
      const fine = JSON.parse(encodeForwardedEntry(prepared('fine'))) as Record<string, unknown>;
      const batch = (...entries: unknown[]): string => JSON.stringify({ entries });
      const bodies = [
        'not json',
        '[]',
        '{}',
        JSON.stringify(good),
        batch(),
        JSON.stringify({ entries: good }),
        batch(fine, 7),
        batch(fine, { ...good, leafHash: Buffer.alloc(32).toString('base64') }),
        batch({ ...good, searchKeys: 'x' }, fine),
        batch(fine, { ...good, kind: 7 }),
        batch(fine, { ...good, body: '' }),
        batch(fine, { ...good, api: 'v3' }),
        batch(fine, { ...good, api: 'admin' }), // an admin record must be one (its kind)
        batch(...Array.from({ length: MAX_FORWARDED_ENTRIES + 1 }, () => fine)),
      ];
      for (const text of bodies) {
        const body = Buffer.from(text);
        const res = await request(app).post(CLUSTER_ENTRIES_PATH).set('Content-Type', 'application/json').set('X-Cairn-Cluster-Mac', clusterMac(SECRET, body)).send(body.toString()).expect(400);
        assert.equal(res.body.error, 'BAD_REQUEST', text.slice(0, 200));
      }
      assert.equal(t.log.status().size, 0);
    });

    it('reads a batch larger than the API’s request limit', async () => {
      const { app, t } = await testApp({ cluster: hooks(() => true), maxRequestBytes: 4096 });
      const body = batchOf(...Array.from({ length: 10 }, (_, i) => prepared(`large batch ${i}`)));
      assert.ok(body.length > 4096);
      const res = await request(app).post(CLUSTER_ENTRIES_PATH).set('Content-Type', 'application/json').set('X-Cairn-Cluster-Mac', clusterMac(SECRET, body)).send(body.toString()).expect(200);
      assert.deepEqual((res.body as { replies: WireReply[] }).replies.map((r) => r.status), Array(10).fill(201));
      assert.equal(t.log.status().size, 10);
    });
  });

  describe('when the node does not sequence', () => {
    it('answers 503 NOT_SEQUENCER with Retry-After to a v1 or v2 entry, which the forwarder passes on naming the code', async () => {
      const { app, t } = await testApp({ cluster: hooks(() => false) });
      const { server, url } = await listen(app);
      const forwarder = new Forwarder({ secret: SECRET, timeoutMs: 10_000 });
      try {
        const reply = await forwarder.send(url, prepared('not here'));
        assert.equal(reply.status, 503);
        assert.equal(reply.code, 'NOT_SEQUENCER');
        assert.equal(reply.headers['retry-after'], '1');
        assert.equal(t.log.status().size, 0);
        // A Rekor v2 error body carries a gRPC code only (14, UNAVAILABLE, as POOL_FULL's): the reply names Cairn's.
        const raw = Buffer.from(JSON.stringify(hashedRekordV2(ecKey(), 'not here either')));
        const v2 = await forwarder.send(url, admitSubmission(loadApiSpec(), raw, { maxBodyBytes: 65_535, maxChainLength: 10 }, 'rekor-v2'), 'v2');
        assert.equal(v2.status, 503);
        assert.equal(v2.code, 'NOT_SEQUENCER');
        assert.equal((JSON.parse(String(v2.body)) as { code: number }).code, 14);
        assert.equal(v2.headers['retry-after'], '1');
      } finally {
        forwarder.close();
        server.close();
      }
    });

    it('names its role and the sequencing node in /healthz, /readyz and /metrics', async () => {
      const { app } = await testApp({ cluster: hooks(() => false) });
      const health = (await request(app).get('/healthz').expect(200)).body as { cluster: unknown };
      assert.deepEqual(health.cluster, { role: 'follower', nodeId: 'node-a', epoch: 3, holder: 'node-b', holderUrl: 'http://b.test' });
      assert.deepEqual(((await request(app).get('/readyz').expect(200)).body as { cluster: unknown }).cluster, health.cluster);
      const metrics = (await request(app).get('/metrics').expect(200)).text;
      assert.match(metrics, /^cairn_cluster_sequencer 0$/m);
      assert.match(metrics, /^cairn_cluster_role\{role="follower"\} 1$/m);
      assert.match(metrics, /^cairn_cluster_lease_epoch 3$/m);
    });

    it('answers /readyz 503 database unreachable with why the last lease operation failed', async () => {
      const base = hooks(() => false);
      const why = "couldn't read the sequencer lease of postgres://cairn:***@db.test/cairn: connect ECONNREFUSED";
      const { app } = await testApp({ cluster: { ...base, status: () => ({ ...base.status(), databaseReachable: false, databaseError: why }) } });
      const ready = (await request(app).get('/readyz').expect(503)).body as { ready: boolean; reason: string; detail: string };
      assert.deepEqual([ready.ready, ready.reason, ready.detail], [false, 'database unreachable', why]);
      assert.match(((await request(app).get('/metrics').expect(200)).text), /^cairn_cluster_database_reachable 0$/m);
    });
  });

  describe('when the sequencing node cannot be reached', () => {
    it('rejects every entry with NOT_SEQUENCER, saying its request was not sent', async () => {
      const forwarder = new Forwarder({ secret: SECRET, timeoutMs: 2_000 });
      try {
        const port = await freePort();
        const sends = Array.from({ length: 12 }, (_, i) => forwarder.send(`http://127.0.0.1:${port}`, prepared(`nobody ${i}`)));
        for (const send of sends) {
          await assert.rejects(send, (err: unknown) => {
            assert.ok(isLogError(err, 'NOT_SEQUENCER'), String(err));
            assert.equal(err.details?.['sent'], false);
            return true;
          });
        }
        assert.ok(forwarder.stats().requests < 12, 'entries waiting for a slot left together');
      } finally {
        forwarder.close();
      }
    });
  });
});
