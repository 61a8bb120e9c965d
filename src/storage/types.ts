/**
 * The storage contract. `src/storage/` is the only code that touches a
 * database; everything above it sees only these types. The contract suite in
 * `test/storage/store.contract.ts` is what any implementation must pass.
 *
 * Indices and sizes are JS numbers: safe integers (< 2^53), never used with
 * 32-bit bitwise operators. Hashes are 32-byte SHA-256 values.
 *
 * Calls are synchronous (better-sqlite3 is); a store is used by one process,
 * from the event loop, so calls never interleave.
 */

/** One log entry as stored. Immutable once committed. */
export interface StoredEntry {
  /**
   * 0-based global position in the log (Rekor's virtual index): the active
   * tree's leaf i is entry `firstIndex + i` of its {@link ShardRow}; a log
   * that never rotated has one tree starting at 0.
   */
  readonly index: number;
  /** RFC 6962 leaf hash SHA-256(0x00 ‖ body): the entry UUID. */
  readonly leafHash: Uint8Array;
  /** Canonical body bytes: exactly what was hashed. At most 65,535 bytes. */
  readonly body: Uint8Array;
  /** Entry kind and version, e.g. `hashedrekord/0.0.1`; `raw` for core appends. */
  readonly kind: string;
  /** Unix seconds at which the entry was integrated (its batch's time). */
  readonly integratedTime: number;
  /** Signed entry timestamp (signature bytes) or an empty array where none was made. */
  readonly set: Uint8Array;
}

/**
 * A hash tile row. `level`/`index` are C2SP tlog-tiles coordinates (tile
 * height 8). `width` is the number of level-0 hashes in the row (1..256).
 * `hashes` is the merkle module's "full tile" layout (see src/merkle/tile.ts):
 * the C2SP tile bytes (width × 32) come first, then the tile's interior levels.
 * The store treats it as opaque bytes, except a FULL level-0 tile, which MUST
 * have exactly that layout (16,320 bytes): the SQLite store keeps it as 16
 * leaf-group rows (src/merkle/leaf-group.ts) and rebuilds it from them.
 */
export interface TileRow {
  readonly level: number;
  readonly index: number;
  readonly width: number;
  readonly hashes: Uint8Array;
}

/** A published checkpoint. */
export interface CheckpointRow {
  readonly size: number;
  /** 32-byte root hash at `size`. */
  readonly root: Uint8Array;
  /** Milliseconds since the epoch at which the log signed it. */
  readonly time: number;
  /** The full signed note (checkpoint text, blank line, signature lines). */
  readonly note: string;
}

/** A witness cosignature attached to a checkpoint (signature line text, without the trailing newline). */
export interface CosignatureRow {
  readonly size: number;
  /** Witness key name as in the note signature line. */
  readonly witness: string;
  /** The complete signature line `— <name> <base64>`. */
  readonly line: string;
}

/** A search key: a normalised string (e.g. `sha256:<hex>`, an email) pointing at an entry. */
export interface SearchKey {
  readonly key: string;
  readonly index: number;
}

/** Everything one sequencer batch writes, committed atomically. */
export interface Batch {
  /** New entries, dense: global indices `firstIndex + previousSize`, `firstIndex + previousSize + 1`, … of the active tree. */
  readonly entries: readonly StoredEntry[];
  readonly searchKeys: readonly SearchKey[];
  /** Tiles changed by this batch; each replaces any stored row with the same (level, index). */
  readonly tiles: readonly TileRow[];
  /** The checkpoint published by this batch; `size` = previousSize + entries.length. */
  readonly checkpoint: CheckpointRow;
}

/**
 * One tree (shard) of the log. Trees follow each other: the last one is
 * active, each earlier one frozen at `frozenSize`, and tree k+1 starts at
 * global index `firstIndex(k) + frozenSize(k)`.
 */
