import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { isLogError } from '../../src/errors.js';
import { openSqliteStore } from '../../src/storage/index.js';
import type { LogStore } from '../../src/storage/types.js';
import { logSigner } from '../../src/log/index.js';
import { FaultyStore } from '../support/faulty-store.js';
import { checkLog, openTestLog, rawEntry, wrapStore, type TestLog } from '../support/test-log.js';

interface Gate {
  resolve(): void;
  reject(e: unknown): void;
}

/** A store whose sync() waits for the test (like an fdatasync in flight), one gate per call, in call order. */
function gatedStore(inner: LogStore = openSqliteStore({ path: ':memory:' })) {
  const waiting: Gate[] = [];
  const store = wrapStore(inner, { sync: () => new Promise<void>((resolve, reject) => waiting.push({ resolve, reject })) });
  const next = async (): Promise<Gate> => {
    while (waiting.length === 0) await new Promise((r) => setImmediate(r));
    return waiting.shift()!;
  };
  return { store, next, waiting };
}

const turns = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/** Submit `text` and record when its answer (or failure) arrives. */
function submit(t: TestLog, text: string, order: string[]): Promise<unknown> {
  return t.log.submit(rawEntry(text)).then(
    (r) => {
      order.push(text);
      return r;
    },
    (e: unknown) => {
      order.push(`${text}!`);
      return e;
    },
  );
}

/** The published size and the store's committed size agree with what the test expects, and the whole log checks out. */
async function expectSizes(t: TestLog, published: number, committed: number): Promise<void> {
  assert.equal(t.log.reader.latest().size, published, 'published size');
  assert.equal(t.store.latestCheckpoint()?.size, committed, 'committed size');
  await checkLog(t);
}

