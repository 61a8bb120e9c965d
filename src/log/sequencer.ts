/**
 * The sequencer: the pool, dedup and scheduling (docs/ARCHITECTURE.md "The write path",
 * step 2). It takes batches and hands them to the commit routine
 * (commit.ts), which does everything else.
 *
 * - add() never does CPU-heavy work: admission already verified and hashed the entry.
 * - Dedup by leaf hash in three places, in this order: the batches in flight
 *   (taken, maybe committed, not yet published: a twin waits for the
 *   publication rather than pointing at an unpublished index), the store
 *   (published entries), the pool.
 * - A batch is taken when the pool holds batchMaxSize entries or its oldest
 *   entry has waited batchMaxAgeMs, fewer than pipelineDepth batches are in
 *   flight, and none of them is still before its commit: batch N+1 is taken
 *   while batch N awaits durability, not while N is being signed, so that
 *   under load the pool fills while N is signed and batches stay large (each
 *   batch costs a transaction, a checkpoint and an fdatasync).
 * - Futures resolve only once their batch is durable and published (commit.ts).
 */
import { LogError } from '../errors.js';
import type { AsyncLogStore } from '../storage/index.js';
import type { BatchWaiter, Committer } from './commit.js';
import type { LogState } from './state.js';
import type { Sequenced, SequencerOptions, Submission } from './types.js';

/** Batches in flight at once unless set: one awaiting durability while the next is signed and committed. */
export const DEFAULT_PIPELINE_DEPTH = 2;

/** Entries answered whose leaf hashes add() still checks after a store lookup (see add()). */
const RECENT_MAX = 4096;

interface Twin {
  readonly resolve: (s: Sequenced) => void;
  readonly reject: (e: unknown) => void;
}

/** A pooled entry: its submitter, and those who submitted the same leaf while it waited. */
interface Pending extends BatchWaiter {
  readonly key: string;
  /** When it was pooled (performance.now(), ms): batch ages count from the oldest pooled entry. */
  readonly at: number;
  readonly twins: Twin[];
}

