/**
 * Reads at published sizes only: entries, inclusion and consistency proofs,
 * tiles and entry bundles. Nothing beyond the latest published checkpoint is
 * ever returned (tlog-tiles: "never serve a tile or bundle the latest
 * checkpoint does not imply").
 *
 * Proof cost (docs/ARCHITECTURE.md "Storage": the same at ten million entries as at ten
 * thousand): an inclusion proof reads exactly one leaf-group row from the
 * store (the level-0 part of its path, src/merkle/leaf-group.ts) and takes
 * every node above tree level 7 from tiles held in memory (TileCache), plus
 * the memo of right-edge subtrees. That is the same work at every size; no
 * level-0 material is cached in the process, so memory stays flat as the log
 * grows (the SQLite page cache and the OS cache serve the rows).
 */
import { LogError } from '../errors.js';
import {
  TILE_WIDTH,
  c2spTileBytes,
  consistencyProof,
  inclusionProof,
  proofNodeReader,
  rootAt,
  tileNodeReader,
  tileWidthAt,
  type NodeReader,
  type SubtreeMemo,
  type Tile,
} from '../merkle/index.js';
import type { CheckpointRow, StoredEntry, TreeReads } from '../storage/types.js';
import type { TileCache } from './tile-cache.js';

/** Most tree sizes with memoised right-edge subtrees (≤ ~53 hashes each) before the memo is reset. */
const MEMO_MAX_SIZES = 64;

/**
 * Reads of one tree (shard) of the log at its published sizes. Sizes, proofs
 * and tiles are tree-local; entries are addressed by their global index
 * (`firstIndex` + leaf index): a tree's reader finds only its own entries.
 */
export class LogReader {
  /** Global index of the tree's first entry. */
  readonly firstIndex: number;
  readonly #store: TreeReads;
  readonly #tiles: TileCache;
  readonly #published: () => CheckpointRow;
  /** Right-edge subtree hashes shared by proofs at the same sizes (immutable; bounded by MEMO_MAX_SIZES). */
  readonly #memo: SubtreeMemo = new Map();
  readonly #tile = (level: number, index: number): Tile | undefined => this.#tiles.get(level, index);
  /** The store's leaf-group read, if it keeps full level-0 tiles as leaf groups. */
  readonly #leafGroup: ((group: number) => Uint8Array | undefined) | undefined;

  constructor(store: TreeReads, tiles: TileCache, published: () => CheckpointRow, firstIndex = 0) {
    this.firstIndex = firstIndex;
    this.#store = store;
    this.#tiles = tiles;
    this.#published = published;
    this.#leafGroup = store.leafGroup === undefined ? undefined : (group) => store.leafGroup?.(group);
  }

  /** The latest published checkpoint. */
  latest(): CheckpointRow {
    return this.#published();
  }

  /** A published checkpoint by size, if the log published one at exactly that size. */
  checkpointAt(size: number): CheckpointRow | undefined {
    if (size > this.latest().size) return undefined;
    return this.#store.checkpointAt(size);
  }

  /**
   * The checkpoint's signed note followed by the witness cosignature lines
   * stored for its size (c2sp.org/tlog-cosignature: cosignatures are further
   * signature lines of the same note), in the order they arrived. Every line
   * was verified before it was stored (LogService.attachCosignature).
   */
  noteWithCosignatures(cp: CheckpointRow): string {
    const cosignatures = this.#store.cosignatures(cp.size);
    if (cosignatures.length === 0) return cp.note;
    return cp.note + cosignatures.map((c) => `${c.line}\n`).join('');
  }

  /** Published checkpoints with size ≥ fromSize, ascending, at most `limit`. */
  listCheckpoints(fromSize: number, limit: number): CheckpointRow[] {
    const max = this.latest().size;
    return this.#store.listCheckpoints(fromSize, limit).filter((c) => c.size <= max);
  }

  /** Whether the entry at global index `index` is a published leaf of this tree. */
  holds(index: number): boolean {
    return Number.isSafeInteger(index) && index >= this.firstIndex && index < this.firstIndex + this.latest().size;
  }

  /** The entry at global index `index` if it is a published leaf of this tree. */
  entryByIndex(index: number): StoredEntry | undefined {
    return this.holds(index) ? this.#store.entryByIndex(index) : undefined;
  }

