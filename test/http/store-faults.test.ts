/**
 * Storage faults seen through HTTP: when a commit fails (an
 * exception, disk full, a read-only database, an I/O error), the batch fails
 * as a whole, every waiter gets a 503 JSON STORE_FAILED with Retry-After,
 * nothing of it is written, reads keep being served, and the log recovers
 * once the fault clears. Injected (FaultyStore) and real SQLite faults
 * (PRAGMA max_page_count → SQLITE_FULL, PRAGMA query_only → SQLITE_READONLY).
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import type { RequestListener } from 'node:http';
import { openDatabase, SqliteStore, type Database } from '../../src/storage/index.js';
import { FaultyStore, type SqliteFailure } from '../support/faulty-store.js';
import { checkLog, openTestLog, type TestLog } from '../support/test-log.js';
import { checkLogEntry, ecKey, hashedRekord, testApp } from '../support/http.js';

const key = ecKey();
const ENTRIES = '/api/v1/log/entries';
/** Long enough that concurrent requests share one batch. */
const BATCHING = { batchMaxAgeMs: 30, batchMaxSize: 64 };

async function submitAll(app: RequestListener, tag: string, n: number): Promise<request.Response[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => request(app).post(ENTRIES).send(hashedRekord(key, `${tag} ${i}`))));
}

function assertStoreFailed(res: request.Response, cause?: RegExp): void {
  assert.equal(res.status, 503, JSON.stringify(res.body));
  if (cause !== undefined) assert.match(res.body.message, cause);
  assert.match(res.headers['content-type'] ?? '', /application\/json/);
  assert.equal(res.body.error, 'STORE_FAILED');
  assert.equal(res.body.code, 503);
  assert.equal(res.headers['retry-after'], '1');
}

/** Reads still answer, with the tree as it was before the fault. */
async function assertReadsServed(app: RequestListener, t: TestLog, size: number): Promise<void> {
  const info = await request(app).get('/api/v1/log').expect(200);
  assert.equal(info.body.treeSize, size);
  await request(app).get('/checkpoint').expect(200);
  const entry = await request(app).get(`${ENTRIES}?logIndex=${size - 1}`).expect(200);
  checkLogEntry(t, entry.body);
  await request(app).get(`/api/v1/log/proof?firstSize=1&lastSize=${size}`).expect(200);
  await request(app).get('/tile/entries/000.p/' + String(size)).expect(200);
  const health = await request(app).get('/healthz').expect(200);
  assert.equal(health.body.status, 'ok', 'a failed batch is not fatal: the log still accepts writes');
  assert.equal((await request(app).get('/readyz').expect(200)).body.ready, true);
}

/** Reads still answer while the log refuses writes. */
async function assertReadsServedReadOnly(app: RequestListener, size: number): Promise<void> {
  const info = await request(app).get('/api/v1/log').expect(200);
  assert.equal(info.body.treeSize, size);
  await request(app).get('/checkpoint').expect(200);
  await request(app).get(`${ENTRIES}?logIndex=${size - 1}`).expect(200);
  const ready = await request(app).get('/readyz').expect(503);
  assert.equal(ready.body.ready, false);
  assert.equal(ready.body.reason, 'read-only');
  assert.equal(typeof ready.body.detail, 'string');
}

