import assert from 'node:assert/strict';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLogError, type ErrorCode } from '../../../src/errors.js';
import { APPLICATION_ID, openDatabase, openSqliteStore } from '../../../src/storage/index.js';
import { findMigrationsDir, loadMigrations } from '../../../src/storage/sqlite/migrations.js';
import { batch } from '../fixtures.js';

/** Assert `fn` throws a LogError with `code` whose message names `path`. */
function assertRefusal(fn: () => unknown, code: ErrorCode, path: string, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isLogError(err, code), `expected ${code}, got ${String(err)}`);
    assert.ok(err.message.includes(path), `message does not name ${path}: ${err.message}`);
    if (pattern !== undefined) assert.match(err.message, pattern);
    return true;
  });
}

describe('openDatabase', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-db-'));
    path = join(dir, 'log.db');
  });
  afterEach(() => {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A closed database file holding `entries` entries. */
  function populated(entries: number): void {
    const store = openSqliteStore({ path });
    store.appendBatch(0, batch(0, entries));
    store.close();
  }

  describe('when the file is new', () => {
    it('creates it (and missing parent dirs) with WAL, synchronous=FULL, the schema and its version', () => {
      path = join(dir, 'a', 'b', 'log.db');
      const db = openDatabase(path);
      try {
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        assert.equal(db.pragma('synchronous', { simple: true }), 2);
        assert.equal(db.pragma('foreign_keys', { simple: true }), 0);
        assert.ok((db.pragma('busy_timeout', { simple: true }) as number) > 0);
        assert.equal(db.pragma('application_id', { simple: true }), APPLICATION_ID);
        assert.equal(db.pragma('user_version', { simple: true }), loadMigrations(findMigrationsDir()).length);
        const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
        assert.deepEqual(tables, ['checkpoints', 'cosignatures', 'entries', 'leaf_groups', 'meta', 'search_keys', 'shards', 'tiles']);
      } finally {
        db.close();
      }
    });

    it('opens an in-memory database with the same schema', () => {
      const db = openDatabase(':memory:');
      assert.equal(db.pragma('user_version', { simple: true }), loadMigrations(findMigrationsDir()).length);
      db.close();
    });
  });

  describe('when migrations are pending', () => {
    let migrations: string;
    beforeEach(() => {
      migrations = join(dir, 'migrations');
      mkdirSync(migrations);
      writeFileSync(join(migrations, '0001_init.sql'), 'CREATE TABLE one (a INTEGER) STRICT;');
      writeFileSync(join(migrations, 'README.md'), 'not a migration');
    });

    it('applies them in order and records the last version', () => {
      openDatabase(path, { migrationsDir: migrations }).close();
      writeFileSync(join(migrations, '0002_more.sql'), 'CREATE TABLE two (b TEXT) STRICT; INSERT INTO one VALUES (1);');
      const db = openDatabase(path, { migrationsDir: migrations });
      assert.equal(db.pragma('user_version', { simple: true }), 2);
      assert.equal(db.prepare('SELECT count(*) FROM one').pluck().get(), 1);
      db.close();
    });

    it('rolls back a failing migration whole, leaving the previous version, and names it', () => {
      openDatabase(path, { migrationsDir: migrations }).close();
      writeFileSync(join(migrations, '0002_bad.sql'), 'CREATE TABLE two (b TEXT) STRICT; INSERT INTO nowhere VALUES (1);');
      assertRefusal(() => openDatabase(path, { migrationsDir: migrations }), 'CONFIG_INVALID', path, /0002_bad\.sql/);
      writeFileSync(join(migrations, '0002_bad.sql'), 'CREATE TABLE two (b TEXT) STRICT;');
      const db = openDatabase(path, { migrationsDir: migrations });
      assert.equal(db.pragma('user_version', { simple: true }), 2, 'table two was rolled back, so 0002 applies again');
      db.close();
    });

    it('refuses a gap in the numbering', () => {
      writeFileSync(join(migrations, '0003_gap.sql'), 'SELECT 1;');
      assert.throws(() => loadMigrations(migrations), (err: unknown) => isLogError(err, 'CONFIG_INVALID'));
    });
  });

  describe('when the file is not one this code can use', () => {
    it('refuses a database written by a newer Cairn', () => {
      const db = openDatabase(path);
      db.pragma('user_version = 99');
      db.close();
      assertRefusal(() => openDatabase(path), 'CONFIG_INVALID', path, /newer/);
    });

    it('refuses a SQLite file of another application', () => {
      const db = openDatabase(path);
      db.pragma('application_id = 7');
      db.close();
      assertRefusal(() => openDatabase(path), 'CONFIG_INVALID', path, /not a Cairn database/);
    });
  });

  describe('when the file is damaged', () => {
    it('refuses a file with overwritten pages in the middle', () => {
      populated(3000);
      const size = statSync(path).size;
      const page = 4096;
      const fd = openSync(path, 'r+');
      writeSync(fd, Buffer.alloc(4 * page, 0xff), 0, 4 * page, Math.floor(size / 2 / page) * page);
      closeSync(fd);
      assertRefusal(() => openDatabase(path), 'CORRUPT', path, /damaged|malformed/);
    });

    it('refuses a truncated file', () => {
      populated(3000);
      truncateSync(path, Math.floor(statSync(path).size / 2));
      assertRefusal(() => openDatabase(path), 'CORRUPT', path);
    });

    it('refuses a file whose header is overwritten', () => {
      populated(10);
      const fd = openSync(path, 'r+');
      writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
      closeSync(fd);
      assertRefusal(() => openDatabase(path), 'CORRUPT', path);
    });

    it('refuses an existing empty file instead of starting a new log over it', () => {
      writeFileSync(path, '');
      assertRefusal(() => openDatabase(path), 'CORRUPT', path, /empty/);
    });

    it('opens it anyway when quick_check is skipped', () => {
      populated(3000);
      const fd = openSync(path, 'r+');
      writeSync(fd, Buffer.alloc(4096, 0xff), 0, 4096, Math.floor(statSync(path).size / 2 / 4096) * 4096);
      closeSync(fd);
      openDatabase(path, { quickCheck: false }).close();
    });
  });

  describe('when the location is unusable', () => {
    it('refuses a path under a regular file', () => {
      writeFileSync(join(dir, 'file'), 'x');
      const bad = join(dir, 'file', 'log.db');
      assertRefusal(() => openDatabase(bad), 'CONFIG_INVALID', bad);
    });

    it('refuses a path that is a directory', () => {
      mkdirSync(path);
      assertRefusal(() => openDatabase(path), 'CONFIG_INVALID', path, /not a regular file/);
    });

    it('refuses a directory it cannot write', function () {
      if (process.getuid?.() === 0) this.skip(); // root writes anyway
      chmodSync(dir, 0o500);
      assertRefusal(() => openDatabase(path), 'CONFIG_INVALID', path, /not writable/);
    });
  });
});

describe('findMigrationsDir', () => {
  it('finds the repository migrations from the compiled module', () => {
    const found = findMigrationsDir();
    assert.equal(found, fileURLToPath(new URL('../../../../migrations', import.meta.url)));
  });

  it('throws CONFIG_INVALID when there is none above', () => {
    assert.throws(() => findMigrationsDir(tmpdir()), (err: unknown) => isLogError(err, 'CONFIG_INVALID'));
  });
});