export interface ShardRow {
  /** 0, 1, 2, … in order of creation. */
  readonly ordinal: number;
  /** Positive 63-bit tree ID, decimal. */
  readonly treeId: string;
  /** Global index of the tree's first entry. */
  readonly firstIndex: number;
  /** The tree's log key, SPKI PEM. */
  readonly publicKeyPem: string;
  /** The tree's Ed25519 note key, SPKI PEM; undefined when its log key is Ed25519. */
  readonly noteKeyPem: string | undefined;
  /** When its size-0 checkpoint was signed, ms since the epoch. */
  readonly createdMs: number;
  /** Final size of a frozen tree; undefined while active. */
  readonly frozenSize: number | undefined;
  /** When it was frozen, ms since the epoch; undefined while active. */
  readonly frozenMs: number | undefined;
}

/** What {@link LogStore.rotate} commits: the active tree frozen, the next one started. */
export interface Rotation {
  /** The active tree's size: a compare-and-swap on its latest checkpoint. */
  readonly frozenSize: number;
  readonly frozenMs: number;
  /** The new tree: its ordinal is the active one's + 1, its first index the active one's + frozenSize. */
  readonly next: Omit<ShardRow, 'ordinal' | 'firstIndex' | 'frozenSize' | 'frozenMs'>;
  /** The new tree's signed size-0 checkpoint. */
  readonly checkpoint: CheckpointRow;
}

/**
 * Reads of one tree: its checkpoints, cosignatures and tiles (tree-local
 * sizes and coordinates) and the log's entries (global indices, every tree's).
 */
export type TreeReads = Pick<
  LogStore,
  | 'latestCheckpoint'
  | 'checkpointAt'
  | 'listCheckpoints'
  | 'cosignatures'
  | 'entryByIndex'
  | 'entriesInRange'
  | 'entryByLeafHash'
  | 'indexOfLeafHash'
  | 'searchKey'
  | 'tile'
  | 'leafGroup'
  | 'entryAndLeafGroup'
>;

/**
 * A log store.
 *
 * Durability: when `appendBatch` returns, the batch is committed: visible to
 * this process and safe from a crash of the process. It survives power loss
 * once `sync()` has resolved (stores without `sync` are durable when
 * `appendBatch` returns). Nothing may be published or acknowledged before.
 * Other writes (cosignatures, meta) are durable when they return.
 * Atomicity: a batch is written entirely or not at all; on a thrown error
 * nothing of it is visible.
 * Consistency: `appendBatch` is a compare-and-swap on the latest checkpoint's
 * size: it MUST throw `LogError('INCONSISTENT')` and write nothing when
 * `previousSize` differs from the stored latest size (0 if none), or when an
 * entry index is not dense from the active tree's `firstIndex + previousSize`.
 * Sizes, tiles and checkpoints are the active tree's (tree-local); entry
 * indices and search keys are global.
 */
export interface LogStore {
  /** Commit a batch (see the interface contract). */
  appendBatch(previousSize: number, batch: Batch): void;
  /**
   * Resolves once every batch committed before the call is on disk (off the
   * event loop); rejects with STORE_FAILED when the disk refuses (then what
   * was committed may or may not be durable). MAY be called again before an
   * earlier call settled (pipelined commits: a batch committed while a sync
   * runs needs a sync of its own); calls settle in order. Absent:
   * appendBatch is durable.
   */
  sync?(): Promise<void>;
  /**
   * Undefined when appendBatch may run now; else a promise that settles once
   * the store would rather it ran (e.g. a short checkpoint of the WAL that
   * completes only while nothing commits). Optional, and never needed for
   * correctness: appendBatch MUST be correct and durable without it.
   */
  writeBarrier?(): Promise<void> | undefined;

  /** The latest committed checkpoint (the log publishes it once durable), or undefined for a new log. */
  latestCheckpoint(): CheckpointRow | undefined;
  /** The checkpoint published at exactly `size`, if any. */
  checkpointAt(size: number): CheckpointRow | undefined;
  /** Published checkpoints with size ≥ `fromSize`, ascending, at most `limit`. */
  listCheckpoints(fromSize: number, limit: number): CheckpointRow[];

