/**
 * Consistent copies of a log's database while it serves, and read-only
 * access to a copy (`cairn backup`, `cairn restore`, `cairn check`).
 *
 * A backup is `VACUUM INTO` on a read-only connection of its own: one read
 * transaction, so the copy is the database as of one committed batch (WAL
 * readers see a snapshot; the writer goes on committing meanwhile and is
 * never blocked, and its PASSIVE checkpoints do not wait for readers: the
 * WAL only grows for the copy's duration). SQLite's online backup API
 * (`db.backup()`) was not chosen: a write by another connection restarts it,
 * so under steady load it may never finish. The copy is written to a
 * temporary name beside the target, fsynced, renamed into place and the
 * directory fsynced: the target is whole or absent.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { LogError, describeError } from '../../errors.js';
import { APPLICATION_ID, checkIdentity, quickCheck } from './db.js';
import { toLogError } from './errors.js';
import { findMigrationsDir, loadMigrations } from './migrations.js';
import { SqliteStore } from './store.js';

/** What a backup wrote. */
export interface BackupResult {
  readonly path: string;
  readonly bytes: number;
}

/**
 * Copies the log database at `source` to `target` (which must not exist),
 * consistently, without writing to `source`. Throws CONFIG_INVALID when the
 * target exists or cannot be written, or the source is not a Cairn database;
 * CORRUPT when the source is damaged.
 */
export function backupDatabase(source: string, target: string): BackupResult {
  const to = resolve(target);
  if (statSync(to, { throwIfNoEntry: false }) !== undefined) {
    throw new LogError('CONFIG_INVALID', `couldn't back up to ${to}: the file exists (a backup never overwrites one)`);
  }
  const db = openReadOnly(source);
  const tmp = join(dirname(to), `.${basename(to)}.${process.pid}.tmp`);
  try {
    rmSync(tmp, { force: true });
    db.prepare('VACUUM INTO ?').run(tmp);
    fsyncPath(tmp, 'r+');
    renameSync(tmp, to);
    fsyncPath(dirname(to), 'r');
  } catch (err) {
    rmSync(tmp, { force: true });
    throw toLogError(`back up ${resolve(source)} to ${to}`, err, 'CONFIG_INVALID');
  } finally {
    db.close();
  }
  return { path: to, bytes: statSync(to).size };
}

/**
 * A read-only {@link SqliteStore} on the log database at `path` (a data
 * dir's, or a backup file): nothing is created, migrated or written. With
 * `quickCheck`, SQLite's quick_check runs first. Throws as
 * {@link backupDatabase}; its writes fail (the file is opened read-only).
 */
export function openReadOnlyStore(path: string, options: { quickCheck?: boolean } = {}): SqliteStore {
  const db = openReadOnly(path);
  try {
    if (options.quickCheck === true) quickCheck(db, resolve(path));
    return new SqliteStore(db);
  } catch (err) {
    db.close();
    throw toLogError(`open ${resolve(path)} read-only`, err, 'CONFIG_INVALID');
  }
}

/**
 * A read-only connection to the log database at `path`, checked to be a
 * Cairn log at this Cairn's schema version (CONFIG_INVALID otherwise).
 */
export function openReadOnly(path: string): Database {
  const label = resolve(path);
  let db: Database;
  try {
    db = new BetterSqlite3(label, { readonly: true, fileMustExist: true, timeout: 5000 });
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't open database ${label}: ${describeError(err)}`, { cause: err });
  }
  try {
    checkIdentity(db, label, APPLICATION_ID);
    const version = db.pragma('user_version', { simple: true }) as number;
    const known = Math.max(0, ...loadMigrations(findMigrationsDir()).map((m) => m.version));
    if (version === 0) throw new LogError('CONFIG_INVALID', `couldn't open database ${label}: it holds no log`);
    if (version !== known) {
      throw new LogError('CONFIG_INVALID', `couldn't open database ${label}: its schema version is ${version}, this Cairn's is ${known}${version < known ? ' (start cairn serve on it once to migrate it)' : ' (made by a newer Cairn)'}`);
    }
    return db;
  } catch (err) {
    db.close();
    throw toLogError(`open database ${label}`, err, 'CONFIG_INVALID');
  }
}

function fsyncPath(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
