import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, toAsyncStore, type SqliteStore } from '../../src/storage/index.js';
import { batch, tile } from './fixtures.js';
import { runStoreContract, type StoreHarness } from './store.contract.js';

/** A store on a file in a fresh temp dir; `reopen` closes it and opens the file again. */
export function fileStore(): { readonly store: SqliteStore; readonly path: string; reopen(): SqliteStore; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-store-'));
  const path = join(dir, 'log.db');
  let store: SqliteStore = openSqliteStore({ path });
  return {
    path,
    store,
    reopen: () => {
      store.close();
      store = openSqliteStore({ path });
      return store;
    },
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The file store behind the asynchronous contract (toAsyncStore). */
function asyncFileStore(): Promise<StoreHarness> {
  const h = fileStore();
  return Promise.resolve({
    store: toAsyncStore(h.store),
    reopen: () => Promise.resolve(toAsyncStore(h.reopen())),
    cleanup: () => Promise.resolve(h.cleanup()),
  });
}

function memoryStore(): Promise<StoreHarness> {
  const store = toAsyncStore(openSqliteStore({ path: ':memory:' }));
  return Promise.resolve({ store, cleanup: () => store.close() });
}

runStoreContract('SqliteStore on a file', asyncFileStore);
runStoreContract('SqliteStore in memory', memoryStore);

describe('SqliteStore', () => {
  describe('when on a file', () => {
    let h: ReturnType<typeof fileStore>;
    beforeEach(() => {
      h = fileStore();
    });
    afterEach(() => h.cleanup());

    it('counts the database file and its WAL in sizeOnDisk', () => {
      const before = h.store.sizeOnDisk();
      h.store.appendBatch(0, batch(0, 500, { tiles: [tile(0, 0, 256), tile(0, 1, 244)] }));
      const after = h.store.sizeOnDisk();
      assert.ok(after > before + 500 * 50, `${after} vs ${before}`);
      assert.equal(after, statSync(h.path).size + statSync(`${h.path}-wal`).size);
    });

    it('keeps a committed batch when the writing process is killed right after appendBatch returns', () => {
      h.store.close();
      const storeModule = new URL('../../src/storage/index.js', import.meta.url).href;
      const fixtures = new URL('./fixtures.js', import.meta.url).href;
      const script = `
        const { openSqliteStore } = await import(${JSON.stringify(storeModule)});
        const { batch } = await import(${JSON.stringify(fixtures)});
        const store = openSqliteStore({ path: ${JSON.stringify(h.path)} });
        store.appendBatch(0, batch(0, 10));
        process.kill(process.pid, 'SIGKILL');`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(child.signal, 'SIGKILL', child.stderr);
      assert.ok(statSync(`${h.path}-wal`).size > 0, 'the batch is still only in the WAL');
      const store = h.reopen();
      assert.equal(store.latestCheckpoint()?.size, 10);
      assert.equal(store.entriesInRange(0, 100).length, 10);
    });
  });

  describe('when in memory', () => {
    it('reports the size of its pages', () => {
      const store = openSqliteStore({ path: ':memory:' });
      try {
        assert.ok(store.sizeOnDisk() > 0);
      } finally {
        store.close();
      }
    });
  });
});
