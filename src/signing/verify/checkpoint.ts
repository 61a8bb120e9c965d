/**
 * Checkpoints as inclusion proofs come with them: a signed note whose text is
 * the tree head (rekor-v1.md §5, c2sp.org/tlog-checkpoint), signed by the log
 * and maybe cosigned by witnesses (c2sp.org/tlog-cosignature).
 *
 * The log's signature is found by key, not by name: a signature line whose
 * key ID is the log key's Rekor hint (first 4 bytes of the logID, any key
 * type) or, for Ed25519, its C2SP key ID under that line's name, and which
 * must then verify (signed-note "Verification": a known key's signature
 * never fails silently). Witnesses are counted over distinct trusted keys.
 */
import {
  SIG_TYPE_ED25519,
  c2spKeyId,
  ed25519PublicKeyBytes,
  openCheckpoint,
  parseNote,
  rekorKeyHint,
  type Checkpoint,
  type NoteVerifier,
} from '../../note/index.js';
import { verifyLogSignature } from './log-signature.js';
import { refuse } from './verdict.js';
import type { LogKey } from './trust.js';

/** A checkpoint note opened with the log key. */
export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The note text (what cosignatures sign). */
  readonly text: string;
}

/** Opens `note` with the log key; refuses CHECKPOINT_INVALID when it is malformed or not validly signed by that key. */
export function openLogCheckpoint(note: string, log: LogKey): VerifiedCheckpoint {
  let verifiers: NoteVerifier[];
  try {
    verifiers = logVerifiers(note, log);
  } catch (err) {
    return refuse('CHECKPOINT_INVALID', `checkpoint: ${(err as Error).message}`);
  }
  if (verifiers.length === 0) refuse('CHECKPOINT_INVALID', `checkpoint carries no signature by log ${log.logId}`);
  try {
    const opened = openCheckpoint(note, verifiers);
    return { checkpoint: opened.checkpoint, text: opened.text };
  } catch (err) {
    return refuse('CHECKPOINT_INVALID', `checkpoint: ${(err as Error).message}`);
  }
}

/** How many distinct trusted witnesses validly cosigned `note`. Invalid lines simply do not count. */
export function countWitnesses(note: string, text: string, witnesses: readonly NoteVerifier[]): number {
  const parsed = parseNote(note);
  const msg = new TextEncoder().encode(text);
  let count = 0;
  for (const w of witnesses) {
    const ok = parsed.signatures.some((s) => s.name === w.name && s.keyId === w.keyId && safe(() => w.verify(msg, s.sig)));
    if (ok) count++;
  }
  return count;
}

/** One verifier per signature line that claims to be by the log key (by Rekor hint or C2SP key ID). */
function logVerifiers(note: string, log: LogKey): NoteVerifier[] {
  const hint = rekorKeyHint(log.spkiDer);
  const ed = log.key.asymmetricKeyType === 'ed25519' ? ed25519PublicKeyBytes(log.key) : undefined;
  const out = new Map<string, NoteVerifier>();
  for (const s of parseNote(note).signatures) {
    const c2sp = ed === undefined ? undefined : c2spKeyId(s.name, SIG_TYPE_ED25519, ed);
    if (s.keyId !== hint && s.keyId !== c2sp) continue;
    out.set(`${s.name}+${s.keyId}`, {
      name: s.name,
      keyId: s.keyId,
      verify: (msg, sig) => verifyLogSignature(log.key, msg, sig),
    });
  }
  return [...out.values()];
}

function safe(f: () => boolean): boolean {
  try {
    return f() === true;
  } catch {
    return false;
  }
}
