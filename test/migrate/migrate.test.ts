/**
 * copyLog and proveCopy (src/migrate) on a real PostgreSQL server: a log
 * grown by the log service on a SQLite file (several checkpoints, search
 * keys, cosignatures, meta) is copied chunk by chunk and proved; the store
 * contract's reads then answer the same on both, and the log opened on the
 * copy serves proofs of the source's signed roots and appends; every kind of
 * row changed in the copy makes the proof fail naming it; a copy stopped
 * between chunks resumes where it stopped, including after the source grew.
 * Logs of several trees: test/migrate/migrate-trees.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { isLogError } from '../../src/errors.js';
import { copyLog, nextBoundary, proveCopy } from '../../src/migrate/index.js';
import { verifyConsistency, verifyInclusion } from '../../src/merkle/index.js';
import { ManualClock } from '../../src/clock.js';
import { LogService } from '../../src/log/index.js';
import {
  openPostgresImport,
  openPostgresStore,
  openSnapshot,
  openSqliteStore,
  type PostgresImport,
  type SqliteSnapshot,
} from '../../src/storage/index.js';
import { usePostgres } from '../support/postgres.js';
import { sameAnswers } from '../support/store-answers.js';
import { FAST_OPTIONS, openTestLog, pinIdentity, rawEntry, testIdentity, type TestLog } from '../support/test-log.js';

/** Grow the log at `file` to `size` entries (batches of at most 64: a checkpoint each), with two search keys per entry. */
async function grow(t: TestLog, size: number, tag = 'entry'): Promise<void> {
  const from = t.log.reader.latest().size;
  const waits = [];
  for (let i = from; i < size; i++) waits.push(t.log.submit(rawEntry(`${tag} ${i}`, [`sha256:${tag}${i}`, `email:${i % 7}@example.com`])));
  await Promise.all(waits);
}

/** Pin the identity as `cairn serve` does (open-log.ts): the proof requires the pinned origin and note key. */
function pin(t: TestLog): void {
  pinIdentity(t);
  t.store.setMeta('treeId', '1234567890123456789');
}

