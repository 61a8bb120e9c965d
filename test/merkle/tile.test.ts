import assert from 'node:assert/strict';

import {
  TILE_HEIGHT,
  TILE_WIDTH,
  buildTile,
  c2spTileBytes,
  checkTile,
  extendTile,
  tileLayoutBytes,
  tileNode,
  tileRoot,
  tileWidthAt,
  tilesForGrowth,
  type TileRef,
} from '../../src/merkle/index.js';
import { entries, hex, seededRandom, throwsCode } from '../support/merkle.js';
import { ReferenceTree } from '../support/reference-tree.js';

const ref = new ReferenceTree(entries(512));
const row0 = (from: number, to: number): Uint8Array => Buffer.concat(ref.leafHashes.slice(from, to));

/** The definition: every tile whose width differs between the two sizes, at its new width. */
function tilesByDefinition(oldSize: number, newSize: number): TileRef[] {
  const out: TileRef[] = [];
  for (let level = 0; level < 8; level++) {
    const first = Math.floor(oldSize / TILE_WIDTH ** (level + 1));
    const last = Math.floor(newSize / TILE_WIDTH ** (level + 1));
    for (let index = first; index <= last; index++) {
      const width = tileWidthAt(level, index, newSize);
      if (width > 0 && width !== tileWidthAt(level, index, oldSize)) out.push({ level, index, width });
    }
  }
  return out;
}

describe('tileWidthAt', () => {
  describe('when the tile is full, partial or absent', () => {
    const table: [number, number, number, number][] = [
      [0, 0, 0, 0],
      [0, 0, 1, 1],
      [0, 0, 255, 255],
      [0, 0, 256, 256],
      [0, 1, 256, 0],
      [1, 0, 255, 0],
      [1, 0, 256, 1],
      [0, 272, 70_000, 256],
      [0, 273, 70_000, 112],
      [0, 274, 70_000, 0],
      [1, 0, 70_000, 256],
      [1, 1, 70_000, 17],
      [2, 0, 70_000, 1],
      [3, 0, 70_000, 0],
      [6, 0, Number.MAX_SAFE_INTEGER, 31],
      [63, 0, Number.MAX_SAFE_INTEGER, 0],
    ];
    for (const [level, index, size, width] of table) {
      it(`tile ${level}/${index} at size ${size} has width ${width}`, () => {
        assert.equal(tileWidthAt(level, index, size), width);
      });
    }
  });

  describe('when an argument is invalid', () => {
    it('throws BAD_REQUEST', () => {
      throwsCode(() => tileWidthAt(64, 0, 1), 'BAD_REQUEST');
      throwsCode(() => tileWidthAt(0, -1, 1), 'BAD_REQUEST');
      throwsCode(() => tileWidthAt(0, 0, 2 ** 53), 'BAD_REQUEST');
    });
  });
});

describe('tilesForGrowth', () => {
  describe('when growing from 0 to 70,000 (tlog-standards §4)', () => {
    it('lists 273 full level-0 tiles, 0/273.p/112, 1/000, 1/001.p/17 and 2/000.p/1', () => {
      const want: TileRef[] = [];
      for (let index = 0; index < 273; index++) want.push({ level: 0, index, width: 256 });
      want.push({ level: 0, index: 273, width: 112 });
      want.push({ level: 1, index: 0, width: 256 }, { level: 1, index: 1, width: 17 }, { level: 2, index: 0, width: 1 });
      assert.deepEqual(tilesForGrowth(0, 70_000), want);
    });
  });

  describe('when a level does not change', () => {
    it('skips it', () => {
      assert.deepEqual(tilesForGrowth(256, 257), [{ level: 0, index: 1, width: 1 }]);
      assert.deepEqual(tilesForGrowth(69_990, 70_000), [{ level: 0, index: 273, width: 112 }]);
      assert.deepEqual(tilesForGrowth(5, 5), []);
      assert.deepEqual(tilesForGrowth(0, 0), []);
    });
  });

  describe('when a tile becomes full', () => {
    it('lists the full tile and the new partial tile above it', () => {
      assert.deepEqual(tilesForGrowth(255, 256), [
        { level: 0, index: 0, width: 256 },
        { level: 1, index: 0, width: 1 },
      ]);
      assert.deepEqual(tilesForGrowth(65_535, 65_536), [
        { level: 0, index: 255, width: 256 },
        { level: 1, index: 0, width: 256 },
        { level: 2, index: 0, width: 1 },
      ]);
    });
  });

  describe('when growing between random sizes', () => {
    it('equals the set of tiles whose width changed, in level then index order', () => {
      const rand = seededRandom('tilesForGrowth');
      for (let i = 0; i < 300; i++) {
        const base = [rand(1000), rand(70_000), rand(20_000_000), Number.MAX_SAFE_INTEGER - 300_000][i % 4] ?? 0;
        const oldSize = base + rand(1000);
        const newSize = oldSize + [rand(3), rand(600), rand(200_000)][i % 3]!;
        assert.deepEqual(tilesForGrowth(oldSize, newSize), tilesByDefinition(oldSize, newSize), `${oldSize} → ${newSize}`);
      }
    });
  });

  describe('when the old size is larger than the new', () => {
    it('throws SIZE_OUT_OF_RANGE', () => {
      throwsCode(() => tilesForGrowth(2, 1), 'SIZE_OUT_OF_RANGE');
    });
  });
});

