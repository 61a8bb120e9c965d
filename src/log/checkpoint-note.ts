/**
 * A checkpoint's signed note (c2sp.org/tlog-checkpoint, rekor-v1.md §5): the
 * text, a blank line, and one signature line per entry of the identity's
 * checkpointLines: the note key's C2SP line, then the log key's Rekor line.
 */
import { LogError } from '../errors.js';
import { signNote } from '../note/index.js';
import type { LogIdentity } from './identity.js';
import { signWithKey } from './signer.js';

/** The note from `signatures`, one per identity.checkpointLines entry (same order). */
export function checkpointNote(identity: LogIdentity, text: string, signatures: readonly Uint8Array[]): string {
  if (signatures.length !== identity.checkpointLines.length) {
    throw new LogError('INTERNAL', `a checkpoint needs ${identity.checkpointLines.length} signatures, got ${signatures.length}`);
  }
  return signNote(text, identity.checkpointLines.map((l, i) => ({ name: l.name, keyId: l.keyId, sign: () => signatures[i]! })));
}

/**
 * Signs `text` on the calling thread with the identity's private keys (for a
 * new log's first checkpoint, and for tests). INTERNAL when the identity has
 * none (its keys are in a token: sign through a LogSigner).
 */
export function signCheckpointNow(identity: LogIdentity, text: string): string {
  const keys = identity.privateKeys;
  if (keys === undefined) throw new LogError('INTERNAL', "this log's keys are in a token: its checkpoints are signed through its LogSigner");
  const msg = Buffer.from(text);
  const logSig = signWithKey(keys.log, msg);
  return checkpointNote(identity, text, identity.checkpointLines.map((_, i) => (i === 0 && keys.note !== undefined ? signWithKey(keys.note, msg) : logSig)));
}
