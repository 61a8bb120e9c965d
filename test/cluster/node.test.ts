/**
 * ClusterNode (src/cluster/node.ts) with real coordinators on a real
 * PostgreSQL server and real HTTP between two apps: a follower forwards what
 * it admits to the lease holder (entries admitted at once sharing requests)
 * and answers with its 201; when the holder is
 * gone its clients get a retryable 503 NOT_SEQUENCER, and once another node
 * holds the lease the follower forwards there; an entry a node answered
 * NOT_SEQUENCER (it lost the lease after the follower read it) is sent to
 * the next sequencing node, through either API.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ClusterCoordinator, ClusterNode, Forwarder, type Sequencing } from '../../src/cluster/index.js';
import { isLogError } from '../../src/errors.js';
import { openPostgresLease, openPostgresStore, type PostgresLease } from '../../src/storage/index.js';
import type { LogServiceOptions } from '../../src/log/index.js';
import { checkLogEntry, ecKey, hashedRekord, hashedRekordV2, testApp, type TestApp } from '../support/http.js';
import { openTestLog } from '../support/test-log.js';
import { usePostgres } from '../support/postgres.js';

const SECRET = Buffer.alloc(32, 9);

interface Node {
  readonly id: string;
  readonly c: ClusterCoordinator;
  readonly hooks: ClusterNode;
  readonly app: TestApp;
  readonly server: Server;
  readonly lease: PostgresLease;
  readonly url: string;
}

describe('ClusterNode', () => {
  const pg = usePostgres();
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A node: its own test log (with `logOptions`) and app on a port, a coordinator on `url`'s lease whose role changes resolve at once. */
  async function node(db: string, id: string, ttlMs: number, logOptions: Partial<LogServiceOptions> = {}): Promise<Node> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const lease = openPostgresLease({ url: db, queryTimeoutMs: ttlMs / 3 });
    const sequencing: Sequencing = { lead: async () => undefined, follow: async () => undefined };
    const c = new ClusterCoordinator({ lease, fence: () => undefined, sequencing, nodeId: id, nodeUrl: url, ttlMs });
    const forwarder = new Forwarder({ secret: SECRET, timeoutMs: 5_000 });
    const hooks = new ClusterNode(c, forwarder, SECRET);
    const app = await testApp({ cluster: hooks }, openTestLog(undefined, logOptions));
    server.on('request', app.app);
    const n = { id, c, hooks, app, server, lease, url };
    cleanups.push(async () => {
      await c.stop();
      forwarder.close();
      await lease.close().catch(() => undefined);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    return n;
  }

  async function sequencingNow(n: Node): Promise<void> {
    for (let i = 0; i < 500 && !n.c.sequencing; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(n.c.sequencing, `${n.id} does not sequence`);
  }

  const submission = (data: string): string => JSON.stringify(hashedRekord(ecKey(), data));

  it("answers a follower's client with the sequencing node's 201, then its 409", async () => {
    const db = await pg().createDatabase();
    await (await openPostgresStore({ url: db })).close();
    const a = await node(db, 'a', 3_000);
    await a.c.start();
    await sequencingNow(a);
    const b = await node(db, 'b', 3_000);
    await b.c.start();
    assert.equal(b.c.leaderUrl(), a.url);
    const body = submission('through b');
    const created = await request(b.app.app).post('/api/v1/log/entries').set('Content-Type', 'application/json').send(body).expect(201);
    assert.equal(checkLogEntry(a.app.t, created.body).logIndex, 0, "the entry is in the sequencing node's log");
    assert.equal(b.app.t.log.status().size, 0, 'the follower sequenced nothing itself');
    const again = await request(b.app.app).post('/api/v1/log/entries').set('Content-Type', 'application/json').send(body).expect(409);
    assert.equal(again.headers['location'], created.headers['location']);
    await request(a.app.app).post('/api/v1/log/entries').set('Content-Type', 'application/json').send(submission('through a')).expect(201);
    assert.equal(a.app.t.log.status().size, 2);
    assert.equal(b.hooks.forwarded, 2);
  });

  it('forwards entries submitted at once in shared requests, each client getting its own 201, and a lone entry in a request of its own', async () => {
    const db = await pg().createDatabase();
    await (await openPostgresStore({ url: db })).close();
    // Batches wait up to 100 ms to fill (the server's 5 ms and a durable commit, on a slow machine): the
    // forwarder's requests stay in flight while the 60 submissions arrive, so those arriving meanwhile share requests.
    const a = await node(db, 'a', 3_000, { batchMaxAgeMs: 100 });
    await a.c.start();
    await sequencingNow(a);
    const b = await node(db, 'b', 3_000);
    await b.c.start();
    const submit = async (body: string): Promise<{ status: number; entry: unknown }> => {
      const r = await fetch(`${b.url}/api/v1/log/entries`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      return { status: r.status, entry: await r.json() };
    };
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => submit(submission(`at once ${i}`))));
    const indices = new Set(answers.map((r) => (assert.equal(r.status, 201, JSON.stringify(r.entry)), checkLogEntry(a.app.t, r.entry).logIndex)));
    assert.equal(indices.size, 60);
    assert.equal(a.app.t.log.status().size, 60);
    const sent = b.hooks.status().forwarding;
    assert.equal(sent?.entries, 60);
    assert.ok(sent.requests <= 30, `${sent.requests} requests carried 60 entries`);
    const metrics = (await request(b.app.app).get('/metrics').expect(200)).text;
    assert.match(metrics, new RegExp(`^cairn_cluster_forward_requests_total ${sent.requests}$`, 'm'));
    assert.match(metrics, /^cairn_cluster_forwarded_entries_total 60$/m);
    assert.equal((await submit(submission('alone'))).status, 201);
    assert.deepEqual(b.hooks.status().forwarding, { requests: sent.requests + 1, entries: 61 });
  });

  it('sends a v1 or v2 entry the node it read from the lease answered NOT_SEQUENCER to the node that sequences now', async () => {
    const db = await pg().createDatabase();
    await (await openPostgresStore({ url: db })).close();
    // A long TTL: b reads the lease every 12 s, so it still names a node that has just given the lease up.
    const ttl = 60_000;
    const a = await node(db, 'a', ttl);
    await a.c.start();
    await sequencingNow(a);
    const b = await node(db, 'b', ttl);
    await b.c.start();
    await a.c.stop(); // releases the lease: a's forwarding route answers NOT_SEQUENCER from now on
    const c = await node(db, 'c', ttl);
    await c.c.start();
    await sequencingNow(c);
    assert.equal(b.c.leaderUrl(), a.url, 'b has not read the lease since');
    const v1 = await request(b.app.app).post('/api/v1/log/entries').set('Content-Type', 'application/json').send(submission('v1 after a stepped down')).expect(201);
    assert.equal(checkLogEntry(c.app.t, v1.body).logIndex, 0, "the entry is in c's log");
    assert.equal(a.app.t.log.status().size, 0, 'a sequenced nothing');
    assert.equal(b.c.leaderUrl(), c.url, 'b read the lease again');
    assert.equal(b.hooks.forwarded, 2, 'sent to a, then to c');

    await c.c.stop();
    const e = await node(db, 'e', ttl);
    await e.c.start();
    await sequencingNow(e);
    assert.equal(b.c.leaderUrl(), c.url, 'b has not read the lease since');
    const v2 = await request(b.app.app).post('/api/v2/log/entries').set('Content-Type', 'application/json').send(JSON.stringify(hashedRekordV2(ecKey(), 'v2 after c stepped down'))).expect(201);
    assert.equal((v2.body as { logIndex: string }).logIndex, '0');
    assert.equal(e.app.v2.status().size, 1, "the entry is in e's v2 tree");
    assert.equal(c.app.v2.status().size, 0, 'c sequenced nothing');
    assert.equal(b.c.leaderUrl(), e.url);
    assert.equal(b.hooks.forwarded, 4, 'sent to c, then to e');
  });

  it('relays an admin operation once: when the sequencing node drops the connection after reading it, 502 saying it may have run, never sent again', async () => {
    const db = await pg().createDatabase();
    await (await openPostgresStore({ url: db })).close();
    let received = 0;
    const dropping = createServer((req) => {
      req.resume();
      req.on('end', () => {
        received++;
        req.socket.destroy();
      });
    });
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const droppingUrl = `http://127.0.0.1:${(dropping.address() as AddressInfo).port}`;
    const lease = openPostgresLease({ url: db, queryTimeoutMs: 1_000 });
    const holder = new ClusterCoordinator({ lease, fence: () => undefined, sequencing: { lead: async () => undefined, follow: async () => undefined }, nodeId: 'dropping', nodeUrl: droppingUrl, ttlMs: 3_000 });
    cleanups.push(async () => {
      await holder.stop();
      await lease.close();
      dropping.closeAllConnections();
      await new Promise((resolve) => dropping.close(resolve));
    });
    await holder.start();
    const b = await node(db, 'b', 3_000);
    await b.c.start();
    assert.equal(b.c.leaderUrl(), droppingUrl);
    await assert.rejects(
      b.hooks.relayAdmin({ method: 'POST', path: '/api/v1/admin/rotate', query: '', contentType: null, body: new Uint8Array(0), who: 'ops', client: '127.0.0.1', requestId: 'once' }),
      (err: unknown) => {
        assert.ok(isLogError(err, 'UPSTREAM_FAILED'), String(err));
        assert.match(err.message, /may have run/);
        assert.equal(err.details?.['ran'], 'unknown');
        return true;
      },
    );
    assert.equal(received, 1, 'sent once');
  });

  it('answers 503 NOT_SEQUENCER while the sequencing node is gone, and forwards to the next one once it took over', async function () {
    this.timeout(30_000);
    const db = await pg().createDatabase();
    await (await openPostgresStore({ url: db })).close();
    const a = await node(db, 'a', 900);
    await a.c.start();
    await sequencingNow(a);
    const b = await node(db, 'b', 900);
    await b.c.start();
    // a dies: it answers nothing and renews nothing.
    a.server.closeAllConnections();
    await new Promise((resolve) => a.server.close(resolve));
    await a.lease.close();
    const refused = await request(b.app.app).post('/api/v1/log/entries').set('Content-Type', 'application/json').send(submission('while nobody sequences')).expect(503);
    assert.equal(refused.body.error, 'NOT_SEQUENCER');
    assert.equal(refused.headers['retry-after'], '1');
    await sequencingNow(b);
    const c = await node(db, 'c', 900);
    await c.c.start();
    assert.equal(c.c.leaderUrl(), b.url);
    const created = await request(c.app.app).post('/api/v1/log/entries').set('Content-Type', 'application/json').send(submission('after the takeover')).expect(201);
    assert.equal(checkLogEntry(b.app.t, created.body).logIndex, 0);
  });
});
