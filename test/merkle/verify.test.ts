import assert from 'node:assert/strict';

import {
  EMPTY_ROOT,
  consistencyProof,
  inclusionProof,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
  type NodeReader,
} from '../../src/merkle/index.js';
import { entries, flipBit, hex, hexList, seededRandom, throwsCode } from '../support/merkle.js';
import { ReferenceTree, SparseReferenceTree } from '../support/reference-tree.js';

const MAX = 130;
const ref = new ReferenceTree(entries(MAX + 1));
const root = (n: number): Uint8Array => ref.mth(0, n);
const leaf = (i: number): Uint8Array => ref.leafHashes[i] as Uint8Array;
const rand = seededRandom('verify');
/** Cheap deterministic bit positions (a Lehmer generator mod the prime 65,537). */
let tick = 1;
const nextBit = (): number => {
  tick = (tick * 75) % 65_537;
  return tick % 256;
};
const randomHash = (): Uint8Array => flipBit(leaf(rand(MAX)), nextBit());

const invalid = (fn: () => unknown, what: string): void => {
  try {
    fn();
  } catch (err) {
    throwsCode(() => {
      throw err;
    }, 'PROOF_INVALID');
    return;
  }
  assert.fail(`accepted ${what}`);
};

/**
 * Runs fn with one-frame stack traces: the exhaustive rejection tests throw
 * ~200k errors, and capturing full mocha stacks would dominate their run time.
 */
function withShortStacks(fn: () => void): void {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  try {
    fn();
  } finally {
    Error.stackTraceLimit = saved;
  }
}

/** Variants of a proof with one hash flipped, dropped or added. */
function corruptions(proof: readonly Uint8Array[]): [string, Uint8Array[]][] {
  const out: [string, Uint8Array[]][] = [];
  proof.forEach((h, j) => {
    out.push([`hash ${j} flipped`, proof.map((x, k) => (k === j ? flipBit(h, nextBit()) : x))]);
  });
  if (proof.length > 0) {
    out.push(['first hash dropped', proof.slice(1)]);
    out.push(['last hash dropped', proof.slice(0, -1)]);
  }
  out.push(['a hash appended', [...proof, randomHash()]]);
  out.push(['a hash prepended', [randomHash(), ...proof]]);
  return out;
}

describe('verifyInclusion', () => {
  describe('for every (index, size) with size 1..130', function () {
    // Exhaustive: ~2 s on a busy 2-core machine, the edge of mocha's default timeout.
    this.timeout(30_000);
    it('accepts the RFC 6962 PATH and rootFromInclusionProof gives the root', () => {
      for (let size = 1; size <= MAX; size++) {
        for (let index = 0; index < size; index++) {
          const proof = ref.path(index, size);
          verifyInclusion(index, size, leaf(index), proof, root(size));
          verifyInclusion(BigInt(index), BigInt(size), leaf(index), proof, root(size));
          assert.equal(hex(rootFromInclusionProof(index, size, leaf(index), proof)), hex(root(size)));
        }
      }
    });

    it('rejects corrupted proofs, wrong index, size, leaf or root', () => {
      withShortStacks(() => {
        for (let size = 1; size <= MAX; size++) {
          for (let index = 0; index < size; index++) {
            const proof = ref.path(index, size);
            const at = `${index} in ${size}`;
            for (const [how, bad] of corruptions(proof)) {
              invalid(() => verifyInclusion(index, size, leaf(index), bad, root(size)), `${at} with ${how}`);
            }
            if (size > 1) invalid(() => verifyInclusion((index + 1) % size, size, leaf(index), proof, root(size)), `${at} at index+1`);
            invalid(() => verifyInclusion(size, size, leaf(index), proof, root(size)), `${at} at index = size`);
            invalid(() => verifyInclusion(index, size + 1, leaf(index), proof, root(size + 1)), `${at} as size+1`);
            if (size - 1 > index) invalid(() => verifyInclusion(index, size - 1, leaf(index), proof, root(size - 1)), `${at} as size−1`);
            invalid(() => verifyInclusion(index, size, leaf(index + 1), proof, root(size)), `${at} with another leaf`);
            invalid(() => verifyInclusion(index, size, leaf(index), proof, flipBit(root(size), nextBit())), `${at} wrong root`);
          }
        }
      });
    });
  });

  describe('when an input is malformed', () => {
    it('throws PROOF_INVALID', () => {
      const proof = ref.path(3, 10);
      const cases: [string, () => unknown][] = [
        ['negative index', () => verifyInclusion(-1, 10, leaf(3), proof, root(10))],
        ['fractional index', () => verifyInclusion(2.5, 10, leaf(3), proof, root(10))],
        ['unsafe number size', () => verifyInclusion(3, 2 ** 53, leaf(3), proof, root(10))],
        ['bigint above 2^64 − 1', () => verifyInclusion(3n, 2n ** 64n, leaf(3), proof, root(10))],
        ['size 0', () => verifyInclusion(0, 0, leaf(3), [], EMPTY_ROOT)],
        ['short leaf hash', () => verifyInclusion(3, 10, leaf(3).subarray(1), proof, root(10))],
        ['short proof hash', () => verifyInclusion(3, 10, leaf(3), [proof[0]!.subarray(1), ...proof.slice(1)], root(10))],
        ['long root', () => verifyInclusion(3, 10, leaf(3), proof, new Uint8Array(33))],
        ['proof not an array', () => verifyInclusion(3, 10, leaf(3), 'x' as unknown as Uint8Array[], root(10))],
        ['string index', () => verifyInclusion('3' as unknown as number, 10, leaf(3), proof, root(10))],
      ];
      for (const [name, fn] of cases) invalid(fn, name);
    });
  });

  describe('when the tree has one leaf', () => {
    it('accepts the empty proof and returns a copy of the leaf hash as root', () => {
      verifyInclusion(0, 1, leaf(0), [], root(1));
      const r = rootFromInclusionProof(0, 1, leaf(0), []);
      assert.equal(hex(r), hex(leaf(0)));
      assert.notEqual(r, leaf(0));
    });
  });
});

