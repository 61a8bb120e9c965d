/**
 * The entry layer (PURE): Rekor v1 entry kinds — validation, signature
 * verification, canonical bodies, leaf hashes and search keys.
 * Import from outside `src/entry/` only through this file.
 */
export { prepareEntry, SUPPORTED_KINDS } from './prepare.js';
export { canonicalJson } from './canonical.js';
export { decodeBody } from './body.js';
export { entryUuid, leafHashOf } from './digest.js';
export { DEFAULT_ENTRY_LIMITS } from './types.js';
export type { EntryLimits, PreparedEntry } from './types.js';
export type { Json, JsonObject } from './fields.js';
export { publicKeySearchKey, searchKeysOfBody } from './stored-keys.js';
export type { PrehashedEcdsaImplementation } from './verify/native.js';
export { prehashedEcdsaFallbackReason, prehashedEcdsaImplementation, requireNativeEcdsa } from './verify/native.js';
