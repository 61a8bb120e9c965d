/**
 * Is the entry in a trusted log? (oci-signatures.md §4 step 5, §6 step 5.)
 * Every piece of evidence present is checked by the trust's evidence check
 * (the SET, the inclusion proof and its checkpoint, witnesses counted); at
 * least one must be present, an inclusion proof when the policy requires
 * one, and enough witnesses must have cosigned. An inclusion proof fetched
 * online is passed in the same shape.
 */
import type { TlogEntry } from '../tlog-entry.js';
import type { Trust } from './trust.js';
import { refuse } from './verdict.js';

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

/**
 * Verifies `entry` against `trust`; throws a Refusal: UNKNOWN_LOG, SET_INVALID,
 * INCLUSION_PROOF_INVALID, CHECKPOINT_INVALID (the evidence check),
 * TLOG_ENTRY_MISSING, INCLUSION_PROOF_MISSING or TOO_FEW_WITNESSES.
 */
export async function checkTlogEntry(entry: TlogEntry, trust: Trust): Promise<TlogVerified> {
  const evidence = await trust.tlog(entry);
  if (!evidence.ok) refuse(evidence.reason, evidence.message);
  if (entry.signedEntryTimestamp === undefined && entry.inclusionProof === undefined) refuse('TLOG_ENTRY_MISSING', 'the entry has neither a SET nor an inclusion proof');
  if (entry.inclusionProof === undefined && trust.requireInclusionProof) refuse('INCLUSION_PROOF_MISSING', 'no inclusion proof for the entry');
  const { set, proofTreeSize, witnesses } = evidence.value;
  if (witnesses < trust.minWitnesses) {
    refuse('TOO_FEW_WITNESSES', `${witnesses} of the required ${trust.minWitnesses} witnesses cosigned the checkpoint`);
  }
  return {
    logId: entry.logId,
    logIndex: entry.logIndex,
    integratedTime: entry.integratedTime,
    set,
    ...(proofTreeSize === undefined ? {} : { proofTreeSize }),
    witnesses,
  };
}
