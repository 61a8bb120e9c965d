/**
 * A deliberately naive RFC 6962 §2.1 reference, written straight from the RFC
 * text, used only to check the fast code in src/merkle. It shares nothing with
 * src/merkle: its own SHA-256 calls, recursion exactly as the RFC writes it.
 * The only concession to speed is memoising MTH of a range (a pure function).
 */
import { createHash } from 'node:crypto';

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** RFC 6962 §2.1: MTH({d0}) = SHA-256(0x00 || d0). */
export function refLeafHash(data: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(0), data);
}

/** RFC 6962 §2.1: SHA-256(0x01 || left || right). */
export function refNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(1), left, right);
}

/** "k is the largest power of two smaller than n (i.e., k < n <= 2k)". */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** A tree over a list of entries D[0:n]; sub-lists are half-open ranges [lo, hi). */
export class ReferenceTree {
  readonly leafHashes: Uint8Array[];
  readonly #memo = new Map<string, Uint8Array>();

  constructor(entries: readonly Uint8Array[]) {
    this.leafHashes = entries.map(refLeafHash);
  }

  /** A tree whose leaf hashes are given (already SHA-256(0x00 ‖ entry)), e.g. read back from a log. */
  static fromLeafHashes(leafHashes: readonly Uint8Array[]): ReferenceTree {
    const tree = new ReferenceTree([]);
    for (const h of leafHashes) tree.leafHashes.push(h);
    return tree;
  }

  /** MTH(D[0:n]): the root of the tree over the first n leaves. */
  root(n: number = this.leafHashes.length): Uint8Array {
    return this.mth(0, n);
  }

  /** MTH(D[lo:hi]) as in RFC 6962 §2.1. */
  mth(lo: number, hi: number): Uint8Array {
    const n = hi - lo;
    if (n === 0) return sha256();
    if (n === 1) return this.leafHashes[lo] as Uint8Array;
    const key = `${lo}:${hi}`;
    let h = this.#memo.get(key);
    if (h === undefined) {
      const k = largestPowerOfTwoBelow(n);
      h = refNodeHash(this.mth(lo, lo + k), this.mth(lo + k, hi));
      this.#memo.set(key, h);
    }
    return h;
  }

  /** RFC 6962 §2.1.1 PATH(m, D[n]) for the tree D[0:n]. */
  path(m: number, n: number): Uint8Array[] {
    return this.#path(m, 0, n);
  }

  #path(m: number, lo: number, hi: number): Uint8Array[] {
    const n = hi - lo;
    if (n === 1) return [];
    const k = largestPowerOfTwoBelow(n);
    if (m < k) return [...this.#path(m, lo, lo + k), this.mth(lo + k, hi)];
    return [...this.#path(m - k, lo + k, hi), this.mth(lo, lo + k)];
  }

  /** RFC 6962 §2.1.2 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m ≤ n. */
  proof(m: number, n: number): Uint8Array[] {
    return this.#subproof(m, 0, n, true);
  }

  #subproof(m: number, lo: number, hi: number, b: boolean): Uint8Array[] {
    const n = hi - lo;
    if (m === n) return b ? [] : [this.mth(lo, hi)];
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) return [...this.#subproof(m, lo, lo + k, b), this.mth(lo + k, hi)];
    return [...this.#subproof(m - k, lo + k, hi, false), this.mth(lo, lo + k)];
  }

  /** The hash of the complete subtree (level, index), for src/merkle's NodeReader. */
  node(level: number, index: number): Uint8Array {
    const width = 2 ** level;
    return this.mth(index * width, (index + 1) * width);
  }
}

/**
 * A huge tree that is never materialised, for index arithmetic above 2^32:
 * leaf i is SHA-256(0x00 ‖ "leaf <i>") for i in `special`, and
 * SHA-256(0x00 ‖ "filler") otherwise, so a subtree without special leaves has
 * a hash that depends only on its height. Everything is bigint and follows the
 * RFC 6962 text (MTH, PATH, PROOF), independent of src/merkle.
 */
export class SparseReferenceTree {
  readonly #special: readonly bigint[];
  readonly #uniform: Uint8Array[] = [];
  readonly #memo = new Map<string, Uint8Array>();

  constructor(special: readonly bigint[]) {
    this.#special = special;
    this.#uniform.push(refLeafHash(new TextEncoder().encode('filler')));
    for (let l = 1; l <= 64; l++) {
      const below = this.#uniform[l - 1] as Uint8Array;
      this.#uniform.push(refNodeHash(below, below));
    }
  }

  leafHash(i: bigint): Uint8Array {
    return this.node(0n, i);
  }

  /** Hash of the complete subtree covering [index·2^level, (index+1)·2^level). */
  node(level: bigint, index: bigint): Uint8Array {
    const lo = index * 2n ** level;
    const hi = lo + 2n ** level;
    if (!this.#special.some((s) => lo <= s && s < hi)) return this.#uniform[Number(level)] as Uint8Array;
    if (level === 0n) return refLeafHash(new TextEncoder().encode(`leaf ${index}`));
    const key = `${level}/${index}`;
    let h = this.#memo.get(key);
    if (h === undefined) {
      h = refNodeHash(this.node(level - 1n, 2n * index), this.node(level - 1n, 2n * index + 1n));
      this.#memo.set(key, h);
    }
    return h;
  }

  /** MTH(D[lo:hi]), RFC 6962 §2.1, with bigint bounds. */
  mth(lo: bigint, hi: bigint): Uint8Array {
    const n = hi - lo;
    if (n === 0n) return createHash('sha256').digest();
    const k = bigLargestPowerOfTwoBelow(n);
    if (k * 2n === n || n === 1n) {
      const level = BigInt(n.toString(2).length - 1);
      return this.node(level, lo / n);
    }
    return refNodeHash(this.mth(lo, lo + k), this.mth(lo + k, hi));
  }

  /** RFC 6962 §2.1.1 PATH(m, D[0:n]). */
  path(m: bigint, n: bigint): Uint8Array[] {
    const go = (m: bigint, lo: bigint, hi: bigint): Uint8Array[] => {
      if (hi - lo === 1n) return [];
      const k = bigLargestPowerOfTwoBelow(hi - lo);
      if (m < k) return [...go(m, lo, lo + k), this.mth(lo + k, hi)];
      return [...go(m - k, lo + k, hi), this.mth(lo, lo + k)];
    };
    return go(m, 0n, n);
  }

  /** RFC 6962 §2.1.2 PROOF(m, D[0:n]), 0 < m ≤ n. */
  proof(m: bigint, n: bigint): Uint8Array[] {
    const sub = (m: bigint, lo: bigint, hi: bigint, b: boolean): Uint8Array[] => {
      if (m === hi - lo) return b ? [] : [this.mth(lo, hi)];
      const k = bigLargestPowerOfTwoBelow(hi - lo);
      if (m <= k) return [...sub(m, lo, lo + k, b), this.mth(lo + k, hi)];
      return [...sub(m - k, lo + k, hi, false), this.mth(lo, lo + k)];
    };
    return sub(m, 0n, n, true);
  }
}

function bigLargestPowerOfTwoBelow(n: bigint): bigint {
  let k = 1n;
  while (k * 2n < n) k *= 2n;
  return k;
}
