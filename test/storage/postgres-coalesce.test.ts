import assert from 'node:assert/strict';
import pg from 'pg';
import { isLogError } from '../../src/errors.js';
import { leafGroupsOfTile } from '../../src/merkle/index.js';
import { openPostgresStore, type PostgresStore } from '../../src/storage/index.js';
import { usePostgres, type TestPostgres } from '../support/postgres.js';
import { assertBytes, assertEntry, batch, entry, tile } from './fixtures.js';

/** Entry reads in flight at once before the others are coalesced (ENTRY_READS_IN_FLIGHT in store.ts). */
const WINDOW = 2;

describe('PostgresStore coalesced entry reads and leaf-hash lookups', () => {
  const server = usePostgres();
  let url: string;
  let database: string;
  let store: PostgresStore;
  /** Leaf-group rows of the two full tiles stored: groups 0…31. */
  let groups: Uint8Array[];
  const SIZE = 600;

  beforeEach(async () => {
    url = await server().createDatabase();
    database = new URL(url).pathname.slice(1);
    store = await openPostgresStore({ url, queryTimeoutMs: 2000 });
    const tiles = [tile(0, 0, 256), tile(0, 1, 256)];
    await store.appendBatch(0, batch(0, SIZE, { tiles }));
    groups = tiles.flatMap((t) => leafGroupsOfTile(t));
  });
  afterEach(async () => {
    await store.close();
  });

  /**
   * Run `body` while another session holds an ACCESS EXCLUSIVE lock on the
   * entries table, so that entry reads wait on the server; `body` starts its
   * reads and returns their promise (`pending`), settled once the lock is released.
   */
  async function withEntriesLocked<T>(body: () => Promise<{ pending: Promise<T> }>): Promise<T> {
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    let pending: Promise<T>;
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE entries IN ACCESS EXCLUSIVE MODE');
      ({ pending } = await body());
    } finally {
      await holder.query('COMMIT').catch(() => undefined);
      await holder.end();
    }
    return pending;
  }

  it('gives each of many concurrent callers its own entry and leaf group, hits and misses mixed in one statement', async () => {
    const reads = Array.from({ length: 300 }, (_, k) => {
      const index = (k * 7919) % 700; // 600…699 are not stored
      const group = (k * 31) % 40; // 32…39 are not stored
      return { index, group, entryOnly: k % 5 === 0 };
    });
    reads.push(reads[3]!, reads[4]!); // the same pair asked twice
    const results = await withEntriesLocked(async () => {
      const all = Promise.all(reads.map((r) => (r.entryOnly ? store.entryByIndex(r.index).then((e) => ({ entry: e, leafGroup: undefined })) : store.entryAndLeafGroup(r.index, r.group))));
      await waitForLockWaiters(server(), database, WINDOW);
      // The rest wait for a slot in this process, not on the server: still WINDOW statements.
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await lockWaiters(server(), database)).length, WINDOW, 'statements sent while the window was full');
      return { pending: all };
    });
    assert.equal(results.length, reads.length);
    for (const [k, r] of reads.entries()) {
      const got = results[k]!;
      if (r.index < SIZE) assertEntry(got.entry, entry(r.index));
      else assert.equal(got.entry, undefined, `entry ${r.index}`);
      if (r.entryOnly || r.group >= groups.length) assert.equal(got.leafGroup, undefined, `leaf group ${r.group}`);
      else assertBytes(got.leafGroup, groups[r.group]!, `leaf group ${r.group}`);
    }
  });

  it('answers many concurrent leaf-hash lookups, found and not, sharing statements', async () => {
    const lookups = Array.from({ length: 300 }, (_, k) => (k * 7919) % 700); // entries 600…699 are not stored
    lookups.push(lookups[3]!, lookups[4]!); // the same hash asked twice
    const results = await withEntriesLocked(async () => {
      const all = Promise.all(lookups.map((i) => store.indexOfLeafHash(entry(i).leafHash)));
      await waitForLockWaiters(server(), database, WINDOW);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await lockWaiters(server(), database)).length, WINDOW, 'statements sent while the window was full');
      return { pending: all };
    });
    assert.deepEqual(
      results,
      lookups.map((i) => (i < SIZE ? i : undefined)),
    );
  });

  it('sends a lone read at once', async () => {
    await withEntriesLocked(async () => {
      const read = store.entryAndLeafGroup(5, 0);
      // It reaches the server (and waits there on the lock) with nothing else in flight: no timer holds it back.
      await waitForLockWaiters(server(), database, 1);
      return { pending: read };
    }).then((got) => {
      assertEntry(got.entry, entry(5));
      assertBytes(got.leafGroup, groups[0]!);
    });
    const t0 = performance.now();
    assertEntry((await store.entryAndLeafGroup(6, 0)).entry, entry(6));
    assert.ok(performance.now() - t0 < 1000, 'a lone read on an idle store took a second');
  });

  it('rejects every caller of a failed coalesced statement with the error its single read would get, then reads again', async () => {
    const alone = await withEntriesLocked(async () => {
      const err = await store.entryAndLeafGroup(1, 0).then(() => assert.fail('read under a timeout'), (e: unknown) => e);
      return { pending: Promise.resolve(err) };
    });
    assert.ok(isLogError(alone, 'STORE_FAILED'), String(alone));
    const indices = Array.from({ length: 40 }, (_, k) => k * 3);
    const failures = await withEntriesLocked(async () => {
      const all = Promise.allSettled(indices.map((i) => (i % 2 === 0 ? store.entryAndLeafGroup(i, 1) : store.entryByIndex(i))));
      await waitForLockWaiters(server(), database, WINDOW);
      // Every statement times out under the lock: the first WINDOW, then the one the others left in together.
      return { pending: Promise.resolve(await all) };
    });
    for (const [k, f] of failures.entries()) {
      assert.equal(f.status, 'rejected', `read of ${indices[k]}`);
      const err = (f as PromiseRejectedResult).reason as Error;
      assert.ok(isLogError(err, 'STORE_FAILED'), String(err));
      assert.match(err.message, new RegExp(`^couldn't read entry ${indices[k]}\\b`));
    }
    const again = await Promise.all(indices.map((i) => store.entryAndLeafGroup(i, 1)));
    for (const [k, i] of indices.entries()) assertEntry(again[k]!.entry, entry(i));
  });
});

async function lockWaiters(pgServer: TestPostgres, database: string): Promise<number[]> {
  const res = await pgServer.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [database]);
  return res.rows.map((r) => r.pid);
}

async function waitForLockWaiters(pgServer: TestPostgres, database: string, count: number): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if ((await lockWaiters(pgServer, database)).length === count) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never ${count} sessions of ${database} waiting on a lock`);
}
