/**
 * {@link LogStore} on SQLite (better-sqlite3): one file, WAL, one
 * transaction per batch. Full level-0 tiles are kept as leaf-group rows
 * (migrations/0002_leaf_groups.sql), every other tile as one row.
 */

import { statSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { batchCommit, type BatchCommit } from './batch-commit.js';
import { LogError } from '../../errors.js';
import { validateBatch } from '../batch.js';
import type { Batch, CheckpointRow, CosignatureRow, LogStore, Rotation, ShardRow, StoredEntry, TileRow, TreeReads } from '../types.js';
import { openDatabase, type OpenDatabaseOptions } from './db.js';
import { WalDurability } from './durability.js';
import { toLogError } from './errors.js';
import { FrozenTree, freezeShard, insertShard, readShards, readTile, rotateTables } from './shards.js';
import { entryAndLeafGroupOf, type EntryAndLeafGroupRow } from './entry-row.js';
import { prepareStatements, type Statements } from './statements.js';

/** Options for {@link openSqliteStore}: a path (or `':memory:'`) plus {@link openDatabase}'s options. */
export interface SqliteStoreOptions extends OpenDatabaseOptions {
  readonly path: string;
}

/**
 * Open (creating and migrating if needed) a SQLite log store. Throws as
 * {@link openDatabase} does. A file store defers the disk wait of its
 * commits to {@link SqliteStore.sync} unless `deferredSync: false`.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const deferredSync = options.deferredSync ?? options.path !== ':memory:';
  return new SqliteStore(openDatabase(options.path, { ...options, deferredSync }), { deferredSync });
}

/**
 * The SQLite log store. Takes ownership of `db` (opened by
 * {@link openDatabase}) and closes it on {@link close}.
 *
 * Every error it throws is a LogError: INCONSISTENT for a batch that does not
 * fit the stored log, CORRUPT for a damaged file, STORE_FAILED for a commit
 * that failed for any other reason (disk full, I/O error, read-only file:
 * nothing of the batch was written, the store stays usable), INTERNAL for a
 * failed read, SHUTTING_DOWN after close.
 */
export class SqliteStore implements LogStore {
  readonly #db: Database;
  readonly #s: Statements;
  readonly #commit: BatchCommit;
  #closed = false;
  /** The WAL durability policy (durability.ts), in deferred-sync mode. */
  readonly #durability: WalDurability | undefined;
  /** The log's trees, oldest first (migrations/0003_shards.sql); the last is active. */
  #shards: ShardRow[];
  readonly #frozen = new Map<number, FrozenTree>();

  /**
   * `deferredSync`: `db` was opened with {@link OpenDatabaseOptions.deferredSync};
   * commits are made durable by {@link sync}.
   */
  constructor(db: Database, options: { deferredSync?: boolean } = {}) {
    this.#db = db;
    this.#durability = options.deferredSync === true && !db.memory ? new WalDurability(db) : undefined;
    this.#s = prepareStatements(db);
    this.#commit = batchCommit(db, this.#s);
    this.#shards = readShards(db);
  }

  /** Global index of the active tree's first entry. */
  get #firstIndex(): number {
    return this.#shards[this.#shards.length - 1]?.firstIndex ?? 0;
  }

  /**
   * Make every batch committed so far durable, off the event loop
   * (LogStore.sync). In deferred-sync mode commits run with
   * `synchronous=OFF` and the WAL durability policy (durability.ts: deferred
   * fdatasync, checkpointing cadence) makes them durable; otherwise every
   * commit already was.
   */
  sync(): Promise<void> {
    return this.#durability?.sync() ?? Promise.resolve();
  }

  /** See LogStore.writeBarrier (durability.ts: a short catch-up checkpoint in flight). */
  writeBarrier(): Promise<void> | undefined {
    return this.#durability?.writeBarrier();
  }

  /** Resolves once no checkpoint of the WAL runs in the background (durability.ts); for tests and benchmarks. */
  checkpointsSettled(): Promise<void> {
    return this.#durability?.checkpointsSettled() ?? Promise.resolve();
  }

  /**
   * Commit `batch` in one IMMEDIATE transaction (batch-commit.ts: the
   * compare-and-swap on the latest checkpoint size, entries, search keys,
   * tiles, checkpoint; a batch with no entries re-publishes the checkpoint).
   * Committed on return, durable on return with synchronous=FULL or once
   * sync() resolves in deferred-sync mode; on a throw nothing of it is visible.
   */
  appendBatch(previousSize: number, batch: Batch): void {
    this.#open('commit batch');
    validateBatch(previousSize, batch, this.#firstIndex);
    this.#commit(previousSize, batch);
    this.#durability?.committed(batch.entries.length);
  }

  latestCheckpoint(): CheckpointRow | undefined {
    return this.#read('read the latest checkpoint', () => this.#s.latestCheckpoint.get());
  }

  checkpointAt(size: number): CheckpointRow | undefined {
    return this.#read(`read checkpoint ${size}`, () => this.#s.checkpointAt.get(size));
  }

  listCheckpoints(fromSize: number, limit: number): CheckpointRow[] {
    const n = toLimit(limit);
    return n === 0 ? [] : this.#read('list checkpoints', () => this.#s.listCheckpoints.all(fromSize, n));
  }

  /**
   * Store a witness's cosignature line for the checkpoint at `row.size`.
   * Idempotent: a second line from the same witness for the same size is
   * ignored (the first is kept). Throws NOT_FOUND if no checkpoint has that size.
   */
  addCosignature(row: CosignatureRow): void {
    this.#open('add cosignature');
    if (this.#s.checkpointAt.get(row.size) === undefined) {
      throw new LogError('NOT_FOUND', `couldn't add cosignature: no checkpoint at size ${row.size}`);
    }
    try {
      this.#s.insertCosignature.run(row.size, row.witness, row.line);
      this.#durability?.afterSmallWrite();
    } catch (err) {
      throw toLogError('add cosignature', err, 'STORE_FAILED');
    }
  }

  cosignatures(size: number): CosignatureRow[] {
    return this.#read(`read cosignatures of ${size}`, () => this.#s.cosignatures.all(size));
  }

  entryByIndex(index: number): StoredEntry | undefined {
    return this.#read(`read entry ${index}`, () => this.#s.entryByIndex.get(index));
  }

  entriesInRange(start: number, count: number): StoredEntry[] {
    const n = toLimit(count);
    return n === 0 ? [] : this.#read(`read entries from ${start}`, () => this.#s.entriesInRange.all(start, start + n));
  }

  entryByLeafHash(leafHash: Uint8Array): StoredEntry | undefined {
    return this.#read('read entry by leaf hash', () => this.#s.entryByLeafHash.get(leafHash));
  }

  indexOfLeafHash(leafHash: Uint8Array): number | undefined {
    return this.#read('look up leaf hash', () => this.#s.indexOfLeafHash.get(leafHash));
  }

  searchKey(key: string, limit: number): number[] {
    const n = toLimit(limit);
    return n === 0 ? [] : this.#read('search', () => this.#s.searchKey.all(key, n));
  }

  /** A full level-0 tile is rebuilt from its 16 leaf-group rows (byte-identical to what was written). */
  tile(level: number, index: number): TileRow | undefined {
    return this.#read(`read tile ${level}/${index}`, () => readTile(this.#s.tile, this.#s.joinedLeafGroups, level, index));
  }

  /** One primary-key read of a ~1 KiB row: the hot read of inclusion proofs. */
  leafGroup(group: number): Uint8Array | undefined {
    this.#open('read leaf group');
    try {
      return this.#s.leafGroup.get(group);
    } catch (err) {
      throw toLogError(`read leaf group ${group}`, err, 'INTERNAL');
    }
  }

  /** The entry at `index` and leaf group `group` in one statement (the reads of an entry with its inclusion proof). */
  entryAndLeafGroup(index: number, group: number): { entry: StoredEntry | undefined; leafGroup: Uint8Array | undefined } {
    return this.#read(`read entry ${index} and leaf group ${group}`, () => entryAndLeafGroupOf(this.#s.entryAndLeafGroup.get(group, index) as EntryAndLeafGroupRow));
  }

  shards(): ShardRow[] {
    this.#open('read the shards');
    return [...this.#shards];
  }

  addFirstShard(row: Rotation['next']): void {
    this.#open('record the first shard');
    if (this.#shards.length > 0) throw new LogError('INCONSISTENT', "couldn't record the log's first tree: its trees are recorded already");
    try {
      insertShard(this.#db, 0, 0, row);
      this.#durability?.afterSmallWrite();
    } catch (err) {
      throw toLogError('record the first shard', err, 'STORE_FAILED');
    }
    this.#shards = readShards(this.#db);
  }

  /**
   * LogStore.rotate in one IMMEDIATE transaction: the compare-and-swap on the
   * active tree's size, its row frozen, its tables renamed
   * (shards.ts), the new tree's row and size-0 checkpoint.
   */
  rotate(rotation: Rotation): void {
    this.#open('rotate');
    const active = this.#shards[this.#shards.length - 1];
    if (active === undefined) throw new LogError('INCONSISTENT', "couldn't rotate: the log's first tree is not recorded");
    const cp = rotation.checkpoint;
    if (cp.size !== 0 || cp.root.length !== 32) throw new LogError('INCONSISTENT', "couldn't rotate: the new tree's first checkpoint is not a size-0 one");
    if (this.#shards.some((s) => s.treeId === rotation.next.treeId)) {
      throw new LogError('INCONSISTENT', `couldn't rotate: tree ID ${rotation.next.treeId} is taken`);
    }
    try {
      this.#db.transaction(() => {
        const stored = this.#s.latestSize.get() ?? 0;
        if (stored !== rotation.frozenSize) {
          throw new LogError('INCONSISTENT', `couldn't rotate: the active tree has size ${stored}, not ${rotation.frozenSize}`);
        }
        rotateTables(this.#db, active, rotation);
        this.#s.insertCheckpoint.run(cp.size, cp.root, cp.time, cp.note);
      }).immediate();
    } catch (err) {
      throw toLogError('rotate', err, 'STORE_FAILED');
    } finally {
      this.#shards = readShards(this.#db);
    }
    this.#durability?.afterSmallWrite();
  }

  freeze(size: number, atMs: number): void {
    this.#open('freeze');
    const active = this.#shards[this.#shards.length - 1];
    if (active === undefined) throw new LogError('INCONSISTENT', "couldn't freeze: the log's first tree is not recorded");
    try {
      this.#db.transaction(() => {
        const stored = this.#s.latestSize.get() ?? 0;
        if (stored !== size) throw new LogError('INCONSISTENT', `couldn't freeze: the active tree has size ${stored}, not ${size}`);
        freezeShard(this.#db, active.ordinal, size, atMs);
      }).immediate();
    } catch (err) {
      throw toLogError('freeze', err, 'STORE_FAILED');
    } finally {
      this.#shards = readShards(this.#db);
    }
    this.#durability?.afterSmallWrite();
  }

  frozenTree(ordinal: number): TreeReads {
    this.#open('read a frozen tree');
    const row = this.#shards[ordinal];
    if (row?.frozenSize === undefined || ordinal === this.#shards.length - 1) throw new LogError('NOT_FOUND', `no frozen tree ${ordinal}`);
    let tree = this.#frozen.get(ordinal);
    if (tree === undefined) {
      tree = new FrozenTree(this.#db, ordinal, this, () => this.#closed);
      this.#frozen.set(ordinal, tree);
    }
    return tree;
  }

  getMeta(key: string): string | undefined {
    return this.#read(`read meta ${key}`, () => this.#s.getMeta.get(key));
  }

  /** Set `key` once. Setting the same value again is a no-op; a different value throws INCONSISTENT. */
  setMeta(key: string, value: string): void {
    this.#open(`set meta ${key}`);
    const stored = this.#s.getMeta.get(key);
    if (stored === value) return;
    if (stored !== undefined) {
      throw new LogError('INCONSISTENT', `couldn't set meta ${key}: already set to a different value`, {
        details: { key, stored, refused: value },
      });
    }
    try {
      this.#s.insertMeta.run(key, value);
      this.#durability?.afterSmallWrite();
    } catch (err) {
      throw toLogError(`set meta ${key}`, err, 'STORE_FAILED');
    }
  }

  /**
   * For a file: the sizes of the database file and its WAL. (page_count ×
   * page_size would count pages still in the WAL twice.) In memory:
   * page_count × page_size.
   */
  sizeOnDisk(): number {
    const pages = this.#read('measure the database', () => this.#s.pageBytes.get() ?? 0);
    if (this.#db.memory) return pages;
    const file = (suffix: string) => statSync(`${this.#db.name}${suffix}`, { throwIfNoEntry: false })?.size ?? 0;
    return file('') + file('-wal');
  }

  /** Close the connection (checkpointing the WAL into the file). Idempotent; later calls throw SHUTTING_DOWN. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.#durability !== undefined) {
        this.#durability.close(); // first: its checkpointer's connection closes, its checkpoint in progress done
        // Leave a durable, checkpointed file: as with synchronous=FULL, closing checkpoints the WAL and syncs both.
        this.#db.pragma('synchronous = FULL');
        this.#db.pragma('wal_checkpoint(TRUNCATE)');
      }
    } finally {
      this.#db.close();
    }
  }

  #open(what: string): void {
    if (this.#closed) throw new LogError('SHUTTING_DOWN', `couldn't ${what}: the store is closed`);
  }

  #read<T>(what: string, read: () => T): T {
    this.#open(what);
    try {
      return read();
    } catch (err) {
      throw toLogError(what, err, 'INTERNAL');
    }
  }
}

/** A SQL LIMIT from a caller's count: 0 for anything not positive, else a safe integer. */
function toLimit(n: number): number {
  return n >= 1 ? Math.min(Math.floor(n), Number.MAX_SAFE_INTEGER) : 0;
}

