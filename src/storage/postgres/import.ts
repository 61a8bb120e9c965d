/**
 * Bulk import of a whole log into an empty PostgreSQL database (`cairn
 * migrate`): the same rows {@link PostgresStore} writes, copied from another
 * store in large transactions instead of one sequencer batch at a time, and
 * the bulk reads that prove the copy afterwards.
 *
 * Contract:
 *
 * - **Empty target.** {@link PostgresImport.begin} starts an import only on a
 *   database that holds no log (Cairn's migrations applied, no checkpoint,
 *   entry, tile, search key, cosignature, meta or shards row, head at 0 of
 *   tree 0), and records
 *   it in `import_state` (migrations/postgres/0003_import.sql) with the
 *   source's meta rows, in one transaction. A database holding a log is never
 *   written, except to extend a log copied so ({@link PostgresImport.reopen}:
 *   marked as an import in progress again, at its head, before anything
 *   more is copied).
 * - **Recognisably incomplete.** From `begin` until {@link PostgresImport.finish}
 *   the `import_state` row exists, and {@link openPostgresStore} refuses the
 *   database (CONFIG_INVALID): nothing serves or appends to a copy that is not
 *   proved whole.
 * - **Trees first.** A log of several trees (rotated, or frozen) has its
 *   `shards` rows recorded as the source stores them, with each tree's
 *   tables (migrations/postgres/0004_shards.sql), before that tree's entries
 *   ({@link PostgresImport.addShards}); the head's `frozen` follows the last
 *   row, as a freeze sets it.
 * - **A valid log at a published size after every commit.** Entries go in
 *   {@link ImportChunk}s (import-chunk.ts): one transaction each, into one
 *   tree's tables, from the stored head (a compare-and-swap on `log_head`,
 *   as `appendBatch`; a tree's first chunk from the previous tree's final
 *   size, moving the head into it, as a rotation does) to the size of one of
 *   that tree's checkpoints in the source, with the entries dense in between
 *   at their global indices, the leaf groups of the level-0 tiles that became
 *   full, the other tiles at the new size (a stored tile is only widened,
 *   keeping its level-0 hashes, as the store's upsert) and the checkpoints up
 *   to that size. A failure or a crash leaves the database at the last
 *   committed chunk's size of its tree; a later import resumes there
 *   ({@link PostgresImport.status}).
 * - **Additive afterwards.** Search keys, cosignatures and meta rows are added
 *   with `ON CONFLICT DO NOTHING` (an existing meta key with another value is
 *   INCONSISTENT), so adding the same rows again is harmless. Cosignatures are
 *   inserted in the order given (their insertion order is what
 *   `cosignatures(size)` answers).
 * - **One importer per schema.** A session advisory lock on the schema held
 *   from open to close: a second import into the same schema of the same
 *   database is refused (CONFIG_INVALID with `details.busy`); imports into
 *   other schemas of it (the logs of one server: src/cli/log-databases.ts)
 *   go on beside it.
 *
 * Rows are taken as given: proving that they are the source's, and a sound
 * tree, is the caller's job (src/migrate/prove.ts), before `finish`.
 * Errors are LogErrors as {@link PostgresStore}'s: INCONSISTENT for rows
 * that do not fit, STORE_FAILED when the server cannot be reached.
 */

import type pg from 'pg';
import { LogError } from '../../errors.js';
import type { AsyncLogStore } from '../async-types.js';
import type { CosignatureRow, SearchKey, ShardRow, TileRow } from '../types.js';
import { loadMigrations } from '../sqlite/migrations.js';
import { checkServer, createPool, redact } from './connect.js';
import { toLogError } from './errors.js';
import { migrate, postgresMigrationsDir } from './migrations.js';
import { ImportChunk } from './import-chunk.js';
import { Q, importTreeStatements } from './import-statements.js';
import { createTreeTables, toShardRow, type ShardSqlRow } from './shards.js';
import { SQL, treeStatements } from './statements.js';
import { PostgresStore, createSchema, type PostgresStoreOptions } from './store.js';

