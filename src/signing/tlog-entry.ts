/**
 * A transparency-log entry as a verifier holds it, whichever container
 * brought it: a Rekor v1 `LogEntry` response (rekor-v1.md §1 "Schemas"), the
 * cosign bundle annotation of a legacy layer (oci-signatures.md §2), or a
 * bundle's `tlogEntries[]` (§5). Also reads the first two and writes the
 * annotation.
 */
import { canonicalJson } from '../entry/index.js';
import { leafHash } from '../merkle/index.js';
import {
  asRecord,
  b64,
  bad,
  get,
  hex,
  optRecord,
  optStr,
  parseJson,
  reqArr,
  reqRecord,
  reqStr,
  reqUint,
  toB64,
  type JsonRecord,
} from './json.js';

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
 * The bytes a SET signs: RFC 8785 JSON of `{body: base64, integratedTime,
 * logID, logIndex}` (rekor-v1.md §4; oci-signatures.md §4 step 5.1).
 */
export function setPayload(entry: TlogEntry): Uint8Array {
  const text = canonicalJson({ body: toB64(entry.body), integratedTime: entry.integratedTime, logID: entry.logId, logIndex: entry.logIndex });
  return new TextEncoder().encode(text);
}

/**
 * Reads a Rekor v1 `LogEntry` response: an object with one key, the entry ID
 * (64 or 80 hex; its last 64 are the UUID). Hashes and root are hex there.
 * Throws ARTIFACT_INVALID naming the field.
 */
export function parseRekorLogEntry(response: unknown): { uuid: string; entry: TlogEntry } {
  const top = asRecord(response, 'log entry');
  const keys = Object.keys(top);
  if (keys.length !== 1 || !/^([0-9a-f]{16})?[0-9a-f]{64}$/.test(keys[0] ?? '')) {
    throw bad('log entry', 'expected one key, the entry ID');
  }
  const id = keys[0] as string;
  const value = asRecord(get(top, id), `log entry ${id}`);
  const verification = optRecord(value, 'verification', 'verification');
  const set = verification === undefined ? undefined : optStr(verification, 'signedEntryTimestamp', 'verification.signedEntryTimestamp');
  const proof = verification === undefined ? undefined : optRecord(verification, 'inclusionProof', 'verification.inclusionProof');
  const entry: TlogEntry = {
    body: b64(reqStr(value, 'body', 'body'), 'body'),
    integratedTime: reqUint(value, 'integratedTime', 'integratedTime'),
    logIndex: reqUint(value, 'logIndex', 'logIndex'),
    logId: toHexString(hex(reqStr(value, 'logID', 'logID'), 'logID', 32)),
    ...(set === undefined ? {} : { signedEntryTimestamp: b64(set, 'verification.signedEntryTimestamp') }),
    ...(proof === undefined ? {} : { inclusionProof: parseHexProof(proof) }),
  };
  return { uuid: id.slice(-64), entry };
}

/** Reads `verification.inclusionProof` of a Rekor v1 response (hex hashes). */
export function parseHexProof(proof: JsonRecord): InclusionProof {
  const f = 'verification.inclusionProof';
  return {
    logIndex: reqUint(proof, 'logIndex', `${f}.logIndex`),
    treeSize: reqUint(proof, 'treeSize', `${f}.treeSize`),
    rootHash: hex(reqStr(proof, 'rootHash', `${f}.rootHash`), `${f}.rootHash`, 32),
    hashes: reqArr(proof, 'hashes', `${f}.hashes`, MAX_PROOF_HASHES).map((h, i) =>
      hex(typeof h === 'string' ? h : '-', `${f}.hashes[${i}]`, 32),
    ),
    checkpoint: reqStr(proof, 'checkpoint', `${f}.checkpoint`),
  };
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
