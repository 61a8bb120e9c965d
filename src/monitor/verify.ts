/**
 * Checking a fetched checkpoint, pure: the log's signature
 * (c2sp.org/signed-note verification rules), the origin, the witness
 * cosignatures (c2sp.org/tlog-cosignature), and that it does not go back on
 * the last verified one (c2sp.org/tlog-checkpoint: "A log MUST NOT sign two
 * checkpoints that are not consistent with each other").
 */
import { LogError, describeError } from '../errors.js';
import { hashesEqual } from '../merkle/index.js';
import {
  isCosignatureVerifier,
  openNote,
  parseCheckpoint,
  parseNote,
  verifyCosignature,
  type Checkpoint,
  type NoteVerifier,
} from '../note/index.js';
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
 * Verifies `note` with the log's verifiers and parses its checkpoint. Throws
 * LogError('NOTE_INVALID') when no log signature verifies or a log signature
 * fails, or the text is not a checkpoint; LogError('INCONSISTENT') when its
 * origin is not `origin` (when given).
 */
export function verifyCheckpointNote(
  note: string,
  logVerifiers: readonly NoteVerifier[],
  witnessVerifiers: readonly NoteVerifier[],
  origin: string | undefined,
): VerifiedCheckpoint {
  let text: string;
  try {
    text = openNote(note, logVerifiers).text;
  } catch (err) {
    throw new LogError('NOTE_INVALID', `the checkpoint is not validly signed by the log's key: ${describeError(err)}`, {
      details: { note },
    });
  }
  const checkpoint = parseCheckpoint(text);
  if (origin !== undefined && checkpoint.origin !== origin) {
    throw new LogError('INCONSISTENT', `the checkpoint's origin is ${JSON.stringify(checkpoint.origin)}, expected ${JSON.stringify(origin)}`, {
      details: { note },
    });
  }
  const { witnesses, bad } = countCosignatures(note, text, witnessVerifiers);
  return { checkpoint, text, note, witnesses, badCosignatures: bad };
}

function countCosignatures(note: string, text: string, verifiers: readonly NoteVerifier[]): { witnesses: string[]; bad: string[] } {
  const witnesses = new Set<string>();
  const bad: string[] = [];
  const sigs = parseNote(note).signatures;
  for (const v of verifiers) {
    for (const sig of sigs) {
      if (sig.name !== v.name || sig.keyId !== v.keyId) continue;
      const ok = isCosignatureVerifier(v) ? tryCosignature(v, text, sig) : v.verify(new TextEncoder().encode(text), sig.sig);
      if (ok) witnesses.add(v.name);
      else bad.push(`${sig.name} (key ID ${sig.keyId.toString(16).padStart(8, '0')})`);
    }
  }
  return { witnesses: [...witnesses], bad };
}

function tryCosignature(v: Parameters<typeof verifyCosignature>[0], text: string, sig: Parameters<typeof verifyCosignature>[2]): boolean {
  try {
    verifyCosignature(v, text, sig);
    return true;
  } catch {
    return false;
  }
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
