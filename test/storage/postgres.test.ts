import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { isLogError } from '../../src/errors.js';
import { openPostgresStore, type PostgresStore } from '../../src/storage/index.js';
import { postgresMigrationsDir } from '../../src/storage/postgres/migrations.js';
import { loadMigrations } from '../../src/storage/sqlite/migrations.js';
import type { Batch } from '../../src/storage/types.js';
import { eachLine } from '../support/lines.js';
import { freePort } from '../support/registry.js';
import { pollActivity, usePostgres, waitForSession, withCommitCut, type TestPostgres } from '../support/postgres.js';
import { assertCheckpoint, assertEntry, assertTile, batch, tile } from './fixtures.js';
import { assertRejected, runStoreContract } from './store.contract.js';

describe('PostgresStore', () => {
  const server = usePostgres();
  const open: PostgresStore[] = [];
  /** A store on `url`, closed after the test. */
  async function store(url: string): Promise<PostgresStore> {
    const s = await openPostgresStore({ url });
    open.push(s);
    return s;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  runStoreContract('PostgresStore', async () => {
    const url = await server().createDatabase();
    let s = await openPostgresStore({ url });
    return {
      store: s,
      reopen: async () => {
        await s.close();
        s = await openPostgresStore({ url });
        return s;
      },
      cleanup: () => s.close(),
    };
  });

  describe('when two writers commit on the same previous size', () => {
    let url: string;
    let a: PostgresStore;
    let b: PostgresStore;
    beforeEach(async () => {
      url = await server().createDatabase();
      a = await store(url);
      b = await store(url);
      await a.appendBatch(0, batch(0, 3, { tiles: [tile(0, 0, 3)] }));
    });

    it('commits exactly one, refuses the other with INCONSISTENT, and keeps nothing of it, when both wait on the head at once', async () => {
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT size FROM log_head FOR UPDATE');
        const fromA = batch(3, 2, { salt: 'a', tiles: [tile(0, 0, 5)] });
        const fromB = batch(3, 4, { salt: 'b', tiles: [tile(0, 0, 7)] });
        const results = Promise.allSettled([a.appendBatch(3, fromA), b.appendBatch(3, fromB)]);
        await waitForLockWaiters(server(), new URL(url).pathname.slice(1), 2);
        await holder.query('COMMIT');
        const [ra, rb] = await results;
        const outcomes = [ra, rb].map((r) => r.status);
        assert.deepEqual([...outcomes].sort(), ['fulfilled', 'rejected'], 'exactly one writer commits');
        const [winner, loser, refusal] = ra.status === 'fulfilled' ? [fromA, fromB, rb] : [fromB, fromA, ra];
        assert.ok(refusal.status === 'rejected' && isLogError(refusal.reason, 'INCONSISTENT'), String((refusal as PromiseRejectedResult).reason));
        await assertOnly(a, winner, loser);
        await assertOnly(b, winner, loser);
      } finally {
        await holder.end();
      }
    });

    it('never forks over many rounds of racing writers: one dense log, every checkpoint the winner’s', async function () {
      this.timeout(120_000);
      const winners: Batch[] = [];
      let size = 3;
      for (let round = 0; round < 25; round++) {
        const fromA = batch(size, 1 + (round % 3), { salt: `a${round}` });
        const fromB = batch(size, 2 + (round % 2), { salt: `b${round}` });
        const [ra, rb] = await Promise.allSettled([a.appendBatch(size, fromA), b.appendBatch(size, fromB)]);
        const won = [ra, rb].filter((r) => r.status === 'fulfilled').length;
        assert.equal(won, 1, `round ${round}: ${won} writers committed`);
        for (const r of [ra, rb]) if (r.status === 'rejected') assert.ok(isLogError(r.reason, 'INCONSISTENT'), String(r.reason));
        const winner = ra.status === 'fulfilled' ? fromA : fromB;
        winners.push(winner);
        size = winner.checkpoint.size;
      }
      const entries = await a.entriesInRange(0, size + 10);
      assert.deepEqual(entries.map((e) => e.index), Array.from({ length: size }, (_, i) => i));
      for (const w of winners) for (const e of w.entries) assertEntry(entries[e.index], e);
      const checkpoints = await b.listCheckpoints(4, 1000);
      assert.deepEqual(checkpoints.map((c) => c.size), winners.map((w) => w.checkpoint.size));
      winners.forEach((w, i) => assertCheckpoint(checkpoints[i], w.checkpoint));
    });
  });

  describe('when the server crashes right after a commit', () => {
    it('keeps every batch whose appendBatch resolved, even where the server would commit asynchronously', async function () {
      this.timeout(120_000);
      const pgServer = server();
      const url = await pgServer.createDatabase();
      // The server's own default would return from COMMIT before the WAL is written, and write it only every 10 s:
      // the store's sessions must override it (synchronous_commit = on) for its batches to survive.
      await pgServer.configure({ synchronous_commit: 'off', wal_writer_delay: '10s' });
      try {
        const s = await store(url);
        const written = [batch(0, 10, { tiles: [tile(0, 0, 10)] }), batch(10, 5, { tiles: [tile(0, 0, 15)] })];
        await s.appendBatch(0, written[0]!);
        await s.appendBatch(10, written[1]!);
        await pgServer.crash();
        await assertRejected(s.latestCheckpoint(), 'STORE_FAILED');
        await pgServer.restart();
        const reopened = await store(pgServer.url(new URL(url).pathname.slice(1)));
        assertCheckpoint(await reopened.latestCheckpoint(), written[1]!.checkpoint);
        for (const b of written) for (const e of b.entries) assertEntry(await reopened.entryByIndex(e.index), e);
        assert.equal((await s.latestCheckpoint())?.size, 15, 'the first store reconnects once the server is back');
      } finally {
        await pgServer.configure({ synchronous_commit: undefined, wal_writer_delay: undefined });
      }
    });
  });

  describe('when the connection fails during COMMIT', () => {
    it('rejects with STORE_FAILED and outcome unknown, and latestCheckpoint() tells what happened', async function () {
      this.timeout(60_000);
      const pgServer = server();
      const url = await pgServer.createDatabase();
      const s = await store(url);
      await s.appendBatch(0, batch(0, 2));
      // The COMMIT is written locally, then its session is ended while it waits for a synchronous standby.
      const err = await assertRejected(withCommitCut(pgServer, url, () => s.appendBatch(2, batch(2, 3))), 'STORE_FAILED');
      assert.equal((err as { details?: Record<string, unknown> }).details?.['outcome'], 'unknown');
      assert.equal((await s.latestCheckpoint())?.size, 5, 'this commit did take effect (locally): only a read tells');
    });
  });

  describe('when a writer is paused in the middle of its commit', () => {
    it('loses its transaction and the head to the idle-in-transaction timeout; another writer commits; resumed, it writes nothing', async function () {
      this.timeout(60_000);
      const pgServer = server();
      const url = await pgServer.createDatabase();
      const database = new URL(url).pathname.slice(1);
      const live = await store(url);
      await live.appendBatch(0, batch(0, 3));
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      let writer: ChildProcess | undefined;
      try {
        // The paused writer's commit takes the head right after the holder lets go, then its process is stopped.
        await holder.query('BEGIN');
        await holder.query('SELECT size FROM log_head FOR UPDATE');
        const paused = batch(3, 2, { salt: 'paused' });
        writer = spawnWriter(url, 3, 2, 'paused', 1000);
        const outcome = new Promise<string>((resolve) => eachLine(writer?.stdout, (line) => line.startsWith('{') && resolve(line)));
        const pid = await waitForSession(pgServer, database, "wait_event_type = 'Lock'");
        writer.kill('SIGSTOP');
        await holder.query('COMMIT');
        await pollActivity(pgServer, database, `pid = ${pid}`, (pids) => pids.length === 0); // ended by the server's timeout
        const next = batch(3, 4, { salt: 'live' });
        await live.appendBatch(3, next);
        writer.kill('SIGCONT');
        const result = JSON.parse(await outcome) as { code?: string; outcome?: string; message?: string };
        assert.equal(result.code, 'STORE_FAILED', result.message);
        assert.notEqual(result.outcome, 'unknown', 'its COMMIT was never sent');
        await assertOnly(live, next, paused);
      } finally {
        writer?.kill('SIGCONT');
        await holder.end();
      }
    });
  });

  describe('when the server stops answering', () => {
    it('fails reads and commits with STORE_FAILED within the timeouts, writes nothing, and works again once it answers', async function () {
      this.timeout(60_000);
      const pgServer = server();
      const url = await pgServer.createDatabase();
      const s = await openPostgresStore({ url, connectTimeoutMs: 1000, queryTimeoutMs: 1000 });
      open.push(s);
      const first = batch(0, 4, { tiles: [tile(0, 0, 4)] });
      await s.appendBatch(0, first);
      const lost = batch(4, 3, { tiles: [tile(0, 0, 7)] });
      pgServer.freeze();
      try {
        const started = Date.now();
        await assertRejected(s.latestCheckpoint(), 'STORE_FAILED');
        await assertRejected(s.appendBatch(4, lost), 'STORE_FAILED');
        await assertRejected(s.entryByIndex(0), 'STORE_FAILED');
        assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
      } finally {
        pgServer.thaw();
      }
      assertCheckpoint(await s.latestCheckpoint(), first.checkpoint);
      for (const e of lost.entries) assert.equal(await s.indexOfLeafHash(e.leafHash), undefined, `entry ${e.index} of the failed commit is stored`);
      const next = batch(4, 2, { salt: 'after', tiles: [tile(0, 0, 6)] });
      await s.appendBatch(4, next);
      assertCheckpoint(await s.latestCheckpoint(), next.checkpoint);
    });
  });

  describe('spending one-time code steps (admin tokens, shared by every node)', () => {
    it('spends a step once per token across stores on one database, refusing it and every earlier step afterwards, one winner when two race', async () => {
      const url = await server().createDatabase();
      const [a, b] = await Promise.all([store(url), store(url)]);
      const [x, y] = [a.adminOtp(), b.adminOtp()];
      assert.equal(await x.spend('ops', 100), 'spent');
      assert.equal(await y.spend('ops', 100), 'reused', 'the same step through another node');
      assert.equal(await y.spend('ops', 99), 'reused', 'an earlier step');
      assert.equal(await y.spend('other', 100), 'spent', 'another token');
      assert.equal(await y.spend('ops', 101), 'spent', 'the next step');
      for (let step = 200; step < 220; step++) {
        const won = await Promise.all([x.spend('race', step), y.spend('race', step)]);
        assert.deepEqual(won.sort(), ['reused', 'spent'], `step ${step}`);
      }
      assert.deepEqual(await query(url, 'SELECT token, step::int FROM admin_otp_steps ORDER BY token'), [
        { token: 'ops', step: 101 },
        { token: 'other', step: 100 },
        { token: 'race', step: 219 },
      ]);
    });
  });

  describe('when opened', () => {
    it('applies every migration once, also when several processes open a new database at once', async () => {
      const url = await server().createDatabase();
      const stores = await Promise.all([store(url), store(url), store(url)]);
      assert.equal(stores.length, 3);
      const migrations = loadMigrations(postgresMigrationsDir());
      const rows = await query(url, 'SELECT version, name FROM cairn_migrations ORDER BY version');
      assert.deepEqual(rows, migrations.map((m) => ({ version: m.version, name: m.name })));
    });

    it('refuses a database written by a newer Cairn', async () => {
      const url = await server().createDatabase();
      await (await store(url)).close();
      await query(url, "INSERT INTO cairn_migrations (version, name) VALUES (99, '0099_future.sql')");
      await assertRejected(openPostgresStore({ url }), 'CONFIG_INVALID');
    });

    it('refuses a database that holds tables of something else', async () => {
      const url = await server().createDatabase();
      await query(url, 'CREATE TABLE invoices (id integer PRIMARY KEY)');
      await assertRejected(openPostgresStore({ url }), 'CONFIG_INVALID');
    });

    it('leaves the database at the previous version when a migration fails', async () => {
      const url = await server().createDatabase();
      const dir = mkdtempSync(join(tmpdir(), 'cairn-pg-migrations-'));
      try {
        writeFileSync(join(dir, '0001_init.sql'), 'CREATE TABLE first (x integer);');
        writeFileSync(join(dir, '0002_broken.sql'), 'CREATE TABLE second (x integer); SELECT * FROM no_such_table;');
        await assertRejected(openPostgresStore({ url, migrationsDir: dir }), 'CONFIG_INVALID');
        assert.deepEqual(await query(url, 'SELECT version FROM cairn_migrations'), [{ version: 1 }]);
        assert.deepEqual(await query(url, "SELECT tablename FROM pg_tables WHERE tablename IN ('first', 'second')"), [{ tablename: 'first' }]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a server running with fsync = off', async () => {
      const pgServer = server();
      const url = await pgServer.createDatabase();
      await pgServer.configure({ fsync: 'off' });
      try {
        const err = await assertRejected(openPostgresStore({ url }), 'CONFIG_INVALID');
        assert.match(err.message, /fsync = off/);
      } finally {
        await pgServer.configure({ fsync: undefined });
      }
    });

    it('fails with STORE_FAILED, within the connect timeout, when no server listens', async () => {
      const port = await freePort();
      const started = Date.now();
      await assertRejected(openPostgresStore({ url: `postgres://postgres@127.0.0.1:${port}/none`, connectTimeoutMs: 2000 }), 'STORE_FAILED');
      assert.ok(Date.now() - started < 10_000);
    });
  });
});

/**
 * A process that opens a store on `url` (idle-in-transaction timeout
 * `idleMs`) and commits the fixtures' `batch(previousSize, count, { salt })`;
 * prints the outcome as one JSON line: `{"committed":true}` or the error's
 * code and details.outcome.
 */
function spawnWriter(url: string, previousSize: number, count: number, salt: string, idleMs: number): ChildProcess {
  const storeModule = new URL('../../src/storage/index.js', import.meta.url).href;
  const fixtures = new URL('./fixtures.js', import.meta.url).href;
  const script = `
    const { openPostgresStore } = await import(${JSON.stringify(storeModule)});
    const { batch } = await import(${JSON.stringify(fixtures)});
    const s = await openPostgresStore({ url: ${JSON.stringify(url)}, idleInTransactionTimeoutMs: ${idleMs} });
    try {
      await s.appendBatch(${previousSize}, batch(${previousSize}, ${count}, { salt: ${JSON.stringify(salt)} }));
      console.log(JSON.stringify({ committed: true }));
    } catch (err) {
      console.log(JSON.stringify({ code: err.code, outcome: err.details?.outcome, message: err.message }));
    }
    await s.close();`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Rows of one statement on `url`, on a connection of its own. */
async function query(url: string, sql: string): Promise<unknown[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

/**
 * Resolves once `count` sessions of `database` wait on a lock, as the server
 * sees them (pg_stat_activity, read outside any transaction: inside one it is
 * a snapshot).
 */
async function waitForLockWaiters(pgServer: TestPostgres, database: string, count: number): Promise<void> {
  await pollActivity(pgServer, database, "wait_event_type = 'Lock'", (pids) => pids.length === count);
}

/** The store holds `winner` and nothing of `loser`. */
async function assertOnly(s: PostgresStore, winner: Batch, loser: Batch): Promise<void> {
  assertCheckpoint(await s.latestCheckpoint(), winner.checkpoint);
  for (const e of winner.entries) assertEntry(await s.entryByIndex(e.index), e);
  for (const e of loser.entries) assert.equal(await s.indexOfLeafHash(e.leafHash), undefined, `entry ${e.index} of the refused batch is stored`);
  assert.equal(await s.entryByIndex(winner.checkpoint.size), undefined);
  for (const t of winner.tiles) assertTile(await s.tile(t.level, t.index), t);
}
