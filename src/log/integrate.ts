/**
 * The commit protocol of one batch (DESIGN.md "The write path", steps 3–4).
 * It runs synchronously, so nothing else in the process observes a state
 * between its steps.
 */
import type { Clock } from '../clock.js';
import { LogError, describeError, isLogError } from '../errors.js';
import type { RightEdge } from '../merkle/index.js';
import { formatCheckpoint, signNote } from '../note/index.js';
import type { Batch, CheckpointRow, LogStore, SearchKey, StoredEntry } from '../storage/types.js';
import type { LogIdentity } from './identity.js';
import { setPayload } from './set.js';
import type { Submission } from './types.js';

export interface IntegrateResult {
  readonly checkpoint: CheckpointRow;
  readonly entries: readonly StoredEntry[];
  readonly batch: Batch;
}

/**
 * A batch whose time was fixed and whose SETs were signed before
 * integrateBatch ran (the sequencer signs them off the event loop): `time` is
 * batchTime() taken then, `sets[i]` signs setPayload of items[i] at index
 * published.size + i with that time.
 */
export interface PlannedBatch {
  readonly time: number;
  readonly sets: readonly Uint8Array[];
}

/** The time of a batch sequenced after `published`, ms: now, but never before the published checkpoint's time. */
export function batchTime(clock: Clock, published: CheckpointRow): number {
  return Math.max(clock.now(), published.time);
}

/**
 * Sequences `items` after `published`, signs, and commits them in one store
 * transaction. Returns only once the batch is durable.
 *
 * MUST be given an `edge` that holds exactly the tree of `published`; on any
 * error the edge is left advanced and the caller MUST rebuild it from the
 * store. Throws STORE_FAILED when the commit fails (nothing was written), or
 * INCONSISTENT when the store's compare-and-swap refuses it (fatal).
 */
export function integrateBatch(
  store: LogStore,
  identity: LogIdentity,
  clock: Clock,
  edge: RightEdge,
  published: CheckpointRow,
  items: readonly Submission[],
  signEntryTimestamps: boolean,
  planned?: PlannedBatch,
): IntegrateResult {
  // 1. Time. Checkpoint times never go backwards, even if the clock does.
  const time = planned?.time ?? batchTime(clock, published);
  const integratedTime = Math.floor(time / 1000);
  if (planned !== undefined && planned.sets.length !== items.length) {
    throw new LogError('INCONSISTENT', `couldn't integrate: ${planned.sets.length} entry timestamps for ${items.length} entries`);
  }

  // 2. Indices, SETs and search keys. Entries are dense from the published size.
  const entries: StoredEntry[] = new Array(items.length);
  const searchKeys: SearchKey[] = [];
  const leafHashes: Uint8Array[] = new Array(items.length);
  const empty = new Uint8Array(0);
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const index = published.size + i;
    const set = planned !== undefined
      ? planned.sets[i]!
      : signEntryTimestamps
        ? identity.signBytes(setPayload(it.body, integratedTime, identity.logId, index))
        : empty;
    entries[i] = { index, leafHash: it.leafHash, body: it.body, kind: it.kind, integratedTime, set };
    leafHashes[i] = it.leafHash;
    for (const key of it.searchKeys) searchKeys.push({ key, index });
  }

  // 3. Extend the right edge of the tree in memory: new root and changed tiles.
  const grown = edge.append(leafHashes);
  if (grown.size !== published.size + items.length) {
    throw new LogError('INCONSISTENT', `couldn't integrate: tree grew to ${grown.size}, expected ${published.size + items.length}`);
  }

  // 4. Sign the new checkpoint. Nobody sees it until the commit below returns.
  const text = formatCheckpoint({ origin: identity.origin, size: grown.size, root: grown.root });
  const note = signNote(text, identity.checkpointSigners);
  const checkpoint: CheckpointRow = { size: grown.size, root: grown.root, time, note };

  // 5. One transaction: entries, search keys, tiles, checkpoint (CAS on the published size).
  const batch: Batch = { entries, searchKeys, tiles: grown.tiles, checkpoint };
  try {
    store.appendBatch(published.size, batch);
  } catch (err) {
    if (isLogError(err, 'INCONSISTENT') || isLogError(err, 'CORRUPT')) throw err;
    throw new LogError('STORE_FAILED', `couldn't commit batch of ${items.length} at size ${published.size}: ${describeError(err)}`, {
      cause: err,
    });
  }
  // At this point the batch is durable: the caller may publish and answer.
  return { checkpoint, entries, batch };
}
