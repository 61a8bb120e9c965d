/**
 * The right edge of the tree: what the sequencer needs to append leaves and
 * compute the new root without reading anything back.
 *
 * State: for each tile level, the right-most *partial* tile (at most one per
 * level; none where the level's width is a multiple of 256). For a tree of
 * size n that is O(log n) tiles (≤ 7 for n < 2^53). Full tiles are never
 * needed again: their root has already moved to row 0 of the level above.
 *
 * The root is the RFC 6962 §2.1 MTH: the tree decomposes into one complete
 * subtree per set bit of n, largest (left-most) first; bit 8L + r of n is bit
 * r of level L's width, and that subtree is the last hash of row r of the
 * level-L edge tile. Folding them right to left gives MTH(D[0:n]).
 */
import { LogError } from '../errors.js';
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from './hash.js';
import {
  TILE_HEIGHT,
  TILE_WIDTH,
  type Tile,
  type TileReader,
  type TileRef,
  buildTile,
  c2spTileBytes,
  checkTile,
  growTile,
  tileNode,
  tileRoot,
} from './tile.js';

/** What one append produced. */
export interface AppendResult {
  /** Tree size after the append. */
  readonly size: number;
  /** RFC 6962 root at `size`. */
  readonly root: Uint8Array;
  /**
   * Every tile created or changed, ordered by level then index: tiles that
   * became full (each once), then each level's partial tile at its new width.
   * Exactly the coordinates of `tilesForGrowth(oldSize, size)`.
   */
  readonly tiles: readonly Tile[];
}

/**
 * Right-edge compact state of a log (one per sequencer). Not thread-safe, no
 * I/O. `append` either applies completely or throws and changes nothing; to
 * undo an append whose commit failed, keep a `clone()` taken before it (or
 * rebuild with `fromTiles`).
 */
export class RightEdge {
  #size: number;
  /** #edge[L]: partial tile at level L, or undefined when the level's width is 0. */
  #edge: (Tile | undefined)[];
  #root: Uint8Array;

  private constructor(size: number, edge: (Tile | undefined)[]) {
    this.#size = size;
    this.#edge = edge;
    this.#root = computeRoot(edge);
  }

  /** The empty tree (size 0, root SHA-256("")). */
  static empty(): RightEdge {
    return new RightEdge(0, []);
  }

