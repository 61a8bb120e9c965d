/**
 * C2SP tlog-tiles geometry (c2sp.org/tlog-tiles, "Merkle Tree"): tiles of
 * height 8, width 256, and Cairn's "full tile" storage layout.
 *
 * A tile at level L, index N holds, in row 0, up to 256 hashes of complete
 * subtrees of 256^L leaves each: hash i is `MTH(D[(N·256+i)·256^L : (N·256+i+1)·256^L])`.
 * For storage Cairn keeps the tile's interior too, so proofs never rehash a tile:
 *
 *     hashes = row 0 (width × 32 bytes: exactly the C2SP tile of that width)
 *            ‖ row 1 (⌊width/2⌋ hashes: node hashes of pairs of row 0)
 *            ‖ …
 *            ‖ row 7 (⌊width/128⌋ hashes)
 *
 * Row r, offset o is the complete subtree at tree level 8L + r, index
 * N·2^(8−r) + o. Appending to row 0 only ever appends to each row, so a narrower
 * tile's rows are prefixes of a wider one's.
 *
 * Sizes and indices are JS numbers (safe integers); no bitwise operators.
 */
import { LogError } from '../errors.js';
import { HASH_SIZE, nodeHashOfPair } from './hash.js';
import { pow2 } from './pow2.js';

import { MAX_TILE_LEVEL, TILE_HEIGHT, TILE_WIDTH } from './tile-size.js';

export { MAX_TILE_LEVEL, TILE_HEIGHT, TILE_WIDTH };

/**
 * A hash tile in the full-tile layout above. Structurally identical to
 * `TileRow` in src/storage/types.ts. Tiles are immutable values: functions here
 * always return new tiles and never write into `hashes`; callers MUST NOT either.
 */
export interface Tile {
  /** Tile level L, 0..63. */
  readonly level: number;
  /** Tile index N at its level, ≥ 0. */
  readonly index: number;
  /** Hashes in row 0, 1..256 (256 = full). */
  readonly width: number;
  /** The full-tile layout: `tileLayoutBytes(width)` bytes. */
  readonly hashes: Uint8Array;
}

/** Reads a stored tile (full-tile layout) by coordinates; undefined when there is none. */
export type TileReader = (level: number, index: number) => Tile | undefined;