export class Sequencer {
  readonly #store: Pick<AsyncLogStore, 'indexOfLeafHash'>;
  #state: LogState;
  #committer: Committer;
  /** Set by pause(): no batch is taken until resume(); submissions keep pooling. */
  #paused = false;
  readonly #opts: SequencerOptions;
  readonly #depth: number;
  #pool = new Map<string, Pending>();
  /** Entries of the batches in flight, by hex leaf hash, until published or failed. */
  readonly #inflight = new Map<string, Pending>();
  /**
   * Leaf hashes (hex) of the last entries answered, with their indices, and
   * how many entries were answered since start: a store lookup that was under
   * way while an entry was published may have missed it (see add()).
   */
  readonly #recent = new Map<string, number>();
  #answered = 0;
  /** Store lookups of add() under way: flush() waits for them (an add() called before flush() is sequenced by it). */
  readonly #lookups = new Set<Promise<unknown>>();
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(store: Pick<AsyncLogStore, 'indexOfLeafHash'>, state: LogState, committer: Committer, opts: SequencerOptions) {
    this.#store = store;
    this.#state = state;
    this.#committer = committer;
    this.#opts = opts;
    this.#depth = Math.max(1, opts.pipelineDepth ?? DEFAULT_PIPELINE_DEPTH);
    committer.onProgress(() => this.#afterProgress(committer));
  }

  /** Number of entries waiting in the pool. */
  get poolSize(): number {
    return this.#pool.size;
  }

  /**
   * Queue a submission. Resolves once it is durably committed and published.
   * Rejects with DUPLICATE (details.existingIndex) when an equal entry is in the
   * log or gets committed from the pool first; POOL_FULL when the pool is full;
   * READ_ONLY once writes are refused; STORE_FAILED when its batch failed or
   * the store could not be asked whether the entry is in the log.
   *
   * The store lookup is asynchronous: an entry of a batch in flight may be
   * published, and leave the in-flight set, while it is under way, and the
   * lookup may have read the store before that batch committed. So the
   * entries answered meanwhile are looked up too (the last RECENT_MAX are
   * kept); after more than that, the store is asked again.
   */
  async add(sub: Submission): Promise<Sequenced> {
    const key = Buffer.from(sub.leafHash.buffer, sub.leafHash.byteOffset, sub.leafHash.byteLength).toString('hex');
    for (;;) {
      this.#refuseIfClosed();
      const known = this.#known(key);
      if (known !== undefined) return known;
      const answered = this.#answered;
      const lookup = this.#store.indexOfLeafHash(sub.leafHash);
      this.#lookups.add(lookup);
      let existing: number | undefined;
      try {
        existing = await lookup;
      } finally {
        this.#lookups.delete(lookup);
      }
      this.#refuseIfClosed();
      const after = this.#known(key); // taken or pooled while the store answered: wait for it
      if (after !== undefined) return after;
      if (existing !== undefined) throw duplicate(existing);
      if (this.#answered - answered > RECENT_MAX) continue; // too many answered meanwhile to tell: ask the store again
      const recent = this.#answered === answered ? undefined : this.#recent.get(key);
      if (recent !== undefined) throw duplicate(recent);
      return this.#enqueue(key, sub);
    }
  }

  #refuseIfClosed(): void {
    const refused = this.#state.readOnly;
    if (refused !== undefined) throw new LogError('READ_ONLY', `the log refuses writes: ${refused}`);
    if (this.#closed) throw new LogError('SHUTTING_DOWN', 'the log is shutting down');
    const unreachable = this.#committer.unreachable;
    if (unreachable !== undefined) throw unreachableError(unreachable);
  }

  /** When the same leaf is pooled or in flight: a promise answered once that one is published, pointing at it. */
  #known(key: string): Promise<never> | undefined {
    const pooled = this.#inflight.get(key) ?? this.#pool.get(key);
    if (pooled === undefined) return undefined;
    return new Promise<Sequenced>((resolve, reject) => pooled.twins.push({ resolve, reject })).then((s) => {
      throw duplicate(s.index);
    });
  }

  /** Pool a new entry (its leaf is nowhere in the log, the pool or the batches in flight). */
  #enqueue(key: string, sub: Submission): Promise<Sequenced> {
    if (this.#pool.size >= this.#opts.poolMaxSize) {
      return Promise.reject(new LogError('POOL_FULL', `the pool holds ${this.#pool.size} entries; retry shortly`));
    }
    return new Promise<Sequenced>((resolve, reject) => {
      const twins: Twin[] = [];
      const done = (): void => void this.#inflight.delete(key);
      const answered = (index: number): void => {
        this.#answered++;
        this.#recent.set(key, index);
        if (this.#recent.size > RECENT_MAX) this.#recent.delete(this.#recent.keys().next().value as string);
      };
      this.#pool.set(key, {
        key,
        sub,
        at: performance.now(),
        twins,
        answer(s) {
          answered(s.index);
          done();
          resolve(s);
          for (const t of twins) t.resolve(s);
        },
        fail(err) {
          done();
          reject(err);
          for (const t of twins) t.reject(err);
        },
      });
      this.#schedule();
    });
  }

  /**
   * Sequence everything pooled now, batch by batch. Resolves when the pool is
   * empty and nothing is in flight (or, while paused, once nothing is in flight).
   */
  async flush(): Promise<void> {
    for (;;) {
      while (this.#canTake()) this.#take();
      if (this.#lookups.size > 0) {
        await Promise.allSettled([...this.#lookups]);
        await new Promise((resolve) => setImmediate(resolve)); // the adds behind them pool their entries
        continue;
      }
      if (this.#committer.idleNow && (this.#pool.size === 0 || !this.#committer.ready || this.#paused)) return;
      await this.#committer.idle();
    }
  }

  /**
   * Stop taking batches and resolve once none is in flight: every batch taken
   * is then published or failed. Submissions keep arriving in the pool (up to
   * poolMaxSize), deduplicated as always, until {@link resume}. For a rotation:
   * the tree changes between two batches, never under one.
   */
  async pause(): Promise<void> {
    this.#paused = true;
    this.#clearTimers();
    await this.#committer.idle();
  }

  /**
   * Take batches again; with `next`, into a new tree: its state and committer
   * replace the current ones (which MUST be idle, as after pause()).
   */
  resume(next?: { readonly state: LogState; readonly committer: Committer }): void {
    if (next !== undefined) this.use(next);
    this.#paused = false;
    if (!this.#closed) this.#schedule();
  }

  /**
   * Sequence into a new tree from the next batch on, without resuming: its
   * state and committer replace the current ones, which MUST be idle (paused,
   * as a node that follows another's rotation is).
   */
  use(next: { readonly state: LogState; readonly committer: Committer }): void {
    this.#state = next.state;
    this.#committer = next.committer;
    next.committer.onProgress(() => this.#afterProgress(next.committer));
  }

  /** Stop accepting writes, sequence what is pooled, stop timers. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    this.#clearTimers();
    this.rejectPool(new LogError('SHUTTING_DOWN', 'the log shut down before sequencing this entry'));
  }

  /** Fail every pooled entry with `err` (the log stopped writing or shut down). */
  rejectPool(err: LogError): void {
    const pooled = [...this.#pool.values()];
    this.#pool.clear();
    for (const p of pooled) p.fail(err);
  }

  /**
   * Arrange the next batch: at once when the pool holds a full batch, else
   * when the oldest pooled entry will have waited batchMaxAgeMs (it may have
   * waited already, behind batches in flight).
   */
  #schedule(): void {
    if (!this.#canTake()) return;
    const oldest = this.#pool.values().next().value as Pending;
    const wait = oldest.at + this.#opts.batchMaxAgeMs - performance.now();
    if (this.#pool.size >= this.#opts.batchMaxSize || wait < 1) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#immediate ??= setImmediate(() => this.#tick());
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
    if (this.#canTake()) this.#take();
    this.#schedule();
  }

  /** Whether a batch may be taken now (see the header). */
  #canTake(): boolean {
    const c = this.#committer;
    return !this.#paused && this.#pool.size > 0 && c.ready && c.inFlight < this.#depth && c.preparing === 0;
  }

  /** A batch of `from` committed or settled: stop on a refusal, else the next batch may be due. */
  #afterProgress(from: Committer): void {
    if (from !== this.#committer) return; // a tree frozen since
    const refused = this.#state.readOnly;
    const unreachable = from.unreachable;
    if (refused !== undefined) {
      this.#clearTimers();
      this.rejectPool(new LogError('READ_ONLY', `the log refuses writes: ${refused}`));
    } else if (unreachable !== undefined) {
      this.#clearTimers();
      this.rejectPool(unreachableError(unreachable)); // held entries would wait for as long as the store is away
    } else if (!this.#closed) this.#schedule();
  }

  /** Take up to batchMaxSize pooled entries as one batch and start its commit; reschedule when it settles. */
  #take(): void {
    const batch: Pending[] = [];
    for (const [key, p] of this.#pool) {
      batch.push(p);
      this.#pool.delete(key);
      this.#inflight.set(key, p);
      if (batch.length >= this.#opts.batchMaxSize) break;
    }
    void this.#committer.commit(batch);
  }
}

/** What a submission is told while the store cannot be reached: retry later (503). */
function unreachableError(why: string): LogError<'STORE_FAILED'> {
  return new LogError('STORE_FAILED', `the log's store cannot be reached now; retry shortly: ${why}`);
}

function duplicate(existingIndex: number): LogError<'DUPLICATE'> {
  return new LogError('DUPLICATE', `an equivalent entry already exists in the log at index ${existingIndex}`, {
    details: { existingIndex },
  });
}
