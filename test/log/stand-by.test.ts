/**
 * LogService.standBy and takeOver (src/log/service.ts), the log's side of
 * several nodes on one database: two logs on one real PostgreSQL database,
 * each store fenced with the sequencer lease it holds. The node standing by
 * refuses submissions with NOT_SEQUENCER and follows the other's
 * checkpoints; a node whose lease was taken over gets its batch refused by
 * the database without turning read-only; taking over rebuilds from the
 * store and continues the one log, dense and consistent.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import { LogError, isLogError } from '../../src/errors.js';
import { LogService } from '../../src/log/index.js';
import { openPostgresLease, openPostgresStore, type PostgresLease, type PostgresStore } from '../../src/storage/index.js';
import { StoreFaults } from '../support/faulty-store.js';
import { usePostgres } from '../support/postgres.js';
import { FAST_OPTIONS, rawEntry, testIdentity } from '../support/test-log.js';
import { ReferenceTree } from '../support/reference-tree.js';

interface Node {
  readonly id: string;
  readonly store: PostgresStore;
  readonly lease: PostgresLease;
  readonly log: LogService;
}

describe('LogService on several nodes', () => {
  const pg = usePostgres();
  const nodes: Node[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) {
      await n.log.close();
      await n.store.close();
      await n.lease.close();
    }
  });

  async function node(url: string, id: string, clock: ManualClock, faults?: StoreFaults): Promise<Node> {
    const store = await openPostgresStore({ url });
    const lease = openPostgresLease({ url });
    const log = await LogService.open(faults?.wrap(store) ?? store, testIdentity(), clock, FAST_OPTIONS);
    const n = { id, store, lease, log };
    nodes.push(n);
    return n;
  }
  /** Take the lease for `n` (it must be free), fence its store and take over. */
  async function lead(n: Node, ttlMs: number): Promise<number> {
    const grant = await n.lease.tryAcquire(n.id, `http://${n.id}.test`, ttlMs);
    assert.ok(grant !== undefined, `${n.id} could not take the lease`);
    n.store.fence(grant);
    await n.log.takeOver();
    return grant.epoch;
  }
  async function expired(l: PostgresLease): Promise<void> {
    while ((await l.read()).live) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  it('keeps one dense log across takeovers; a deposed node is refused by the database and stays writable', async function () {
    this.timeout(60_000);
    const url = await pg().createDatabase();
    const clock = new ManualClock();
    const a = await node(url, 'a', clock);
    const b = await node(url, 'b', clock);
    await b.log.standBy('a sequences');
    await lead(a, 2_500); // long enough for its first batches on a loaded machine; then it runs out
    await Promise.all(['a0', 'a1', 'a2'].map((t) => a.log.submit(rawEntry(t))));

    // b stands by: it refuses submissions and follows a's checkpoints.
    await assert.rejects(b.log.submit(rawEntry('to b')), (err: unknown) => isLogError(err, 'NOT_SEQUENCER'));
    assert.equal((await b.log.adoptLatest()).size, 3);
    assert.equal(b.log.status().size, 3);
    const followed = await Promise.all([0, 1, 2].map(async (i) => (await b.log.entryByIndex(i))?.entry.body.toString()));
    assert.deepEqual(followed.sort(), ['a0', 'a1', 'a2'], 'the three submitted together, in whichever order a sequenced them');

    // a's lease runs out without a's knowing (it was paused); b takes over and sequences.
    await expired(b.lease);
    await lead(b, 60_000);
    const fromB = await b.log.submit(rawEntry('b3'));
    assert.equal(fromB.index, 3);
    // a still believes it sequences: the database refuses its batch, and a does not turn read-only for it.
    await assert.rejects(a.log.submit(rawEntry('a, deposed')), (err: unknown) => isLogError(err, 'NOT_SEQUENCER'));
    assert.equal(a.log.status().readOnly, undefined);
    await a.log.standBy('b sequences');
    await assert.rejects(a.log.submit(rawEntry('a, standing by')), (err: unknown) => isLogError(err, 'NOT_SEQUENCER'));

    // b hands over cleanly; a takes over from the store and continues the same log.
    await b.log.standBy('b stops');
    const held = await b.lease.read();
    await b.lease.release('b', held.epoch);
    await lead(a, 60_000);
    assert.equal(a.log.status().size, 4, 'a adopted what b sequenced');
    const fromA = await a.log.submit(rawEntry('a4'));
    assert.equal(fromA.index, 4);

    const entries = await a.store.entriesInRange(0, 100);
    const bodies = entries.map((e) => e.body.toString());
    assert.deepEqual([...bodies.slice(0, 3)].sort(), ['a0', 'a1', 'a2']);
    assert.deepEqual(bodies.slice(3), ['b3', 'a4'], 'nothing of the deposed node, nothing while standing by');
    assert.deepEqual(entries.map((e) => e.index), [0, 1, 2, 3, 4]);
    const reference = new ReferenceTree(entries.map((e) => Buffer.from(e.body)));
    const latest = await a.store.latestCheckpoint();
    assert.equal(latest?.size, 5);
    assert.deepEqual(Buffer.from(latest!.root), Buffer.from(reference.root(5)));
    for (const cp of await a.store.listCheckpoints(0, 100)) assert.deepEqual(Buffer.from(cp.root), Buffer.from(reference.root(cp.size)), `checkpoint ${cp.size}`);
  });

  it('reads back on a node standing by what the sequencing node just published, without waiting for its next adoption', async function () {
    this.timeout(60_000);
    const url = await pg().createDatabase();
    const clock = new ManualClock();
    const a = await node(url, 'a', clock);
    const b = await node(url, 'b', clock);
    await b.log.standBy('a sequences');
    await lead(a, 60_000);
    for (const t of ['a0', 'a1', 'a2']) await a.log.submit(rawEntry(t));
    assert.equal((await b.log.adoptLatest()).size, 3);

    // a answers for a3; a client reads it back from b at once, by index, by leaf hash, with proofs at the new size.
    const done = await a.log.submit(rawEntry('a3'));
    assert.equal(b.log.status().size, 3, 'b has not adopted it yet');
    const byIndex = await b.log.entryByIndex(done.index);
    assert.equal(byIndex?.entry.body.toString(), 'a3');
    assert.equal(b.log.status().size, 4);
    const a4 = rawEntry('a4');
    await a.log.submit(a4);
    const byHash = await b.log.entryByLeafHash(a4.leafHash);
    assert.equal(byHash?.entry.index, 4);
    await a.log.submit(rawEntry('a5'));
    assert.equal((await b.log.reader.inclusionProof(5, 6)).length > 0, true);
    assert.equal((await b.log.reader.checkpointAt(6))?.size, 6);
    // Beyond the log: not found, after one shared round of catching up.
    const beyond = await Promise.all(Array.from({ length: 20 }, () => b.log.entryByIndex(1_000)));
    assert.deepEqual(beyond, new Array(20).fill(undefined));
    await assert.rejects(b.log.reader.consistencyProof(1, 1_000), (err: unknown) => isLogError(err, 'SIZE_OUT_OF_RANGE'));
    // The sequencing node never catches up (it publishes): beyond its tree is not found at once.
    assert.equal(await a.log.entryByIndex(1_000), undefined);
  });

  it('abandons the rebuild after a failed batch on standing by: the store moved on by another node neither stops its writes nor resets its tree once it takes over again', async function () {
    this.timeout(60_000);
    const url = await pg().createDatabase();
    const clock = new ManualClock();
    const faults = new StoreFaults();
    const a = await node(url, 'a', clock, faults);
    const b = await node(url, 'b', clock);
    await b.log.standBy('a sequences');
    await lead(a, 600);
    await a.log.submit(rawEntry('a0'));

    // The database goes away from a: its batch fails, and every rebuild of its tree after it (retried every 0.25 s, then
    // less often) cannot read the store.
    const unreachable = (): Error => new LogError('STORE_FAILED', "couldn't read the latest checkpoint: connect ECONNREFUSED");
    faults.fail(['appendBatch', 'latestCheckpoint', 'entriesInRange', 'tile'], unreachable);
    await assert.rejects(a.log.submit(rawEntry('a, lost')), (err: unknown) => isLogError(err, 'STORE_FAILED'));
    // Its lease lapses meanwhile: it stands by, and no longer waits for the store on its own account.
    await a.log.standBy('the lease expired');
    assert.equal(a.log.status().storeUnreachable, undefined);
    assert.equal(a.log.status().readOnly, undefined);

    // b takes over and moves the log on while a still cannot reach the database; then a can again.
    await expired(b.lease);
    await lead(b, 60_000);
    for (const t of ['b1', 'b2']) await b.log.submit(rawEntry(t));
    faults.heal();
    assert.equal((await a.log.adoptLatest()).size, 3);
    assert.equal(a.log.status().readOnly, undefined, 'a store moved on by another node is no failed commit of a');

    // b hands over; a takes over and sequences batch after batch from where b left the tree.
    await b.log.standBy('b stops');
    await b.lease.release('b', (await b.lease.read()).epoch);
    await lead(a, 60_000);
    for (let round = 0; round < 4; round++) await Promise.all([0, 1, 2].map((i) => a.log.submit(rawEntry(`a${round}.${i}`))));
    assert.equal(a.log.status().readOnly, undefined);
    const entries = await a.store.entriesInRange(0, 100);
    assert.deepEqual(entries.map((e) => e.index), Array.from({ length: 15 }, (_, i) => i));
    assert.deepEqual(entries.slice(0, 3).map((e) => e.body.toString()), ['a0', 'b1', 'b2'], 'nothing of the failed batch');
    const reference = new ReferenceTree(entries.map((e) => Buffer.from(e.body)));
    for (const cp of await a.store.listCheckpoints(0, 100)) assert.deepEqual(Buffer.from(cp.root), Buffer.from(reference.root(cp.size)), `checkpoint ${cp.size}`);
  });
});
