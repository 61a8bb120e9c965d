/**
 * Rotation on PostgreSQL (src/log/rotation.ts over PostgresStore.rotate)
 * when the connection dies during the rotation's COMMIT, whose outcome the
 * log then cannot know from the error: the store's trees tell it. A
 * rotation that took effect is installed and the log writes into the new
 * tree (it used to go on with the old one, whose next batch the database
 * refused, and stop writing until a restart). A freeze likewise.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import { isLogError } from '../../src/errors.js';
import { LogService } from '../../src/log/index.js';
import { openPostgresStore, type PostgresStore } from '../../src/storage/index.js';
import { usePostgres, withCommitCut } from '../support/postgres.js';
import { FAST_OPTIONS, rawEntry, testIdentity } from '../support/test-log.js';

describe('rotating a log on PostgreSQL', () => {
  const server = usePostgres();
  let store: PostgresStore | undefined;
  let log: LogService | undefined;
  afterEach(async () => {
    await log?.close();
    await store?.close();
    log = undefined;
    store = undefined;
  });

  it('installs a rotation whose COMMIT the connection died in but which took effect, and writes into the new tree', async function () {
    this.timeout(60_000);
    const pg = server();
    const url = await pg.createDatabase();
    store = await openPostgresStore({ url });
    log = await LogService.open(store, testIdentity(), new ManualClock(), FAST_OPTIONS);
    for (const t of ['a', 'b', 'c']) await log.submit(rawEntry(t));
    const oldTree = log.identity.treeId;

    // The COMMIT is written locally, then its session is ended while it waits for a synchronous standby.
    const l = log;
    const rotated = await withCommitCut(pg, url, () => l.rotate());
    assert.equal(rotated.frozen.treeID, oldTree);
    assert.equal(rotated.frozen.treeSize, 3);
    assert.equal(log.identity.treeId, rotated.active.treeID, 'the new tree is active');
    assert.equal(log.status().readOnly, undefined);
    const next = await log.submit(rawEntry('d'));
    assert.deepEqual([next.index, next.treeId], [3, rotated.active.treeID], 'the next entry goes into the new tree');
    assert.deepEqual((await store.shards()).map((s) => [s.treeId, s.frozenSize ?? null]), [
      [oldTree, 3],
      [rotated.active.treeID, null],
    ]);
  });

  it('answers a freeze whose COMMIT the connection died in but which took effect as done, the log frozen', async function () {
    this.timeout(60_000);
    const pg = server();
    const url = await pg.createDatabase();
    store = await openPostgresStore({ url });
    log = await LogService.open(store, testIdentity(), new ManualClock(), FAST_OPTIONS);
    for (const t of ['a', 'b']) await log.submit(rawEntry(t));
    const l = log;
    const frozen = await withCommitCut(pg, url, () => l.freeze());
    assert.equal(frozen.treeSize, 2);
    assert.equal(log.status().frozen, true);
    await assert.rejects(log.submit(rawEntry('c')), (err: unknown) => isLogError(err, 'READ_ONLY'));
  });
});
