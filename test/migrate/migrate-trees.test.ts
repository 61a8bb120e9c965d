/**
 * copyLog and proveCopy (src/migrate) on logs of several trees, on a real
 * PostgreSQL server: a SQLite log grown by the log service, rotated (the
 * second tree signed by a staged key), grown, rotated again (or frozen) is
 * copied and proved; every tree's rows then answer the same on both (shards
 * rows, checkpoints, cosignatures, tiles, every entry by global index), the
 * log opened on the copy passes the shard oracle (test/support/shards.ts)
 * and appends into the active tree; a frozen log stays frozen; a copy
 * stopped in the first tree and again in the second, while the source grew
 * and froze, resumes each time; a changed tree row or tree-1 checkpoint
 * fails the proof, naming it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import pg from 'pg';
import { ManualClock } from '../../src/clock.js';
import { isLogError } from '../../src/errors.js';
import { LogService, makeIdentity } from '../../src/log/index.js';
import { copyLog, proveCopy } from '../../src/migrate/index.js';
import { TILE_WIDTH } from '../../src/merkle/index.js';
import { openPostgresImport, openPostgresStore, openSnapshot, openSqliteStore, type PostgresImport, type PostgresStore, type SqliteSnapshot, type TreeReads } from '../../src/storage/index.js';
import { usePostgres } from '../support/postgres.js';
import { checkShards, stagedKeys } from '../support/shards.js';
import { FAST_OPTIONS, TEST_URL, openTestLog, pinIdentity, rawEntry, submitTagged, testKey, type TestLog } from '../support/test-log.js';

/** A witness's line on the active tree's latest checkpoint (the store keeps lines as given). */
function cosign(t: TestLog, witness: string): void {
  const cp = t.store.latestCheckpoint();
  assert.ok(cp);
  t.store.addCosignature({ size: cp.size, witness, line: `— ${witness} ${Buffer.from(`cosigned ${cp.size}`).toString('base64')}` });
}

/** Every tree's rows answer the same on the source snapshot and on the copy, and every entry at its global index. */
async function sameTrees(source: SqliteSnapshot, copy: PostgresStore): Promise<void> {
  const rows = source.store.shards();
  assert.deepEqual(await copy.shards(), rows, 'the shards rows');
  for (const row of rows) {
    const want: TreeReads = row === rows[rows.length - 1] ? source.store : source.store.frozenTree(row.ordinal);
    const found = copy.tree(row.ordinal);
    const cps = want.listCheckpoints(0, 100_000);
    assert.deepEqual(await found.listCheckpoints(0, 100_000), cps, `tree ${row.ordinal}'s checkpoints`);
    for (const cp of cps) assert.deepEqual(await found.cosignatures(cp.size), want.cosignatures(cp.size), `tree ${row.ordinal}'s cosignatures of ${cp.size}`);
    for (let level = 0, count = cps[cps.length - 1]?.size ?? 0; count > 0; level++, count = Math.floor(count / TILE_WIDTH)) {
      for (let i = 0; i * TILE_WIDTH < count; i++) assert.deepEqual(await found.tile(level, i), want.tile(level, i), `tree ${row.ordinal}'s tile ${level}/${i}`);
    }
  }
  const last = rows[rows.length - 1];
  assert.ok(last);
  const end = last.firstIndex + (source.store.latestCheckpoint()?.size ?? 0);
  assert.deepEqual(await copy.entriesInRange(0, end + 5), source.store.entriesInRange(0, end + 5), 'every entry (body, SET…) at its global index');
}

