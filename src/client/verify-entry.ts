/**
 * Verifying a Rekor v1 entry as the log served it (rekor-v1.md §4, §5):
 * - it is from the pinned log: its logID is one of the pinned log keys' (a
 *   rotated log's trees may be signed by different keys, rekor-v1.md §7);
 * - its SET, when present, is that key's signature over the RFC 8785 JSON
 *   of `{body, integratedTime, logID, logIndex}`, and its integratedTime lies
 *   within the key's window (a retired key's SET dated after its end is
 *   refused, as sigstore clients refuse it);
 * - its inclusion proof (required) leads from SHA-256(0x00 ‖ body) at the
 *   proof's index to the proof's root (RFC 9162 §2.1.3.2), and the proof's
 *   checkpoint is signed by that same key (its tree's) and states that size
 *   and root.
 * Failures throw LogErrors whose message is the reason shown to people:
 * LOG_RESPONSE_INVALID (another log, bad SET, checkpoint not matching the
 * proof), PROOF_INVALID (the audit path), NOTE_INVALID (the checkpoint).
 * The same steps serve an entry read from the log (verifyEntry: the proof is
 * required) and the evidence an image signature carries (verifyEvidence,
 * what `cairn verify` and the policy check: each step when its evidence is
 * there; the caller's policy says what must be).
 */
import { LogError, isLogError, type ErrorCode } from '../errors.js';
import { hashesEqual } from '../merkle/portable.js';
import { toBase64 } from './bytes.js';
import { trustedLogKeys, verifyCheckpoint, type LogTrust, type TrustedLogKey, type VerifiedCheckpoint } from './checkpoint.js';
import { nobleHasher, proofs } from './crypto.js';
import type { RekorEntry, RekorInclusionProof } from './log-entry.js';

/** An entry whose SET, inclusion proof and checkpoint verified. */
export interface VerifiedEntry {
  readonly entry: RekorEntry;
  /** A SET was present and verified (an entry read back from a log that gives none has no SET). */
  readonly set: boolean;
  /** The checkpoint the inclusion proof is against, verified. */
  readonly checkpoint: VerifiedCheckpoint;
}

/**
 * A log entry with the evidence it carries, whichever container brought it:
 * a log's answer (RekorEntry), a sigstore bundle's tlog entry, a cosign
 * bundle annotation.
 */
export interface LoggedEntry {
  readonly body: Uint8Array;
  /** Unix seconds. */
  readonly integratedTime: number;
  /** 64 lowercase hex. */
  readonly logId: string;
  /** The global index (what the SET signs). */
  readonly logIndex: number;
  readonly signedEntryTimestamp?: Uint8Array | undefined;
  readonly inclusionProof?: RekorInclusionProof | undefined;
}

/** The check an entry failed, in `details.failed` of what {@link verifyEvidence} throws. */
export type EvidenceCheck = 'log' | 'set' | 'proof' | 'checkpoint';

/** What an entry's evidence proved. */
export interface VerifiedEvidence {
  /** The pinned key of the entry's log. */
  readonly key: TrustedLogKey;
  /** A SET was present and verified. */
  readonly set: boolean;
  /** The checkpoint of the inclusion proof, verified, when there was a proof. */
  readonly checkpoint: VerifiedCheckpoint | undefined;
}

/** The bytes a SET signs: RFC 8785 JSON of {body, integratedTime, logID, logIndex} (keys already in code-point order). */
export function setPayload(entry: LoggedEntry): Uint8Array {
  const json = JSON.stringify({ body: toBase64(entry.body), integratedTime: entry.integratedTime, logID: entry.logId, logIndex: entry.logIndex });
  return new TextEncoder().encode(json);
}

