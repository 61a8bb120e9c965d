/**
 * What a PostgreSQL server writes to a finished copy without sequencing,
 * and what catching the copy up (src/migrate/extend.ts) makes of it, on a
 * real PostgreSQL server: a meta row the source lacks (or holds with another
 * value) makes the copy diverged, refused (CONFIG_INVALID, diverged) with
 * nothing written; a witness's cosignatures of the checkpoints both
 * published are kept (src/migrate/kept-cosignatures.ts), also in place of
 * the same witness's in the source, and the copy extends and proves; a
 * cosignature row that is not a witness's is refused as diverged.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { isLogError } from '../../src/errors.js';
import { LogService, makeIdentity } from '../../src/log/index.js';
import { copyLog, planCopy, proveCopy, type CopyProofSummary, type CopyResult } from '../../src/migrate/index.js';
import { cosign, ed25519CosignatureVerifier, ed25519Cosigner, parseNote } from '../../src/note/index.js';
import { openPostgresImport, openSnapshot, openSqliteStore, type PostgresImport } from '../../src/storage/index.js';
import { usePostgres, withPostgresStore } from '../support/postgres.js';
import { FAST_OPTIONS, TEST_URL, openTestLog, pinIdentity, submitTagged, testKey, type TestLog } from '../support/test-log.js';

/** A witness's cosigner and the verifier a log checks its lines with. */
function witness(name: string, seed: number): { sign: (note: string, atSec: number) => string; verifier: ReturnType<typeof ed25519CosignatureVerifier> } {
  const key = testKey(seed);
  const cosigner = ed25519Cosigner(name, key);
  return { sign: (note, atSec) => cosign(cosigner, parseNote(note).text, atSec), verifier: ed25519CosignatureVerifier(name, key) };
}