describe('pipelined commits', () => {
  describe('when batch N awaits durability', () => {
    it('signs and commits batch N+1, but publishes and answers strictly in order', async () => {
      const g = gatedStore();
      const t = await openTestLog(g.store);
      const order: string[] = [];
      const a = submit(t, 'a', order);
      const syncA = await g.next();
      const b = submit(t, 'b', order);
      const syncB = await g.next();
      await expectSizes(t, 0, 2); // both committed, neither published
      syncB.resolve(); // the later sync finishes first
      await turns();
      assert.deepEqual(order, [], 'N+1 is not published before N');
      await expectSizes(t, 0, 2);
      syncA.resolve();
      await Promise.all([a, b]);
      assert.deepEqual(order, ['a', 'b']);
      await expectSizes(t, 2, 2);
      assert.equal(t.log.status().batches, 2);
    });

    it('takes no batch beyond the pipeline depth', async () => {
      const g = gatedStore();
      const t = await openTestLog(g.store, { pipelineDepth: 1 });
      const order: string[] = [];
      const a = submit(t, 'a', order);
      const syncA = await g.next();
      const b = submit(t, 'b', order);
      await turns(20);
      await expectSizes(t, 0, 1); // b waits in the pool
      syncA.resolve();
      (await g.next()).resolve();
      await Promise.all([a, b]);
      assert.deepEqual(order, ['a', 'b']);
      await expectSizes(t, 2, 2);
    });
  });

  describe('when the sync of batch N fails while N+1 is in flight', () => {
    it('fails both, publishes neither, and stops writing', async () => {
      const g = gatedStore();
      const t = await openTestLog(g.store);
      const order: string[] = [];
      const a = submit(t, 'a', order);
      const syncA = await g.next();
      const b = submit(t, 'b', order);
      const syncB = await g.next();
      await expectSizes(t, 0, 2);
      syncA.reject(new Error('EIO: i/o error, fdatasync'));
      syncB.resolve(); // N+1 is durable, but follows a batch that may not be
      const [errA, errB] = await Promise.all([a, b]);
      assert.ok(isLogError(errA, 'STORE_FAILED'));
      assert.match(errA.message, /durable/);
      assert.ok(isLogError(errB, 'STORE_FAILED'));
      assert.deepEqual(order, ['a!', 'b!']);
      await expectSizes(t, 0, 2); // nothing past the failed sync is ever published
      assert.match(t.log.status().readOnly ?? '', /could not be synced/);
      assert.ok(isLogError(await t.log.submit(rawEntry('c')).catch((e: unknown) => e), 'READ_ONLY'));
      assert.equal(t.log.reader.latest().size, 0);
    });

    it('fails pooled entries waiting behind them with READ_ONLY', async () => {
      const g = gatedStore();
      const t = await openTestLog(g.store);
      const a = t.log.submit(rawEntry('a')).catch((e: unknown) => e);
      const syncA = await g.next();
      const b = t.log.submit(rawEntry('b')).catch((e: unknown) => e);
      const syncB = await g.next();
      const c = t.log.submit(rawEntry('c')).catch((e: unknown) => e); // pooled: the pipeline is full
      syncA.reject(new Error('EIO'));
      syncB.resolve();
      const errs = await Promise.all([a, b, c]);
      assert.ok(isLogError(errs[2], 'READ_ONLY'));
      await expectSizes(t, 0, 2);
    });
  });

  describe('when the sync of batch N+1 fails while N is in flight', () => {
    it('publishes N, fails N+1, and stops writing', async () => {
      const g = gatedStore();
      const t = await openTestLog(g.store);
      const order: string[] = [];
      const a = submit(t, 'a', order);
      const syncA = await g.next();
      const b = submit(t, 'b', order);
      const syncB = await g.next();
      syncB.reject(new Error('EIO'));
      await turns();
      await expectSizes(t, 0, 2);
      syncA.resolve();
      await Promise.all([a, b]);
      assert.deepEqual(order, ['a', 'b!']);
      await expectSizes(t, 1, 2);
      assert.match(t.log.status().readOnly ?? '', /could not be synced/);
    });
  });

  describe('when the commit of batch N+1 fails while N awaits durability', () => {
    it('publishes N, fails N+1 writing nothing, rebuilds the tree and commits the next batch', async () => {
      const faulty = new FaultyStore(openSqliteStore({ path: ':memory:' }));
      const g = gatedStore(faulty);
      const t = await openTestLog(g.store);
      const order: string[] = [];
      const a = submit(t, 'a', order);
      const syncA = await g.next();
      faulty.failNextAppends(1);
      const b = submit(t, 'b', order);
      await turns(20);
      await expectSizes(t, 0, 1); // b failed, writing nothing; its submitter hears so after a
      const c = submit(t, 'c', order);
      await turns(20);
      assert.equal(t.store.latestCheckpoint()?.size, 1, 'no batch is taken until the failed one is unwound');
      syncA.resolve();
      await a;
      assert.ok(isLogError(await b, 'STORE_FAILED'));
      const syncC = await g.next();
      await expectSizes(t, 1, 2);
      syncC.resolve();
      const rc = (await c) as { index: number };
      assert.equal(rc.index, 1, 'the next batch takes the index the failed one had');
      assert.deepEqual(order, ['a', 'b!', 'c'], 'answers and failures in index order');
      await expectSizes(t, 2, 2);
      assert.equal(t.log.status().readOnly, undefined);
      assert.equal(t.log.status().failedBatches, 1);
    });
  });

  describe('when batch N is being signed', () => {
    it('takes no other batch until N is committed, so the pool gathers into one larger batch', async () => {
      const t = await openTestLog();
      const jobs: Array<{ messages: readonly Uint8Array[]; resolve: (s: Uint8Array[]) => void }> = [];
      t.log.useSigner(logSigner({ sign: (messages) => new Promise((resolve) => jobs.push({ messages, resolve })) }));
      const key = t.identity.privateKeys!.log;
      const signNext = (): void => {
        const job = jobs.shift()!;
        job.resolve(job.messages.map((m) => sign(null, m, key)));
      };
      const first = t.log.submit(rawEntry('first'));
      while (jobs.length < 1) await turns(1);
      const rest = Array.from({ length: 5 }, (_, i) => t.log.submit(rawEntry(`later ${i}`)));
      await turns(20);
      assert.equal(jobs.length, 1, 'one batch is being signed; the others wait in the pool');
      signNext();
      await first;
      while (jobs.length < 1) await turns(1);
      assert.equal(jobs[0]!.messages.length, 5 + 1, 'the five waiting entries go as one batch (SETs + checkpoint)');
      signNext();
      assert.deepEqual((await Promise.all(rest)).map((r) => r.index), [1, 2, 3, 4, 5]);
      await expectSizes(t, 6, 6);
    });
  });

  describe('when signing batch N+1 fails while N awaits durability', () => {
    it('publishes N, fails N+1 writing nothing, and the log carries on', async () => {
      const g = gatedStore();
      const t = await openTestLog(g.store);
      const order: string[] = [];
      const a = submit(t, 'a', order);
      const syncA = await g.next();
      t.log.useSigner({ sign: () => Promise.reject(new Error('worker exited')) });
      const b = submit(t, 'b', order);
      await turns(20);
      await expectSizes(t, 0, 1);
      t.log.useSigner(undefined);
      syncA.resolve();
      const [ra, errB] = await Promise.all([a, b]);
      assert.equal((ra as { index: number }).index, 0);
      assert.ok(isLogError(errB, 'STORE_FAILED'));
      assert.match(errB.message, /worker exited/);
      assert.deepEqual(order, ['a', 'b!']);
      await expectSizes(t, 1, 1);
      const again = t.log.submit(rawEntry('b'));
      (await g.next()).resolve();
      assert.equal((await again).index, 1);
      await expectSizes(t, 2, 2);
    });
  });

  describe('under a steady stream with syncs answered out of order', () => {
    it('answers every entry once, in index order, and keeps every invariant', async () => {
      const g = gatedStore();
      const t = await openTestLog(g.store, { batchMaxSize: 4 });
      const order: number[] = [];
      const all = Array.from({ length: 40 }, (_, i) => t.log.submit(rawEntry(`s${i}`)).then((r) => (order.push(r.index), r)));
      let done = false;
      void Promise.all(all).then(() => (done = true));
      while (!done) {
        await turns(3);
        for (const gate of g.waiting.splice(0).reverse()) gate.resolve(); // the later sync first
      }
      assert.deepEqual(order, Array.from({ length: 40 }, (_, i) => i));
      await expectSizes(t, 40, 40);
    });
  });
});