describe('verifyConsistency', () => {
  describe('for every (old, new) with 1 ≤ old < new ≤ 130', function () {
    this.timeout(30_000);
    it('accepts the RFC 6962 PROOF', () => {
      for (let n = 2; n <= MAX; n++) {
        for (let m = 1; m < n; m++) {
          verifyConsistency(m, n, root(m), root(n), ref.proof(m, n));
          verifyConsistency(BigInt(m), BigInt(n), root(m), root(n), ref.proof(m, n));
        }
      }
    });

    it('rejects corrupted proofs, wrong sizes and wrong roots', () => {
      withShortStacks(() => {
        for (let n = 2; n <= MAX; n++) {
          for (let m = 1; m < n; m++) {
            const proof = ref.proof(m, n);
            const at = `${m} → ${n}`;
            for (const [how, bad] of corruptions(proof)) {
              invalid(() => verifyConsistency(m, n, root(m), root(n), bad), `${at} with ${how}`);
            }
            invalid(() => verifyConsistency(m + 1, n, root(m + 1), root(n), proof), `${at} as old+1`);
            if (m > 1) invalid(() => verifyConsistency(m - 1, n, root(m - 1), root(n), proof), `${at} as old−1`);
            invalid(() => verifyConsistency(m, n + 1, root(m), root(n + 1), proof), `${at} as new+1`);
            if (n - 1 > m) invalid(() => verifyConsistency(m, n - 1, root(m), root(n - 1), proof), `${at} as new−1`);
            invalid(() => verifyConsistency(m, n, flipBit(root(m), nextBit()), root(n), proof), `${at} wrong old root`);
            invalid(() => verifyConsistency(m, n, root(m), flipBit(root(n), nextBit()), proof), `${at} wrong new root`);
            invalid(() => verifyConsistency(m, n, root(n), root(m), proof), `${at} roots swapped`);
            invalid(() => verifyConsistency(n, m, root(n), root(m), proof), `${at} sizes swapped`);
          }
        }
      });
    });
  });

  describe('when the sizes are equal', () => {
    it('accepts only an empty proof and equal roots', () => {
      verifyConsistency(7, 7, root(7), root(7), []);
      invalid(() => verifyConsistency(7, 7, root(7), root(6), []), 'different roots');
      invalid(() => verifyConsistency(7, 7, root(7), root(7), [leaf(0)]), 'non-empty proof');
    });
  });

  describe('when the old size is 0', () => {
    it('accepts only an empty proof and the empty-tree root', () => {
      verifyConsistency(0, 9, EMPTY_ROOT, root(9), []);
      verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, []);
      invalid(() => verifyConsistency(0, 9, EMPTY_ROOT, root(9), [leaf(0)]), 'non-empty proof');
      invalid(() => verifyConsistency(0, 9, new Uint8Array(32), root(9), []), 'zero root');
    });
  });

  describe('when the proof is empty for 0 < old < new', () => {
    it('throws PROOF_INVALID', () => {
      invalid(() => verifyConsistency(4, 8, root(4), root(8), []), 'empty proof');
    });
  });

  describe('when an input is malformed', () => {
    it('throws PROOF_INVALID', () => {
      const proof = ref.proof(3, 10);
      invalid(() => verifyConsistency(-1, 10, root(3), root(10), proof), 'negative size');
      invalid(() => verifyConsistency(3, 10, root(3).subarray(2), root(10), proof), 'short root');
      invalid(() => verifyConsistency(3, 10, root(3), root(10), [...proof.slice(1), new Uint8Array(0)]), 'empty hash');
      invalid(() => verifyConsistency(3, 2n ** 64n, root(3), root(10), proof), 'size above 2^64 − 1');
    });
  });
});

