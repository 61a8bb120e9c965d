/**
 * {@link WitnessStore} on SQLite: one small file of its own (application_id
 * 'CAWI', migrations in `migrations/witness/`), WAL with synchronous=FULL,
 * one IMMEDIATE transaction per compare-and-swap.
 */

import { join } from 'node:path';
import type { Database, Statement, Transaction } from 'better-sqlite3';
import { LogError } from '../../errors.js';
import type { AdvanceResult, WitnessExpectation, WitnessStore, WitnessedCheckpoint } from '../witness-types.js';
import { openDatabase, type OpenDatabaseOptions } from './db.js';
import { toLogError } from './errors.js';
import { findMigrationsDir } from './migrations.js';

/** `PRAGMA application_id` of a Cairn witness database ('CAWI'), set by migrations/witness/0001. */
export const WITNESS_APPLICATION_ID = 0x43415749;

/** Options for {@link openSqliteWitnessStore}: a path (or `':memory:'`) plus {@link openDatabase}'s options. */
export interface SqliteWitnessStoreOptions extends Omit<OpenDatabaseOptions, 'applicationId'> {
  readonly path: string;
}

/**
 * Open (creating and migrating if needed) a witness state store. The
 * migrations default to `migrations/witness/` of the repository. Throws as
 * {@link openDatabase} does; a log database is refused (CONFIG_INVALID).
 */
export function openSqliteWitnessStore(options: SqliteWitnessStoreOptions): SqliteWitnessStore {
  const db = openDatabase(options.path, {
    ...options,
    migrationsDir: options.migrationsDir ?? join(findMigrationsDir(), 'witness'),
    applicationId: WITNESS_APPLICATION_ID,
  });
  return new SqliteWitnessStore(db);
}

interface Row {
  origin: string;
  size: number;
  root: Uint8Array;
  note: string;
  time: number;
}

/**
 * The SQLite witness store. Takes ownership of `db` and closes it on
 * {@link close}. Errors are LogErrors: STORE_FAILED for a write that failed
 * (nothing written), CORRUPT for a damaged file, INTERNAL for a failed read,
 * SHUTTING_DOWN after close.
 */
export class SqliteWitnessStore implements WitnessStore {
  readonly #db: Database;
  readonly #get: Statement<[string], Row>;
  readonly #upsert: Statement<[string, number, Uint8Array, string, number]>;
  readonly #cas: Transaction<(expected: WitnessExpectation, next: WitnessedCheckpoint) => AdvanceResult>;
  #closed = false;

  constructor(db: Database) {
    this.#db = db;
    this.#get = db.prepare<[string], Row>('SELECT origin, size, root, note, time_ms AS time FROM witnessed WHERE origin = ?');
    this.#upsert = db.prepare<[string, number, Uint8Array, string, number]>(
      `INSERT INTO witnessed (origin, size, root, note, time_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note, time_ms = excluded.time_ms`,
    );
    this.#cas = db.transaction((expected: WitnessExpectation, next: WitnessedCheckpoint): AdvanceResult => {
      const stored = this.#get.get(next.origin);
      if (!matches(stored, expected)) return { ok: false, current: stored === undefined ? undefined : toCheckpoint(stored) };
      this.#upsert.run(next.origin, next.size, next.root, next.note, next.time);
      return { ok: true };
    });
  }

  latest(origin: string): WitnessedCheckpoint | undefined {
    this.#open('read witness state');
    let row: Row | undefined;
    try {
      row = this.#get.get(origin);
    } catch (err) {
      throw toLogError(`read the witness state of ${JSON.stringify(origin)}`, err, 'INTERNAL');
    }
    return row === undefined ? undefined : toCheckpoint(row);
  }

  /** The compare-and-swap, in one IMMEDIATE transaction: durable on `{ok: true}`. */
  advance(expected: WitnessExpectation, next: WitnessedCheckpoint): AdvanceResult {
    this.#open('advance witness state');
    if (expected !== undefined && next.size < expected.size) {
      throw new LogError('INTERNAL', `couldn't advance witness state: size ${next.size} is below the expected ${expected.size}`);
    }
    if (next.root.length !== 32) throw new LogError('INTERNAL', "couldn't advance witness state: root is not 32 bytes");
    try {
      return this.#cas.immediate(expected, next);
    } catch (err) {
      throw toLogError(`advance the witness state of ${JSON.stringify(next.origin)}`, err, 'STORE_FAILED');
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #open(what: string): void {
    if (this.#closed) throw new LogError('SHUTTING_DOWN', `couldn't ${what}: the store is closed`);
  }
}

function matches(stored: Row | undefined, expected: WitnessExpectation): boolean {
  if (stored === undefined || expected === undefined) return stored === undefined && expected === undefined;
  return stored.size === expected.size && Buffer.compare(stored.root, expected.root) === 0;
}

function toCheckpoint(row: Row): WitnessedCheckpoint {
  return { origin: row.origin, size: row.size, root: new Uint8Array(row.root), note: row.note, time: row.time };
}
