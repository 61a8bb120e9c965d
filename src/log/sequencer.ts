/**
 * The sequencer: pool → batch → commit → publish (DESIGN.md "The write path").
 *
 * - add() never does CPU-heavy work: admission already verified and hashed the entry.
 * - Dedup by leaf hash in three places: the store, the pool, and the batch being
 *   committed (the commit is synchronous, so a batch in flight is never observable
 *   from add(); it is covered by the store check once committed).
 * - A batch is flushed when the pool reaches batchMaxSize or the oldest entry has
 *   waited batchMaxAgeMs.
 * - Futures resolve only after the batch is durable — its transaction returned and,
 *   for a store with sync() (SQLite files: the WAL's fdatasync runs off the event
 *   loop), sync() resolved — and the new checkpoint is published. A batch whose
 *   sync fails is never published: its waiters get STORE_FAILED and the log turns
 *   read-only (a restart re-verifies what is stored).
 * - With an LogSigner, a batch's SETs are signed off the event loop
 *   before its commit (the batch's indices and time are fixed when it is taken).
 * - One batch is in flight at a time (signing, commit, sync); its entries stay
 *   visible to dedup in the in-flight set until they are published, so a twin
 *   waits for the publication instead of pointing at an unpublished index.
 * - A failed commit fails every waiter of the batch with STORE_FAILED, nothing is
 *   half-written, the in-memory tree is rebuilt from the store, and the log keeps
 *   serving. An INCONSISTENT/CORRUPT error is fatal: the log turns read-only.
 */
import type { Clock } from '../clock.js';
import { LogError, describeError, isLogError } from '../errors.js';
import { RightEdge } from '../merkle/index.js';
import type { CheckpointRow, LogStore } from '../storage/types.js';
import type { LogIdentity } from './identity.js';
import { batchTime, integrateBatch, type IntegrateResult, type PlannedBatch } from './integrate.js';
import { setPayload } from './set.js';
import type { LogSigner } from './signer.js';
import type { Sequenced, SequencerOptions, Submission } from './types.js';

interface Pending {
  readonly sub: Submission;
  /** When it was pooled (performance.now(), ms): batch ages count from the oldest pooled entry. */
  readonly at: number;
  readonly resolve: (s: Sequenced) => void;
  readonly reject: (e: unknown) => void;
  /** Waiters that submitted the same leaf while this one was pooled. */
  readonly twins: Array<{ resolve: (s: Sequenced) => void; reject: (e: unknown) => void }>;
}

export interface SequencerEvents {
  /** Called synchronously after each durable commit, before any waiter is answered. */
  onPublish(result: IntegrateResult): void;
  /** Called when the sequencer hits a fatal error and refuses further writes. */
  onFatal(reason: string): void;
  /** Called after a batch failed as a whole (not fatal). */
  onBatchFailed?(err: unknown, size: number): void;
}

export class Sequencer {
  readonly #store: LogStore;
  readonly #identity: LogIdentity;
  readonly #clock: Clock;
  readonly #opts: SequencerOptions;
  readonly #events: SequencerEvents;
  #edge: RightEdge;
  #published: CheckpointRow;
  #pool = new Map<string, Pending>();
  /** The batch in flight (being signed, committed or synced; empty otherwise), by hex leaf hash. */
  #inflight = new Map<string, Pending>();
  /** Settles when the batch in flight is committed or failed. */
  #running: Promise<void> | undefined;
  #signer: LogSigner | undefined;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #readOnly: string | undefined;
  #closed = false;

  constructor(
    store: LogStore,
    identity: LogIdentity,
    clock: Clock,
    edge: RightEdge,
    published: CheckpointRow,
    opts: SequencerOptions,
    events: SequencerEvents,
  ) {
    this.#store = store;
    this.#identity = identity;
    this.#clock = clock;
    this.#edge = edge;
    this.#published = published;
    this.#opts = opts;
    this.#events = events;
  }

  /**
   * Sign SETs with `signer` from the next batch on (undefined: on the event
   * loop, with the identity's key). Only used when signEntryTimestamps is on.
   */
  useSigner(signer: LogSigner | undefined): void {
    this.#signer = signer;
  }

  /** Number of entries waiting in the pool. */
  get poolSize(): number {
    return this.#pool.size;
  }

  /** Why writes are refused, or undefined when the log accepts writes. */
  get readOnlyReason(): string | undefined {
    return this.#readOnly;
  }

