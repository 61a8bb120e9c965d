/**
 * The signing layer (PURE: no I/O, no clock, no environment; keys and time
 * are parameters): the byte formats of image signatures (cosign's legacy
 * tags, in-toto/DSSE, Sigstore bundles as OCI 1.1 artifacts, proposed Rekor
 * entries) and the verification steps of oci-signatures.md §4 and §6.
 * Import from outside `src/signing/` only through this file.
 */
export * from './media-types.js';
export { digestHex, isSha256Digest, sha256Digest } from './digest.js';
export type { Sha256Digest } from './digest.js';
export { parseSimpleSigningPayload, simpleSigningPayload } from './simple-signing.js';
export type { SimpleSigningClaims } from './simple-signing.js';
export { STATEMENT_TYPES, inTotoStatement, parseStatement } from './statement.js';
export type { Statement } from './statement.js';
export { MAX_ENVELOPE_SIGNATURES, dssePae, envelopeJson, envelopeProtoJson, parseEnvelope } from './dsse-envelope.js';
export type { DsseEnvelope, EnvelopeSignature } from './dsse-envelope.js';
export { dsseEntry, hashedrekordEntry, hashedrekordHashAlgorithm } from './proposed-entry.js';
export {
  MAX_PROOF_HASHES,
  cosignBundleAnnotation,
  parseCosignBundleAnnotation,
  tlogEntryUuid,
} from './tlog-entry.js';
export type { InclusionProof, TlogEntry } from './tlog-entry.js';
export { MAX_SIGNATURE_LAYERS, describe, parseDescriptor, parseImageManifest } from './oci-descriptor.js';
export type { Blob, Descriptor, ManifestToPush, ParsedImageManifest } from './oci-descriptor.js';
export { appendSignatureLayer, attestationTag, legacyAttestationLayer, legacySignatureLayer, signatureTag } from './cosign-legacy.js';
export type { AppendResult, LegacySignatureParts } from './cosign-legacy.js';
export { bodyKind, buildBundle, bundleBytes, publicKeyHint, tlogEntryJson } from './bundle.js';
export type { BundleContent, BundleInput } from './bundle.js';
export { MAX_TLOG_ENTRIES, bundleVersionOf, parseBundle } from './bundle-parse.js';
export type { BundleTlogEntry, BundleVersion, ParsedBundle } from './bundle-parse.js';
export { bundleArtifactManifest } from './bundle-artifact.js';
export type { BundleArtifactInput } from './bundle-artifact.js';

// Verification (oci-signatures.md §4, §6): verdicts with stable reason codes.
export { VERIFY_REASONS } from './verify/verdict.js';
export type { Verdict, VerifyReason } from './verify/verdict.js';
export { spkiOf, trustedSigners } from './verify/trust.js';
export type { TlogEvidence, TlogEvidenceCheck, Trust } from './verify/trust.js';
export type { TlogVerified } from './verify/tlog.js';
export { verifyLegacySignature } from './verify/legacy.js';
export type { LegacyLayerInput, LegacyVerified } from './verify/legacy.js';
export { verifyLegacyAttestation } from './verify/attestation.js';
export type { LegacyAttestationInput } from './verify/attestation.js';
export type { StatementExpectation, StatementVerified } from './verify/statement.js';
export { verifyBundle, verifyBundleManifest } from './verify/bundle.js';
export type { BundleManifestVerified, BundleVerified, BundleVerifyInput } from './verify/bundle.js';
export { normalizeRepository, sameRepository } from './verify/reference.js';
