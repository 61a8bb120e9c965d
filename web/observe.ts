/**
 * Is the log's newest checkpoint an extension of the one this browser saw
 * last? The first checkpoint seen is recorded; afterwards a newer one is
 * recorded only once the log proved it extends the last (VerifiedLog
 * .verifyExtends); one that does not is a fork (the log shows this visitor
 * a history that is not the one it showed before), reported and never
 * recorded, so the warning stays until the log shows a consistent tree again.
 */
import { isLogError, type Checkpoint, type VerifiedLog } from '../src/client/index.js';
import { loadSeen, saveSeen } from './trust.js';

export type Observation =
  | { readonly state: 'first-visit' }
  | { readonly state: 'consistent'; readonly previous: Checkpoint }
  | { readonly state: 'fork'; readonly previous: Checkpoint; readonly reason: string }
  | { readonly state: 'unknown'; readonly previous: Checkpoint; readonly reason: string };

/** Compares `cp` (verified) with the checkpoint last seen, and records it when it extends that one. */
export async function observe(log: VerifiedLog, cp: Checkpoint): Promise<Observation> {
  const logId = log.trust.logKey.logId;
  const previous = loadSeen(logId);
  if (previous === undefined) {
    saveSeen(logId, cp);
    return { state: 'first-visit' };
  }
  try {
    await log.verifyExtends(previous, cp);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (isLogError(err, 'INCONSISTENT') || isLogError(err, 'PROOF_INVALID')) return { state: 'fork', previous, reason };
    return { state: 'unknown', previous, reason };
  }
  if (cp.size >= previous.size) saveSeen(logId, cp);
  return { state: 'consistent', previous };
}
