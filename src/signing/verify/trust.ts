/**
 * Trust material for verification, all passed in by the caller (the pure
 * layer reads no files): the signers' public keys, the logs' public keys
 * (found by logID = hex SHA-256 of the SPKI, rekor-v1.md §4; Ed25519 as
 * Cairn's, ECDSA P-256 as Rekor's), optional witness verifier keys with the
 * number of distinct witnesses required, and what the log must prove.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { LogError } from '../../errors.js';
import { parseSpki, type PublicKeyInfo } from '../../entry/index.js';
import { parseVkey, type NoteVerifier } from '../../note/index.js';

/** What a verifier trusts and requires. */
export interface TrustPolicy {
  /** Public keys whose signatures are accepted (ECDSA P-256/384/521, RSA 2048–4096, Ed25519). */
  readonly signerKeys: readonly KeyObject[];
  /** Public keys of the trusted logs. */
  readonly logKeys: readonly KeyObject[];
  /** Witness verifier keys (`<name>+<hex id>+<base64>`, c2sp.org/signed-note) and how many distinct ones must cosign. */
  readonly witnesses?: { readonly vkeys: readonly string[]; readonly min: number };
  /** Refuse signatures without a log entry (SET or proof). Default true; false = cosign's --insecure-ignore-tlog. */
  readonly requireTlog?: boolean;
  /** Refuse log entries without an inclusion proof against a signed checkpoint. Default false (a SET suffices). */
  readonly requireInclusionProof?: boolean;
}

/** A trusted log key. */
export interface LogKey {
  /** 64 lowercase hex: SHA-256 of the DER SPKI. */
  readonly logId: string;
  readonly key: KeyObject;
  readonly spkiDer: Uint8Array;
}

/** A policy with its keys parsed once: what the verify functions take. */
export interface Trust {
  readonly signers: readonly PublicKeyInfo[];
  readonly logs: ReadonlyMap<string, LogKey>;
  /** One verifier per distinct witness key. */
  readonly witnesses: readonly NoteVerifier[];
  readonly minWitnesses: number;
  readonly requireTlog: boolean;
  readonly requireInclusionProof: boolean;
}

/** The logID of a public key: hex SHA-256 of its DER SPKI. */
export function logIdOfKey(key: KeyObject): string {
  return createHash('sha256').update(spkiOf(key)).digest('hex');
}

/**
 * Parses a policy. Throws LogError('CONFIG_INVALID') for a private or
 * disallowed signer key, a malformed witness vkey, or a witness minimum that
 * is negative or above the number of distinct witness keys.
 */
export function createTrust(policy: TrustPolicy): Trust {
  const signers = policy.signerKeys.map((k, i) => {
    try {
      return parseSpki(spkiOf(k));
    } catch (err) {
      throw new LogError('CONFIG_INVALID', `signer key ${i}: ${(err as Error).message}`, { cause: err });
    }
  });
  const logs = new Map<string, LogKey>();
  for (const key of policy.logKeys) {
    const spkiDer = spkiOf(key);
    const logId = createHash('sha256').update(spkiDer).digest('hex');
    logs.set(logId, { logId, key, spkiDer });
  }
  const witnesses = distinctWitnesses(policy.witnesses?.vkeys ?? []);
  const min = policy.witnesses?.min ?? 0;
  if (!Number.isSafeInteger(min) || min < 0 || min > witnesses.length) {
    throw new LogError('CONFIG_INVALID', `need ${min} witnesses but ${witnesses.length} distinct witness keys are trusted`);
  }
  return {
    signers,
    logs,
    witnesses,
    minWitnesses: min,
    requireTlog: policy.requireTlog ?? true,
    requireInclusionProof: policy.requireInclusionProof ?? false,
  };
}

function distinctWitnesses(vkeys: readonly string[]): NoteVerifier[] {
  const byKey = new Map<string, NoteVerifier>();
  for (const vkey of vkeys) {
    let v: NoteVerifier;
    try {
      v = parseVkey(vkey);
    } catch (err) {
      throw new LogError('CONFIG_INVALID', `witness key: ${(err as Error).message}`, { cause: err });
    }
    const key = vkey.split('+').slice(2).join('+');
    if (!byKey.has(key)) byKey.set(key, v);
  }
  return [...byKey.values()];
}

function spkiOf(key: KeyObject): Uint8Array {
  if (key.type !== 'public') throw new LogError('CONFIG_INVALID', 'trust material must be public keys');
  return new Uint8Array(key.export({ format: 'der', type: 'spki' }));
}
