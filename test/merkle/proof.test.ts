import assert from 'node:assert/strict';

import {
  EMPTY_ROOT,
  RightEdge,
  consistencyProof,
  inclusionProof,
  rootAt,
  tileNodeReader,
  type NodeReader,
  type Tile,
} from '../../src/merkle/index.js';
import { TileStore, entries, hex, hexList, seededRandom, throwsCode } from '../support/merkle.js';
import { ReferenceTree } from '../support/reference-tree.js';

const MAX = 130;
const ref = new ReferenceTree(entries(MAX));
const refReader: NodeReader = (level, index) => ref.node(level, index);

/** Tile stores as of every size 0..MAX (stores[n] has exactly the tiles published up to size n). */
function storesBySize(leaves: readonly Uint8Array[], max: number): TileStore[] {
  const edge = RightEdge.empty();
  const stores = [new TileStore()];
  for (let n = 1; n <= max; n++) {
    const store = (stores[n - 1] as TileStore).clone();
    store.put(edge.append(leaves.slice(n - 1, n)).tiles);
    stores.push(store);
  }
  return stores;
}

describe('inclusionProof', function () {
  // Exhaustive or large cases: seconds on a busy 2-core machine (mocha's default timeout is 2 s).
  this.timeout(30_000);
  const stores = storesBySize(ref.leafHashes, MAX);
  const latest = stores[MAX] as TileStore;

  describe('for every (index, size) with size 1..130', () => {
    it('equals the RFC 6962 PATH, over the reference and over tiles (exact and wider)', () => {
      for (let size = 1; size <= MAX; size++) {
        const exact = tileNodeReader(size, (stores[size] as TileStore).get);
        const wider = tileNodeReader(size, latest.get);
        for (let index = 0; index < size; index++) {
          const want = hexList(ref.path(index, size));
          assert.deepEqual(hexList(inclusionProof(index, size, refReader)), want, `${index} in ${size}`);
          assert.deepEqual(hexList(inclusionProof(index, size, exact)), want, `${index} in ${size} (tiles)`);
          assert.deepEqual(hexList(inclusionProof(index, size, wider)), want, `${index} in ${size} (wider tiles)`);
        }
      }
    });
  });

  describe('when the index is not below the size, or not an integer', () => {
    it('throws SIZE_OUT_OF_RANGE or BAD_REQUEST', () => {
      throwsCode(() => inclusionProof(5, 5, refReader), 'SIZE_OUT_OF_RANGE');
      throwsCode(() => inclusionProof(0, 0, refReader), 'SIZE_OUT_OF_RANGE');
      throwsCode(() => inclusionProof(-1, 5, refReader), 'BAD_REQUEST');
      throwsCode(() => inclusionProof(0.5, 5, refReader), 'BAD_REQUEST');
      throwsCode(() => inclusionProof(0, 2 ** 53, refReader), 'BAD_REQUEST');
    });
  });
});

describe('consistencyProof', function () {
  // Exhaustive or large cases: seconds on a busy 2-core machine (mocha's default timeout is 2 s).
  this.timeout(30_000);
  const stores = storesBySize(ref.leafHashes, MAX);

  describe('for every (old, new) with 1 ≤ old ≤ new ≤ 130', () => {
    it('equals the RFC 6962 PROOF, over the reference and over tiles', () => {
      for (let newSize = 1; newSize <= MAX; newSize++) {
        const tiles = tileNodeReader(newSize, (stores[newSize] as TileStore).get);
        for (let oldSize = 1; oldSize <= newSize; oldSize++) {
          const want = hexList(ref.proof(oldSize, newSize));
          assert.deepEqual(hexList(consistencyProof(oldSize, newSize, refReader)), want, `${oldSize} → ${newSize}`);
          assert.deepEqual(hexList(consistencyProof(oldSize, newSize, tiles)), want, `${oldSize} → ${newSize} (tiles)`);
        }
      }
    });
  });

  describe('when the old size is 0 or equal to the new size', () => {
    it('is empty', () => {
      assert.deepEqual(consistencyProof(0, 10, refReader), []);
      assert.deepEqual(consistencyProof(0, 0, refReader), []);
      assert.deepEqual(consistencyProof(10, 10, refReader), []);
    });
  });

  describe('when the old size exceeds the new size', () => {
    it('throws SIZE_OUT_OF_RANGE', () => {
      throwsCode(() => consistencyProof(6, 5, refReader), 'SIZE_OUT_OF_RANGE');
    });
  });
});