describe('buildTile', () => {
  describe('when given 1..256 level-0 hashes', () => {
    it('stores every interior node of the tile, each equal to the reference MTH', () => {
      for (let w = 1; w <= TILE_WIDTH; w++) {
        const tile = buildTile(0, 1, row0(256, 256 + w));
        assert.equal(tile.width, w);
        assert.equal(tile.hashes.length, tileLayoutBytes(w));
        assert.equal(hex(c2spTileBytes(tile)), hex(row0(256, 256 + w)));
        for (let r = 0; r < TILE_HEIGHT; r++) {
          const count = Math.floor(w / 2 ** r);
          for (let o = 0; o < count; o++) {
            const want = ref.mth(256 + o * 2 ** r, 256 + (o + 1) * 2 ** r);
            assert.equal(hex(tileNode(tile, r, o)), hex(want), `width ${w} row ${r} offset ${o}`);
          }
          throwsCode(() => tileNode(tile, r, count), 'INTERNAL');
        }
      }
    });

    it('has a full-tile layout of 510 hashes and a root equal to MTH of its 256 leaves', () => {
      const tile = buildTile(0, 0, row0(0, 256));
      assert.equal(tileLayoutBytes(256), 510 * 32);
      assert.equal(hex(tileRoot(tile)), hex(ref.mth(0, 256)));
      throwsCode(() => tileRoot(buildTile(0, 0, row0(0, 255))), 'INTERNAL');
    });
  });

  describe('when row 0 is empty, too long or not whole hashes', () => {
    it('throws INTERNAL', () => {
      throwsCode(() => buildTile(0, 0, new Uint8Array(0)), 'INTERNAL');
      throwsCode(() => buildTile(0, 0, new Uint8Array(257 * 32)), 'INTERNAL');
      throwsCode(() => buildTile(0, 0, new Uint8Array(33)), 'INTERNAL');
    });
  });
});

describe('extendTile', () => {
  describe('when appending to a partial tile', () => {
    it('gives the same bytes as building the wider tile and leaves the original untouched', () => {
      const rand = seededRandom('extendTile');
      for (let w0 = 1; w0 < TILE_WIDTH; w0++) {
        const w1 = w0 + 1 + rand(TILE_WIDTH - w0);
        const before = buildTile(0, 0, row0(0, w0));
        const saved = hex(before.hashes);
        const extended = extendTile(before, row0(w0, w1));
        assert.equal(hex(extended.hashes), hex(buildTile(0, 0, row0(0, w1)).hashes), `${w0} → ${w1}`);
        assert.equal(hex(before.hashes), saved);
        assert.equal(before.width, w0);
      }
    });
  });

  describe('when the result would exceed 256 hashes', () => {
    it('throws INTERNAL', () => {
      throwsCode(() => extendTile(buildTile(0, 0, row0(0, 200)), row0(200, 257)), 'INTERNAL');
    });
  });
});

describe('c2spTileBytes', () => {
  describe('when asked for a narrower width', () => {
    it('returns that prefix of row 0', () => {
      const tile = buildTile(0, 0, row0(0, 100));
      assert.equal(hex(c2spTileBytes(tile, 7)), hex(row0(0, 7)));
      throwsCode(() => c2spTileBytes(tile, 101), 'INTERNAL');
      throwsCode(() => c2spTileBytes(tile, 0), 'INTERNAL');
    });
  });
});

describe('checkTile', () => {
  describe('when the tile is malformed or misplaced', () => {
    it('throws CORRUPT', () => {
      const good = buildTile(0, 3, row0(0, 10));
      checkTile(good, 0, 3);
      throwsCode(() => checkTile({ ...good, width: 11 }), 'CORRUPT');
      throwsCode(() => checkTile({ ...good, width: 0 }), 'CORRUPT');
      throwsCode(() => checkTile({ ...good, hashes: good.hashes.subarray(32) }), 'CORRUPT');
      throwsCode(() => checkTile(good, 0, 4), 'CORRUPT');
      throwsCode(() => checkTile(good, 1, 3), 'CORRUPT');
    });
  });
});
