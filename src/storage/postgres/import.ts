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
 *   entry, tile, search key, cosignature or meta row, head at 0), and records
 *   it in `import_state` (migrations/postgres/0003_import.sql) with the
 *   source's meta rows, in one transaction. A database holding a log is never
 *   written.
 * - **Recognisably incomplete.** From `begin` until {@link PostgresImport.finish}
 *   the `import_state` row exists, and {@link openPostgresStore} refuses the
 *   database (CONFIG_INVALID): nothing serves or appends to a copy that is not
 *   proved whole.
 * - **A valid log at a published size after every commit.** Entries go in
 *   {@link ImportChunk}s: one transaction each, from the stored head (a
 *   compare-and-swap on `log_head`, as `appendBatch`) to the size of one of
 *   the source's checkpoints, with the entries dense in between, the leaf
 *   groups of the level-0 tiles that became full, the other tiles at the new
 *   size (a stored tile is only widened, keeping its level-0 hashes, as the
 *   store's upsert) and the checkpoints up to that size. A failure or a crash
 *   leaves the database at the last committed chunk's size; a later import
 *   resumes there ({@link PostgresImport.status}).
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
import { LEAF_GROUPS_PER_TILE, TILE_WIDTH, leafGroupsOfTile } from '../../merkle/index.js';
import type { AsyncLogStore } from '../async-types.js';
import { validateEntries, validateTile } from '../batch.js';
import type { CheckpointRow, CosignatureRow, SearchKey, StoredEntry, TileRow } from '../types.js';
import { loadMigrations } from '../sqlite/migrations.js';
import { checkServer, createPool, redact } from './connect.js';
import { toLogError } from './errors.js';
import { migrate, postgresMigrationsDir } from './migrations.js';
import { SQL } from './statements.js';
import { PostgresStore, createSchema, type PostgresStoreOptions } from './store.js';

/** Advisory lock key held by an import ('CAIM' as an integer), paired with a hash of the schema's name. */
const IMPORT_LOCK = 0x4341494d;

/** What a database holds, as far as an import is concerned. */
export type ImportStatus =
  | { readonly state: 'empty' }
  | { readonly state: 'importing'; readonly source: string; readonly startedMs: number; readonly size: number; readonly hasCheckpoint: boolean }
  | { readonly state: 'log'; readonly size: number };

/** Row counts of the copy, for the proof's "nothing more" checks. */
export interface ImportCounts {
  readonly entries: number;
  /** 1 + the largest entry index (0 with no entry). */
  readonly entryEnd: number;
  readonly searchKeys: number;
  readonly leafGroups: number;
  /** Rows of the tiles table (every tile but the full level-0 ones). */
  readonly tiles: number;
  readonly checkpoints: number;
  readonly cosignatures: number;
}

const sql = (name: string, text: string) => (values: unknown[] = []): pg.QueryConfig => ({ name: `cairn_import_${name}`, text, values });

const Q = {
  lock: sql('lock', 'SELECT pg_try_advisory_lock($1, hashtext(current_schema())) AS ok'),
  unlock: sql('unlock', 'SELECT pg_advisory_unlock($1, hashtext(current_schema()))'),
  status: sql(
    'status',
    `SELECT (SELECT size FROM log_head) AS size,
            (SELECT source FROM import_state) AS source,
            (SELECT started_ms FROM import_state) AS "startedMs",
            EXISTS (SELECT 1 FROM checkpoints) OR EXISTS (SELECT 1 FROM entries) OR EXISTS (SELECT 1 FROM meta)
              OR EXISTS (SELECT 1 FROM tiles) OR EXISTS (SELECT 1 FROM leaf_groups) OR EXISTS (SELECT 1 FROM search_keys)
              OR EXISTS (SELECT 1 FROM cosignatures) AS "hasRows",
            EXISTS (SELECT 1 FROM checkpoints WHERE size = (SELECT size FROM log_head)) AS "hasCheckpoint"`,
  ),
  lockHead: sql('lock_head', 'SELECT size FROM log_head FOR UPDATE'),
  lockImport: sql('lock_import', 'SELECT source FROM import_state FOR UPDATE'),
  shareImport: sql('share_import', 'SELECT source FROM import_state FOR SHARE'),
  startImport: sql('start_import', 'INSERT INTO import_state (source, started_ms) VALUES ($1, $2)'),
  endImport: sql('end_import', 'DELETE FROM import_state WHERE EXISTS (SELECT 1 FROM log_head WHERE size = $1)'),
  setHead: sql('set_head', 'UPDATE log_head SET size = $1'),
  insertMeta: sql('insert_meta', 'INSERT INTO meta (key, value) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (key) DO NOTHING'),
  metaOf: sql('meta_of', 'SELECT key, value FROM meta WHERE key = ANY($1::text[])'),
  allMeta: sql('all_meta', 'SELECT key, value FROM meta'),
  deletePartialLevel0: sql('delete_partial_level0', 'DELETE FROM tiles WHERE level = 0 AND idx = ANY($1::bigint[])'),
  insertLeafGroups: sql('insert_leaf_groups', 'INSERT INTO leaf_groups (grp, hashes) SELECT * FROM unnest($1::bigint[], $2::bytea[])'),
  insertCheckpoints: sql(
    'insert_checkpoints',
    'INSERT INTO checkpoints (size, root, time_ms, note) SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bigint[], $4::text[])',
  ),
  insertSearchKeys: sql(
    'insert_search_keys',
    'INSERT INTO search_keys (key, idx) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING',
  ),
  // Cosignatures of stored checkpoints only, in the order given (the identity column numbers them as inserted).
  insertCosignatures: sql(
    'insert_cosignatures',
    `INSERT INTO cosignatures (size, witness, line)
     SELECT c.size, c.witness, c.line
     FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS c (size, witness, line, n)
     WHERE EXISTS (SELECT 1 FROM checkpoints k WHERE k.size = c.size)
     ORDER BY c.n
     ON CONFLICT DO NOTHING`,
  ),
  countCosignable: sql('count_cosignable', 'SELECT count(*)::integer AS n FROM checkpoints WHERE size = ANY($1::bigint[])'),
  allCosignatures: sql('all_cosignatures', 'SELECT size, witness, line FROM cosignatures ORDER BY size, seq'),
  missingSearchKeys: sql(
    'missing_search_keys',
    `SELECT s.key, s.idx AS "index" FROM unnest($1::text[], $2::bigint[]) AS s (key, idx)
     WHERE NOT EXISTS (SELECT 1 FROM search_keys k WHERE k.key = s.key AND k.idx = s.idx)`,
  ),
  tilesAtLevel: sql('tiles_at_level', 'SELECT level, idx AS "index", width, hashes FROM tiles WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx'),
  counts: sql(
    'counts',
    `SELECT (SELECT count(*) FROM entries) AS entries, (SELECT coalesce(max(idx) + 1, 0) FROM entries) AS "entryEnd",
            (SELECT count(*) FROM search_keys) AS "searchKeys", (SELECT count(*) FROM leaf_groups) AS "leafGroups",
            (SELECT count(*) FROM tiles) AS tiles, (SELECT count(*) FROM checkpoints) AS checkpoints,
            (SELECT count(*) FROM cosignatures) AS cosignatures`,
  ),
};

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
  /** The store's contract reads on the same connections (closed with the import: do not close it). */
  readonly reads: AsyncLogStore;
  #closed = false;

  constructor(pool: pg.Pool, label: string, lockHolder: pg.PoolClient) {
    this.#pool = pool;
    this.#label = label;
    this.#lockHolder = lockHolder;
    this.reads = new PostgresStore(pool, label);
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
    const row = (await on.query<{ size: number; source: string | null; startedMs: number | null; hasRows: boolean; hasCheckpoint: boolean }>(Q.status())).rows[0];
    if (row === undefined) throw new LogError('INTERNAL', `couldn't read the import status of ${this.#label}: no head row`);
    if (row.source !== null) return { state: 'importing', source: row.source, startedMs: row.startedMs ?? 0, size: row.size, hasCheckpoint: row.hasCheckpoint };
    return row.hasRows || row.size !== 0 ? { state: 'log', size: row.size } : { state: 'empty' };
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
   * Open the next chunk: a transaction holding the import row and the head,
   * which MUST be at `previousSize` (INCONSISTENT otherwise: another writer,
   * or a caller that lost track). Nothing is visible until its commit.
   */
  async chunk(previousSize: number): Promise<ImportChunk> {
    this.#open('open an import chunk');
    const client = await this.#connect('open an import chunk');
    try {
      await client.query('BEGIN');
      await this.#requireImport(client, Q.lockImport());
      const head = (await client.query<{ size: number }>(Q.lockHead())).rows[0]?.size;
      if (head !== previousSize) {
        throw new LogError('INCONSISTENT', `couldn't import: the copy has size ${head}, not ${previousSize}`, { details: { storedSize: head, previousSize } });
      }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw toLogError('open an import chunk', err, 'STORE_FAILED');
    }
    return new ImportChunk(client, previousSize);
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

  /** Add search keys (existing ones are kept); each MUST point below the copy's size (INCONSISTENT otherwise). */
  async addSearchKeys(keys: readonly SearchKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#transaction('add search keys', async (client) => {
      await this.#requireImport(client, Q.shareImport());
      const size = (await client.query<{ size: number }>(SQL.headSize())).rows[0]?.size ?? 0;
      const beyond = keys.find((k) => !Number.isSafeInteger(k.index) || k.index < 0 || k.index >= size);
      if (beyond !== undefined) throw new LogError('INCONSISTENT', `couldn't import search key ${JSON.stringify(beyond.key)}: index ${beyond.index} is not below the copy's size ${size}`);
      await client.query(Q.insertSearchKeys([keys.map((k) => k.key), keys.map((k) => k.index)]));
    });
  }

  /**
   * Add cosignatures in the order given (one already stored for its size and
   * witness is kept); each MUST be of a stored checkpoint (INCONSISTENT
   * otherwise, nothing added).
   */
  async addCosignatures(rows: readonly CosignatureRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#transaction('add cosignatures', async (client) => {
      await this.#requireImport(client, Q.shareImport());
      const sizes = [...new Set(rows.map((r) => r.size))];
      const found = (await client.query<{ n: number }>(Q.countCosignable([sizes]))).rows[0]?.n ?? 0;
      if (found !== sizes.length) throw new LogError('INCONSISTENT', `couldn't import cosignatures: ${sizes.length - found} of their checkpoints are not in the copy`);
      await client.query(Q.insertCosignatures([rows.map((r) => r.size), rows.map((r) => r.witness), rows.map((r) => r.line)]));
    });
  }

  /**
   * End the import: the copy (at `size`: INCONSISTENT if the head moved) is a
   * log the store serves from now on. Call once the copy is proved.
   */
  async finish(size: number): Promise<void> {
    const res = await this.#query('finish the import', Q.endImport([size]));
    if (res.rowCount !== 1) throw new LogError('INCONSISTENT', `couldn't finish the import into ${this.#label}: no import at size ${size} is in progress`);
  }

  /** Every meta row of the copy. */
  async meta(): Promise<Map<string, string>> {
    return new Map((await this.#query<{ key: string; value: string }>('read meta', Q.allMeta())).rows.map((r) => [r.key, r.value]));
  }

  /** Every cosignature of the copy, by size, each size's in insertion order. */
  async allCosignatures(): Promise<CosignatureRow[]> {
    return (await this.#query<CosignatureRow>('read cosignatures', Q.allCosignatures())).rows;
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

  /** Leaf-group rows `first` ≤ group < `end`, in order, with their group numbers. */
  async leafGroupsInRange(first: number, end: number): Promise<{ grp: number; hashes: Uint8Array }[]> {
    return (await this.#query<{ grp: number; hashes: Uint8Array }>('read leaf groups', SQL.leafGroupsInRange([first, end]))).rows;
  }

  /** Rows of the tiles table at `level` with `first` ≤ index < `end`, in order. */
  async tilesAtLevel(level: number, first: number, end: number): Promise<TileRow[]> {
    return (await this.#query<TileRow>(`read tiles of level ${level}`, Q.tilesAtLevel([level, first, end]))).rows;
  }

  async counts(): Promise<ImportCounts> {
    const row = (await this.#query<ImportCounts>('count rows', Q.counts())).rows[0];
    if (row === undefined) throw new LogError('INTERNAL', `couldn't count the rows of ${this.#label}`);
    return row;
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

/** What the commit of a chunk writes besides its entries. */
export interface ChunkEnd {
  /** The copy's size after the chunk: previous size + entries added. */
  readonly size: number;
  /**
   * The source's checkpoints with previous size ≤ size ≤ `size`, ascending,
   * the last at `size`. One at the previous size replaces the stored one's
   * note and time (same root required; a changed note drops its
   * cosignatures), as a re-signed checkpoint does in the store.
   */
  readonly checkpoints: readonly CheckpointRow[];
  /** The tiles of the tree at `size` changed since the previous size, except full level-0 ones (given to addEntries). */
  readonly tiles: readonly TileRow[];
}

/** One transaction of an import (see {@link PostgresImport.chunk}). Commit or abort it exactly once. */
export class ImportChunk {
  readonly #client: pg.PoolClient;
  readonly #previousSize: number;
  #next: number;
  #done = false;

  constructor(client: pg.PoolClient, previousSize: number) {
    this.#client = client;
    this.#previousSize = previousSize;
    this.#next = previousSize;
  }

  /**
   * Write entries (dense, continuing the chunk: INCONSISTENT otherwise) and
   * the full level-0 tiles they complete (as 16 leaf-group rows each,
   * replacing the tile's partial row). The rows are checked at once, so the
   * next call may be made before this one resolved (its statements queue
   * behind this one's on the chunk's connection): a caller prepares the
   * next rows while the server writes these.
   */
  addEntries(entries: readonly StoredEntry[], fullLevel0: readonly TileRow[]): Promise<void> {
    this.#open();
    const first = this.#next;
    this.#next += entries.length;
    return this.#run('import entries', async (c) => {
      validateEntries(first, entries);
      for (const t of fullLevel0) {
        validateTile(t);
        if (t.level !== 0 || t.width !== TILE_WIDTH) throw new LogError('INCONSISTENT', `couldn't import tile ${t.level}/${t.index} as leaf groups: not a full level-0 tile`);
        if ((t.index + 1) * TILE_WIDTH > this.#next) throw new LogError('INCONSISTENT', `couldn't import full tile 0/${t.index}: its entries are not all in the copy`);
      }
      if (entries.length > 0) {
        await c.query(SQL.insertEntries([entries.map((e) => e.index), entries.map((e) => e.leafHash), entries.map((e) => e.body), entries.map((e) => e.kind), entries.map((e) => e.integratedTime), entries.map((e) => e.set)]));
      }
      if (fullLevel0.length > 0) {
        await c.query(Q.deletePartialLevel0([fullLevel0.map((t) => t.index)]));
        const groups = fullLevel0.flatMap((t) => leafGroupsOfTile({ level: 0, index: t.index, width: t.width, hashes: t.hashes }).map((hashes, k) => [t.index * LEAF_GROUPS_PER_TILE + k, hashes] as const));
        await c.query(Q.insertLeafGroups([groups.map((g) => g[0]), groups.map((g) => g[1])]));
      }
    });
  }

  /** Move the head to `end.size`, write its tiles and checkpoints, and commit. */
  async commit(end: ChunkEnd): Promise<void> {
    this.#open();
    const cps = end.checkpoints;
    await this.#run('commit an import chunk', async (c) => {
      if (end.size !== this.#next) throw refuse(`couldn't commit an import chunk at size ${end.size}: its entries end at ${this.#next}`);
      if (cps[cps.length - 1]?.size !== end.size) throw refuse(`couldn't commit an import chunk at size ${end.size}: no checkpoint at that size`);
      cps.forEach((cp, i) => {
        if (cp.size < this.#previousSize || (i > 0 && cp.size <= (cps[i - 1] as CheckpointRow).size) || cp.root.length !== 32 || !Number.isSafeInteger(cp.time)) {
          throw refuse(`couldn't commit an import chunk: checkpoint ${cp.size} is malformed, out of order or below the previous size ${this.#previousSize}`);
        }
      });
      for (const t of end.tiles) {
        validateTile(t);
        if (t.level === 0 && t.width === TILE_WIDTH) throw refuse(`couldn't commit an import chunk: full tile 0/${t.index} goes with its entries`);
      }
      await c.query(Q.setHead([end.size]));
      const first = cps[0] as CheckpointRow;
      const rest = first.size === this.#previousSize ? cps.slice(1) : cps;
      if (first.size === this.#previousSize) await this.#replaceCheckpoint(c, first);
      if (rest.length > 0) await c.query(Q.insertCheckpoints([rest.map((r) => r.size), rest.map((r) => r.root), rest.map((r) => r.time), rest.map((r) => r.note)]));
      if (end.tiles.length > 0) {
        const ts = end.tiles;
        const res = await c.query(SQL.upsertTiles([ts.map((t) => t.level), ts.map((t) => t.index), ts.map((t) => t.width), ts.map((t) => t.hashes)]));
        if (res.rowCount !== ts.length) throw new LogError('INCONSISTENT', "couldn't commit an import chunk: a tile would narrow or change a stored tile's hashes");
      }
      await c.query('COMMIT');
    });
    this.#done = true;
    this.#client.release();
  }

  /** Roll the chunk back. Idempotent; a no-op after commit. */
  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#client.query('ROLLBACK').catch(() => undefined);
    this.#client.release(true);
  }

  /** The checkpoint at the previous size: inserted when absent, else same root required and the note replaced. */
  async #replaceCheckpoint(c: pg.PoolClient, cp: CheckpointRow): Promise<void> {
    const stored = (await c.query<CheckpointRow>(SQL.checkpointAt([cp.size]))).rows[0];
    if (stored === undefined) {
      await c.query(Q.insertCheckpoints([[cp.size], [cp.root], [cp.time], [cp.note]]));
      return;
    }
    if (Buffer.compare(stored.root, cp.root) !== 0) throw new LogError('INCONSISTENT', `couldn't import: the copy's checkpoint at size ${cp.size} has another root than the source's`);
    if (stored.note === cp.note && stored.time === cp.time) return;
    await c.query(SQL.resignCheckpoint([cp.time, cp.note, cp.size]));
    if (stored.note !== cp.note) await c.query(SQL.deleteCosignatures([cp.size]));
  }

  /** Runs `body` in the chunk's transaction; any failure (a refusal of the rows given too) rolls the chunk back and ends it. */
  async #run(what: string, body: (c: pg.PoolClient) => Promise<void>): Promise<void> {
    try {
      await body(this.#client);
    } catch (err) {
      await this.abort();
      throw toLogError(what, err, 'STORE_FAILED');
    }
  }

  #open(): void {
    if (this.#done) throw new LogError('INCONSISTENT', "couldn't use an import chunk: it was committed or aborted");
  }
}

function ignore(): void {}

function refuse(message: string): LogError {
  return new LogError('INCONSISTENT', message);
}
