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

/**
 * Open log `name`'s store, creating it if new (SQLite: the file; PostgreSQL:
 * the schema and its tables). With `mustExist`, undefined instead for a log
 * that holds nothing yet (SQLite: no file; PostgreSQL: no checkpoint). Rejects
 * with the store's errors: CONFIG_INVALID for a database it cannot use,
 * STORE_FAILED for a server that cannot be reached, CORRUPT for a damaged file.
 */
export async function openLogDatabase(
  config: DatabaseSettings,
  name: LogDatabaseName,
  opts: { readonly quickCheck?: boolean; readonly mustExist?: boolean } = {},
): Promise<LogDatabase | undefined> {
  const where = logDatabaseWhere(config, name);
  if (!onPostgres(config)) {
    const path = join(config.dataDir, SQLITE_FILES[name]);
    if (opts.mustExist === true && !existsSync(path)) return undefined;
    return { store: toAsyncStore(openSqliteStore({ path, quickCheck: opts.quickCheck ?? false })), where, postgres: undefined };
  }
  const schema = POSTGRES_SCHEMAS[name];
  const store = await openPostgresStore({ url: config.databaseUrl, ...(schema === undefined ? {} : { schema }) });
  if (opts.mustExist === true && (await store.latestCheckpoint().catch(async (err: unknown) => {
    await store.close();
    throw err;
  })) === undefined) {
    await store.close();
    return undefined;
  }
  return { store, where, postgres: store };
}
