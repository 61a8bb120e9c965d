/**
 * {@link AsyncLogStore} on PostgreSQL (node-postgres): the same rows as the
 * SQLite store (full level-0 tiles as leaf-group rows), one transaction per
 * batch, and the compare-and-swap on the log's size done by the database, so
 * that any number of processes on one database can never fork the log.
 * Durable when a call resolves: every connection runs with
 * `synchronous_commit = on` (connect.ts), so the store has no `sync()`.
 */

import type pg from 'pg';
import { describeError, isLogError, LogError } from '../../errors.js';
import { LEAF_GROUPS_PER_TILE, TILE_WIDTH, leafGroupsOfTile, tileFromLeafGroups } from '../../merkle/index.js';
import { toHex } from '../../entry/index.js';
import type { AsyncLogStore } from '../async-types.js';
import { duplicateLeafError, validateBatch } from '../batch.js';
import type { Batch, CheckpointRow, CosignatureRow, Rotation, ShardRow, StoredEntry, TileRow } from '../types.js';
import { loadMigrations } from '../sqlite/migrations.js';
import { checkServer, createPool, redact, type PostgresConnectionOptions } from './connect.js';
import { isUnavailable, sqlState, toLogError } from './errors.js';
import { migrate, postgresMigrationsDir } from './migrations.js';
import type { SequencerFence } from './lease.js';
import { PostgresAdminOtp } from './admin-otp.js';
import { Coalescer } from './coalesce.js';
import { createTreeTables, headMismatch, swapHead, toShardRow, type Head, type ShardSqlRow } from './shards.js';
import { SQL, treeStatements, type TreeStatements } from './statements.js';
import { checkpointChannel } from './notify.js';

/**
 * Most coalesced entry-read statements in flight at once. Two keep the
 * database and this process both busy (one statement executes while the
 * previous one's rows are parsed here) while every other concurrent entry
 * read waits for one of them to return and then leaves with the others in a
 * single statement: under load, one round trip and one statement's
 * per-statement cost on the server are shared by many requests, which is
 * what an entry read otherwise costs most (measured in BENCHMARKS.md).
 */
const ENTRY_READS_IN_FLIGHT = 2;

/** Most distinct (entry, leaf group) pairs in one coalesced statement: bounds its result (entries up to the body limit each). */
const ENTRY_READS_PER_STATEMENT = 64;

/**
 * Leaf-hash lookups (indexOfLeafHash: the sequencer's check of every
 * submission for a twin already in the log) in flight at once; more wait and
 * leave together, as entry reads do. Each lookup answers at most an index, so
 * one statement carries many.
 */
const LEAF_LOOKUPS_IN_FLIGHT = 2;
const LEAF_LOOKUPS_PER_STATEMENT = 512;

/** Options for {@link openPostgresStore}. */
export interface PostgresStoreOptions extends PostgresConnectionOptions {
  /** Directory of `NNNN_*.sql` migrations (default: the repository's `migrations/postgres/`). */
  readonly migrationsDir?: string;
}

/**
 * Connect to the database at `options.url`, check the server (connect.ts:
 * fsync on, synchronous_commit on, PostgreSQL ≥ 14) and apply pending
 * migrations. Rejects with CONFIG_INVALID for a server or database the store
 * cannot use, STORE_FAILED when the server cannot be reached.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const pool = createPool(options);
  const label = options.schema === undefined ? redact(options.url) : `${redact(options.url)} (schema ${options.schema})`;
  let tree: number;
  let channel: string;
  try {
    await checkServer(pool, options.url);
    if (options.schema !== undefined) await createSchema(pool, options.schema, label);
    await migrate(pool, loadMigrations(options.migrationsDir ?? postgresMigrationsDir()), label);
    await refuseUnfinishedImport(pool, label);
    tree = (await pool.query<Head>(SQL.head())).rows[0]?.tree ?? 0;
    channel = checkpointChannel((await pool.query<{ schema: string }>(SQL.headSchema())).rows[0]?.schema ?? 'public');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw toLogError(`open ${label}`, err, 'STORE_FAILED');
  }
  return new PostgresStore(pool, label, tree, undefined, channel);
}

/** Create `schema` (a checked plain identifier: connect.ts) if it does not exist; the connections' search_path names it. */
export async function createSchema(pool: pg.Pool, schema: string, label: string): Promise<void> {
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (err) {
    // Two processes creating it at once: the loser's unique violation means it exists.
    if (sqlState(err) === '23505' || sqlState(err) === '42P06') return;
    throw toLogError(`create schema ${schema} in ${label}`, err, 'CONFIG_INVALID');
  }
}

/**
 * Refuse (CONFIG_INVALID) a database that `cairn migrate` is still copying a
 * log into (import.ts): it holds a prefix of a log whose source may still
 * grow, and appending here would fork it.
 */
