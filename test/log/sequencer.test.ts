import assert from 'node:assert/strict';
import { verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLogError, type LogError } from '../../src/errors.js';
import { setPayload } from '../../src/log/index.js';
import { leafHash, verifyInclusion } from '../../src/merkle/index.js';
import { openSqliteStore } from '../../src/storage/index.js';
import { checkLog, openTestLog, rawEntry, wrapStore } from '../support/test-log.js';

async function rejection(p: Promise<unknown>): Promise<LogError> {
  try {
    await p;
  } catch (err) {
    if (isLogError(err)) return err;
    throw err;
  }
  assert.fail('expected a rejection');
}

describe('Sequencer (through LogService)', () => {
  describe('when entries are submitted', () => {
    it('assigns dense indices, publishes a checkpoint per batch, and keeps every invariant', async () => {
      const t = await openTestLog(undefined, { batchMaxSize: 64 });
      await checkLog(t);
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => t.log.submit(rawEntry(`entry ${i}`))));
      assert.deepEqual(
        results.map((r) => r.index),
        Array.from({ length: 200 }, (_, i) => i),
      );
      const sizes = t.store.listCheckpoints(0, 100).map((c) => c.size);
      assert.deepEqual(sizes, [0, 64, 128, 192, 200]);
      await checkLog(t);
    });

    it('answers only after the entry is durable, with the checkpoint that first includes it', async () => {
      const t = await openTestLog();
      const r = await t.log.submit(rawEntry('durable'));
      assert.ok(t.store.entryByIndex(r.index), 'the entry is in the store when the future resolves');
      const latest = t.store.latestCheckpoint();
      assert.equal(latest?.size, r.checkpoint.size);
      assert.equal(latest?.note, r.checkpoint.note);
      assert.deepEqual(Buffer.from(latest.root), Buffer.from(r.checkpoint.root));
      const proof = (await t.log.reader.inclusionProof(r.index, r.checkpoint.size));
      verifyInclusion(r.index, r.checkpoint.size, leafHash(Buffer.from('durable')), proof, r.checkpoint.root);
    });

    it('signs a SET over the canonical {body, integratedTime, logID, logIndex}', async () => {
      const t = await openTestLog();
      t.clock.advance(5_000);
      const r = await t.log.submit(rawEntry('set me'));
      assert.equal(r.integratedTime, Math.floor(t.clock.now() / 1000));
      const payload = setPayload(Buffer.from('set me'), r.integratedTime, t.identity.logId, r.index);
      assert.equal(
        payload.toString(),
        `{"body":"${Buffer.from('set me').toString('base64')}","integratedTime":${r.integratedTime},"logID":"${t.identity.logId}","logIndex":0}`,
      );
      assert.ok(cryptoVerify(null, payload, t.identity.publicKey, r.set));
      assert.ok(!cryptoVerify(null, setPayload(Buffer.from('set me'), r.integratedTime + 1, t.identity.logId, 0), t.identity.publicKey, r.set));
    });

    it('writes search keys in the same transaction as the entry', async () => {
      const t = await openTestLog();
      const r = await t.log.submit(rawEntry('keyed', ['sha256:abc', 'a@example.com']));
      assert.deepEqual((await t.log.reader.search('sha256:abc', 10)), [r.index]);
      assert.deepEqual((await t.log.reader.search('a@example.com', 10)), [r.index]);
    });
  });

  describe('when a duplicate is submitted', () => {
    it('rejects an entry already in the store with DUPLICATE and the existing index', async () => {
      const t = await openTestLog();
      await t.log.submit(rawEntry('a'));
      const first = await t.log.submit(rawEntry('b'));
      const err = await rejection(t.log.submit(rawEntry('b')));
      assert.equal(err.code, 'DUPLICATE');
      assert.equal(err.details?.['existingIndex'], first.index);
      assert.equal(t.store.latestCheckpoint()?.size, 2);
    });

    it('lets exactly one of many concurrent identical submissions in; the rest point at it', async () => {
      const t = await openTestLog(undefined, { batchMaxSize: 16 });
      const outcomes = await Promise.allSettled(Array.from({ length: 300 }, () => t.log.submit(rawEntry('same'))));
      const ok = outcomes.filter((o) => o.status === 'fulfilled');
      assert.equal(ok.length, 1);
      for (const o of outcomes) {
        if (o.status === 'rejected') {
          assert.equal((o.reason as LogError).code, 'DUPLICATE');
          assert.equal((o.reason as LogError).details?.['existingIndex'], 0);
        }
      }
      assert.equal(t.store.latestCheckpoint()?.size, 1);
      await checkLog(t);
    });
  });

  describe('when the pool is full', () => {
    it('answers POOL_FULL instead of queueing without bound', async () => {
      const t = await openTestLog(undefined, { poolMaxSize: 5, batchMaxSize: 100, batchMaxAgeMs: 60_000 });
      const accepted = Array.from({ length: 5 }, (_, i) => t.log.submit(rawEntry(`p${i}`)));
      const err = await rejection(t.log.submit(rawEntry('one too many')));
      assert.equal(err.code, 'POOL_FULL');
      await t.log.flush();
      assert.equal((await Promise.all(accepted)).length, 5);
      await t.log.close();
    });
  });

  describe('when the store fails a commit', () => {
    it('fails the whole batch, writes nothing, and keeps serving', async () => {
      const inner = openSqliteStore({ path: ':memory:' });
      let failNext = 0;
      const store = wrapStore(inner, {
        appendBatch(prev, batch) {
          if (failNext > 0) {
            failNext--;
            throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
          }
          inner.appendBatch(prev, batch);
        },
      });
      const t = await openTestLog(store, { batchMaxSize: 10 });
      await Promise.all(Array.from({ length: 10 }, (_, i) => t.log.submit(rawEntry(`ok ${i}`))));
      failNext = 1;
      const failed = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => t.log.submit(rawEntry(`lost ${i}`))));
      for (const f of failed) {
        assert.equal(f.status, 'rejected');
        assert.equal((f.reason as LogError).code, 'STORE_FAILED');
      }
      assert.equal(store.latestCheckpoint()?.size, 10, 'nothing of the failed batch was written');
      assert.equal(t.log.status().failedBatches, 1);
      await checkLog(t);
      const again = await Promise.all(Array.from({ length: 10 }, (_, i) => t.log.submit(rawEntry(`lost ${i}`))));
      assert.deepEqual(
        again.map((r) => r.index),
        Array.from({ length: 10 }, (_, i) => 10 + i),
      );
      await checkLog(t);
    });
  });

  describe('when the log restarts', () => {
    it('keeps its root and checkpoints and continues appending', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-restart-'));
      try {
        const path = join(dir, 'log.db');
        const t1 = await openTestLog(openSqliteStore({ path }), { batchMaxSize: 7 });
        const pending = Array.from({ length: 50 }, (_, i) => t1.log.submit(rawEntry(`r${i}`)));
        await Promise.all(pending.slice(0, 20));
        await t1.log.close(); // drains what is pooled
        const before = t1.store.latestCheckpoint();
        const history = t1.store.listCheckpoints(0, 1000);
        t1.store.close();
        const t2 = await openTestLog(openSqliteStore({ path }), { batchMaxSize: 7 });
        assert.equal(t2.log.status().readOnly, undefined);
        assert.deepEqual(t2.store.latestCheckpoint(), before);
        assert.deepEqual(t2.store.listCheckpoints(0, 1000), history);
        await checkLog(t2);
        const next = await t2.log.submit(rawEntry('after restart'));
        assert.equal(next.index, before?.size);
        await checkLog(t2);
        t2.store.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses writes, saying why, when the stored tiles disagree with the checkpoint', async () => {
      const inner = openSqliteStore({ path: ':memory:' });
      const t1 = await openTestLog(inner);
      await Promise.all(Array.from({ length: 5 }, (_, i) => t1.log.submit(rawEntry(`t${i}`))));
      const tampered = wrapStore(inner, {
        tile(level, index) {
          const row = inner.tile(level, index);
          if (row === undefined) return row;
          const hashes = Buffer.from(row.hashes);
          hashes[0] = 255 - (hashes[0] ?? 0);
          return { ...row, hashes };
        },
      });
      const t2 = await t1.reopen(tampered);
      assert.match(t2.log.status().readOnly ?? '', /couldn't rebuild the tree of size 5 from stored tiles|differs from the latest checkpoint/);
      const err = await rejection(t2.log.submit(rawEntry('refused')));
      assert.equal(err.code, 'READ_ONLY');
      assert.equal(inner.latestCheckpoint()?.size, 5);
    });

    it('refuses writes when the latest checkpoint is not signed by this key', async () => {
      const t1 = await openTestLog();
      await t1.log.submit(rawEntry('x'));
      const { LogService, makeIdentity } = await import('../../src/log/index.js');
      const { toAsyncStore } = await import('../../src/storage/index.js');
      const { testKey, TEST_TREE_ID, TEST_URL, FAST_OPTIONS } = await import('../support/test-log.js');
      const other = await LogService.open(toAsyncStore(t1.store), makeIdentity(testKey(9), TEST_TREE_ID, TEST_URL), t1.clock, FAST_OPTIONS);
      assert.match(other.status().readOnly ?? '', /not validly signed/);
    });
  });
});
