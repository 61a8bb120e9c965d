/**
 * The answer to a prepared submission (rekor-v1.md §1, createLogEntry):
 * 201 with the LogEntry once the entry is durably committed, proven against
 * the checkpoint that first includes it, with ETag (the entry ID) and
 * Location; or, for an entry the log already holds, Rekor's 409 naming it,
 * with Location pointing at it (clients fetch it from there).
 */
import type { PreparedEntry } from '../entry/index.js';
import type { ClusterHooks } from './cluster.js';
import { LogError, isLogError } from '../errors.js';
import type { LogService, Sequenced } from '../log/index.js';
import { entryId } from './entry-id.js';
import { errorReply } from './errors.js';
import { logEntryText } from './log-entry.js';
import type { Reply } from './reply.js';
import type { SubmitTimings } from './submit-timings.js';

export const ENTRIES_PATH = '/api/v1/log/entries';

/**
 * Admit `admit()`'s entry, submit it and build its reply; admission errors and
 * other failures of the log (POOL_FULL, READ_ONLY…) reject with their
 * LogError. Successful submissions record their stage times in `timings`.
 * On a node of several (`cluster`), an entry another node sequences is
 * forwarded there once admitted, and its answer is that node's.
 */
export async function admitAndSubmit(log: LogService, timings: SubmitTimings, admit: () => Promise<PreparedEntry>, cluster?: ClusterHooks): Promise<Reply> {
  const t0 = performance.now();
  const prepared = await admit();
  const t1 = performance.now();
  const reply = await (cluster?.forward(prepared) ?? submitPrepared(log, prepared));
  if (reply.status === 201) {
    timings.observe('admission', t1 - t0);
    timings.observe('sequencing', performance.now() - t1);
  }
  return reply;
}

/** Submit `prepared` and build its reply; other failures of the log (POOL_FULL, READ_ONLY…) reject with their LogError. */
export async function submitPrepared(log: LogService, prepared: PreparedEntry): Promise<Reply> {
  let seq: Sequenced;
  try {
    seq = await log.submit({ kind: prepared.kind, body: prepared.body, leafHash: prepared.leafHash, searchKeys: prepared.searchKeys });
  } catch (err) {
    if (!isLogError(err, 'DUPLICATE')) throw err;
    const existingIndex = err.details?.['existingIndex'];
    // The existing entry's ID carries the tree that holds it (an earlier, frozen tree perhaps).
    const holder = typeof existingIndex === 'number' ? log.shardOfIndex(existingIndex) : undefined;
    const id = entryId((holder?.identity ?? log.identity).treeIdHex, prepared.leafHash);
    const reply = errorReply(
      new LogError('DUPLICATE', `an equivalent entry already exists in the transparency log with UUID ${id}`, {
        details: { entryID: id, ...(typeof existingIndex === 'number' ? { existingIndex } : {}) },
      }),
    );
    return { ...reply, headers: { ...reply.headers, Location: `${ENTRIES_PATH}/${id}` } };
  }
  const entry = { index: seq.index, leafHash: prepared.leafHash, body: prepared.body, integratedTime: seq.integratedTime, set: seq.set };
  const shard = log.shardByTreeId(seq.treeId);
  if (shard === undefined) throw new LogError('INTERNAL', `the entry went into tree ${seq.treeId}, which the log does not list`);
  const id = entryId(shard.identity.treeIdHex, prepared.leafHash);
  return {
    status: 201,
    headers: { ETag: id, Location: `${ENTRIES_PATH}/${id}`, 'Content-Type': 'application/json; charset=utf-8' },
    body: await logEntryText(shard, entry, seq.checkpoint),
  };
}
