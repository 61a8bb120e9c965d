/**
 * The store contract suite (src/storage/types.ts and async-types.ts), shared
 * by every store implementation, like Hono's router `common.case.test.ts`. It
 * runs on the asynchronous contract: a synchronous store runs through
 * `toAsyncStore`. A store's test file calls {@link runStoreContract} with a
 * factory.
 */

import assert from 'node:assert/strict';
import { isLogError, type ErrorCode } from '../../src/errors.js';
import { EMPTY_ROOT, leafGroupsOfTile } from '../../src/merkle/index.js';
import type { AsyncLogStore } from '../../src/storage/async-types.js';
import { metaOnce } from '../../src/storage/meta.js';
import type { Batch, Rotation, TileRow } from '../../src/storage/types.js';
import { assertBytes, assertCheckpoint, assertEntry, assertTile, batch, checkpoint, entry, tile } from './fixtures.js';

/** A fresh, empty store. `reopen` (persistent stores) closes it and opens the same data again. */
export interface StoreHarness {
  readonly store: AsyncLogStore;
  readonly reopen?: () => Promise<AsyncLogStore>;
  /** Close whatever is open and delete any files or databases. */
  readonly cleanup: () => Promise<void>;
}

/** Assert `promise` rejects with a LogError with `code`; returns it. */
export async function assertRejected(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  let thrown: unknown;
  await assert.rejects(promise, (err: unknown) => {
    thrown = err;
    return isLogError(err, code);
  });
  return thrown as Error;
}

/** Assert a refused `failed` batch left a store of `size` entries untouched. */
export async function assertNothingWritten(store: AsyncLogStore, size: number, failed: Batch): Promise<void> {
  assert.equal((await store.latestCheckpoint())?.size ?? 0, size, 'latest checkpoint moved');
  if (failed.checkpoint.size !== size) assert.equal(await store.checkpointAt(failed.checkpoint.size), undefined, 'checkpoint written');
  for (const e of failed.entries) {
    if (e.index >= size) assert.equal(await store.entryByIndex(e.index), undefined, `entry ${e.index} written`);
    const at = await store.indexOfLeafHash(e.leafHash);
    assert.ok(at === undefined || at < size, `leaf hash of entry ${e.index} indexed at ${at}`);
  }
  for (const k of failed.searchKeys) {
    assert.ok(!(await store.searchKey(k.key, 1000)).some((i) => i >= size), `search key ${k.key} written`);
  }
}