/** Advisory lock key held by an import ('CAIM' as an integer), paired with a hash of the schema's name. */
const IMPORT_LOCK = 0x4341494d;

/** What a database holds, as far as an import is concerned. */
export type ImportStatus =
  | { readonly state: 'empty' }
  | { readonly state: 'importing'; readonly source: string; readonly startedMs: number; readonly tree: number; readonly size: number; readonly hasCheckpoint: boolean }
  | { readonly state: 'log'; readonly tree: number; readonly size: number };

/** Row counts of the copy, for the proof's "nothing more" checks: the log's, and one tree's. */
export interface ImportCounts {
  readonly entries: number;
  /** 1 + the largest entry index (0 with no entry). */
  readonly entryEnd: number;
  readonly searchKeys: number;
  /** The tree's leaf-group rows. */
  readonly leafGroups: number;
  /** Rows of the tree's tiles table (every tile but the full level-0 ones). */
  readonly tiles: number;
  readonly checkpoints: number;
  readonly cosignatures: number;
}

/**
 * Open an import into the database at `options.url`, in `options.schema`
 * when given (created if missing) as {@link openPostgresStore} opens a store
 * there: connect and check the server and apply Cairn's migrations, then
 * take the schema's import lock. Rejects with CONFIG_INVALID for a database
 * the store cannot use or a schema another import holds (`details.busy`),
 * STORE_FAILED when the server cannot be reached.
 */
export async function openPostgresImport(options: PostgresStoreOptions): Promise<PostgresImport> {
  const pool = createPool(options);
  const label = options.schema === undefined ? redact(options.url) : `${redact(options.url)} (schema ${options.schema})`;
  let lockHolder: pg.PoolClient | undefined;
  try {
    await checkServer(pool, options.url);
    if (options.schema !== undefined) await createSchema(pool, options.schema, label);
    await migrate(pool, loadMigrations(options.migrationsDir ?? postgresMigrationsDir()), label);
    lockHolder = await pool.connect();
    lockHolder.on('error', ignore);
    const locked = await lockHolder.query<{ ok: boolean }>(Q.lock([IMPORT_LOCK]));
    if (locked.rows[0]?.ok !== true) {
      throw new LogError('CONFIG_INVALID', `couldn't import into ${label}: another cairn migrate is copying into this ${options.schema === undefined ? 'database' : 'schema'}`, { details: { busy: true } });
    }
  } catch (err) {
    lockHolder?.release(true);
    await pool.end().catch(() => undefined);
    throw toLogError(`open an import into ${label}`, err, 'CONFIG_INVALID');
  }
  return new PostgresImport(pool, label, lockHolder);
}

/**
 * An import in progress (see the module's contract). Owns its connection
 * pool; {@link close} ends it and releases the import lock.
 */
export class PostgresImport {
  readonly #pool: pg.Pool;
  readonly #label: string;
  readonly #lockHolder: pg.PoolClient;
  readonly #store: PostgresStore;
  #closed = false;

  constructor(pool: pg.Pool, label: string, lockHolder: pg.PoolClient) {
    this.#pool = pool;
    this.#label = label;
    this.#lockHolder = lockHolder;
    this.#store = new PostgresStore(pool, label);
  }

  /** The store's contract reads of tree 0 (and the log's entries) on the same connections (closed with the import: do not close it). */
  get reads(): AsyncLogStore {
    return this.#store.tree(0);
  }

  /** The store's contract reads of tree `ordinal` (its checkpoints, cosignatures and tiles; the log's entries), as {@link reads}. */
  treeReads(ordinal: number): AsyncLogStore {
    return this.#store.tree(ordinal);
  }

  /** The database's label (its URL without the password). */
  get label(): string {
    return this.#label;
  }

