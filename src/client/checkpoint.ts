/**
 * Verifying a log's checkpoint (c2sp.org/tlog-checkpoint, rekor-v1.md §5)
 * with the keys a client pinned, and the witness cosignatures on it
 * (c2sp.org/tlog-cosignature).
 *
 * The log's signature lines are found by key, not by name: a line whose key
 * ID is a pinned log key's Rekor hint (ECDSA P-256 or Ed25519; a rotated log
 * has several keys, LogTrust.logKeys), an Ed25519 log key's C2SP key ID under
 * that line's name, or the pinned note key's
 * (name, key ID). Every such line MUST verify (signed-note "Verification": a
 * known key's signature never fails silently) and at least one must exist.
 * A client of a tlog-tiles log (a monitor) may pin the note key alone
 * (CheckpointTrust without a log key). The explorer, `cairn monitor` and the
 * image verifier (`cairn verify`, through verify-entry.ts) all check
 * checkpoints here.
 */
import { LogError } from '../errors.js';
import { SIG_TYPE_ED25519, keyIdHex, parseCheckpoint, parseNote, splitTimestampedSignature, type Checkpoint, type NoteSignature } from '../note/portable.js';
import { verifyEd25519 } from './crypto.js';
import type { LogKey } from './log-key.js';
import type { VerifierKey } from './note-keys.js';

/**
 * One log key with the window it is trusted for (a sigstore TrustedRoot
 * tlog's `validFor`, POSIX seconds, both ends inclusive): a SET whose
 * integratedTime lies outside it is refused, as sigstore clients do.
 */
export interface TrustedLogKey {
  readonly key: LogKey;
  readonly validFor?: { readonly start: number; readonly end?: number };
}

/**
 * What a checkpoint's verification trusts: the log key or keys, the note key,
 * or both (at least one), the witnesses and the origin. A monitor of a
 * tlog-tiles log pins the note key's vkey alone.
 */
export interface CheckpointTrust {
  /** The log key (`/api/v1/log/publicKey`): SETs and the Rekor-style checkpoint line; the active tree's key. */
  readonly logKey?: LogKey;
  /**
   * Every key the log has signed with (one per run of trees, rekor-v1.md §7),
   * each with its window; `logKey` is trusted with no window when absent
   * from this list. A rotated log's trusted root gives them all.
   */
  readonly logKeys?: readonly TrustedLogKey[];
  /** The note key (`/api/v1/log/vkey`, type 0x01): the C2SP checkpoint line, when pinned too. */
  readonly noteKey?: VerifierKey;
  /** Witnesses' cosignature keys (type 0x04) whose cosignatures are checked. */
  readonly witnesses?: readonly VerifierKey[];
  /** The checkpoint origin the log must state (e.g. `log.example - 1234`); any when absent. */
  readonly origin?: string;
}

/** What a client of a Rekor v1 log trusts: the log key is required (entries, SETs and their proofs name it). */
export interface LogTrust extends CheckpointTrust {
  readonly logKey: LogKey;
}

/** Which pinned key verified a signature line. */
export type CheckpointSigner = 'log key (Rekor line)' | 'log key (C2SP line)' | 'note key (C2SP line)';

/** A checkpoint whose log signatures verified. */
export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The note text: what the signatures and cosignatures cover. */
  readonly text: string;
  /** The whole signed note as served. */
  readonly note: string;
  /** The log's verified lines, in note order, with the logID of the log key that made each log-key line. */
  readonly signedBy: readonly { readonly name: string; readonly keyId: string; readonly signer: CheckpointSigner; readonly logId?: string }[];
  /** Every other signature line, checked against the pinned witnesses. */
  readonly cosignatures: readonly Cosignature[];
}

/**
 * One signature line that is not the log's: `verified` (a pinned witness's
 * valid cosignature, with its time when the witness's key is a cosignature
 * key, type 0x04; a witness key of type 0x01 signs the note text itself),
 * `failed` (claims a pinned witness's key and does not verify) or `unpinned`
 * (no pinned key; shown, not trusted).
 */
export interface Cosignature {
  readonly name: string;
  readonly keyId: string;
  readonly state: 'verified' | 'failed' | 'unpinned';
  /** POSIX seconds the witness states, when verified (cosignature keys only). */
  readonly timestamp?: number;
}

const encoder = new TextEncoder();

/**
 * Verifies `note` with `trust`. Throws LogError('NOTE_INVALID') when the note
 * is malformed, carries no line by a pinned log key, or a line by a pinned
 * log key fails; or when the origin is not the pinned one. Cosignatures never
 * make it throw: their states are in the result.
 */
