/**
 * A small seeded PRNG (mulberry32) and helpers, so randomised tests and the
 * crash harness are reproducible: the same seed gives the same sequence.
 */

/** A generator of floats in [0, 1) determined by `seed`. */
export type Rng = () => number;

/** mulberry32: 32-bit state, good enough to pick test cases; NOT for keys. */
export function prng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [lo, hi] (inclusive). */
export function intBetween(rnd: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1));
}

/** One element of a non-empty array. */
export function pick<T>(rnd: Rng, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)] as T;
}

/** `n` bytes from the generator. */
export function randomBytesFrom(rnd: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}
