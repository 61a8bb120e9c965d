/**
 * Verifying a Rekor v1 entry as the log served it (rekor-v1.md §4, §5):
 * - it is from the pinned log (its logID is the pinned key's);
 * - its SET, when present, is the log key's signature over the RFC 8785 JSON
 *   of `{body, integratedTime, logID, logIndex}`;
 * - its inclusion proof (required) leads from SHA-256(0x00 ‖ body) at the
 *   proof's index to the proof's root (RFC 9162 §2.1.3.2), and the proof's
 *   checkpoint is signed by the pinned keys and states that size and root.
 * Failures throw LogErrors whose message is the reason shown to people:
 * LOG_RESPONSE_INVALID (another log, bad SET, checkpoint not matching the
 * proof), PROOF_INVALID (the audit path), NOTE_INVALID (the checkpoint).
 */
import { LogError } from '../errors.js';
import { hashesEqual } from '../merkle/portable.js';
import { toBase64 } from './bytes.js';
import { verifyCheckpoint, type LogTrust, type VerifiedCheckpoint } from './checkpoint.js';
import { nobleHasher, proofs } from './crypto.js';
import type { RekorEntry } from './log-entry.js';

/** An entry whose SET, inclusion proof and checkpoint verified. */
export interface VerifiedEntry {
  readonly entry: RekorEntry;
  /** A SET was present and verified (an entry read back from a log that gives none has no SET). */
  readonly set: boolean;
  /** The checkpoint the inclusion proof is against, verified. */
  readonly checkpoint: VerifiedCheckpoint;
}

/** The bytes a SET signs: RFC 8785 JSON of {body, integratedTime, logID, logIndex} (keys already in code-point order). */
export function setPayload(entry: RekorEntry): Uint8Array {
  const json = JSON.stringify({ body: toBase64(entry.body), integratedTime: entry.integratedTime, logID: entry.logId, logIndex: entry.logIndex });
  return new TextEncoder().encode(json);
}

/** Verifies `entry` with `trust` (the steps above). */
export async function verifyEntry(entry: RekorEntry, trust: LogTrust): Promise<VerifiedEntry> {
  if (entry.logId !== trust.logKey.logId) {
    throw new LogError('LOG_RESPONSE_INVALID', `couldn't verify entry ${entry.logIndex}: it names log ${entry.logId.slice(0, 16)}…, not the pinned ${trust.logKey.logId.slice(0, 16)}…`);
  }
  const set = entry.signedEntryTimestamp;
  if (set !== undefined && !(await trust.logKey.verify(setPayload(entry), set))) {
    throw new LogError('LOG_RESPONSE_INVALID', `couldn't verify entry ${entry.logIndex}: the signed entry timestamp does not verify under the pinned log key`);
  }
  const proof = entry.inclusionProof;
  if (proof === undefined) throw new LogError('LOG_RESPONSE_INVALID', `couldn't verify entry ${entry.logIndex}: the log sent no inclusion proof`);
  proofs.verifyInclusion(proof.logIndex, proof.treeSize, nobleHasher.leafHash(entry.body), proof.hashes, proof.rootHash);
  const checkpoint = await verifyCheckpoint(proof.checkpoint, trust);
  if (checkpoint.checkpoint.size !== proof.treeSize || !hashesEqual(checkpoint.checkpoint.root, proof.rootHash)) {
    throw new LogError(
      'LOG_RESPONSE_INVALID',
      `couldn't verify entry ${entry.logIndex}: the checkpoint states size ${checkpoint.checkpoint.size}, the proof is for size ${proof.treeSize} or another root`,
    );
  }
  return { entry, set: set !== undefined, checkpoint };
}
