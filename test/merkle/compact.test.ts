import assert from 'node:assert/strict';

import { EMPTY_ROOT, RightEdge, buildTile, tilesForGrowth, type Tile } from '../../src/merkle/index.js';
import { TileStore, entries, hex, seededRandom, throwsCode } from '../support/merkle.js';
import { ReferenceTree, refLeafHash } from '../support/reference-tree.js';

const refs = (tiles: readonly Tile[]): string[] => tiles.map((t) => `${t.level}/${t.index}/${t.width}`);
const growth = (a: number, b: number): string[] => tilesForGrowth(a, b).map((t) => `${t.level}/${t.index}/${t.width}`);

/** Appends `leaves` in the given batch sizes, checking each batch's tiles; returns the store and per-size roots. */
function run(leaves: readonly Uint8Array[], batches: readonly number[], edge = RightEdge.empty(), store = new TileStore()) {
  const roots = new Map<number, string>([[edge.size, hex(edge.root())]]);
  let at = edge.size;
  for (const n of batches) {
    const before = edge.size;
    const result = edge.append(leaves.slice(at, at + n));
    at += n;
    assert.equal(result.size, at);
    assert.equal(edge.size, at);
    assert.equal(hex(result.root), hex(edge.root()));
    assert.deepEqual(refs(result.tiles), growth(before, at), `tiles of ${before} → ${at}`);
    store.put(result.tiles);
    roots.set(at, hex(result.root));
  }
  return { edge, store, roots };
}

function randomBatches(total: number, max: number, seed: string): number[] {
  const rand = seededRandom(seed);
  const out: number[] = [];
  for (let left = total; left > 0; ) {
    const n = Math.min(left, 1 + rand(max));
    out.push(n);
    left -= n;
  }
  return out;
}

