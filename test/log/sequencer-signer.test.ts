import assert from 'node:assert/strict';
import { sign, verify } from 'node:crypto';
import { isLogError } from '../../src/errors.js';
import { logSigner, setPayload, type KeySigner } from '../../src/log/index.js';
import { checkLog, openTestLog, rawEntry } from '../support/test-log.js';

/** A signer that answers when the test says so (or at once with `auto`), counting calls. */
function controlledSigner(key: Parameters<typeof sign>[2], auto = false) {
  const waiting: Array<{ payloads: readonly Uint8Array[]; resolve: (s: Uint8Array[]) => void; reject: (e: unknown) => void }> = [];
  const signer: KeySigner & { calls: number } = {
    calls: 0,
    sign(payloads) {
      signer.calls++;
      return new Promise((resolve, reject) => {
        const job = { payloads, resolve, reject };
        if (auto) setImmediate(() => resolve(payloads.map((p) => sign(null, p, key))));
        else waiting.push(job);
      });
    },
  };
  const signNext = (): void => {
    const job = waiting.shift();
    assert.ok(job, 'a batch is waiting for its SETs');
    job.resolve(job.payloads.map((p) => sign(null, p, key)));
  };
  const failNext = (err: Error): void => {
    const job = waiting.shift();
    assert.ok(job, 'a batch is waiting for its SETs');
    job.reject(err);
  };
  const waitFor = async (): Promise<void> => {
    while (waiting.length === 0) await new Promise((r) => setImmediate(r));
  };
  return { signer, signNext, failNext, waitFor };
}

describe('Sequencer with an entry-timestamp signer', () => {
  describe('when batches are signed elsewhere', () => {
    it('stores and answers SETs over the canonical payload, verifiable with the log key', async () => {
      const t = await openTestLog(undefined, { batchMaxSize: 16, signEntryTimestamps: true });
      const c = controlledSigner(t.identity.privateKeys!.log, true);
      t.log.useSigner(logSigner(c.signer));
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => t.log.submit(rawEntry(`signed ${i}`))));
      assert.deepEqual(results.map((r) => r.index), Array.from({ length: 40 }, (_, i) => i));
      assert.ok(c.signer.calls >= 3, 'one signing call per batch');
      for (const r of results) {
        const stored = t.store.entryByIndex(r.index)!;
        assert.deepEqual(Buffer.from(stored.set), Buffer.from(r.set));
        const payload = setPayload(stored.body, r.integratedTime, t.identity.logId, r.index);
        assert.ok(verify(null, payload, t.identity.publicKey, r.set), `SET of ${r.index} verifies`);
        assert.equal(r.integratedTime, Math.floor(r.checkpoint.time / 1000));
      }
      await checkLog(t);
    });
  });

  describe('when the same entry arrives while its batch is being signed', () => {
    it('answers DUPLICATE with the index of the one committed, and stores it once', async () => {
      const t = await openTestLog(undefined, { signEntryTimestamps: true });
      const c = controlledSigner(t.identity.privateKeys!.log);
      t.log.useSigner(logSigner(c.signer));
      const first = t.log.submit(rawEntry('twice'));
      await c.waitFor();
      const second = t.log.submit(rawEntry('twice')).catch((e: unknown) => e);
      c.signNext();
      const r = await first;
      const err = await second;
      assert.ok(isLogError(err, 'DUPLICATE'));
      assert.equal(err.details?.['existingIndex'], r.index);
      await t.log.flush();
      assert.equal(t.store.latestCheckpoint()?.size, 1);
    });
  });

  describe('when signing fails', () => {
    it('fails that batch with 503 STORE_FAILED, writes nothing, and the next batch commits', async () => {
      const t = await openTestLog(undefined, { signEntryTimestamps: true });
      const c = controlledSigner(t.identity.privateKeys!.log);
      t.log.useSigner(logSigner(c.signer));
      const doomed = t.log.submit(rawEntry('doomed')).catch((e: unknown) => e);
      await c.waitFor();
      c.failNext(new Error('worker exited'));
      const err = await doomed;
      assert.ok(isLogError(err, 'STORE_FAILED'));
      assert.match(err.message, /worker exited/);
      assert.equal(t.store.latestCheckpoint()?.size, 0);
      const again = t.log.submit(rawEntry('doomed'));
      await c.waitFor();
      c.signNext();
      assert.equal((await again).index, 0);
      await checkLog(t);
    });
  });

  describe('when the log closes with a batch in flight', () => {
    it('commits the batch in flight and the pool before closing', async () => {
      const t = await openTestLog(undefined, { signEntryTimestamps: true, batchMaxSize: 2 });
      const c = controlledSigner(t.identity.privateKeys!.log, true);
      t.log.useSigner(logSigner(c.signer));
      const subs = Array.from({ length: 5 }, (_, i) => t.log.submit(rawEntry(`closing ${i}`)));
      await t.log.close();
      const results = await Promise.all(subs);
      assert.deepEqual(results.map((r) => r.index).sort(), [0, 1, 2, 3, 4]);
      assert.equal(t.store.latestCheckpoint()?.size, 5);
    });
  });
});
