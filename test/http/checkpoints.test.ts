/**
 * Checkpoint history for auditors: GET /api/v1/log/checkpoints (paged JSON)
 * and GET /api/v1/log/checkpoints/{size} (signed note), both carrying the
 * witness cosignatures collected for each checkpoint, as /checkpoint does.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { createApp } from '../../src/http/index.js';
import { verifyConsistency } from '../../src/merkle/index.js';
import { cosign, ed25519CosignatureVerifier, ed25519Cosigner, openNote, parseNote } from '../../src/note/index.js';
import { openTestLog, rawEntry, testKey } from '../support/test-log.js';

describe('checkpoint history routes', () => {
  it('lists every published checkpoint by size, in pages, and serves each one', async () => {
    const t = await openTestLog();
    for (let i = 0; i < 7; i++) await t.log.submit(rawEntry(`history ${i}`));
    const app = createApp({ log: t.log, maxRequestBytes: 1 << 20 });

    const page1 = (await request(app).get('/api/v1/log/checkpoints?limit=3').expect(200)).body;
    assert.deepEqual(page1.checkpoints.map((c: { treeSize: number }) => c.treeSize), [0, 1, 2]);
    assert.equal(page1.next, 3);
    const page3 = (await request(app).get('/api/v1/log/checkpoints?from=6&limit=3').expect(200)).body;
    assert.deepEqual(page3.checkpoints.map((c: { treeSize: number }) => c.treeSize), [6, 7]);
    assert.equal(page3.next, undefined, 'no next on the last page');
    const all = (await request(app).get('/api/v1/log/checkpoints').expect(200)).body.checkpoints as Array<Record<string, any>>;
    assert.equal(all.length, 8);
    const latest = t.store.latestCheckpoint()!;
    for (const c of all) {
      const opened = openNote(c['checkpoint'], [...t.identity.checkpointVerifiers]);
      assert.equal(opened.verifiedBy.length, 2);
      assert.equal(c['rootHash'], Buffer.from(t.store.checkpointAt(c['treeSize'])!.root).toString('hex'));
      const proof = (await t.log.reader.consistencyProof(c['treeSize'], latest.size));
      verifyConsistency(c['treeSize'], latest.size, Buffer.from(c['rootHash'], 'hex'), latest.root, proof);
    }

    const one = await request(app).get('/api/v1/log/checkpoints/4').expect(200);
    assert.match(one.headers['content-type'] ?? '', /^text\/plain; charset=utf-8/);
    assert.equal(one.headers['cache-control'], 'no-cache');
    assert.equal(one.text, t.store.checkpointAt(4)!.note);
    await request(app).get('/api/v1/log/checkpoints/8').expect(404);
    await request(app).get('/api/v1/log/checkpoints/x').expect(400);
    await request(app).get('/api/v1/log/checkpoints?limit=1001').expect(400);
  });

  it('appends the cosignatures attached so far, after the log\'s signatures, everywhere the checkpoint is served', async () => {
    const t = await openTestLog();
    for (let i = 0; i < 3; i++) await t.log.submit(rawEntry(`cosigned ${i}`));
    const app = createApp({ log: t.log, maxRequestBytes: 1 << 20 });
    const text = parseNote(t.store.checkpointAt(2)!.note).text;
    const w = ed25519Cosigner('w.example/1', testKey(40));
    const line = cosign(w, text, 1_700_000_123);
    (await t.log.attachCosignature(2, ed25519CosignatureVerifier('w.example/1', testKey(40)), line));
    (await t.log.attachCosignature(2, ed25519CosignatureVerifier('w.example/1', testKey(40)), line));
    const expected = `${t.store.checkpointAt(2)!.note}${line}`;
    assert.equal((await request(app).get('/api/v1/log/checkpoints/2').expect(200)).text, expected, 'once, though attached twice');
    const listed = (await request(app).get('/api/v1/log/checkpoints?from=2&limit=1').expect(200)).body.checkpoints[0].checkpoint;
    assert.equal(listed, expected);
    assert.equal((await request(app).get('/checkpoint')).text, t.store.checkpointAt(3)!.note, 'the latest (3) has none yet');

    await assert.rejects(t.log.attachCosignature(3, ed25519CosignatureVerifier('w.example/1', testKey(40)), line), /NOTE_INVALID|verify/);
    await assert.rejects(t.log.attachCosignature(9, ed25519CosignatureVerifier('w.example/1', testKey(40)), line), /no checkpoint/);
    assert.deepEqual(t.store.cosignatures(3), []);
  });
});
