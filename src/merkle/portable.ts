/**
 * The part of the Merkle core that runs in browsers too (no node: imports):
 * RFC 9162 verification over an injected SHA-256, and tile geometry and
 * paths. The browser-safe client (src/client) imports this barrel; the rest
 * of the code imports index.ts, whose hashing is node:crypto's.
 */
export { HASH_SIZE, hashHex, hashesEqual } from './hasher.js';
export type { MerkleHasher } from './hasher.js';
export { proofVerifier } from './rfc9162.js';
export type { ProofVerifier, TreeIndex } from './rfc9162.js';
export { MAX_TILE_LEVEL, TILE_HEIGHT, TILE_WIDTH } from './tile-size.js';
export { formatTileIndex, formatTilePath, parseTileIndex, parseTilePath } from './tile-path.js';
export type { TileLevel, TilePath } from './tile-path.js';
