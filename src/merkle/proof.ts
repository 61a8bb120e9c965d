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
import { floorLog2, pow2 } from './pow2.js';
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
  return pow2(floorLog2(n - 1));
}

/**
 * Memo of incomplete-subtree hashes MTH(D[lo:hi]), keyed by hi (always the
 * proof's tree size: only the right edge is incomplete), then lo; numbers, not
 * strings, because a lookup happens in nearly every proof. Leaves never
 * change, so an entry stays valid forever; proofs at the same tree size share
 * their right-edge part, which this saves recomputing. A tree size holds at
 * most ~53 entries; the caller bounds the number of sizes.
 */
export type SubtreeMemo = Map<number, Map<number, Uint8Array>>;

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
  const level = floorLog2(hi - lo);
  const k = pow2(level);
  if (lo % k !== 0) throw new LogError('INTERNAL', `couldn't hash [${lo}, ${hi}): not aligned`);
  if (k === hi - lo) return readNode(read, level, lo / k);
  let atSize = memo?.get(hi);
  const known = atSize?.get(lo);
  if (known !== undefined) return new Uint8Array(known);
  const h = nodeHash(readNode(read, level, lo / k), subtreeHash(lo + k, hi, read, memo));
  if (memo !== undefined) {
    if (atSize === undefined) memo.set(hi, (atSize = new Map()));
    atSize.set(lo, h);
  }
  return new Uint8Array(h);
}

/**
 * RFC 6962 §2.1.1 audit path for leaf `index` in the tree of `size` leaves,
 * ordered from the leaf's sibling up to the root's child. Empty for size 1.
 * Throws BAD_REQUEST for non-integer input, SIZE_OUT_OF_RANGE when index ≥ size.
 *
 * Computed bottom-up, as transparency-dev/merkle `proof.Inclusion` does,
 * rather than by the RFC's top-down recursion (same nodes, same order): at
 * each level the path takes the sibling of the leaf's ancestor. While that
 * ancestor is left of the last leaf's ancestor ("inner" levels) the sibling
 * is a complete subtree, except that the right sibling AT the last leaf's
 * ancestor is the one incomplete right-edge subtree MTH(D[a:size]), folded
 * (and memoised). Above that ("border" levels) the path takes the complete
 * left sibling wherever the ancestor is a right child. So nodes are read
 * leaf first: the level-0 tile's part of the path before anything above it.
 */
export function inclusionProof(index: number, size: number, read: NodeReader, memo?: SubtreeMemo): Uint8Array[] {
  checkCount('prove inclusion', 'index', index);
  checkCount('prove inclusion', 'size', size);
  if (index >= size) {
    throw new LogError('SIZE_OUT_OF_RANGE', `couldn't prove inclusion: index ${index} is not below size ${size}`);
  }
  const path: Uint8Array[] = [];
  let level = 0;
  let node = index; // the leaf's ancestor at `level`
  let last = size - 1; // the last leaf's ancestor at `level`
  for (; node !== last; level++, node = Math.floor(node / 2), last = Math.floor(last / 2)) {
    if (node % 2 === 1) path.push(readNode(read, level, node - 1));
    else if (node + 1 < last || (node + 2) * pow2(level) <= size) path.push(readNode(read, level, node + 1));
    else path.push(subtreeHash((node + 1) * pow2(level), size, read, memo));
  }
  for (; node > 0; level++, node = Math.floor(node / 2)) {
    if (node % 2 === 1) path.push(readNode(read, level, node - 1));
  }
  return path;
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
    if ((index + 1) * pow2(level) > size) {
      throw new LogError('INTERNAL', `couldn't read node ${level}/${index}: not a complete subtree at size ${size}`);
    }
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const row = level % TILE_HEIGHT;
    const perTile = pow2(TILE_HEIGHT - row);
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
    const needed = (offset + 1) * pow2(row);
    if (tile.width < needed) {
      throw new LogError(
        'CORRUPT',
        `couldn't read node ${level}/${index}: tile ${tileLevel}/${tileIndex} has width ${tile.width}, needs ${needed}`,
      );
    }
    return tileNode(tile, row, offset);
  };
}