describe('rootAt', () => {
  describe('for every size 0..130', () => {
    it('equals the reference MTH (SHA-256("") for 0)', () => {
      const stores = storesBySize(ref.leafHashes, MAX);
      assert.equal(hex(rootAt(0, refReader)), hex(EMPTY_ROOT));
      for (let size = 0; size <= MAX; size++) {
        assert.equal(hex(rootAt(size, refReader)), hex(ref.mth(0, size)), `size ${size}`);
        assert.equal(hex(rootAt(size, tileNodeReader(size, (stores[size] as TileStore).get))), hex(ref.mth(0, size)));
      }
    });
  });
});

describe('proofs over tiles of several levels', function () {
  // Exhaustive or large cases: seconds on a busy 2-core machine (mocha's default timeout is 2 s).
  this.timeout(30_000);
  const N = 66_000;
  const big = new ReferenceTree(entries(N));
  const store = new TileStore();
  store.put(RightEdge.empty().append(big.leafHashes).tiles);

  describe('when the tree spans tile levels 0, 1 and 2', () => {
    it('equals the reference for sampled proofs and roots', () => {
      const rand = seededRandom('levels');
      const sizes = [256, 257, 511, 512, 65_535, 65_536, 65_537, N];
      for (let i = 0; i < 150; i++) sizes.push(1 + rand(N));
      sizes.forEach((size, i) => {
        const read = tileNodeReader(size, store.get);
        const index = [0, size - 1, rand(size)][i % 3] ?? 0;
        const oldSize = Math.max(1, [1, size - 1, 1 + rand(size)][i % 3] ?? 1);
        assert.equal(hex(rootAt(size, read)), hex(big.mth(0, size)), `root ${size}`);
        assert.deepEqual(hexList(inclusionProof(index, size, read)), hexList(big.path(index, size)), `${index} in ${size}`);
        assert.deepEqual(hexList(consistencyProof(oldSize, size, read)), hexList(big.proof(oldSize, size)), `${oldSize} → ${size}`);
      });
    });
  });
});

describe('proof cost', () => {
  describe('when the tree is large', () => {
    it('reads O(log n) nodes', () => {
      let reads = 0;
      const counting: NodeReader = (level, index) => {
        reads++;
        return Buffer.alloc(32, (level * 31 + index) % 251);
      };
      const size = 2 ** 50 + 2 ** 33 + 12_345;
      const cases: [string, () => unknown][] = [
        ['inclusion of 2^49 + 77', () => inclusionProof(2 ** 49 + 77, size, counting)],
        ['inclusion of the last leaf', () => inclusionProof(size - 1, size, counting)],
        ['consistency from 2^32 + 1', () => consistencyProof(2 ** 32 + 1, size, counting)],
        ['consistency from size − 3', () => consistencyProof(size - 3, size, counting)],
        ['root', () => rootAt(size, counting)],
      ];
      for (const [name, prove] of cases) {
        reads = 0;
        prove();
        assert.ok(reads > 0 && reads <= 2 * 51, `${name} read ${reads} nodes`);
      }
    });
  });
});

describe('tileNodeReader', () => {
  const stores = storesBySize(ref.leafHashes, MAX);

  describe('when a tile is missing or too narrow', () => {
    it('throws CORRUPT', () => {
      throwsCode(() => inclusionProof(3, 10, tileNodeReader(10, () => undefined)), 'CORRUPT');
      // The size-9 store's tile 0/0 has width 9, but size 10 needs 10 hashes.
      throwsCode(() => inclusionProof(3, 10, tileNodeReader(10, (stores[9] as TileStore).get)), 'CORRUPT');
      const t = (stores[10] as TileStore).get(0, 0) as Tile;
      throwsCode(() => tileNodeReader(10, () => ({ ...t, hashes: t.hashes.subarray(1) }))(0, 0), 'CORRUPT');
      throwsCode(() => tileNodeReader(10, () => ({ ...t, index: 1 }))(0, 0), 'CORRUPT');
    });
  });

  describe('when asked for a node outside the tree', () => {
    it('throws INTERNAL', () => {
      const read = tileNodeReader(10, (stores[10] as TileStore).get);
      throwsCode(() => read(0, 10), 'INTERNAL');
      throwsCode(() => read(2, 2), 'INTERNAL');
      throwsCode(() => read(-1, 0), 'INTERNAL');
      assert.equal(hex(read(3, 0)), hex(ref.mth(0, 8)));
    });
  });
});
