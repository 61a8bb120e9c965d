/**
 * Is the entry in a trusted log? (oci-signatures.md §4 step 5, §6 step 5.)
 * Every piece of evidence present is checked; at least one must be:
 * - the SET: the log key chosen by logID signs the JCS of
 *   {body, integratedTime, logID, logIndex} (rekor-v1.md §4);
 * - the inclusion proof: RFC 9162 §2.1.3.2 from the leaf hash of the body to
 *   the proof's root, and a checkpoint signed by the same log key stating
 *   that size and root; witnesses' cosignatures on it are counted.
 * An inclusion proof fetched online is passed in the same shape.
 */
import { leafHash, verifyInclusion, hashesEqual } from '../../merkle/index.js';
import { setPayload, type InclusionProof, type TlogEntry } from '../tlog-entry.js';
import { countWitnesses, openLogCheckpoint } from './checkpoint.js';
import { verifyLogSignature } from './log-signature.js';
import type { LogKey, Trust } from './trust.js';
import { refuse, verdictOf, type Verdict } from './verdict.js';

/** What the log proved about an entry. */
export interface TlogVerified {
  readonly logId: string;
  readonly logIndex: number;
  /** Unix seconds, as the log stated it (signed by the SET when `set`). */
  readonly integratedTime: number;
  /** A SET was present and verified. */
  readonly set: boolean;
  /** Tree size of the verified inclusion proof, when there was one. */
  readonly proofTreeSize?: number;
  /** Distinct trusted witnesses that cosigned the proof's checkpoint. */
  readonly witnesses: number;
}

/** Verifies `entry` against `trust` (the steps above) as a verdict. */
export function verifyTlogEntry(entry: TlogEntry, trust: Trust): Verdict<TlogVerified> {
  return verdictOf(() => checkTlogEntry(entry, trust));
}

/**
 * Verifies `entry` against `trust`; throws a Refusal: UNKNOWN_LOG, SET_INVALID,
 * INCLUSION_PROOF_INVALID, CHECKPOINT_INVALID, TLOG_ENTRY_MISSING,
 * INCLUSION_PROOF_MISSING or TOO_FEW_WITNESSES.
 */
export function checkTlogEntry(entry: TlogEntry, trust: Trust): TlogVerified {
  const log = trust.logs.get(entry.logId);
  if (log === undefined) refuse('UNKNOWN_LOG', `entry is from log ${entry.logId}, which is not trusted`);
  const set = entry.signedEntryTimestamp;
  if (set !== undefined && !verifyLogSignature(log.key, setPayload(entry), set)) {
    refuse('SET_INVALID', `the signed entry timestamp does not verify under log ${log.logId}`);
  }
  const proof = entry.inclusionProof;
  if (set === undefined && proof === undefined) refuse('TLOG_ENTRY_MISSING', 'the entry has neither a SET nor an inclusion proof');
  if (proof === undefined && trust.requireInclusionProof) refuse('INCLUSION_PROOF_MISSING', 'no inclusion proof for the entry');
  const witnesses = proof === undefined ? 0 : verifyProof(entry.body, proof, log, trust);
  if (witnesses < trust.minWitnesses) {
    refuse('TOO_FEW_WITNESSES', `${witnesses} of the required ${trust.minWitnesses} witnesses cosigned the checkpoint`);
  }
  return {
    logId: log.logId,
    logIndex: entry.logIndex,
    integratedTime: entry.integratedTime,
    set: set !== undefined,
    ...(proof === undefined ? {} : { proofTreeSize: proof.treeSize }),
    witnesses,
  };
}

/** Checks the proof and its checkpoint; returns the number of distinct witnesses. */
function verifyProof(body: Uint8Array, proof: InclusionProof, log: LogKey, trust: Trust): number {
  try {
    verifyInclusion(proof.logIndex, proof.treeSize, leafHash(body), proof.hashes, proof.rootHash);
  } catch (err) {
    refuse('INCLUSION_PROOF_INVALID', (err as Error).message);
  }
  const opened = openLogCheckpoint(proof.checkpoint, log);
  const cp = opened.checkpoint;
  if (cp.size !== proof.treeSize || !hashesEqual(cp.root, proof.rootHash)) {
    refuse('CHECKPOINT_INVALID', `the checkpoint states size ${cp.size}, the proof is for size ${proof.treeSize} or another root`);
  }
  return trust.witnesses.length === 0 ? 0 : countWitnesses(proof.checkpoint, opened.text, trust.witnesses);
}
