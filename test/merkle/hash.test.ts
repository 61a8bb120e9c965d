import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

import { EMPTY_ROOT, hashesEqual, leafHash, nodeHash } from '../../src/merkle/index.js';
import { hex, throwsCode } from '../support/merkle.js';

function sha256(...parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

describe('leafHash', () => {
  describe('when hashing the empty entry', () => {
    it('gives the RFC 6962 empty-leaf hash SHA-256(0x00)', () => {
      assert.equal(hex(leafHash(new Uint8Array(0))), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    });
  });

  describe('when hashing entries of any size', () => {
    it('hashes 0x00 followed by the entry bytes', () => {
      for (const n of [1, 31, 32, 33, 1000, 65_535]) {
        const data = new Uint8Array(n).map((_, i) => (i * 7 + n) % 256);
        assert.equal(hex(leafHash(data)), sha256(Uint8Array.of(0), data), `length ${n}`);
      }
    });

    it('does not modify its input and returns 32 fresh bytes', () => {
      const data = Uint8Array.of(1, 2, 3);
      const a = leafHash(data);
      const b = leafHash(data);
      const saved = hex(b);
      assert.deepEqual([...data], [1, 2, 3]);
      assert.equal(a.length, 32);
      a[0] = ((a[0] ?? 0) + 1) % 256;
      assert.equal(hex(b), saved);
    });
  });
});

describe('nodeHash', () => {
  const l = leafHash(Uint8Array.of(1));
  const r = leafHash(Uint8Array.of(2));

  describe('when given two 32-byte children', () => {
    it('hashes 0x01 ‖ left ‖ right', () => {
      assert.equal(hex(nodeHash(l, r)), sha256(Uint8Array.of(1), l, r));
      assert.notEqual(hex(nodeHash(l, r)), hex(nodeHash(r, l)));
    });

    it('returns a result that later calls do not overwrite', () => {
      const first = nodeHash(l, r);
      const saved = hex(first);
      nodeHash(r, l);
      assert.equal(hex(first), saved);
    });
  });

  describe('when a child is not 32 bytes', () => {
    it('throws INTERNAL', () => {
      throwsCode(() => nodeHash(l, new Uint8Array(31)), 'INTERNAL');
      throwsCode(() => nodeHash(new Uint8Array(33), r), 'INTERNAL');
    });
  });
});

describe('EMPTY_ROOT', () => {
  it('is SHA-256 of the empty string', () => {
    assert.equal(hex(EMPTY_ROOT), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(Buffer.from(EMPTY_ROOT).toString('base64'), '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });
});

describe('hashesEqual', () => {
  it('compares bytes and lengths', () => {
    assert.equal(hashesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
    assert.equal(hashesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
    assert.equal(hashesEqual(Uint8Array.of(1, 2), Uint8Array.of(1)), false);
  });
});
