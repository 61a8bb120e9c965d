/**
 * The trust an image's signatures are verified with (src/signing's Trust):
 * the signers' keys, and the log's evidence checked by the client library
 * (src/client verifyEvidence: the entry's log by logID among the trusted log
 * keys, its SET, its inclusion proof, the proof's checkpoint signed by that
 * key, the trusted witnesses' cosignatures on it), the one implementation of
 * those checks, shared with the explorer and the monitor. Log keys are
 * ECDSA P-256 (Rekor's, Cairn's default) or Ed25519, as the client reads them.
 */
import type { KeyObject } from 'node:crypto';
import { LogKey, parseVerifierKey, verifyEvidence, type EvidenceCheck, type LogTrust, type VerifierKey } from '../client/index.js';
import { LogError, describeError, isLogError } from '../errors.js';
import { spkiOf, trustedSigners, type TlogEvidence, type Trust, type Verdict, type VerifyReason } from '../signing/index.js';
import type { TlogEntry } from '../signing/index.js';

/** What a verifier trusts and requires. */
export interface TrustPolicy {
  /** Public keys whose signatures are accepted (ECDSA P-256/384/521, RSA 2048–4096, Ed25519). */
  readonly signerKeys: readonly KeyObject[];
  /** Public keys of the trusted logs (ECDSA P-256 or Ed25519). */
  readonly logKeys: readonly KeyObject[];
  /** Witness verifier keys (`<name>+<hex id>+<base64>`, c2sp.org/signed-note) and how many distinct ones must cosign. */
  readonly witnesses?: { readonly vkeys: readonly string[]; readonly min: number };
  /** Refuse signatures without a log entry (SET or proof). Default true; false = cosign's --insecure-ignore-tlog. */
  readonly requireTlog?: boolean;
  /** Refuse log entries without an inclusion proof against a signed checkpoint. Default false (a SET suffices). */
  readonly requireInclusionProof?: boolean;
}

/** The refusal for each check the client's evidence verification can fail. */
const REASONS: Readonly<Record<EvidenceCheck, VerifyReason>> = {
  log: 'UNKNOWN_LOG',
  set: 'SET_INVALID',
  proof: 'INCLUSION_PROOF_INVALID',
  checkpoint: 'CHECKPOINT_INVALID',
};

/**
 * Parses a policy. Throws LogError('CONFIG_INVALID') for a private or
 * disallowed signer or log key, a malformed witness vkey, or a witness
 * minimum that is negative or above the number of distinct witness keys.
 */
export function createTrust(policy: TrustPolicy): Trust {
  const signers = trustedSigners(policy.signerKeys);
  const logKeys = policy.logKeys.map((k, i) => {
    try {
      return LogKey.fromSpki(spkiOf(k));
    } catch (err) {
      throw new LogError('CONFIG_INVALID', `log key ${i}: ${describeError(err)}`, { cause: err });
    }
  });
  const witnesses = distinctWitnesses(policy.witnesses?.vkeys ?? []);
  const min = policy.witnesses?.min ?? 0;
  if (!Number.isSafeInteger(min) || min < 0 || min > witnesses.length) {
    throw new LogError('CONFIG_INVALID', `need ${min} witnesses but ${witnesses.length} distinct witness keys are trusted`);
  }
  const first = logKeys[0];
  const logs: LogTrust | undefined = first === undefined ? undefined : { logKey: first, logKeys: logKeys.map((key) => ({ key })), witnesses };
  return {
    signers,
    tlog: (entry) => checkEvidence(entry, logs),
    minWitnesses: min,
    requireTlog: policy.requireTlog ?? true,
    requireInclusionProof: policy.requireInclusionProof ?? false,
  };
}

/** The client's verification of `entry`'s evidence, as a verdict with signing's reasons. */
async function checkEvidence(entry: TlogEntry, logs: LogTrust | undefined): Promise<Verdict<TlogEvidence>> {
  if (logs === undefined) return { ok: false, reason: 'UNKNOWN_LOG', message: `entry is from log ${entry.logId}, and no log is trusted` };
  try {
    const v = await verifyEvidence(entry, logs);
    const cosigned = new Set(v.checkpoint?.cosignatures.filter((c) => c.state === 'verified').map((c) => `${c.name}+${c.keyId}`));
    const proofTreeSize = entry.inclusionProof?.treeSize;
    return { ok: true, value: { set: v.set, witnesses: cosigned.size, ...(proofTreeSize === undefined ? {} : { proofTreeSize }) } };
  } catch (err) {
    const check = isLogError(err) ? (err.details?.['failed'] as EvidenceCheck | undefined) : undefined;
    if (check === undefined || !isLogError(err)) throw err;
    return { ok: false, reason: REASONS[check], message: err.message };
  }
}

function distinctWitnesses(vkeys: readonly string[]): VerifierKey[] {
  const byKey = new Map<string, VerifierKey>();
  for (const vkey of vkeys) {
    let v: VerifierKey;
    try {
      v = parseVerifierKey(vkey);
    } catch (err) {
      throw new LogError('CONFIG_INVALID', `witness key: ${describeError(err)}`, { cause: err });
    }
    const key = vkey.trim().split('+').slice(2).join('+');
    if (!byKey.has(key)) byKey.set(key, v);
  }
  return [...byKey.values()];
}