describe('cairn migrate: copyLog and proveCopy', function () {
  this.timeout(120_000);
  const server = usePostgres();
  let dir: string;
  let file: string;
  const toClose: { close(): unknown }[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-migrate-'));
    file = join(dir, 'cairn.db');
  });
  afterEach(async () => {
    for (const c of toClose.splice(0).reverse()) await c.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A source log of `size` entries on `file`, pinned, with cosignatures on two checkpoints; closed. */
  async function sourceLog(size: number): Promise<void> {
    const store = openSqliteStore({ path: file });
    const t = await openTestLog(store);
    pin(t);
    await grow(t, size);
    // The store keeps cosignature lines as given (their verification is the witness collector's).
    for (const cp of [t.store.listCheckpoints(1, 1)[0], t.store.latestCheckpoint()]) {
      assert.ok(cp);
      t.store.addCosignature({ size: cp.size, witness: 'w1.example', line: `— w1.example ${Buffer.from(`cosigned ${cp.size}`).toString('base64')}` });
    }
    await t.log.close();
    store.close();
  }

  async function open(url: string): Promise<{ source: SqliteSnapshot; target: PostgresImport }> {
    const source = openSnapshot(file);
    toClose.push(source);
    const target = await openPostgresImport({ url });
    toClose.push(target);
    return { source, target };
  }

  it('copies a log chunk by chunk, proves it, and the store reads answer the same on the copy', async () => {
    await sourceLog(700);
    const url = await server().createDatabase();
    const { source, target } = await open(url);
    const sizes: number[] = [];
    const copy = await copyLog(source, target, { sourceLabel: dir, nowMs: 1, chunkEntries: 100, batchEntries: 37, onProgress: (p) => p.phase === 'entries' && sizes.push(p.done) });
    assert.equal(copy.size, 700);
    assert.equal(copy.resumedAt, undefined);
    assert.ok(copy.chunks >= 7, `several chunks (${copy.chunks})`);
    const published = new Set(source.store.listCheckpoints(0, 10_000).map((c) => c.size));
    for (const s of sizes) assert.ok(published.has(s), `each chunk ends at a published size (${s})`);
    assert.equal(copy.searchKeys, 1400, 'two search keys per entry');
    assert.equal(copy.cosignatures, 2);

    // Unfinished: the store refuses to serve it.
    await assert.rejects(openPostgresStore({ url }), (e: unknown) => isLogError(e, 'CONFIG_INVALID') && /cairn migrate has not finished/.test(e.message));
    const proof = await proveCopy(source, target, { windowEntries: 300 });
    assert.deepEqual([proof.size, proof.entries, proof.cosignatures, proof.searchKeys, proof.meta], [700, 700, 2, 1400, 4]);
    assert.equal(proof.checkpoints, published.size);
    await target.finish(700);

    const copyStore = await openPostgresStore({ url });
    toClose.push({ close: () => copyStore.close() });
    await sameAnswers(source.store, copyStore, source);

    // The log opened on the copy serves the signed checkpoint and proofs that verify against the source's roots, then appends.
    const served = await LogService.open(copyStore, testIdentity(), new ManualClock(), FAST_OPTIONS);
    toClose.push({ close: () => served.close() });
    const latest = source.store.latestCheckpoint();
    assert.ok(latest);
    assert.equal(served.reader.latest().note, latest.note);
    const older = source.store.listCheckpoints(1, 1)[0];
    assert.ok(older);
    for (const i of [0, 255, 256, 511, 699]) {
      verifyInclusion(i, latest.size, source.store.entryByIndex(i)!.leafHash, await served.reader.inclusionProof(i, latest.size), latest.root);
    }
    verifyConsistency(older.size, latest.size, older.root, latest.root, await served.reader.consistencyProof(older.size, latest.size));
    await Promise.all(Array.from({ length: 10 }, (_, i) => served.submit(rawEntry(`after the move ${i}`))));
    const grown = served.reader.latest();
    assert.equal(grown.size, 710);
    verifyConsistency(700, 710, latest.root, grown.root, await served.reader.consistencyProof(700, 710));
    assert.equal((await copyStore.latestCheckpoint())?.size, 710, 'appended to PostgreSQL');
  });

  describe('a changed row in the copy fails the proof, naming it', () => {
    const cases: { name: string; sql: string; message: RegExp }[] = [
      { name: 'an entry body', sql: "UPDATE entries SET body = body || '\\x00'::bytea WHERE idx = 300", message: /entry 300's body differs/ },
      { name: 'an entry SET', sql: "UPDATE entries SET set_sig = '\\x01'::bytea WHERE idx = 5", message: /entry 5's SET differs/ },
      { name: 'a missing entry', sql: 'DELETE FROM entries WHERE idx = 650', message: /entry 650 is missing/ },
      { name: 'a leaf group', sql: "UPDATE leaf_groups SET hashes = overlay(hashes PLACING '\\xff'::bytea FROM 600) WHERE grp = 17", message: /leaf group 17 of tile 0\/1 does not hold/ },
      { name: 'the right-edge tile', sql: "UPDATE tiles SET hashes = overlay(hashes PLACING '\\xff'::bytea FROM 40) WHERE level = 0", message: /tile 0\/2 .* is not the tile of the copy's entries/ },
      { name: 'a checkpoint root', sql: "UPDATE checkpoints SET root = '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea WHERE size = (SELECT min(size) FROM checkpoints WHERE size > 0)", message: /checkpoint at size \d+ differs from the source's/ },
      { name: 'a checkpoint note', sql: "UPDATE checkpoints SET note = replace(note, '—', '-') WHERE size = (SELECT max(size) FROM checkpoints)", message: /checkpoint at size 700 differs/ },
      { name: 'a cosignature', sql: 'DELETE FROM cosignatures WHERE size = 700', message: /cosignatures of the checkpoint at size 700 differ/ },
      { name: 'a search key', sql: "DELETE FROM search_keys WHERE key = 'sha256:entry123'", message: /search key "sha256:entry123" → entry 123 is missing/ },
      { name: 'an extra search key', sql: "INSERT INTO search_keys (key, idx) VALUES ('sha256:extra', 3)", message: /copy holds 1401 search keys, the source 1400/ },
      { name: 'a meta value', sql: "UPDATE meta SET value = 'other.example - 1' WHERE key = 'origin'", message: /meta origin is "other.example - 1" in the copy/ },
      { name: 'the leaf-hash index', sql: "UPDATE entries SET leaf_hash = decode(repeat('ab', 32), 'hex') WHERE idx = 699", message: /entry 699's leaf hash differs/ },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        await sourceLog(700);
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
          assert.match(e.message, /^the copy does not prove out: /);
          assert.match(e.message, c.message);
          return true;
        });
      });
    }
  });

  it('resumes a copy stopped between chunks, after the source grew, and refuses another log’s unfinished copy', async () => {
    const store = openSqliteStore({ path: file });
    const t = await openTestLog(store);
    pin(t);
    await grow(t, 300);
    const url = await server().createDatabase();
    {
      const { source, target } = await open(url);
      let chunks = 0;
      // Stop after three chunks, as a kill or a lost server would.
      await assert.rejects(
        copyLog(source, target, { sourceLabel: dir, nowMs: 1, chunkEntries: 40, onProgress: (p) => { if (p.phase === 'entries' && ++chunks === 3) throw new Error('stopped'); } }),
        /stopped/,
      );
      const status = await target.status();
      assert.equal(status.state, 'importing');
      assert.ok(status.state === 'importing' && status.size > 0 && status.size < 300, `stopped part way (${JSON.stringify(status)})`);
      for (const c of toClose.splice(0).reverse()) await c.close();
    }
    // The source grows meanwhile (a server still serving it), and re-signs nothing below.
    await grow(t, 520, 'later');
    {
      const { source, target } = await open(url);
      const copy = await copyLog(source, target, { sourceLabel: dir, nowMs: 2, chunkEntries: 40 });
      assert.ok(copy.resumedAt !== undefined && copy.resumedAt > 0 && copy.resumedAt < 300);
      assert.equal(copy.entriesCopied, 520 - copy.resumedAt);
      const proof = await proveCopy(source, target);
      assert.equal(proof.size, 520);
      for (const c of toClose.splice(0).reverse()) await c.close();
    }
    await t.log.close();
    store.close();

    // Another log's snapshot is refused: its meta differs.
    rmSync(file);
    const other = openSqliteStore({ path: file });
    const o = await openTestLog(other);
    o.store.setMeta('origin', 'another.example - 5');
    o.store.setMeta('vkey', o.identity.vkey);
    await grow(o, 10);
    await o.log.close();
    other.close();
    const { source, target } = await open(url);
    await assert.rejects(copyLog(source, target, { sourceLabel: dir, nowMs: 3 }), (e: unknown) => isLogError(e, 'CONFIG_INVALID') && /unfinished copy of another log .*whose (origin|logId|vkey) differs/.test(e.message));
  });

  it('nextBoundary: the largest checkpoint size within the chunk, else the next one', () => {
    const sizes = [0, 3, 10, 11, 50, 400];
    assert.equal(nextBoundary(sizes, 0, 10), 10);
    assert.equal(nextBoundary(sizes, 0, 2), 3);
    assert.equal(nextBoundary(sizes, 11, 100), 50);
    assert.equal(nextBoundary(sizes, 50, 10), 400);
    assert.equal(nextBoundary(sizes, 400, 10), 400);
  });
});
