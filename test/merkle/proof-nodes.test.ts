import assert from 'node:assert/strict';

import {
  LEAF_GROUPS_PER_TILE,
  RightEdge,
  TILE_WIDTH,
  consistencyProof,
  inclusionProof,
  leafGroupsOfTile,
  proofNodeReader,
  rootAt,
  type ProofNodeSources,
  type Tile,
} from '../../src/merkle/index.js';
import { TileStore, entries, hex, hexList, seededRandom, throwsCode } from '../support/merkle.js';
import { ReferenceTree } from '../support/reference-tree.js';

const N = 70_000; // 273 full level-0 tiles, tile levels 0, 1 and 2

/** A store laid out as the SQLite one: full level-0 tiles only as leaf groups, every other tile whole. */
function groupedStore(tiles: readonly Tile[]) {
  const whole = new TileStore();
  const groups = new Map<number, Uint8Array>();
  for (const t of tiles) {
    if (t.level === 0 && t.width === TILE_WIDTH) {
      whole.tiles.delete(`0/${t.index}`);
      leafGroupsOfTile(t).forEach((row, k) => groups.set(t.index * LEAF_GROUPS_PER_TILE + k, row));
    } else whole.put([t]);
  }
  const reads = { groups: 0, tiles: 0 };
  const sources: ProofNodeSources = {
    tile: (l, i) => (reads.tiles++, whole.get(l, i)),
    leafGroup: (g) => (reads.groups++, groups.get(g)),
    groupedLeaves: Math.floor(N / TILE_WIDTH) * TILE_WIDTH,
  };
  return { sources, reads, groups };
}

describe('proofNodeReader', function () {
  // Exhaustive or large cases: seconds on a busy 2-core machine (mocha's default timeout is 2 s).
  this.timeout(30_000);
  const ref = new ReferenceTree(entries(N));
  const edge = RightEdge.empty();
  const { sources, reads, groups } = groupedStore(edge.append(ref.leafHashes).tiles);

  describe('for sampled sizes and leaves across tile levels 0..2', () => {
    it('gives the RFC 6962 inclusion and consistency proofs and roots', () => {
      const rand = seededRandom('proof-nodes');
      const sizes = [1, 15, 16, 17, 255, 256, 257, 4096, 65_535, 65_536, 65_537, 69_888, 69_889, N];
      for (let i = 0; i < 120; i++) sizes.push(1 + rand(N));
      sizes.forEach((size, i) => {
        const leaf = [0, size - 1, rand(size)][i % 3] ?? 0;
        const oldSize = Math.max(1, [1, size - 1, 1 + rand(size)][i % 3] ?? 1);
        assert.deepEqual(hexList(inclusionProof(leaf, size, proofNodeReader(size, sources, leaf))), hexList(ref.path(leaf, size)), `${leaf} in ${size}`);
        const cons = consistencyProof(oldSize, size, proofNodeReader(size, sources, oldSize - 1));
        assert.deepEqual(hexList(cons), hexList(ref.proof(oldSize, size)), `${oldSize} → ${size}`);
        assert.equal(hex(rootAt(size, proofNodeReader(size, sources, size - 1))), hex(ref.mth(0, size)), `root ${size}`);
      });
    });
  });

  describe('when the leaf is in a full level-0 tile', () => {
    it('reads exactly one leaf-group row, and no full level-0 tile whole', () => {
      const rand = seededRandom('one-read');
      for (let k = 0; k < 300; k++) {
        const leaf = rand(sources.groupedLeaves);
        const size = sources.groupedLeaves + rand(N - sources.groupedLeaves + 1);
        reads.groups = 0;
        const level0: number[] = [];
        const read = proofNodeReader(size, { ...sources, tile: (l, i) => (l === 0 && level0.push(i), sources.tile(l, i)) }, leaf);
        inclusionProof(leaf, size, read);
        assert.equal(reads.groups, 1, `leaf ${leaf} at size ${size}`);
        // Only the right-most, partial tile (folded into the right-edge subtree) is read whole.
        assert.ok(level0.every((i) => i === sources.groupedLeaves / TILE_WIDTH), `leaf ${leaf} at size ${size} read tiles 0/${level0}`);
      }
    });
  });

  describe('when a leaf-group row is missing', () => {
    it('throws CORRUPT', () => {
      const row = groups.get(3)!;
      groups.delete(3);
      try {
        throwsCode(() => inclusionProof(50, N, proofNodeReader(N, sources, 50)), 'CORRUPT');
      } finally {
        groups.set(3, row);
      }
    });
  });

  describe('when asked for a node outside the tree', () => {
    it('throws INTERNAL', () => {
      const read = proofNodeReader(100, sources, 0);
      throwsCode(() => read(0, 100), 'INTERNAL');
      throwsCode(() => read(3, 12), 'INTERNAL');
      throwsCode(() => read(-1, 0), 'INTERNAL');
      assert.equal(hex(read(3, 11)), hex(ref.node(3, 11)));
    });
  });
});
