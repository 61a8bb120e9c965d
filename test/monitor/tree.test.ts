/**
 * The monitor's pure checks: tile geometry, recomputing the tree from tiles
 * across growth (TreeRebuild), and the evidence when tiles, bundles or
 * checkpoints contradict each other.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isLogError, type LogError } from '../../src/errors.js';
import { EMPTY_ROOT, TILE_WIDTH, buildTile, type Tile } from '../../src/merkle/index.js';
import { parseEntryBundle, parseVerifierKey } from '../../src/client/index.js';
import { TreeRebuild, compareWithLast, edgeTiles, leafTiles, verifyCheckpointNote, type KnownCheckpoint } from '../../src/monitor/index.js';
import { ed25519NoteSigner, formatCheckpoint, signNote } from '../../src/note/index.js';
import { openTestLog, rawEntry, testKey, type TestLog } from '../support/test-log.js';

/** Tiles as the log serves them for its published size, keyed like TreeRebuild wants. */
async function tilesOf(t: TestLog, refs: readonly { level: number; index: number; width: number }[]): Promise<Map<string, Tile>> {
  const m = new Map<string, Tile>();
  for (const r of refs) m.set(`${r.level}/${r.index}`, buildTile(r.level, r.index, (await t.log.reader.tile(r.level, r.index, r.width === TILE_WIDTH ? undefined : r.width))));
  return m;
}

function known(t: TestLog, size: number): KnownCheckpoint {
  if (size === 0 && t.store.checkpointAt(0) === undefined) return { size: 0, root: EMPTY_ROOT, note: '' };
  const cp = t.store.checkpointAt(size)!;
  return { size, root: cp.root, note: cp.note };
}

/** Runs the three steps from `old` to the log's latest checkpoint, optionally with bundles. */
async function rebuild(t: TestLog, old: KnownCheckpoint, withBundles = false, mutateTile?: (tile: Tile) => Tile): Promise<void> {
  const cur = known(t, t.log.status().size);
  const r = TreeRebuild.start(old, cur, await tilesOf(t, [...edgeTiles(old.size, cur.size), ...edgeTiles(cur.size, cur.size)]));
  for (const ref of leafTiles(old.size, cur.size)) {
    let tile = (await tilesOf(t, [ref])).get(`0/${ref.index}`)!;
    if (mutateTile) tile = mutateTile(tile);
    const bundle = withBundles ? parseEntryBundle((await t.log.reader.entryBundle(ref.index, ref.width === TILE_WIDTH ? undefined : ref.width)), ref.width) : undefined;
    r.appendTile(tile, bundle);
  }
  r.finish();
}

async function evidenceOf(fn: () => unknown): Promise<Record<string, any>> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isLogError(err, 'INCONSISTENT'), `expected INCONSISTENT, got ${String(err)}`);
    return (err as LogError).details as Record<string, any>;
  }
  assert.fail('expected INCONSISTENT');
}

