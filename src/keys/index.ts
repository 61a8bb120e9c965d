/**
 * Key sources for image signing (the `keys` room): private keys in PEM files
 * and in PKCS#11 tokens (RFC 7512 URIs), behind one {@link SigningKey}
 * contract, plus reading public keys. The only module that loads a PKCS#11
 * binding. Import from outside `src/keys/` only through this file.
 *
 * Algorithms: files may hold ECDSA P-256 (recommended; the one every
 * cosign-format verifier accepts), ECDSA P-384, Ed25519 or RSA ≥ 2048 keys;
 * tokens EC P-256/P-384, Ed25519 or RSA keys. Generated keys are always P-256.
 */
export type { Pkcs11Uri, SigningAlgorithm, SigningKey } from './types.js';
export { openSigningKey } from './open.js';
export { readPublicKey } from './public-key.js';
export { readTokenPublicKey } from './pkcs11-public.js';
export { generateSigningKeyFiles, publicPathFor } from './generate-file.js';
export type { GeneratedKeyFiles } from './generate-file.js';
export { writeNewFile } from './new-file.js';
export { generateKeyInToken } from './pkcs11-generate.js';
export { parsePkcs11Uri, redactPin } from './pkcs11-uri.js';
export { MIN_RSA_BITS } from './algorithm.js';
