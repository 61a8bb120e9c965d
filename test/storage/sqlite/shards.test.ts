/**
 * The SQLite store's trees (src/storage/sqlite/shards.ts): a rotation is one
 * transaction (a refused one writes nothing), the frozen tree's rows stay
 * readable under its renamed tables, the active tree's tables start empty,
 * and everything survives a reopen.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLogError } from '../../../src/errors.js';
import { EMPTY_ROOT, TILE_WIDTH, buildTile } from '../../../src/merkle/index.js';
import { openSqliteStore, type Rotation, type SqliteStore } from '../../../src/storage/index.js';
import { openTestLog, rawEntry } from '../../support/test-log.js';
import { assertTile, batch, tile as fixtureTile } from '../fixtures.js';

function rotation(frozenSize: number, treeId = '42'): Rotation {
  return {
    frozenSize,
    frozenMs: 2_000,
    next: { treeId, publicKeyPem: 'PEM', noteKeyPem: undefined, createdMs: 2_000 },
    checkpoint: { size: 0, root: EMPTY_ROOT, time: 2_000, note: 'first checkpoint of tree 42\n' },
  };
}

describe('SqliteStore trees', () => {
  let dir: string;
  let path: string;
  let store: SqliteStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-shards-'));
    path = join(dir, 'cairn.db');
    store = openSqliteStore({ path });
    const t = await openTestLog(store);
    await Promise.all(Array.from({ length: 300 }, (_, i) => t.log.submit(rawEntry(`e${i}`))));
    await t.log.close();
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('when a rotation does not fit the stored tree', () => {
    it('refuses it with INCONSISTENT and writes nothing (size, tree ID taken, not a size-0 checkpoint)', () => {
      const before = { shards: store.shards(), latest: store.latestCheckpoint() };
      assert.throws(() => store.rotate(rotation(299)), (err) => isLogError(err, 'INCONSISTENT'));
      assert.throws(() => store.rotate(rotation(300, store.shards()[0]!.treeId)), (err) => isLogError(err, 'INCONSISTENT'));
      assert.throws(() => store.rotate({ ...rotation(300), checkpoint: { ...rotation(300).checkpoint, size: 1 } }), (err) => isLogError(err, 'INCONSISTENT'));
      assert.deepEqual(store.shards(), before.shards);
      assert.deepEqual(store.latestCheckpoint(), before.latest);
      assert.ok(store.tile(0, 1) !== undefined, 'the active tree keeps its tiles');
    });
  });

  describe('when a rotation commits', () => {
    it('keeps the frozen tree readable under its own tables, starts the new one empty, and survives a reopen', () => {
      const latest = store.latestCheckpoint()!;
      const tile = store.tile(0, 0)!;
      store.rotate(rotation(300));
      const check = (s: SqliteStore): void => {
        const [first, second] = s.shards();
        assert.equal(first!.frozenSize, 300);
        assert.equal(first!.frozenMs, 2_000);
        assert.deepEqual([second!.ordinal, second!.treeId, second!.firstIndex, second!.frozenSize], [1, '42', 300, undefined]);
        const frozen = s.frozenTree(0);
        assert.deepEqual(frozen.latestCheckpoint(), latest);
        assert.deepEqual(frozen.tile(0, 0), tile, 'a full level-0 tile rebuilt from its leaf groups');
        assert.ok(frozen.leafGroup?.(0) !== undefined);
        // An entry and the frozen tree's leaf group in one statement, as the reader asks for an entry with its proof.
        const both = frozen.entryAndLeafGroup!(200, 0);
        assert.equal(both.entry?.index, 200);
        assert.deepEqual(both.leafGroup, frozen.leafGroup!(0));
        assert.deepEqual(frozen.entryAndLeafGroup!(299, 16), { entry: frozen.entryByIndex(299), leafGroup: undefined }, 'a group beyond the full tiles');
        assert.deepEqual(frozen.entryAndLeafGroup!(5_000, 0).entry, undefined);
        assert.equal(s.latestCheckpoint()!.size, 0, 'the new tree has its size-0 checkpoint only');
        assert.equal(s.tile(0, 0), undefined, 'and no tiles');
        assert.equal(s.entryByIndex(299)!.index, 299, 'entries keep their global indices');
        assert.throws(() => s.frozenTree(1), (err) => isLogError(err, 'NOT_FOUND'));
      };
      check(store);
      store.close();
      store = openSqliteStore({ path });
      check(store);
      assert.throws(
        () => store.appendBatch(0, { entries: [{ index: 0, leafHash: Buffer.alloc(32, 1), body: Buffer.from('x'), kind: 'raw', integratedTime: 1, set: Buffer.alloc(0) }], searchKeys: [], tiles: [], checkpoint: { size: 1, root: Buffer.alloc(32), time: 3_000, note: 'n' } }),
        (err) => isLogError(err, 'INCONSISTENT'),
        'the new tree takes entries at global indices after the frozen one only',
      );
    });
  });
});

describe('SqliteStore full level-0 tiles', () => {
  describe('when a full tile\'s hashes hold every byte value, runs of zero bytes and invalid UTF-8 included', () => {
    it('reads it back byte for byte (its 16 leaf-group rows are joined in SQL, as text, then cast back to a blob)', async () => {
      const store = openSqliteStore({ path: ':memory:' });
      try {
        // Leaf hash j is 32 bytes of value j: all zeros, 0x80 alone (never valid UTF-8), 0xff…
        const level0 = Buffer.concat(Array.from({ length: TILE_WIDTH }, (_, j) => Buffer.alloc(32, j)));
        const full = buildTile(0, 0, level0);
        await store.appendBatch(0, batch(0, TILE_WIDTH, { tiles: [full, fixtureTile(1, 0, 1)] }));
        assertTile(store.tile(0, 0), full);
      } finally {
        store.close();
      }
    });
  });
});
