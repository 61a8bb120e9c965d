/**
 * Signature verification for entry kinds, on a parsed and allowed key.
 * - `verifyDigestSignature`: hashedrekord; the signature covers a digest the
 *   client supplied (prehashed). RSA PKCS#1 v1.5, ECDSA (DER or P1363),
 *   Ed25519ph.
 * - `verifyMessageSignature`: DSSE; the signature covers the PAE bytes, hashed
 *   with SHA-256 whatever the curve, RSA PKCS#1 v1.5-SHA256, Ed25519 pure
 *   (go-securesystemslib via sigstore's `LoadVerifier(key, SHA256)`).
 * Both return false for any malformed signature; they never throw, except
 * LogError INTERNAL when the native ECDSA verifier is required but cannot be
 * loaded (`requireNativeEcdsa` in ./native.ts).
 */
import { constants, verify } from 'node:crypto';
import type { HashAlgorithm } from '../digest.js';
import type { PublicKeyInfo } from '../spki.js';
import { bigIntToBytes } from './bigint.js';
import { CURVES } from './curves.js';
import { verifyEcdsaPrehashed } from './ecdsa-prehash.js';
import { ecdsaSignatureInRange, parseEcdsaSignature } from './ecdsa-sig.js';
import { verifyEd25519ph } from './ed25519ph.js';
import { verifyRsaPrehashed } from './rsa-prehash.js';

/** True iff `sig` by `key` covers `digest` (an `alg` hash value). */
export function verifyDigestSignature(key: PublicKeyInfo, alg: HashAlgorithm, digest: Uint8Array, sig: Uint8Array): boolean {
  switch (key.family) {
    case 'rsa':
      return verifyRsaPrehashed(key.keyObject, key.rsaBits ?? 0, alg, digest, sig);
    case 'ecdsa': {
      if (key.curve === undefined || key.ecPoint === undefined) return false;
      const parsed = parseEcdsaSignature(sig, CURVES[key.curve].bytes);
      return parsed !== undefined && verifyEcdsaPrehashed(key.curve, key.ecPoint, digest, parsed);
    }
    case 'ed25519':
      return alg === 'sha512' && key.ed25519 !== undefined && verifyEd25519ph(key.ed25519, digest, sig);
  }
}

/** True iff `sig` by `key` covers `message` (DSSE rules above). */
export function verifyMessageSignature(key: PublicKeyInfo, message: Uint8Array, sig: Uint8Array): boolean {
  try {
    switch (key.family) {
      case 'rsa':
        if (sig.length !== Math.ceil((key.rsaBits ?? 0) / 8)) return false;
        return verify('sha256', message, { key: key.keyObject, padding: constants.RSA_PKCS1_PADDING }, sig);
      case 'ecdsa': {
        if (key.curve === undefined) return false;
        const size = CURVES[key.curve].bytes;
        const parsed = parseEcdsaSignature(sig, size);
        if (parsed === undefined) return false;
        if (!ecdsaSignatureInRange(parsed, CURVES[key.curve].n)) return false;
        const p1363 = Buffer.concat([bigIntToBytes(parsed.r, size), bigIntToBytes(parsed.s, size)]);
        return verify('sha256', message, { key: key.keyObject, dsaEncoding: 'ieee-p1363' }, p1363);
      }
      case 'ed25519':
        return sig.length === 64 && verify(null, message, key.keyObject, sig);
    }
  } catch {
    return false;
  }
}
