import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { rawEntry } from '../support/test-log.js';
import { b64, dsseEntry, ecKey, hashedRekord, intotoEntry, testApp } from '../support/http.js';

describe('POST /api/v1/index/retrieve', () => {
  const alice = ecKey();
  const bob = ecKey();

  async function populated(deps = {}) {
    const ta = await testApp(deps);
    const post = async (e: unknown): Promise<string> =>
      (await request(ta.app).post('/api/v1/log/entries').send(e as object).expect(201)).headers['etag']!;
    const ids = {
      a1: await post(hashedRekord(alice, 'artifact-1')),
      b1: await post(hashedRekord(bob, 'artifact-1')),
      a2: await post(hashedRekord(alice, 'artifact-2')),
      ad: await post(dsseEntry(alice, '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"sha256":"' + 'cd'.repeat(32) + '"}}]}')),
      bi: await post(intotoEntry(bob, '{"_type":"z"}')),
    };
    await ta.t.log.submit(rawEntry('raw with an identity', ['alice@example.com', 'https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main']));
    return { ...ta, ids };
  }
  const search = async (app: any, q: object, status = 200) => (await request(app).post('/api/v1/index/retrieve').send(q).expect(status)).body;
  const digest1 = createHash('sha256').update('artifact-1').digest('hex');

  describe('when searching by artifact hash', () => {
    it('finds every entry of that digest, with or without prefix, in any case', async () => {
      const { app, ids } = await populated();
      assert.deepEqual(await search(app, { hash: `sha256:${digest1}` }), [ids.a1, ids.b1]);
      assert.deepEqual(await search(app, { hash: digest1.toUpperCase() }), [ids.a1, ids.b1]);
      assert.deepEqual(await search(app, { hash: 'cd'.repeat(32) }), [ids.ad], 'in-toto subject digests are indexed');
      assert.deepEqual(await search(app, { hash: 'ef'.repeat(32) }), []);
    });
  });

  describe('when searching by public key', () => {
    it('finds every entry signed by the key, whatever the PEM layout', async () => {
      const { app, ids } = await populated();
      assert.deepEqual(await search(app, { publicKey: { format: 'x509', content: b64(alice.pem) } }), [ids.a1, ids.a2, ids.ad]);
      const crlf = alice.pem.replace(/\n/g, '\r\n');
      assert.deepEqual(await search(app, { publicKey: { format: 'x509', content: b64(crlf) } }), [ids.a1, ids.a2, ids.ad]);
      assert.deepEqual(await search(app, { publicKey: { format: 'x509', content: b64(bob.pem) } }), [ids.b1, ids.bi]);
    });

    it('answers 400 for a format this log does not index or content that is no PEM', async () => {
      const { app } = await populated();
      assert.equal((await search(app, { publicKey: { format: 'ssh', content: b64('ssh-ed25519 AAAA') } }, 400)).error, 'BAD_REQUEST');
      assert.equal((await search(app, { publicKey: { format: 'x509', content: b64('hello') } }, 400)).error, 'BAD_REQUEST');
    });
  });

  describe('when searching by email or subject', () => {
    it('matches case-insensitively', async () => {
      const { app, t } = await populated();
      const rawId = t.identity.treeIdHex + Buffer.from(t.store.entryByIndex(5)!.leafHash).toString('hex');
      assert.deepEqual(await search(app, { email: 'Alice@Example.COM' }), [rawId]);
      assert.deepEqual(await search(app, { subject: 'https://github.com/org/repo/.github/workflows/release.yml@refs/heads/MAIN' }), [rawId]);
      assert.deepEqual(await search(app, { email: 'bob@example.com' }), []);
    });
  });

  describe('when combining criteria', () => {
    it('intersects with and, unites with or (the default), ascending, capped at maxSearchResults', async () => {
      const { app, ids } = await populated({ maxSearchResults: 3 });
      const key = { format: 'x509', content: b64(alice.pem) };
      assert.deepEqual(await search(app, { hash: digest1, publicKey: key, operator: 'and' }), [ids.a1]);
      assert.deepEqual(await search(app, { hash: digest1, publicKey: key }), [ids.a1, ids.b1, ids.a2], 'four match, three answered');
    });
  });

  describe('when the query is malformed', () => {
    it('answers 422 SCHEMA_INVALID naming what is wrong', async () => {
      const { app } = await testApp();
      assert.match((await search(app, {}, 422)).message, /at least one of hash, publicKey, email, subject/);
      assert.match((await search(app, { hash: 'sha256:xyz' }, 422)).message, /"hash" must match pattern/);
      assert.match((await search(app, { email: 'x', operator: 'xor' }, 422)).message, /"email"|"operator"/);
      assert.match((await search(app, { publicKey: { format: 'x509' } }, 422)).message, /"publicKey\.content" is required/);
    });
  });
});