/** Coordinates of a tile at a given width, as in a tile path (`width` 256 = full). */
export interface TileRef {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** ROW_START[w][r]: first hash of row r in a tile of width w (r = 8 gives the total count). */
const ROW_START: readonly (readonly number[])[] = Array.from({ length: TILE_WIDTH + 1 }, (_, w) => {
  const starts = [0];
  for (let r = 0; r < TILE_HEIGHT; r++) starts.push((starts[r] ?? 0) + Math.floor(w / 2 ** r));
  return starts;
});

function rowStart(width: number, row: number): number {
  return ROW_START[width]?.[row] ?? 0;
}

/** Byte length of the full-tile layout of a tile of `width` hashes (16,320 for a full tile: 510 hashes). */
export function tileLayoutBytes(width: number): number {
  return rowStart(width, TILE_HEIGHT) * HASH_SIZE;
}

/**
 * Checks that `tile` is well formed (width 1..256, layout length matches) and,
 * when given, at the expected coordinates. Throws CORRUPT: tiles come from storage.
 */
export function checkTile(tile: Tile, level?: number, index?: number): void {
  const where = `tile ${tile.level}/${tile.index}`;
  if (!Number.isInteger(tile.width) || tile.width < 1 || tile.width > TILE_WIDTH) {
    throw new LogError('CORRUPT', `couldn't use ${where}: width ${tile.width} is not in 1..256`);
  }
  if (tile.hashes.length !== tileLayoutBytes(tile.width)) {
    throw new LogError(
      'CORRUPT',
      `couldn't use ${where}: ${tile.hashes.length} bytes, a width-${tile.width} tile has ${tileLayoutBytes(tile.width)}`,
    );
  }
  if ((level !== undefined && tile.level !== level) || (index !== undefined && tile.index !== index)) {
    throw new LogError('CORRUPT', `couldn't use ${where}: expected tile ${level}/${index}`);
  }
}

/**
 * Internal builder shared by buildTile, extendTile and RightEdge: a new tile
 * equal to `base` (or empty) with `more[from..to)` appended to row 0. Copies
 * base's rows and hashes only the new interior nodes: about one node hash per
 * new row-0 hash. Each `more[i]` MUST be 32 bytes.
 */
export function growTile(
  level: number,
  index: number,
  base: Tile | undefined,
  more: readonly Uint8Array[],
  from: number,
  to: number,
): Tile {
  const w0 = base === undefined ? 0 : base.width;
  const w1 = w0 + (to - from);
  if (w1 > TILE_WIDTH || w1 < 1) {
    throw new LogError('INTERNAL', `couldn't grow tile ${level}/${index}: width ${w1} is not in 1..256`);
  }
  const out = new Uint8Array(tileLayoutBytes(w1));
  if (base !== undefined) {
    for (let r = 0; r < TILE_HEIGHT; r++) {
      const n = Math.floor(w0 / pow2(r));
      const src = rowStart(w0, r) * HASH_SIZE;
      out.set(base.hashes.subarray(src, src + n * HASH_SIZE), rowStart(w1, r) * HASH_SIZE);
    }
  }
  for (let i = from; i < to; i++) {
    const h = more[i];
    if (h === undefined || h.length !== HASH_SIZE) {
      throw new LogError('INTERNAL', `couldn't grow tile ${level}/${index}: hash ${i} is not 32 bytes`);
    }
    out.set(h, (w0 + i - from) * HASH_SIZE);
  }
  for (let r = 1; r < TILE_HEIGHT; r++) {
    const below = rowStart(w1, r - 1) * HASH_SIZE;
    const here = rowStart(w1, r) * HASH_SIZE;
    for (let k = Math.floor(w0 / pow2(r)); k < Math.floor(w1 / pow2(r)); k++) {
      out.set(nodeHashOfPair(out, below + 2 * k * HASH_SIZE), here + k * HASH_SIZE);
    }
  }
  return { level, index, width: w1, hashes: out };
}

/** Splits concatenated 32-byte hashes into views (no copy). */
function splitHashes(bytes: Uint8Array, what: string): Uint8Array[] {
  if (bytes.length % HASH_SIZE !== 0) {
    throw new LogError('INTERNAL', `couldn't ${what}: ${bytes.length} bytes is not a whole number of hashes`);
  }
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += HASH_SIZE) out.push(bytes.subarray(at, at + HASH_SIZE));
  return out;
}

/**
 * Builds the full-tile layout from row 0. `row0` is the concatenation of 1..256
 * hashes, i.e. a C2SP tile's bytes; so this also expands a fetched C2SP tile.
 */
export function buildTile(level: number, index: number, row0: Uint8Array): Tile {
  const hashes = splitHashes(row0, `build tile ${level}/${index}`);
  return growTile(level, index, undefined, hashes, 0, hashes.length);
}

/**
 * Returns a new tile: `tile` with `moreRow0Hashes` (concatenated 32-byte
 * hashes) appended to row 0. Only the new interior nodes are hashed. The
 * result MUST NOT exceed 256 hashes (throws INTERNAL).
 */
export function extendTile(tile: Tile, moreRow0Hashes: Uint8Array): Tile {
  checkTile(tile);
  const hashes = splitHashes(moreRow0Hashes, `extend tile ${tile.level}/${tile.index}`);
  if (hashes.length === 0) return tile;
  return growTile(tile.level, tile.index, tile, hashes, 0, hashes.length);
}

/**
 * The C2SP tile of width `w` (default: the tile's width): the first w × 32
 * bytes of the layout. A view, not a copy. `w` MUST be in 1..tile.width.
 */
export function c2spTileBytes(tile: Tile, w: number = tile.width): Uint8Array {
  if (!Number.isInteger(w) || w < 1 || w > tile.width) {
    throw new LogError('INTERNAL', `couldn't cut tile ${tile.level}/${tile.index}: width ${w} is not in 1..${tile.width}`);
  }
  return tile.hashes.subarray(0, w * HASH_SIZE);
}

/**
 * Hash at row `r` (0..7), position `offset` of `tile` (a view, not a copy):
 * the complete subtree at tree level 8·level + r, index index·2^(8−r) + offset.
 * Throws INTERNAL when the row has no such hash (offset ≥ ⌊width/2^r⌋).
 */