describe('storage faults through HTTP', () => {
  const faults: Array<[string, SqliteFailure | (() => Error)]> = [
    ['the commit throws', () => new Error('boom: the commit threw')],
    ['the disk is full (SQLITE_FULL)', 'SQLITE_FULL'],
    ['the database is read-only (SQLITE_READONLY)', 'SQLITE_READONLY'],
    ['an I/O error (SQLITE_IOERR)', 'SQLITE_IOERR'],
  ];
  for (const [name, failure] of faults) {
    describe(`when ${name}`, () => {
      it('fails the whole batch with 503 STORE_FAILED, keeps serving reads, and recovers when the fault clears', async () => {
        const store = new FaultyStore(openDatabaseStore().store);
        const { t, app } = await testApp({}, openTestLog(store, BATCHING));
        const before = await submitAll(app, `${name} before`, 3);
        before.forEach((r) => assert.equal(r.status, 201));
        const root = Buffer.from(t.store.latestCheckpoint()!.root);

        store.failNextAppends(1_000, failure);
        const failed = await submitAll(app, `${name} during`, 6);
        failed.forEach((r) => assertStoreFailed(r));
        assert.ok(store.failedCalls >= 1);
        assert.equal(t.store.latestCheckpoint()!.size, 3, 'nothing of the failed batches was written');
        assert.deepEqual(Buffer.from(t.store.latestCheckpoint()!.root), root);
        await assertReadsServed(app, t, 3);

        store.heal();
        const after = await submitAll(app, `${name} during`, 6);
        assert.deepEqual(after.map((r) => r.status), Array(6).fill(201), 'the same entries are accepted once the fault clears');
        assert.deepEqual(after.map((r) => checkLogEntry(t, r.body).logIndex).sort((a, b) => a - b), [3, 4, 5, 6, 7, 8]);
        await checkLog(t);
      });
    });
  }

  describe('when a commit reports failure although the store holds the batch', () => {
    it('answers 503, refuses writes at once with the reason (not a later INCONSISTENT), keeps serving reads, and a restart recovers', async () => {
      const store = new FaultyStore(openDatabaseStore().store);
      const t = await openTestLog(store, BATCHING);
      const { app } = await testApp({}, t);
      (await submitAll(app, 'uncertain before', 2)).forEach((r) => assert.equal(r.status, 201));
      store.persistThenFailNext(1);
      const uncertain = hashedRekord(key, 'uncertain');
      assertStoreFailed(await request(app).post(ENTRIES).send(uncertain));
      const health = await request(app).get('/healthz').expect(200); // alive: readiness is /readyz's matter
      assert.equal(health.body.status, 'read-only');
      assert.match(health.body.reason, /failed commit left the store at size 3, not the published 2/);
      const refused = await request(app).post(ENTRIES).send(hashedRekord(key, 'after'));
      assert.equal(refused.status, 503);
      assert.equal(refused.body.error, 'READ_ONLY');
      await assertReadsServedReadOnly(app, 2);

      // A restart re-verifies the store and adopts the batch: no acknowledged entry was lost, nothing is inconsistent.
      const restarted = await t.reopen(store.inner);
      await checkLog(restarted);
      const again = (await testApp({}, restarted)).app;
      const dup = await request(again).post(ENTRIES).send(uncertain);
      assert.equal(dup.status, 409, 'the uncertain entry was committed after all');
      await request(again).post(ENTRIES).send(hashedRekord(key, 'after')).expect(201);
      await checkLog(restarted);
    });
  });

  describe('when real SQLite runs out of pages (max_page_count: SQLITE_FULL)', () => {
    it('answers 503, writes nothing, and recovers once space is back', async () => {
      const { db, store } = openDatabaseStore();
      const { t, app } = await testApp({}, openTestLog(store, BATCHING));
      (await submitAll(app, 'full before', 2)).forEach((r) => assert.equal(r.status, 201));
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages}`);
      // Bodies big enough to need new pages.
      const failed = await Promise.all(
        Array.from({ length: 8 }, (_, i) => request(app).post(ENTRIES).send(hashedRekord(key, `full ${i} ${'x'.repeat(2000)}`))),
      );
      failed.forEach((r) => assertStoreFailed(r, /database or disk is full/));
      assert.equal(t.store.latestCheckpoint()!.size, 2);
      await assertReadsServed(app, t, 2);
      db.pragma(`max_page_count = ${pages * 100}`);
      const after = await Promise.all(
        Array.from({ length: 8 }, (_, i) => request(app).post(ENTRIES).send(hashedRekord(key, `full ${i} ${'x'.repeat(2000)}`))),
      );
      assert.deepEqual(after.map((r) => r.status), Array(8).fill(201));
      await checkLog(t);
    });
  });

  describe('when real SQLite refuses writes (query_only: SQLITE_READONLY)', () => {
    it('answers 503, writes nothing, and recovers once writable again', async () => {
      const { db, store } = openDatabaseStore();
      const { t, app } = await testApp({}, openTestLog(store, BATCHING));
      (await submitAll(app, 'ro before', 2)).forEach((r) => assert.equal(r.status, 201));
      db.pragma('query_only = ON');
      (await submitAll(app, 'ro during', 5)).forEach((r) => assertStoreFailed(r, /readonly/));
      assert.equal(t.store.latestCheckpoint()!.size, 2);
      await assertReadsServed(app, t, 2);
      db.pragma('query_only = OFF');
      const after = await submitAll(app, 'ro during', 5);
      assert.deepEqual(after.map((r) => r.status), Array(5).fill(201));
      await checkLog(t);
    });
  });
});

/** An in-memory SQLite store whose connection the test keeps, to cause real faults with pragmas. */
function openDatabaseStore(): { db: Database; store: SqliteStore } {
  const db = openDatabase(':memory:');
  return { db, store: new SqliteStore(db) };
}