  /**
   * Rebuilds the right edge of the tree of `size` from stored tiles: reads one
   * tile per level whose width at `size` is non-zero. A stored tile may be
   * wider than needed (only its prefix is used). Each tile's interior rows are
   * recomputed from its row 0 and compared with the stored ones.
   * Throws CORRUPT when a tile is missing, malformed, too narrow or
   * inconsistent; BAD_REQUEST when `size` is not a safe integer ≥ 0.
   */
  static fromTiles(size: number, readTile: TileReader): RightEdge {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new LogError('BAD_REQUEST', `couldn't rebuild the right edge: size ${size} is not a non-negative safe integer`);
    }
    const edge: (Tile | undefined)[] = [];
    for (let level = 0; Math.floor(size / TILE_WIDTH ** level) > 0; level++) {
      const width = Math.floor(size / TILE_WIDTH ** level) % TILE_WIDTH;
      const index = Math.floor(size / TILE_WIDTH ** (level + 1));
      edge.push(width === 0 ? undefined : edgeTileFromStore(size, level, index, width, readTile));
    }
    return new RightEdge(size, edge);
  }

  /**
   * The tiles {@link fromTiles} reads for the tree of `size`, at the widths it
   * needs (a stored tile may be wider): one per level whose width at `size` is
   * non-zero, level 0 first. Lets a caller whose store answers asynchronously
   * read them all at once before rebuilding.
   */
  static tilesRead(size: number): TileRef[] {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new LogError('BAD_REQUEST', `couldn't list the right edge's tiles: size ${size} is not a non-negative safe integer`);
    }
    const refs: TileRef[] = [];
    for (let level = 0; Math.floor(size / TILE_WIDTH ** level) > 0; level++) {
      const width = Math.floor(size / TILE_WIDTH ** level) % TILE_WIDTH;
      if (width !== 0) refs.push({ level, index: Math.floor(size / TILE_WIDTH ** (level + 1)), width });
    }
    return refs;
  }

  /** Number of leaves in the tree. */
  get size(): number {
    return this.#size;
  }

  /** RFC 6962 root of the current tree (SHA-256("") when empty). The same array on each call: do not mutate. */
  root(): Uint8Array {
    return this.#root;
  }

  /** Bytes of hashes held (the partial tiles, interior rows included): O(log n), at most one full tile's layout per level. */
  heldBytes(): number {
    return this.#edge.reduce((sum, t) => sum + (t?.hashes.byteLength ?? 0), 0);
  }

  /** An independent copy of this state (cheap: tiles are immutable and shared). */
  clone(): RightEdge {
    return new RightEdge(this.#size, this.#edge.slice());
  }

  /**
   * Appends leaf hashes (each 32 bytes: SHA-256(0x00 ‖ entry)) in order.
   * Costs about one node hash per leaf plus O(log n) for the root, and one copy
   * of each touched edge tile: no per-leaf tile rebuilding. An empty batch
   * returns the current size and root and no tiles.
   * Throws INTERNAL (and changes nothing) on a hash that is not 32 bytes, or
   * when the size would pass 2^53 − 1.
   */
  append(leafHashes: readonly Uint8Array[]): AppendResult {
    const newSize = this.#size + leafHashes.length;
    if (!Number.isSafeInteger(newSize)) {
      throw new LogError('INTERNAL', `couldn't append ${leafHashes.length} leaves: size would pass 2^53 − 1`);
    }
    leafHashes.forEach((h, i) => {
      if (h.length !== HASH_SIZE) {
        throw new LogError('INTERNAL', `couldn't append: leaf hash ${i} is ${h.length} bytes, not 32`);
      }
    });
    const edge = this.#edge.slice();
    const tiles: Tile[] = [];
    let incoming: readonly Uint8Array[] = leafHashes;
    for (let level = 0; incoming.length > 0; level++) {
      incoming = appendAtLevel(edge, level, this.#size, incoming, tiles);
    }
    const root = computeRoot(edge);
    this.#size = newSize;
    this.#edge = edge;
    this.#root = root;
    return { size: newSize, root, tiles };
  }
}

/**
 * Appends `incoming` to row 0 of tile level `level`, updating `edge[level]`
 * and pushing every changed tile to `out`. Returns the roots of the tiles that
 * became full: what goes to row 0 of the level above.
 */
function appendAtLevel(
  edge: (Tile | undefined)[],
  level: number,
  oldSize: number,
  incoming: readonly Uint8Array[],
  out: Tile[],
): Uint8Array[] {
  let current = edge[level];
  // With no partial tile, the level's width is a multiple of 256: the next tile starts fresh.
  let index = current === undefined ? Math.floor(oldSize / TILE_WIDTH ** (level + 1)) : current.index;
  const parents: Uint8Array[] = [];
  for (let at = 0; at < incoming.length; ) {
    const take = Math.min(TILE_WIDTH - (current === undefined ? 0 : current.width), incoming.length - at);
    const tile = growTile(level, index, current, incoming, at, at + take);
    at += take;
    out.push(tile);
    if (tile.width === TILE_WIDTH) {
      parents.push(tileRoot(tile));
      current = undefined;
      index++;
    } else {
      current = tile;
    }
  }
  while (edge.length <= level) edge.push(undefined);
  edge[level] = current;
  return parents;
}

/** Folds the complete subtrees of the edge, right-most (smallest) first. */
function computeRoot(edge: readonly (Tile | undefined)[]): Uint8Array {
  let acc: Uint8Array | undefined;
  for (const tile of edge) {
    if (tile === undefined) continue;
    for (let r = 0; r < TILE_HEIGHT; r++) {
      const count = Math.floor(tile.width / 2 ** r);
      if (count % 2 === 1) {
        const h = tileNode(tile, r, count - 1);
        acc = acc === undefined ? h : nodeHash(h, acc);
      }
    }
  }
  // A copy: with a single subtree, acc is a view into a tile.
  return new Uint8Array(acc ?? EMPTY_ROOT);
}

/** Reads and checks the level's edge tile and returns its prefix of `width` hashes. */
function edgeTileFromStore(size: number, level: number, index: number, width: number, readTile: TileReader): Tile {
  const where = `couldn't rebuild the right edge at size ${size}: tile ${level}/${index}`;
  const stored = readTile(level, index);
  if (stored === undefined) throw new LogError('CORRUPT', `${where} is missing`);
  checkTile(stored, level, index);
  if (stored.width < width) {
    throw new LogError('CORRUPT', `${where} has width ${stored.width}, the tree needs ${width}`);
  }
  const rebuilt = buildTile(level, index, c2spTileBytes(stored, width));
  for (let r = 1; r < TILE_HEIGHT; r++) {
    for (let k = 0; k < Math.floor(width / 2 ** r); k++) {
      if (Buffer.compare(tileNode(rebuilt, r, k), tileNode(stored, r, k)) !== 0) {
        throw new LogError('CORRUPT', `${where}: row ${r} hash ${k} does not match the hashes of row ${r - 1}`);
      }
    }
  }
  return rebuilt;
}
