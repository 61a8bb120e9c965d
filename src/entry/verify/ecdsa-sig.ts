/**
 * ECDSA signature decoding. Like sigstore/sigstore's ECDSA verifier, a
 * signature that parses as strict DER `SEQUENCE { r INTEGER, s INTEGER }` is
 * DER; otherwise it is read as IEEE P1363 `r ‖ s`, which must then be exactly
 * twice the curve's scalar size.
 */
import { isLogError } from '../../errors.js';
import { childrenOf, expectTag, readUnsignedInteger, readWhole, TAG } from '../der.js';
import { bytesToBigInt } from './bigint.js';

/** The (r, s) pair of an ECDSA signature, as decoded: not yet range-checked ({@link ecdsaSignatureInRange}). */
export interface EcdsaSignature {
  readonly r: bigint;
  readonly s: bigint;
}

/** Decode `sig` (DER or P1363) for a curve with `scalarBytes`-byte scalars; undefined if neither. */
export function parseEcdsaSignature(sig: Uint8Array, scalarBytes: number): EcdsaSignature | undefined {
  if (sig.length > 0 && sig[0] === TAG.SEQUENCE) {
    const der = tryDer(sig);
    if (der !== undefined) return der;
  }
  if (sig.length !== 2 * scalarBytes) return undefined;
  return { r: bytesToBigInt(sig.subarray(0, scalarBytes)), s: bytesToBigInt(sig.subarray(scalarBytes)) };
}

function tryDer(sig: Uint8Array): EcdsaSignature | undefined {
  try {
    const seq = readWhole(sig, TAG.SEQUENCE);
    const [rNode, sNode, extra] = childrenOf(sig, seq);
    if (extra !== undefined) return undefined;
    const r = readUnsignedInteger(sig, expectTag(rNode, TAG.INTEGER, 'r'));
    const s = readUnsignedInteger(sig, expectTag(sNode, TAG.INTEGER, 's'));
    return { r, s };
  } catch (err) {
    if (isLogError(err)) return undefined;
    throw err;
  }
}

/**
 * True iff 1 ≤ r, s ≤ n − 1 for a curve of order `n` (SEC 1 §4.1.4 step 1).
 * Verifiers MUST check this before any curve arithmetic: the native verifier
 * receives only in-range, fixed-width scalars.
 */
export function ecdsaSignatureInRange(sig: EcdsaSignature, n: bigint): boolean {
  return sig.r > 0n && sig.r < n && sig.s > 0n && sig.s < n;
}
