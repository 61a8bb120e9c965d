/**
 * The coordinator's lease loop on a real PostgreSQL server: one node of
 * several sequences, a node that cannot renew is deposed by its own clock
 * before the database lets another take over, a released lease is taken at
 * once, a restarted node reclaims its previous process's live lease at start
 * (and only then), and role changes reach the node in order.
 */
import assert from 'node:assert/strict';
import { ClusterCoordinator, type Sequencing } from '../../src/cluster/index.js';
import type { LeaseGrant, SequencerFence } from '../../src/storage/index.js';
import { openPostgresLease, openPostgresStore, type PostgresLease } from '../../src/storage/index.js';
import { usePostgres } from '../support/postgres.js';

/** A node's side of the role changes, as it saw them, in order. */
class RecordedRole implements Sequencing {
  readonly events: string[] = [];
  fence: SequencerFence | undefined;
  failLead = false;
  #waiters: Array<() => void> = [];
  async lead(grant: LeaseGrant): Promise<void> {
    this.events.push(`lead ${grant.epoch}`);
    this.#wake();
    if (this.failLead) throw new Error('the store could not be read');
  }
  async follow(reason: string): Promise<void> {
    this.events.push(`follow: ${reason}`);
    this.#wake();
  }
  /** Resolves once `n` role changes were seen. */
  async changes(n: number): Promise<void> {
    while (this.events.length < n) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

describe('ClusterCoordinator', () => {
  const server = usePostgres();
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  async function database(): Promise<string> {
    const url = await server().createDatabase();
    await (await openPostgresStore({ url })).close();
    return url;
  }
  function node(url: string, id: string, ttlMs: number, lease?: PostgresLease): { c: ClusterCoordinator; role: RecordedRole; lease: PostgresLease } {
    const l = lease ?? openPostgresLease({ url, queryTimeoutMs: ttlMs / 3 });
    const role = new RecordedRole();
    const c = new ClusterCoordinator({ lease: l, fence: (f) => (role.fence = f), sequencing: role, nodeId: id, nodeUrl: `http://${id}.test`, ttlMs });
    stops.push(async () => {
      await c.stop();
      await l.close();
    });
    return { c, role, lease: l };
  }

  describe('when two nodes start on one database', () => {
    it('makes exactly one the sequencer, fenced with its epoch; the other follows it and forwards to its URL', async () => {
      const url = await database();
      const a = node(url, 'a', 1500);
      const b = node(url, 'b', 1500);
      await Promise.all([a.c.start(), b.c.start()]);
      const [leader, follower] = a.c.status().holder === 'a' && a.role.fence !== undefined ? [a, b] : [b, a];
      await leader.role.changes(1);
      assert.equal(leader.role.events[0], 'lead 1');
      assert.ok(leader.c.sequencing);
      assert.deepEqual(leader.role.fence, { holder: leader.c.status().nodeId, epoch: 1 });
      assert.equal(follower.c.sequencing, false);
      assert.equal(follower.role.fence, undefined);
      await follower.c.recheck();
      assert.equal(follower.c.leaderUrl(), leader.c.status().nodeUrl);
      assert.equal(leader.c.leaderUrl(), undefined, 'the sequencer forwards to nobody');
      assert.deepEqual(
        { role: follower.c.status().role, holder: follower.c.status().holder, epoch: follower.c.status().epoch },
        { role: 'follower', holder: leader.c.status().nodeId, epoch: 1 },
      );
    });
  });

  describe('when the sequencer cannot reach the database', () => {
    it('deposes itself by its own clock, and another node takes over with the next epoch once the lease expired', async function () {
      this.timeout(30_000);
      const url = await database();
      const a = node(url, 'a', 900);
      await a.c.start();
      await a.role.changes(1);
      const b = node(url, 'b', 900);
      await b.c.start();
      assert.equal(b.c.sequencing, false);
      const cut = performance.now();
      await a.lease.close(); // every renewal fails from now on, as behind a network cut
      await a.role.changes(2);
      const deposed = performance.now() - cut;
      assert.match(a.role.events[1]!, /^follow: the lease (could not be renewed before it expired|expired before a renewal succeeded)/);
      assert.equal(a.c.sequencing, false);
      assert.ok(deposed <= 900 + 100, `deposed after ${Math.round(deposed)} ms, not within the TTL`);
      await b.role.changes(1);
      const took = performance.now() - cut;
      assert.equal(b.role.events[0], 'lead 2');
      assert.deepEqual(b.role.fence, { holder: 'b', epoch: 2 });
      assert.ok(took >= deposed, 'the new sequencer started after the old one stopped');
      assert.ok(took < 900 * 3, `took over after ${Math.round(took)} ms`);
      assert.equal(a.c.status().databaseReachable, false);
    });
  });

  describe('when the sequencer stops cleanly', () => {
    it('releases the lease, and another node takes over long before the TTL', async function () {
      this.timeout(30_000);
      const url = await database();
      const a = node(url, 'a', 20_000);
      await a.c.start();
      await a.role.changes(1);
      const b = node(url, 'b', 1_000);
      await b.c.start();
      const stopped = performance.now();
      await a.c.stop();
      assert.equal(a.role.events[1], 'follow: the node is shutting down');
      await b.role.changes(1);
      assert.equal(b.role.events[0], 'lead 2');
      assert.ok(performance.now() - stopped < 5_000, 'not held for the old TTL of 20 s');
    });
  });

  describe('when a new sequencer cannot start sequencing', () => {
    it('gives the lease up and follows', async function () {
      this.timeout(30_000);
      const url = await database();
      const a = node(url, 'a', 1_000);
      a.role.failLead = true;
      await a.c.start();
      await a.role.changes(2);
      assert.deepEqual(a.role.events.map((e) => e.replace(/:.*/, '')), ['lead 1', 'follow']);
      assert.equal(a.c.sequencing, false);
      const view = await a.lease.read();
      assert.equal(view.live, false, 'released, not held until it expires');
    });
  });

  describe("when a node restarts while its previous process's lease is live", () => {
    const nodeUrl = 'http://node.test:3000';
    function restarted(url: string, id: string, events: string[]): { c: ClusterCoordinator; role: RecordedRole } {
      const l = openPostgresLease({ url });
      const role = new RecordedRole();
      const c = new ClusterCoordinator({ lease: l, fence: (f) => (role.fence = f), sequencing: role, nodeId: id, nodeUrl, ttlMs: 60_000, onEvent: (msg) => events.push(msg) });
      stops.push(async () => {
        await c.stop();
        await l.close();
      });
      return { c, role };
    }

    it('reclaims it at start, fenced with the next epoch, and logs it', async () => {
      const url = await database();
      const previous = openPostgresLease({ url });
      stops.push(() => previous.close());
      const held = await previous.tryAcquire('node-host-41-aaaaaa', nodeUrl, 60_000);
      assert.ok(held !== undefined);
      const events: string[] = [];
      const n = restarted(url, 'node-host-42-bbbbbb', events);
      await n.c.start();
      await n.role.changes(1);
      assert.equal(n.role.events[0], `lead ${held.epoch + 1}`);
      assert.deepEqual(n.role.fence, { holder: 'node-host-42-bbbbbb', epoch: held.epoch + 1 });
      assert.ok(events.some((e) => e.startsWith('lease reclaimed')), events.join('; '));
      assert.equal(await previous.renew('node-host-41-aaaaaa', held.epoch, 60_000), undefined);
    });

    it('never reclaims later: a previous process that took the lease after this node started is waited for', async () => {
      const url = await database();
      const other = openPostgresLease({ url });
      stops.push(() => other.close());
      const elsewhere = await other.tryAcquire('other-host-7-cccccc', 'http://other.test', 60_000);
      assert.ok(elsewhere !== undefined);
      const events: string[] = [];
      const n = restarted(url, 'node-host-42-bbbbbb', events);
      await n.c.start();
      assert.equal(n.c.status().role, 'follower', 'another host’s lease is not reclaimed');
      await other.release('other-host-7-cccccc', elsewhere.epoch);
      const previous = await other.tryAcquire('node-host-41-aaaaaa', nodeUrl, 60_000);
      assert.ok(previous !== undefined);
      await n.c.recheck();
      assert.equal(n.c.status().role, 'follower');
      assert.deepEqual(n.role.events, []);
      assert.equal((await other.read()).holder, 'node-host-41-aaaaaa');
    });
  });
});