  /** Empty, an import in progress (its head: the size of its last committed chunk), or a log. */
  async status(): Promise<ImportStatus> {
    this.#open('read the import status');
    try {
      return await this.#status(this.#pool);
    } catch (err) {
      throw toLogError(`read the import status of ${this.#label}`, err, 'STORE_FAILED');
    }
  }

  async #status(on: pg.Pool | pg.PoolClient): Promise<ImportStatus> {
    const row = (await on.query<{ size: number; tree: number; source: string | null; startedMs: number | null; hasRows: boolean }>(Q.status())).rows[0];
    if (row === undefined) throw new LogError('INTERNAL', `couldn't read the import status of ${this.#label}: no head row`);
    if (row.source !== null) {
      const hasCheckpoint = (await on.query<{ found: boolean }>(importTreeStatements(row.tree).hasCheckpoint([row.size]))).rows[0]?.found === true;
      return { state: 'importing', source: row.source, startedMs: row.startedMs ?? 0, tree: row.tree, size: row.size, hasCheckpoint };
    }
    return row.hasRows || row.size !== 0 || row.tree !== 0 ? { state: 'log', tree: row.tree, size: row.size } : { state: 'empty' };
  }

  /**
   * Start an import into an empty database: the `import_state` row and the
   * source's meta rows, in one transaction. Rejects with CONFIG_INVALID
   * (`details.notEmpty`) when the database holds a log or another import.
   */
  async begin(source: string, meta: readonly (readonly [string, string])[], atMs: number): Promise<void> {
    await this.#transaction('begin the import', async (client) => {
      await client.query(Q.lockHead());
      const status = await this.#status(client);
      if (status.state !== 'empty') {
        throw new LogError('CONFIG_INVALID', `couldn't import into ${this.#label}: the database is not empty (it holds ${status.state === 'log' ? `a log of size ${status.size}` : `an unfinished import from ${status.source}`})`, {
          details: { notEmpty: true },
        });
      }
      await client.query(Q.startImport([source, atMs]));
      await client.query(Q.insertMeta([meta.map((m) => m[0]), meta.map((m) => m[1])]));
    });
  }

  /**
   * Reopen a finished copy to extend it (its source grew since): the
   * `import_state` row again, as {@link begin} records it, in one
   * transaction, when the database holds a log whose head is at `size` of
   * tree `tree` (default 0) and no import (CONFIG_INVALID with
   * `details.notEmpty` otherwise: nothing written). From then on it is an
   * import in progress (the store refuses it) until {@link finish}; its
   * rows are kept, and the next chunk goes on from the head.
   */
  async reopen(source: string, atMs: number, size: number, tree = 0): Promise<void> {
    await this.#transaction('reopen the import', async (client) => {
      await client.query(Q.lockHead());
      const status = await this.#status(client);
      if (status.state !== 'log' || status.size !== size || status.tree !== tree) {
        const holds = status.state === 'log' ? `a log at size ${status.size} of tree ${status.tree}` : status.state === 'empty' ? 'no log' : `an unfinished import from ${status.source}`;
        throw new LogError('CONFIG_INVALID', `couldn't reopen the import into ${this.#label}: it holds ${holds}, not a log at size ${size} of tree ${tree}`, { details: { notEmpty: true } });
      }
      await client.query(Q.startImport([source, atMs]));
    });
  }

  /**
   * Open the next chunk of tree `tree` (default 0, recorded by
   * {@link addShards} when not 0): a transaction holding the import row and
   * the head, which MUST be at `previousSize` of that tree, or, for the
   * first chunk of tree k > 0 (`previousSize` 0), at the final size of tree
   * k − 1 as its row records it (INCONSISTENT otherwise: another writer, or a
   * caller that lost track). Nothing is visible until its commit, which
   * moves the head into the tree.
   */
  async chunk(previousSize: number, tree = 0): Promise<ImportChunk> {
    this.#open('open an import chunk');
    if (!Number.isSafeInteger(tree) || tree < 0) throw new LogError('INTERNAL', `bad tree ordinal ${tree}`);
    const client = await this.#connect('open an import chunk');
    let firstIndex = 0;
    try {
      await client.query('BEGIN');
      await this.#requireImport(client, Q.lockImport());
      const head = (await client.query<{ size: number; tree: number }>(Q.lockHead())).rows[0];
      const rows = (await client.query<ShardSqlRow>(SQL.shards())).rows.map(toShardRow);
      const before = rows[tree - 1];
      const entering = previousSize === 0 && before !== undefined && head?.tree === before.ordinal && head.size === before.frozenSize;
      if (head === undefined || !(entering || (head.tree === tree && head.size === previousSize))) {
        const where = head?.tree === tree ? `has size ${head.size}, not ${previousSize}${tree === 0 ? '' : ` (tree ${tree})`}` : `is at size ${head?.size} of tree ${head?.tree}, not at size ${previousSize} of tree ${tree}`;
        throw new LogError('INCONSISTENT', `couldn't import: the copy ${where}`, {
          details: { storedSize: head?.size, storedTree: head?.tree, previousSize, tree },
        });
      }
      if (tree > 0 && rows[tree] === undefined) throw new LogError('INCONSISTENT', `couldn't import into tree ${tree}: it is not recorded in the copy`);
      firstIndex = rows[tree]?.firstIndex ?? 0;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw toLogError('open an import chunk', err, 'STORE_FAILED');
    }
    return new ImportChunk(client, previousSize, tree, firstIndex);
  }

  /**
   * Record the source's trees (its `shards` rows, oldest first, as stored),
   * in one transaction: each row the copy lacks is added, with its tables
   * (created as a rotation creates them); a row the copy holds MUST be the
   * same (INCONSISTENT otherwise, nothing written), except that one the
   * source has frozen since is frozen here too; the copy MUST hold no row the
   * source lacks. The head's `frozen` then follows the rows (shards.ts).
   * Idempotent.
   */
  async addShards(rows: readonly ShardRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#transaction('record the trees', async (client) => {
      await this.#requireImport(client, Q.lockImport());
      const stored = (await client.query<ShardSqlRow>(SQL.shards())).rows.map(toShardRow);
      if (stored.length > rows.length) throw new LogError('INCONSISTENT', `couldn't record the trees: the copy holds ${stored.length} trees, the source ${rows.length}`);
      for (const [i, r] of rows.entries()) {
        const s = stored[i];
        if (s === undefined) {
          await client.query(Q.insertShard([r.ordinal, r.treeId, r.firstIndex, r.publicKeyPem, r.noteKeyPem ?? null, r.createdMs, r.frozenSize ?? null, r.frozenMs ?? null]));
          if (r.ordinal > 0) await createTreeTables(client, r.ordinal);
          continue;
        }
        const same = s.ordinal === r.ordinal && s.treeId === r.treeId && s.firstIndex === r.firstIndex && s.publicKeyPem === r.publicKeyPem && s.noteKeyPem === r.noteKeyPem && s.createdMs === r.createdMs;
        const frozenSame = s.frozenSize === r.frozenSize && s.frozenMs === r.frozenMs;
        if (!same || (!frozenSame && s.frozenSize !== undefined)) throw new LogError('INCONSISTENT', `couldn't record the trees: the copy's tree ${s.ordinal} (${s.treeId}) is not the source's`);
        if (!frozenSame) await client.query(Q.freezeShard([r.ordinal, r.frozenSize ?? null, r.frozenMs ?? null]));
      }
      await client.query(Q.refreezeHead());
    });
  }

  /** The copy's `shards` rows, oldest first. */
  async shards(): Promise<ShardRow[]> {
    return (await this.#query<ShardSqlRow>('read the trees', SQL.shards())).rows.map(toShardRow);
  }

  /** Add meta rows; a key already set to another value rejects with INCONSISTENT (nothing added). */
  async addMeta(rows: readonly (readonly [string, string])[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#transaction('add meta', async (client) => {
      await this.#requireImport(client, Q.shareImport());
      await client.query(Q.insertMeta([rows.map((m) => m[0]), rows.map((m) => m[1])]));
      const stored = new Map((await client.query<{ key: string; value: string }>(Q.metaOf([rows.map((m) => m[0])]))).rows.map((r) => [r.key, r.value]));
      const other = rows.find(([k, v]) => stored.get(k) !== v);
      if (other !== undefined) {
        throw new LogError('INCONSISTENT', `couldn't import meta ${other[0]}: the copy holds another value`, { details: { key: other[0], stored: stored.get(other[0]), refused: other[1] } });
      }
    });
  }

  /** Add search keys (existing ones are kept); each MUST point below the copy's last entry's global index + 1 (INCONSISTENT otherwise). */
  async addSearchKeys(keys: readonly SearchKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#transaction('add search keys', async (client) => {
      await this.#requireImport(client, Q.shareImport());
      const size = (await client.query<{ end: number }>(Q.entryEnd())).rows[0]?.end ?? 0;
      const beyond = keys.find((k) => !Number.isSafeInteger(k.index) || k.index < 0 || k.index >= size);
      if (beyond !== undefined) throw new LogError('INCONSISTENT', `couldn't import search key ${JSON.stringify(beyond.key)}: index ${beyond.index} is not below the copy's size ${size} (its entries' end)`);
      await client.query(Q.insertSearchKeys([keys.map((k) => k.key), keys.map((k) => k.index)]));
    });
  }

  /**
   * Add cosignatures of tree `tree`'s checkpoints (default 0, a recorded
   * tree) in the order given (one already stored for its size and witness is
   * kept); each MUST be of a stored checkpoint of that tree (INCONSISTENT
   * otherwise, nothing added).
   */
  async addCosignatures(rows: readonly CosignatureRow[], tree = 0): Promise<void> {
    if (rows.length === 0) return;
    const q = importTreeStatements(tree);
    await this.#transaction('add cosignatures', async (client) => {
      await this.#requireImport(client, Q.shareImport());
      const sizes = [...new Set(rows.map((r) => r.size))];
      const found = (await client.query<{ n: number }>(q.countCosignable([sizes]))).rows[0]?.n ?? 0;
      if (found !== sizes.length) throw new LogError('INCONSISTENT', `couldn't import cosignatures: ${sizes.length - found} of their checkpoints are not in the copy's tree ${tree}`);
      await client.query(q.insertCosignatures([rows.map((r) => r.size), rows.map((r) => r.witness), rows.map((r) => r.line)]));
    });
  }

  /**
   * End the import: the copy (at `size` of tree `tree`, default 0:
   * INCONSISTENT if the head is elsewhere) is a log the store serves from now
   * on. Call once the copy is proved.
   */
  async finish(size: number, tree = 0): Promise<void> {
    const res = await this.#query('finish the import', Q.endImport([size, tree]));
    if (res.rowCount !== 1) throw new LogError('INCONSISTENT', `couldn't finish the import into ${this.#label}: no import at size ${size} of tree ${tree} is in progress`);
  }

  /** Every meta row of the copy. */
  async meta(): Promise<Map<string, string>> {
    return new Map((await this.#query<{ key: string; value: string }>('read meta', Q.allMeta())).rows.map((r) => [r.key, r.value]));
  }

  /** Every cosignature of the copy's tree `tree` (default 0), by size, each size's in insertion order. */
  async allCosignatures(tree = 0): Promise<CosignatureRow[]> {
    return (await this.#query<CosignatureRow>('read cosignatures', importTreeStatements(tree).allCosignatures())).rows;
  }

  /** The index stored for each of these leaf hashes (hex), as the leaf-hash index finds them. */
  async indicesOfLeafHashes(hashes: readonly Uint8Array[]): Promise<Map<string, number>> {
    const res = await this.#query<{ idx: number; leaf_hash: Buffer }>('look up leaf hashes', SQL.indicesOfLeafHashes([hashes]));
    return new Map(res.rows.map((r) => [r.leaf_hash.toString('hex'), r.idx]));
  }

  /** Those of `keys` the copy does not hold. */
  async missingSearchKeys(keys: readonly SearchKey[]): Promise<SearchKey[]> {
    if (keys.length === 0) return [];
    return (await this.#query<SearchKey>('look up search keys', Q.missingSearchKeys([keys.map((k) => k.key), keys.map((k) => k.index)]))).rows;
  }

  /** Leaf-group rows of tree `tree` (default 0) with `first` ≤ group < `end`, in order, with their group numbers. */
  async leafGroupsInRange(first: number, end: number, tree = 0): Promise<{ grp: number; hashes: Uint8Array }[]> {
    return (await this.#query<{ grp: number; hashes: Uint8Array }>('read leaf groups', treeStatements(tree).leafGroupsInRange([first, end]))).rows;
  }

  /** Rows of tree `tree`'s (default 0) tiles table at `level` with `first` ≤ index < `end`, in order. */
  async tilesAtLevel(level: number, first: number, end: number, tree = 0): Promise<TileRow[]> {
    return (await this.#query<TileRow>(`read tiles of level ${level}`, importTreeStatements(tree).tilesAtLevel([level, first, end]))).rows;
  }

  /** The log's row counts, and tree `tree`'s (default 0). */
  async counts(tree = 0): Promise<ImportCounts> {
    const log = (await this.#query<Pick<ImportCounts, 'entries' | 'entryEnd' | 'searchKeys'>>('count rows', Q.counts())).rows[0];
    const rows = (await this.#query<Omit<ImportCounts, 'entries' | 'entryEnd' | 'searchKeys'>>(`count the rows of tree ${tree}`, importTreeStatements(tree).counts())).rows[0];
    if (log === undefined || rows === undefined) throw new LogError('INTERNAL', `couldn't count the rows of ${this.#label}`);
    return { ...log, ...rows };
  }

  /** Release the import lock and close every connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#lockHolder.query(Q.unlock([IMPORT_LOCK])).catch(() => undefined);
    this.#lockHolder.release();
    await this.#pool.end();
  }

  async #requireImport(client: pg.PoolClient, lock: pg.QueryConfig): Promise<void> {
    if ((await client.query(lock)).rowCount !== 1) {
      throw new LogError('INCONSISTENT', `couldn't import into ${this.#label}: no import is in progress there`);
    }
  }

  async #transaction(what: string, body: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    this.#open(what);
    const client = await this.#connect(what);
    let failed = false;
    try {
      await client.query('BEGIN');
      await body(client);
      await client.query('COMMIT');
    } catch (err) {
      failed = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw toLogError(`${what} on ${this.#label}`, err, 'STORE_FAILED');
    } finally {
      client.release(failed ? true : undefined);
    }
  }

  async #connect(what: string): Promise<pg.PoolClient> {
    try {
      const client = await this.#pool.connect();
      // A failure between queries is met by the next query; one listener per pooled connection, kept while it lives.
      if (!client.listeners('error').includes(ignore)) client.on('error', ignore);
      return client;
    } catch (err) {
      throw toLogError(`${what} on ${this.#label}`, err, 'STORE_FAILED');
    }
  }

  async #query<R extends pg.QueryResultRow>(what: string, query: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    this.#open(what);
    try {
      return await this.#pool.query<R>(query);
    } catch (err) {
      throw toLogError(`${what} on ${this.#label}`, err, 'STORE_FAILED');
    }
  }

  #open(what: string): void {
    if (this.#closed) throw new LogError('SHUTTING_DOWN', `couldn't ${what}: the import is closed`);
  }
}

function ignore(): void {}