  /** The published entry of this tree with this leaf hash. */
  entryByLeafHash(leafHash: Uint8Array): StoredEntry | undefined {
    const e = this.#store.entryByLeafHash(leafHash);
    return e !== undefined && this.holds(e.index) ? e : undefined;
  }

  /**
   * Global indices under a search key, published ones only: this tree's and
   * every earlier tree's (search keys are the log's, not one tree's).
   */
  search(key: string, limit: number): number[] {
    const max = this.firstIndex + this.latest().size;
    return this.#store.searchKey(key, limit).filter((i) => i < max);
  }

  /** RFC 6962 inclusion proof of `index` in the tree of published size `size` (≤ latest): one store read. */
  inclusionProof(index: number, size: number): Uint8Array[] {
    this.#checkSize(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new LogError('SIZE_OUT_OF_RANGE', `index ${index} is not in a tree of size ${size}`);
    }
    if (this.#memo.size > MEMO_MAX_SIZES) this.#memo.clear();
    return inclusionProof(index, size, this.#nodes(size, index), this.#memo);
  }

  /** RFC 6962 consistency proof from `oldSize` to `newSize` (0 ≤ old ≤ new ≤ latest). */
  consistencyProof(oldSize: number, newSize: number): Uint8Array[] {
    this.#checkSize(newSize);
    if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > newSize) {
      throw new LogError('SIZE_OUT_OF_RANGE', `first size ${oldSize} must be between 0 and last size ${newSize}`);
    }
    if (oldSize === 0 || oldSize === newSize) return [];
    return consistencyProof(oldSize, newSize, this.#nodes(newSize, oldSize - 1));
  }

  /** Root hash of the tree at a size ≤ latest, recomputed from tiles. */
  rootAt(size: number): Uint8Array {
    this.#checkSize(size);
    return rootAt(size, this.#nodes(size, Math.max(0, size - 1)));
  }

  /**
   * C2SP tile bytes for tile (level, index); `width` undefined asks for the full
   * tile. NOT_FOUND unless the latest checkpoint implies a tile at least that wide.
   */
  tile(level: number, index: number, width?: number): Uint8Array {
    const want = width ?? TILE_WIDTH;
    const have = tileWidthAt(level, index, this.latest().size);
    if (have < want || (width === undefined && have < TILE_WIDTH)) {
      throw new LogError('NOT_FOUND', `tile ${level}/${index} of width ${want} is not published`);
    }
    // Full level-0 tiles come from the store, not the cache (see TileCache).
    const t = level === 0 && have === TILE_WIDTH ? this.#store.tile(level, index) : this.#tiles.get(level, index);
    if (t === undefined || t.width < want) throw new LogError('CORRUPT', `couldn't read stored tile ${level}/${index}`);
    return c2spTileBytes(t, want);
  }

  /** C2SP entry bundle `index` (uint16-length-prefixed bodies), full or of `width` entries. */
  entryBundle(index: number, width?: number): Uint8Array {
    const want = width ?? TILE_WIDTH;
    const have = tileWidthAt(0, index, this.latest().size);
    if (have < want || (width === undefined && have < TILE_WIDTH)) {
      throw new LogError('NOT_FOUND', `entry bundle ${index} of width ${want} is not published`);
    }
    const entries = this.#store.entriesInRange(this.firstIndex + index * TILE_WIDTH, want);
    if (entries.length !== want) throw new LogError('CORRUPT', `couldn't read entries of bundle ${index}`);
    let total = 0;
    for (const e of entries) total += 2 + e.body.length;
    const out = Buffer.allocUnsafe(total);
    let off = 0;
    for (const e of entries) {
      out.writeUInt16BE(e.body.length, off);
      out.set(e.body, off + 2);
      off += 2 + e.body.length;
    }
    return out;
  }

  #checkSize(size: number): void {
    const latest = this.latest().size;
    if (!Number.isSafeInteger(size) || size < 0 || size > latest) {
      throw new LogError('SIZE_OUT_OF_RANGE', `the tree size requested (${size}) is greater than the published size (${latest})`);
    }
  }

  /** Nodes for proofs in the tree of `size` that follow the path of leaf `leaf`. */
  #nodes(size: number, leaf: number): NodeReader {
    if (this.#leafGroup === undefined) return tileNodeReader(size, this.#tile);
    const groupedLeaves = Math.floor(this.latest().size / TILE_WIDTH) * TILE_WIDTH;
    return proofNodeReader(size, { tile: this.#tile, leafGroup: this.#leafGroup, groupedLeaves }, leaf);
  }
}
