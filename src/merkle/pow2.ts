/**
 * Powers of two for index arithmetic without 32-bit bitwise operators.
 * `2 ** n` with a variable exponent compiles to a Math.pow call; proofs do a
 * few hundred of these, so they read a table instead.
 */

/** POW2[n] = 2^n for n in 0..64 (exact doubles; safe integers up to 2^53). */
const POW2: readonly number[] = Array.from({ length: 65 }, (_, n) => 2 ** n);

/** 2^n for an integer n in 0..64. */
export function pow2(n: number): number {
  return POW2[n] ?? 2 ** n;
}

/** ⌊log2 n⌋ for a safe integer n ≥ 1, exact (Math.log2 alone can round up just below a power of two). */
export function floorLog2(n: number): number {
  let l = Math.floor(Math.log2(n));
  if (pow2(l) > n) l--;
  else if (pow2(l + 1) <= n) l++;
  return l;
}
