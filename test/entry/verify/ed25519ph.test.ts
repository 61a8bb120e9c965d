import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import { verifyEd25519ph } from '../../../src/entry/verify/ed25519ph.js';
import { signEd25519ph, signEd25519phSeed, signer } from '../../support/entry/signers.js';

// RFC 8032 §7.3, "TEST abc" (Ed25519ph).
const RFC = {
  secret: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
  publicKey: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
  message: '616263',
  signature:
    '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406',
};

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

describe('verifyEd25519ph', () => {
  describe('when given the RFC 8032 Ed25519ph test vector', () => {
    const prehash = createHash('sha512').update(hex(RFC.message)).digest();

    it('accepts it', () => {
      assert.equal(verifyEd25519ph(hex(RFC.publicKey), prehash, hex(RFC.signature)), true);
    });

    it('matches the test signer (so the tests sign real Ed25519ph)', () => {
      assert.equal(signEd25519phSeed(hex(RFC.secret), prehash).toString('hex'), RFC.signature);
    });

    it('rejects a flipped bit in R, S, the key or the digest', () => {
      for (const i of [0, 40]) {
        const sig = hex(RFC.signature);
        sig[i] = (sig[i] as number) ^ 1;
        assert.equal(verifyEd25519ph(hex(RFC.publicKey), prehash, sig), false);
      }
      const key = hex(RFC.publicKey);
      key[3] = (key[3] as number) ^ 1;
      assert.equal(verifyEd25519ph(key, prehash, hex(RFC.signature)), false);
      const other = Buffer.from(prehash);
      other[0] = (other[0] as number) ^ 1;
      assert.equal(verifyEd25519ph(hex(RFC.publicKey), other, hex(RFC.signature)), false);
    });
  });

  describe('when the signature is pure Ed25519 over the digest', () => {
    it('rejects it (domain separation)', () => {
      const s = signer('ed25519');
      const digest = createHash('sha512').update('data').digest();
      const raw = s.publicKey.export({ format: 'jwk' }).x as string;
      const pure = sign(null, digest, s.privateKey);
      assert.equal(verifyEd25519ph(Buffer.from(raw, 'base64url'), digest, pure), false);
      assert.equal(verifyEd25519ph(Buffer.from(raw, 'base64url'), digest, signEd25519ph(s.privateKey, digest)), true);
    });
  });

  describe('when S is not reduced or lengths are wrong', () => {
    it('rejects S + L, short signatures and short digests', () => {
      const prehash = createHash('sha512').update(hex(RFC.message)).digest();
      const sig = hex(RFC.signature);
      const L = (1n << 252n) + 27742317777372353535851937790883648493n;
      const s = BigInt('0x' + Buffer.from(sig.subarray(32)).reverse().toString('hex')) + L;
      const unreduced = Buffer.concat([sig.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, '0'), 'hex').reverse()]);
      assert.equal(verifyEd25519ph(hex(RFC.publicKey), prehash, unreduced), false);
      assert.equal(verifyEd25519ph(hex(RFC.publicKey), prehash, sig.subarray(1)), false);
      assert.equal(verifyEd25519ph(hex(RFC.publicKey), prehash.subarray(1), sig), false);
    });
  });
});
