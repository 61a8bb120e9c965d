/**
 * Leaf groups: how Cairn stores a FULL level-0 tile so that the level-0 part
 * of any inclusion proof is one small read.
 *
 * A full level-0 tile (c2sp.org/tlog-tiles, height 8) covers 256 leaves and
 * tree levels 0..7. It is split into 16 groups of 16 consecutive leaves; group
 * g (global number: leaves 16g .. 16g+15) is one row of 34 hashes (1,088 bytes):
 *
 *     hashes  0..15  tree level 0: the group's 16 leaf hashes
 *     hashes 16..23  tree level 1 (8 nodes)   ┐ every node of the group's own
 *     hashes 24..27  tree level 2 (4 nodes)   │ subtree except its root
 *     hashes 28..29  tree level 3 (2 nodes)   ┘
 *     hashes 30..33  tree levels 4, 5, 6, 7: the SIBLING of the group's
 *                    ancestor at that level (all inside the same tile)
 *
 * RFC 6962 §2.1.1: the audit path of leaf i climbs one level at a time and
 * takes the sibling at each level; within the leaf's level-0 tile those are
 * the siblings at levels 0..3 (inside the group) and 4..7 (hashes 30..33).
 * So one row answers the whole level-0 part of the proof of any of its leaves,
 * with no hashing. The rows are written once, when the tile becomes full (the
 * siblings above the group are known only then), and never change.
 *
 * Every node of the tile is in some row: levels 0..3 in their own group's
 * row, a node at level 4..7 as hash 30 + (level − 4) of the groups under its
 * sibling. So the 16 rows hold the whole tile; {@link tileFromLeafGroups}
 * (or {@link tileFromJoinedLeafGroups}, from the rows joined end to end)
 * rebuilds its full-tile layout without hashing.
 *
 * Indices are JS numbers; no bitwise operators (a group number can pass 2^32).
 */
import { LogError } from '../errors.js';
import { HASH_SIZE } from './hash.js';
import { pow2 } from './pow2.js';
import { TILE_HEIGHT, TILE_WIDTH, tileLayoutBytes, type Tile } from './tile.js';

/** Leaves per group (tree levels 0..3 of a group are its own subtree). */
export const LEAF_GROUP_WIDTH = 16;
/** Groups per full level-0 tile. */
export const LEAF_GROUPS_PER_TILE = TILE_WIDTH / LEAF_GROUP_WIDTH;
/** Hashes in a group row: 16 + 8 + 4 + 2 of its subtree, then 4 siblings above it. */
export const LEAF_GROUP_HASHES = 34;
/** Bytes of a group row (1,088). */
export const LEAF_GROUP_BYTES = LEAF_GROUP_HASHES * HASH_SIZE;

/** Tree levels inside a group's subtree, below its root. */
const GROUP_LEVELS = 4;
/** GROUP_ROW_START[l]: first hash of tree level l (0..3) in a group row; [4] is the first sibling above. */
const GROUP_ROW_START = [0, 16, 24, 28, 30] as const;
/** TILE_ROW_START[r]: first hash of row r in the full-tile layout of a full tile (see tile.ts). */
const TILE_ROW_START = [0, 256, 384, 448, 480, 496, 504, 508, 510] as const;

/** `x` with its lowest bit flipped (x XOR 1) without 32-bit bitwise operators. */
function sibling(x: number): number {
  return x % 2 === 0 ? x + 1 : x - 1;
}

function at(row: readonly number[], i: number): number {
  return row[i] ?? 0;
}

/**
 * The 16 group rows of a full level-0 tile (full-tile layout, width 256), in
 * group order: row k is group `tile.index · 16 + k`. Each row is a fresh
 * 1,088-byte array. Throws INTERNAL if `tile` is not a full level-0 tile with
 * the full-tile layout.
 */
export function leafGroupsOfTile(tile: Tile): Uint8Array[] {
  if (tile.level !== 0 || tile.width !== TILE_WIDTH || tile.hashes.length !== tileLayoutBytes(TILE_WIDTH)) {
    throw new LogError('INTERNAL', `couldn't split tile ${tile.level}/${tile.index} into leaf groups: not a full level-0 tile`);
  }
  const src = tile.hashes;
  const rows: Uint8Array[] = [];
  for (let k = 0; k < LEAF_GROUPS_PER_TILE; k++) {
    const row = new Uint8Array(LEAF_GROUP_BYTES);
    for (let l = 0; l < GROUP_LEVELS; l++) {
      const n = LEAF_GROUP_WIDTH / pow2(l);
      const from = (at(TILE_ROW_START, l) + k * n) * HASH_SIZE;
      row.set(src.subarray(from, from + n * HASH_SIZE), at(GROUP_ROW_START, l) * HASH_SIZE);
    }
    for (let l = GROUP_LEVELS; l < TILE_HEIGHT; l++) {
      const from = (at(TILE_ROW_START, l) + sibling(Math.floor(k / pow2(l - GROUP_LEVELS)))) * HASH_SIZE;
      row.set(src.subarray(from, from + HASH_SIZE), (at(GROUP_ROW_START, GROUP_LEVELS) + l - GROUP_LEVELS) * HASH_SIZE);
    }
    rows.push(row);
  }
  return rows;
}

