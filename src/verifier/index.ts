/**
 * The image verifier: finds the signatures and attestations attached to an
 * image digest in its registry (cosign legacy layers and Sigstore bundle
 * referrers) and verifies each with the signing layer's steps, the log
 * evidence with the client library's (createTrust). `cairn verify` and the
 * deploy-time policy both use it. Import from outside
 * `src/verifier/` only through this file.
 */
export { MAX_BUNDLES, MAX_SIGNATURE_BLOB_BYTES, bundleReferrers, legacyLayers, manifestIfAny, readForVerification } from './attached.js';
export { createTrust } from './trust.js';
export type { TrustPolicy } from './trust.js';
export { verifyAll } from './verify-image.js';
export type { SignatureReport, VerifyContext } from './verify-image.js';
