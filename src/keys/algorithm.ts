/**
 * Which keys may sign, and how: the mapping from a node KeyObject to a
 * {@link SigningAlgorithm}, and the node:crypto sign parameters for each.
 */
import type { KeyObject } from 'node:crypto';
import { LogError } from '../errors.js';
import type { SigningAlgorithm } from './types.js';

/** RSA keys shorter than this are refused (NIST SP 800-57: 2048 bits is the floor for new signatures). */
export const MIN_RSA_BITS = 2048;

/**
 * The signing algorithm of `key` (private or public): ECDSA P-256/P-384,
 * Ed25519, or RSA of at least {@link MIN_RSA_BITS}. Anything else (P-521,
 * secp256k1, Ed448, RSA-PSS-only keys, DSA, short RSA) throws KEY_INVALID,
 * naming the key by `what`.
 */
export function algorithmOfKey(key: KeyObject, what: string): SigningAlgorithm {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case 'ec':
      if (details.namedCurve === 'prime256v1') return 'ecdsa-p256-sha256';
      if (details.namedCurve === 'secp384r1') return 'ecdsa-p384-sha384';
      throw new LogError('KEY_INVALID', `${what} is an EC key on curve ${details.namedCurve ?? '?'}; signing keys must be P-256 (recommended) or P-384`);
    case 'ed25519':
      return 'ed25519';
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS) throw new LogError('KEY_INVALID', `${what} is a ${bits}-bit RSA key; RSA signing keys must have at least ${MIN_RSA_BITS} bits`);
      return 'rsa-pkcs1v15-sha256';
    }
    default:
      throw new LogError('KEY_INVALID', `${what} is a ${type ?? 'unknown'} key; signing keys must be ECDSA P-256 (recommended), P-384, Ed25519 or RSA`);
  }
}

/** The digest node:crypto's sign()/verify() take for `algorithm` (null: Ed25519 signs the message itself). */
export function digestOf(algorithm: SigningAlgorithm): 'sha256' | 'sha384' | null {
  switch (algorithm) {
    case 'ecdsa-p256-sha256':
    case 'rsa-pkcs1v15-sha256':
      return 'sha256';
    case 'ecdsa-p384-sha384':
      return 'sha384';
    case 'ed25519':
      return null;
  }
}