describe('RightEdge', function () {
  // Exhaustive or large cases: seconds on a busy 2-core machine (mocha's default timeout is 2 s).
  this.timeout(30_000);
  const N = 1100;
  const ref = new ReferenceTree(entries(N));
  const leaves = ref.leafHashes;
  const ones = run(leaves, Array.from({ length: N }, () => 1));

  describe('when empty', () => {
    it('has size 0 and root SHA-256("")', () => {
      const edge = RightEdge.empty();
      assert.equal(edge.size, 0);
      assert.equal(hex(edge.root()), hex(EMPTY_ROOT));
      assert.deepEqual(edge.append([]), { size: 0, root: edge.root(), tiles: [] });
    });
  });

  describe('when appending one leaf at a time (sizes 1..1100, crossing 256, 512, 1024)', () => {
    it('gives the reference root at every size', () => {
      for (let n = 0; n <= N; n++) assert.equal(ones.roots.get(n), hex(ref.mth(0, n)), `size ${n}`);
    });

    it('stores tiles whose every hash is the reference subtree hash', () => {
      for (const tile of ones.store.tiles.values()) {
        const span = 256 ** tile.level;
        const row0 = Buffer.concat(
          Array.from({ length: tile.width }, (_, i) => ref.mth((tile.index * 256 + i) * span, (tile.index * 256 + i + 1) * span)),
        );
        assert.equal(hex(tile.hashes), hex(buildTile(tile.level, tile.index, row0).hashes), `tile ${tile.level}/${tile.index}`);
      }
      assert.deepEqual([...ones.store.tiles.keys()].sort(), ['0/0', '0/1', '0/2', '0/3', '0/4', '1/0'].sort());
    });
  });

  describe('when appending in random batch sizes', () => {
    for (const max of [3, 40, 300, 1100]) {
      it(`gives the same roots and tiles as one at a time (batches up to ${max})`, () => {
        const batched = run(leaves, randomBatches(N, max, `batches ${max}`));
        for (const [size, root] of batched.roots) assert.equal(root, ones.roots.get(size), `size ${size}`);
        assert.deepEqual(batched.store.snapshot(), ones.store.snapshot());
      });
    }
  });

  describe('when rebuilt with fromTiles after any prefix', () => {
    it('resumes identically, from the tiles as of that size or from later, wider ones', () => {
      const rand = seededRandom('resume');
      const stepwise = new TileStore();
      const edge = RightEdge.empty();
      for (let size = 0; size <= N; size++) {
        for (const store of [stepwise, ones.store]) {
          const resumed = RightEdge.fromTiles(size, store.get);
          assert.equal(resumed.size, size);
          assert.equal(hex(resumed.root()), ones.roots.get(size), `root at ${size}`);
          const next = Math.min(N, size + 1 + rand(300));
          const a = resumed.append(leaves.slice(size, next));
          assert.equal(hex(a.root), ones.roots.get(next), `resumed ${size} → ${next}`);
          const b = edge.clone().append(leaves.slice(size, next));
          assert.deepEqual(a.tiles.map((t) => hex(t.hashes)), b.tiles.map((t) => hex(t.hashes)));
        }
        if (size < N) stepwise.put(edge.append(leaves.slice(size, size + 1)).tiles);
      }
    });
  });

  describe('when the tree crosses 65,536 and reaches 100,000+ leaves', () => {
    const big = Array.from({ length: 170_000 }, (_, i) => refLeafHash(Buffer.from(`big ${i}`)));
    const reference = ReferenceTree.fromLeafHashes(big);

    it('gives the same roots and tiles for different batchings, and the reference roots', () => {
      const single = run(big, [65_535, 1, 1, 4_463]);
      const mixed = run(big, [1, 65_533, 1, 1, 1, 1, 4_462]);
      const random = run(big, randomBatches(70_000, 5_000, 'big batches'));
      for (const size of [65_535, 65_536, 65_537, 70_000]) {
        const want = hex(reference.root(size));
        assert.equal(single.roots.get(size), want, `size ${size}`);
        assert.equal(mixed.roots.get(size), want, `size ${size}`);
      }
      assert.equal(random.roots.get(70_000), hex(reference.root(70_000)));
      assert.deepEqual(mixed.store.snapshot(), single.store.snapshot());
      assert.deepEqual(random.store.snapshot(), single.store.snapshot());
      assert.deepEqual(
        [...single.store.tiles.values()].filter((t) => t.level > 0 || t.index >= 273).map((t) => `${t.level}/${t.index}/${t.width}`)
          .sort(),
        ['0/273/112', '1/0/256', '1/1/17', '2/0/1'],
      );
      const resumed = RightEdge.fromTiles(70_000, single.store.get);
      assert.equal(hex(resumed.root()), single.roots.get(70_000));
    });

    it('appends a batch of 100,000 leaves onto a non-empty tree in one call', () => {
      const start = 70_000;
      const edge = RightEdge.fromTiles(start, run(big, [start]).store.get);
      const result = edge.append(big.slice(start, start + 100_000));
      assert.equal(result.size, 170_000);
      assert.equal(hex(result.root), hex(reference.root(170_000)));
      assert.deepEqual(refs(result.tiles), growth(start, 170_000));
    });
  });

  describe('when a tile needed by fromTiles is missing, narrow or inconsistent', () => {
    it('throws CORRUPT', () => {
      const store = ones.store.clone();
      throwsCode(() => RightEdge.fromTiles(300, () => undefined), 'CORRUPT');
      throwsCode(() => RightEdge.fromTiles(N + 1, store.get), 'CORRUPT'); // level-0 tile 4 has width 76 < 77
      const tile = store.get(1, 0) as Tile;
      const bad = new Uint8Array(tile.hashes);
      bad[3] = ((bad[3] ?? 0) + 1) % 256; // row 0 hash 0 no longer matches row 1
      store.put([{ ...tile, hashes: bad }]);
      throwsCode(() => RightEdge.fromTiles(N, store.get), 'CORRUPT');
      throwsCode(() => RightEdge.fromTiles(N, (l, i) => ({ ...(ones.store.get(l, i) as Tile), index: i + 1 })), 'CORRUPT');
      throwsCode(() => RightEdge.fromTiles(-1, store.get), 'BAD_REQUEST');
    });
  });

  describe('when a leaf hash is not 32 bytes', () => {
    it('throws INTERNAL and changes nothing', () => {
      const edge = RightEdge.empty();
      edge.append(leaves.slice(0, 5));
      const root = hex(edge.root());
      throwsCode(() => edge.append([...leaves.slice(5, 300), new Uint8Array(31)]), 'INTERNAL');
      assert.equal(edge.size, 5);
      assert.equal(hex(edge.root()), root);
      assert.equal(hex(edge.append(leaves.slice(5, 6)).root), ones.roots.get(6));
    });
  });

  describe('when cloned', () => {
    it('evolves independently of the original', () => {
      const edge = RightEdge.empty();
      edge.append(leaves.slice(0, 10));
      const copy = edge.clone();
      edge.append(leaves.slice(10, 300));
      assert.equal(copy.size, 10);
      assert.equal(hex(copy.root()), ones.roots.get(10));
      assert.equal(hex(copy.append(leaves.slice(10, 11)).root), ones.roots.get(11));
    });
  });
});
