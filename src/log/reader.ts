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
 * level-0 material is cached in the process beyond the last few hundred leaf
 * groups read with entries (#recentGroups, bounded), so memory stays flat as
 * the log grows (the database's cache and the OS cache serve the rows).
 *
 * The store answers asynchronously (AsyncTreeReads): proofs are computed
 * synchronously over what is in memory, and a tile or leaf-group row found
 * missing is read and the proof computed again (see #compute). What memory
 * answers (the latest checkpoint, a proof whose tiles are all cached bar its
 * one leaf group) costs no more store reads than it did. On a store with
 * `entryAndLeafGroup`, an entry read also brings the leaf group of its proof
 * (kept briefly, see #recentGroups), so an entry served with its proof is one
 * store read, not two.
 */
import { LogError, isLogError } from '../errors.js';
import {
  LEAF_GROUP_WIDTH,
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
import type { AsyncTreeReads } from '../storage/index.js';
import type { CheckpointRow, StoredEntry } from '../storage/types.js';
import type { TileCache } from './tile-cache.js';

/** Most tree sizes with memoised right-edge subtrees (≤ ~53 hashes each) before the memo is reset. */
const MEMO_MAX_SIZES = 64;
/** Most leaf groups kept from entry reads for the proofs that follow them (1,088 bytes each: ~0.55 MiB). */
const RECENT_GROUPS_MAX = 512;

/**
 * Reads of one tree (shard) of the log at its published sizes. Sizes, proofs
 * and tiles are tree-local; entries are addressed by their global index
 * (`firstIndex` + leaf index): a tree's reader finds only its own entries.
 */
export class LogReader {
  /** Global index of the tree's first entry. */
  readonly firstIndex: number;
  readonly #store: AsyncTreeReads;
  readonly #tiles: TileCache;
  readonly #published: () => CheckpointRow;
  /** Right-edge subtree hashes shared by proofs at the same sizes (immutable; bounded by MEMO_MAX_SIZES). */
  readonly #memo: SubtreeMemo = new Map();
  /** Whether the store keeps full level-0 tiles as leaf groups. */
  readonly #grouped: boolean;
  /**
   * Leaf groups read together with an entry (AsyncTreeReads.entryAndLeafGroup),
   * by group, for the inclusion proof that usually follows the entry read
   * (an entry is served with its proof): the proof then makes no store read.
   * Rows of full tiles only, which never change; oldest dropped first,
   * at most RECENT_GROUPS_MAX.
   */
  readonly #recentGroups = new Map<number, Uint8Array>();

  /** Asked when a read goes beyond the published tree: resolves true once the published checkpoint may have moved on. */
  readonly #catchUp: () => Promise<boolean>;

  /**
   * `catchUp`: on a node that does not sequence, reads beyond the published
   * tree ask it to adopt the store's latest checkpoint first (catch-up.ts),
   * so that an entry another node just answered for can be read back here.
   */
  constructor(store: AsyncTreeReads, tiles: TileCache, published: () => CheckpointRow, firstIndex = 0, catchUp?: () => Promise<boolean>) {
    this.firstIndex = firstIndex;
    this.#store = store;
    this.#tiles = tiles;
    this.#published = published;
    this.#grouped = store.leafGroup !== undefined;
    this.#catchUp = catchUp ?? (() => Promise.resolve(false));
  }

  /**
   * Whether the published tree holds at least `size` leaves, after catching up
   * once when it does not (a node that does not sequence: see the constructor).
   */
  async reach(size: number): Promise<boolean> {
    if (size <= this.latest().size) return true;
    return (await this.#catchUp()) && size <= this.latest().size;
  }

  /** The latest published checkpoint. */
  latest(): CheckpointRow {
    return this.#published();
  }

  /** A published checkpoint by size, if the log published one at exactly that size. */
  async checkpointAt(size: number): Promise<CheckpointRow | undefined> {
    if (size > this.latest().size && !(await this.reach(size))) return undefined;
    const latest = this.latest();
    if (size === latest.size) return latest;
    return this.#store.checkpointAt(size);
  }

  /**
   * The checkpoint's signed note followed by the witness cosignature lines
   * stored for its size (c2sp.org/tlog-cosignature: cosignatures are further
   * signature lines of the same note), in the order they arrived. Every line
   * was verified before it was stored (LogService.attachCosignature). While
   * the store cannot be reached (STORE_FAILED): the note alone, the log's own
   * signatures, which clients need, without the witnesses' extra lines.
   */
  async noteWithCosignatures(cp: CheckpointRow): Promise<string> {
    let cosignatures;
    try {
      cosignatures = await this.#store.cosignatures(cp.size);
    } catch (err) {
      if (isLogError(err, 'STORE_FAILED')) return cp.note;
      throw err;
    }
    if (cosignatures.length === 0) return cp.note;
    return cp.note + cosignatures.map((c) => `${c.line}\n`).join('');
  }

  /** Published checkpoints with size ≥ fromSize, ascending, at most `limit`. */
  async listCheckpoints(fromSize: number, limit: number): Promise<CheckpointRow[]> {
    const max = this.latest().size;
    return (await this.#store.listCheckpoints(fromSize, limit)).filter((c) => c.size <= max);
  }

  /** Whether the entry at global index `index` is a published leaf of this tree. */
  holds(index: number): boolean {
    return Number.isSafeInteger(index) && index >= this.firstIndex && index < this.firstIndex + this.latest().size;
  }

  /** The entry at global index `index` if it is a published leaf of this tree. */
  async entryByIndex(index: number): Promise<StoredEntry | undefined> {
    if (!this.holds(index) && !(Number.isSafeInteger(index) && index >= this.firstIndex && (await this.reach(index - this.firstIndex + 1)))) return undefined;
    const leaf = index - this.firstIndex;
    if (this.#store.entryAndLeafGroup === undefined || leaf >= this.#groupedLeaves()) return this.#store.entryByIndex(index);
    // One store read for the entry and the leaf group its inclusion proof will need.
    const group = Math.floor(leaf / LEAF_GROUP_WIDTH);
    const { entry, leafGroup } = await this.#store.entryAndLeafGroup(index, group);
    if (leafGroup !== undefined) {
      if (this.#recentGroups.size >= RECENT_GROUPS_MAX) this.#recentGroups.delete(this.#recentGroups.keys().next().value as number);
      this.#recentGroups.set(group, leafGroup);
    }
    return entry;
  }

  /** The published entry of this tree with this leaf hash. */
  async entryByLeafHash(leafHash: Uint8Array): Promise<StoredEntry | undefined> {
    const e = await this.#store.entryByLeafHash(leafHash);
    if (e === undefined || e.index < this.firstIndex) return undefined;
    return this.holds(e.index) || (await this.reach(e.index - this.firstIndex + 1)) ? e : undefined;
  }

  /**
   * Global indices under a search key, published ones only: this tree's and
   * every earlier tree's (search keys are the log's, not one tree's).
   */
  async search(key: string, limit: number): Promise<number[]> {
    const found = await this.#store.searchKey(key, limit);
    const beyond = found.reduce((m, i) => Math.max(m, i + 1), 0) - this.firstIndex;
    if (beyond > this.latest().size) await this.reach(beyond);
    const max = this.firstIndex + this.latest().size;
    return found.filter((i) => i < max);
  }

  /** RFC 6962 inclusion proof of `index` in the tree of published size `size` (≤ latest): one store read. */
  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    if (size > this.latest().size) await this.reach(size);
    this.#checkSize(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new LogError('SIZE_OUT_OF_RANGE', `index ${index} is not in a tree of size ${size}`);
    }
    if (this.#memo.size > MEMO_MAX_SIZES) this.#memo.clear();
    return this.#compute(size, index, (nodes) => inclusionProof(index, size, nodes, this.#memo));
  }

  /** RFC 6962 consistency proof from `oldSize` to `newSize` (0 ≤ old ≤ new ≤ latest). */
  async consistencyProof(oldSize: number, newSize: number): Promise<Uint8Array[]> {
    if (newSize > this.latest().size) await this.reach(newSize);
    this.#checkSize(newSize);
    if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > newSize) {
      throw new LogError('SIZE_OUT_OF_RANGE', `first size ${oldSize} must be between 0 and last size ${newSize}`);
    }
    if (oldSize === 0 || oldSize === newSize) return [];
    return this.#compute(newSize, oldSize - 1, (nodes) => consistencyProof(oldSize, newSize, nodes));
  }

  /** Root hash of the tree at a size ≤ latest, recomputed from tiles. */
  async rootAt(size: number): Promise<Uint8Array> {
    if (size > this.latest().size) await this.reach(size);
    this.#checkSize(size);
    return this.#compute(size, Math.max(0, size - 1), (nodes) => rootAt(size, nodes));
  }

  /**
   * NOT_FOUND unless the latest checkpoint implies tile (level, index), or
   * entry bundle `index` for level 'entries', at least `width` wide
   * (undefined: full). What {@link tile} and {@link entryBundle} check
   * first; a cache of served full tiles checks it before it answers.
   */
  checkPublished(level: number | 'entries', index: number, width?: number): void {
    const want = width ?? TILE_WIDTH;
    const have = tileWidthAt(level === 'entries' ? 0 : level, index, this.latest().size);
    if (have < want || (width === undefined && have < TILE_WIDTH)) {
      const what = level === 'entries' ? `entry bundle ${index}` : `tile ${level}/${index}`;
      throw new LogError('NOT_FOUND', `${what} of width ${want} is not published`);
    }
  }

  /**
   * C2SP tile bytes for tile (level, index); `width` undefined asks for the full
   * tile. NOT_FOUND unless the latest checkpoint implies a tile at least that wide.
   */
  async tile(level: number, index: number, width?: number): Promise<Uint8Array> {
    this.checkPublished(level, index, width);
    const want = width ?? TILE_WIDTH;
    const have = tileWidthAt(level, index, this.latest().size);
    // Full level-0 tiles come from the store, not the cache (see TileCache).
    const t = level === 0 && have === TILE_WIDTH ? await this.#store.tile(level, index) : await this.#tiles.get(level, index);
    if (t === undefined || t.width < want) throw new LogError('CORRUPT', `couldn't read stored tile ${level}/${index}`);
    return c2spTileBytes(t, want);
  }

  /** C2SP entry bundle `index` (uint16-length-prefixed bodies), full or of `width` entries. */
  async entryBundle(index: number, width?: number): Promise<Uint8Array> {
    this.checkPublished('entries', index, width);
    const want = width ?? TILE_WIDTH;
    const entries = await this.#store.entriesInRange(this.firstIndex + index * TILE_WIDTH, want);
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

  /** Leaves of the published tree in full level-0 tiles: the ones with leaf-group rows. */
  #groupedLeaves(): number {
    return Math.floor(this.latest().size / TILE_WIDTH) * TILE_WIDTH;
  }

  #checkSize(size: number): void {
    const latest = this.latest().size;
    if (!Number.isSafeInteger(size) || size < 0 || size > latest) {
      throw new LogError('SIZE_OUT_OF_RANGE', `the tree size requested (${size}) is greater than the published size (${latest})`);
    }
  }

  /**
   * `proof` over the nodes of the tree of `size` that follow the path of leaf
   * `leaf`, computed synchronously over tiles in memory (TileCache) and the
   * leaf-group rows read for this proof. A tile or row not in memory stops
   * the computation; it is read from the store and the proof computed again
   * (each read is made once: a row or tile the store does not have leaves the
   * merkle code to say what is missing, as CORRUPT). The nodes a proof reads
   * depend on sizes and indices only, so the last pass sees them all.
   */
  async #compute<T>(size: number, leaf: number, proof: (nodes: NodeReader) => T): Promise<T> {
    const tiles = new Map<number, Tile | undefined>();
    const groups = new Map<number, Uint8Array | undefined>();
    // The leaf group of `leaf` is read by nearly every proof: read it before the first pass.
    const grouped = this.#groupedLeaves();
    if (this.#grouped && leaf < grouped) {
      const g = Math.floor(leaf / LEAF_GROUP_WIDTH);
      groups.set(g, this.#recentGroups.get(g) ?? (await this.#store.leafGroup?.(g)));
    }
    for (;;) {
      let load: Promise<void> | undefined;
      const tile = (level: number, index: number): Tile | undefined => {
        const key = index * 64 + level;
        const t = this.#tiles.peek(level, index) ?? tiles.get(key);
        if (t !== undefined || tiles.has(key)) return t;
        load = this.#tiles.get(level, index).then((row) => void tiles.set(key, row));
        throw MISSING;
      };
      const leafGroup = (group: number): Uint8Array | undefined => {
        if (groups.has(group)) return groups.get(group);
        load = (this.#store.leafGroup?.(group) ?? Promise.resolve(undefined)).then((row) => void groups.set(group, row));
        throw MISSING;
      };
      const nodes = this.#grouped ? proofNodeReader(size, { tile, leafGroup, groupedLeaves: grouped }, leaf) : tileNodeReader(size, tile);
      try {
        return proof(nodes);
      } catch (err) {
        if (err !== MISSING || load === undefined) throw err;
        await load;
      }
    }
  }
}

/** Thrown through the (synchronous) merkle code when a proof needs a tile or row that is not in memory. */
const MISSING = Symbol('missing');
