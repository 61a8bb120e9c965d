import assert from 'node:assert/strict';

import {
  LEAF_GROUP_BYTES,
  LEAF_GROUPS_PER_TILE,
  RightEdge,
  TILE_WIDTH,
  buildTile,
  leafGroupFor,
  leafGroupNode,
  leafGroupsOfTile,
  tileFromJoinedLeafGroups,
  tileFromLeafGroups,
  type Tile,
} from '../../src/merkle/index.js';
import { entries, hex, throwsCode } from '../support/merkle.js';
import { ReferenceTree } from '../support/reference-tree.js';

const ref = new ReferenceTree(entries(3 * TILE_WIDTH));
/** Full level-0 tiles 0..2 of the reference tree, as the right edge builds them. */
const tiles = RightEdge.empty()
  .append(ref.leafHashes)
  .tiles.filter((t) => t.level === 0) as Tile[];

describe('leafGroupsOfTile', () => {
  describe('when given a full level-0 tile', () => {
    it('makes 16 rows of 1,088 bytes: the group subtree, then the siblings above it', () => {
      const tile = tiles[1]!;
      const rows = leafGroupsOfTile(tile);
      assert.equal(rows.length, LEAF_GROUPS_PER_TILE);
      rows.forEach((row, k) => {
        const g = LEAF_GROUPS_PER_TILE + k; // tile 1
        assert.equal(row.length, LEAF_GROUP_BYTES);
        const want = [
          ...[0, 1, 2, 3].flatMap((l) => Array.from({ length: 16 / 2 ** l }, (_, o) => ref.node(l, g * (16 / 2 ** l) + o))),
          ...[4, 5, 6, 7].map((l) => ref.node(l, Math.floor(g / 2 ** (l - 4)) % 2 === 0 ? Math.floor(g / 2 ** (l - 4)) + 1 : Math.floor(g / 2 ** (l - 4)) - 1)),
        ];
        assert.equal(hex(row), hex(Buffer.concat(want)), `group ${g}`);
      });
    });

    it('is undone byte for byte by tileFromLeafGroups', () => {
      for (const tile of tiles) {
        const back = tileFromLeafGroups(tile.index, leafGroupsOfTile(tile));
        assert.deepEqual([back.level, back.index, back.width], [0, tile.index, TILE_WIDTH]);
        assert.equal(hex(back.hashes), hex(tile.hashes));
      }
    });
  });

  describe('when the tile is partial, above level 0 or not in the full-tile layout', () => {
    it('throws INTERNAL', () => {
      const t = tiles[0]!;
      throwsCode(() => leafGroupsOfTile(buildTile(0, 0, t.hashes.subarray(0, 255 * 32))), 'INTERNAL');
      throwsCode(() => leafGroupsOfTile({ ...t, level: 1 }), 'INTERNAL');
      throwsCode(() => leafGroupsOfTile({ ...t, hashes: t.hashes.subarray(32) }), 'INTERNAL');
    });
  });
});

describe('tileFromLeafGroups', () => {
  describe('when a row is missing or has the wrong length', () => {
    it('throws CORRUPT', () => {
      const rows = leafGroupsOfTile(tiles[0]!);
      throwsCode(() => tileFromLeafGroups(0, rows.slice(1)), 'CORRUPT');
      throwsCode(() => tileFromLeafGroups(0, [...rows.slice(1), rows[0]!.subarray(1)]), 'CORRUPT');
    });
  });
});

describe('tileFromJoinedLeafGroups', () => {
  describe('when given the 16 rows joined end to end', () => {
    it('rebuilds the tile byte for byte, as tileFromLeafGroups does', () => {
      for (const tile of tiles) {
        const back = tileFromJoinedLeafGroups(tile.index, Buffer.concat(leafGroupsOfTile(tile)));
        assert.deepEqual([back.level, back.index, back.width], [0, tile.index, TILE_WIDTH]);
        assert.equal(hex(back.hashes), hex(tile.hashes));
      }
    });
  });

  describe('when the joined rows are not exactly 16 × 1,088 bytes', () => {
    it('throws CORRUPT', () => {
      const joined = Buffer.concat(leafGroupsOfTile(tiles[0]!));
      throwsCode(() => tileFromJoinedLeafGroups(0, joined.subarray(LEAF_GROUP_BYTES)), 'CORRUPT');
      throwsCode(() => tileFromJoinedLeafGroups(0, joined.subarray(1)), 'CORRUPT');
      throwsCode(() => tileFromJoinedLeafGroups(0, Buffer.concat([joined, joined.subarray(0, 32)])), 'CORRUPT');
    });
  });
});

describe('leafGroupFor and leafGroupNode', () => {
  const rows = new Map<number, Uint8Array>();
  for (const t of tiles) leafGroupsOfTile(t).forEach((r, k) => rows.set(t.index * LEAF_GROUPS_PER_TILE + k, r));

  describe('for every node of tree levels 0..7', () => {
    it('name a row that holds the node, and read it', () => {
      for (let level = 0; level < 8; level++) {
        for (let index = 0; index * 2 ** level < 3 * TILE_WIDTH; index++) {
          const g = leafGroupFor(level, index);
          const node = leafGroupNode(rows.get(g)!, g, level, index);
          assert.ok(node, `${level}/${index} in group ${g}`);
          assert.equal(hex(node), hex(ref.node(level, index)), `${level}/${index}`);
        }
      }
    });
  });

  describe('for the audit path of every leaf inside its level-0 tile', () => {
    it('keep to the leaf’s own group, whose row holds all 8 siblings', () => {
      for (let leaf = 0; leaf < 3 * TILE_WIDTH; leaf++) {
        const own = Math.floor(leaf / 16);
        for (let level = 0; level < 8; level++) {
          const a = Math.floor(leaf / 2 ** level);
          const sibling = a % 2 === 0 ? a + 1 : a - 1;
          assert.equal(leafGroupFor(level, sibling, own), own, `leaf ${leaf}, level ${level}`);
          assert.equal(hex(leafGroupNode(rows.get(own)!, own, level, sibling)!), hex(ref.node(level, sibling)));
        }
      }
    });
  });

  describe('when the row does not hold the node', () => {
    it('answers undefined (and CORRUPT for a malformed row)', () => {
      const row = rows.get(5)!;
      assert.equal(leafGroupNode(row, 5, 0, 16 * 6), undefined);
      assert.equal(leafGroupNode(row, 5, 4, 5), undefined, 'its own root is not in it');
      assert.equal(leafGroupNode(row, 5, 8, 0), undefined);
      throwsCode(() => leafGroupNode(row.subarray(1), 5, 0, 80), 'CORRUPT');
    });
  });

  describe('when group numbers pass 2^32', () => {
    it('uses exact arithmetic', () => {
      const g = 2 ** 40 + 3; // odd
      assert.equal(leafGroupFor(0, g * 16 + 7), g);
      assert.equal(leafGroupFor(4, g - 1, g), g);
      assert.equal(leafGroupFor(4, g), g - 1);
      assert.equal(leafGroupFor(7, Math.floor(g / 8) + 1), Math.floor(g / 8) * 8, 'first group under the sibling');
      const row = new Uint8Array(LEAF_GROUP_BYTES).map((_, i) => i % 251);
      assert.equal(hex(leafGroupNode(row, g, 4, g - 1)!), hex(row.subarray(30 * 32, 31 * 32)));
      assert.equal(hex(leafGroupNode(row, g, 1, g * 8 + 7)!), hex(row.subarray(23 * 32, 24 * 32)));
    });
  });
});
