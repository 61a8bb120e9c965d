import assert from 'node:assert/strict';
import request from 'supertest';
import { checkLogEntry, dsseEntry, ecKey, hashedRekord, intotoEntry, testApp } from '../support/http.js';

describe('entry routes', () => {
  const key = ecKey();

  describe('POST /api/v1/log/entries', () => {
    describe('when a valid hashedrekord is submitted', () => {
      it('answers 201 with a verifiable LogEntry, ETag and Location, after the commit', async () => {
        const { t, app } = await testApp();
        const res = await request(app).post('/api/v1/log/entries').send(hashedRekord(key, 'artifact 1')).expect(201);
        assert.match(res.headers['content-type'] ?? '', /application\/json/);
        const e = checkLogEntry(t, res.body);
        assert.equal(res.headers['etag'], e.id);
        assert.equal(res.headers['location'], `/api/v1/log/entries/${e.id}`);
        assert.equal(e.logIndex, 0);
        assert.equal(t.log.status().size, 1, 'answered only once published');
        assert.ok(t.store.entryByIndex(0), 'and durably stored');
        const body = JSON.parse(e.body.toString('utf8'));
        assert.equal(body.kind, 'hashedrekord');
        assert.equal(body.apiVersion, '0.0.1');
      });

      it('proves each entry against the checkpoint that first includes it', async () => {
        const { t, app } = await testApp();
        const results = await Promise.all(
          Array.from({ length: 5 }, (_, i) => request(app).post('/api/v1/log/entries').send(hashedRekord(key, `batch ${i}`)).expect(201)),
        );
        await request(app).post('/api/v1/log/entries').send(hashedRekord(key, 'later')).expect(201);
        const sizes = t.store.listCheckpoints(0, 100).map((c) => c.size);
        for (const res of results) {
          const e = checkLogEntry(t, res.body);
          assert.ok(sizes.includes(e.treeSize), 'proof size is a published checkpoint size');
          const earlier = sizes.filter((s) => s < e.treeSize);
          assert.ok(earlier.every((s) => s <= e.logIndex), 'no earlier checkpoint includes the entry');
        }
      });
    });

    describe('when a dsse or intoto entry is submitted', () => {
      it('answers 201 for dsse 0.0.1', async () => {
        const { t, app } = await testApp();
        const res = await request(app).post('/api/v1/log/entries').send(dsseEntry(key, '{"_type":"x"}')).expect(201);
        assert.equal(JSON.parse(checkLogEntry(t, res.body).body.toString()).kind, 'dsse');
      });

      it('answers 201 for intoto 0.0.2', async () => {
        const { t, app } = await testApp();
        const res = await request(app).post('/api/v1/log/entries').send(intotoEntry(key, '{"_type":"y"}')).expect(201);
        assert.equal(JSON.parse(checkLogEntry(t, res.body).body.toString()).kind, 'intoto');
      });
    });

    describe('when the same entry is submitted again', () => {
      it('answers 409 with the existing entry in Location and writes nothing', async () => {
        const { t, app } = await testApp();
        const entry = hashedRekord(key, 'twice');
        const first = await request(app).post('/api/v1/log/entries').send(entry).expect(201);
        const again = await request(app).post('/api/v1/log/entries').send(entry).expect(409);
        assert.equal(again.body.code, 409);
        assert.equal(again.body.error, 'DUPLICATE');
        assert.equal(again.body.details.existingIndex, 0);
        assert.equal(again.headers['location'], first.headers['location']);
        assert.match(again.body.message, new RegExp(`with UUID ${first.headers['etag']}$`));
        assert.equal(t.log.status().size, 1);
        const fetched = await request(app).get(again.headers['location']!).expect(200);
        assert.deepEqual(Object.keys(fetched.body), Object.keys(first.body));
      });

      it('answers one 201 and one 409 when both arrive together', async () => {
        const { t, app } = await testApp();
        const entry = hashedRekord(key, 'race');
        const [a, b] = await Promise.all([
          request(app).post('/api/v1/log/entries').send(entry),
          request(app).post('/api/v1/log/entries').send(entry),
        ]);
        assert.deepEqual([a.status, b.status].sort(), [201, 409]);
        assert.equal(t.log.status().size, 1);
      });
    });
  });

  describe('GET /api/v1/log/entries?logIndex=N', () => {
    it('answers the entry with a proof against the latest checkpoint', async () => {
      const { t, app } = await testApp();
      await request(app).post('/api/v1/log/entries').send(hashedRekord(key, 'a')).expect(201);
      await request(app).post('/api/v1/log/entries').send(hashedRekord(key, 'b')).expect(201);
      await request(app).post('/api/v1/log/entries').send(hashedRekord(key, 'c')).expect(201);
      const res = await request(app).get('/api/v1/log/entries?logIndex=0').expect(200);
      const e = checkLogEntry(t, res.body);
      assert.equal(e.logIndex, 0);
      assert.equal(e.treeSize, 3);
      assert.equal(res.headers['cache-control'], 'no-cache');
    });

    describe('when the index is absent or malformed', () => {
      it('answers 404 beyond the log, 400 for a malformed or missing index', async () => {
        const { app } = await testApp();
        assert.equal((await request(app).get('/api/v1/log/entries?logIndex=0').expect(404)).body.error, 'NOT_FOUND');
        for (const q of ['?logIndex=abc', '?logIndex=-1', '?logIndex=1.5', '?logIndex=99999999999999999999', '?logIndex=1&logIndex=2', '']) {
          const res = await request(app).get(`/api/v1/log/entries${q}`).expect(400);
          assert.equal(res.body.error, 'BAD_REQUEST', q);
          assert.match(res.body.message, /logIndex/);
        }
      });
    });
  });

  describe('GET /api/v1/log/entries/{entryUUID}', () => {
    it('finds an entry by 80-hex entry ID, by 64-hex UUID, in either case', async () => {
      const { t, app } = await testApp();
      const created = await request(app).post('/api/v1/log/entries').send(hashedRekord(key, 'by id')).expect(201);
      const id = created.headers['etag']!;
      for (const q of [id, id.slice(16), id.toUpperCase()]) {
        const res = await request(app).get(`/api/v1/log/entries/${q}`).expect(200);
        assert.equal(checkLogEntry(t, res.body).id, id);
      }
    });

    describe('when the ID names nothing here', () => {
      it('answers 404 for another tree or an unknown leaf, 400 for a malformed ID or a zero tree ID', async () => {
        const { app } = await testApp();
        const created = await request(app).post('/api/v1/log/entries').send(hashedRekord(key, 'x')).expect(201);
        const uuid = created.headers['etag']!.slice(16);
        await request(app).get(`/api/v1/log/entries/0000000000000001${uuid}`).expect(404);
        await request(app).get(`/api/v1/log/entries/${'ab'.repeat(32)}`).expect(404);
        for (const bad of [`0000000000000000${uuid}`, `8000000000000000${uuid}`, 'xyz', uuid.slice(1), `${uuid}00`]) {
          const res = await request(app).get(`/api/v1/log/entries/${bad}`).expect(400);
          assert.equal(res.body.error, 'BAD_REQUEST', bad);
        }
      });
    });
  });
});