describe('cairn migrate: a finished copy a server wrote to without sequencing', function () {
  this.timeout(120_000);
  const server = usePostgres();
  let dir: string;
  let file: string;
  let t: TestLog;
  const w1 = witness('w1.example', 31);
  const w2 = witness('w2.example', 32);
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-migrate-diverged-'));
    file = join(dir, 'cairn.db');
    t = await openTestLog(openSqliteStore({ path: file }));
    pinIdentity(t);
  });
  afterEach(async () => {
    await t.log.close();
    t.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Copy, prove and finish, as cairn migrate does. */
  async function migrate(url: string, nowMs: number): Promise<{ copy: CopyResult; proof: CopyProofSummary }> {
    const source = openSnapshot(file);
    const target = await openPostgresImport({ url });
    try {
      const copy = await copyLog(source, target, { sourceLabel: dir, nowMs, chunkEntries: 25 });
      const proof = await proveCopy(source, target);
      if (!copy.alreadyFinished) await target.finish(proof.size, proof.tree);
      return { copy, proof };
    } finally {
      await target.close();
      source.close();
    }
  }

  /** planCopy and copyLog refuse the copy as diverged (`message`), and nothing in it changes. */
  async function refused(url: string, message: RegExp): Promise<void> {
    const source = openSnapshot(file);
    const target: PostgresImport = await openPostgresImport({ url });
    try {
      const state = async (): Promise<unknown[]> => [await target.status(), await target.meta(), await target.shards(), await target.allCosignatures(), await target.counts()];
      const before = await state();
      const diverged = (e: unknown): boolean => isLogError(e, 'CONFIG_INVALID') && (e.details as { diverged?: boolean }).diverged === true && message.test(e.message);
      await assert.rejects(planCopy(source, target), diverged);
      await assert.rejects(copyLog(source, target, { sourceLabel: dir, nowMs: 9 }), diverged);
      assert.deepEqual(await state(), before, 'nothing written');
    } finally {
      await target.close();
      source.close();
    }
  }

  it('refuses a copy holding a meta row the source lacks, or holds with another value, as diverged, writing nothing', async () => {
    await submitTagged(t, 40, 'first');
    const url = await server().createDatabase();
    await migrate(url, 1);
    await withPostgresStore(url, (store) => store.setMeta('rekorV2Tree', '1700000000000'));
    await refused(url, /has diverged from the source: it holds meta rekorV2Tree, which the source does not;/);
    await submitTagged(t, 10, 'second');
    await refused(url, /has diverged from the source: it holds meta rekorV2Tree, which the source does not;/);
    t.store.setMeta('rekorV2Tree', '1600000000000');
    await refused(url, /has diverged from the source: it holds meta rekorV2Tree, which the source holds with another value;/);
  });

  it("keeps a witness's cosignatures of the checkpoints both published (also in place of the same witness's), extends and proves", async () => {
    await submitTagged(t, 40, 'first');
    const url = await server().createDatabase();
    await migrate(url, 1);
    const head = t.store.latestCheckpoint();
    assert.ok(head?.size === 40);
    // A server on the copy, its witnesses cosigning its head before it sequences anything (witness-collector.ts).
    const kept = [w1.sign(head.note, 1_000), w2.sign(head.note, 1_001)];
    await withPostgresStore(url, async (store) => {
      const served = await LogService.open(store, makeIdentity(testKey(), t.identity.treeId, TEST_URL), new ManualClock(), FAST_OPTIONS);
      await served.attachCosignature(40, w1.verifier, kept[0] as string);
      await served.attachCosignature(40, w2.verifier, kept[1] as string);
      await served.close();
    });
    const again = await migrate(url, 2);
    assert.deepEqual([again.copy.alreadyFinished, again.proof.cosignatures, again.proof.keptCosignatures], [true, 2, 2], 'the same size: finished, proved with the kept ones');

    // The source's server: w1 cosigns the same checkpoint at another time, then more entries, cosigned by w1.
    await t.log.attachCosignature(40, w1.verifier, w1.sign(head.note, 2_000));
    await submitTagged(t, 20, 'second');
    const latest = t.store.latestCheckpoint();
    assert.ok(latest?.size === 60);
    await t.log.attachCosignature(60, w1.verifier, w1.sign(latest.note, 2_001));
    const { copy, proof } = await migrate(url, 3);
    assert.deepEqual([copy.resumedAt, copy.entriesCopied, proof.size], [40, 20, 60]);
    assert.deepEqual([proof.cosignatures, proof.keptCosignatures, proof.cosignaturesInPlaceOfSource], [3, 2, 1]);
    await withPostgresStore(url, async (store) => {
      assert.deepEqual((await store.cosignatures(40)).map((c) => c.line), kept.map((l) => l.trimEnd()), "the copy's own lines of its head, w1's in place of the source's");
      assert.deepEqual(await store.cosignatures(60), t.store.cosignatures(60), 'the new checkpoint’s, as the source holds them');
    });
    assert.equal((await migrate(url, 4)).copy.alreadyFinished, true, 'a third run finds it finished and proves it');
  });

  for (const c of [
    { name: 'a line by another witness than its row names', line: (note: string) => w2.sign(note, 1_000), message: /the copy's by w1\.example is a signature line by "w2\.example"/ },
    { name: "a line by another key than the source's by that witness", line: (note: string) => witness('w1.example', 33).sign(note, 1_000), message: /the copy's by w1\.example is by another key than the source's by that witness/ },
  ]) {
    it(`refuses a copy holding a cosignature that is not kept (${c.name}), as diverged, writing nothing`, async () => {
      await submitTagged(t, 40, 'first');
      const url = await server().createDatabase();
      await migrate(url, 1);
      const head = t.store.latestCheckpoint();
      assert.ok(head?.size === 40);
      await t.log.attachCosignature(40, w1.verifier, w1.sign(head.note, 500));
      // The store keeps lines as given; only a server's attachCosignature checks them.
      await withPostgresStore(url, (store) => store.addCosignature({ size: 40, witness: 'w1.example', line: c.line(head.note) }));
      const differ = new RegExp(`has diverged from the source: the cosignatures of the checkpoint at size 40 differ from the source's: ${c.message.source}`);
      await refused(url, differ);
      await submitTagged(t, 10, 'second');
      await refused(url, differ);
    });
  }
});
