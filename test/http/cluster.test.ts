/**
 * The internal forwarding route of a node among several (src/http/routes/cluster.ts)
 * and the forwarding client (src/cluster/forward.ts), over real HTTP: an
 * entry admitted by a follower and forwarded gets the sequencing node's own
 * 201 (or 409); only requests authenticated by the cluster secret's HMAC are
 * taken; a node that does not sequence answers a retryable 503; the probes
 * and /metrics name the node's role.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Forwarder, checkClusterMac, clusterMac } from '../../src/cluster/index.js';
import { admitSubmission } from '../../src/admission/index.js';
import { loadApiSpec } from '../../src/api/index.js';
import { isLogError } from '../../src/errors.js';
import { CLUSTER_ENTRIES_PATH, encodeForwardedEntry, type ClusterHooks, type ClusterView } from '../../src/http/index.js';
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
      } finally {
        forwarder.close();
        server.close();
      }
    });

    it('takes no token and no rate limit, but refuses a request its HMAC does not authenticate (401), sequencing nothing', async () => {
      const { app, t } = await testApp({ cluster: hooks(() => true), access: adminAccess(), rateLimit: { ratePerSecond: 1, burst: 1 } });
      const body = encodeForwardedEntry(prepared('authenticated'));
      for (const mac of [undefined, clusterMac(Buffer.alloc(32, 8), body), 'zz', clusterMac(SECRET, Buffer.concat([body, Buffer.from(' ')]))]) {
        const r = request(app).post(CLUSTER_ENTRIES_PATH).set('Content-Type', 'application/json');
        const res = await (mac === undefined ? r : r.set('X-Cairn-Cluster-Mac', mac)).send(body.toString()).expect(401);
        assert.equal(res.body.error, 'UNAUTHENTICATED');
      }
      assert.equal(t.log.status().size, 0);
      for (let i = 0; i < 3; i++) {
        const one = encodeForwardedEntry(prepared(`entry ${i}`));
        await request(app).post(CLUSTER_ENTRIES_PATH).set('Content-Type', 'application/json').set('X-Cairn-Cluster-Mac', clusterMac(SECRET, one)).send(one.toString()).expect(201);
      }
    });

    it('refuses a malformed entry or one whose leaf hash is not its body’s with 400, sequencing nothing', async () => {
      const { app, t } = await testApp({ cluster: hooks(() => true) });
      const good = JSON.parse(encodeForwardedEntry(prepared('tampered')).toString()) as Record<string, unknown>;
      const bodies = [
        'not json',
        '[]',
        JSON.stringify({ ...good, leafHash: Buffer.alloc(32).toString('base64') }),
        JSON.stringify({ ...good, searchKeys: 'x' }),
        JSON.stringify({ ...good, kind: 7 }),
        JSON.stringify({ ...good, body: '' }),
      ];
      for (const text of bodies) {
        const body = Buffer.from(text);
        const res = await request(app).post(CLUSTER_ENTRIES_PATH).set('Content-Type', 'application/json').set('X-Cairn-Cluster-Mac', clusterMac(SECRET, body)).send(body.toString()).expect(400);
        assert.equal(res.body.error, 'BAD_REQUEST', text);
      }
      assert.equal(t.log.status().size, 0);
    });
  });

  describe('when the node does not sequence', () => {
    it('answers 503 NOT_SEQUENCER with Retry-After, which the forwarder passes on', async () => {
      const { app, t } = await testApp({ cluster: hooks(() => false) });
      const { server, url } = await listen(app);
      const forwarder = new Forwarder({ secret: SECRET, timeoutMs: 10_000 });
      try {
        const reply = await forwarder.send(url, prepared('not here'));
        assert.equal(reply.status, 503);
        assert.equal(reply.code, 'NOT_SEQUENCER');
        assert.equal(reply.headers['retry-after'], '1');
        assert.equal(t.log.status().size, 0);
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
  });

  describe('when the sequencing node cannot be reached', () => {
    it('rejects with NOT_SEQUENCER, saying the request was not sent', async () => {
      const forwarder = new Forwarder({ secret: SECRET, timeoutMs: 2_000 });
      try {
        const port = await freePort();
        await assert.rejects(forwarder.send(`http://127.0.0.1:${port}`, prepared('nobody')), (err: unknown) => {
          assert.ok(isLogError(err, 'NOT_SEQUENCER'), String(err));
          assert.equal(err.details?.['sent'], false);
          return true;
        });
      } finally {
        forwarder.close();
      }
    });
  });
});
