/**
 * ECDSA verification over a digest the signer supplied (Rekor's "prehashed"
 * hashedrekord check).
 *
 * node:crypto (Node 20) cannot verify ECDSA over a precomputed digest:
 * `crypto.verify` always hashes its input (`null` means the key's default
 * digest, SHA-256; nodejs/node#60263, and `verifyDigest` is only proposed in
 * nodejs/node#62345). Two implementations, which accept exactly the same
 * signatures (test/entry/verify/native.test.ts checks them against each
 * other on generated cases; ecdsa-prehash.test.ts runs one suite on both):
 *
 * - native (preferred): the addon in native/ecdsa_prehash.c calls OpenSSL's
 *   EVP_PKEY_verify on the digest; loaded by ./native.ts;
 * - JS (fallback when the addon is not built): {@link verifyEcdsaPrehashedJs}
 *   below, exact group arithmetic on native ECDH.
 * Per signature on the 2-core machine (scripts/bench-verify.ts, one key per
 * signature): P-256 native 77 µs, the same as node's own `crypto.verify`,
 * JS 160 µs; P-384 0.59 vs 3.0 ms; P-521 1.3 vs 6.9 ms. With 16 keys in turn
 * (`--keys 16`, a KMS signer's few keys) native P-256 takes 54 µs: the addon
 * keeps ready contexts for the keys it has seen (native/ecdsa_prehash.c).
 *
 * The JS fallback computes the ECDSA equation with native elliptic-curve
 * operations:
 *
 *   valid ⇔ x(u1·G + u2·Q) ≡ r (mod n),  u1 = e/s, u2 = r/s      (SEC 1 §4.1.4)
 *
 * Factor the point as u2·(Q + c·G) with c = u1/u2 = e/r. Then
 *   1. c·G      native fixed-base multiplication (ECDH setPrivateKey → getPublicKey, full point);
 *   2. P = Q+cG one affine point addition in BigInt;
 *   3. x(u2·P)  native variable-base multiplication (ECDH computeSecret returns exactly the
 *               x-coordinate, which is all the equation needs).
 * Every step is exact group arithmetic, so this accepts precisely the
 * signatures standard ECDSA verification accepts; tests check it against
 * node's own signatures and against forgeries (e ↦ n − e, r/s off by one…).
 * Cost: one fixed-base multiplication, one ECDH and two modular inversions,
 * about 2.3 native verifications (node's computeSecret measures ~1.5× a whole
 * crypto.verify here): ≈ 4k/s for P-256 on one core of the 2-core machine.
 */
import { createECDH, type ECDH } from 'node:crypto';
import { bigIntToBytes, bytesToBigInt, mod, modInverse } from './bigint.js';
import { CURVES, type Curve, type CurveName } from './curves.js';
import { ecdsaSignatureInRange, type EcdsaSignature } from './ecdsa-sig.js';
import { nativeEcdsaBinding } from './native.js';

// One ECDH context per curve, reused (synchronous use only; set before every use).
const contexts = new Map<CurveName, ECDH>();

function context(curve: CurveName): ECDH {
  let ecdh = contexts.get(curve);
  if (ecdh === undefined) {
    ecdh = createECDH(CURVES[curve].nodeName);
    contexts.set(curve, ecdh);
  }
  return ecdh;
}

/**
 * True iff `sig` is a valid ECDSA signature by `point` (uncompressed
 * `04 ‖ x ‖ y`, already validated on the curve) over `digest`, which is used
 * as the hash value (SEC 1 bits2int: its leftmost nBits bits). Never throws
 * for any signature or digest; throws LogError INTERNAL only when the native
 * addon is required but missing (see ./native.ts).
 */
export function verifyEcdsaPrehashed(curveName: CurveName, point: Uint8Array, digest: Uint8Array, sig: EcdsaSignature): boolean {
  const { n, bytes } = CURVES[curveName];
  if (!ecdsaSignatureInRange(sig, n)) return false;
  if (point.length !== 1 + 2 * bytes || point[0] !== 0x04) return false; // the addon would throw
  const native = nativeEcdsaBinding();
  if (native === undefined) return verifyEcdsaPrehashedJs(curveName, point, digest, sig);
  const rs = Buffer.allocUnsafe(2 * bytes);
  bigIntToBytes(sig.r, bytes).copy(rs, 0);
  bigIntToBytes(sig.s, bytes).copy(rs, bytes);
  return native.verify(curveName, point, digest, rs);
}

/**
 * The JS implementation of {@link verifyEcdsaPrehashed} (same contract,
 * never throws): the fallback, and the reference the native path is tested
 * against.
 */
export function verifyEcdsaPrehashedJs(curveName: CurveName, point: Uint8Array, digest: Uint8Array, sig: EcdsaSignature): boolean {
  const curve = CURVES[curveName];
  const { n, bytes } = curve;
  const { r, s } = sig;
  if (!ecdsaSignatureInRange(sig, n)) return false;
  const e = mod(bitsToInt(digest, curve.nBits), n);
  const t = modInverse((r * s) % n, n); // one inversion gives r⁻¹ = s·t and s⁻¹ = r·t
  const u2 = (((r * r) % n) * t) % n; // r/s
  const c = (((e * s) % n) * t) % n; // e/r
  try {
    const ecdh = context(curveName);
    const p = c === 0n ? point : addToMultipleOfG(ecdh, curve, point, c);
    if (p === undefined) return false; // Q + cG is the point at infinity: so is the sum
    ecdh.setPrivateKey(bigIntToBytes(u2, bytes));
    const x = bytesToBigInt(ecdh.computeSecret(p));
    return x % n === r;
  } catch {
    return false; // native rejection of an input point; never expected for validated keys
  }
}

/** `Q + c·G` as an uncompressed point, or undefined for the point at infinity. */
function addToMultipleOfG(ecdh: ECDH, curve: Curve, q: Uint8Array, c: bigint): Uint8Array | undefined {
  const { p, a, bytes } = curve;
  ecdh.setPrivateKey(bigIntToBytes(c, bytes));
  const cg = ecdh.getPublicKey();
  const x1 = bytesToBigInt(q.subarray(1, 1 + bytes));
  const y1 = bytesToBigInt(q.subarray(1 + bytes));
  const x2 = bytesToBigInt(cg.subarray(1, 1 + bytes));
  const y2 = bytesToBigInt(cg.subarray(1 + bytes));
  let lambda: bigint;
  if (x1 === x2) {
    if (y1 !== y2 || y1 === 0n) return undefined; // Q = −cG
    lambda = mod((3n * x1 * x1 + a) * modInverse(2n * y1, p), p); // doubling
  } else {
    lambda = mod((y2 - y1) * modInverse(x2 - x1, p), p);
  }
  const x3 = mod(lambda * lambda - x1 - x2, p);
  const y3 = mod(lambda * (x1 - x3) - y1, p);
  const out = Buffer.allocUnsafe(1 + 2 * bytes);
  out[0] = 0x04;
  bigIntToBytes(x3, bytes).copy(out, 1);
  bigIntToBytes(y3, bytes).copy(out, 1 + bytes);
  return out;
}

/** SEC 1 §2.3.8 bits2int: the leftmost `nBits` bits of `digest` as an integer. */
function bitsToInt(digest: Uint8Array, nBits: number): bigint {
  const e = bytesToBigInt(digest);
  const excess = digest.length * 8 - nBits;
  return excess > 0 ? e >> BigInt(excess) : e;
}
