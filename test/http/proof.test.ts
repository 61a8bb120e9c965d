import assert from 'node:assert/strict';
import request from 'supertest';
import { verifyConsistency } from '../../src/merkle/index.js';
import { rawEntry } from '../support/test-log.js';
import { testApp } from '../support/http.js';

async function appWith(n: number, batches: number[] = [n]) {
  const ta = await testApp();
  let i = 0;
  for (const size of batches) {
    await Promise.all(Array.from({ length: size }, () => ta.t.log.submit(rawEntry(`e${i++}`))));
  }
  return ta;
}

describe('GET /api/v1/log/proof', () => {
  describe('when the sizes are in range', () => {
    it('answers consistency proofs that verify, at any sizes (not only published ones)', async () => {
      const { t, app } = await appWith(21, [3, 10, 8]);
      for (const [first, last] of [[1, 21], [3, 13], [5, 17], [13, 21], [7, 7], [20, 21]] as const) {
        const res = await request(app).get(`/api/v1/log/proof?firstSize=${first}&lastSize=${last}`).expect(200);
        assert.equal(res.body.rootHash, Buffer.from((await t.log.reader.rootAt(last))).toString('hex'));
        verifyConsistency(first, last, (await t.log.reader.rootAt(first)), (await t.log.reader.rootAt(last)), res.body.hashes.map((h: string) => Buffer.from(h, 'hex')));
      }
    });

    it('defaults firstSize to 1 and accepts this log\'s treeID', async () => {
      const { t, app } = await appWith(6);
      const a = await request(app).get('/api/v1/log/proof?lastSize=6').expect(200);
      const b = await request(app).get(`/api/v1/log/proof?firstSize=1&lastSize=6&treeID=${t.identity.treeId}`).expect(200);
      assert.deepEqual(a.body, b.body);
    });
  });

  describe('when the sizes are out of range or malformed', () => {
    it('answers 400 with Rekor\'s messages', async () => {
      const { app } = await appWith(5);
      const inverted = await request(app).get('/api/v1/log/proof?firstSize=4&lastSize=3').expect(400);
      assert.equal(inverted.body.error, 'SIZE_OUT_OF_RANGE');
      assert.equal(inverted.body.message, 'firstSize(4) must be less than lastSize(3)');
      const beyond = await request(app).get('/api/v1/log/proof?firstSize=1&lastSize=6').expect(400);
      assert.equal(beyond.body.message, 'the tree size requested(6) was greater than what is currently observable(5)');
      for (const q of ['', 'lastSize=0', 'firstSize=0&lastSize=3', 'lastSize=x', 'lastSize=3&treeID=42', 'lastSize=3&treeID=abc']) {
        const res = await request(app).get(`/api/v1/log/proof?${q}`).expect(400);
        assert.equal(res.body.error, 'BAD_REQUEST', q);
      }
    });
  });
});
