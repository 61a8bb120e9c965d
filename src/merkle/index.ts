/**
 * RFC 6962 Merkle core: hashing, C2SP tlog-tiles geometry and paths, the
 * right-edge append, proof generation and RFC 9162 verification. Pure: no
 * I/O, no clock, no environment. Import this barrel from outside src/merkle/.
 */
export { EMPTY_ROOT, HASH_SIZE, hashesEqual, leafHash, nodeHash } from './hash.js';
export {
  MAX_TILE_LEVEL,
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
} from './tile.js';
export type { Tile, TileReader, TileRef } from './tile.js';
export { formatTileIndex, formatTilePath, parseTileIndex, parseTilePath } from './tile-path.js';
export type { TileLevel, TilePath } from './tile-path.js';
export { RightEdge } from './compact.js';
export type { AppendResult } from './compact.js';
export { consistencyProof, inclusionProof, rootAt, tileNodeReader } from './proof.js';
export type { NodeReader, SubtreeMemo } from './proof.js';
export {
  LEAF_GROUPS_PER_TILE,
  LEAF_GROUP_BYTES,
  LEAF_GROUP_HASHES,
  LEAF_GROUP_WIDTH,
  leafGroupFor,
  leafGroupNode,
  leafGroupsOfTile,
  tileFromJoinedLeafGroups,
  tileFromLeafGroups,
} from './leaf-group.js';
export { proofNodeReader } from './proof-nodes.js';
export type { ProofNodeSources } from './proof-nodes.js';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify.js';
export type { TreeIndex } from './verify.js';