describe('monitor tree checks', () => {
  describe('edgeTiles and leafTiles', () => {
    it('name the tiles of the new tree that hold the old right edge, and the new leaves', () => {
      assert.deepEqual(edgeTiles(0, 10), []);
      assert.deepEqual(edgeTiles(300, 70_000), [{ level: 0, index: 1, width: 256 }, { level: 1, index: 0, width: 256 }]);
      assert.deepEqual(edgeTiles(256, 257), [{ level: 1, index: 0, width: 1 }]);
      assert.deepEqual(leafTiles(250, 600), [{ level: 0, index: 0, width: 256 }, { level: 0, index: 1, width: 256 }, { level: 0, index: 2, width: 88 }]);
      assert.deepEqual(leafTiles(5, 5), []);
    });
  });

  describe('when the log grew honestly', () => {
    it('recomputes the new root from the old edge and the new leaves, for growth across tile boundaries', async () => {
      const t = await openTestLog(undefined, { batchMaxSize: 1000 });
      const sizes = [0, 1, 2, 255, 256, 257, 511, 600];
      const seen: number[] = [];
      for (const size of sizes) {
        const have = t.log.status().size;
        await Promise.all(Array.from({ length: size - have }, (_, i) => t.log.submit(rawEntry(`tree ${have + i}`))));
        for (const old of seen) await rebuild(t, known(t, old), old % 2 === 0);
        seen.push(size);
      }
    });
  });

  describe('when the tiles contradict what was verified', () => {
    it('reports a fork when the tiles give the new root but not the old one', async () => {
      const a = await openTestLog();
      const b = await openTestLog();
      for (let i = 0; i < 5; i++) for (const t of [a, b]) await t.log.submit(rawEntry(`shared ${i}`));
      for (let i = 0; i < 3; i++) await a.log.submit(rawEntry(`a ${i}`));
      for (let i = 0; i < 6; i++) await b.log.submit(rawEntry(`b ${i}`));
      const e = await evidenceOf(() => rebuild(b, known(a, 7)));
      assert.match(e['reason'], /does not extend the tree of size 7.*a fork/);
      assert.equal(e['recomputed']['tiles match the new checkpoint'], true);
      assert.equal(e['previous']['note'], a.store.checkpointAt(7)!.note);
      assert.equal(e['current']['note'], b.store.checkpointAt(11)!.note);
      await rebuild(b, known(a, 5)); // both logs agree up to 5
    });

    it('reports a changed leaf (new root not recomputed) and an entry that does not hash to its leaf', async () => {
      const t = await openTestLog();
      for (let i = 0; i < 20; i++) await t.log.submit(rawEntry(`leaf ${i}`));
      const flipLeaf = (tile: Tile): Tile => {
        const row0 = Buffer.from(tile.hashes.subarray(0, tile.width * 32));
        row0[15 * 32] = (row0[15 * 32] ?? 0) ^ 1;
        return buildTile(0, tile.index, row0);
      };
      const e = await evidenceOf(() => rebuild(t, known(t, 10), false, flipLeaf));
      assert.match(e['reason'], /do not give the new checkpoint's root/);
      const e2 = await evidenceOf(() => rebuild(t, known(t, 10), true, flipLeaf));
      assert.match(e2['reason'], /entry 15 in the entry bundle does not hash to leaf 15/);
    });
  });

  describe('compareWithLast and verifyCheckpointNote', () => {
    it('accepts the same head, refuses a smaller size or another root at the same size, and a foreign key', async () => {
      const t = await openTestLog();
      for (let i = 0; i < 3; i++) await t.log.submit(rawEntry(`cmp ${i}`));
      const trust = { noteKey: parseVerifierKey(t.identity.vkey) };
      const v = await verifyCheckpointNote(t.store.checkpointAt(3)!.note, trust, t.identity.origin);
      assert.equal(compareWithLast(known(t, 3), v), 'same');
      assert.equal(compareWithLast(known(t, 2), v), 'grew');
      assert.match((await evidenceOf(() => compareWithLast({ size: 4, root: randomBytes(32), note: 'x' }, v)))['reason'], /went back/);
      assert.match((await evidenceOf(() => compareWithLast({ size: 3, root: randomBytes(32), note: 'x' }, v)))['reason'], /two different roots for size 3/);
      const foreign = signNote(formatCheckpoint({ origin: t.identity.origin, size: 3, root: randomBytes(32) }), [ed25519NoteSigner(t.identity.host, testKey(77), 'c2sp')]);
      await assert.rejects(verifyCheckpointNote(foreign, trust, undefined), (err) => isLogError(err, 'NOTE_INVALID'));
      await assert.rejects(verifyCheckpointNote(t.store.checkpointAt(3)!.note, trust, 'other - 1'), (err) => isLogError(err, 'INCONSISTENT'));
    });
  });
});
