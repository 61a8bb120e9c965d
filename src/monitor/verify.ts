/**
 * Checking a fetched checkpoint: the log's signature (c2sp.org/signed-note
 * verification rules) and the witness cosignatures (c2sp.org/tlog-cosignature)
 * by the client library (src/client, asynchronous), the origin, and that it does not go back on
 * the last verified one (c2sp.org/tlog-checkpoint: "A log MUST NOT sign two
 * checkpoints that are not consistent with each other").
 */
import { verifyCheckpoint, type CheckpointTrust } from '../client/index.js';
import { LogError, describeError, isLogError } from '../errors.js';
import { hashesEqual } from '../merkle/index.js';
import type { Checkpoint } from '../note/index.js';
import { inconsistency, type KnownCheckpoint } from './evidence.js';

/** A checkpoint whose log signature verified. */
export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The note text (what the log and the witnesses signed). */
  readonly text: string;
  /** The whole note as fetched, cosignatures included. */
  readonly note: string;
  /** Names of the listed witnesses with a valid cosignature, each once. */
  readonly witnesses: readonly string[];
  /** Cosignature lines by a listed witness's key that did not verify (suspicious; not counted). */
  readonly badCosignatures: readonly string[];
}

/**
 * Verifies `note` with the client library's checkpoint verification
 * (`trust`: the log's note key, the witnesses) and parses its checkpoint.
 * Throws LogError('NOTE_INVALID') with the note in its details when no log
 * signature verifies, a log signature fails, or the text is not a
 * checkpoint; LogError('INCONSISTENT') when its origin is not `origin` (when
 * given): the log went on under another name.
 */
export async function verifyCheckpointNote(note: string, trust: CheckpointTrust, origin: string | undefined): Promise<VerifiedCheckpoint> {
  let verified;
  try {
    verified = await verifyCheckpoint(note, { ...trust, origin: undefined });
  } catch (err) {
    if (!isLogError(err, 'NOTE_INVALID')) throw err;
    throw new LogError('NOTE_INVALID', `the checkpoint is not validly signed by the log's key: ${describeError(err)}`, { details: { note } });
  }
  const checkpoint = verified.checkpoint;
  if (origin !== undefined && checkpoint.origin !== origin) {
    throw new LogError('INCONSISTENT', `the checkpoint's origin is ${JSON.stringify(checkpoint.origin)}, expected ${JSON.stringify(origin)}`, {
      details: { note },
    });
  }
  const witnesses = new Set(verified.cosignatures.filter((c) => c.state === 'verified').map((c) => c.name));
  const bad = verified.cosignatures.filter((c) => c.state === 'failed').map((c) => `${c.name} (key ID ${c.keyId})`);
  return { checkpoint, text: verified.text, note, witnesses: [...witnesses], badCosignatures: bad };
}

/**
 * Compares a newly verified checkpoint with the last verified one, before
 * any tile is fetched: 'same' when it is the same tree head, 'grew' when it is
 * larger. Throws LogError('INCONSISTENT') with evidence for a smaller size
 * (a rolled-back log) or the same size with another root (a fork).
 */
export function compareWithLast(last: KnownCheckpoint, next: VerifiedCheckpoint): 'same' | 'grew' {
  const cp = next.checkpoint;
  const now: KnownCheckpoint = { size: cp.size, root: cp.root, note: next.note };
  if (cp.size < last.size) {
    throw inconsistency(`the log's checkpoint has size ${cp.size}, smaller than the size ${last.size} verified before: the log went back`, last, now, {});
  }
  if (cp.size === last.size) {
    if (hashesEqual(cp.root, last.root)) return 'same';
    throw inconsistency(`the log signed two different roots for size ${cp.size}: a fork`, last, now, {});
  }
  return 'grew';
}
