/**
 * The one owner of what the rest of the process may know about the log's
 * progress: the published checkpoint, whether writes are refused (and why),
 * and batch counters. The commit routine (commit.ts) is its only writer;
 * readers (LogReader, status, the witness collector) read it here, so no two
 * copies can disagree.
 *
 * Contracts:
 * - `published` only moves forward, one committed and durable batch at a
 *   time, in index order (or to a later checkpoint another writer published,
 *   read back from the store: `adopt`); it is never a checkpoint whose data
 *   is not durable.
 * - `readOnly`, once set, stays set for the life of the process (a restart
 *   re-verifies the store).
 */
import type { Batch, CheckpointRow, StoredEntry } from '../storage/types.js';

/** A batch that was committed, made durable and published. */
export interface PublishedBatch {
  /** The checkpoint that first includes the batch (now the published one). */
  readonly checkpoint: CheckpointRow;
  /** Its entries, in index order. */
  readonly entries: readonly StoredEntry[];
  /** What was written in its transaction (entries, search keys, tiles, checkpoint). */
  readonly batch: Batch;
  /** Where the batch's time went (absent for a batch published by a rebuild after an uncertain commit). */
  readonly steps?: BatchSteps;
}

/**
 * Milliseconds a published batch spent in each step of the commit routine
 * (commit.ts; performance.now(), monotonic). They add up to the time from its
 * oldest entry's pooling to its publication.
 */
export interface BatchSteps {
  /** Its oldest entry waited in the pool until the batch was taken. */
  readonly pool: number;
  /** Taken → SETs and checkpoint signed (step 3). */
  readonly sign: number;
  /** Signed → the batch before it committed and the store's write barrier passed (step 4). */
  readonly order: number;
  /** The transaction (step 5). */
  readonly commit: number;
  /** Committed → durable (step 6). */
  readonly sync: number;
  /** Durable → the batch before it published, then published (step 7). */
  readonly publish: number;
}

export type PublishListener = (published: PublishedBatch) => void;

export class LogState {
  #published: CheckpointRow;
  #readOnly: string | undefined;
  #batches = 0;
  #failedBatches = 0;
  readonly #listeners: PublishListener[] = [];

  constructor(published: CheckpointRow, readOnly: string | undefined) {
    this.#published = published;
    this.#readOnly = readOnly;
  }

  /** The latest published checkpoint. */
  get published(): CheckpointRow {
    return this.#published;
  }

  /** Why writes are refused, or undefined while the log accepts them. */
  get readOnly(): string | undefined {
    return this.#readOnly;
  }

  /** Batches published since start. */
  get batches(): number {
    return this.#batches;
  }

  /** Batches failed as a whole since start. */
  get failedBatches(): number {
    return this.#failedBatches;
  }

  /** Called synchronously after each publication, before any waiter of the batch is answered. */
  onPublish(listener: PublishListener): void {
    this.#listeners.push(listener);
  }

  /** Publish a durable batch. MUST follow the published checkpoint directly (its size grows from the published one). */
  publish(published: PublishedBatch): void {
    this.#published = published.checkpoint;
    this.#batches++;
    for (const l of this.#listeners) l(published);
  }

  /**
   * Publish a checkpoint another writer committed and published (read back
   * from the store, its signature checked by the caller): `published` moves
   * forward to it without a batch of this process. MUST be larger than the
   * published one; the publish listeners are not called (they hear this
   * process's batches, whose tiles and entries they are given).
   */
  adopt(checkpoint: CheckpointRow): void {
    if (checkpoint.size <= this.#published.size) return;
    this.#published = checkpoint;
  }

  /** Count a batch that failed as a whole. */
  batchFailed(): void {
    this.#failedBatches++;
  }

  /** Refuse writes from now on; the first reason is kept. */
  stopWriting(reason: string): void {
    this.#readOnly ??= reason;
  }
}
