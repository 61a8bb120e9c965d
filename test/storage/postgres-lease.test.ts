/**
 * The sequencer lease (src/storage/postgres/lease.ts) and the store's fence,
 * on a real PostgreSQL server: one holder at a time, expiry judged by the
 * database's clock, and a deposed holder's batches refused by the database
 * itself, including a holder whose process was paused past its TTL; a
 * rotation and a freeze are fenced the same way; a restarted node reclaims
 * its previous process's live lease (same host, same node URL) and nobody
 * else's, and the previous process's batches are refused from then on.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { LogError } from '../../src/errors.js';
import { EMPTY_ROOT } from '../../src/merkle/index.js';
import type { Rotation } from '../../src/storage/types.js';
import { isPreviousProcess, nodeHost, openPostgresLease, openPostgresStore, type PostgresLease, type PostgresStore } from '../../src/storage/index.js';
import { SQL } from '../../src/storage/postgres/statements.js';
import { eachLine } from '../support/lines.js';
import { usePostgres } from '../support/postgres.js';
import { assertCheckpoint, batch, entry } from './fixtures.js';
import { assertRejected } from './store.contract.js';

describe('PostgresLease', () => {
  const server = usePostgres();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  async function database(): Promise<string> {
    const url = await server().createDatabase();
    const s = await openPostgresStore({ url }); // migrates
    await s.close();
    return url;
  }
  function lease(url: string): PostgresLease {
    const l = openPostgresLease({ url });
    closers.push(() => l.close());
    return l;
  }
  async function store(url: string): Promise<PostgresStore> {
    const s = await openPostgresStore({ url });
    closers.push(() => s.close());
    return s;
  }
  /** Resolves once the database's clock says the lease expired (polled: the expiry is the server's to judge). */
  async function expired(l: PostgresLease): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      if (!(await l.read()).live) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the lease never expired');
  }

  describe('when nobody ever held it', () => {
    it('reads as free at epoch 0', async () => {
      const view = await lease(await database()).read();
      assert.deepEqual({ holder: view.holder, epoch: view.epoch, live: view.live }, { holder: undefined, epoch: 0, live: false });
    });
  });

  describe('when several nodes contend at once', () => {
    it('grants it to exactly one, round after round, each takeover one epoch later', async function () {
      this.timeout(60_000);
      const url = await database();
      const nodes = ['a', 'b', 'c'].map((id) => ({ id, lease: lease(url) }));
      // A TTL long enough that the lease is still live when it is tried again, on a loaded machine too.
      for (let round = 1; round <= 4; round++) {
        const grants = await Promise.all(nodes.map((n) => n.lease.tryAcquire(n.id, `http://${n.id}.test`, 1500)));
        const won = grants.filter((g) => g !== undefined);
        assert.equal(won.length, 1, `round ${round}: ${won.length} winners`);
        const view = await nodes[0]!.lease.read();
        assert.equal(view.holder, won[0]!.holder);
        assert.equal(view.nodeUrl, `http://${won[0]!.holder}.test`);
        assert.equal(view.epoch, round);
        assert.equal(won[0]!.epoch, round);
        for (const n of nodes) assert.equal(await n.lease.tryAcquire(n.id, '', 1500), undefined, 'a live lease is not taken, not even by its holder');
        await expired(nodes[0]!.lease);
      }
    });
  });

  describe('when the holder stops renewing', () => {
    it('expires by the database clock; the next holder gets the next epoch; the old renewal and release change nothing', async function () {
      this.timeout(30_000);
      const url = await database();
      const [a, b] = [lease(url), lease(url)];
      const first = await a.tryAcquire('a', 'http://a.test', 300);
      assert.ok(first !== undefined);
      assert.ok(await a.renew('a', first.epoch, 300), 'a live lease renews');
      assert.equal(await b.tryAcquire('b', 'http://b.test', 5000), undefined);
      await expired(b);
      const second = await b.tryAcquire('b', 'http://b.test', 5000);
      assert.equal(second?.epoch, first.epoch + 1);
      assert.equal(await a.renew('a', first.epoch, 300), undefined, 'a lost lease never renews');
      await a.release('a', first.epoch);
      const view = await a.read();
      assert.deepEqual({ holder: view.holder, epoch: view.epoch, live: view.live }, { holder: 'b', epoch: second.epoch, live: true });
    });

    it('is free at once after a release', async () => {
      const url = await database();
      const [a, b] = [lease(url), lease(url)];
      const held = await a.tryAcquire('a', 'http://a.test', 60_000);
      assert.ok(held !== undefined);
      await a.release('a', held.epoch);
      assert.equal((await b.tryAcquire('b', 'http://b.test', 60_000))?.epoch, held.epoch + 1);
    });
  });

  describe("when a restarted node reclaims its previous process's live lease", () => {
    const url0 = 'http://node.test:3000';
    it('takes it at once only for the same node URL and hostname part, one epoch later; another URL, another host, or no reclaim asked wait for the expiry', async () => {
      const url = await database();
      const [old, next] = [lease(url), lease(url)];
      const held = await old.tryAcquire('db-1.example-41-a1b2c3', url0, 60_000);
      assert.ok(held !== undefined);
      assert.equal(await next.tryAcquire('db-1.example-42-d4e5f6', url0, 60_000), undefined, 'no reclaim asked');
      assert.equal(await next.tryAcquire('db-1.example-42-d4e5f6', 'http://node.test:3001', 60_000, { reclaim: true }), undefined, 'another URL');
      assert.equal(await next.tryAcquire('db-2.example-42-d4e5f6', url0, 60_000, { reclaim: true }), undefined, 'another host');
      assert.equal(await next.tryAcquire('db-1-42-d4e5f6', url0, 60_000, { reclaim: true }), undefined, 'a hostname that is only a prefix');
      assert.equal(await next.tryAcquire('example-41-a1b2c3', url0, 60_000, { reclaim: true }), undefined, 'another host whose ID ends like the holder’s');
      assert.equal(await old.tryAcquire('db-1.example-41-a1b2c3', url0, 60_000, { reclaim: true }), undefined, 'not by its holder itself');
      const view = await next.read();
      assert.deepEqual({ holder: view.holder, epoch: view.epoch, live: view.live }, { holder: 'db-1.example-41-a1b2c3', epoch: held.epoch, live: true });
      const grant = await next.tryAcquire('db-1.example-42-d4e5f6', url0, 60_000, { reclaim: true });
      assert.deepEqual(grant, { holder: 'db-1.example-42-d4e5f6', nodeUrl: url0, epoch: held.epoch + 1, ttlMs: 60_000, reclaimedFrom: 'db-1.example-41-a1b2c3' });
      assert.equal(await old.renew('db-1.example-41-a1b2c3', held.epoch, 60_000), undefined, 'the previous process can no longer renew');
      await old.release('db-1.example-41-a1b2c3', held.epoch);
      const after = await old.read();
      assert.deepEqual({ holder: after.holder, epoch: after.epoch, live: after.live }, { holder: 'db-1.example-42-d4e5f6', epoch: held.epoch + 1, live: true });
    });

    it('takes an expired lease without calling it a reclaim', async function () {
      this.timeout(30_000);
      const url = await database();
      const l = lease(url);
      const held = await l.tryAcquire('h-41-aaaaaa', url0, 300);
      assert.ok(held !== undefined);
      await expired(l);
      assert.deepEqual(await l.tryAcquire('h-42-bbbbbb', url0, 60_000, { reclaim: true }), { holder: 'h-42-bbbbbb', nodeUrl: url0, epoch: held.epoch + 1, ttlMs: 60_000 });
    });

    it("refuses the previous process's batches from the reclaim on, and waits for its commit in progress", async function () {
      this.timeout(30_000);
      const url = await database();
      const databaseName = new URL(url).pathname.slice(1);
      const [lOld, lNew] = [lease(url), lease(url)];
      const [sOld, sNew] = [await store(url), await store(url)];
      const held = await lOld.tryAcquire('h-41-aaaaaa', url0, 60_000);
      assert.ok(held !== undefined);
      sOld.fence(held);
      await sOld.appendBatch(0, batch(0, 2));
      // A commit of the previous process in progress: its compare-and-swap done, its COMMIT not yet sent.
      const open = new pg.Client({ connectionString: url });
      await open.connect();
      closers.push(() => open.end());
      await open.query('BEGIN');
      assert.equal((await open.query(SQL.casHeadFenced([2, 3, 'h-41-aaaaaa', held.epoch, null]))).rowCount, 1);
      const reclaim = lNew.tryAcquire('h-42-bbbbbb', url0, 60_000, { reclaim: true });
      await waitForLockWaiter(server().query.bind(server()), databaseName);
      await open.query('COMMIT');
      const grant = await reclaim;
      assert.equal(grant?.epoch, held.epoch + 1);
      assert.equal(grant.reclaimedFrom, 'h-41-aaaaaa');
      const stale = batch(3, 1, { salt: 'previous process' });
      const err = (await assertRejected(sOld.appendBatch(3, stale), 'NOT_SEQUENCER')) as LogError;
      assert.equal(err.details?.['fenced'], true);
      assert.equal(await sOld.indexOfLeafHash(stale.entries[0]!.leafHash), undefined);
      sNew.fence(grant);
      const mine = batch(3, 2, { salt: 'restarted' });
      await sNew.appendBatch(3, mine);
      assertCheckpoint(await sNew.latestCheckpoint(), mine.checkpoint);
    });
  });

  describe('nodeHost and isPreviousProcess', () => {
    it('take the hostname part as what precedes the last two dash-separated parts', () => {
      assert.equal(nodeHost('ip-10-0-0-7.ec2.internal-812-0a1b2c'), 'ip-10-0-0-7.ec2.internal');
      assert.equal(nodeHost('host-1-ab'), 'host');
      assert.equal(nodeHost('a'), undefined);
      assert.equal(nodeHost('1-ab'), undefined);
      assert.equal(nodeHost('-1-ab'), undefined);
      assert.equal(isPreviousProcess('h-1-aa', 'http://x', 'h-2-bb', 'http://x'), true);
      assert.equal(isPreviousProcess('h-1-aa', 'http://x', 'h-1-aa', 'http://x'), false);
      assert.equal(isPreviousProcess('h-1-aa', 'http://x', 'h-2-bb', 'http://y'), false);
      assert.equal(isPreviousProcess('h-1-aa', '', 'h-2-bb', ''), false);
      assert.equal(isPreviousProcess(undefined, 'http://x', 'h-2-bb', 'http://x'), false);
      assert.equal(isPreviousProcess('a', 'http://x', 'a-2-bb', 'http://x'), false);
    });
  });

  describe('when a fenced store commits', () => {
    it("commits the holder's batches, and refuses a deposed holder's with NOT_SEQUENCER, writing nothing", async function () {
      this.timeout(30_000);
      const url = await database();
      const [la, lb] = [lease(url), lease(url)];
      const [sa, sb] = [await store(url), await store(url)];
      const ga = await la.tryAcquire('a', 'http://a.test', 400);
      assert.ok(ga !== undefined);
      sa.fence(ga);
      await sa.appendBatch(0, batch(0, 3));
      await expired(la);
      const expiredBatch = batch(3, 2, { salt: 'expired' });
      const err = (await assertRejected(sa.appendBatch(3, expiredBatch), 'NOT_SEQUENCER')) as LogError;
      assert.equal(err.details?.['fenced'], true);
      const gb = await lb.tryAcquire('b', 'http://b.test', 60_000);
      assert.ok(gb !== undefined);
      sb.fence(gb);
      const next = batch(3, 4, { salt: 'b' });
      await sb.appendBatch(3, next);
      await assertRejected(sa.appendBatch(7, batch(7, 1, { salt: 'deposed' })), 'NOT_SEQUENCER');
      assertCheckpoint(await sa.latestCheckpoint(), next.checkpoint);
      for (const e of expiredBatch.entries) assert.equal(await sa.indexOfLeafHash(e.leafHash), undefined);
    });

    it("rotates and freezes only under the holder's lease and only the tree the head names: a deposed holder's rotation, and a writer of the tree before, commit nothing", async function () {
      this.timeout(30_000);
      const url = await database();
      const [la, lb] = [lease(url), lease(url)];
      const [sa, sb] = [await store(url), await store(url)];
      await sa.appendBatch(0, batch(0, 3));
      await sa.addFirstShard({ treeId: '42', publicKeyPem: 'PEM', noteKeyPem: undefined, createdMs: 1 });
      const rotation = (treeId: string, frozenSize: number): Rotation => ({
        frozenSize,
        frozenMs: 2,
        next: { treeId, publicKeyPem: 'PEM', noteKeyPem: undefined, createdMs: 2 },
        checkpoint: { size: 0, root: EMPTY_ROOT, time: 2, note: `example.com/log - ${treeId}\n0\n\n` },
      });
      const ga = await la.tryAcquire('a', 'http://a.test', 400);
      assert.ok(ga !== undefined);
      sa.fence(ga);
      await expired(la);
      await assertRejected(sa.tree(0).rotate(rotation('43', 3)), 'NOT_SEQUENCER');
      await assertRejected(sa.tree(0).freeze(3, 3), 'NOT_SEQUENCER');
      assert.equal((await sb.shards()).length, 1, 'the deposed rotation wrote nothing');
      const gb = await lb.tryAcquire('b', 'http://b.test', 60_000);
      assert.ok(gb !== undefined);
      sb.fence(gb);
      const tree0 = sb.tree(0);
      await tree0.rotate(rotation('43', 3));
      // A writer that has not learnt of the rotation (its view of tree 0), at the size it knows: refused, nothing written.
      const stale = batch(3, 1, { salt: 'stale' });
      const err = (await assertRejected(tree0.appendBatch(3, stale), 'INCONSISTENT')) as LogError;
      assert.match(err.message, /active tree is tree 1/);
      await assertRejected(tree0.rotate(rotation('44', 3)), 'INCONSISTENT');
      assert.equal(await sb.indexOfLeafHash(stale.entries[0]!.leafHash), undefined);
      // The new tree, frozen for good: no batch commits into it afterwards.
      const tree1 = sb.tree(1);
      await tree1.appendBatch(0, batch(0, 2, { salt: 'one', entries: [entry(3, 'one'), entry(4, 'one')] }));
      await tree1.freeze(2, 4);
      await assertRejected(tree1.appendBatch(2, batch(2, 1, { salt: 'late', entries: [entry(5, 'late')] })), 'INCONSISTENT');
      await assertRejected(tree1.rotate(rotation('45', 2)), 'INCONSISTENT');
      assert.deepEqual((await sa.shards()).map((r) => [r.treeId, r.firstIndex, r.frozenSize]), [['42', 0, 3], ['43', 3, 2]]);
    });

    it('makes a takeover wait for a fenced commit in progress; after it, the old epoch commits nothing', async function () {
      this.timeout(30_000);
      const url = await database();
      const databaseName = new URL(url).pathname.slice(1);
      const [la, lb] = [lease(url), lease(url)];
      const sa = await store(url);
      const ga = await la.tryAcquire('a', 'http://a.test', 500);
      assert.ok(ga !== undefined);
      sa.fence(ga);
      await sa.appendBatch(0, batch(0, 2));
      // A commit of holder a in progress: its compare-and-swap done, its COMMIT not yet sent.
      const open = new pg.Client({ connectionString: url });
      await open.connect();
      closers.push(() => open.end());
      await open.query('BEGIN');
      const swapped = await open.query(SQL.casHeadFenced([2, 3, 'a', ga.epoch, null]));
      assert.equal(swapped.rowCount, 1);
      assert.ok(await la.renew('a', ga.epoch, 500), 'the holder renews while its commit holds the lease row');
      await expired(lb);
      const takeover = lb.tryAcquire('b', 'http://b.test', 60_000);
      await waitForLockWaiter(server().query.bind(server()), databaseName);
      await open.query('COMMIT');
      const gb = await takeover;
      assert.equal(gb?.epoch, ga.epoch + 1, 'taken once the commit ended');
      await assertRejected(sa.appendBatch(3, batch(3, 1)), 'NOT_SEQUENCER');
    });
  });

  describe('when the holder’s process is paused past its TTL', () => {
    it('commits nothing once it resumes, though it still believes it holds the lease', async function () {
      this.timeout(60_000);
      const url = await database();
      const other = lease(url);
      const live = await store(url);
      const child = spawnHolder(url, 600);
      closers.push(async () => void child.kill('SIGKILL'));
      const lines: string[] = [];
      const next = (): Promise<string> =>
        new Promise((resolve) => {
          const poll = (): void => (lines.length > 0 ? resolve(lines.shift()!) : void setTimeout(poll, 10));
          poll();
        });
      eachLine(child.stdout, (line) => lines.push(line));
      assert.equal(JSON.parse(await next()).ready, true);
      child.kill('SIGSTOP'); // paused: a GC pause, a frozen VM, a debugger
      child.stdin?.write('go\n'); // read once it runs again
      await expired(other);
      const grant = await other.tryAcquire('other', 'http://other.test', 60_000);
      assert.ok(grant !== undefined);
      live.fence(grant);
      const mine = batch(1, 2, { salt: 'new holder' });
      await live.appendBatch(1, mine);
      child.kill('SIGCONT');
      const result = JSON.parse(await next()) as { code?: string; message?: string };
      assert.equal(result.code, 'NOT_SEQUENCER', result.message);
      assertCheckpoint(await live.latestCheckpoint(), mine.checkpoint);
      assert.equal(await live.indexOfLeafHash(batch(1, 2, { salt: 'paused' }).entries[0]!.leafHash), undefined);
    });
  });
});

