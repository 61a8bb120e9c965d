/**
 * Schema migrations: numbered plain-SQL files `migrations/NNNN_name.sql`,
 * applied in order, each in its own transaction, tracked by
 * `PRAGMA user_version` (= number of the last migration applied).
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from 'better-sqlite3';
import { describeError, LogError } from '../../errors.js';
import { toLogError } from './errors.js';

/** One migration file. `version` is its number: 1 for `0001_init.sql`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const FILE_NAME = /^(\d{4})_[A-Za-z0-9_-]+\.sql$/;

/**
 * The repository's `migrations/` directory, found by walking up from this
 * module (it runs as `dist/src/storage/sqlite/migrations.js`, or from `src/`)
 * until a `migrations/0001_init.sql` exists. Throws CONFIG_INVALID if none.
 */
export function findMigrationsDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'migrations');
    if (existsSync(join(candidate, '0001_init.sql'))) return candidate;
    if (dirname(dir) === dir) {
      throw new LogError('CONFIG_INVALID', `couldn't find the migrations directory: no migrations/0001_init.sql above ${from}`);
    }
  }
}

/**
 * Read every migration in `dir`, ordered by version. Versions MUST be dense
 * from 1 (no gap, no duplicate); files not named `NNNN_name.sql` are ignored.
 */
export function loadMigrations(dir: string): Migration[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => FILE_NAME.test(n)).sort();
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't read migrations directory ${dir}: ${describeError(err)}`, { cause: err });
  }
  return names.map((name, i) => {
    const version = Number(FILE_NAME.exec(name)?.[1]);
    if (version !== i + 1) {
      throw new LogError('CONFIG_INVALID', `couldn't load migrations from ${dir}: expected version ${i + 1}, found ${name}`);
    }
    return { version, name, sql: readFileSync(join(dir, name), 'utf8') };
  });
}

/**
 * Bring `db` from its `user_version` up to the last migration, one
 * transaction per migration (a failure leaves the database at the previous
 * version). Refuses (CONFIG_INVALID) a database newer than the migrations
 * known here: it was written by a newer Cairn.
 */
export function migrate(db: Database, migrations: readonly Migration[], label: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (current > latest) {
    throw new LogError(
      'CONFIG_INVALID',
      `couldn't open database ${label}: its schema version ${current} is newer than this Cairn supports (${latest}); run a newer Cairn`,
      { details: { userVersion: current, supported: latest } },
    );
  }
  for (const m of migrations.slice(current)) {
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
      })();
    } catch (err) {
      throw toLogError(`apply migration ${m.name} to ${label}`, err, 'CONFIG_INVALID');
    }
  }
}
