/**
 * Is the log's newest checkpoint an extension of the one this browser saw
 * last? The first checkpoint seen is recorded; afterwards a newer one is
 * recorded only once the log proved it extends the last (VerifiedLog
 * .verifyExtends); one that does not is a fork (the log shows this visitor
 * a history that is not the one it showed before), reported and never
 * recorded, so the warning stays until the log shows a consistent tree again.
 *
 * Across a rotation: a checkpoint of a later tree extends the one seen when
 * the log lists the seen tree as frozen and its final checkpoint extends the
 * one seen (VerifiedLog.verifyExtends); it is recorded as the new last seen.
 * A checkpoint of an earlier, frozen tree (an old entry's) is that tree's
 * final one as the log lists it (VerifiedLog.verify checked it): it is
 * consistent and not recorded.
 */
import { isLogError, type Checkpoint, type VerifiedLog, type VerifiedTree } from '../src/client/index.js';
import { loadSeen, saveSeen, seenId } from './trust.js';

export type Observation =
  | { readonly state: 'first-visit' }
  | { readonly state: 'consistent'; readonly previous: Checkpoint; readonly rotatedFrom?: VerifiedTree; readonly earlierTree?: boolean }
  | { readonly state: 'fork'; readonly previous: Checkpoint; readonly reason: string }
  | { readonly state: 'unknown'; readonly previous: Checkpoint; readonly reason: string };

/** Compares `cp` (verified) with the checkpoint last seen, and records it when it extends that one. */
export async function observe(log: VerifiedLog, cp: Checkpoint): Promise<Observation> {
  const logId = seenId(log.trust);
  const previous = loadSeen(logId);
  if (previous === undefined) {
    saveSeen(logId, cp);
    return { state: 'first-visit' };
  }
  let rotatedFrom: VerifiedTree | undefined;
  try {
    if (previous.origin !== cp.origin) {
      const trees = await log.trees();
      const at = (origin: string): number => trees.findIndex((t) => t.checkpoint.checkpoint.origin === origin);
      const mine = at(cp.origin);
      if (mine >= 0 && trees[mine]?.frozen === true && mine < at(previous.origin)) return { state: 'consistent', previous, earlierTree: true };
    }
    const ext = await log.verifyExtends(previous, cp);
    if (ext.rotated) rotatedFrom = ext.frozen;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (isLogError(err, 'INCONSISTENT') || isLogError(err, 'PROOF_INVALID')) return { state: 'fork', previous, reason };
    return { state: 'unknown', previous, reason };
  }
  if (rotatedFrom !== undefined || cp.size >= previous.size) saveSeen(logId, cp);
  return rotatedFrom === undefined ? { state: 'consistent', previous } : { state: 'consistent', previous, rotatedFrom };
}
