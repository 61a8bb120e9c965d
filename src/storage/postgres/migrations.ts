/**
 * Schema migrations of a PostgreSQL store: numbered plain-SQL files in
 * `migrations/postgres/NNNN_name.sql` (the same naming as SQLite's), applied
 * in order, each in its own transaction together with its row in
 * `cairn_migrations` (version, name, time applied). Several processes may
 * open the same database at once: a session advisory lock makes one of them
 * migrate while the others wait, then find nothing left to do.
 */

import { join } from 'node:path';
import type pg from 'pg';
import { LogError } from '../../errors.js';
import { findMigrationsDir, type Migration } from '../sqlite/migrations.js';
import { toLogError } from './errors.js';

/** The repository's PostgreSQL migrations directory (`migrations/postgres`). */
export function postgresMigrationsDir(): string {
  return join(findMigrationsDir(), 'postgres');
}

/** Advisory lock key held while migrating ('CAIR' as an integer, as SQLite's application_id). */
const MIGRATION_LOCK = 0x43414952;

/**
 * Bring the database up to the last of `migrations`. Refuses (CONFIG_INVALID)
 * a database written by a newer Cairn (a recorded version beyond the last
 * known) and a database that holds tables but no `cairn_migrations` (not
 * Cairn's). A failed migration leaves the database at the version before it.
 */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[], label: string): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw toLogError(`migrate ${label}`, err, 'CONFIG_INVALID');
  }
  client.on('error', () => undefined); // a failure mid-migration is met by the pending query
  let broken: unknown;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const current = await appliedVersion(client, label);
    if (current > migrations.length) {
      throw new LogError(
        'CONFIG_INVALID',
        `couldn't open database ${label}: its schema version ${current} is newer than this Cairn supports (${migrations.length}); run a newer Cairn`,
        { details: { schemaVersion: current, supported: migrations.length } },
      );
    }
    for (const m of migrations.slice(current)) await apply(client, m, label);
  } catch (err) {
    broken = err;
    throw toLogError(`migrate ${label}`, err, 'CONFIG_INVALID');
  } finally {
    // The session lock ends with the session; a connection that failed is not put back.
    if (broken === undefined) await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch((err: unknown) => (broken = err));
    client.release(broken === undefined ? undefined : true);
  }
}

/** The last version recorded, creating the record on a new database; refuses a database that is not Cairn's. */
async function appliedVersion(client: pg.PoolClient, label: string): Promise<number> {
  const tracked = await client.query<{ n: number }>("SELECT count(*)::integer AS n FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'cairn_migrations'");
  if (tracked.rows[0]?.n === 0) {
    const other = await client.query<{ n: number }>('SELECT count(*)::integer AS n FROM pg_tables WHERE schemaname = current_schema()');
    if ((other.rows[0]?.n ?? 0) > 0) {
      throw new LogError('CONFIG_INVALID', `couldn't open database ${label}: not a Cairn database (tables but no cairn_migrations)`);
    }
    await client.query(
      'CREATE TABLE cairn_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
  }
  const res = await client.query<{ v: number }>('SELECT coalesce(max(version), 0)::integer AS v FROM cairn_migrations');
  return res.rows[0]?.v ?? 0;
}

async function apply(client: pg.PoolClient, m: Migration, label: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(m.sql);
    await client.query('INSERT INTO cairn_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw toLogError(`apply migration ${m.name} to ${label}`, err, 'CONFIG_INVALID');
  }
}
