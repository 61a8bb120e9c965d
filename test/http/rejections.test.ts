/**
 * Every rejection answers a specific 4xx JSON error and writes nothing: the
 * tree size, the stored entries and the pool are unchanged.
 */
import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import request from 'supertest';
import { b64, dsseEntry, ecKey, hashedRekord, testApp, type TestApp } from '../support/http.js';

async function expectRejected(ta: TestApp, body: unknown, status: number, error: string, raw?: { type: string }): Promise<any> {
  const before = ta.t.log.status().size;
  let req = request(ta.app).post('/api/v1/log/entries');
  if (raw !== undefined) req = req.set('Content-Type', raw.type);
  const res = await req.send(body as object).expect(status);
  assert.match(res.headers['content-type'] ?? '', /application\/json/);
  assert.equal(res.body.code, status);
  assert.equal(res.body.error, error, res.body.message);
  assert.equal(typeof res.body.message, 'string');
  await ta.t.log.flush();
  assert.equal(ta.t.log.status().size, before, 'the tree did not grow');
  assert.equal(ta.t.log.status().poolSize, 0, 'nothing is pooled');
  assert.equal(ta.t.store.entryByIndex(before), undefined, 'nothing was stored');
  return res.body;
}

describe('rejected submissions', () => {
  const key = ecKey();

  describe('when the signature does not verify', () => {
    it('answers 400 SIGNATURE_INVALID', async () => {
      const other = sign('sha256', Buffer.from('something else'), key.privateKey).toString('base64');
      await expectRejected(await testApp(), hashedRekord(key, 'data', { signature: other }), 400, 'SIGNATURE_INVALID');
    });

    it('answers 400 SIGNATURE_INVALID for a dsse envelope signed by another key', async () => {
      const entry = dsseEntry(key, '{}') as { spec: { proposedContent: { verifiers: string[] } } };
      entry.spec.proposedContent.verifiers = [b64(ecKey().pem)];
      await expectRejected(await testApp(), entry, 400, 'SIGNATURE_INVALID');
    });
  });

  describe('when the digest length does not match its algorithm', () => {
    it('answers 400 ENTRY_INVALID', async () => {
      await expectRejected(await testApp(), hashedRekord(key, 'data', { digestHex: 'ab'.repeat(31) }), 400, 'ENTRY_INVALID');
      const sha512 = createHash('sha512').update('data').digest('hex');
      await expectRejected(await testApp(), hashedRekord(key, 'data', { digestHex: sha512 }), 400, 'ENTRY_INVALID');
    });
  });

  describe('when the key and hash algorithm are not an allowed pair', () => {
    it('answers 400 ALGORITHM_NOT_ALLOWED for P-256 with sha384', async () => {
      await expectRejected(await testApp(), hashedRekord(key, 'data', { algorithm: 'sha384' }), 400, 'ALGORITHM_NOT_ALLOWED');
    });
  });

  describe('when the public key is garbage', () => {
    it('answers 400 ENTRY_INVALID', async () => {
      const garbage = b64('-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n');
      await expectRejected(await testApp(), hashedRekord(key, 'data', { publicKey: garbage }), 400, 'ENTRY_INVALID');
      await expectRejected(await testApp(), hashedRekord(key, 'data', { publicKey: b64('hello') }), 400, 'ENTRY_INVALID');
    });
  });

  describe('when the kind or version is unknown', () => {
    it('answers 422 UNSUPPORTED_KIND', async () => {
      await expectRejected(await testApp(), { apiVersion: '0.0.1', kind: 'rpm', spec: {} }, 422, 'UNSUPPORTED_KIND');
      const v2 = { ...hashedRekord(key, 'data'), apiVersion: '0.0.2' };
      await expectRejected(await testApp(), v2, 422, 'UNSUPPORTED_KIND');
    });
  });

  describe('when the body does not fit the schema', () => {
    it('answers 422 SCHEMA_INVALID naming the field and why', async () => {
      const noSig = hashedRekord(key, 'data') as { spec: Record<string, unknown> };
      delete noSig.spec['signature'];
      const err = await expectRejected(await testApp(), noSig, 422, 'SCHEMA_INVALID');
      assert.match(err.message, /"spec\.signature" is required/);
      assert.equal(err.details.field, 'spec.signature');

      const badHex = hashedRekord(key, 'data', { digestHex: 'zz' });
      assert.match((await expectRejected(await testApp(), badHex, 422, 'SCHEMA_INVALID')).message, /spec\.data\.hash\.value.*pattern/);

      const badAlg = hashedRekord(key, 'data') as any;
      badAlg.spec.data.hash.algorithm = 'md5';
      assert.match((await expectRejected(await testApp(), badAlg, 422, 'SCHEMA_INVALID')).message, /spec\.data\.hash\.algorithm" must be one of "sha256"/);

      assert.match((await expectRejected(await testApp(), { kind: 'hashedrekord', spec: {} }, 422, 'SCHEMA_INVALID')).message, /"apiVersion" is required/);
      await expectRejected(await testApp(), [1, 2], 422, 'SCHEMA_INVALID');
    });

    it('answers 422 SCHEMA_INVALID for a body that is not JSON-typed', async () => {
      await expectRejected(await testApp(), 'kind=hashedrekord', 422, 'SCHEMA_INVALID', { type: 'application/x-www-form-urlencoded' });
    });

    it('answers 400 BAD_REQUEST for malformed JSON', async () => {
      await expectRejected(await testApp(), '{"kind":', 400, 'BAD_REQUEST', { type: 'application/json' });
    });
  });

  describe('when the request or the entry is too large', () => {
    it('answers 413 TOO_LARGE with a JSON body for a request over maxRequestBytes', async () => {
      const ta = await testApp({ maxRequestBytes: 2048 });
      const big = { ...hashedRekord(key, 'data'), padding: 'x'.repeat(4096) };
      await expectRejected(ta, big, 413, 'TOO_LARGE');
    });

    it('answers 413 TOO_LARGE for a canonical entry over maxEntryBytes', async () => {
      const ta = await testApp({ maxEntryBytes: 256 });
      await expectRejected(ta, hashedRekord(key, 'data'), 413, 'TOO_LARGE');
    });
  });
});