describe('proof arithmetic above 2^32', () => {
  const special = [0n, 1n, 2n ** 32n, 2n ** 32n + 4n, 2n ** 32n + 5n, 2n ** 32n + 6n, 2n ** 33n, 2n ** 33n + 2n];
  special.push(2n ** 40n - 1n, 2n ** 62n + 6n, 2n ** 62n + 7n, 2n ** 63n - 2n, 2n ** 63n + 4n, 2n ** 64n - 2n);
  const tree = new SparseReferenceTree(special);
  const read: NodeReader = (level, index) => tree.node(BigInt(level), BigInt(index));

  describe('when proving index 2^32 + 5 in size 2^33 + 3', () => {
    const index = 2 ** 32 + 5;
    const size = 2 ** 33 + 3;
    const want = tree.mth(0n, BigInt(size));

    it('generates the bigint reference PATH and it verifies against the bigint MTH', () => {
      const proof = inclusionProof(index, size, read);
      assert.deepEqual(hexList(proof), hexList(tree.path(BigInt(index), BigInt(size))));
      const leafHash = tree.leafHash(BigInt(index));
      assert.equal(hex(rootFromInclusionProof(index, size, leafHash, proof)), hex(want));
      assert.equal(hex(rootFromInclusionProof(BigInt(index), BigInt(size), leafHash, proof)), hex(want));
      verifyInclusion(index, size, leafHash, proof, want);
      invalid(() => verifyInclusion(index - 1, size, leafHash, proof, want), 'index − 1');
      invalid(() => verifyInclusion(index - 2 ** 32, size, leafHash, proof, want), 'index truncated to 32 bits');
      invalid(() => verifyInclusion(index, size, tree.leafHash(BigInt(index + 1)), proof, want), 'neighbour leaf');
    });
  });

  describe('when proving consistency from 2^32 + 1 to 2^40', () => {
    it('generates the bigint reference PROOF and it verifies against the bigint MTHs', () => {
      const [m, n] = [2 ** 32 + 1, 2 ** 40];
      const proof = consistencyProof(m, n, read);
      assert.deepEqual(hexList(proof), hexList(tree.proof(BigInt(m), BigInt(n))));
      const [oldRoot, newRoot] = [tree.mth(0n, BigInt(m)), tree.mth(0n, BigInt(n))];
      verifyConsistency(m, n, oldRoot, newRoot, proof);
      verifyConsistency(BigInt(m), BigInt(n), oldRoot, newRoot, proof);
      invalid(() => verifyConsistency(1, n, oldRoot, newRoot, proof), 'old size truncated to 32 bits');
      invalid(() => verifyConsistency(m, n, tree.mth(0n, BigInt(m + 4)), newRoot, proof), 'another old root');
    });
  });

  describe('when indices exceed 2^53 (bigint inputs only)', () => {
    it('verifies inclusion of 2^62 + 7 in size 2^63 + 5 and of 2^64 − 2 in size 2^64 − 1', () => {
      for (const [index, size] of [
        [2n ** 62n + 7n, 2n ** 63n + 5n],
        [2n ** 64n - 2n, 2n ** 64n - 1n],
      ] as const) {
        const proof = tree.path(index, size);
        const want = tree.mth(0n, size);
        verifyInclusion(index, size, tree.leafHash(index), proof, want);
        assert.equal(hex(rootFromInclusionProof(index, size, tree.leafHash(index), proof)), hex(want));
        invalid(() => verifyInclusion(index - 1n, size, tree.leafHash(index), proof, want), `${index} − 1`);
      }
    });

    it('verifies consistency from 2^62 + 7 to 2^63 + 5', () => {
      const [m, n] = [2n ** 62n + 7n, 2n ** 63n + 5n];
      const proof = tree.proof(m, n);
      verifyConsistency(m, n, tree.mth(0n, m), tree.mth(0n, n), proof);
      invalid(() => verifyConsistency(m + 1n, n, tree.mth(0n, m + 1n), tree.mth(0n, n), proof), 'old size + 1');
    });
  });
});
