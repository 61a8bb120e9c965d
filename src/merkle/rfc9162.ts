/**
 * Proof verification, step by step as RFC 9162 §2.1.3.2 (inclusion) and
 * §2.1.4.2 (consistency) write it, plus the trivial consistency cases
 * (equal sizes, old size 0) that the RFC leaves out and Sigsum and x/mod
 * handle explicitly.
 *
 * These run in clients of any log, whose indices may exceed 2^53, so index
 * arithmetic is bigint throughout; inputs may be `number` (safe integers) or
 * `bigint`, both in 0..2^64 − 1. Every input is attacker-controlled: any
 * malformed value or failed check throws LogError('PROOF_INVALID') saying what
 * failed, never a TypeError or a boolean.
 *
 * Portable (no node: imports): the hashing is a parameter, so the server
 * (verify.ts, node:crypto) and the browser-safe client (@noble/hashes) run
 * this one text.
 */
import { LogError } from '../errors.js';
import { HASH_SIZE, hashHex as hex, hashesEqual, type MerkleHasher } from './hasher.js';

/** A tree size or leaf index: a safe-integer number or a bigint, 0..2^64 − 1. */
export type TreeIndex = number | bigint;

const MAX_UINT64 = 2n ** 64n - 1n;

function invalid(message: string): LogError<'PROOF_INVALID'> {
  return new LogError('PROOF_INVALID', message);
}

function toBig(what: string, name: string, v: TreeIndex): bigint {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw invalid(`couldn't ${what}: ${name} ${v} is not a non-negative safe integer`);
    return BigInt(v);
  }
  if (typeof v !== 'bigint' || v < 0n || v > MAX_UINT64) {
    throw invalid(`couldn't ${what}: ${name} ${String(v)} is not in 0..2^64 − 1`);
  }
  return v;
}

function checkHash(what: string, name: string, h: Uint8Array): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw invalid(`couldn't ${what}: ${name} is not a 32-byte hash`);
  }
}

function checkProof(what: string, proof: readonly Uint8Array[]): void {
  if (!Array.isArray(proof)) throw invalid(`couldn't ${what}: the proof is not an array of hashes`);
  proof.forEach((h, i) => checkHash(what, `proof hash ${i}`, h));
}

/** LSB(v) of RFC 9162; bigint arithmetic stands in for bit operations ("right-shift" is v / 2n). */
function isOdd(v: bigint): boolean {
  return v % 2n === 1n;
}

function isPowerOfTwo(v: bigint): boolean {
  let p = 1n;
  while (p < v) p *= 2n;
  return p === v;
}

