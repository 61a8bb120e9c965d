/**
 * The entry layer (PURE): Rekor v1 and v2 entry kinds — validation, signature
 * verification, canonical bodies, leaf hashes and search keys.
 * Import from outside `src/entry/` only through this file.
 */
export { prepareEntry, prepareRekorV2Request, SUPPORTED_KINDS } from './prepare.js';
export { canonicalJson } from './canonical.js';
export { decodeBody } from './body.js';
export { entryUuid, leafHashOf } from './digest.js';
export { DEFAULT_ENTRY_LIMITS } from './types.js';
export type { EntryLimits, PreparedEntry } from './types.js';
export type { Json, JsonObject } from './fields.js';
export { publicKeySearchKey, searchKeysOfBody } from './stored-keys.js';
export type { PrehashedEcdsaImplementation } from './verify/native.js';
export { prehashedEcdsaFallbackReason, prehashedEcdsaImplementation, requireNativeEcdsa } from './verify/native.js';
// Building blocks the signing layer reuses (DSSE PAE, key parsing, signature checks, PEM).
export { pae } from './dsse.js';
export { parseSpki } from './spki.js';
export type { KeyFamily, PublicKeyInfo } from './spki.js';
export { verifyDigestSignature, verifyMessageSignature } from './verify/signature.js';
export { decodePem, encodePem } from './pem.js';
export type { PemBlock } from './pem.js';
export { digest, sha256Hex } from './digest.js';
export { toHex } from './encoding.js';
export type { HashAlgorithm } from './digest.js';
