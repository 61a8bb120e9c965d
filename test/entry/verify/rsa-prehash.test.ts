import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import { verifyRsaPrehashed } from '../../../src/entry/verify/rsa-prehash.js';
import { signer } from '../../support/entry/signers.js';

describe('verifyRsaPrehashed', () => {
  for (const bits of [2048, 3072, 4096] as const) {
    describe(`when node signs the data with RSA-${bits} and SHA-256`, () => {
      const s = signer(`rsa${bits}`);
      const data = Buffer.from(`data for ${bits}`);
      const digest = createHash('sha256').update(data).digest();
      const sig = sign('sha256', data, s.privateKey);

      it('accepts the signature over the digest', () => {
        assert.equal(verifyRsaPrehashed(s.publicKey, bits, 'sha256', digest, sig), true);
      });

      it('rejects another digest, another hash algorithm, and a mangled signature', () => {
        const other = Buffer.from(digest);
        other[0] = (other[0] as number) ^ 0x80;
        assert.equal(verifyRsaPrehashed(s.publicKey, bits, 'sha256', other, sig), false);
        assert.equal(verifyRsaPrehashed(s.publicKey, bits, 'sha512', createHash('sha512').update(data).digest(), sig), false);
        const bad = Buffer.from(sig);
        bad[10] = (bad[10] as number) ^ 1;
        assert.equal(verifyRsaPrehashed(s.publicKey, bits, 'sha256', digest, bad), false);
      });

      it('rejects a signature one byte short (no implicit leading zero)', () => {
        assert.equal(verifyRsaPrehashed(s.publicKey, bits, 'sha256', digest, sig.subarray(1)), false);
      });
    });
  }

  describe('when the signature was made with SHA-512', () => {
    it('verifies against the SHA-512 DigestInfo', () => {
      const s = signer('rsa2048');
      const data = Buffer.from('x');
      const sig = sign('sha512', data, s.privateKey);
      assert.equal(verifyRsaPrehashed(s.publicKey, 2048, 'sha512', createHash('sha512').update(data).digest(), sig), true);
    });
  });
});