describe('cairn migrate: a log of several trees (rotated, frozen)', function () {
  this.timeout(120_000);
  const server = usePostgres();
  let dir: string;
  let file: string;
  const toClose: { close(): unknown }[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-migrate-trees-'));
    file = join(dir, 'cairn.db');
  });
  afterEach(async () => {
    for (const c of toClose.splice(0).reverse()) await c.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A pinned log on `file`, as cairn serve pins it (open-log.ts). */
  async function sourceLog(nextKey?: KeyObject): Promise<TestLog> {
    const store = openSqliteStore({ path: file });
    const t = await openTestLog(store, nextKey === undefined ? {} : { nextKeys: stagedKeys(nextKey) });
    pinIdentity(t);
    return t;
  }

  async function open(url: string): Promise<{ source: SqliteSnapshot; target: PostgresImport }> {
    const source = openSnapshot(file);
    toClose.push(source);
    const target = await openPostgresImport({ url });
    toClose.push(target);
    return { source, target };
  }

  /** The log service on the finished copy, as the active tree's key signs it. */
  async function serveCopy(url: string, key: KeyObject): Promise<{ store: PostgresStore; log: LogService }> {
    const store = await openPostgresStore({ url });
    toClose.push({ close: () => store.close() });
    const rows = await store.shards();
    const active = rows[rows.length - 1];
    assert.ok(active);
    const log = await LogService.open(store, makeIdentity(key, active.treeId, TEST_URL), new ManualClock(), FAST_OPTIONS);
    toClose.push({ close: () => log.close() });
    return { store, log };
  }

  it('copies a log rotated twice, every tree, proves it, and the log on the copy serves every tree as the source did, then appends', async () => {
    const next = testKey(11);
    const t = await sourceLog(next);
    await submitTagged(t, 300, 'zero');
    cosign(t, 'w1.example');
    await t.log.rotate();
    await submitTagged(t, 150, 'one');
    cosign(t, 'w1.example');
    cosign(t, 'w2.example');
    await t.log.rotate();
    await submitTagged(t, 20, 'two');
    await t.log.close();
    t.store.close();

    const url = await server().createDatabase();
    const { source, target } = await open(url);
    const copy = await copyLog(source, target, { sourceLabel: dir, nowMs: 1, chunkEntries: 64, batchEntries: 37 });
    assert.deepEqual([copy.trees, copy.size, copy.entriesCopied, copy.cosignatures, copy.searchKeys], [3, 20, 470, 3, 940]);
    const proof = await proveCopy(source, target, { windowEntries: 256 });
    assert.deepEqual([proof.trees, proof.tree, proof.size, proof.entries, proof.cosignatures], [3, 2, 20, 470, 3]);
    assert.equal(proof.checkpoints, copy.checkpoints);
    await target.finish(proof.size, proof.tree);

    const { store, log } = await serveCopy(url, next);
    await sameTrees(source, store);
    assert.deepEqual(log.shards().map((s) => [s.firstIndex, s.frozenSize]), [[0, 300], [300, 150], [450, undefined]]);
    assert.equal(log.shards()[1]?.identity.publicKeyPem, makeIdentity(next, '1', TEST_URL).publicKeyPem, 'tree 1 keeps the staged key');
    await checkShards(log, source.store);
    for (const i of [0, 299, 300, 449, 450, 469]) assert.deepEqual((await log.entryByIndex(i))?.entry, source.store.entryByIndex(i));
    assert.equal((await log.reader.search('email:0@example.com', 1000)).length, 60 + 30 + 4, 'search spans the trees');

    await Promise.all(Array.from({ length: 5 }, (_, i) => log.submit(rawEntry(`after the move ${i}`))));
    assert.equal(log.reader.latest().size, 25, 'appended into the active tree');
    assert.equal((await store.entryByIndex(474))?.index, 474, 'at the next global index');
  });

  it('resumes a copy stopped in the first tree and again in the second, while the source grew and froze; the frozen log stays frozen', async () => {
    const t = await sourceLog();
    await submitTagged(t, 200, 'zero');
    await t.log.rotate();
    await submitTagged(t, 60, 'one');
    const url = await server().createDatabase();
    const stopAt = async (when: (done: number) => boolean): Promise<void> => {
      const { source, target } = await open(url);
      await assert.rejects(copyLog(source, target, { sourceLabel: dir, nowMs: 1, chunkEntries: 40, onProgress: (p) => { if (p.phase === 'entries' && when(p.done)) throw new Error('stopped'); } }), /stopped/);
      for (const c of toClose.splice(0).reverse()) await c.close();
    };
    const status = async (): Promise<unknown> => {
      const { target } = await open(url);
      const s = await target.status();
      for (const c of toClose.splice(0).reverse()) await c.close();
      return s;
    };
    await stopAt((done) => done >= 100);
    const first = (await status()) as { state: string; tree: number; size: number };
    assert.deepEqual([first.state, first.tree], ['importing', 0]);
    assert.ok(first.size >= 100 && first.size < 200, `stopped in tree 0 (${JSON.stringify(first)})`);

    // The source grows in its active tree and is frozen meanwhile (an admin freeze while the copy waits).
    await submitTagged(t, 40, 'more');
    await t.log.freeze();
    await stopAt((done) => done > 220);
    const second = (await status()) as { state: string; tree: number; size: number };
    assert.deepEqual([second.state, second.tree], ['importing', 1]);
    assert.ok(second.size > 20 && second.size < 100, `stopped in tree 1 (${JSON.stringify(second)})`);
    await t.log.close();
    t.store.close();

    const { source, target } = await open(url);
    const copy = await copyLog(source, target, { sourceLabel: dir, nowMs: 2, chunkEntries: 40 });
    assert.deepEqual([copy.resumedAt, copy.entriesCopied, copy.trees, copy.size], [200 + second.size, 100 - second.size, 2, 100]);
    const proof = await proveCopy(source, target);
    assert.deepEqual([proof.entries, proof.tree, proof.size], [300, 1, 100]);
    await target.finish(proof.size, proof.tree);

    const { store, log } = await serveCopy(url, testKey());
    await sameTrees(source, store);
    assert.equal((await store.shards())[1]?.frozenSize, 100, 'the active tree is frozen in the copy');
    assert.match(log.status().readOnly ?? '', /frozen/);
    await assert.rejects(log.submit(rawEntry('late')), (e: unknown) => isLogError(e, 'READ_ONLY') && /frozen/.test(e.message));
    await assert.rejects(log.rotate(), (e: unknown) => isLogError(e, 'READ_ONLY'));
    await checkShards(log, source.store);
  });

  describe('a changed tree row or another tree’s row in the copy fails the proof, naming it', () => {
    const cases: { name: string; sql: string; message: RegExp }[] = [
      { name: 'a frozen size', sql: 'UPDATE shards SET frozen_size = frozen_size - 1 WHERE ordinal = 0', message: /tree 0's row \(shards\) differs in the copy/ },
      { name: 'a checkpoint note of tree 1', sql: "UPDATE shard_1_checkpoints SET note = replace(note, '—', '-') WHERE size = (SELECT max(size) FROM shard_1_checkpoints)", message: /checkpoint at size 30 of tree 1 differs/ },
      { name: 'a tile of tree 1', sql: "UPDATE shard_1_tiles SET hashes = overlay(hashes PLACING '\\xff'::bytea FROM 40) WHERE level = 0", message: /tile 0\/0 of tree 1 .* is not the tile of the copy's entries/ },
      { name: 'an entry of tree 1', sql: "UPDATE entries SET body = body || '\\x00'::bytea WHERE idx = 45", message: /entry 45's body differs/ },
      { name: 'a cosignature of tree 0', sql: 'DELETE FROM cosignatures', message: /cosignatures of the checkpoint at size 40 differ/ },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const t = await sourceLog();
        await submitTagged(t, 40, 'zero');
        cosign(t, 'w1.example');
        await t.log.rotate();
        await submitTagged(t, 30, 'one');
        await t.log.close();
        t.store.close();
        const url = await server().createDatabase();
        const { source, target } = await open(url);
        await copyLog(source, target, { sourceLabel: dir, nowMs: 1 });
        await proveCopy(source, target);
        const db = new pg.Client({ connectionString: url });
        await db.connect();
        try {
          await db.query(c.sql);
        } finally {
          await db.end();
        }
        await assert.rejects(proveCopy(source, target), (e: unknown) => {
          assert.ok(isLogError(e, 'CORRUPT'), String(e));
          assert.match(e.message, c.message);
          return true;
        });
      });
    }
  });
});
