/** C2SP tlog-tiles geometry constants. Portable: no node: imports. */

/** Tile height: tree levels per tile (C2SP tlog-tiles: fixed at 8). */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile's row 0 (2^TILE_HEIGHT). */
export const TILE_WIDTH = 256;
/** Highest tile level allowed by C2SP tlog-tiles paths. */
export const MAX_TILE_LEVEL = 63;