async function refuseUnfinishedImport(pool: pg.Pool, label: string): Promise<void> {
  let source: string | undefined;
  try {
    source = (await pool.query<{ source: string }>(SQL.unfinishedImport())).rows[0]?.source;
  } catch (err) {
    throw toLogError(`open ${label}`, err, 'CONFIG_INVALID');
  }
  if (source !== undefined) {
    throw new LogError('CONFIG_INVALID', `couldn't open database ${label}: cairn migrate has not finished copying the log from ${source} into it; run cairn migrate again to finish and prove the copy`, {
      details: { importing: source },
    });
  }
}

/**
 * The PostgreSQL log store. Takes ownership of `pool` (made by createPool, on
 * a migrated database) and ends it on {@link close}.
 *
 * Errors (errors.ts): INCONSISTENT for a batch that does not fit the stored
 * log, CORRUPT for damaged data, STORE_FAILED for a failed write or a server
 * that cannot be reached (with `details.outcome = 'unknown'` when the
 * connection failed during COMMIT), INTERNAL for any other failed read,
 * SHUTTING_DOWN after close.
 */
export class PostgresStore implements AsyncLogStore {
  readonly #shared: Shared;
  readonly #pool: pg.Pool;
  readonly #label: string;
  /**
   * The tree whose rows this store's checkpoint, cosignature, tile and leaf
   * group operations address, and which appendBatch writes into. A view made
   * by {@link tree} keeps its tree for good; the store itself addresses the
   * active tree as it last saw it (at open, in {@link shards}, after its own
   * rotation).
   */
  #tree: number;
  #q: TreeStatements;
  /** Set for a view of one tree (tree()): its tree never changes. */
  readonly #fixed: boolean;
  /** entryByIndex and entryAndLeafGroup, coalesced while others are in flight (a null group: the entry alone). */
  readonly #entryReads = new Coalescer<EntryKey, EntryAndLeafGroup>(ENTRY_READS_IN_FLIGHT, ENTRY_READS_PER_STATEMENT, (k) => `${k.index}/${k.group ?? ''}`, (keys) => this.#readEntries(keys));
  /** indexOfLeafHash, coalesced while others are in flight. */
  readonly #leafLookups = new Coalescer<Uint8Array, number | undefined>(LEAF_LOOKUPS_IN_FLIGHT, LEAF_LOOKUPS_PER_STATEMENT, toHex, (hashes) => this.#indicesOf(hashes));

  /**
   * `tree`: the active tree's ordinal (the head's); `shared`: for a view of one tree (tree()); `channel`: where
   * committed batches announce their checkpoints (notify.ts; undefined: nowhere).
   */
  constructor(pool: pg.Pool, label: string, tree = 0, shared?: Shared, channel?: string) {
    this.#shared = shared ?? { pool, label, closed: false, fence: undefined, views: new Map(), firstIndex: new Map([[0, 0]]), channel };
    this.#pool = pool;
    this.#label = label;
    this.#tree = tree;
    this.#q = treeStatements(tree);
    this.#fixed = shared !== undefined;
  }

