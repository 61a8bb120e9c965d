/**
 * Catching up a finished copy (src/migrate/extend.ts) on a real PostgreSQL
 * server: a SQLite log copied and finished while its service went on
 * serving, then grown (and, in a second case, rotated), is extended by a
 * second copy that copies only the new entries, proves and finishes; the
 * copy then answers as the source does. A copy a PostgreSQL server opened
 * without writing (its cluster secret) is extended too; one a log service
 * on PostgreSQL sequenced into is refused (CONFIG_INVALID, diverged) with
 * nothing written.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { CLUSTER_SECRET_META, clusterSecret } from '../../src/cluster/index.js';
import { isLogError } from '../../src/errors.js';
import { LogService, makeIdentity } from '../../src/log/index.js';
import { beginCopy, copyLog, planCopy, proveCopy } from '../../src/migrate/index.js';
import { SERVER_META_KEYS } from '../../src/migrate/server-meta.js';
import { openPostgresImport, openPostgresStore, openSnapshot, openSqliteStore, type PostgresImport, type SqliteSnapshot } from '../../src/storage/index.js';
import { usePostgres } from '../support/postgres.js';
import { stagedKeys } from '../support/shards.js';
import { sameAnswers } from '../support/store-answers.js';
import { FAST_OPTIONS, TEST_URL, openTestLog, pinIdentity, rawEntry, submitTagged, testKey, type TestLog } from '../support/test-log.js';

describe('cairn migrate: extending a finished copy whose source has grown', function () {
  this.timeout(120_000);
  const server = usePostgres();
  let dir: string;
  let file: string;
  let t: TestLog;
  const toClose: { close(): unknown }[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-migrate-catchup-'));
    file = join(dir, 'cairn.db');
    // A pinned log, as cairn serve pins it (open-log.ts), able to rotate to a staged key; it serves on while copied.
    t = await openTestLog(openSqliteStore({ path: file }), { nextKeys: stagedKeys(testKey(11)) });
    pinIdentity(t);
  });
  afterEach(async () => {
    for (const c of toClose.splice(0).reverse()) await c.close();
    await t.log.close();
    t.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(url: string): Promise<{ source: SqliteSnapshot; target: PostgresImport }> {
    const source = openSnapshot(file);
    const target = await openPostgresImport({ url });
    toClose.push(source, target);
    return { source, target };
  }

  /** Copy, prove and finish, as cairn migrate does; the copy's result. */
  async function migrate(url: string, nowMs: number): Promise<Awaited<ReturnType<typeof copyLog>>> {
    const { source, target } = await open(url);
    const copy = await copyLog(source, target, { sourceLabel: dir, nowMs, chunkEntries: 40 });
    const proof = await proveCopy(source, target);
    if (!copy.alreadyFinished) await target.finish(proof.size, proof.tree);
    for (const c of toClose.splice(0).reverse()) await c.close();
    return copy;
  }

  /** The copy answers every read as the source does (its active tree). */
  async function sameAsSource(url: string): Promise<void> {
    const source = openSnapshot(file);
    const copy = await openPostgresStore({ url });
    try {
      await sameAnswers(source.store, copy, source);
      assert.deepEqual(await copy.shards(), source.store.shards(), 'the shards rows');
    } finally {
      await copy.close();
      source.close();
    }
  }

  it('copies only the entries added since, proves and finishes; the copy answers as the source does', async () => {
    await submitTagged(t, 120, 'first');
    const url = await server().createDatabase();
    assert.equal((await migrate(url, 1)).entriesCopied, 120);
    await submitTagged(t, 50, 'second');
    const { source, target } = await open(url);
    assert.deepEqual(await planCopy(source, target), { state: 'extend', tree: 0, size: 120 });
    for (const c of toClose.splice(0).reverse()) await c.close();

    const copy = await migrate(url, 2);
    assert.deepEqual([copy.alreadyFinished, copy.resumedAt, copy.entriesCopied, copy.size], [false, 120, 50, 170]);
    await sameAsSource(url);
    assert.equal((await migrate(url, 3)).alreadyFinished, true, 'a third run finds it finished');
  });

  it('moves on to the trees the source rotated into since, and proves every tree', async () => {
    await submitTagged(t, 90, 'zero');
    const url = await server().createDatabase();
    await migrate(url, 1);
    await submitTagged(t, 10, 'more zero');
    await t.log.rotate();
    await submitTagged(t, 30, 'one');
    const copy = await migrate(url, 2);
    assert.deepEqual([copy.resumedAt, copy.entriesCopied, copy.trees, copy.size], [90, 40, 2, 30]);
    await sameAsSource(url);
    const store = await openPostgresStore({ url });
    toClose.push({ close: () => store.close() });
    assert.deepEqual(await store.tree(0).latestCheckpoint(), t.store.frozenTree?.(0).latestCheckpoint(), 'tree 0 as frozen in the source');
  });

  it('extends a copy a PostgreSQL server opened without writing (its cluster secret in meta)', async () => {
    assert.ok(SERVER_META_KEYS.has(CLUSTER_SECRET_META));
    await submitTagged(t, 60, 'first');
    const url = await server().createDatabase();
    await migrate(url, 1);
    // What cairn serve --database-url writes at its start without any entry: the cluster secret (src/cli/cluster.ts).
    const store = await openPostgresStore({ url });
    await clusterSecret(store);
    await store.close();
    assert.equal((await migrate(url, 2)).alreadyFinished, true, 'the same size: finished, proved again');
    await submitTagged(t, 25, 'second');
    const copy = await migrate(url, 3);
    assert.deepEqual([copy.resumedAt, copy.entriesCopied], [60, 25]);
    await sameAsSource(url);
  });

  it('refuses a copy a log service on PostgreSQL sequenced into, as diverged, writing nothing', async () => {
    await submitTagged(t, 60, 'first');
    const url = await server().createDatabase();
    await migrate(url, 1);
    const store = await openPostgresStore({ url });
    const served = await LogService.open(store, makeIdentity(testKey(), t.identity.treeId, TEST_URL), new ManualClock(), FAST_OPTIONS);
    await served.submit(rawEntry('written on PostgreSQL'));
    await served.close();
    await store.close();
    await submitTagged(t, 25, 'second');

    const { source, target } = await open(url);
    const before = [await target.status(), await target.meta(), await target.shards()];
    const refused = (e: unknown): boolean => isLogError(e, 'CONFIG_INVALID') && (e.details as { diverged?: boolean }).diverged === true && /has diverged from the source/.test(e.message);
    await assert.rejects(planCopy(source, target), refused);
    await assert.rejects(copyLog(source, target, { sourceLabel: dir, nowMs: 2 }), refused);
    assert.deepEqual([await target.status(), await target.meta(), await target.shards()], before, 'nothing written');
    assert.equal((await target.reads.latestCheckpoint())?.size, 61);
    // A plan made before the server wrote: reopening finds the head moved, and writes nothing.
    await assert.rejects(beginCopy(source, target, { state: 'extend', tree: 0, size: 60 }, { sourceLabel: dir, nowMs: 2 }), (e: unknown) => isLogError(e, 'CONFIG_INVALID'));
    assert.deepEqual(await target.status(), before[0]);
  });
});
