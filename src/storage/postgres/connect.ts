/**
 * Connecting to PostgreSQL: the connection pool a {@link PostgresStore} uses,
 * with the session settings its durability relies on, and the checks that
 * refuse a server that would not honour them.
 */

import pg from 'pg';
import { describeError, LogError } from '../../errors.js';
import { toLogError } from './errors.js';

/** Connection settings of a PostgreSQL store. */
export interface PostgresConnectionOptions {
  /** `postgres://user:password@host:port/database?…` (libpq URL; `host` may be a socket directory). */
  readonly url: string;
  /** Most connections this process opens (default 10). */
  readonly maxConnections?: number;
  /** How long to wait for a connection before a call fails with STORE_FAILED, in ms (default 5000). */
  readonly connectTimeoutMs?: number;
  /**
   * How long a call waits for the server's answer to one statement before it
   * fails with STORE_FAILED, in ms (default 10000): a server that stopped
   * answering (a network cut without a reset, a frozen host) fails calls
   * promptly instead of holding them. The connection is then closed; a
   * transaction it held is rolled back by the server, a COMMIT it was waiting
   * for has an unknown outcome (AsyncLogStore).
   */
  readonly queryTimeoutMs?: number;
  /**
   * How long the server lets a transaction of this store sit idle before it
   * ends the session and rolls it back, in ms (default 10000). A process
   * paused in the middle of a commit (SIGSTOP, a long GC pause, a frozen VM)
   * thereby loses its transaction, and with it the lock on the log's head:
   * when it resumes its commit fails instead of landing late.
   */
  readonly idleInTransactionTimeoutMs?: number;
  /**
   * The schema the store's tables live in (every connection's `search_path`;
   * created by openPostgresStore if missing), so that several logs share one
   * database: lower-case letters, digits and `_`, starting with a letter.
   * Undefined: the schema the URL's connection starts in (`public` unless set).
   */
  readonly schema?: string;
}

/** What a schema name may be: a plain lower-case identifier, quoted nowhere. */
const SCHEMA_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Oldest server release the store runs on (identity columns, SQLSTATE 25P03, `ON CONFLICT`). */
const MIN_SERVER_VERSION = 140000;

/**
 * bigint (int8) columns are read as JS numbers. Every bigint the store reads
 * is an index, size, time or byte count below 2^53 (src/storage/types.ts).
 * The parser is per pool: node-postgres's global type table is left alone.
 */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (text: string) => Number(text) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * A pool of connections to `options.url`, each with `synchronous_commit = on`
 * (a COMMIT returns once its WAL is flushed to disk: what the store's
 * contract calls durable) and the idle-in-transaction timeout. Connects
 * lazily; {@link checkServer} makes the first connection.
 */
export function createPool(options: PostgresConnectionOptions): pg.Pool {
  const schema = options.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new LogError('CONFIG_INVALID', `couldn't use schema ${JSON.stringify(schema)}: a schema name is lower-case letters, digits and _, starting with a letter`);
  }
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      query_timeout: options.queryTimeoutMs ?? 10_000,
      keepAlive: true,
      application_name: 'cairn',
      options: `-c synchronous_commit=on -c idle_in_transaction_session_timeout=${Math.trunc(options.idleInTransactionTimeoutMs ?? 10_000)}${schema === undefined ? '' : ` -c search_path=${schema}`}`,
      types: TYPES,
    });
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't use database URL ${redact(options.url)}: ${describeError(err)}`, { cause: err });
  }
  // An idle connection that fails (server restart, network cut) is dropped by the pool and the next call opens a new
  // one; the failure itself is met by whichever call comes next. Without a listener it would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Refuse (CONFIG_INVALID) a server the store cannot keep its durability
 * promise on: one older than PostgreSQL 14, one running with `fsync = off`
 * (a committed batch could vanish in a power loss), or a connection on which
 * `synchronous_commit` is not `on` (a pooler that drops startup options).
 * A server that cannot be reached is STORE_FAILED.
 */
export async function checkServer(pool: pg.Pool, url: string): Promise<void> {
  let settings: Record<string, string>;
  try {
    const res = await pool.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('server_version_num', 'fsync', 'synchronous_commit')",
    );
    settings = Object.fromEntries(res.rows.map((r) => [r.name, r.setting]));
  } catch (err) {
    throw toLogError(`connect to ${redact(url)}`, err, 'CONFIG_INVALID');
  }
  const refuse = (why: string): never => {
    throw new LogError('CONFIG_INVALID', `couldn't use database ${redact(url)}: ${why}`, { details: settings });
  };
  if (Number(settings['server_version_num'] ?? 0) < MIN_SERVER_VERSION) refuse(`PostgreSQL ${settings['server_version_num']} is older than 14`);
  if (settings['fsync'] !== 'on') refuse('the server runs with fsync = off: committed batches would not survive a power loss');
  if (settings['synchronous_commit'] !== 'on') refuse(`synchronous_commit is ${settings['synchronous_commit']} on this connection, not on`);
}

/** `url` without its password, for messages and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '<malformed database URL>';
  }
}
