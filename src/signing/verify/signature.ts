/**
 * The signature over what was signed, under a trusted key
 * (oci-signatures.md §3 "Signature", §4 step 7, §5 "DSSE").
 * - A message signature covers the payload bytes: ECDSA (DER or P1363) and
 *   RSA PKCS#1 v1.5 over the payload's digest (the algorithm the log entry
 *   names, sha256 by default); Ed25519 pure over the payload, or Ed25519ph
 *   when the entry names sha512 (Rekor's pairing for Ed25519 keys).
 * - A DSSE signature covers PAE(payloadType, payload): SHA-256 for ECDSA and
 *   RSA whatever the curve, pure Ed25519 (as Rekor's dsse kind checks it).
 */
import { verify } from 'node:crypto';
import {
  digest,
  verifyDigestSignature,
  verifyMessageSignature,
  type HashAlgorithm,
  type PublicKeyInfo,
} from '../../entry/index.js';

/** True iff `sig` by `key` covers `payload` as a message signature. Never throws. */
export function verifyPayloadSignature(key: PublicKeyInfo, payload: Uint8Array, sig: Uint8Array, alg: HashAlgorithm): boolean {
  try {
    if (key.family === 'ed25519') {
      if (alg === 'sha512' && verifyDigestSignature(key, 'sha512', digest('sha512', payload), sig)) return true;
      return sig.length === 64 && verify(null, payload, key.keyObject, sig);
    }
    return verifyDigestSignature(key, alg, digest(alg, payload), sig);
  } catch {
    return false;
  }
}

/** True iff `sig` by `key` covers the DSSE PAE bytes `pae`. Never throws. */
export function verifyPaeSignature(key: PublicKeyInfo, pae: Uint8Array, sig: Uint8Array): boolean {
  return verifyMessageSignature(key, pae, sig);
}

/** The index of the first key in `keys` for which `check` holds, or -1. */
export function findSigner(keys: readonly PublicKeyInfo[], check: (key: PublicKeyInfo) => boolean): number {
  return keys.findIndex((k) => check(k));
}
