/**
 * RFC 6962 §2.1.1 (PATH) and §2.1.2 (PROOF / SUBPROOF) proof generation over
 * a reader of complete-subtree hashes. Proofs are ordered leaf-to-root, as
 * the RFC's recursion emits them and as Go x/mod `tlog.ProveRecord` /
 * `tlog.ProveTree` return them.
 *
 * Only complete subtrees are ever read; an incomplete right-edge subtree
 * (only one per proof) is folded from its complete parts. A proof costs
 * O(log n) reads whatever the tree size.
 *
 * Sizes and indices are JS numbers (safe integers); no bitwise operators.
 */
import { LogError } from '../errors.js';
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from './hash.js';
import { TILE_HEIGHT, type Tile, type TileReader, checkTile, tileNode } from './tile.js';

/**
 * Returns the hash of the COMPLETE subtree at tree level `level` and position
 * `index`, i.e. MTH(D[index·2^level : (index+1)·2^level]). Level 0 is leaf
 * hashes. Callers only ask for subtrees that lie entirely inside the tree.
 * MUST return 32 bytes or throw.
 */
export type NodeReader = (level: number, index: number) => Uint8Array;

function checkCount(what: string, name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new LogError('BAD_REQUEST', `couldn't ${what}: ${name} ${v} is not a non-negative safe integer`);
  }
}

/** Largest power of two strictly smaller than n (n ≥ 2): RFC 6962's k. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** log2 of a power of two (Math.log2 is exact on powers of two; checked anyway). */
function levelOf(powerOfTwo: number): number {
  const level = Math.round(Math.log2(powerOfTwo));
  if (2 ** level !== powerOfTwo) throw new LogError('INTERNAL', `${powerOfTwo} is not a power of two`);
  return level;
}

/**
 * Memo of incomplete-subtree hashes MTH(D[lo:hi]) keyed `lo:hi`. Leaves never
 * change, so an entry stays valid forever; proofs at the same tree size share
 * their right-edge part, which this saves recomputing. The caller bounds it.
 */
export type SubtreeMemo = Map<string, Uint8Array>;

/** Reads a complete subtree, checks the hash length and returns an owned copy. */
function readNode(read: NodeReader, level: number, index: number): Uint8Array {
  const h = read(level, index);
  if (h.length !== HASH_SIZE) {
    throw new LogError('CORRUPT', `couldn't read node ${level}/${index}: got ${h.length} bytes, not 32`);
  }
  return new Uint8Array(h);
}

/**
 * MTH(D[lo:hi]) for a range the RFC recursion produces: lo is a multiple of
 * the largest power of two ≤ hi − lo. One read if complete, else the RFC
 * split: complete left part, recursively folded right part.
 */
function subtreeHash(lo: number, hi: number, read: NodeReader, memo?: SubtreeMemo): Uint8Array {
  const n = hi - lo;
  const k = splitPoint(n);
  if (n === 1 || k * 2 === n) {
    if (lo % n !== 0) throw new LogError('INTERNAL', `couldn't hash [${lo}, ${hi}): not aligned`);
    const level = levelOf(n);
    return readNode(read, level, lo / n);
  }
  const key = memo === undefined ? '' : `${lo}:${hi}`;
  const known = memo?.get(key);
  if (known !== undefined) return new Uint8Array(known);
  const h = nodeHash(subtreeHash(lo, lo + k, read, memo), subtreeHash(lo + k, hi, read, memo));
  memo?.set(key, h);
  return new Uint8Array(h);
}

/**
 * RFC 6962 §2.1.1 audit path for leaf `index` in the tree of `size` leaves,
 * ordered from the leaf's sibling up to the root's child. Empty for size 1.
 * Throws BAD_REQUEST for non-integer input, SIZE_OUT_OF_RANGE when index ≥ size.
 */
export function inclusionProof(index: number, size: number, read: NodeReader, memo?: SubtreeMemo): Uint8Array[] {
  checkCount('prove inclusion', 'index', index);
  checkCount('prove inclusion', 'size', size);
  if (index >= size) {
    throw new LogError('SIZE_OUT_OF_RANGE', `couldn't prove inclusion: index ${index} is not below size ${size}`);
  }
  const path: Uint8Array[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      path.push(subtreeHash(lo + k, hi, read, memo));
      hi = lo + k;
    } else {
      path.push(subtreeHash(lo, lo + k, read, memo));
      lo += k;
    }
  }
  return path.reverse();
}