/**
 * A process holding the lease as node `paused` for `ttlMs`, its store fenced
 * with it and one batch committed; prints `{"ready":true}`, then on a line on
 * stdin commits the fixtures' `batch(1, 2, {salt: 'paused'})` and prints the
 * outcome: `{"committed":true}` or the error's code.
 */
function spawnHolder(url: string, ttlMs: number): ChildProcess {
  const storeModule = new URL('../../src/storage/index.js', import.meta.url).href;
  const fixtures = new URL('./fixtures.js', import.meta.url).href;
  const script = `
    const { openPostgresLease, openPostgresStore } = await import(${JSON.stringify(storeModule)});
    const { batch } = await import(${JSON.stringify(fixtures)});
    const { createInterface } = await import('node:readline');
    const s = await openPostgresStore({ url: ${JSON.stringify(url)} });
    const l = openPostgresLease({ url: ${JSON.stringify(url)} });
    const grant = await l.tryAcquire('paused', 'http://paused.test', ${ttlMs});
    s.fence(grant);
    await s.appendBatch(0, batch(0, 1, { salt: 'paused' }));
    console.log(JSON.stringify({ ready: true }));
    const input = createInterface({ input: process.stdin });
    for await (const _ of input) break;
    try {
      await s.appendBatch(1, batch(1, 2, { salt: 'paused' }));
      console.log(JSON.stringify({ committed: true }));
    } catch (err) {
      console.log(JSON.stringify({ code: err.code, message: err.message }));
    }
    await s.close();
    await l.close();`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
}

/** Resolves once a session of `database` waits on a lock. */
async function waitForLockWaiter(query: (sql: string, values?: unknown[]) => Promise<pg.QueryResult>, database: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    const res = await query("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [database]);
    if (res.rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no session of ${database} waits on a lock`);
}
