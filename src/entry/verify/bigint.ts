/** BigInt helpers for the signature math: byte conversion and modular inversion. */

/** Big-endian unsigned integer value of `bytes`. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  return BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));
}

/** `x` (0 ≤ x < 256^len) as exactly `len` big-endian bytes. */
export function bigIntToBytes(x: bigint, len: number): Buffer {
  return Buffer.from(x.toString(16).padStart(len * 2, '0'), 'hex');
}

/** Non-negative `x mod m`. */
export function mod(x: bigint, m: bigint): bigint {
  const r = x % m;
  return r < 0n ? r + m : r;
}

/**
 * `a⁻¹ mod m` for `gcd(a, m) = 1`; 0n when there is no inverse (a ≡ 0, or a
 * shared factor). Lehmer's extended Euclid (Knuth TAOCP vol. 2, 4.5.2
 * Algorithm L): quotients come from the leading 50 bits held in doubles, and
 * the BigInt remainders and cofactors are updated once per batch of steps, so
 * a 256-bit inverse costs a few dozen BigInt operations instead of hundreds.
 * Tested against plain extended Euclid (`modInverseSimple`).
 */
export function modInverse(a: bigint, m: bigint): bigint {
  let x = m;
  let y = mod(a, m);
  let tx = 0n; // invariant: tx·a ≡ x, ty·a ≡ y (mod m)
  let ty = 1n;
  while (y !== 0n) {
    const bits = x.toString(16).length * 4;
    if (bits <= LEHMER_BITS) {
      const q = x / y;
      [x, y, tx, ty] = [y, x - q * y, ty, tx - q * ty];
      continue;
    }
    const shift = BigInt(bits - LEHMER_BITS);
    let xh = Number(x >> shift);
    let yh = Number(y >> shift);
    let A = 1, B = 0, C = 0, D = 1; // prettier-ignore
    for (;;) {
      if (yh + C === 0 || yh + D === 0) break;
      const q = floorDiv(xh + A, yh + C);
      if (q !== floorDiv(xh + B, yh + D)) break;
      [A, C] = [C, A - q * C];
      [B, D] = [D, B - q * D];
      [xh, yh] = [yh, xh - q * yh];
    }
    if (B === 0) {
      const q = x / y; // no single-precision step was certain: one full step
      [x, y, tx, ty] = [y, x - q * y, ty, tx - q * ty];
    } else {
      const [bA, bB, bC, bD] = [BigInt(A), BigInt(B), BigInt(C), BigInt(D)];
      [x, y] = [bA * x + bB * y, bC * x + bD * y];
      [tx, ty] = [bA * tx + bB * ty, bC * tx + bD * ty];
    }
  }
  return x === 1n ? mod(tx, m) : 0n;
}

/** Plain extended Euclid; the reference `modInverse` is tested against. */
export function modInverseSimple(a: bigint, m: bigint): bigint {
  let r0 = m;
  let r1 = mod(a, m);
  let t0 = 0n;
  let t1 = 1n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return r0 === 1n ? mod(t0, m) : 0n;
}

// Leading bits used for single-precision steps: operands stay below 2^51, so
// every sum and product in the inner loop is exact in a double.
const LEHMER_BITS = 50;

/** ⌊a / b⌋ for integers held exactly in doubles (b > 0 or b < 0), corrected for rounding. */
function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (b > 0) {
    while (q * b > a) q--;
    while ((q + 1) * b <= a) q++;
  } else {
    while (q * b < a) q--;
    while ((q + 1) * b >= a) q++;
  }
  return q;
}
