/**
 * A tree's root recomputed from its hash tiles (c2sp.org/tlog-tiles), so a
 * client can check that the tiles a log serves are the tree its checkpoint
 * signs.
 *
 * The root of a tree of size n is the fold, right to left, of the roots of
 * the perfect subtrees of n's binary decomposition (RFC 6962 §2.1). A perfect
 * subtree of height h = 8·L + r starting at leaf k·2^h is the root of the 2^r
 * consecutive hashes k·2^r … (k+1)·2^r − 1 of tile level L (a tile at level L
 * stores the nodes of height 8·L), which lie in one tile since 2^r ≤ 128
 * divides 256. So one tile per level at most, and only from the right edge.
 */
import { LogError } from '../errors.js';
import { HASH_SIZE, TILE_HEIGHT, TILE_WIDTH, hashHex, hashesEqual } from '../merkle/portable.js';
import type { Checkpoint } from '../note/portable.js';
import { nobleHasher } from './crypto.js';

/** Reads hash tile (level, index) of `width` hashes (256 = full), as the log serves it. */
export type TileFetcher = (level: number, index: number, width: number) => Promise<Uint8Array>;

/**
 * What reading a tiled log takes (c2sp.org/tlog-tiles), unverified bytes
 * and text: RekorClient over HTTP; a test may serve a tree from memory.
 * Failures are LogErrors as RekorClient's (LOG_UNREACHABLE, LOG_REJECTED,
 * LOG_RESPONSE_INVALID).
 */
export interface TiledLog {
  /** The latest checkpoint note (`/checkpoint`); undefined when the log has none. */
  checkpoint(): Promise<string | undefined>;
  /** Hash tile (level, index) of `width` hashes (256 = full), the full tile's prefix when the partial one is gone. */
  tile(level: number, index: number, width: number): Promise<Uint8Array>;
  /** Entry bundle `index` of `width` entries (256 = full), likewise. */
  entryBundle(index: number, width: number): Promise<Uint8Array>;
}

/** The root of the tree of `size` leaves, from tiles. Throws PROOF_INVALID when a tile has the wrong length. */
export async function rootFromTiles(size: number, fetchTile: TileFetcher): Promise<Uint8Array> {
  if (!Number.isSafeInteger(size) || size < 0) throw new LogError('PROOF_INVALID', `couldn't read tiles: size ${size} is not a non-negative integer`);
  if (size === 0) return nobleHasher.emptyRoot;
  const cache = new Map<string, Promise<Uint8Array>>();
  const tile = (level: number, index: number, width: number): Promise<Uint8Array> => {
    const key = `${level}/${index}/${width}`;
    let t = cache.get(key);
    if (t === undefined) {
      t = fetchTile(level, index, width).then((bytes) => {
        if (bytes.length !== width * HASH_SIZE) {
          throw new LogError('PROOF_INVALID', `couldn't read tiles: tile ${level}/${index} has ${bytes.length} bytes, not ${width * HASH_SIZE}`);
        }
        return bytes;
      });
      cache.set(key, t);
    }
    return t;
  };
  // The perfect subtrees of the decomposition, left to right: (height, start leaf).
  const subtrees: { height: number; start: number }[] = [];
  let start = 0;
  for (let h = 52; h >= 0; h--) {
    const width = 2 ** h;
    if (size - start >= width) {
      subtrees.push({ height: h, start });
      start += width;
    }
  }
  const roots: Uint8Array[] = [];
  for (const { height, start: first } of subtrees) {
    const level = Math.floor(height / TILE_HEIGHT);
    const r = height % TILE_HEIGHT;
    const span = 2 ** (TILE_HEIGHT * level); // leaves per hash at this tile level
    const at = first / span; // index of the first hash at this level
    const count = 2 ** r;
    const index = Math.floor(at / TILE_WIDTH);
    const entriesAtLevel = Math.floor(size / span);
    const width = Math.min(TILE_WIDTH, entriesAtLevel - index * TILE_WIDTH);
    const bytes = await tile(level, index, width);
    const offset = at - index * TILE_WIDTH;
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < count; i++) hashes.push(Uint8Array.from(bytes.subarray((offset + i) * HASH_SIZE, (offset + i + 1) * HASH_SIZE)));
    roots.push(perfectRoot(hashes));
  }
  let root = roots[roots.length - 1] as Uint8Array;
  for (let i = roots.length - 2; i >= 0; i--) root = nobleHasher.nodeHash(roots[i] as Uint8Array, root);
  return root;
}

/** Checks that the log's tiles hash to `checkpoint`'s root. Throws PROOF_INVALID saying what differs. */
export async function verifyTiles(checkpoint: Checkpoint, fetchTile: TileFetcher): Promise<void> {
  const root = await rootFromTiles(checkpoint.size, fetchTile);
  if (!hashesEqual(root, checkpoint.root)) {
    throw new LogError('PROOF_INVALID', `couldn't verify tiles: they hash to ${hashHex(root)}, the checkpoint of size ${checkpoint.size} states ${hashHex(checkpoint.root)}`);
  }
}

function perfectRoot(hashes: Uint8Array[]): Uint8Array {
  let level = hashes;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nobleHasher.nodeHash(level[i] as Uint8Array, level[i + 1] as Uint8Array));
    level = next;
  }
  return level[0] as Uint8Array;
}