  /**
   * Queue a submission. Resolves once it is durably committed and published.
   * Rejects with DUPLICATE (details.existingIndex) when an equal entry is in the
   * log or gets committed from the pool first; POOL_FULL when the pool is full;
   * READ_ONLY after a fatal error; STORE_FAILED when its batch failed.
   */
  add(sub: Submission): Promise<Sequenced> {
    if (this.#readOnly !== undefined) return Promise.reject(new LogError('READ_ONLY', `the log refuses writes: ${this.#readOnly}`));
    if (this.#closed) return Promise.reject(new LogError('SHUTTING_DOWN', 'the log is shutting down'));
    const key = Buffer.from(sub.leafHash.buffer, sub.leafHash.byteOffset, sub.leafHash.byteLength).toString('hex');
    // The batch in flight first: its entries may be committed but not yet durable and published.
    const inflight = this.#inflight.get(key);
    const existing = inflight === undefined ? this.#store.indexOfLeafHash(sub.leafHash) : undefined;
    if (existing !== undefined) return Promise.reject(duplicate(existing));
    const pooled = inflight ?? this.#pool.get(key);
    if (pooled !== undefined) {
      // Same leaf already pooled: answer once the first one is committed, pointing at it.
      return new Promise<Sequenced>((resolve, reject) => pooled.twins.push({ resolve, reject })).then((s) => {
        throw duplicate(s.index);
      });
    }
    if (this.#pool.size >= this.#opts.poolMaxSize) {
      return Promise.reject(new LogError('POOL_FULL', `the pool holds ${this.#pool.size} entries; retry shortly`));
    }
    return new Promise<Sequenced>((resolve, reject) => {
      this.#pool.set(key, { sub, at: performance.now(), resolve, reject, twins: [] });
      this.#schedule();
    });
  }

  /** Sequence everything pooled now, batch by batch. Resolves when the pool is empty. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.#running !== undefined) {
        await this.#running;
        continue;
      }
      if (this.#pool.size === 0 || this.#readOnly !== undefined) return;
      await this.#runBatch();
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** Stop accepting writes, sequence what is pooled, stop timers. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    this.#clearTimers();
    for (const p of this.#pool.values()) p.reject(new LogError('SHUTTING_DOWN', 'the log shut down before sequencing this entry'));
    this.#pool.clear();
  }

  /**
   * Arrange the next flush: at once when the pool holds a full batch, else
   * when the oldest pooled entry will have waited batchMaxAgeMs (it may have
   * waited already, behind a batch in flight).
   */
  #schedule(): void {
    const oldest = this.#pool.values().next().value;
    const wait = oldest === undefined ? this.#opts.batchMaxAgeMs : oldest.at + this.#opts.batchMaxAgeMs - performance.now();
    if (this.#pool.size >= this.#opts.batchMaxSize || wait < 1) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      if (this.#immediate === undefined) this.#immediate = setImmediate(() => this.#tick());
    } else if (this.#timer === undefined && this.#immediate === undefined) {
      this.#timer = setTimeout(() => this.#tick(), wait);
    }
  }

  #clearTimers(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  #tick(): void {
    this.#clearTimers();
    if (this.#running !== undefined) return; // the batch in flight reschedules when it settles
    void this.#runBatch();
    if (this.#running === undefined && this.#pool.size > 0 && this.#readOnly === undefined) this.#schedule();
  }

  /**
   * Take up to batchMaxSize pooled entries and commit them as one batch:
   * synchronously when nothing is awaited, else once their SETs are signed
   * (with a signer), publishing once the store's sync() resolved. Never rejects.
   */
  #runBatch(): Promise<void> | undefined {
    if (this.#pool.size === 0) return undefined;
    const taken: Pending[] = [];
    const signer = this.#opts.signEntryTimestamps ? this.#signer : undefined;
    // Synchronous when nothing is awaited: no signer, and a store durable when appendBatch returns.
    const sync = signer === undefined && this.#store.sync === undefined;
    for (const [key, p] of this.#pool) {
      taken.push(p);
      this.#pool.delete(key);
      if (!sync) this.#inflight.set(key, p);
      if (taken.length >= this.#opts.batchMaxSize) break;
    }
    if (sync) {
      this.#commit(taken, undefined);
      return undefined;
    }
    let signed: Promise<PlannedBatch | undefined> = Promise.resolve(undefined);
    if (signer !== undefined) {
      const time = batchTime(this.#clock, this.#published);
      const integratedTime = Math.floor(time / 1000);
      const from = this.#published.size;
      const payloads = taken.map((p, i) => setPayload(p.sub.body, integratedTime, this.#identity.logId, from + i));
      signed = signer.sign(payloads).then((sets) => ({ time, sets }));
    }
    const running = signed
      .then(
        (planned) => this.#commitDurably(taken, planned),
        (err: unknown) => {
          this.#rejectAll(taken, new LogError('STORE_FAILED', `couldn't sign the entry timestamps of a batch of ${taken.length}: ${describeError(err)}`, { cause: err }));
          this.#events.onBatchFailed?.(err, taken.length);
        },
      )
      .finally(() => {
        this.#inflight.clear();
        this.#running = undefined;
        if (this.#pool.size > 0 && this.#readOnly === undefined && !this.#closed) this.#schedule();
      });
    this.#running = running;
    return running;
  }

  /** #commit, waiting for the store's sync before publishing (stores whose commits are durable only after sync()). */
  async #commitDurably(taken: readonly Pending[], planned: PlannedBatch | undefined): Promise<void> {
    const result = this.#integrate(taken, planned);
    if (result === undefined) return;
    try {
      await this.#store.sync?.();
    } catch (err) {
      // Committed, but maybe not on disk: never publish it, and refuse writes until a restart re-verifies the store.
      this.#rejectAll(taken, new LogError('STORE_FAILED', `couldn't make the batch durable: ${describeError(err)}`, { cause: err }));
      this.#events.onBatchFailed?.(err, taken.length);
      this.#enterReadOnly(`a committed batch could not be synced to disk (${describeError(err)}); restart to re-verify the store`);
      return;
    }
    this.#publish(taken, result);
  }

  /** Integrate and commit `taken` (with its planned time and SETs, if signed ahead), publish, answer. */
  #commit(taken: readonly Pending[], planned: PlannedBatch | undefined): void {
    const result = this.#integrate(taken, planned);
    if (result !== undefined) this.#publish(taken, result);
  }

  /** integrateBatch on `taken`; on failure the batch's waiters are failed and undefined is returned. */
  #integrate(taken: readonly Pending[], planned: PlannedBatch | undefined): IntegrateResult | undefined {
    if (this.#readOnly !== undefined) {
      this.#rejectAll(taken, new LogError('READ_ONLY', `the log refuses writes: ${this.#readOnly}`));
      return undefined;
    }
    let result: IntegrateResult;
    try {
      result = integrateBatch(
        this.#store,
        this.#identity,
        this.#clock,
        this.#edge,
        this.#published,
        taken.map((p) => p.sub),
        this.#opts.signEntryTimestamps,
        planned,
      );
    } catch (err) {
      this.#failBatch(taken, err);
      return undefined;
    }
    return result;
  }

  /** Publish a durable batch and answer its waiters. */
  #publish(taken: readonly Pending[], result: IntegrateResult): void {
    this.#inflight.clear(); // from here on the store answers for them (a twin added later would never be answered)
    this.#published = result.checkpoint;
    this.#events.onPublish(result);
    for (let i = 0; i < taken.length; i++) {
      const p = taken[i]!;
      const e = result.entries[i]!;
      const answer: Sequenced = { index: e.index, integratedTime: e.integratedTime, set: e.set, checkpoint: result.checkpoint };
      p.resolve(answer);
      for (const t of p.twins) t.resolve(answer);
    }
  }

  /** Fail every waiter of `taken` (and their twins) with `err`; the batch leaves the in-flight set. */
  #rejectAll(taken: Iterable<Pending>, err: unknown): void {
    this.#inflight.clear();
    for (const p of taken) {
      p.reject(err);
      for (const t of p.twins) t.reject(err);
    }
  }

  #failBatch(taken: readonly Pending[], err: unknown): void {
    const fatal = isLogError(err, 'INCONSISTENT') || isLogError(err, 'CORRUPT');
    const answer = fatal
      ? new LogError('READ_ONLY', `the log refuses writes: ${describeError(err)}`, { cause: err })
      : isLogError(err, 'STORE_FAILED')
        ? err
        : new LogError('STORE_FAILED', `couldn't sequence batch: ${describeError(err)}`, { cause: err });
    this.#rejectAll(taken, answer);
    if (fatal) {
      this.#enterReadOnly(describeError(err));
      return;
    }
    this.#events.onBatchFailed?.(err, taken.length);
    // The edge advanced in memory; rebuild it from what is durably stored.
    try {
      // A commit that reported failure yet left its batch in the store cannot be
      // undone, nor trusted to be durable: refuse writes until a restart re-verifies
      // the store (as Sunlight does when it cannot tell whether a checkpoint was persisted).
      const stored = this.#store.latestCheckpoint()?.size;
      if (stored !== this.#published.size) {
        this.#enterReadOnly(`a failed commit left the store at size ${stored}, not the published ${this.#published.size}; restart to re-verify it`);
        return;
      }
      this.#edge = RightEdge.fromTiles(this.#published.size, (l, i) => this.#store.tile(l, i));
    } catch (rebuildErr) {
      this.#enterReadOnly(`couldn't rebuild the tree after a failed commit: ${describeError(rebuildErr)}`);
    }
  }

  #enterReadOnly(reason: string): void {
    this.#readOnly = reason;
    this.#clearTimers();
    this.#rejectAll(this.#pool.values(), new LogError('READ_ONLY', `the log refuses writes: ${reason}`));
    this.#pool.clear();
    this.#events.onFatal(reason);
  }
}

function duplicate(existingIndex: number): LogError<'DUPLICATE'> {
  return new LogError('DUPLICATE', `an equivalent entry already exists in the log at index ${existingIndex}`, {
    details: { existingIndex },
  });
}
