import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { openSqliteStore } from '../../src/storage/index.js';
import { checkLog, openTestLog, rawEntry, wrapStore } from '../support/test-log.js';

/** A store whose sync() waits for the test (like an fdatasync in flight) or fails. */
function gatedStore() {
  const inner = openSqliteStore({ path: ':memory:' });
  const waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  const store = wrapStore(inner, {
    sync: () => new Promise<void>((resolve, reject) => waiting.push({ resolve, reject })),
  });
  const next = async (): Promise<{ resolve: () => void; reject: (e: unknown) => void }> => {
    while (waiting.length === 0) await new Promise((r) => setImmediate(r));
    return waiting.shift()!;
  };
  return { store, next };
}

describe('Sequencer with a store that syncs after commit', () => {
  describe('when the sync is in flight', () => {
    it('publishes and answers only once it resolves, and a duplicate then points at the entry', async () => {
      const g = gatedStore();
      const t = await openTestLog(g.store);
      const first = t.log.submit(rawEntry('x'));
      const pending = await g.next();
      assert.equal(t.store.latestCheckpoint()?.size, 1, 'committed');
      assert.equal(t.log.reader.latest().size, 0, 'not published before the sync');
      const twin = t.log.submit(rawEntry('x')).catch((e: unknown) => e);
      pending.resolve();
      const r = await first;
      assert.equal(r.index, 0);
      assert.equal(t.log.reader.latest().size, 1);
      const err = await twin;
      assert.ok(isLogError(err, 'DUPLICATE'));
      assert.equal(err.details?.['existingIndex'], 0);
      await checkLog(t);
    });
  });

  describe('when the sync fails', () => {
    it('never publishes the batch, fails it with STORE_FAILED and refuses writes until a restart', async () => {
      const g = gatedStore();
      const t = await openTestLog(g.store);
      const doomed = t.log.submit(rawEntry('y')).catch((e: unknown) => e);
      (await g.next()).reject(new Error('EIO: i/o error, fdatasync'));
      const err = await doomed;
      assert.ok(isLogError(err, 'STORE_FAILED'));
      assert.match(err.message, /durable/);
      assert.equal(t.log.reader.latest().size, 0, 'never published');
      assert.match(t.log.status().readOnly ?? '', /could not be synced/);
      const refused = await t.log.submit(rawEntry('z')).catch((e: unknown) => e);
      assert.ok(isLogError(refused, 'READ_ONLY'));
    });
  });
});
