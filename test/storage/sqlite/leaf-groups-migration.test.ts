/**
 * migrations/0002_leaf_groups.sql on a database written by schema v1 (full
 * level-0 tiles stored whole): after the migration the store serves the same
 * tile bytes, its leaf-group rows are the ones the merkle layer implies, the
 * log opens cleanly and its proofs verify; appending continues.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/clock.js';
import { LogService, makeIdentity, signCheckpointNow, verifyStoredLog } from '../../../src/log/index.js';
import {
  LEAF_GROUPS_PER_TILE,
  RightEdge,
  TILE_WIDTH,
  c2spTileBytes,
  leafGroupsOfTile,
  leafHash,
  verifyInclusion,
  type Tile,
} from '../../../src/merkle/index.js';
import { formatCheckpoint } from '../../../src/note/index.js';
import { openDatabase, openSqliteStore, toAsyncStore, type SqliteStore } from '../../../src/storage/index.js';
import { findMigrationsDir } from '../../../src/storage/sqlite/migrations.js';
import { FAST_OPTIONS, TEST_TREE_ID, TEST_URL, testKey } from '../../support/test-log.js';
import { assertBytes, entry } from '../fixtures.js';

const SIZE = 1000; // full level-0 tiles 0..2, tile 0/3 of width 232, tile 1/0 of width 3

describe('migration 0002 (leaf groups)', () => {
  const identity = makeIdentity(testKey(), TEST_TREE_ID, TEST_URL);
  const leaves = Array.from({ length: SIZE }, (_, i) => entry(i));
  let dir: string;
  let path: string;
  let written: Map<string, Tile>;
  let root: Uint8Array;
  let store: SqliteStore | undefined;

  /** Write a SIZE-entry log with schema v1 only, as Cairn before migration 0002 did: tiles whole. */
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-mig2-'));
    path = join(dir, 'log.db');
    const v1 = join(dir, 'migrations-v1');
    mkdirSync(v1);
    copyFileSync(join(findMigrationsDir(), '0001_init.sql'), join(v1, '0001_init.sql'));
    const db = openDatabase(path, { migrationsDir: v1 });
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    const edge = RightEdge.empty();
    written = new Map();
    const insertEntry = db.prepare('INSERT INTO entries (idx, leaf_hash, body, kind, integrated_time, set_sig) VALUES (?, ?, ?, ?, ?, ?)');
    const upsertTile = db.prepare('INSERT OR REPLACE INTO tiles (level, idx, width, hashes) VALUES (?, ?, ?, ?)');
    // Two batches, so tile 0/0 is first written partial and then replaced by the full one.
    for (const [from, to] of [[0, 100], [100, SIZE]] as const) {
      const grown = edge.append(leaves.slice(from, to).map((e) => e.leafHash));
      db.transaction(() => {
        for (const e of leaves.slice(from, to)) insertEntry.run(e.index, e.leafHash, e.body, e.kind, e.integratedTime, e.set);
        for (const t of grown.tiles) {
          upsertTile.run(t.level, t.index, t.width, t.hashes);
          written.set(`${t.level}/${t.index}`, t);
        }
      })();
    }
    root = edge.root();
    const note = signCheckpointNow(identity, formatCheckpoint({ origin: identity.origin, size: SIZE, root }));
    db.prepare('INSERT INTO checkpoints (size, root, time_ms, note) VALUES (?, ?, ?, ?)').run(SIZE, root, 1_700_000_000_000, note);
    const fullRows = db.prepare('SELECT count(*) FROM tiles WHERE level = 0 AND width = 256').pluck().get();
    assert.equal(fullRows, 3, 'schema v1 keeps full level-0 tiles whole');
    db.close();
  });
  afterEach(() => store?.close());
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('when the database is opened', () => {
    it('moves full level-0 tiles into leaf groups and serves every tile byte for byte', () => {
      store = openSqliteStore({ path });
      for (const t of written.values()) {
        const got = store.tile(t.level, t.index);
        assert.ok(got, `tile ${t.level}/${t.index}`);
        assert.deepEqual([got.level, got.index, got.width], [t.level, t.index, t.width]);
        assertBytes(got.hashes, t.hashes, `tile ${t.level}/${t.index}`);
      }
      for (let k = 0; k < 3; k++) {
        const tile = written.get(`0/${k}`)!;
        leafGroupsOfTile(tile).forEach((row, g) => assertBytes(store?.leafGroup(k * LEAF_GROUPS_PER_TILE + g), row, `group ${g} of tile ${k}`));
      }
      assert.equal(store.leafGroup(3 * LEAF_GROUPS_PER_TILE), undefined, 'the partial tile has no leaf groups');
      store.close();
      const db = openDatabase(path);
      assert.equal(db.prepare('SELECT count(*) FROM tiles WHERE level = 0 AND width = 256').pluck().get(), 0);
      assert.equal(db.prepare('SELECT count(*) FROM leaf_groups').pluck().get(), 3 * LEAF_GROUPS_PER_TILE);
      db.close();
      store = undefined;
    });

    it('opens the log cleanly; its proofs verify, tiles are the same C2SP bytes, and it keeps appending', async () => {
      store = openSqliteStore({ path });
      const log = await LogService.open(toAsyncStore(store), identity, new ManualClock(), FAST_OPTIONS);
      assert.equal(log.status().readOnly, undefined);
      assert.deepEqual(await verifyStoredLog(toAsyncStore(store), log.reader.latest()), { entries: SIZE, tiles: 5, checkpoints: 1 });
      for (const i of [0, 1, 15, 16, 255, 256, 511, 700, 767, 768, 999]) {
        verifyInclusion(i, SIZE, leaves[i]!.leafHash, (await log.reader.inclusionProof(i, SIZE)), root);
      }
      for (let k = 0; k < 3; k++) assertBytes((await log.reader.tile(0, k)), c2spTileBytes(written.get(`0/${k}`)!), `tile 0/${k}`);
      assertBytes((await log.reader.tile(0, 3, 232)), c2spTileBytes(written.get('0/3')!));
      const more = Array.from({ length: 3 * TILE_WIDTH }, (_, i) => Buffer.from(`after ${i}`));
      await Promise.all(more.map((body) => log.submit({ kind: 'raw', body, leafHash: leafHash(body), searchKeys: [] })));
      await log.flush();
      const latest = log.reader.latest();
      assert.equal(latest.size, SIZE + more.length);
      await verifyStoredLog(toAsyncStore(store), latest);
      verifyInclusion(900, latest.size, leaves[900]!.leafHash, (await log.reader.inclusionProof(900, latest.size)), latest.root);
      await log.close();
    });
  });
});
