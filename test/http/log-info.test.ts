import assert from 'node:assert/strict';
import { createPublicKey, verify as cryptoVerify, createHash } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../src/http/index.js';
import { openNote, parseCheckpoint, parseNote, parseVkey } from '../../src/note/index.js';
import { openTestLog, rawEntry } from '../support/test-log.js';

async function appWithEntries(n: number) {
  const t = await openTestLog();
  await Promise.all(Array.from({ length: n }, (_, i) => t.log.submit(rawEntry(`e${i}`))));
  return { t, app: createApp({ log: t.log, maxRequestBytes: 1 << 20 }) };
}

describe('log info routes', () => {
  describe('GET /api/v1/log', () => {
    it('returns Rekor LogInfo whose signedTreeHead verifies with the served public key by Rekor key hint', async () => {
      const { t, app } = await appWithEntries(3);
      const res = await request(app).get('/api/v1/log').expect(200).expect('Content-Type', /json/);
      assert.equal(res.body.treeSize, 3);
      assert.equal(res.body.treeID, t.identity.treeId);
      assert.equal(typeof res.body.treeID, 'string');
      assert.match(res.body.rootHash, /^[0-9a-f]{64}$/);

      const pem = (await request(app).get('/api/v1/log/publicKey').expect(200).expect('Content-Type', /x-pem-file/)).text;
      const pub = createPublicKey(pem);
      const spki = pub.export({ type: 'spki', format: 'der' });
      const hint = createHash('sha256').update(spki).digest().subarray(0, 4);
      // As a Rekor client does: find the signature line whose key hint is SHA-256(SPKI)[:4] and verify it.
      const note = parseNote(res.body.signedTreeHead);
      const sig = note.signatures.find((s) => s.keyId === hint.readUInt32BE(0));
      assert.ok(sig, 'a signature carries the Rekor key hint');
      assert.equal(sig.name, '127.0.0.1:3000');
      assert.ok(cryptoVerify(null, Buffer.from(note.text), pub, sig.sig));
      const cp = parseCheckpoint(note.text);
      assert.equal(cp.origin, `127.0.0.1:3000 - ${t.identity.treeId}`);
      assert.equal(Buffer.from(cp.root).toString('hex'), res.body.rootHash);
    });

    it('refuses a publicKey request for another tree with 400', async () => {
      const { app } = await appWithEntries(0);
      const res = await request(app).get('/api/v1/log/publicKey?treeID=42').expect(400);
      assert.equal(res.body.error, 'BAD_REQUEST');
    });
  });

  describe('GET /checkpoint', () => {
    it('serves the C2SP checkpoint as text/plain, uncached, verifiable with the served vkey', async () => {
      const { app } = await appWithEntries(2);
      const res = await request(app).get('/checkpoint').expect(200);
      assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'no-cache');
      const vkey = (await request(app).get('/api/v1/log/vkey').expect(200)).text.trim();
      const opened = openNote(res.text, [parseVkey(vkey)]);
      assert.equal(parseCheckpoint(opened.text).size, 2);
    });
  });

  describe('unknown routes', () => {
    it('answer 404 with a JSON error', async () => {
      const { app } = await appWithEntries(0);
      const res = await request(app).get('/nope').expect(404).expect('Content-Type', /json/);
      assert.equal(res.body.error, 'NOT_FOUND');
      assert.equal(res.body.code, 404);
    });
  });
});
