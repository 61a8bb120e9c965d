import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { modInverse, modInverseSimple } from '../../../src/entry/verify/bigint.js';
import { CURVES } from '../../../src/entry/verify/curves.js';

describe('modInverse', () => {
  describe('when inverting modulo the curve primes and orders', () => {
    it('agrees with plain extended Euclid and really inverts', () => {
      for (const curve of Object.values(CURVES)) {
        for (const m of [curve.n, curve.p]) {
          for (let i = 0; i < 300; i++) {
            const shift = BigInt(i % (curve.bytes * 8));
            const a = BigInt('0x' + randomBytes(curve.bytes + 1).toString('hex')) >> shift;
            const inv = modInverse(a, m);
            assert.equal(inv, modInverseSimple(a, m));
            if (a % m !== 0n) assert.equal((inv * a) % m, 1n);
          }
        }
      }
    });
  });

  describe('when there is no inverse', () => {
    it('returns 0n', () => {
      assert.equal(modInverse(0n, 7n), 0n);
      assert.equal(modInverse(3n, 9n), 0n);
      assert.equal(modInverse(CURVES['P-256'].n, CURVES['P-256'].n), 0n);
    });
  });
});
