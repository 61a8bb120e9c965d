import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { openSqliteStore, toAsyncStore } from '../../src/storage/index.js';
import { sqliteCode } from '../../src/storage/sqlite/errors.js';
import { FaultyStore } from '../support/faulty-store.js';
import { batch } from './fixtures.js';
import { assertNothingWritten, runStoreContract } from './store.contract.js';

runStoreContract('FaultyStore with no failures armed', () => {
  const store = toAsyncStore(new FaultyStore(openSqliteStore({ path: ':memory:' })));
  return Promise.resolve({ store, cleanup: () => store.close() });
});

describe('FaultyStore', () => {
  let store: FaultyStore;
  beforeEach(() => {
    store = new FaultyStore(openSqliteStore({ path: ':memory:' }));
  });
  afterEach(() => store.close());

  describe('when failures are armed', () => {
    it('fails exactly the next N appends with STORE_FAILED carrying the SQLite code, writing nothing', async () => {
      store.failNextAppends(2, 'SQLITE_READONLY');
      const first = batch(0, 3);
      for (let i = 0; i < 2; i++) {
        assert.throws(
          () => store.appendBatch(0, first),
          (err: unknown) => isLogError(err, 'STORE_FAILED') && sqliteCode(err.cause) === 'SQLITE_READONLY',
        );
        await assertNothingWritten(toAsyncStore(store), 0, first);
      }
      store.appendBatch(0, first);
      assert.equal(store.latestCheckpoint()?.size, 3);
      assert.deepEqual([store.appendCalls, store.failedCalls, store.pendingFailures], [3, 2, 0]);
    });

    it('throws a custom error, and heal() disarms', () => {
      store.failNextAppends(1, () => new Error('boom')).failNextAppends(1);
      assert.throws(() => store.appendBatch(0, batch(0, 1)), /boom/);
      store.heal();
      store.appendBatch(0, batch(0, 1));
      assert.equal(store.latestCheckpoint()?.size, 1);
    });
  });
});