/** Verifies `entry` with `trust` (the steps above); its inclusion proof is required. */
export async function verifyEntry(entry: RekorEntry, trust: LogTrust): Promise<VerifiedEntry> {
  if (entry.inclusionProof === undefined) throw failed('proof', 'LOG_RESPONSE_INVALID', `couldn't verify entry ${entry.logIndex}: the log sent no inclusion proof`);
  const v = await verifyEvidence(entry, trust);
  return { entry, set: v.set, checkpoint: v.checkpoint as VerifiedCheckpoint };
}

/**
 * Verifies the evidence `entry` carries (the steps above, each only when its
 * evidence is present: a SET, an inclusion proof with its checkpoint).
 * Throws LogErrors whose `details.failed` names the check
 * ({@link EvidenceCheck}): LOG_RESPONSE_INVALID for another log, a bad SET
 * or a checkpoint not matching the proof; PROOF_INVALID for the audit path;
 * NOTE_INVALID for the checkpoint's signature.
 */
export async function verifyEvidence(entry: LoggedEntry, trust: LogTrust): Promise<VerifiedEvidence> {
  const keys = trustedLogKeys(trust);
  const trusted = keys.find((k) => k.key.logId === entry.logId);
  if (trusted === undefined) {
    const pinned = keys.map((k) => `${k.key.logId.slice(0, 16)}…`).join(', ');
    throw failed('log', 'LOG_RESPONSE_INVALID', `couldn't verify entry ${entry.logIndex}: it names log ${entry.logId.slice(0, 16)}…, not the pinned ${pinned}`);
  }
  const set = entry.signedEntryTimestamp;
  if (set !== undefined) {
    const w = trusted.validFor;
    if (w !== undefined && (entry.integratedTime < w.start || (w.end !== undefined && entry.integratedTime > w.end))) {
      const window = `${iso(w.start)} to ${w.end === undefined ? 'now' : iso(w.end)}`;
      throw failed('set', 'LOG_RESPONSE_INVALID', `couldn't verify entry ${entry.logIndex}: its SET is dated ${iso(entry.integratedTime)}, outside the window of log key ${entry.logId.slice(0, 16)}… (${window})`);
    }
    if (!(await trusted.key.verify(setPayload(entry), set))) {
      throw failed('set', 'LOG_RESPONSE_INVALID', `couldn't verify entry ${entry.logIndex}: the signed entry timestamp does not verify under the pinned log key`);
    }
  }
  const proof = entry.inclusionProof;
  if (proof === undefined) return { key: trusted, set: set !== undefined, checkpoint: undefined };
  try {
    proofs.verifyInclusion(proof.logIndex, proof.treeSize, nobleHasher.leafHash(entry.body), proof.hashes, proof.rootHash);
  } catch (err) {
    throw isLogError(err) ? failed('proof', err.code, err.message) : err;
  }
  // The proof's checkpoint is its tree's, so signed by the entry's key (a frozen tree's final checkpoint by the retired key).
  let checkpoint: VerifiedCheckpoint;
  try {
    checkpoint = await verifyCheckpoint(proof.checkpoint, { ...trust, logKey: trusted.key, logKeys: [trusted] });
  } catch (err) {
    throw isLogError(err) ? failed('checkpoint', err.code, err.message) : err;
  }
  if (checkpoint.checkpoint.size !== proof.treeSize || !hashesEqual(checkpoint.checkpoint.root, proof.rootHash)) {
    throw failed(
      'checkpoint',
      'LOG_RESPONSE_INVALID',
      `couldn't verify entry ${entry.logIndex}: the checkpoint states size ${checkpoint.checkpoint.size}, the proof is for size ${proof.treeSize} or another root`,
    );
  }
  return { key: trusted, set: set !== undefined, checkpoint };
}

function failed(check: EvidenceCheck, code: ErrorCode, message: string): LogError {
  return new LogError(code, message, { details: { failed: check } });
}

const iso = (seconds: number): string => (Number.isFinite(seconds * 1000) && Math.abs(seconds) < 8.64e12 ? new Date(seconds * 1000).toISOString() : String(seconds));