  get #closed(): boolean {
    return this.#shared.closed;
  }

  get #fence(): SequencerFence | undefined {
    return this.#shared.fence;
  }

  /**
   * The channel on which every batch, rotation and freeze this store commits
   * announces its size (notify.ts: `cairn_checkpoint.<schema>`), delivered
   * by the server when, and only if, it commits; undefined for a store that
   * announces nothing (a copy being imported).
   */
  get checkpointChannel(): string | undefined {
    return this.#shared.channel;
  }

  /**
   * Commit `batch` in one transaction: the compare-and-swap on the head row,
   * entries, search keys, tiles, checkpoint. Durable when it resolves. The
   * head row's lock is taken first, so a second writer on the same previous
   * size waits for this transaction and then finds the size moved.
   *
   * A batch with no entries re-publishes the checkpoint at the current size,
   * as SqliteStore.appendBatch does (same root required; a changed note drops
   * the old note's cosignatures).
   *
   * The transaction also sends the checkpoint's size on
   * {@link checkpointChannel} (NOTIFY, in the compare-and-swap's statement:
   * no round trip of its own): the server delivers it to the listening
   * nodes at commit, and drops it when the batch rolls back.
   */
  async appendBatch(previousSize: number, batch: Batch): Promise<void> {
    this.#open('commit batch');
    validateBatch(previousSize, batch, await this.#firstIndex());
    const client = await this.#connect('commit batch');
    let committing = false;
    let failure: unknown;
    try {
      await client.query('BEGIN');
      await this.#write(client, previousSize, batch);
      committing = true;
      await client.query('COMMIT');
    } catch (err) {
      failure = err;
      if (committing && isUnavailable(err)) {
        throw new LogError('STORE_FAILED', `couldn't commit batch: the connection failed during COMMIT, which may or may not have taken effect: ${describeError(err)}`, {
          cause: err,
          details: { outcome: 'unknown', previousSize, size: batch.checkpoint.size },
        });
      }
      // After a server error the transaction is aborted and ROLLBACK ends it; after a connection failure (no SQLSTATE:
      // reset, timeout) the connection is closed instead, and the server rolls the transaction back.
      if (!committing && sqlState(err) !== undefined) await client.query('ROLLBACK').then(() => (failure = undefined), () => undefined);
      throw await this.#commitError(err, batch);
    } finally {
      // A connection whose transaction could not be rolled back, or that failed, is closed rather than reused.
      client.release(failure === undefined ? undefined : true);
    }
  }

  /**
   * From now on, commit batches only under the sequencer lease `fence`
   * (lease.ts): a batch whose compare-and-swap finds the lease expired, or
   * held by another holder or epoch, writes nothing and rejects with
   * NOT_SEQUENCER (details.fenced). undefined: unfenced (a single node).
   * Commits already past their compare-and-swap are not affected.
   */
  fence(fence: SequencerFence | undefined): void {
    if (fence?.leaseSchema !== undefined && !/^[a-z][a-z0-9_]{0,62}$/.test(fence.leaseSchema)) {
      throw new LogError('CONFIG_INVALID', `couldn't fence the store: ${JSON.stringify(fence.leaseSchema)} is not a plain schema name`);
    }
    this.#shared.fence = fence; // every view of the store's trees too
  }

  latestCheckpoint(): Promise<CheckpointRow | undefined> {
    return this.#one('read the latest checkpoint', this.#q.latestCheckpoint());
  }

  checkpointAt(size: number): Promise<CheckpointRow | undefined> {
    return this.#one(`read checkpoint ${size}`, this.#q.checkpointAt([size]));
  }

  async listCheckpoints(fromSize: number, limit: number): Promise<CheckpointRow[]> {
    const n = toLimit(limit);
    return n === 0 ? [] : this.#all('list checkpoints', this.#q.listCheckpoints([fromSize, n]));
  }

  /**
   * Store a witness's cosignature line for the checkpoint at `row.size`.
   * Idempotent: a second line from the same witness for the same size is
   * ignored (the first is kept). Rejects with NOT_FOUND if no checkpoint has that size.
   */
  async addCosignature(row: CosignatureRow): Promise<void> {
    const found = await this.#write1('add cosignature', this.#q.insertCosignature([row.size, row.witness, row.line]));
    if ((found.rows[0] as { found: number } | undefined)?.found !== 1) {
      throw new LogError('NOT_FOUND', `couldn't add cosignature: no checkpoint at size ${row.size}`);
    }
  }

  cosignatures(size: number): Promise<CosignatureRow[]> {
    return this.#all(`read cosignatures of ${size}`, this.#q.cosignatures([size]));
  }

  /** Coalesced with other entry reads in flight (see {@link entryAndLeafGroup}). */
  async entryByIndex(index: number): Promise<StoredEntry | undefined> {
    const what = `read entry ${index}`;
    if (!Number.isSafeInteger(index)) return this.#one(what, SQL.entryByIndex([index]));
    return (await this.#coalesced(what, { index, group: null })).entry;
  }

  async entriesInRange(start: number, count: number): Promise<StoredEntry[]> {
    const n = toLimit(count);
    return n === 0 ? [] : this.#all(`read entries from ${start}`, SQL.entriesInRange([start, start + n]));
  }

  entryByLeafHash(leafHash: Uint8Array): Promise<StoredEntry | undefined> {
    return this.#one('read entry by leaf hash', SQL.entryByLeafHash([leafHash]));
  }

  /** Coalesced with other lookups in flight (one statement for many: LEAF_LOOKUPS_IN_FLIGHT). */
  async indexOfLeafHash(leafHash: Uint8Array): Promise<number | undefined> {
    const what = 'look up leaf hash';
    this.#open(what);
    try {
      return await this.#leafLookups.read(leafHash);
    } catch (err) {
      throw toLogError(what, err, 'INTERNAL');
    }
  }

  /** One statement for distinct leaf hashes (the single-hash statement for one): their indices, in order. */
  async #indicesOf(hashes: readonly Uint8Array[]): Promise<Array<number | undefined>> {
    const [only] = hashes;
    if (hashes.length === 1 && only !== undefined) return [(await this.#pool.query<{ idx: number }>(SQL.indexOfLeafHash([only]))).rows[0]?.idx];
    const res = await this.#pool.query<{ idx: number; leaf_hash: Buffer }>(SQL.indicesOfLeafHashes([hashes]));
    const found = new Map(res.rows.map((r) => [r.leaf_hash.toString('hex'), r.idx]));
    return hashes.map((h) => found.get(toHex(h)));
  }

  async searchKey(key: string, limit: number): Promise<number[]> {
    const n = toLimit(limit);
    if (n === 0) return [];
    return (await this.#all<{ idx: number }>('search', SQL.searchKey([key, n]))).map((r) => r.idx);
  }

  /**
   * A full level-0 tile is rebuilt from its 16 leaf-group rows (byte-identical
   * to what was written). One statement whatever the tile: its row, or its
   * leaf groups (SQL.tileOrLeafGroups).
   */
  async tile(level: number, index: number): Promise<TileRow | undefined> {
    const rows = await this.#all<{ grp: number; width: number | null; hashes: Uint8Array }>(`read tile ${level}/${index}`, this.#q.tileOrLeafGroups([level, index]));
    const first = rows[0];
    if (first === undefined) return undefined;
    if (first.width !== null) return { level, index, width: first.width, hashes: first.hashes };
    return tileFromLeafGroups(index, rows.map((g) => g.hashes));
  }

  /** One primary-key read of a ~1 KiB row: the hot read of inclusion proofs. */
  async leafGroup(group: number): Promise<Uint8Array | undefined> {
    return (await this.#one<{ hashes: Uint8Array }>(`read leaf group ${group}`, this.#q.leafGroup([group])))?.hashes;
  }

  /**
   * The entry and the leaf group of its inclusion proof in one statement: one
   * round trip instead of two. A read that finds ENTRY_READS_IN_FLIGHT entry
   * statements in flight waits for one of them to return and then leaves with
   * every other waiting entry read in one statement (SQL.entriesAndLeafGroups,
   * one snapshot); an idle store sends it at once. Each caller gets its own
   * pair, or its own LogError: a failed shared statement rejects every caller
   * of it as its single read would have been rejected.
   */
  async entryAndLeafGroup(index: number, group: number): Promise<EntryAndLeafGroup> {
    const what = `read entry ${index} and leaf group ${group}`;
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(group)) {
      return toPair(await this.#one<EntryAndLeafGroupRow>(what, this.#q.entryAndLeafGroup([index, group])));
    }
    return this.#coalesced(what, { index, group });
  }

  async getMeta(key: string): Promise<string | undefined> {
    return (await this.#one<{ value: string }>(`read meta ${key}`, SQL.getMeta([key])))?.value;
  }

  /**
   * The admin one-time-code state every node on the database shares: spent
   * steps, wrong codes and lockouts (admin-otp.ts). Its calls reject with
   * STORE_FAILED when the database cannot be reached.
   */
  adminOtp(): PostgresAdminOtp {
    return new PostgresAdminOtp((what, query) => this.#query(what, query, 'STORE_FAILED'));
  }

  /**
   * Ask every node on the database for reload `what` (cluster_reloads): its
   * generation moves on by one, naming `nodeId`; resolves with the new
   * generation. Rejects with STORE_FAILED when the database cannot be reached.
   */
  async requestReload(what: 'tokens' | 'witnesses', nodeId: string): Promise<number> {
    const row = await this.#one<{ generation: string }>(`ask the nodes to reload ${what}`, SQL.requestReload([what, nodeId]));
    return Number(row?.generation);
  }

  /** The reloads asked so far: generation and asking node by operation (cluster_reloads). */
  async reloads(): Promise<Map<string, { readonly generation: number; readonly requestedBy: string }>> {
    const rows = await this.#all<{ what: string; generation: string; requested_by: string }>('read the reloads asked', SQL.reloads());
    return new Map(rows.map((r) => [r.what, { generation: Number(r.generation), requestedBy: r.requested_by }]));
  }

  /** Set `key` once. Setting the same value again is a no-op; a different value rejects with INCONSISTENT, even one set concurrently. */
  async setMeta(key: string, value: string): Promise<void> {
    const inserted = await this.#write1(`set meta ${key}`, SQL.insertMeta([key, value]));
    if (inserted.rowCount === 1) return;
    const stored = await this.getMeta(key);
    if (stored === value) return;
    throw new LogError('INCONSISTENT', `couldn't set meta ${key}: already set to a different value`, {
      details: { key, stored, refused: value },
    });
  }

  /** The size of the database (pg_database_size): tables, indexes and TOAST, not the server's WAL. */
  async sizeOnDisk(): Promise<number> {
    return (await this.#one<{ bytes: number }>('measure the database', SQL.databaseSize()))?.bytes ?? 0;
  }

  /** Close every connection (of every view of the store's trees too). Idempotent; later calls reject with SHUTTING_DOWN. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#shared.closed = true;
    await this.#pool.end();
  }

  /** The log's trees, oldest first (read from the database at every call); the store addresses the last one from now on. */
  async shards(): Promise<ShardRow[]> {
    const rows = (await this.#all<ShardSqlRow>('read the shards', SQL.shards())).map(toShardRow);
    for (const r of rows) this.#shared.firstIndex.set(r.ordinal, r.firstIndex);
    const last = rows[rows.length - 1];
    if (last !== undefined && !this.#fixed) this.#use(last.ordinal);
    return rows;
  }

  /** Record tree 0; INCONSISTENT when a tree is recorded already (also by another process meanwhile). */
  async addFirstShard(row: Rotation['next']): Promise<void> {
    try {
      await this.#write1('record the first shard', SQL.insertShard([0, row.treeId, 0, row.publicKeyPem, row.noteKeyPem ?? null, row.createdMs]));
    } catch (err) {
      if (!isLogError(err, 'INCONSISTENT')) throw err;
      throw new LogError('INCONSISTENT', "couldn't record the log's first tree: its trees are recorded already", { cause: err });
    }
  }

  /**
   * LogStore.rotate for this store's tree, in one transaction: the head's
   * compare-and-swap from (frozenSize, this tree) to (0, the next tree),
   * fenced as a batch is (shards.ts), this tree's row frozen, the next tree's
   * row, its four tables and its size-0 checkpoint. A store (not a view)
   * addresses the new tree once it commits. Announced as a batch is (size 0).
   */
  async rotate(rotation: Rotation): Promise<void> {
    this.#open('rotate');
    const cp = rotation.checkpoint;
    if (cp.size !== 0 || cp.root.length !== 32) throw new LogError('INCONSISTENT', "couldn't rotate: the new tree's first checkpoint is not a size-0 one");
    const k = this.#tree;
    const next = rotation.next;
    await this.#transaction('rotate', async (client) => {
      await swapHead(client, this.#q, 'rotate', k, rotation.frozenSize, this.#fence, refuseIfFenced);
      await this.#announce(client, 0);
      const frozen = await client.query<{ first_index: number }>(SQL.freezeShard([k, rotation.frozenSize, rotation.frozenMs]));
      const first = frozen.rows[0]?.first_index;
      if (first === undefined) throw new LogError('INCONSISTENT', `couldn't rotate: tree ${k} is not recorded as the active tree`);
      const taken = await client.query('SELECT 1 FROM shards WHERE tree_id = $1', [next.treeId]);
      if (taken.rowCount !== 0) throw new LogError('INCONSISTENT', `couldn't rotate: tree ID ${next.treeId} is taken`);
      await client.query(SQL.insertShard([k + 1, next.treeId, first + rotation.frozenSize, next.publicKeyPem, next.noteKeyPem ?? null, next.createdMs]));
      await createTreeTables(client, k + 1);
      await client.query(treeStatements(k + 1).insertCheckpoint([cp.size, cp.root, cp.time, cp.note]));
      this.#shared.firstIndex.set(k + 1, first + rotation.frozenSize);
    });
    if (!this.#fixed) this.#use(k + 1);
  }

  /**
   * LogStore.freeze for this store's tree: the head's compare-and-swap (fenced) setting `frozen`, and this tree's row
   * frozen, in one transaction. Announced as a batch is (the frozen size).
   */
  async freeze(size: number, atMs: number): Promise<void> {
    this.#open('freeze');
    const k = this.#tree;
    await this.#transaction('freeze', async (client) => {
      await swapHead(client, this.#q, 'freeze', k, size, this.#fence, refuseIfFenced);
      await this.#announce(client, size);
      const frozen = await client.query(SQL.freezeShard([k, size, atMs]));
      if (frozen.rowCount !== 1) throw new LogError('INCONSISTENT', `couldn't freeze: tree ${k} is not recorded as the active tree`);
    });
  }

  /** Reads of the frozen tree `ordinal` (its own tables: a view made by {@link tree}); NOT_FOUND for the active tree or an unknown one. */
  async frozenTree(ordinal: number): Promise<PostgresStore> {
    this.#open('read a frozen tree');
    const rows = (await this.#all<ShardSqlRow>('read the shards', SQL.shards())).map(toShardRow);
    const row = rows[ordinal];
    if (row?.frozenSize === undefined || ordinal === rows.length - 1) throw new LogError('NOT_FOUND', `no frozen tree ${ordinal}`);
    this.#shared.firstIndex.set(ordinal, row.firstIndex);
    return this.tree(ordinal);
  }

  /**
   * A view of this store bound to tree `ordinal` for good (AsyncLogStore.tree):
   * the same connections, fence and entries; that tree's checkpoints,
   * cosignatures, tiles and leaf groups; appendBatch into it only while it is
   * the active tree (INCONSISTENT otherwise). Closing a view closes the store.
   */
  tree(ordinal: number): PostgresStore {
    if (!Number.isSafeInteger(ordinal) || ordinal < 0) throw new LogError('INTERNAL', `bad tree ordinal ${ordinal}`);
    let view = this.#shared.views.get(ordinal);
    if (view === undefined) {
      view = new PostgresStore(this.#pool, this.#label, ordinal, this.#shared);
      this.#shared.views.set(ordinal, view);
    }
    return view;
  }

  #use(ordinal: number): void {
    if (ordinal === this.#tree) return;
    this.#tree = ordinal;
    this.#q = treeStatements(ordinal);
  }

  /** Global index of this store's tree's first entry (read once from its row). */
  async #firstIndex(): Promise<number> {
    const known = this.#shared.firstIndex.get(this.#tree);
    if (known !== undefined) return known;
    const rows = (await this.#all<ShardSqlRow>('read the shards', SQL.shards())).map(toShardRow);
    for (const r of rows) this.#shared.firstIndex.set(r.ordinal, r.firstIndex);
    const read = this.#shared.firstIndex.get(this.#tree);
    if (read === undefined) throw new LogError('INCONSISTENT', `couldn't commit batch: tree ${this.#tree} is not recorded`);
    return read;
  }

  /**
   * Run `body` in one transaction (rotate, freeze): all or nothing. A
   * connection lost during COMMIT rejects with STORE_FAILED and
   * `details.outcome = 'unknown'`; the head then says which happened.
   */
  async #transaction(what: string, body: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.#connect(what);
    let committing = false;
    let failure: unknown;
    try {
      await client.query('BEGIN');
      await body(client);
      committing = true;
      await client.query('COMMIT');
    } catch (err) {
      failure = err;
      if (committing && isUnavailable(err)) {
        throw new LogError('STORE_FAILED', `couldn't ${what}: the connection failed during COMMIT, which may or may not have taken effect: ${describeError(err)}`, {
          cause: err,
          details: { outcome: 'unknown' },
        });
      }
      if (!committing && sqlState(err) !== undefined) await client.query('ROLLBACK').then(() => (failure = undefined), () => undefined);
      else if (err instanceof LogError && !committing) await client.query('ROLLBACK').then(() => (failure = undefined), () => undefined);
      throw err instanceof LogError ? err : toLogError(what, err, sqlState(err) === '23505' ? 'INCONSISTENT' : 'STORE_FAILED');
    } finally {
      client.release(failure === undefined ? undefined : true);
    }
  }

  /** Queue `size` on the checkpoint channel in `client`'s transaction (delivered at its COMMIT; notify.ts). */
  async #announce(client: pg.PoolClient, size: number): Promise<void> {
    const channel = this.#shared.channel;
    if (channel !== undefined) await client.query(SQL.announce([channel, String(size)]));
  }

  /** The transaction body. Any rejection rolls everything back. */
  async #write(client: pg.PoolClient, previousSize: number, batch: Batch): Promise<void> {
    const fence = this.#fence;
    const size = batch.checkpoint.size;
    const q = this.#q;
    // The swap also queues the checkpoint's notification: delivered at COMMIT, discarded if anything below rolls the batch back.
    const channel = this.#shared.channel ?? null;
    const swapped = await client.query(
      fence === undefined
        ? q.casHead([previousSize, size, channel])
        : (fence.leaseSchema === undefined ? q.casHeadFenced : q.casHeadFencedIn(fence.leaseSchema))([previousSize, size, fence.holder, fence.epoch, channel]),
    );
    if (swapped.rowCount !== 1) {
      if (fence !== undefined) await refuseIfFenced(client, fence);
      const head = (await client.query<Head>(SQL.head())).rows[0];
      const why = head !== undefined && head.tree === this.#tree && !head.frozen ? `the stored log has size ${head.size}, not ${previousSize}` : headMismatch(head, this.#tree, previousSize);
      throw new LogError('INCONSISTENT', `couldn't commit batch: ${why}`, {
        details: { storedSize: head?.size, previousSize, storedTree: head?.tree, tree: this.#tree, frozen: head?.frozen },
      });
    }
    const es = batch.entries;
    if (es.length > 0) {
      await client.query(
        SQL.insertEntries([es.map((e) => e.index), es.map((e) => e.leafHash), es.map((e) => e.body), es.map((e) => e.kind), es.map((e) => e.integratedTime), es.map((e) => e.set)]),
      );
    }
    if (batch.searchKeys.length > 0) {
      await client.query(SQL.insertSearchKeys([batch.searchKeys.map((k) => k.key), batch.searchKeys.map((k) => k.index)]));
    }
    const full = batch.tiles.filter((t) => t.level === 0 && t.width === TILE_WIDTH);
    for (const t of full) await this.#writeFullLevel0(client, t);
    await this.#writeTiles(client, batch.tiles.filter((t) => !(t.level === 0 && t.width === TILE_WIDTH)));
    await this.#writeCheckpoint(client, batch);
  }

  /** Upsert the batch's other tiles in one statement; a row it did not write was refused (narrower, other hashes, tile full). */
  async #writeTiles(client: pg.PoolClient, tiles: readonly TileRow[]): Promise<void> {
    if (tiles.length === 0) return;
    const res = await client.query<{ level: number; idx: number }>(
      this.#q.upsertTiles([tiles.map((t) => t.level), tiles.map((t) => t.index), tiles.map((t) => t.width), tiles.map((t) => t.hashes)]),
    );
    if (res.rowCount === tiles.length) return;
    const written = new Set(res.rows.map((r) => `${r.level}/${r.idx}`));
    const refused = tiles.find((t) => !written.has(`${t.level}/${t.index}`)) as TileRow;
    const stored = await client.query<{ width: number }>(this.#q.tileWidth([refused.level, refused.index]));
    refuseTile(refused, stored.rows[0]?.width ?? (refused.level === 0 ? TILE_WIDTH : undefined));
  }

  /**
   * A level-0 tile became full: its 16 leaf-group rows replace its partial
   * row, under the same rule as the upsert (the stored level-0 hashes are
   * kept; the same full tile again is a no-op; other hashes are refused).
   */
  async #writeFullLevel0(client: pg.PoolClient, t: TileRow): Promise<void> {
    const partial = (await client.query<{ width: number; hashes: Uint8Array }>(this.#q.deletePartialLevel0([t.index]))).rows[0];
    if (partial !== undefined) {
      const n = partial.width * 32;
      if (Buffer.compare(partial.hashes.subarray(0, n), t.hashes.subarray(0, n)) !== 0) refuseTile(t, partial.width);
    }
    const first = t.index * LEAF_GROUPS_PER_TILE;
    const rows = leafGroupsOfTile(t);
    const groups = rows.map((_, k) => first + k);
    const inserted = await client.query(this.#q.insertLeafGroups([groups, rows]));
    if (inserted.rowCount === rows.length) return;
    const stored = await client.query<{ grp: number; hashes: Uint8Array }>(this.#q.leafGroupsInRange([first, first + LEAF_GROUPS_PER_TILE]));
    const same = stored.rows.length === rows.length && stored.rows.every((r, k) => r.grp === first + k && Buffer.compare(r.hashes, rows[k] as Uint8Array) === 0);
    if (!same) refuseTile(t, TILE_WIDTH);
  }

  async #writeCheckpoint(client: pg.PoolClient, batch: Batch): Promise<void> {
    const cp = batch.checkpoint;
    const stored = batch.entries.length === 0 ? (await client.query<CheckpointRow>(this.#q.checkpointAt([cp.size]))).rows[0] : undefined;
    if (stored === undefined) {
      await client.query(this.#q.insertCheckpoint([cp.size, cp.root, cp.time, cp.note]));
      return;
    }
    if (Buffer.compare(stored.root, cp.root) !== 0) {
      throw new LogError('INCONSISTENT', `couldn't commit batch: checkpoint at size ${cp.size} has a different root than the stored one`, {
        details: { size: cp.size },
      });
    }
    await client.query(this.#q.resignCheckpoint([cp.time, cp.note, cp.size]));
    if (stored.note !== cp.note) await client.query(this.#q.deleteCosignatures([cp.size]));
  }

  /** Turn a failed commit into the contract's error, naming a duplicate entry when that was the cause. */
  async #commitError(err: unknown, batch: Batch): Promise<LogError> {
    if (sqlState(err) !== '23505') return toLogError('commit batch', err, 'STORE_FAILED');
    const stored = await this.#storedIndices(batch.entries.map((e) => e.leafHash));
    return duplicateLeafError(batch, (h) => stored.get(Buffer.from(h).toString('hex')), err) ?? toLogError('commit batch', err, 'INCONSISTENT');
  }

  /** Stored indices of these leaf hashes, by hex (empty when the store cannot be read now). */
  async #storedIndices(hashes: readonly Uint8Array[]): Promise<Map<string, number>> {
    try {
      const res = await this.#pool.query<{ idx: number; leaf_hash: Buffer }>(SQL.indicesOfLeafHashes([hashes]));
      return new Map(res.rows.map((r) => [r.leaf_hash.toString('hex'), r.idx]));
    } catch {
      return new Map();
    }
  }

  /** A connection for a transaction, with a listener for failures between its queries (met by the next query). */
  async #connect(what: string): Promise<pg.PoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw toLogError(`${what} on ${this.#label}`, err, 'STORE_FAILED');
    }
    client.on('error', ignore);
    const release = client.release.bind(client);
    client.release = (destroy?: Error | boolean) => {
      client.off('error', ignore);
      release(destroy);
    };
    return client;
  }

  async #coalesced(what: string, key: EntryKey): Promise<EntryAndLeafGroup> {
    this.#open(what);
    try {
      return await this.#entryReads.read(key);
    } catch (err) {
      throw toLogError(what, err, 'INTERNAL');
    }
  }

  /** One statement for distinct `keys` (the single-pair statements for one key): their pairs, in order. */
  async #readEntries(keys: readonly EntryKey[]): Promise<EntryAndLeafGroup[]> {
    const [only] = keys;
    if (keys.length === 1 && only !== undefined) {
      if (only.group === null) return [{ entry: (await this.#pool.query<StoredEntry>(SQL.entryByIndex([only.index]))).rows[0], leafGroup: undefined }];
      return [toPair((await this.#pool.query<EntryAndLeafGroupRow>(this.#q.entryAndLeafGroup([only.index, only.group]))).rows[0])];
    }
    const res = await this.#pool.query<EntryAndLeafGroupRow & { n: number }>(this.#q.entriesAndLeafGroups([keys.map((k) => k.index), keys.map((k) => k.group)]));
    const pairs: EntryAndLeafGroup[] = keys.map(() => ({ entry: undefined, leafGroup: undefined }));
    for (const { n, ...row } of res.rows) pairs[n - 1] = toPair(row);
    return pairs;
  }

  #open(what: string): void {
    if (this.#closed) throw new LogError('SHUTTING_DOWN', `couldn't ${what}: the store is closed`);
  }

  async #query<R extends pg.QueryResultRow>(what: string, query: pg.QueryConfig, fallback: 'INTERNAL' | 'STORE_FAILED'): Promise<pg.QueryResult<R>> {
    this.#open(what);
    try {
      return await this.#pool.query<R>(query);
    } catch (err) {
      throw toLogError(what, err, fallback);
    }
  }

  async #one<R extends pg.QueryResultRow>(what: string, query: pg.QueryConfig): Promise<R | undefined> {
    return (await this.#query<R>(what, query, 'INTERNAL')).rows[0];
  }

  async #all<R extends pg.QueryResultRow>(what: string, query: pg.QueryConfig): Promise<R[]> {
    return (await this.#query<R>(what, query, 'INTERNAL')).rows;
  }

  /** A one-statement write (autocommit: durable when it resolves). */
  #write1(what: string, query: pg.QueryConfig): Promise<pg.QueryResult> {
    return this.#query(what, query, 'STORE_FAILED');
  }
}

/** What a store and its views of single trees (PostgresStore.tree) share. */
interface Shared {
  readonly pool: pg.Pool;
  readonly label: string;
  closed: boolean;
  fence: SequencerFence | undefined;
  readonly views: Map<number, PostgresStore>;
  /** Global index of each tree's first entry, by ordinal (immutable once recorded). */
  readonly firstIndex: Map<number, number>;
  /** Where committed batches announce their checkpoints (notify.ts); undefined: nowhere. */
  readonly channel: string | undefined;
}

/** A row of SQL.entryAndLeafGroup: the entry's columns are all null when it is not stored. */
type EntryAndLeafGroupRow = { [K in keyof StoredEntry]: StoredEntry[K] | null } & { leafGroup: Uint8Array | null };

/** What AsyncLogStore.entryAndLeafGroup answers. */
type EntryAndLeafGroup = { entry: StoredEntry | undefined; leafGroup: Uint8Array | undefined };

/** A coalesced entry read: the entry at `index` and the leaf group `group` (null: none wanted). */
interface EntryKey {
  readonly index: number;
  readonly group: number | null;
}

function toPair(row: EntryAndLeafGroupRow | undefined): EntryAndLeafGroup {
  if (row === undefined) return { entry: undefined, leafGroup: undefined };
  const { leafGroup, ...entry } = row;
  return { entry: entry.index === null ? undefined : (entry as StoredEntry), leafGroup: leafGroup ?? undefined };
}

/** Reject with NOT_SEQUENCER when the lease is no longer `fence`'s (expired, or another holder or epoch). */
async function refuseIfFenced(client: pg.PoolClient, fence: SequencerFence): Promise<void> {
  const read = fence.leaseSchema === undefined ? SQL.leaseHolder() : SQL.leaseHolderIn(fence.leaseSchema)();
  const lease = (await client.query<{ holder: string; epoch: number; live: boolean }>(read)).rows[0];
  if (lease !== undefined && lease.holder === fence.holder && lease.epoch === fence.epoch && lease.live) return;
  throw new LogError('NOT_SEQUENCER', `couldn't commit batch: this node no longer holds the sequencer lease (epoch ${fence.epoch}; the lease is now epoch ${lease?.epoch}, ${lease?.live === true ? 'live' : 'expired'})`, {
    details: { fenced: true, epoch: fence.epoch, leaseEpoch: lease?.epoch, leaseLive: lease?.live },
  });
}

function refuseTile(t: TileRow, storedWidth: number | undefined): never {
  throw new LogError(
    'INCONSISTENT',
    `couldn't commit batch: tile ${t.level}/${t.index} of width ${storedWidth} would be rewritten with width ${t.width} or other hashes`,
    { details: { level: t.level, index: t.index, storedWidth, width: t.width } },
  );
}

function ignore(): void {}

/** A SQL LIMIT from a caller's count: 0 for anything not positive, else a safe integer. */
function toLimit(n: number): number {
  return n >= 1 ? Math.min(Math.floor(n), Number.MAX_SAFE_INTEGER) : 0;
}
