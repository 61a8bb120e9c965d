import assert from 'node:assert/strict';
import request from 'supertest';
import { checkLogEntry, ecKey, hashedRekord, testApp } from '../support/http.js';

describe('POST /api/v1/log/entries/retrieve', () => {
  const key = ecKey();

  async function appWithThree() {
    const ta = await testApp();
    const entries = ['r0', 'r1', 'r2'].map((d) => hashedRekord(key, d));
    const ids: string[] = [];
    for (const e of entries) ids.push((await request(ta.app).post('/api/v1/log/entries').send(e).expect(201)).headers['etag']!);
    return { ...ta, entries, ids };
  }

  describe('when entries are asked for by ID, by proposed entry and by index', () => {
    it('answers the ones found, in that order, proven against one latest checkpoint', async () => {
      const { t, app, entries, ids } = await appWithThree();
      const res = await request(app)
        .post('/api/v1/log/entries/retrieve')
        .send({ entryUUIDs: [ids[2], ids[0]!.slice(16), `0000000000000009${ids[1]!.slice(16)}`, 'ab'.repeat(32)], entries: [entries[1], hashedRekord(key, 'absent')], logIndexes: [0, 7] })
        .expect(200);
      assert.ok(Array.isArray(res.body));
      const got = (res.body as unknown[]).map((e) => checkLogEntry(t, e));
      assert.deepEqual(got.map((e) => e.id), [ids[2], ids[0], ids[1], ids[0]]);
      assert.ok(got.every((e) => e.treeSize === 3));
    });

    it('answers an empty array for an empty query', async () => {
      const { app } = await appWithThree();
      assert.deepEqual((await request(app).post('/api/v1/log/entries/retrieve').send({}).expect(200)).body, []);
    });
  });

  describe('when the query is too large or malformed', () => {
    it('answers 422 TOO_MANY beyond maxSearchItems in all, with Rekor\'s message', async () => {
      const { app } = await testApp({ maxSearchItems: 10 });
      const res = await request(app)
        .post('/api/v1/log/entries/retrieve')
        .send({ logIndexes: [0, 1, 2, 3, 4, 5], entryUUIDs: Array.from({ length: 5 }, () => 'ab'.repeat(32)) })
        .expect(422);
      assert.equal(res.body.error, 'TOO_MANY');
      assert.equal(res.body.message, 'more than max allowed 10 entries in request');
      await request(app).post('/api/v1/log/entries/retrieve').send({ logIndexes: Array.from({ length: 10 }, (_, i) => i) }).expect(200);
    });

    it('answers 422 SCHEMA_INVALID for a bad UUID or index, 400 for a zero tree ID', async () => {
      const { app } = await testApp();
      const bad = await request(app).post('/api/v1/log/entries/retrieve').send({ entryUUIDs: ['xyz'] }).expect(422);
      assert.match(bad.body.message, /"entryUUIDs\[0\]" must match pattern/);
      await request(app).post('/api/v1/log/entries/retrieve').send({ logIndexes: [-1] }).expect(422);
      await request(app).post('/api/v1/log/entries/retrieve').send({ entries: [{ kind: 'hashedrekord' }] }).expect(422);
      const zero = await request(app).post('/api/v1/log/entries/retrieve').send({ entryUUIDs: ['0'.repeat(80)] }).expect(400);
      assert.equal(zero.body.error, 'BAD_REQUEST');
    });
  });
});
