/**
 * The NodeReader proofs use on a log whose full level-0 tiles are stored as
 * leaf groups (leaf-group.ts): what to read for each complete subtree a proof
 * asks for, so that an inclusion proof costs the same at every tree size.
 *
 * - Tree levels 0..7 inside a FULL level-0 tile: one leaf-group row. The rows
 *   are chosen so that every such node of the proof of leaf `leaf` comes from
 *   that leaf's own group: exactly one row read per inclusion proof.
 * - Everything else (tree levels ≥ 8, i.e. tiles of level ≥ 1, and the
 *   right-most, not yet full level-0 tile): whole tiles from `tile`, which the
 *   caller keeps in memory (they are 1/128 of the tree's hashes: ~2.5 MB at
 *   10M leaves).
 *
 * Pure: the sources are functions; nothing here does I/O or keeps state
 * beyond one proof.
 */
import { LogError } from '../errors.js';
import { LEAF_GROUP_WIDTH, leafGroupFor, leafGroupNode } from './leaf-group.js';
import { pow2 } from './pow2.js';
import { tileNodeReader, type NodeReader } from './proof.js';
import { TILE_HEIGHT, TILE_WIDTH, type TileReader } from './tile.js';

/** Where a proof's nodes come from. */
export interface ProofNodeSources {
  /** Tiles read whole: every tile of level ≥ 1, and level-0 tiles at or beyond `groupedLeaves`. */
  readonly tile: TileReader;
  /** The 1,088-byte row of leaf group `group` (leaves 16·group ..), or undefined if none is stored. */
  readonly leafGroup: (group: number) => Uint8Array | undefined;
  /**
   * Leaves covered by level-0 tiles stored as leaf groups: a multiple of 256,
   * at most the number of leaves in full tiles of the stored log. Level-0
   * tiles below it are read by group, the others whole.
   */
  readonly groupedLeaves: number;
}

/**
 * A NodeReader for proofs in the tree of `size` leaves that follow the audit
 * path of leaf `leaf` (for an inclusion proof, its index; for a consistency
 * proof, the last leaf of the old tree). Nodes off that path are still
 * answered, with one more group-row read each. Remembers the last row and
 * tile it read, so make one per proof.
 * Throws CORRUPT when a row or tile is missing or malformed, INTERNAL when
 * asked for a node outside the tree of `size`.
 */
export function proofNodeReader(size: number, sources: ProofNodeSources, leaf: number): NodeReader {
  const whole = tileNodeReader(size, sources.tile);
  const preferred = Math.floor(leaf / LEAF_GROUP_WIDTH);
  let lastGroup = -1;
  let lastRow: Uint8Array | undefined;
  return (level, index) => {
    if (level >= TILE_HEIGHT || (Math.floor(index / pow2(TILE_HEIGHT - level)) + 1) * TILE_WIDTH > sources.groupedLeaves) {
      return whole(level, index);
    }
    if (!Number.isSafeInteger(index) || index < 0 || !Number.isSafeInteger(level) || level < 0 || (index + 1) * pow2(level) > size) {
      throw new LogError('INTERNAL', `couldn't read node ${level}/${index}: not a complete subtree at size ${size}`);
    }
    const group = leafGroupFor(level, index, preferred);
    if (lastRow === undefined || lastGroup !== group) {
      lastRow = sources.leafGroup(group);
      if (lastRow === undefined) throw new LogError('CORRUPT', `couldn't read node ${level}/${index}: leaf group ${group} is missing`);
      lastGroup = group;
    }
    const node = leafGroupNode(lastRow, group, level, index);
    if (node === undefined) throw new LogError('INTERNAL', `couldn't read node ${level}/${index}: leaf group ${group} does not hold it`);
    return node;
  };
}
