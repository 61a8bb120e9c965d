/**
 * `cairn backup` while the real server takes writes, `cairn restore` of the
 * copy into an empty data dir and `cairn check`: the copy's root is the root
 * of a checkpoint the server published (its signed note is the one the
 * server serves for that size, consistent with the live log's later root),
 * and the restored data dir serves that tree.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyConsistency } from '../../src/merkle/index.js';
import { describeRun, runCairn } from '../support/cairn-cli.js';
import { getJson, httpRequest } from '../support/http-client.js';
import { startServer } from '../support/server-process.js';
import { SignedEntryFactory } from '../support/signed-entries.js';

describe('cairn backup, restore and check', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-backup-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies the log under write load, and the restored copy proves out at a published checkpoint', async () => {
    const live = join(dir, 'live');
    const s = await startServer(['--data-dir', live, '--batch-max-age-ms', '2']);
    const factory = new SignedEntryFactory('backup under load');
    let answered = 0;
    let stop = false;
    const writers = Array.from({ length: 6 }, async () => {
      while (!stop) {
        const r = await httpRequest(s.url, 'POST', '/api/v1/log/entries', { body: factory.next().json });
        assert.equal(r.status, 201, r.body.toString());
        answered++;
      }
    });
    let backup;
    let before: number;
    let during: number;
    try {
      while (answered < 300) await new Promise((r) => setImmediate(r));
      before = answered;
      const file = join(dir, 'copy.db');
      backup = await runCairn(['backup', '--data-dir', live, '--to', file, '--json']);
      during = answered - before;
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    try {
      assert.equal(backup.status, 0, describeRun(backup));
      const copied = JSON.parse(backup.stdout) as { treeSize: number; root: string; bytes: number; others: { backup: string }[] };
      // The data dir's other logs (the Rekor v2 tree, the admin log) are copied beside it.
      assert.deepEqual(copied.others.map((o) => o.backup).sort(), [join(dir, 'copy.db.admin-log.db'), join(dir, 'copy.db.rekor-v2.db')]);
      assert.ok(copied.treeSize >= before, `the copy holds what was answered before it began (${copied.treeSize} ≥ ${before})`);
      assert.ok(during > 0, 'the server took writes while the copy was made');

      // A restored copy into an empty data dir, proved.
      const restored = join(dir, 'restored');
      const r = await runCairn(['restore', '--from', join(dir, 'copy.db'), '--data-dir', restored, '--json']);
      assert.equal(r.status, 0, describeRun(r));
      const proof = JSON.parse(r.stdout) as { ok: boolean; treeSize: number; root: string; checkpoint: string; signatures: Record<string, string>; rehashed: { entries: number } };
      assert.deepEqual([proof.ok, proof.treeSize, proof.root], [true, copied.treeSize, copied.root]);
      assert.equal(proof.rehashed.entries, copied.treeSize);
      assert.equal(proof.signatures['noteKey'], 'verified');
      assert.deepEqual((JSON.parse(r.stdout) as { others: { database: string }[] }).others.map((o) => o.database).sort(), [join(restored, 'admin-log.db'), join(restored, 'rekor-v2.db')]);

      // The copy's checkpoint is the one the server published at that size, and the live log extends it.
      const published = await httpRequest(s.url, 'GET', `/api/v1/log/checkpoints/${copied.treeSize}`);
      assert.equal(published.status, 200);
      assert.equal(proof.checkpoint, published.body.toString('utf8'));
      const info = await getJson<{ treeSize: number; rootHash: string }>(s.url, '/api/v1/log');
      assert.ok(info.treeSize > copied.treeSize, 'writes after the copy are not in it');
      const consistency = await getJson<{ hashes: string[] }>(s.url, `/api/v1/log/proof?firstSize=${copied.treeSize}&lastSize=${info.treeSize}`);
      verifyConsistency(copied.treeSize, info.treeSize, Buffer.from(copied.root, 'hex'), Buffer.from(info.rootHash, 'hex'), consistency.hashes.map((h) => Buffer.from(h, 'hex')));

      // With the key files back in place, `check` verifies the log key's line too, and the copy serves.
      for (const key of ['log-key.pem', 'note-key.pem']) copyFileSync(join(live, key), join(restored, key));
      const check = await runCairn(['check', '--data-dir', restored, '--json']);
      assert.equal(check.status, 0, describeRun(check));
      assert.deepEqual(JSON.parse(check.stdout).signatures, { noteKey: 'verified', logKey: 'verified' });
      const text = await runCairn(['check', '--file', join(dir, 'copy.db')]);
      assert.equal(text.status, 0, describeRun(text));
      assert.match(text.stdout, new RegExp(`^ok: .*copy\\.db proves out\\n  tree size ${copied.treeSize}, root ${copied.root}`));
      const again = await startServer(['--data-dir', restored]);
      try {
        const served = await getJson<{ treeSize: number; rootHash: string }>(again.url, '/api/v1/log');
        assert.deepEqual([served.treeSize, served.rootHash], [copied.treeSize, copied.root]);
        assert.ok(!again.logs.some((l) => l.includes('the Rekor v2 tree is not served')), `the restored v2 tree is served: ${again.logs.join('\n')}`);
      } finally {
        assert.equal((await again.stop()).code, 0);
      }
    } finally {
      assert.equal((await s.stop()).code, 0);
    }
  });

  it('refuses to restore into a data dir that is not empty, and to overwrite a backup file', async () => {
    const live = join(dir, 'live');
    const s = await startServer(['--data-dir', live]);
    await s.stop();
    const file = join(dir, 'copy.db');
    assert.equal((await runCairn(['backup', '--data-dir', live, '--to', file])).status, 0);
    const again = await runCairn(['backup', '--data-dir', live, '--to', file]);
    assert.equal(again.status, 2, describeRun(again));
    assert.match(again.stderr, /the file exists/);
    const full = join(dir, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'something'), 'x');
    const r = await runCairn(['restore', '--from', file, '--data-dir', full]);
    assert.equal(r.status, 2, describeRun(r));
    assert.match(r.stderr, /not empty \(something\)/);
    const none = await runCairn(['check', '--data-dir', join(dir, 'nothing-here')]);
    assert.equal(none.status, 4, describeRun(none));
  });

  it('check exits 1 naming the entry when a backup has an entry body changed', async () => {
    const live = join(dir, 'live');
    const s = await startServer(['--data-dir', live]);
    const factory = new SignedEntryFactory('damaged copy');
    for (let i = 0; i < 40; i++) assert.equal((await httpRequest(s.url, 'POST', '/api/v1/log/entries', { body: factory.next().json })).status, 201);
    await s.stop();
    const file = join(dir, 'copy.db');
    assert.equal((await runCairn(['backup', '--data-dir', live, '--to', file])).status, 0);
    const { openDatabase } = await import('../../src/storage/index.js');
    const db = openDatabase(file);
    const body = Buffer.from(db.prepare('SELECT body FROM entries WHERE idx = 7').pluck().get() as Buffer);
    body[body.length - 3] = body[body.length - 3]! ^ 1;
    db.prepare('UPDATE entries SET body = ? WHERE idx = 7').run(body);
    db.close();
    const r = await runCairn(['check', '--file', file, '--json']);
    assert.equal(r.status, 1, describeRun(r));
    assert.match(JSON.parse(r.stdout).error.message, /entry 7's body does not hash to its stored leaf hash/);
  });
});
