/**
 * Proving consistency by recomputing the tree from tiles (c2sp.org/tlog-tiles),
 * pure: the server's proof endpoint is never used.
 *
 * From the last verified checkpoint (size M, root R_M) to a new one (N, R_N):
 * 1. rebuild the right edge of the tree of size M from the tiles the new
 *    checkpoint implies (only their prefixes are used) and require root R_M;
 * 2. append the leaf hashes M..N−1 from the level-0 tiles (and, when entry
 *    bundles are given, require every entry to hash to its tile's leaf hash);
 * 3. require root R_N.
 * Passing both checks is a consistency proof: R_N is the root of a tree whose
 * first M leaves have root R_M. Upper-level tiles are trusted only as far as
 * step 1 binds them to R_M; every node above M is rebuilt from leaves.
 */
import { LogError } from '../errors.js';
import {
  HASH_SIZE,
  RightEdge,
  TILE_WIDTH,
  buildTile,
  hashesEqual,
  leafHash,
  tileWidthAt,
  type Tile,
  type TileRef,
} from '../merkle/index.js';
import { hex, inconsistency, type KnownCheckpoint } from './evidence.js';

/** Key of a tile in a fetched-tiles map. */
export const tileKey = (level: number, index: number): string => `${level}/${index}`;

/**
 * The tiles of the tree of `newSize` that hold the right edge of the tree of
 * `size` (one per tile level where `size` has a partial tile), at their
 * widths in the tree of `newSize`: what {@link TreeRebuild.start} needs
 * (call it with size = old and size = new).
 */
export function edgeTiles(size: number, newSize: number): TileRef[] {
  const refs: TileRef[] = [];
  for (let level = 0; Math.floor(size / TILE_WIDTH ** level) > 0; level++) {
    if (Math.floor(size / TILE_WIDTH ** level) % TILE_WIDTH === 0) continue;
    const index = Math.floor(size / TILE_WIDTH ** (level + 1));
    refs.push({ level, index, width: tileWidthAt(level, index, newSize) });
  }
  return refs;
}

/** The level-0 tiles holding leaves oldSize..newSize−1, at their widths in the tree of newSize. */
export function leafTiles(oldSize: number, newSize: number): TileRef[] {
  const refs: TileRef[] = [];
  if (newSize <= oldSize) return refs;
  for (let index = Math.floor(oldSize / TILE_WIDTH); index * TILE_WIDTH < newSize; index++) {
    refs.push({ level: 0, index, width: tileWidthAt(0, index, newSize) });
  }
  return refs;
}

/** A fetched C2SP tile as a Tile; throws LOG_RESPONSE_INVALID unless it is exactly `width` hashes. */
export function tileFromBytes(ref: TileRef, bytes: Uint8Array): Tile {
  if (bytes.length !== ref.width * HASH_SIZE) {
    throw new LogError('LOG_RESPONSE_INVALID', `tile ${ref.level}/${ref.index} has ${bytes.length} bytes, expected ${ref.width} hashes`);
  }
  return buildTile(ref.level, ref.index, bytes);
}

/**
 * How far a rebuild got towards its target checkpoint: the first `next`
 * leaves were appended, and `root` is the root of those leaves as
 * recomputed. Saved in the monitor's state so that an interrupted catch-up
 * resumes here ({@link TreeRebuild.resume}).
 */
export interface RebuildPoint {
  readonly next: number;
  readonly root: Uint8Array;
}

/** A new entry met while rebuilding (when bundles are given). */
export interface NewEntry {
  readonly index: number;
  readonly body: Uint8Array;
  readonly leafHash: Uint8Array;
}

export class TreeRebuild {
  readonly #previous: KnownCheckpoint;
  readonly #current: KnownCheckpoint;
  readonly #edge: RightEdge;
  #next: number;

  private constructor(previous: KnownCheckpoint, current: KnownCheckpoint, edge: RightEdge) {
    this.#previous = previous;
    this.#current = current;
    this.#edge = edge;
    this.#next = previous.size;
  }

  /**
   * Step 1. `tiles` holds at least `edgeTiles(previous.size, current.size)`
   * and `edgeTiles(current.size, current.size)`. Throws INCONSISTENT with
   * evidence when the tiles do not give the previous root (saying whether
   * they give the current checkpoint's root, i.e. whether the log's current
   * tree simply does not contain the verified one).
   */
  static start(previous: KnownCheckpoint, current: KnownCheckpoint, tiles: ReadonlyMap<string, Tile>): TreeRebuild {
    const read = (l: number, i: number): Tile | undefined => tiles.get(tileKey(l, i));
    const edge = RightEdge.fromTiles(previous.size, read);
    if (!hashesEqual(edge.root(), previous.root)) {
      const currentFromTiles = RightEdge.fromTiles(current.size, read).root();
      const match = hashesEqual(currentFromTiles, current.root);
      throw inconsistency(
        match
          ? `the log's tree of size ${current.size} does not extend the tree of size ${previous.size} verified before: a fork`
          : `the tiles the log serves for size ${current.size} match neither checkpoint`,
        previous,
        current,
        {
          [`root of the first ${previous.size} leaves, from the tiles of size ${current.size}`]: hex(edge.root()),
          [`root of all ${current.size} leaves, from the same tiles`]: hex(currentFromTiles),
          'tiles match the new checkpoint': match,
        },
      );
    }
    return new TreeRebuild(previous, current, edge);
  }

