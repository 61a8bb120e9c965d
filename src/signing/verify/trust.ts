/**
 * Trust material for verification, all passed in by the caller (the pure
 * layer reads no files): the signers' public keys, and the check of a log
 * entry's evidence (its SET, inclusion proof and checkpoint, with the
 * trusted log keys and witnesses), which the caller supplies: the image
 * verifier binds it to the client library (src/verifier/trust.ts), the one
 * implementation of those checks. What the log must prove (a log entry at
 * all, an inclusion proof, how many witnesses) is the policy here.
 */
import type { KeyObject } from 'node:crypto';
import { LogError } from '../../errors.js';
import { parseSpki, type PublicKeyInfo } from '../../entry/index.js';
import type { TlogEntry } from '../tlog-entry.js';
import type { Verdict } from './verdict.js';

/** What an entry's evidence proved (see {@link TlogEvidenceCheck}). */
export interface TlogEvidence {
  /** A SET was present and verified. */
  readonly set: boolean;
  /** Tree size of the verified inclusion proof, when there was one. */
  readonly proofTreeSize?: number;
  /** Distinct trusted witnesses that validly cosigned the proof's checkpoint. */
  readonly witnesses: number;
}

/**
 * Verifies the evidence an entry carries, each piece when present: its log
 * is trusted (by logID), its SET verifies under that log's key, its
 * inclusion proof leads to the proof's root and the proof's checkpoint is
 * signed by that key and states that size and root; the trusted witnesses'
 * cosignatures on it are counted. Refusals: UNKNOWN_LOG, SET_INVALID,
 * INCLUSION_PROOF_INVALID, CHECKPOINT_INVALID.
 */
export type TlogEvidenceCheck = (entry: TlogEntry) => Promise<Verdict<TlogEvidence>>;

/** A policy with its keys parsed once: what the verify functions take. */
export interface Trust {
  readonly signers: readonly PublicKeyInfo[];
  /** The trusted logs and witnesses, as a check of an entry's evidence. */
  readonly tlog: TlogEvidenceCheck;
  /** Distinct trusted witnesses that must cosign the proof's checkpoint. */
  readonly minWitnesses: number;
  /** Refuse signatures without a log entry (SET or proof). False = cosign's --insecure-ignore-tlog. */
  readonly requireTlog: boolean;
  /** Refuse log entries without an inclusion proof against a signed checkpoint (else a SET suffices). */
  readonly requireInclusionProof: boolean;
}

/**
 * The signers' keys as verification uses them. Throws LogError('CONFIG_INVALID')
 * for a private key or a disallowed one (ECDSA P-256/384/521, RSA 2048–4096,
 * Ed25519 are allowed).
 */
export function trustedSigners(keys: readonly KeyObject[]): PublicKeyInfo[] {
  return keys.map((k, i) => {
    try {
      return parseSpki(spkiOf(k));
    } catch (err) {
      throw new LogError('CONFIG_INVALID', `signer key ${i}: ${(err as Error).message}`, { cause: err });
    }
  });
}

/** The DER SubjectPublicKeyInfo of a public key. Throws CONFIG_INVALID for a private one. */
export function spkiOf(key: KeyObject): Uint8Array {
  if (key.type !== 'public') throw new LogError('CONFIG_INVALID', 'trust material must be public keys');
  return new Uint8Array(key.export({ format: 'der', type: 'spki' }));
}