/**
 * RFC 6962 §2.1.2 consistency proof PROOF(oldSize, D[newSize]), ordered
 * leaf-to-root. Empty when oldSize is 0 or equal to newSize (the trivial
 * cases of RFC 9162 §2.1.4.2 verification).
 * Throws BAD_REQUEST for non-integer input, SIZE_OUT_OF_RANGE when oldSize > newSize.
 */
export function consistencyProof(oldSize: number, newSize: number, read: NodeReader): Uint8Array[] {
  checkCount('prove consistency', 'old size', oldSize);
  checkCount('prove consistency', 'new size', newSize);
  if (oldSize > newSize) {
    throw new LogError('SIZE_OUT_OF_RANGE', `couldn't prove consistency: old size ${oldSize} > new size ${newSize}`);
  }
  const proof: Uint8Array[] = [];
  if (oldSize === 0 || oldSize === newSize) return proof;
  // SUBPROOF(m, D[lo:hi], b), unrolled; `complete` is the RFC's b.
  let lo = 0;
  let hi = newSize;
  let complete = true;
  for (;;) {
    const n = hi - lo;
    if (oldSize - lo === n) {
      if (!complete) proof.push(subtreeHash(lo, hi, read));
      break;
    }
    const k = splitPoint(n);
    if (oldSize - lo <= k) {
      proof.push(subtreeHash(lo + k, hi, read));
      hi = lo + k;
    } else {
      proof.push(subtreeHash(lo, lo + k, read));
      lo += k;
      complete = false;
    }
  }
  return proof.reverse();
}

/** RFC 6962 §2.1 MTH(D[0:size]); SHA-256("") for size 0. O(log size) reads. */
export function rootAt(size: number, read: NodeReader): Uint8Array {
  checkCount('compute root', 'size', size);
  return size === 0 ? new Uint8Array(EMPTY_ROOT) : subtreeHash(0, size, read);
}

/**
 * A NodeReader over tiles in the full-tile layout (see tile.ts), for the tree
 * of `size` leaves. Node (l, i) is row l mod 8 of tile (⌊l/8⌋, ⌊i / 2^(8 − l mod 8)⌋).
 * `getTile` returns the stored tile at any width ≥ the one needed (a wider,
 * later version is fine: rows only grow). Remembers the last tile it fetched,
 * so make one per proof or request, not one per process.
 * The reader throws CORRUPT when a tile is missing, malformed or too narrow,
 * INTERNAL when asked for a node outside the tree of `size`.
 */
export function tileNodeReader(size: number, getTile: TileReader): NodeReader {
  checkCount('read tiles', 'size', size);
  let last: Tile | undefined;
  return (level, index) => {
    if (!Number.isSafeInteger(level) || level < 0 || !Number.isSafeInteger(index) || index < 0) {
      throw new LogError('INTERNAL', `couldn't read node ${level}/${index}: not a node`);
    }
    if ((index + 1) * 2 ** level > size) {
      throw new LogError('INTERNAL', `couldn't read node ${level}/${index}: not a complete subtree at size ${size}`);
    }
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const row = level % TILE_HEIGHT;
    const perTile = 2 ** (TILE_HEIGHT - row);
    const tileIndex = Math.floor(index / perTile);
    const offset = index - tileIndex * perTile;
    let tile = last;
    if (tile === undefined || tile.level !== tileLevel || tile.index !== tileIndex) {
      tile = getTile(tileLevel, tileIndex);
      if (tile === undefined) {
        throw new LogError('CORRUPT', `couldn't read node ${level}/${index}: tile ${tileLevel}/${tileIndex} is missing`);
      }
      checkTile(tile, tileLevel, tileIndex);
      last = tile;
    }
    const needed = (offset + 1) * 2 ** row;
    if (tile.width < needed) {
      throw new LogError(
        'CORRUPT',
        `couldn't read node ${level}/${index}: tile ${tileLevel}/${tileIndex} has width ${tile.width}, needs ${needed}`,
      );
    }
    return tileNode(tile, row, offset);
  };
}
