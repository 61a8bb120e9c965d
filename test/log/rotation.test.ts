/**
 * Rotation and freeze of the log's trees (src/log/rotation.ts): the active
 * tree frozen at its published size with its final checkpoint, a new tree
 * with a new ID (and the staged key) starting at size 0, entries continuing
 * at the next global index, submissions during the rotation all answered
 * once, the state surviving a reopen. Every step re-checked by the shard
 * oracle (test/support/shards.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify } from 'node:crypto';
import { isLogError } from '../../src/errors.js';
import { proveStoredLog, setPayload, type Sequenced } from '../../src/log/index.js';
import { openSqliteStore, toAsyncStore, type SqliteStore } from '../../src/storage/index.js';
import { checkShards, reopenShardedLog, stagedKeys } from '../support/shards.js';
import type { LogStore } from '../../src/storage/types.js';
import { openTestLog, rawEntry, testEcdsaKey, testKey, wrapStore } from '../support/test-log.js';

describe('rotating the log', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-rotate-'));
    store = openSqliteStore({ path: join(dir, 'cairn.db') });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('when the log has entries', () => {
    it('freezes the tree at its published size and starts a new one at size 0, entries continuing at the next global index', async () => {
      const t = await openTestLog(store);
      for (let i = 0; i < 300; i++) await t.log.submit(rawEntry(`before ${i}`, [`k:${i % 3}`]));
      const oldTree = t.log.identity.treeId;
      const finalBefore = t.log.reader.latest();
      const r = await t.log.rotate();
      assert.equal(r.frozen.treeID, oldTree);
      assert.equal(r.frozen.treeSize, 300);
      assert.equal(r.frozen.signedTreeHead, finalBefore.note, 'the final checkpoint is the last one published');
      assert.notEqual(r.active.treeID, oldTree, 'a new tree ID');
      assert.equal(r.active.logID, t.identity.logId, 'no key staged: the same key');
      assert.equal(r.active.firstIndex, 300);
      assert.equal(t.log.reader.latest().size, 0, 'the new tree starts at size 0');
      await checkShards(t.log, store);

      const after = await Promise.all(Array.from({ length: 20 }, (_, i) => t.log.submit(rawEntry(`after ${i}`, [`k:${i % 3}`]))));
      assert.deepEqual(after.map((s) => s.index).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => 300 + i));
      assert.ok(after.every((s) => s.treeId === r.active.treeID && s.checkpoint.size <= 20), 'answers name the new tree and its checkpoints');
      const set = after[0]!;
      const body = (await store.entryByIndex(set.index))!.body;
      assert.ok(verify(null, setPayload(body, set.integratedTime, t.identity.logId, set.index), t.identity.publicKey, set.set), 'the SET signs the global index');
      assert.equal((await t.log.reader.search('k:0', 1000)).length, 100 + 7, 'search spans both trees');
      await checkShards(t.log, store);
    });

    it('answers a submission of an entry of the frozen tree as a duplicate pointing at it', async () => {
      const t = await openTestLog(store);
      await t.log.submit(rawEntry('kept'));
      await t.log.rotate();
      await assert.rejects(t.log.submit(rawEntry('kept')), (err) => isLogError(err, 'DUPLICATE') && err.details?.['existingIndex'] === 0);
      assert.equal(t.log.shardOfIndex(0)?.ordinal, 0);
    });
  });

  describe('when submissions arrive during the rotation', () => {
    it('answers every one exactly once, none failed, at dense global indices, the frozen tree consistent with all its earlier checkpoints', async () => {
      const t = await openTestLog(store, { batchMaxSize: 16, batchMaxAgeMs: 2 });
      const results: Promise<Sequenced>[] = [];
      for (let i = 0; i < 600; i++) {
        results.push(t.log.submit(rawEntry(`load ${i}`)));
        if (i === 300) results.push(t.log.rotate().then(() => ({ index: -1 }) as Sequenced));
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      }
      const settled = await Promise.allSettled(results);
      const failed = settled.filter((s) => s.status === 'rejected');
      assert.deepEqual(failed, [], 'no submission failed');
      const indices = settled.map((s) => (s as PromiseFulfilledResult<Sequenced>).value.index).filter((i) => i >= 0);
      assert.deepEqual(indices.sort((a, b) => a - b), Array.from({ length: 600 }, (_, i) => i), 'each answered once, dense');
      const [frozen, active] = t.log.shards();
      assert.ok(frozen!.frozenSize! > 0 && frozen!.frozenSize! < 600, `the rotation happened mid-load (frozen at ${frozen!.frozenSize})`);
      assert.equal(active!.firstIndex, frozen!.frozenSize);
      await checkShards(t.log, store);
    });

    it('refuses a second rotation while one runs (BUSY)', async () => {
      const t = await openTestLog(store);
      const first = t.log.rotate();
      await assert.rejects(t.log.rotate(), (err) => isLogError(err, 'BUSY'));
      await first;
      assert.equal(t.log.shards().length, 2);
    });
  });

  describe('when a key is staged', () => {
    it('signs the new tree with it, the frozen tree keeps its key, and a reopen with the new key finds both', async () => {
      const next = testEcdsaKey(3);
      const note = testKey(9);
      const t = await openTestLog(store, { nextKeys: stagedKeys(next, note) });
      await Promise.all(Array.from({ length: 40 }, (_, i) => t.log.submit(rawEntry(`old key ${i}`))));
      const r = await t.log.rotate();
      assert.notEqual(r.active.logID, t.identity.logId);
      assert.equal(t.log.identity.keyType, 'ecdsa-p256');
      const s = await t.log.submit(rawEntry('new key'));
      const body = store.entryByIndex(s.index)!.body;
      assert.ok(verify('sha256', setPayload(body, s.integratedTime, r.active.logID, 40), { key: t.log.identity.publicKey, dsaEncoding: 'der' }, s.set));
      assert.equal(t.log.shards()[0]!.identity.logId, t.identity.logId, 'the frozen tree keeps its key');
      await checkShards(t.log, store);
      await t.log.close();

      const reopened = await reopenShardedLog(store, { log: next, note });
      assert.deepEqual(reopened.shards().map((x) => [x.identity.treeId, x.firstIndex, x.frozenSize]), t.log.shards().map((x) => [x.identity.treeId, x.firstIndex, x.frozenSize]));
      await reopened.submit(rawEntry('after reopen'));
      assert.equal(reopened.status().size, 2);
      await checkShards(reopened, store);
      await reopened.close();
    });
  });

  describe('when a copy of a rotated log is proven (cairn check)', () => {
    it('rehashes every tree and checks each against its own keys', async () => {
      const t = await openTestLog(store, { nextKeys: stagedKeys(testKey(21)) });
      for (const [k, v] of [['vkey', t.identity.vkey], ['logId', t.identity.logId], ['origin', t.identity.origin]] as const) store.setMeta(k, v); // as cairn serve pins them
      await Promise.all(Array.from({ length: 300 }, (_, i) => t.log.submit(rawEntry(`proven ${i}`))));
      await t.log.rotate();
      await Promise.all(Array.from({ length: 20 }, (_, i) => t.log.submit(rawEntry(`proven after ${i}`))));
      const proof = await proveStoredLog(toAsyncStore(store));
      assert.equal(proof.origin, t.log.identity.origin);
      assert.equal(proof.logId, t.log.identity.logId);
      assert.equal(proof.rehashed.entries, 320, 'both trees rehashed');
      await t.log.close();
    });
  });

  describe('when the store keeps one tree (no tree operations, as PostgreSQL\'s)', () => {
    it('refuses rotate and freeze with UNSUPPORTED, changes nothing and keeps taking writes', async () => {
      const oneTree: LogStore = { ...wrapStore(store, {}), shards: undefined, addFirstShard: undefined, rotate: undefined, freeze: undefined, frozenTree: undefined };
      const t = await openTestLog(oneTree);
      await t.log.submit(rawEntry('one tree'));
      await assert.rejects(t.log.rotate(), (err) => isLogError(err, 'UNSUPPORTED') && /not supported on this store/.test(err.message));
      await assert.rejects(t.log.freeze(), (err) => isLogError(err, 'UNSUPPORTED') && /not supported on this store/.test(err.message));
      assert.equal(t.log.status().readOnly, undefined);
      assert.equal((await t.log.submit(rawEntry('still writing'))).index, 1);
      assert.equal(t.log.shards().length, 1);
      await t.log.close();
    });
  });

  describe('when the log is frozen', () => {
    it('sequences what is pooled, then refuses writes as a frozen log, also after a reopen', async () => {
      const t = await openTestLog(store, { batchMaxAgeMs: 50 });
      const pooled = t.log.submit(rawEntry('pooled'));
      const f = await t.log.freeze();
      assert.equal((await pooled).index, 0, 'the pooled entry was sequenced first');
      assert.equal(f.treeSize, 1);
      await assert.rejects(t.log.submit(rawEntry('late')), (err) => isLogError(err, 'READ_ONLY') && /frozen/.test(err.message));
      await assert.rejects(t.log.rotate(), (err) => isLogError(err, 'READ_ONLY'));
      await t.log.close();
      const reopened = await reopenShardedLog(store, { log: testKey() });
      assert.match(reopened.status().readOnly ?? '', /frozen/);
      assert.equal(reopened.reader.latest().size, 1);
      await reopened.close();
    });
  });
});
