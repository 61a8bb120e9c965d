/**
 * Opening a Cairn SQLite database: checks the path, sets the pragmas the
 * write path relies on, verifies the file and applies migrations.
 */

import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { describeError, LogError } from '../../errors.js';
import { toLogError } from './errors.js';
import { findMigrationsDir, loadMigrations, migrate } from './migrations.js';

export type { Database } from 'better-sqlite3';

/** `PRAGMA application_id` of a Cairn database ('CAIR'), set by migration 0001. */
export const APPLICATION_ID = 0x43414952;

/** WAL pages (4 KiB each) after which a commit checkpoints the WAL into the database file. */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /**
   * Run `PRAGMA quick_check` at open and refuse a damaged file (default
   * true). It reads the whole file: O(size), seconds per GB.
   */
  readonly quickCheck?: boolean;
  /** Directory of `NNNN_*.sql` migrations (default: the repository's `migrations/`). */
  readonly migrationsDir?: string;
  /** How long a statement waits for another connection's lock, in ms (default 5000). */
  readonly busyTimeoutMs?: number;
  /** Page cache size in KiB (default 65536, SQLite's is 2000: the leaf-hash index of 1M entries is ~50 MiB). */
  readonly cacheSizeKiB?: number;
  /**
   * The `PRAGMA application_id` this kind of database carries (default
   * {@link APPLICATION_ID}, a log). A file with another non-zero id is refused,
   * so a witness's state file and a log's database cannot be mixed up.
   */
  readonly applicationId?: number;
  /**
   * Commit without waiting for the disk: `synchronous=OFF` and no automatic
   * checkpoints, for a store that makes commits durable itself, off the event
   * loop (SqliteStore.sync, whose policy is durability.ts). Migrations still
   * run with `synchronous=FULL`.
   * Ignored for in-memory databases. Default false.
   */
  readonly deferredSync?: boolean;
}

/**
 * Open (creating if needed) the database at `path`, or an in-memory one for
 * `':memory:'`, ready for {@link SqliteStore}.
 *
 * - Creates the parent directory if missing.
 * - WAL journal with `synchronous=FULL`: a committed transaction is on disk
 *   (the WAL is fsynced at every commit), unless `deferredSync` (then
 *   durable once SqliteStore.sync resolved). In-memory databases have no WAL.
 * - Foreign keys off (the schema uses none), `busy_timeout` set.
 * - Applies pending migrations, one transaction each, tracked by `user_version`.
 *
 * Throws LogError: CONFIG_INVALID for an unusable path (not writable, not a
 * file, cannot be opened), a database written by a newer Cairn or a file that
 * is not a Cairn database; CORRUPT for a damaged file (failed quick_check,
 * truncated, not a database, an existing empty file). Messages name the file.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database {
  const memory = path === ':memory:';
  const label = memory ? ':memory:' : resolve(path);
  if (!memory) {
    try {
      checkPath(label);
    } catch (err) {
      throw toLogError(`open database ${label}`, err, 'CONFIG_INVALID');
    }
  }
  let db: Database;
  try {
    db = new BetterSqlite3(label, { timeout: options.busyTimeoutMs ?? 5000 });
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't open database ${label}: ${describeError(err)}`, { cause: err });
  }
  try {
    if (options.quickCheck ?? true) quickCheck(db, label);
    checkIdentity(db, label, options.applicationId ?? APPLICATION_ID);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (!memory && mode !== 'wal') {
      const why = `the file system does not support WAL (journal mode stays ${String(mode)})`;
      throw new LogError('CONFIG_INVALID', `couldn't open database ${label}: ${why}`);
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = OFF');
    db.pragma(`cache_size = ${-Math.trunc(options.cacheSizeKiB ?? 65536)}`);
    db.pragma('temp_store = MEMORY');
    // Checkpoint the WAL every ~40 MiB rather than SQLite's 4 MiB: a batch
    // dirties pages all over the leaf-hash index, and a page rewritten by
    // several batches is copied into the file once per checkpoint. Measured
    // +30–45% at 1M entries (test/storage/measure.ts). The WAL is truncated
    // back to 64 MiB after a checkpoint.
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    migrate(db, loadMigrations(options.migrationsDir ?? findMigrationsDir()), label);
    if (options.deferredSync === true && !memory) {
      db.pragma('synchronous = OFF');
      db.pragma('wal_autocheckpoint = 0');
    }
    return db;
  } catch (err) {
    db.close();
    throw toLogError(`open database ${label}`, err, 'CONFIG_INVALID');
  }
}

/** Refuse, with a message naming the path, a location SQLite could not use or a suspicious empty file. */
function checkPath(file: string): void {
  const dir = dirname(file);
  try {
    makeDirs(dir);
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't open database ${file}: couldn't create directory ${dir}: ${describeError(err)}`, {
      cause: err,
    });
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't open database ${file}: directory ${dir} is not writable (${describeError(err)})`, {
      cause: err,
    });
  }
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat === undefined) return;
  if (!stat.isFile()) throw new LogError('CONFIG_INVALID', `couldn't open database ${file}: not a regular file`);
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't open database ${file}: not readable and writable (${describeError(err)})`, {
      cause: err,
    });
  }
  // SQLite treats an empty file as a new database. An existing empty file with
  // no WAL is a truncated log far more often than a new one: starting a fresh
  // tree over it would publish a second history under the same key.
  const wal = statSync(`${file}-wal`, { throwIfNoEntry: false });
  if (stat.size === 0 && (wal === undefined || wal.size === 0)) {
    throw new LogError('CORRUPT', `couldn't open database ${file}: the file exists but is empty (truncated?); delete it to start a new log`);
  }
}

/**
 * `mkdir -p`, one level at a time: Node's `{ recursive: true }` spins forever
 * on file systems that answer ENOENT for a directory whose parent exists (/proc).
 */
function makeDirs(dir: string): void {
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (stat?.isDirectory()) return;
  if (stat !== undefined) throw new Error(`${dir} is not a directory`);
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent);
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** `PRAGMA quick_check`: b-tree structure, record formats, freelist. Throws CORRUPT on any finding. */
export function quickCheck(db: Database, label: string): void {
  const problems = db.pragma('quick_check(5)', { simple: false }) as { quick_check: string }[];
  const messages = problems
    .flatMap((r) => r.quick_check.split('\n'))
    .filter((m) => m !== 'ok' && !m.startsWith('*** in database'));
  if (messages.length > 0) {
    throw new LogError('CORRUPT', `couldn't open database ${label}: the file is damaged (${messages.join('; ')}); restore it from a backup`, {
      details: { problems: messages },
    });
  }
}

/** Refuse a SQLite file that some other program created: another application_id, or tables but no schema version. */
export function checkIdentity(db: Database, label: string, expected: number): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (appId !== expected && appId !== 0) {
    throw new LogError('CONFIG_INVALID', `couldn't open database ${label}: not a Cairn database (application_id ${appId})`);
  }
  if (db.pragma('user_version', { simple: true }) !== 0) return;
  const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
  if (tables > 0) throw new LogError('CONFIG_INVALID', `couldn't open database ${label}: not a Cairn database (tables but no schema version)`);
}
