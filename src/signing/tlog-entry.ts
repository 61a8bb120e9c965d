/**
 * A transparency-log entry as a verifier holds it, whichever container
 * brought it: a Rekor v1 `LogEntry` response (rekor-v1.md §1 "Schemas", read
 * by the client library's RekorClient), the cosign bundle annotation of a
 * legacy layer (oci-signatures.md §2), or a bundle's `tlogEntries[]` (§5).
 * Also reads and writes the annotation.
 */
import { leafHash } from '../merkle/index.js';
import { asRecord, b64, bad, hex, parseJson, reqRecord, reqStr, reqUint, toB64 } from './json.js';

/** Most hashes an inclusion proof may carry (a tree of 2^64 leaves needs 64). */
export const MAX_PROOF_HASHES = 64;

/** RFC 6962 inclusion proof of the entry, against a checkpoint signed by the log. */
export interface InclusionProof {
  /** Leaf index within the shard's tree (Rekor's shard-local index). */
  readonly logIndex: number;
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  /** Audit path, leaf to root. */
  readonly hashes: readonly Uint8Array[];
  /** The signed checkpoint note the proof is against (may carry witness cosignatures). */
  readonly checkpoint: string;
}

/** One log entry and the evidence that it is in the log. */
export interface TlogEntry {
  /** The canonical body bytes (the Merkle leaf data). */
  readonly body: Uint8Array;
  /** Unix seconds. */
  readonly integratedTime: number;
  /** The global log index (what the SET signs). */
  readonly logIndex: number;
  /** 64 lowercase hex: SHA-256 of the log key's SPKI. */
  readonly logId: string;
  /** The Signed Entry Timestamp, when the log gave one. */
  readonly signedEntryTimestamp?: Uint8Array;
  readonly inclusionProof?: InclusionProof;
}

/**
 * The `dev.sigstore.cosign/bundle` annotation value (oci-signatures.md §2):
 * `{"SignedEntryTimestamp":…,"Payload":{"body":…,"integratedTime":…,"logIndex":…,"logID":…}}`.
 * Throws ARTIFACT_INVALID when the entry has no SET.
 */
export function cosignBundleAnnotation(entry: TlogEntry): string {
  if (entry.signedEntryTimestamp === undefined) throw bad('entry', 'has no signed entry timestamp');
  return JSON.stringify({
    SignedEntryTimestamp: toB64(entry.signedEntryTimestamp),
    Payload: { body: toB64(entry.body), integratedTime: entry.integratedTime, logIndex: entry.logIndex, logID: entry.logId },
  });
}

/** Reads a `dev.sigstore.cosign/bundle` annotation. Throws ARTIFACT_INVALID naming the field. */
export function parseCosignBundleAnnotation(text: string): TlogEntry {
  const top = asRecord(parseJson(text, 'bundle annotation'), 'bundle annotation');
  const payload = reqRecord(top, 'Payload', 'Payload');
  return {
    body: b64(reqStr(payload, 'body', 'Payload.body'), 'Payload.body'),
    integratedTime: reqUint(payload, 'integratedTime', 'Payload.integratedTime'),
    logIndex: reqUint(payload, 'logIndex', 'Payload.logIndex'),
    logId: toHexString(hex(reqStr(payload, 'logID', 'Payload.logID'), 'Payload.logID', 32)),
    signedEntryTimestamp: b64(reqStr(top, 'SignedEntryTimestamp', 'SignedEntryTimestamp'), 'SignedEntryTimestamp'),
  };
}

function toHexString(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The entry's UUID: hex RFC 6962 leaf hash of its body (rekor-v1.md §3), to fetch it from the log by. */
export function tlogEntryUuid(entry: TlogEntry): string {
  return toHexString(leafHash(entry.body));
}
