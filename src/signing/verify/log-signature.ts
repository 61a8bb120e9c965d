/**
 * Signatures made by a log key: over the SET payload (rekor-v1.md §4) and over
 * checkpoint note text (rekor-v1.md §5). Ed25519 keys (Cairn) sign the raw
 * bytes; ECDSA and RSA keys (Rekor) sign SHA-256 of them, ECDSA as ASN.1 DER.
 */
import { verify, type KeyObject } from 'node:crypto';

/** True iff `sig` by log key `key` covers `message`. Never throws. */
export function verifyLogSignature(key: KeyObject, message: Uint8Array, sig: Uint8Array): boolean {
  try {
    switch (key.asymmetricKeyType) {
      case 'ed25519':
        return sig.length === 64 && verify(null, message, key, sig);
      case 'ec':
      case 'rsa':
        return verify('sha256', message, key, sig);
      default:
        return false;
    }
  } catch {
    return false;
  }
}
