/**
 * One consistent view of a log database that a server may be writing
 * (`cairn migrate` reads its source through it): a read-only connection
 * holding one read transaction from open to close. In WAL mode that
 * transaction sees the database as of one committed batch, whatever the
 * writer commits meanwhile; the writer is never blocked (its PASSIVE
 * checkpoints stop at the reader's snapshot, so the WAL grows while the
 * snapshot is open). Unlike a backup (backup.ts, `VACUUM INTO`) nothing is
 * copied: the rows are read in place, in the order a copy needs them.
 */
import { resolve } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { LogError } from '../../errors.js';
import type { CosignatureRow, SearchKey } from '../types.js';
import { openReadOnly } from './backup.js';
import { toLogError } from './errors.js';
import { frozenTableName } from './shards.js';
import { SqliteStore } from './store.js';

/**
 * Open a snapshot of the log database at `path`. Throws CONFIG_INVALID when
 * it cannot be opened or is not a Cairn log at this Cairn's schema version.
 */
export function openSnapshot(path: string): SqliteSnapshot {
  const db = openReadOnly(path);
  try {
    db.exec('BEGIN');
    // A deferred transaction takes its snapshot at its first read.
    db.prepare('SELECT count(*) FROM meta').pluck().get();
    return new SqliteSnapshot(db, resolve(path));
  } catch (err) {
    db.close();
    throw toLogError(`open a snapshot of ${resolve(path)}`, err, 'CONFIG_INVALID');
  }
}

/** A log database as of one committed batch (see the module comment). */
export class SqliteSnapshot {
  readonly #db: Database;
  readonly #searchKeysFrom: Statement<[string, number, number], SearchKey>;
  readonly #firstSearchKeys: Statement<[number], SearchKey>;
  readonly #searchKeyCount: Statement<[], number>;
  /** The store's reads, all inside the snapshot. Closed with it. */
  readonly store: SqliteStore;
  readonly path: string;
  #closed = false;

  constructor(db: Database, path: string) {
    this.#db = db;
    this.path = path;
    this.store = new SqliteStore(db);
    const KEY = 'key, idx AS "index"';
    this.#firstSearchKeys = db.prepare(`SELECT ${KEY} FROM search_keys ORDER BY key, idx LIMIT ?`);
    // A row-value comparison: one range scan of the primary key from the last row seen.
    this.#searchKeysFrom = db.prepare(`SELECT ${KEY} FROM search_keys WHERE (key, idx) > (?, ?) ORDER BY key, idx LIMIT ?`);
    this.#searchKeyCount = db.prepare<[], number>('SELECT count(*) FROM search_keys').pluck();
  }

  /** Every meta row, by key. */
  meta(): [string, string][] {
    return this.#read('read meta', () => this.#db.prepare<[], [string, string]>('SELECT key, value FROM meta ORDER BY key').raw().all());
  }

  /** Up to `limit` search keys after `after` in (key, index) order (from the first when undefined). */
  searchKeys(after: SearchKey | undefined, limit: number): SearchKey[] {
    return this.#read('read search keys', () => (after === undefined ? this.#firstSearchKeys.all(limit) : this.#searchKeysFrom.all(after.key, after.index, limit)));
  }

  searchKeyCount(): number {
    return this.#read('count search keys', () => this.#searchKeyCount.get() ?? 0);
  }

  /**
   * Every cosignature of tree `ordinal`'s checkpoints (default: the active
   * tree's), by checkpoint size, each size's in insertion order. A tree
   * before the last keeps them in its renamed table (shards.ts).
   */
  cosignatures(ordinal?: number): CosignatureRow[] {
    const last = this.store.shards().length - 1;
    const table = ordinal === undefined || ordinal === Math.max(last, 0) ? 'cosignatures' : frozenTableName(ordinal, 'cosignatures');
    return this.#read('read cosignatures', () => this.#db.prepare<[], CosignatureRow>(`SELECT size, witness, line FROM ${table} ORDER BY size, rowid`).all());
  }

  /** End the read transaction and close the connection. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#db.exec('ROLLBACK');
    } finally {
      this.store.close();
    }
  }

  #read<T>(what: string, body: () => T): T {
    if (this.#closed) throw new LogError('SHUTTING_DOWN', `couldn't ${what}: the snapshot of ${this.path} is closed`);
    try {
      return body();
    } catch (err) {
      throw toLogError(`${what} from ${this.path}`, err, 'INTERNAL');
    }
  }
}
