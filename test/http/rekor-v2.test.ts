/**
 * POST /api/v2/log/entries and the v2 tree's read routes, on createApp: the
 * TransparencyLogEntry (proof verified against its checkpoint, origin the
 * host), rekor-tiles' statuses and error shape (400, 409 + x-log-index, 503
 * then 405 once the log takes no writes), the v1 tree left alone, access
 * control and rate limits as for v1.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { leafHash, verifyInclusion } from '../../src/merkle/index.js';
import { openNote, parseCheckpoint } from '../../src/note/index.js';
import { LogService, rekorV2Identity } from '../../src/log/index.js';
import { openDatabase, SqliteStore, toAsyncStore } from '../../src/storage/index.js';
import { tokenSha256Hex } from '../../src/http/index.js';
import { FaultyStore } from '../support/faulty-store.js';
import { FAST_OPTIONS, openTestLog } from '../support/test-log.js';
import { dsseV2, ecKey, hashedRekordV2, testApp } from '../support/http.js';

const V2 = '/api/v2/log/entries';

describe('Rekor v2 routes', () => {
  const key = ecKey();

  it('answers 201 with a TransparencyLogEntry whose proof verifies against the v2 checkpoint (origin the host), leaving v1 alone', async () => {
    const { t, v2, app } = await testApp();
    const res = await request(app).post(V2).send(hashedRekordV2(key, 'one')).expect(201);
    await request(app).post(V2).send(dsseV2(key, '{"n":2}')).expect(201);
    const tle = res.body;
    assert.equal(tle.logIndex, '0');
    assert.equal(tle.logId.keyId, Buffer.from(t.identity.logId, 'hex').toString('base64'));
    assert.deepEqual(tle.kindVersion, { kind: 'hashedrekord', version: '0.0.2' });
    assert.equal(tle.integratedTime, '0');
    assert.equal(tle.inclusionPromise, null);
    const body = Buffer.from(tle.canonicalizedBody, 'base64');
    const opened = openNote(tle.inclusionProof.checkpoint.envelope, [...v2.identity.checkpointVerifiers]);
    assert.equal(opened.verifiedBy.length, 2, 'both signature lines verify');
    const cp = parseCheckpoint(opened.text);
    assert.equal(cp.origin, t.identity.host);
    assert.equal(String(cp.size), tle.inclusionProof.treeSize);
    assert.equal(Buffer.from(cp.root).toString('base64'), tle.inclusionProof.rootHash);
    verifyInclusion(0, cp.size, leafHash(body), tle.inclusionProof.hashes.map((h: string) => Buffer.from(h, 'base64')), cp.root);
    assert.equal(t.store.latestCheckpoint()!.size, 0, 'the v1 tree took nothing');
    const checkpoint = await request(app).get('/api/v2/checkpoint').expect(200);
    assert.match(checkpoint.text, new RegExp(`^${t.identity.host.replace(/\./g, '\\.')}\\n2\\n`));
    const bundle = await request(app).get('/api/v2/tile/entries/000.p/2').expect(200);
    assert.equal(bundle.body.readUInt16BE(0), body.length);
    assert.deepEqual(bundle.body.subarray(2, 2 + body.length), body);
  });

  it('answers a duplicate 409 ALREADY_EXISTS with x-log-index, bad requests 400 INVALID_ARGUMENT, in grpc-gateway\'s shape', async () => {
    const { app } = await testApp();
    const req = hashedRekordV2(key, 'dup');
    await request(app).post(V2).send(hashedRekordV2(key, 'first')).expect(201);
    await request(app).post(V2).send(req).expect(201);
    const dup = await request(app).post(V2).send(req).expect(409);
    assert.equal(dup.headers['x-log-index'], '1');
    assert.equal(dup.body.code, 6);
    assert.deepEqual(dup.body.details, []);
    for (const bad of [{}, { hashedRekordRequestV002: {} }, { dsseRequestV002: { envelope: {}, verifiers: [] } }]) {
      const r = await request(app).post(V2).send(bad).expect(400);
      assert.equal(r.body.code, 3);
      assert.equal(typeof r.body.message, 'string');
    }
    const notJson = await request(app).post(V2).set('Content-Type', 'application/json').send('{"x":').expect(400);
    assert.equal(notJson.body.code, 3);
  });

  it('answers 503 UNAVAILABLE for a failed commit, then 405 (rekor-tiles\' frozen log) while the v2 tree takes no writes', async () => {
    const t = await openTestLog();
    const store = new FaultyStore(new SqliteStore(openDatabase(':memory:')));
    const v2 = await LogService.open(toAsyncStore(store), rekorV2Identity(t.identity), t.clock, { ...FAST_OPTIONS, signEntryTimestamps: false });
    const { app } = await testApp({ logV2: v2 }, t);
    await request(app).post(V2).send(hashedRekordV2(key, 'before')).expect(201);
    store.persistThenFailNext(1);
    const failed = await request(app).post(V2).send(hashedRekordV2(key, 'uncertain')).expect(503);
    assert.equal(failed.body.code, 14);
    const frozen = await request(app).post(V2).send(hashedRekordV2(key, 'after')).expect(405);
    assert.equal(frozen.body.code, 12);
    await request(app).get('/api/v2/checkpoint').expect(200);
  });

  it('needs the submit role with access control on, and is rate limited, as POST /api/v1/log/entries', async () => {
    const tokens = [
      { name: 'reader', sha256: Buffer.from(tokenSha256Hex('read-token'), 'hex'), roles: [] },
      { name: 'ci', sha256: Buffer.from(tokenSha256Hex('submit-token'), 'hex'), roles: ['submit' as const] },
    ];
    const { app } = await testApp({ access: { tokens: () => tokens, readAuth: false } });
    await request(app).post(V2).send(hashedRekordV2(key, 'a')).expect(401);
    await request(app).post(V2).set('Authorization', 'Bearer read-token').send(hashedRekordV2(key, 'a')).expect(403);
    await request(app).post(V2).set('Authorization', 'Bearer submit-token').send(hashedRekordV2(key, 'a')).expect(201);
    const limited = (await testApp({ rateLimit: { ratePerSecond: 1, burst: 1 } })).app;
    await request(limited).post(V2).send(hashedRekordV2(key, 'b')).expect(201);
    await request(limited).post(V2).send(hashedRekordV2(key, 'c')).expect(429);
  });
});
