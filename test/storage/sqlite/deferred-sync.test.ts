import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase, openSqliteStore } from '../../../src/storage/index.js';
import { assertEntry, batch, entry } from '../fixtures.js';

describe('SqliteStore deferred sync', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-deferred-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('when a file database is opened', () => {
    it('commits with synchronous=OFF and no autocheckpoint for deferred sync, FULL and autocheckpoints otherwise', () => {
      const deferred = openDatabase(join(dir, 'a.db'), { deferredSync: true });
      const full = openDatabase(join(dir, 'b.db'));
      try {
        assert.equal(deferred.pragma('synchronous', { simple: true }), 0);
        assert.equal(deferred.pragma('wal_autocheckpoint', { simple: true }), 0);
        assert.equal(full.pragma('synchronous', { simple: true }), 2);
        assert.ok((full.pragma('wal_autocheckpoint', { simple: true }) as number) > 0);
      } finally {
        deferred.close();
        full.close();
      }
    });

    it('leaves a checkpointed file on close that holds every committed batch', () => {
      const store = openSqliteStore({ path: join(dir, 'c.db') });
      store.appendBatch(0, batch(0, 3));
      store.close();
      assert.equal(statSync(join(dir, 'c.db-wal'), { throwIfNoEntry: false })?.size ?? 0, 0, 'the WAL is gone or empty');
      const db = new BetterSqlite3(join(dir, 'c.db'), { readonly: true });
      try {
        assert.equal((db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n, 3);
      } finally {
        db.close();
      }
    });
  });

  describe('when many batches are committed and synced', () => {
    it('checkpoints the WAL into the file itself and every batch reads back after reopening', async () => {
      const path = join(dir, 'log.db');
      const store = openSqliteStore({ path });
      const initial = statSync(path).size;
      let size = 0;
      // More than CHECKPOINT_EVERY_BATCHES (512) batches: at least one checkpoint starts after a sync().
      for (let b = 0; b < 600; b++) {
        store.appendBatch(size, batch(size, 2));
        size += 2;
        if (b % 7 === 0) await store.sync();
      }
      await store.sync();
      await store.checkpointsSettled();
      assert.ok(statSync(path).size > initial, 'a background checkpoint copied the WAL into the file');
      store.close();
      const again = openSqliteStore({ path });
      try {
        assert.equal(again.latestCheckpoint()?.size, size);
        for (const i of [0, 1, 599, 1000, size - 1]) assertEntry(again.entryByIndex(i), entry(i));
      } finally {
        again.close();
      }
    });

    it('restarts the WAL under steady commits: a checkpoint that commits overtook is caught up behind the write barrier', async () => {
      const path = join(dir, 'log.db');
      const store = openSqliteStore({ path });
      try {
        let size = 0;
        let overlapped = 0;
        // Commit and sync without waiting for checkpoints, as the log does, honouring the write barrier as it does.
        for (let b = 0; b < 1600 && walRestarts(path) === 0; b++) {
          await store.writeBarrier();
          store.appendBatch(size, batch(size, 2));
          size += 2;
          await store.sync();
          let settled = false;
          void store.checkpointsSettled().then(() => (settled = true));
          await Promise.resolve();
          if (!settled) overlapped++;
        }
        await store.checkpointsSettled();
        assert.ok(overlapped > 0, 'commits went on while a checkpoint ran');
        await store.writeBarrier();
        store.appendBatch(size, batch(size, 1)); // the first write after a complete checkpoint restarts the WAL
        assert.ok(walRestarts(path) > 0, 'the WAL was restarted (its checkpoint sequence number moved)');
        await store.sync();
      } finally {
        store.close();
      }
      const again = openSqliteStore({ path });
      try {
        const size = again.latestCheckpoint()?.size ?? 0;
        for (let i = 0; i < size; i += 97) assertEntry(again.entryByIndex(i), entry(i));
      } finally {
        again.close();
      }
    });

    it('keeps concurrent sync() calls in order, each resolving after the commits before it', async () => {
      const store = openSqliteStore({ path: join(dir, 'log.db') });
      try {
        store.appendBatch(0, batch(0, 1));
        const a = store.sync();
        store.appendBatch(1, batch(1, 1));
        const b = store.sync();
        const order: string[] = [];
        await Promise.all([a.then(() => order.push('a')), b.then(() => order.push('b'))]);
        assert.deepEqual(order, ['a', 'b']);
      } finally {
        store.close();
      }
    });
  });

  describe('when the file at the WAL path is not the one it synced before', () => {
    it('reopens the path instead of syncing the old file', async () => {
      const path = join(dir, 'log.db');
      const store = openSqliteStore({ path });
      try {
        store.appendBatch(0, batch(0, 1));
        await store.sync();
        const before = statSync(`${path}-wal`).ino;
        // Put another file at the path (SQLite never does this while a connection is open; a careless operator might).
        renameSync(`${path}-wal`, `${path}-wal.moved`);
        writeFileSync(`${path}-wal`, '');
        assert.notEqual(statSync(`${path}-wal`).ino, before);
        await store.sync(); // must not fail, and syncs the file now at the path
      } finally {
        renameSync(`${path}-wal.moved`, `${path}-wal`);
        store.close();
      }
    });
  });

  describe('when the store is in memory', () => {
    it('resolves sync() at once', async () => {
      const store = openSqliteStore({ path: ':memory:' });
      try {
        store.appendBatch(0, batch(0, 1));
        await store.sync();
      } finally {
        store.close();
      }
    });
  });
});

/** The checkpoint sequence number in the WAL header (https://sqlite.org/fileformat.html#wal_file_format): how often the WAL restarted. */
function walRestarts(path: string): number {
  const fd = openSync(`${path}-wal`, 'r');
  try {
    const header = Buffer.alloc(32);
    return readSync(fd, header, 0, 32, 0) < 32 ? 0 : header.readUInt32BE(12);
  } finally {
    closeSync(fd);
  }
}