export function tileNode(tile: Tile, r: number, offset: number): Uint8Array {
  if (!Number.isInteger(r) || r < 0 || r >= TILE_HEIGHT) {
    throw new LogError('INTERNAL', `couldn't read tile ${tile.level}/${tile.index}: row ${r} is not in 0..7`);
  }
  const count = Math.floor(tile.width / pow2(r));
  if (!Number.isInteger(offset) || offset < 0 || offset >= count) {
    throw new LogError(
      'INTERNAL',
      `couldn't read tile ${tile.level}/${tile.index}: row ${r} of a width-${tile.width} tile has no hash ${offset}`,
    );
  }
  const at = (rowStart(tile.width, r) + offset) * HASH_SIZE;
  // A plain Uint8Array view (Buffer#subarray, for tiles read from SQLite, builds a Buffer: slower).
  return new Uint8Array(tile.hashes.buffer, tile.hashes.byteOffset + at, HASH_SIZE);
}

/**
 * Root of a full tile (tree level 8·(level+1)): the node hash of row 7's two
 * hashes. This is hash `index mod 256` of row 0 of the tile above.
 */
export function tileRoot(tile: Tile): Uint8Array {
  if (tile.width !== TILE_WIDTH) {
    throw new LogError('INTERNAL', `couldn't take the root of tile ${tile.level}/${tile.index}: it is partial`);
  }
  return nodeHashOfPair(tile.hashes, rowStart(TILE_WIDTH, TILE_HEIGHT - 1) * HASH_SIZE);
}

function checkCount(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new LogError('BAD_REQUEST', `couldn't compute tiles: ${name} ${v} is not a non-negative safe integer`);
  }
}

/**
 * Width of tile (level, index) in the tree of size `treeSize`: 256 when full,
 * 1..255 when partial, 0 when it does not exist yet (c2sp.org/tlog-tiles:
 * a partial tile at level l has ⌊s / 256^l⌋ mod 256 hashes).
 */
export function tileWidthAt(level: number, index: number, treeSize: number): number {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw new LogError('BAD_REQUEST', `couldn't compute tile width: level ${level} is not in 0..63`);
  }
  checkCount('index', index);
  checkCount('tree size', treeSize);
  const hashesAtLevel = Math.floor(treeSize / TILE_WIDTH ** level);
  const start = index * TILE_WIDTH;
  return hashesAtLevel <= start ? 0 : Math.min(TILE_WIDTH, hashesAtLevel - start);
}

/**
 * The tiles a log MUST (re)publish when it grows from `oldSize` to `newSize`
 * (c2sp.org/tlog-tiles; Go x/mod `tlog.NewTiles` as of go.dev/cl/570295):
 * per level, every tile that became full, then the right-most partial tile at
 * its new width; levels that did not change are skipped. Ordered by level,
 * then index. Example: 0 → 70,000 gives the 273 full level-0 tiles, 0/273.p/112,
 * 1/000 (full: level 1 holds 273 hashes), 1/001.p/17 and 2/000.p/1.
 * Requires 0 ≤ oldSize ≤ newSize (SIZE_OUT_OF_RANGE otherwise).
 */
export function tilesForGrowth(oldSize: number, newSize: number): TileRef[] {
  checkCount('old size', oldSize);
  checkCount('new size', newSize);
  if (oldSize > newSize) {
    throw new LogError('SIZE_OUT_OF_RANGE', `couldn't compute tiles: old size ${oldSize} > new size ${newSize}`);
  }
  const tiles: TileRef[] = [];
  for (let level = 0; Math.floor(newSize / TILE_WIDTH ** level) > 0; level++) {
    const oldN = Math.floor(oldSize / TILE_WIDTH ** level);
    const newN = Math.floor(newSize / TILE_WIDTH ** level);
    if (oldN === newN) continue;
    const lastIndex = Math.floor(newN / TILE_WIDTH);
    for (let index = Math.floor(oldN / TILE_WIDTH); index < lastIndex; index++) {
      tiles.push({ level, index, width: TILE_WIDTH });
    }
    const width = newN - lastIndex * TILE_WIDTH;
    if (width > 0) tiles.push({ level, index: lastIndex, width });
  }
  return tiles;
}