/** RFC 9162 proof verification over one hasher. */
export interface ProofVerifier {
  rootFromInclusionProof(index: TreeIndex, size: TreeIndex, leafHash: Uint8Array, proof: readonly Uint8Array[]): Uint8Array;
  verifyInclusion(index: TreeIndex, size: TreeIndex, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void;
  verifyConsistency(oldSize: TreeIndex, newSize: TreeIndex, oldRoot: Uint8Array, newRoot: Uint8Array, proof: readonly Uint8Array[]): void;
}

/** The three verification functions below, hashing with `h`. */
export function proofVerifier(h: MerkleHasher): ProofVerifier {
  return { rootFromInclusionProof, verifyInclusion, verifyConsistency };

  /**
   * The root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1–4 and
   * the `sn == 0` part of step 5). Throws PROOF_INVALID when index ≥ size or
   * when the proof has more or fewer hashes than the leaf's path needs.
   */
  function rootFromInclusionProof(
    index: TreeIndex,
    size: TreeIndex,
    leafHash: Uint8Array,
    proof: readonly Uint8Array[],
  ): Uint8Array {
    const what = 'verify inclusion';
    const leafIndex = toBig(what, 'index', index);
    const treeSize = toBig(what, 'size', size);
    checkHash(what, 'leaf hash', leafHash);
    checkProof(what, proof);
    if (leafIndex >= treeSize) throw invalid(`couldn't verify inclusion: index ${leafIndex} is not below size ${treeSize}`);
    let fn = leafIndex;
    let sn = treeSize - 1n;
    let r = leafHash;
    for (const p of proof) {
      if (sn === 0n) {
        throw invalid(`couldn't verify inclusion: proof has ${proof.length} hashes, more than index ${leafIndex} in size ${treeSize} needs`);
      }
      if (isOdd(fn) || fn === sn) {
        r = h.nodeHash(p, r);
        while (!isOdd(fn) && fn !== 0n) {
          fn /= 2n;
          sn /= 2n;
        }
      } else {
        r = h.nodeHash(r, p);
      }
      fn /= 2n;
      sn /= 2n;
    }
    if (sn !== 0n) {
      throw invalid(`couldn't verify inclusion: proof has ${proof.length} hashes, fewer than index ${leafIndex} in size ${treeSize} needs`);
    }
    return new Uint8Array(r);
  }

  /**
   * RFC 9162 §2.1.3.2: checks that `leafHash` is at `index` in the tree of
   * `size` with root `root`. Returns normally on success; throws PROOF_INVALID
   * (malformed input, wrong proof length, or a computed root that differs).
   */
  function verifyInclusion(
    index: TreeIndex,
    size: TreeIndex,
    leafHash: Uint8Array,
    proof: readonly Uint8Array[],
    root: Uint8Array,
  ): void {
    checkHash('verify inclusion', 'root', root);
    const computed = rootFromInclusionProof(index, size, leafHash, proof);
    if (!hashesEqual(computed, root)) {
      throw invalid(`couldn't verify inclusion: computed root ${hex(computed)} is not the expected ${hex(root)}`);
    }
  }

  /**
   * RFC 9162 §2.1.4.2: checks that the tree of `oldSize` with `oldRoot` is a
   * prefix of the tree of `newSize` with `newRoot`. Trivial cases first:
   * oldSize == newSize needs an empty proof and equal roots; oldSize == 0 needs
   * an empty proof and oldRoot == SHA-256(""). Returns normally on success;
   * throws PROOF_INVALID otherwise (including oldSize > newSize).
   */
  function verifyConsistency(
    oldSize: TreeIndex,
    newSize: TreeIndex,
    oldRoot: Uint8Array,
    newRoot: Uint8Array,
    proof: readonly Uint8Array[],
  ): void {
    const what = 'verify consistency';
    const first = toBig(what, 'old size', oldSize);
    const second = toBig(what, 'new size', newSize);
    checkHash(what, 'old root', oldRoot);
    checkHash(what, 'new root', newRoot);
    checkProof(what, proof);
    if (first > second) throw invalid(`couldn't verify consistency: old size ${first} > new size ${second}`);
    if (first === second || first === 0n) {
      if (proof.length !== 0) {
        throw invalid(`couldn't verify consistency: proof from ${first} to ${second} must be empty, has ${proof.length} hashes`);
      }
      if (first === second && !hashesEqual(oldRoot, newRoot)) {
        throw invalid(`couldn't verify consistency: different roots at the same size ${first}`);
      }
      if (first === 0n && !hashesEqual(oldRoot, h.emptyRoot)) {
        throw invalid(`couldn't verify consistency: root of size 0 is ${hex(oldRoot)}, not SHA-256("")`);
      }
      return;
    }
    // Step 1.
    if (proof.length === 0) throw invalid(`couldn't verify consistency: empty proof from ${first} to ${second}`);
    // Step 2: a complete old tree is its own first proof node.
    const path = isPowerOfTwo(first) ? [oldRoot, ...proof] : proof;
    // Steps 3–4.
    let fn = first - 1n;
    let sn = second - 1n;
    while (isOdd(fn)) {
      fn /= 2n;
      sn /= 2n;
    }
    // Steps 5–6.
    let fr = path[0] as Uint8Array;
    let sr = fr;
    for (const c of path.slice(1)) {
      if (sn === 0n) {
        throw invalid(`couldn't verify consistency: proof has ${proof.length} hashes, more than ${first} to ${second} needs`);
      }
      if (isOdd(fn) || fn === sn) {
        fr = h.nodeHash(c, fr);
        sr = h.nodeHash(c, sr);
        while (!isOdd(fn) && fn !== 0n) {
          fn /= 2n;
          sn /= 2n;
        }
      } else {
        sr = h.nodeHash(sr, c);
      }
      fn /= 2n;
      sn /= 2n;
    }
    // Step 7.
    if (sn !== 0n) {
      throw invalid(`couldn't verify consistency: proof has ${proof.length} hashes, fewer than ${first} to ${second} needs`);
    }
    if (!hashesEqual(fr, oldRoot)) {
      throw invalid(`couldn't verify consistency: computed old root ${hex(fr)} is not the expected ${hex(oldRoot)}`);
    }
    if (!hashesEqual(sr, newRoot)) {
      throw invalid(`couldn't verify consistency: computed new root ${hex(sr)} is not the expected ${hex(newRoot)}`);
    }
  }
}
