/**
 * The DER glue of src/keys/ec-encoding.ts: PKCS#11's raw `r ‖ s` ECDSA
 * signatures to ASN.1 DER (checked by node:crypto, which verifies DER), and
 * token EC points to SubjectPublicKeyInfo.
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { CURVE_P256, ecSpki, rawEcdsaToDer } from '../../src/keys/ec-encoding.js';
import { isLogError } from '../../src/errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('keys: ec-encoding', () => {
  describe('rawEcdsaToDer', () => {
    it('encodes minimal non-negative INTEGERs (high bit → 00 prefix, leading zeros dropped, zero as 00)', () => {
      const r = Buffer.alloc(32);
      r[0] = 0x80; // high bit set
      const s = Buffer.alloc(32);
      s[2] = 0x01; // two leading zero bytes
      assert.equal(hex(rawEcdsaToDer(Buffer.concat([r, s]))), `3043022100${hex(r)}021e${hex(s.subarray(2))}`);
      assert.equal(hex(rawEcdsaToDer(Buffer.alloc(64))), '3006020100020100');
    });

    it('P-256 and P-384 signatures in IEEE P1363 form convert to DER that node verifies (400 signatures)', function () {
      this.timeout(30_000);
      for (const curve of ['P-256', 'P-384']) {
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
        const digest = curve === 'P-256' ? 'sha256' : 'sha384';
        for (let i = 0; i < 200; i++) {
          const data = Buffer.from(`message ${i}`);
          const raw = sign(digest, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
          assert.ok(verify(digest, data, { key: publicKey, dsaEncoding: 'der' }, rawEcdsaToDer(raw)), `signature ${i} on ${curve}`);
        }
      }
    });

    it('refuses odd or empty lengths (a broken token)', () => {
      for (const n of [0, 63]) assert.throws(() => rawEcdsaToDer(new Uint8Array(n)), (e: unknown) => isLogError(e, 'KEY_UNAVAILABLE'));
    });
  });

  describe('ecSpki', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const point = spki.subarray(spki.length - 65);
    it('wraps a DER OCTET STRING point or a bare point into the same SPKI node reads', () => {
      assert.equal(hex(ecSpki(CURVE_P256, Buffer.concat([Buffer.from([0x04, 0x41]), point]))), hex(spki));
      assert.equal(hex(ecSpki(CURVE_P256, point)), hex(spki));
      assert.equal(createPublicKey({ key: Buffer.from(ecSpki(CURVE_P256, point)), format: 'der', type: 'spki' }).asymmetricKeyDetails?.namedCurve, 'prime256v1');
    });
    it('refuses other curves, compressed and truncated points', () => {
      const p521 = Uint8Array.from([0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23]);
      assert.throws(() => ecSpki(p521, point), /curve other than P-256 or P-384/);
      assert.throws(() => ecSpki(CURVE_P256, Buffer.concat([Buffer.from([0x02]), point.subarray(1, 33)])), /compressed or malformed/);
      assert.throws(() => ecSpki(CURVE_P256, point.subarray(0, 64)), /compressed or malformed/);
    });
  });
});