/**
 * The full level-0 tile `index` (full-tile layout, width 256) from its 16
 * group rows in group order, without hashing: the inverse of
 * {@link leafGroupsOfTile}. Throws CORRUPT (rows come from storage) unless
 * there are 16 rows of 1,088 bytes.
 */
export function tileFromLeafGroups(index: number, rows: readonly Uint8Array[]): Tile {
  if (rows.length !== LEAF_GROUPS_PER_TILE || rows.some((r) => r.length !== LEAF_GROUP_BYTES)) {
    throw new LogError('CORRUPT', `couldn't read tile 0/${index}: ${rows.length} leaf-group rows of ${LEAF_GROUPS_PER_TILE} (or a row is not ${LEAF_GROUP_BYTES} bytes)`);
  }
  const joined = new Uint8Array(LEAF_GROUPS_PER_TILE * LEAF_GROUP_BYTES);
  rows.forEach((row, k) => joined.set(row, k * LEAF_GROUP_BYTES));
  return tileFromJoinedLeafGroups(index, joined);
}

/**
 * The same from the 16 group rows joined end to end in group order (16 ×
 * 1,088 bytes, as one store read can return them): no array of rows to
 * allocate. Throws CORRUPT unless `joined` is exactly that long.
 */
export function tileFromJoinedLeafGroups(index: number, joined: Uint8Array): Tile {
  if (joined.length !== LEAF_GROUPS_PER_TILE * LEAF_GROUP_BYTES) {
    throw new LogError('CORRUPT', `couldn't read tile 0/${index}: ${joined.length} bytes of leaf-group rows, not ${LEAF_GROUPS_PER_TILE} × ${LEAF_GROUP_BYTES}`);
  }
  const out = new Uint8Array(tileLayoutBytes(TILE_WIDTH));
  for (let k = 0; k < LEAF_GROUPS_PER_TILE; k++) {
    const row = k * LEAF_GROUP_BYTES;
    for (let l = 0; l < GROUP_LEVELS; l++) {
      const n = LEAF_GROUP_WIDTH / pow2(l);
      const from = row + at(GROUP_ROW_START, l) * HASH_SIZE;
      out.set(joined.subarray(from, from + n * HASH_SIZE), (at(TILE_ROW_START, l) + k * n) * HASH_SIZE);
    }
  }
  // Node (l, o) of rows 4..7 is the level-l sibling stored by the first group under node (l, o XOR 1).
  for (let l = GROUP_LEVELS; l < TILE_HEIGHT; l++) {
    const per = pow2(l - GROUP_LEVELS);
    for (let o = 0; o < LEAF_GROUPS_PER_TILE / per; o++) {
      const from = sibling(o) * per * LEAF_GROUP_BYTES + (at(GROUP_ROW_START, GROUP_LEVELS) + l - GROUP_LEVELS) * HASH_SIZE;
      out.set(joined.subarray(from, from + HASH_SIZE), (at(TILE_ROW_START, l) + o) * HASH_SIZE);
    }
  }
  return { level: 0, index, width: TILE_WIDTH, hashes: out };
}

/**
 * The group whose row holds complete node (`level`, `index`) of a level-0
 * tile (level 0..7): its own group for levels 0..3; for levels 4..7, the
 * group under the node's sibling, preferring `preferred` when that group's
 * row holds it. Callers pass the proof's leaf group as `preferred`, so every
 * level-0 node of an inclusion proof comes from the same row.
 */
export function leafGroupFor(level: number, index: number, preferred?: number): number {
  if (level < GROUP_LEVELS) return Math.floor(index / pow2(GROUP_LEVELS - level));
  const per = pow2(level - GROUP_LEVELS);
  if (preferred !== undefined && sibling(Math.floor(preferred / per)) === index) return preferred;
  return sibling(index) * per;
}

/**
 * Complete node (`level`, `index`) from the row of group `group` (a view into
 * `row`), or undefined when that row does not hold it (see
 * {@link leafGroupFor}). `level` MUST be 0..7; throws CORRUPT for a row that
 * is not 1,088 bytes.
 */
export function leafGroupNode(row: Uint8Array, group: number, level: number, index: number): Uint8Array | undefined {
  if (row.length !== LEAF_GROUP_BYTES) {
    throw new LogError('CORRUPT', `couldn't read leaf group ${group}: ${row.length} bytes, not ${LEAF_GROUP_BYTES}`);
  }
  let slot: number;
  if (level < GROUP_LEVELS) {
    const n = LEAF_GROUP_WIDTH / pow2(level);
    const offset = index - group * n;
    if (offset < 0 || offset >= n) return undefined;
    slot = at(GROUP_ROW_START, level) + offset;
  } else if (level < TILE_HEIGHT) {
    if (sibling(Math.floor(group / pow2(level - GROUP_LEVELS))) !== index) return undefined;
    slot = at(GROUP_ROW_START, GROUP_LEVELS) + level - GROUP_LEVELS;
  } else {
    return undefined;
  }
  return new Uint8Array(row.buffer, row.byteOffset + slot * HASH_SIZE, HASH_SIZE);
}
