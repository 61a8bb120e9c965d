/**
 * toAsyncStore (src/storage/async-adapter.ts): beyond the contract suite,
 * which runs every SQLite test through it, the parts only it has: optional
 * operations present exactly when the store has them (entryAndLeafGroup
 * where it has leafGroup), a synchronous throw as
 * a rejection, and a rotated store's trees read through it.
 */
import assert from 'node:assert/strict';
import { isLogError } from '../../src/errors.js';
import { EMPTY_ROOT } from '../../src/merkle/index.js';
import { openSqliteStore, toAsyncStore, type LogStore, type SqliteStore } from '../../src/storage/index.js';
import { assertCheckpoint, batch, checkpoint, tile } from './fixtures.js';
import { assertRejected } from './store.contract.js';

describe('toAsyncStore', () => {
  let sqlite: SqliteStore;
  beforeEach(() => {
    sqlite = openSqliteStore({ path: ':memory:' });
  });
  afterEach(() => sqlite.close());

  it('has an optional operation exactly when the store has it', async () => {
    const full = toAsyncStore(sqlite);
    for (const op of ['leafGroup', 'entryAndLeafGroup', 'sync', 'writeBarrier', 'shards', 'addFirstShard', 'rotate', 'freeze', 'frozenTree'] as const) {
      assert.equal(typeof full[op], 'function', op);
    }
    // A store with only the required operations, each delegating to the SQLite store.
    const required = ['appendBatch', 'latestCheckpoint', 'checkpointAt', 'listCheckpoints', 'addCosignature', 'cosignatures', 'entryByIndex',
      'entriesInRange', 'entryByLeafHash', 'indexOfLeafHash', 'searchKey', 'tile', 'getMeta', 'setMeta', 'sizeOnDisk', 'close'] as const;
    const bare = Object.fromEntries(
      required.map((op) => [op, (...args: unknown[]) => (sqlite[op] as (...a: unknown[]) => unknown).apply(sqlite, args)]),
    ) as unknown as LogStore;
    const minimal = toAsyncStore(bare);
    // entryAndLeafGroup is composed of the store's reads, where it has leafGroup.
    for (const op of ['leafGroup', 'entryAndLeafGroup', 'sync', 'writeBarrier', 'shards', 'addFirstShard', 'rotate', 'freeze', 'frozenTree'] as const) {
      assert.equal(minimal[op], undefined, op);
    }
    await minimal.appendBatch(0, batch(0, 2));
    assert.equal((await minimal.latestCheckpoint())?.size, 2);
  });

  it('turns a synchronous throw into a rejection, never a throw', async () => {
    const store = toAsyncStore(sqlite);
    let pending: Promise<void> | undefined;
    assert.doesNotThrow(() => {
      pending = store.appendBatch(5, batch(5, 1));
    });
    await assertRejected(pending!, 'INCONSISTENT');
  });

  it('reads a rotated store’s frozen tree, and refuses the active one with NOT_FOUND', async () => {
    const store = toAsyncStore(sqlite);
    await store.addFirstShard?.({ treeId: '7', publicKeyPem: 'PEM', noteKeyPem: undefined, createdMs: 1_000 });
    const first = batch(0, 3, { tiles: [tile(0, 0, 3)] });
    await store.appendBatch(0, first);
    await store.rotate?.({
      frozenSize: 3,
      frozenMs: 2_000,
      next: { treeId: '8', publicKeyPem: 'PEM', noteKeyPem: undefined, createdMs: 2_000 },
      checkpoint: { ...checkpoint(0), root: EMPTY_ROOT },
    });
    assert.deepEqual((await store.shards?.())?.map((s) => [s.treeId, s.firstIndex, s.frozenSize]), [['7', 0, 3], ['8', 3, undefined]]);
    const frozen = await store.frozenTree?.(0);
    assertCheckpoint(await frozen?.latestCheckpoint(), first.checkpoint);
    assert.equal((await frozen?.tile(0, 0))?.width, 3);
    assert.equal((await store.latestCheckpoint())?.size, 0, 'the active tree starts at size 0');
    await assert.rejects(store.frozenTree?.(1) ?? Promise.resolve(), (err: unknown) => isLogError(err, 'NOT_FOUND'));
  });
});