  /**
   * Step 1 again, for a rebuild interrupted at `point` (which an earlier
   * rebuild towards the same `current` returned): rebuilds the right edge of
   * the first `point.next` leaves from `tiles` (at least
   * `edgeTiles(point.next, current.size)`) and requires `point.root`. The
   * tiles of the tree of `current.size` are fixed by its root, so tiles
   * giving another root now are evidence: INCONSISTENT.
   */
  static resume(previous: KnownCheckpoint, current: KnownCheckpoint, point: RebuildPoint, tiles: ReadonlyMap<string, Tile>): TreeRebuild {
    if (point.next < previous.size || point.next > current.size) {
      throw new LogError('INTERNAL', `couldn't resume at leaf ${point.next}: outside ${previous.size}..${current.size}`);
    }
    const edge = RightEdge.fromTiles(point.next, (l, i) => tiles.get(tileKey(l, i)));
    if (!hashesEqual(edge.root(), point.root)) {
      throw inconsistency(
        `the tiles the log serves for size ${current.size} no longer give the root of the first ${point.next} leaves recomputed from them before`,
        previous,
        current,
        {
          [`root of the first ${point.next} leaves, recomputed before`]: hex(point.root),
          [`root of the first ${point.next} leaves, from the tiles served now`]: hex(edge.root()),
        },
      );
    }
    const rebuild = new TreeRebuild(previous, current, edge);
    rebuild.#next = point.next;
    return rebuild;
  }

  /** Where the rebuild is: leaves appended and their root (see {@link RebuildPoint}). */
  point(): RebuildPoint {
    return { next: this.#next, root: this.#edge.root() };
  }

  /** Bytes of hashes the rebuild holds: the right edge only, O(log n) whatever the log's size. */
  heldBytes(): number {
    return this.#edge.heldBytes();
  }

  /**
   * Step 2, for each of `leafTiles(previous.size, current.size)` in order:
   * appends the tile's leaves in range. With `bundle` (the entry bundle of
   * the same width), checks each entry hashes to its leaf and returns the new
   * entries in range. Throws INCONSISTENT when an entry does not hash to its
   * tile's leaf, INTERNAL when tiles come out of order.
   */
  appendTile(tile: Tile, bundle?: readonly Uint8Array[]): NewEntry[] {
    const first = tile.index * TILE_WIDTH;
    if (tile.level !== 0 || this.#next < first || this.#next >= first + tile.width) {
      throw new LogError('INTERNAL', `couldn't append tile ${tile.level}/${tile.index}: leaf ${this.#next} is next`);
    }
    const end = Math.min(this.#current.size, first + tile.width);
    const hashes: Uint8Array[] = [];
    const entries: NewEntry[] = [];
    for (let i = this.#next; i < end; i++) {
      const h = tile.hashes.subarray((i - first) * HASH_SIZE, (i - first + 1) * HASH_SIZE);
      hashes.push(h);
      if (bundle === undefined) continue;
      const body = bundle[i - first] ?? new Uint8Array(0);
      const lh = leafHash(body);
      if (!hashesEqual(lh, h)) {
        throw inconsistency(`entry ${i} in the entry bundle does not hash to leaf ${i} of the tile`, this.#previous, this.#current, {
          [`leaf hash of entry ${i} from the bundle`]: hex(lh),
          [`leaf ${i} in tile 0/${tile.index}`]: hex(h),
        });
      }
      entries.push({ index: i, body, leafHash: lh });
    }
    this.#edge.append(hashes);
    this.#next = end;
    return entries;
  }

  /** Step 3: throws INCONSISTENT unless the rebuilt root is the current checkpoint's. */
  finish(): void {
    if (this.#next !== this.#current.size) {
      throw new LogError('INTERNAL', `couldn't finish: ${this.#next} of ${this.#current.size} leaves appended`);
    }
    const root = this.#edge.root();
    if (!hashesEqual(root, this.#current.root)) {
      throw inconsistency(
        `the leaves ${this.#previous.size}..${this.#current.size - 1}, appended to the tree of size ${this.#previous.size} verified before, do not give the new checkpoint's root`,
        this.#previous,
        this.#current,
        { [`root recomputed from the tree of size ${this.#previous.size} and the leaves of the level-0 tiles`]: hex(root) },
      );
    }
  }
}