/** Register the contract suite for the store made by `makeStore`. */
export function runStoreContract(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`${name} (LogStore contract)`, () => {
    let h: StoreHarness;
    let store: AsyncLogStore;
    beforeEach(async () => {
      h = await makeStore();
      store = h.store;
    });
    afterEach(() => h.cleanup());

    describe('when empty', () => {
      it('has no checkpoint, entries, tiles, cosignatures, search results or meta', async () => {
        assert.equal(await store.latestCheckpoint(), undefined);
        assert.equal(await store.checkpointAt(0), undefined);
        assert.deepEqual(await store.listCheckpoints(0, 10), []);
        assert.equal(await store.entryByIndex(0), undefined);
        assert.deepEqual(await store.entriesInRange(0, 10), []);
        assert.equal(await store.entryByLeafHash(entry(0).leafHash), undefined);
        assert.equal(await store.indexOfLeafHash(entry(0).leafHash), undefined);
        assert.deepEqual(await store.searchKey('sha256:00', 10), []);
        assert.equal(await store.tile(0, 0), undefined);
        assert.deepEqual(await store.cosignatures(0), []);
        assert.equal(await store.getMeta('treeID'), undefined);
        assert.ok(await store.sizeOnDisk() >= 0);
      });

      it('accepts a first batch on previous size 0, and a size-0 checkpoint', async () => {
        await store.appendBatch(0, batch(0, 0));
        assertCheckpoint(await store.latestCheckpoint(), checkpoint(0));
        await store.appendBatch(0, batch(0, 3));
        assert.equal((await store.latestCheckpoint())?.size, 3);
      });
    });

    describe('when a batch is appended', () => {
      const first = batch(0, 5, { tiles: [tile(0, 0, 5)] });
      beforeEach(async () => {
        await store.appendBatch(0, first);
      });

      it('returns every field of every entry by index, range and leaf hash', async () => {
        for (const e of first.entries) {
          assertEntry(await store.entryByIndex(e.index), e);
          assertEntry(await store.entryByLeafHash(e.leafHash), e);
          assert.equal(await store.indexOfLeafHash(e.leafHash), e.index);
        }
        const range = await store.entriesInRange(1, 3);
        assert.deepEqual(range.map((e) => e.index), [1, 2, 3]);
        range.forEach((e, i) => assertEntry(e, first.entries[i + 1]!));
      });

      it('returns empty SETs and bodies as empty byte arrays, and large bodies whole', async () => {
        const odd = { ...entry(5), body: new Uint8Array(0), set: new Uint8Array(0) };
        const big = { ...entry(6), body: new Uint8Array(65_535).fill(7) };
        await store.appendBatch(5, batch(5, 2, { entries: [odd, big] }));
        assertEntry(await store.entryByIndex(5), odd);
        assertEntry(await store.entryByIndex(6), big);
      });

      it('stops ranges at the end of the log and ignores non-positive counts', async () => {
        assert.deepEqual((await store.entriesInRange(3, 100)).map((e) => e.index), [3, 4]);
        assert.deepEqual(await store.entriesInRange(5, 10), []);
        assert.deepEqual(await store.entriesInRange(0, 0), []);
        assert.deepEqual(await store.entriesInRange(0, -1), []);
      });

      it('stores the checkpoint, the tiles and the search keys', async () => {
        assertCheckpoint(await store.latestCheckpoint(), first.checkpoint);
        assertCheckpoint(await store.checkpointAt(5), first.checkpoint);
        assertTile(await store.tile(0, 0), tile(0, 0, 5));
        const key = first.searchKeys[2]!;
        assert.deepEqual(await store.searchKey(key.key, 10), [2]);
      });

      it('appends the next batch on the new size', async () => {
        const second = batch(5, 4, { tiles: [tile(0, 0, 9)] });
        await store.appendBatch(5, second);
        assert.equal((await store.latestCheckpoint())?.size, 9);
        assertEntry(await store.entryByIndex(8), second.entries[3]!);
        assertTile(await store.tile(0, 0), tile(0, 0, 9));
      });
    });

    describe('when a batch does not fit the stored log', () => {
      const first = batch(0, 4, { tiles: [tile(0, 0, 4)] });
      beforeEach(async () => {
        await store.appendBatch(0, first);
      });

      const cases: [string, () => [number, Batch]][] = [
        ['previousSize is behind the stored size', () => [2, batch(2, 3)]],
        ['previousSize is ahead of the stored size', () => [5, batch(5, 3)]],
        ['indices skip one', () => [4, batch(4, 2, { entries: [entry(4), entry(6)], searchKeys: [] })]],
        ['indices do not start at previousSize', () => [4, batch(4, 2, { entries: [entry(5), entry(6)], searchKeys: [] })]],
        ['an index repeats', () => [4, batch(4, 2, { entries: [entry(4), { ...entry(5), index: 4 }], searchKeys: [] })]],
        ['the checkpoint size is not previousSize + entries', () => [4, batch(4, 2, { checkpoint: checkpoint(7) })]],
        ['a leaf hash is already stored', () => [4, batch(4, 2, { entries: [entry(4), { ...entry(1), index: 5 }] })]],
        ['a leaf hash repeats inside the batch', () => [4, batch(4, 2, { entries: [entry(4), { ...entry(4), index: 5 }] })]],
        ['a search key points outside the batch', () => [4, batch(4, 2, { searchKeys: [{ key: 'k', index: 1 }] })]],
        ['a tile would get narrower', () => [4, batch(4, 2, { tiles: [tile(0, 0, 3)] })]],
        ['a tile of the same width has other hashes', () => [4, batch(4, 2, { tiles: [{ ...tile(0, 0, 4), hashes: tile(0, 1, 4).hashes }] })]],
        ['a wider tile changes stored level-0 hashes', () => [4, batch(4, 2, { tiles: [{ ...tile(0, 1, 6), index: 0 }] })]],
        ['a leaf hash is not 32 bytes', () => [4, batch(4, 1, { entries: [{ ...entry(4), leafHash: new Uint8Array(31) }] })]],
      ];
      for (const [what, make] of cases) {
        it(`refuses it with INCONSISTENT and writes nothing when ${what}`, async () => {
          const [previousSize, bad] = make();
          await assertRejected(store.appendBatch(previousSize, bad), 'INCONSISTENT');
          await assertNothingWritten(store, 4, bad);
          assertTile(await store.tile(0, 0), tile(0, 0, 4));
          const good = batch(4, 2, { tiles: [tile(0, 0, 6)] });
          await store.appendBatch(4, good);
          assertEntry(await store.entryByIndex(5), good.entries[1]!);
        });
      }

      it('names the existing entry of a duplicate leaf hash', async () => {
        const err = await assertRejected(store.appendBatch(4, batch(4, 2, { entries: [entry(4), { ...entry(2), index: 5 }] })), 'INCONSISTENT');
        assert.equal((err as { details?: Record<string, unknown> }).details?.['existingIndex'], 2);
        assert.equal(await store.indexOfLeafHash(entry(2).leafHash), 2);
      });
    });

    describe('when a level-0 tile becomes full (stores with leaf groups)', () => {
      const full = tile(0, 0, 256);
      beforeEach(async function () {
        if (store.leafGroup === undefined) this.skip();
        await store.appendBatch(0, batch(0, 100, { tiles: [tile(0, 0, 100)] }));
        await store.appendBatch(100, batch(100, 156, { tiles: [full, tile(1, 0, 1)] }));
      });

      it('returns the full tile byte for byte, and its 16 leaf-group rows', async () => {
        assertTile(await store.tile(0, 0), full);
        const rows = leafGroupsOfTile(full);
        for (const [g, row] of rows.entries()) assertBytes(await store.leafGroup?.(g), row, `leaf group ${g}`);
        assert.equal(await store.leafGroup?.(16), undefined);
      });

      it('reads an entry and a leaf group together, each as its own read answers', async function () {
        if (store.entryAndLeafGroup === undefined) this.skip();
        const rows = leafGroupsOfTile(full);
        const both = await store.entryAndLeafGroup(200, 12);
        assert.deepEqual(both.entry, await store.entryByIndex(200));
        assertBytes(both.leafGroup, rows[12] as Uint8Array, 'leaf group 12');
        const beyond = await store.entryAndLeafGroup(255, 16);
        assert.equal(beyond.entry?.index, 255);
        assert.equal(beyond.leafGroup, undefined);
        const noEntry = await store.entryAndLeafGroup(256, 3);
        assert.equal(noEntry.entry, undefined);
        assertBytes(noEntry.leafGroup, rows[3] as Uint8Array, 'leaf group 3');
        assert.deepEqual(await store.entryAndLeafGroup(256, 16), { entry: undefined, leafGroup: undefined });
      });

      it('has no leaf groups for a partial tile', async () => {
        await store.appendBatch(256, batch(256, 40, { tiles: [tile(0, 1, 40)] }));
        assert.equal(await store.leafGroup?.(16), undefined);
        assertTile(await store.tile(0, 1), tile(0, 1, 40));
      });

      it('accepts the same full tile again and changes nothing', async () => {
        await store.appendBatch(256, batch(256, 1, { tiles: [full, tile(0, 1, 1)] }));
        assertTile(await store.tile(0, 0), full);
      });

      const refused: [string, () => Batch][] = [
        ['a narrower tile 0/0', () => batch(256, 1, { tiles: [tile(0, 0, 200)] })],
        ['another full tile 0/0', () => batch(256, 1, { tiles: [{ ...tile(0, 1, 256), index: 0 }] })],
      ];
      for (const [what, make] of refused) {
        it(`refuses ${what} with INCONSISTENT and writes nothing`, async () => {
          const bad = make();
          await assertRejected(store.appendBatch(256, bad), 'INCONSISTENT');
          await assertNothingWritten(store, 256, bad);
          assertTile(await store.tile(0, 0), full);
        });
      }

      it('refuses a full tile that changes the stored partial one, keeping the partial', async () => {
        await store.appendBatch(256, batch(256, 10, { tiles: [tile(0, 1, 10)] }));
        const other = { ...tile(0, 2, 256), index: 1 };
        await assertRejected(store.appendBatch(266, batch(266, 246, { tiles: [other] })), 'INCONSISTENT');
        assertTile(await store.tile(0, 1), tile(0, 1, 10));
        assert.equal(await store.leafGroup?.(16), undefined);
      });

      it('refuses a full level-0 tile not in the full-tile layout', async () => {
        const bad = batch(256, 256, { tiles: [{ ...tile(0, 1, 256), hashes: new Uint8Array(256 * 32) }] });
        await assertRejected(store.appendBatch(256, bad), 'INCONSISTENT');
      });
    });

    describe('when a batch has no entries', () => {
      beforeEach(async () => {
        await store.appendBatch(0, batch(0, 3));
      });

      it('re-publishes the checkpoint at the same size and root', async () => {
        const resigned = { ...checkpoint(3), time: checkpoint(3).time + 60_000, note: 'resigned\n' };
        await store.addCosignature({ size: 3, witness: 'w', line: '— w old' });
        await store.appendBatch(3, batch(3, 0, { checkpoint: resigned }));
        assertCheckpoint(await store.latestCheckpoint(), resigned);
        assert.deepEqual((await store.listCheckpoints(0, 10)).map((c) => c.size), [3]);
        assert.deepEqual(await store.cosignatures(3), [], 'cosignatures of the replaced note are dropped');
      });

      it('refuses a checkpoint at the same size with another root', async () => {
        const other = checkpoint(3, 'forked');
        await assertRejected(store.appendBatch(3, batch(3, 0, { checkpoint: other })), 'INCONSISTENT');
        assertCheckpoint(await store.latestCheckpoint(), checkpoint(3));
      });
    });

    describe('when several checkpoints are stored', () => {
      beforeEach(async () => {
        for (let size = 0; size < 10; size += 2) await store.appendBatch(size, batch(size, 2));
      });

      it('lists them ascending from a size, at most limit, and finds each by size', async () => {
        assert.deepEqual((await store.listCheckpoints(0, 100)).map((c) => c.size), [2, 4, 6, 8, 10]);
        assert.deepEqual((await store.listCheckpoints(5, 2)).map((c) => c.size), [6, 8]);
        assert.deepEqual(await store.listCheckpoints(11, 2), []);
        assert.deepEqual(await store.listCheckpoints(0, 0), []);
        assertCheckpoint(await store.checkpointAt(6), checkpoint(6));
        assert.equal(await store.checkpointAt(5), undefined);
        assertCheckpoint(await store.latestCheckpoint(), checkpoint(10));
      });

      it('pages through them with fromSize = last size + 1', async () => {
        const seen: number[] = [];
        for (let from = 0, page = await store.listCheckpoints(from, 2); page.length > 0; page = await store.listCheckpoints(from, 2)) {
          seen.push(...page.map((c) => c.size));
          from = page[page.length - 1]!.size + 1;
        }
        assert.deepEqual(seen, [2, 4, 6, 8, 10]);
      });
    });

    describe('when cosignatures are added', () => {
      beforeEach(async () => {
        await store.appendBatch(0, batch(0, 2));
      });

      it('keeps them per checkpoint in insertion order, idempotently', async () => {
        await store.addCosignature({ size: 2, witness: 'zeta', line: '— zeta AAAA' });
        await store.addCosignature({ size: 2, witness: 'alpha', line: '— alpha BBBB' });
        await store.addCosignature({ size: 2, witness: 'zeta', line: '— zeta AAAA' });
        await store.addCosignature({ size: 2, witness: 'zeta', line: '— zeta CCCC' });
        assert.deepEqual(await store.cosignatures(2), [
          { size: 2, witness: 'zeta', line: '— zeta AAAA' },
          { size: 2, witness: 'alpha', line: '— alpha BBBB' },
        ]);
        assert.deepEqual(await store.cosignatures(3), []);
      });

      it('refuses a cosignature for a checkpoint that is not stored', async () => {
        await assertRejected(store.addCosignature({ size: 7, witness: 'w', line: '— w AAAA' }), 'NOT_FOUND');
      });
    });

    describe('when search keys are stored', () => {
      it('returns the indices under a key ascending, at most limit', async () => {
        await store.appendBatch(0, batch(0, 3, { searchKeys: [{ key: 'a@example.com', index: 2 }, { key: 'a@example.com', index: 0 }] }));
        await store.appendBatch(3, batch(3, 2, { searchKeys: [{ key: 'a@example.com', index: 4 }, { key: 'b', index: 3 }, { key: 'b', index: 3 }] }));
        assert.deepEqual(await store.searchKey('a@example.com', 10), [0, 2, 4]);
        assert.deepEqual(await store.searchKey('a@example.com', 2), [0, 2]);
        assert.deepEqual(await store.searchKey('b', 10), [3]);
        assert.deepEqual(await store.searchKey('A@example.com', 10), [], 'keys are exact');
        assert.deepEqual(await store.searchKey('a@example.com', 0), []);
      });
    });

    describe('when meta is set', () => {
      it('keeps the first value, accepts the same again and refuses another', async () => {
        await store.setMeta('treeID', '1234');
        await store.setMeta('treeID', '1234');
        await assertRejected(store.setMeta('treeID', '5678'), 'INCONSISTENT');
        assert.equal(await store.getMeta('treeID'), '1234');
        assert.equal(await store.getMeta('origin'), undefined);
      });

      it('lets processes making a value at once agree on the first stored (metaOnce)', async () => {
        let made = 0;
        const values = await Promise.all([1, 2, 3].map(() => metaOnce(store, 'treeId', () => `candidate ${++made}`)));
        const stored = await store.getMeta('treeId');
        assert.ok(stored !== undefined && stored.startsWith('candidate '));
        assert.deepEqual(values, [stored, stored, stored]);
        assert.equal(await metaOnce(store, 'treeId', () => 'another'), stored, 'a value once stored is never made again');
      });
    });

    describe('when reopened', () => {
      it('keeps everything', async function () {
        if (h.reopen === undefined) this.skip();
        const written = batch(0, 3, { tiles: [tile(0, 0, 3), tile(1, 0, 1)] });
        await store.appendBatch(0, written);
        await store.addCosignature({ size: 3, witness: 'w', line: '— w AAAA' });
        await store.setMeta('treeID', '99');
        store = await h.reopen();
        for (const e of written.entries) assertEntry(await store.entryByIndex(e.index), e);
        assert.equal(await store.indexOfLeafHash(written.entries[1]!.leafHash), 1);
        assertCheckpoint(await store.latestCheckpoint(), written.checkpoint);
        assertTile(await store.tile(1, 0), tile(1, 0, 1));
        assert.deepEqual(await store.searchKey(written.searchKeys[0]!.key, 5), [0]);
        await store.appendBatch(3, batch(3, 253, { tiles: [tile(0, 0, 256)] }));
        store = await h.reopen();
        assertTile(await store.tile(0, 0), tile(0, 0, 256));
        assert.deepEqual((await store.cosignatures(3)).map((c) => c.line), ['— w AAAA']);
        assert.equal(await store.getMeta('treeID'), '99');
        await store.appendBatch(256, batch(256, 1));
        assert.equal((await store.latestCheckpoint())?.size, 257);
      });
    });

    describe('when the log\'s trees rotate (stores with shards)', () => {
      const keys = (treeId: string): Rotation['next'] => ({ treeId, publicKeyPem: `PEM of ${treeId}`, noteKeyPem: undefined, createdMs: 1_000 });
      const rotation = (frozenSize: number, treeId = '43'): Rotation => ({
        frozenSize,
        frozenMs: 2_000,
        next: { ...keys(treeId), createdMs: 2_000 },
        checkpoint: { size: 0, root: EMPTY_ROOT, time: 2_000, note: `example.com/log - ${treeId}\n0\n\n` },
      });
      /** A batch of tree-local sizes `previousSize` → `previousSize + count` whose entries start at global index `first + previousSize`. */
      const treeBatch = (first: number, previousSize: number, count: number, salt: string, tiles: TileRow[] = []): Batch =>
        batch(previousSize, count, { salt, tiles, entries: Array.from({ length: count }, (_, i) => entry(first + previousSize + i, salt)) });
      const first = batch(0, 5, { tiles: [tile(0, 0, 5)] });
      beforeEach(async function () {
        if (store.shards === undefined) this.skip();
        await store.appendBatch(0, first);
        await store.addCosignature({ size: 5, witness: 'w', line: '— w AAAA' });
        await store.addFirstShard!(keys('42'));
      });

      it('records tree 0 once, active from index 0', async () => {
        assert.deepEqual(await store.shards!(), [{ ...keys('42'), ordinal: 0, firstIndex: 0, frozenSize: undefined, frozenMs: undefined }]);
        await assertRejected(store.addFirstShard!(keys('44')), 'INCONSISTENT');
        assert.equal((await store.shards!()).length, 1);
      });

      it('refuses a rotation that does not fit the active tree with INCONSISTENT, writing nothing (size, tree ID taken, not a size-0 checkpoint)', async () => {
        const before = await store.shards!();
        await assertRejected(store.rotate!(rotation(4)), 'INCONSISTENT');
        await assertRejected(store.rotate!(rotation(5, '42')), 'INCONSISTENT');
        await assertRejected(store.rotate!({ ...rotation(5), checkpoint: { ...rotation(5).checkpoint, size: 1 } }), 'INCONSISTENT');
        assert.deepEqual(await store.shards!(), before);
        assertCheckpoint(await store.latestCheckpoint(), first.checkpoint);
        assertTile(await store.tile(0, 0), tile(0, 0, 5));
        await assertRejected(store.frozenTree!(0), 'NOT_FOUND');
      });

      it('freezes the active tree and starts the next in one step: the frozen tree stays readable, the new one starts at size 0 after it, and batches go into it at global indices', async () => {
        await store.rotate!(rotation(5));
        const rows = await store.shards!();
        assert.deepEqual(rows, [
          { ...keys('42'), ordinal: 0, firstIndex: 0, frozenSize: 5, frozenMs: 2_000 },
          { ...keys('43'), createdMs: 2_000, ordinal: 1, firstIndex: 5, frozenSize: undefined, frozenMs: undefined },
        ]);
        const active = store.tree?.(1) ?? store;
        assertCheckpoint(await active.latestCheckpoint(), rotation(5).checkpoint);
        assert.equal(await active.tile(0, 0), undefined, 'the new tree has no tiles');
        assert.deepEqual(await active.cosignatures(5), []);
        const frozen = await store.frozenTree!(0);
        assertCheckpoint(await frozen.latestCheckpoint(), first.checkpoint);
        assertTile(await frozen.tile(0, 0), tile(0, 0, 5));
        assert.deepEqual((await frozen.cosignatures(5)).map((c) => c.line), ['— w AAAA']);
        await assertRejected(store.frozenTree!(1), 'NOT_FOUND');

        await assertRejected(active.appendBatch(5, treeBatch(0, 5, 1, 'stale')), 'INCONSISTENT');
        const next = treeBatch(5, 0, 3, 'new', [tile(0, 0, 3)]);
        await active.appendBatch(0, next);
        assertCheckpoint(await active.latestCheckpoint(), next.checkpoint);
        assertTile(await active.tile(0, 0), tile(0, 0, 3));
        assertEntry(await store.entryByIndex(7), next.entries[2]!);
        assertEntry(await frozen.entryByIndex(2), first.entries[2]!);
        assertTile(await frozen.tile(0, 0), tile(0, 0, 5));
        await active.addCosignature({ size: 3, witness: 'w', line: '— w BBBB' });
        assert.deepEqual((await frozen.cosignatures(5)).map((c) => c.line), ['— w AAAA']);

        if (h.reopen === undefined) return;
        store = await h.reopen();
        assert.deepEqual(await store.shards!(), rows);
        const reopened = store.tree?.(1) ?? store;
        assertCheckpoint(await reopened.latestCheckpoint(), next.checkpoint);
        assertTile(await (await store.frozenTree!(0)).tile(0, 0), tile(0, 0, 5));
        await reopened.appendBatch(3, treeBatch(5, 3, 2, 'after'));
        assert.equal((await reopened.latestCheckpoint())?.size, 5);
      });

      it('freezes the active tree for good at its latest size (INCONSISTENT at another), kept across a reopen', async () => {
        await assertRejected(store.freeze!(4, 3_000), 'INCONSISTENT');
        assert.equal((await store.shards!())[0]?.frozenSize, undefined);
        await store.freeze!(5, 3_000);
        const rows = await store.shards!();
        assert.deepEqual(rows, [{ ...keys('42'), ordinal: 0, firstIndex: 0, frozenSize: 5, frozenMs: 3_000 }]);
        await assertRejected(store.frozenTree!(0), 'NOT_FOUND'); // still the last tree: read as the active one
        assertCheckpoint(await store.latestCheckpoint(), first.checkpoint);
        if (h.reopen === undefined) return;
        store = await h.reopen();
        assert.deepEqual(await store.shards!(), rows);
      });
    });

    describe('when closed', () => {
      it('refuses every later call, and closing again is a no-op', async () => {
        await store.close();
        await store.close();
        await assertRejected(store.latestCheckpoint(), 'SHUTTING_DOWN');
        await assertRejected(store.appendBatch(0, batch(0, 1)), 'SHUTTING_DOWN');
        await assertRejected(store.indexOfLeafHash(entry(0).leafHash), 'SHUTTING_DOWN');
      });
    });

    it('keeps leaf hashes as given (no aliasing of caller buffers)', async () => {
      const e = entry(0);
      const hash = Buffer.from(e.leafHash);
      await store.appendBatch(0, batch(0, 1, { entries: [{ ...e, leafHash: hash }] }));
      hash.fill(0);
      assertBytes((await store.entryByIndex(0))?.leafHash, e.leafHash);
    });
  });
}
