/**
 * The browser-safe client of a Rekor v1 log (global fetch, WebCrypto,
 * @noble/hashes and @noble/ed25519 only): submit entries, read entries with
 * fresh inclusion proofs, read the log info, and verify what the log says
 * with pinned keys (one, or a rotated log's several from its trusted root): checkpoints (the ECDSA P-256 or Ed25519 Rekor line, the
 * Ed25519 C2SP line), witness cosignatures, SETs, inclusion and consistency
 * proofs, tiles; and the tlog-tiles routes a monitor reads (TiledLog). Published as `cairn/client`; import this barrel from outside
 * src/client/.
 */
export { RekorClient } from './rekor.js';
export type { HistoryCheckpoint, LogInfo, RekorClientOptions, SearchQuery, Submitted, TreeInfo } from './rekor.js';
export { leafHashOfBody, parseLogEntry } from './log-entry.js';
export type { RekorEntry, RekorInclusionProof } from './log-entry.js';
export type { TransportOptions } from './http.js';
export { fromBase64, fromHex, toBase64, toHex } from './bytes.js';
export { LogKey, c2spKeyId } from './log-key.js';
export type { LogKeyType } from './log-key.js';
export { parseVerifierKey } from './note-keys.js';
export type { VerifierKey } from './note-keys.js';
export { trustedLogKeys, verifyCheckpoint } from './checkpoint.js';
export type { CheckpointSigner, CheckpointTrust, Cosignature, LogTrust, TrustedLogKey, VerifiedCheckpoint } from './checkpoint.js';
export { trustFromTrustedRoot } from './trusted-root.js';
export { setPayload, verifyEntry, verifyEvidence } from './verify-entry.js';
export type { EvidenceCheck, LoggedEntry, VerifiedEntry, VerifiedEvidence } from './verify-entry.js';
export { rootFromTiles, verifyTiles } from './tiles.js';
export type { TiledLog, TileFetcher } from './tiles.js';
export { MAX_BUNDLE_BYTES, parseEntryBundle } from './entry-bundle.js';
export { derToP1363, nobleHasher, proofs, sha256, verifyEcdsaP256, verifyEd25519 } from './crypto.js';
export { VerifiedLog } from './verified-log.js';
export type { Extension, VerifiedTree } from './verified-log.js';
export type { Checkpoint } from '../note/portable.js';
export { isLogError, LogError } from '../errors.js';
export type { ErrorCode } from '../errors.js';