export async function verifyCheckpoint(note: string, trust: CheckpointTrust): Promise<VerifiedCheckpoint> {
  const parsed = parseNote(note);
  const msg = encoder.encode(parsed.text);
  const signedBy: { name: string; keyId: string; signer: CheckpointSigner; logId?: string }[] = [];
  const others: NoteSignature[] = [];
  const keys = trustedLogKeys(trust).map((k) => k.key);
  for (const sig of parsed.signatures) {
    const found = logSigner(sig, trust, keys);
    if (found === undefined) {
      others.push(sig);
      continue;
    }
    const { signer, key } = found;
    const ok = key === undefined ? await verifyEd25519(trust.noteKey?.publicKey ?? new Uint8Array(0), msg, sig.sig) : await key.verify(msg, sig.sig);
    if (!ok) throw new LogError('NOTE_INVALID', `couldn't verify the checkpoint: the signature by ${sig.name}+${keyIdHex(sig.keyId)} (${signer}) does not verify`);
    signedBy.push(key === undefined ? { name: sig.name, keyId: keyIdHex(sig.keyId), signer } : { name: sig.name, keyId: keyIdHex(sig.keyId), signer, logId: key.logId });
  }
  if (signedBy.length === 0) throw new LogError('NOTE_INVALID', `couldn't verify the checkpoint: no signature by ${pinnedKeys(trust, keys)}`);
  const checkpoint = parseCheckpoint(parsed.text);
  if (trust.origin !== undefined && checkpoint.origin !== trust.origin) {
    throw new LogError('NOTE_INVALID', `couldn't verify the checkpoint: origin ${JSON.stringify(checkpoint.origin)} is not the pinned ${JSON.stringify(trust.origin)}`);
  }
  const cosignatures: Cosignature[] = [];
  for (const sig of others) cosignatures.push(await checkCosignature(sig, msg, trust.witnesses ?? []));
  return { checkpoint, text: parsed.text, note, signedBy, cosignatures };
}

/** `trust`'s log keys with their windows: `logKeys`, and `logKey` (unbounded) when that list lacks it. */
export function trustedLogKeys(trust: CheckpointTrust): readonly TrustedLogKey[] {
  const listed = trust.logKeys ?? [];
  const active = trust.logKey;
  return active === undefined || listed.some((k) => k.key.logId === active.logId) ? listed : [...listed, { key: active }];
}

/** The pinned keys, for a message: the log keys by logID, the note key by its name and key ID. */
function pinnedKeys(trust: CheckpointTrust, keys: readonly LogKey[]): string {
  const named = keys.length === 0 ? [] : [`the pinned log key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `${k.logId.slice(0, 16)}…`).join(', ')}`];
  if (trust.noteKey !== undefined) named.push(`the pinned note key ${trust.noteKey.name}+${keyIdHex(trust.noteKey.keyId)}`);
  return named.length === 0 ? 'a pinned key (none is pinned)' : named.join(' or ');
}

/** The pinned key a line claims by its key ID (a log key's Rekor hint or C2SP ID, or the note key's), if any. */
function logSigner(sig: NoteSignature, trust: CheckpointTrust, keys: readonly LogKey[]): { signer: CheckpointSigner; key?: LogKey } | undefined {
  for (const key of keys) {
    if (sig.keyId === key.keyHint) return { signer: 'log key (Rekor line)', key };
    if (sig.keyId === key.c2spKeyId(sig.name)) return { signer: 'log key (C2SP line)', key };
  }
  if (trust.noteKey !== undefined && sig.name === trust.noteKey.name && sig.keyId === trust.noteKey.keyId) return { signer: 'note key (C2SP line)' };
  return undefined;
}

async function checkCosignature(sig: NoteSignature, text: Uint8Array, witnesses: readonly VerifierKey[]): Promise<Cosignature> {
  const base = { name: sig.name, keyId: keyIdHex(sig.keyId) };
  const w = witnesses.find((k) => k.name === sig.name && k.keyId === sig.keyId);
  if (w === undefined) return { ...base, state: 'unpinned' };
  if (w.type === SIG_TYPE_ED25519) return { ...base, state: (await verifyEd25519(w.publicKey, text, sig.sig)) ? 'verified' : 'failed' };
  const parts = splitTimestampedSignature(text, sig.sig);
  if (parts === undefined || !(await verifyEd25519(w.publicKey, parts.message, parts.signature))) return { ...base, state: 'failed' };
  return { ...base, state: 'verified', timestamp: parts.timestamp };
}
