/**
 * Where `cairn serve` keeps its three logs: the Rekor v1 log, the Rekor v2
 * tree beside it (open-v2-log.ts) and the admin audit log (admin-log.ts).
 *
 * - Without --database-url: three SQLite files in the data dir, `cairn.db`,
 *   `rekor-v2.db` and `admin-log.db`.
 * - With --database-url: one PostgreSQL database. The v1 log's tables are in
 *   the schema the URL's connection starts in (`public` unless the URL sets
 *   `search_path`; where `cairn migrate --to` copies a log), the v2 tree's in
 *   schema `cairn_rekor_v2`, the admin log's in `cairn_admin_log`: each log is
 *   an ordinary store with its own head, checkpoints and migrations, and one
 *   database backs all three (one backup, one replica, one set of credentials).
 *
 * Every store is opened behind the asynchronous contract (SQLite through
 * toAsyncStore). Messages name a database by `where`: the file, or the URL
 * without its password and the schema.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { isLogError, LogError } from '../errors.js';
import { openPostgresStore, openSqliteStore, redactDatabaseUrl, toAsyncStore, type AsyncLogStore, type PostgresStore } from '../storage/index.js';

/** The logs of a server. */
export type LogDatabaseName = 'log' | 'rekor-v2' | 'admin-log';

/** Their SQLite files in the data dir. */
export const SQLITE_FILES: Readonly<Record<LogDatabaseName, string>> = { log: 'cairn.db', 'rekor-v2': 'rekor-v2.db', 'admin-log': 'admin-log.db' };

/** Their PostgreSQL schemas (the v1 log: the URL's own). */
export const POSTGRES_SCHEMAS: Readonly<Record<LogDatabaseName, string | undefined>> = { log: undefined, 'rekor-v2': 'cairn_rekor_v2', 'admin-log': 'cairn_admin_log' };

export interface LogDatabase {
  readonly store: AsyncLogStore;
  /** The file, or the URL without its password and the schema: for messages and logs. */
  readonly where: string;
  /** The store itself on PostgreSQL (a cluster fences it); undefined on SQLite. */
  readonly postgres: PostgresStore | undefined;
}

/** The settings that say where the logs are. */
export type DatabaseSettings = Pick<Config, 'dataDir' | 'databaseUrl'>;

/** Whether `config` keeps the logs in PostgreSQL. */
export function onPostgres<C extends DatabaseSettings>(config: C): config is C & { readonly databaseUrl: string } {
  return config.databaseUrl !== undefined;
}

/** Where log `name` is kept, for messages (no password). */
export function logDatabaseWhere(config: DatabaseSettings, name: LogDatabaseName): string {
  if (!onPostgres(config)) return join(config.dataDir, SQLITE_FILES[name]);
  const schema = POSTGRES_SCHEMAS[name];
  return schema === undefined ? redactDatabaseUrl(config.databaseUrl) : `${redactDatabaseUrl(config.databaseUrl)} (schema ${schema})`;
}

/** How long to wait for a PostgreSQL server that cannot be reached (--database-wait-ms). */
export interface DatabaseWait {
  /** Longest wait, ms; 0: fail at the first attempt. */
  readonly waitMs: number;
  /** Told before each retry: why the attempt failed, ms waited so far, ms until the next attempt. */
  readonly onRetry?: (err: LogError, waitedMs: number, retryInMs: number) => void;
}

/** First pause between attempts, ms; it doubles up to {@link MAX_RETRY_MS}. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/**
 * Open log `name`'s store, creating it if new (SQLite: the file; PostgreSQL:
 * the schema and its tables). With `mustExist`, undefined instead for a log
 * that holds nothing yet (SQLite: no file; PostgreSQL: no checkpoint). Rejects
 * with the store's errors: CONFIG_INVALID for a database it cannot use,
 * STORE_FAILED for a server that cannot be reached, CORRUPT for a damaged file.
 * With `wait`, a PostgreSQL server that cannot be reached (STORE_FAILED) is
 * tried again, the pause doubling from 250 ms to 5 s, until `wait.waitMs` has
 * passed; any other failure rejects at once.
 */
export async function openLogDatabase(
  config: DatabaseSettings,
  name: LogDatabaseName,
  opts: { readonly quickCheck?: boolean; readonly mustExist?: boolean; readonly wait?: DatabaseWait } = {},
): Promise<LogDatabase | undefined> {
  const where = logDatabaseWhere(config, name);
  if (!onPostgres(config)) {
    const path = join(config.dataDir, SQLITE_FILES[name]);
    if (opts.mustExist === true && !existsSync(path)) return undefined;
    return { store: toAsyncStore(openSqliteStore({ path, quickCheck: opts.quickCheck ?? false })), where, postgres: undefined };
  }
  const schema = POSTGRES_SCHEMAS[name];
  const url = config.databaseUrl;
  const store = await untilReachable(() => openPostgresStore({ url, ...(schema === undefined ? {} : { schema }) }), opts.wait);
  if (opts.mustExist === true && (await store.latestCheckpoint().catch(async (err: unknown) => {
    await store.close();
    throw err;
  })) === undefined) {
    await store.close();
    return undefined;
  }
  return { store, where, postgres: store };
}

/** `open()`, tried again while it rejects with STORE_FAILED and `wait` allows (see openLogDatabase). */
async function untilReachable<T>(open: () => Promise<T>, wait: DatabaseWait | undefined): Promise<T> {
  const t0 = performance.now();
  for (let pause = FIRST_RETRY_MS; ; pause = Math.min(pause * 2, MAX_RETRY_MS)) {
    try {
      return await open();
    } catch (err) {
      const waited = performance.now() - t0;
      if (wait === undefined || !isLogError(err, 'STORE_FAILED')) throw err;
      const next = Math.min(pause, wait.waitMs - waited);
      if (next <= 0) {
        if (wait.waitMs === 0) throw err;
        throw new LogError('STORE_FAILED', `${err.message} (still, after waiting ${Math.round(waited / 1000)} s for the database: --database-wait-ms ${wait.waitMs})`, { cause: err });
      }
      wait.onRetry?.(err, waited, next);
      await new Promise((resolve) => setTimeout(resolve, next));
    }
  }
}