  /** Add a witness cosignature to a stored checkpoint; idempotent per (size, witness). */
  addCosignature(row: CosignatureRow): void;
  /** Cosignatures stored for the checkpoint at `size`, in insertion order. */
  cosignatures(size: number): CosignatureRow[];

  /** The entry at a global index (entry methods see every tree's entries). */
  entryByIndex(index: number): StoredEntry | undefined;
  /** Entries with global index in [start, start + count), ascending; fewer if the log is shorter. */
  entriesInRange(start: number, count: number): StoredEntry[];
  entryByLeafHash(leafHash: Uint8Array): StoredEntry | undefined;
  /** Index of the entry with this leaf hash, if stored (dedup lookup; cheaper than entryByLeafHash). */
  indexOfLeafHash(leafHash: Uint8Array): number | undefined;
  /** Entry indices stored under a search key, ascending, at most `limit`. */
  searchKey(key: string, limit: number): number[];

  /** The stored tile row at (level, index), or undefined. */
  tile(level: number, index: number): TileRow | undefined;
  /**
   * The 1,088-byte row of leaf group `group` (leaves 16·group .. 16·group + 15;
   * layout in src/merkle/leaf-group.ts) of a FULL level-0 tile, or undefined
   * while that tile is not full. One small read: inclusion proofs take the
   * level-0 part of their path from it. Optional: a store that keeps level-0
   * tiles whole may leave it out, and readers then read the whole tile.
   */
  leafGroup?(group: number): Uint8Array | undefined;
  /**
   * {@link entryByIndex} and {@link leafGroup} in one read (an entry read
   * with proof needs both). Optional, with leafGroup: without it the
   * asynchronous adapter makes the two reads in turn.
   */
  entryAndLeafGroup?(index: number, group: number): { entry: StoredEntry | undefined; leafGroup: Uint8Array | undefined };

  /**
   * The log's trees, oldest first; the last is active. Empty until the first
   * is recorded with {@link addFirstShard}. Optional: a store without it holds
   * one tree starting at index 0 and cannot rotate.
   */
  shards?(): ShardRow[];
  /**
   * Record tree 0 of a log whose trees are not recorded yet (first index 0,
   * active). MUST refuse (INCONSISTENT) when any tree is recorded.
   */
  addFirstShard?(row: Omit<ShardRow, 'ordinal' | 'firstIndex' | 'frozenSize' | 'frozenMs'>): void;
  /**
   * Freeze the active tree at `rotation.frozenSize` and make `rotation.next`
   * the active tree with `rotation.checkpoint` as its first checkpoint, in one
   * transaction: after a crash the store holds the old state or the new one,
   * never a mix. The frozen tree's checkpoints, cosignatures and tiles stay
   * readable through {@link frozenTree}. Throws INCONSISTENT (nothing written)
   * when the active tree's latest checkpoint is not at `frozenSize`, when the
   * checkpoint is not a size-0 one, or when the tree ID is taken.
   * Committed on return, durable once `sync()` resolved.
   */
  rotate?(rotation: Rotation): void;
  /**
   * Freeze the active tree for good at `size` (its latest checkpoint's: a
   * compare-and-swap, INCONSISTENT otherwise), recorded at `atMs`; no tree
   * follows it. Durable on return.
   */
  freeze?(size: number, atMs: number): void;
  /** Reads of the frozen tree `ordinal`; NOT_FOUND for the active tree or an unknown one. */
  frozenTree?(ordinal: number): TreeReads;

  /** Log identity and settings that must never change once set (tree ID, origin…). */
  getMeta(key: string): string | undefined;
  /** Set a meta value. MUST refuse to overwrite an existing different value (throws INCONSISTENT). */
  setMeta(key: string, value: string): void;

  /** Approximate bytes used on disk (for metrics and benchmarks). */
  sizeOnDisk(): number;
  /** Close the store; later calls throw. Idempotent. */
  close(): void;
}
