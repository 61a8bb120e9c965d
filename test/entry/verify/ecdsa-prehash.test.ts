import assert from 'node:assert/strict';
import { createHash, randomBytes, sign } from 'node:crypto';
import { bigIntToBytes } from '../../../src/entry/verify/bigint.js';
import { CURVES, type CurveName } from '../../../src/entry/verify/curves.js';
import { verifyEcdsaPrehashed, verifyEcdsaPrehashedJs } from '../../../src/entry/verify/ecdsa-prehash.js';
import { ecdsaSignatureInRange, parseEcdsaSignature } from '../../../src/entry/verify/ecdsa-sig.js';
import { prehashedEcdsaImplementation } from '../../../src/entry/verify/native.js';
import { freshSigner, signEcdsaRaw, type SignerName } from '../../support/entry/signers.js';

const CASES: [CurveName, SignerName, 'sha256' | 'sha384' | 'sha512'][] = [
  ['P-256', 'p256', 'sha256'],
  ['P-384', 'p384', 'sha384'],
  ['P-521', 'p521', 'sha512'],
];

function pointOf(s: ReturnType<typeof freshSigner>): Uint8Array {
  const jwk = s.publicKey.export({ format: 'jwk' });
  return Buffer.concat([Buffer.of(4), Buffer.from(jwk.x as string, 'base64url'), Buffer.from(jwk.y as string, 'base64url')]);
}

/** The same suite for the active implementation (native when built) and the JS one. */
const IMPLEMENTATIONS = [
  [`verifyEcdsaPrehashed (${prehashedEcdsaImplementation()})`, verifyEcdsaPrehashed],
  ['verifyEcdsaPrehashedJs', verifyEcdsaPrehashedJs],
] as const;

for (const [title, verifyEcdsaPrehashed] of IMPLEMENTATIONS) describe(title, () => {
  for (const [curve, name, hash] of CASES) {
    describe(`when node signs the data on ${curve} with ${hash}`, () => {
      const s = freshSigner(name);
      const point = pointOf(s);
      const { n, bytes } = CURVES[curve];
      const samples = Array.from({ length: curve === 'P-256' ? 40 : 8 }, (_, i) => {
        const data = randomBytes(10 + i);
        const sig = sign(hash, data, { key: s.privateKey, dsaEncoding: i % 2 ? 'ieee-p1363' : 'der' });
        const parsed = parseEcdsaSignature(sig, bytes);
        assert.ok(parsed);
        return { digest: createHash(hash).update(data).digest(), sig: parsed };
      });

      it('accepts every signature over the digest (DER and P1363)', () => {
        for (const { digest, sig } of samples) assert.equal(verifyEcdsaPrehashed(curve, point, digest, sig), true);
      });

      it('accepts the malleated (r, n − s) form, as ECDSA does', () => {
        const { digest, sig } = samples[0] as (typeof samples)[0];
        assert.equal(verifyEcdsaPrehashed(curve, point, digest, { r: sig.r, s: n - sig.s }), true);
      });

      it('rejects the same signature over another digest, including n − e', () => {
        for (const { digest, sig } of samples.slice(0, 6)) {
          const e = BigInt('0x' + digest.toString('hex'));
          const flipped = Buffer.from(digest);
          flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
          assert.equal(verifyEcdsaPrehashed(curve, point, flipped, sig), false);
          if (e < n) assert.equal(verifyEcdsaPrehashed(curve, point, bigIntToBytes(n - e, digest.length), sig), false);
        }
      });

      it('rejects r or s off by one, out of range, or another key', () => {
        const { digest, sig } = samples[1] as (typeof samples)[0];
        const other = pointOf(freshSigner(name));
        assert.equal(verifyEcdsaPrehashed(curve, point, digest, { r: sig.r + 1n, s: sig.s }), false);
        assert.equal(verifyEcdsaPrehashed(curve, point, digest, { r: sig.r, s: sig.s + 1n }), false);
        assert.equal(verifyEcdsaPrehashed(curve, point, digest, { r: 0n, s: sig.s }), false);
        assert.equal(verifyEcdsaPrehashed(curve, point, digest, { r: sig.r, s: n }), false);
        assert.equal(verifyEcdsaPrehashed(curve, point, digest, { r: sig.r + n, s: sig.s }), false);
        assert.equal(verifyEcdsaPrehashed(curve, other, digest, sig), false);
      });
    });
  }

  describe('when the digest is a multiple of n or makes Q + cG degenerate (P-256)', () => {
    const s = freshSigner('p256');
    const point = pointOf(s);
    const d = BigInt('0x' + Buffer.from(s.privateKey.export({ format: 'jwk' }).d as string, 'base64url').toString('hex'));
    const { n } = CURVES['P-256'];
    const k = 0x1234567890abcdefn;

    it('verifies e ≡ 0 (digest 0 and digest n): c = 0, so P = Q', () => {
      const sig = signEcdsaRaw(d, 0n, k);
      assert.equal(verifyEcdsaPrehashed('P-256', point, Buffer.alloc(32), sig), true);
      assert.equal(verifyEcdsaPrehashed('P-256', point, bigIntToBytes(n, 32), sig), true);
      assert.equal(verifyEcdsaPrehashed('P-256', point, bigIntToBytes(1n, 32), sig), false);
    });

    it('verifies e = r·d (cG = Q, the doubling case)', () => {
      // r depends only on k, so fix k, read r, then choose e = r·d.
      const { r } = signEcdsaRaw(d, 0n, k);
      const e = (r * d) % n;
      const sig = signEcdsaRaw(d, e, k);
      assert.equal(verifyEcdsaPrehashed('P-256', point, bigIntToBytes(e, 32), sig), true);
    });

    it('rejects, without throwing, when Q + cG is the point at infinity (e = −r·d)', () => {
      const { r } = signEcdsaRaw(d, 0n, k);
      const e = (n - ((r * d) % n)) % n;
      assert.equal(verifyEcdsaPrehashed('P-256', point, bigIntToBytes(e, 32), { r, s: 12345n }), false);
    });
  });
});

describe('parseEcdsaSignature', () => {
  describe('when the signature is DER', () => {
    it('reads r and s and rejects non-minimal or trailing encodings', () => {
      assert.deepEqual(parseEcdsaSignature(Buffer.from('3006020101020102', 'hex'), 32), { r: 1n, s: 2n });
      assert.equal(parseEcdsaSignature(Buffer.from('300702020001020102', 'hex'), 32), undefined);
      assert.equal(parseEcdsaSignature(Buffer.from('300602010102010200', 'hex'), 32), undefined);
    });
  });

  describe('when the signature is neither DER nor the P1363 size', () => {
    it('returns undefined', () => {
      assert.equal(parseEcdsaSignature(Buffer.alloc(63, 1), 32), undefined);
      assert.equal(parseEcdsaSignature(Buffer.alloc(0), 32), undefined);
    });
  });
});

describe('ecdsaSignatureInRange', () => {
  describe('when r and s are checked against n', () => {
    it('accepts exactly 1 ≤ r, s ≤ n − 1', () => {
      const { n } = CURVES['P-256'];
      assert.equal(ecdsaSignatureInRange({ r: 1n, s: n - 1n }, n), true);
      assert.equal(ecdsaSignatureInRange({ r: 0n, s: 1n }, n), false);
      assert.equal(ecdsaSignatureInRange({ r: 1n, s: 0n }, n), false);
      assert.equal(ecdsaSignatureInRange({ r: n, s: 1n }, n), false);
      assert.equal(ecdsaSignatureInRange({ r: 1n, s: n }, n), false);
    });
  });
});
