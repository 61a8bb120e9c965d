/**
 * A log whose log key is ECDSA P-256 (as Rekor's): SETs are ECDSA-SHA256
 * ASN.1 DER signatures over the canonical SET payload, the Rekor checkpoint
 * line is the log key's (key hint = first 4 bytes of the logID), and the C2SP
 * line is the separate Ed25519 note key's, which the vkey names.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { isLogError } from '../../src/errors.js';
import { makeIdentity, setPayload } from '../../src/log/index.js';
import { openNote, parseNote, parseVkey } from '../../src/note/index.js';
import { openSqliteStore } from '../../src/storage/index.js';
import { TEST_TREE_ID, TEST_URL, checkLog, openTestLog, rawEntry, testEcdsaKey, testKey } from '../support/test-log.js';

describe('a log with an ECDSA P-256 log key', () => {
  describe('when entries are submitted', () => {
    it('signs SETs with ECDSA over SHA-256 of the canonical payload, as ASN.1 DER', async () => {
      const t = await openTestLog(undefined, {}, undefined, 'ecdsa-p256');
      const r = await t.log.submit(rawEntry('ecdsa set'));
      const payload = setPayload(Buffer.from('ecdsa set'), r.integratedTime, t.identity.logId, r.index);
      assert.equal(r.set[0], 0x30, 'a DER SEQUENCE');
      assert.ok(verify('sha256', payload, { key: t.identity.publicKey, dsaEncoding: 'der' }, r.set));
      assert.ok(!verify('sha256', setPayload(Buffer.from('ecdsa set'), r.integratedTime + 1, t.identity.logId, r.index), { key: t.identity.publicKey, dsaEncoding: 'der' }, r.set));
      await checkLog(t);
    });

    it('signs the checkpoint with the note key (C2SP key ID) and the log key (Rekor key hint)', async () => {
      const t = await openTestLog(undefined, {}, undefined, 'ecdsa-p256');
      await Promise.all(Array.from({ length: 10 }, (_, i) => t.log.submit(rawEntry(`entry ${i}`))));
      const note = t.store.latestCheckpoint()!.note;
      const [c2sp, rekor] = parseNote(note).signatures;
      assert.equal(rekor!.keyId, Buffer.from(t.identity.logId, 'hex').readUInt32BE(0), 'the Rekor line carries the first 4 bytes of the logID');
      assert.ok(verify('sha256', Buffer.from(parseNote(note).text), { key: t.identity.publicKey, dsaEncoding: 'der' }, rekor!.sig));
      const vkey = parseVkey(t.identity.vkey);
      assert.equal(c2sp!.keyId, vkey.keyId);
      assert.deepEqual(openNote(note, [vkey]).verifiedBy.map((v) => v.keyId), [vkey.keyId], 'the vkey alone opens the checkpoint');
      assert.equal(t.identity.logId, createHash('sha256').update(t.identity.publicKey.export({ type: 'spki', format: 'der' })).digest('hex'));
      assert.match(t.identity.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE/);
    });

    it('reopens: the stored checkpoint passes the self-check and the log keeps appending', async () => {
      const t = await openTestLog(openSqliteStore({ path: ':memory:' }), {}, undefined, 'ecdsa-p256');
      await t.log.submit(rawEntry('before'));
      await t.log.close();
      const again = await t.reopen();
      assert.equal(again.log.status().readOnly, undefined);
      assert.equal((await again.log.submit(rawEntry('after'))).index, 1);
      await checkLog(again);
    });
  });

  describe('when the keys do not fit', () => {
    const refused = (f: () => unknown, re: RegExp): void => assert.throws(f, (e: unknown) => isLogError(e, 'CONFIG_INVALID') && re.test(e.message));

    it('refuses an ECDSA log key without a note key, an Ed25519 log key with one, and other key types', () => {
      refused(() => makeIdentity(testEcdsaKey(), TEST_TREE_ID, TEST_URL), /needs an Ed25519 note key/);
      refused(() => makeIdentity(testKey(), TEST_TREE_ID, TEST_URL, testKey(8)), /give no separate note key/);
      refused(() => makeIdentity(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, TEST_TREE_ID, TEST_URL, testKey(8)), /ec \(secp384r1\).*ECDSA P-256 or Ed25519/);
      refused(() => makeIdentity(testEcdsaKey(), TEST_TREE_ID, TEST_URL, testEcdsaKey(2)), /note key .* must be Ed25519/);
    });

    it('derives the same identity from the public keys alone (keys held in a token), without private keys', () => {
      const full = makeIdentity(testEcdsaKey(), TEST_TREE_ID, TEST_URL, testKey(8));
      const pub = makeIdentity(createPublicKey(testEcdsaKey()), TEST_TREE_ID, TEST_URL, createPublicKey(testKey(8)));
      assert.equal(pub.logId, full.logId);
      assert.equal(pub.vkey, full.vkey);
      assert.deepEqual(pub.checkpointLines, full.checkpointLines);
      assert.equal(pub.privateKeys, undefined);
      assert.ok(full.privateKeys);
    });
  });
});
