/**
 * Collecting witness cosignatures for published checkpoints
 * (c2sp.org/tlog-witness, log side).
 *
 * - Off the write path: the publish listener only records the latest
 *   checkpoint and schedules a wake-up of the workers (setImmediate, after
 *   the batch's submitters are answered). Nothing here is ever awaited by the
 *   sequencer or by a submitter.
 * - One worker per witness, one request in flight per witness. Coalescing:
 *   a worker always submits the LATEST published checkpoint, so checkpoints
 *   published while a request was in flight or while the witness was down
 *   are skipped (each cosignature vouches for every smaller size anyway).
 * - At most one submission per witness per `minIntervalMs` (default 1 s).
 * - A failing witness is retried with exponential backoff, doubling from
 *   `backoffInitialMs` up to `backoffMaxMs`; publications do not cut a
 *   backoff short. Failures show in `status()` and in `onEvent`.
 * - Returned cosignatures are verified with the witness's key before they
 *   are attached (LogService.attachCosignature verifies again and stores).
 * - After a rotation (a new tree: a new checkpoint origin) a worker starts
 *   over for the new tree: it submits its checkpoints from size 0. A witness
 *   told about the new origin cosigns them; one that is not answers 404 for
 *   the unknown origin, which shows as a failure in `status()`.
 */
import type { Clock } from '../clock.js';
import { describeError, isLogError } from '../errors.js';
import type { NoteVerifier } from '../note/index.js';
import type { CheckpointRow } from '../storage/types.js';
import type { LogService } from './service.js';
import { exchange, fetchTransport, type WitnessTransport } from './witness-submit.js';

/** A witness the log submits its checkpoints to. */
export interface WitnessEndpoint {
  /** Submission prefix: requests go to `<url>/add-checkpoint`. */
  readonly url: string;
  /** The witness's verifier key (parseVkey: type 0x04 cosignatures, or 0x01). Its name names the witness. */
  readonly verifier: NoteVerifier;
}

export interface WitnessCollectorOptions {
  /** First retry delay after a failure, ms (default 1,000). */
  readonly backoffInitialMs?: number;
  /** Longest retry delay, ms (default 60,000). */
  readonly backoffMaxMs?: number;
  /** Per-request timeout, ms (default 10,000). */
  readonly requestTimeoutMs?: number;
  /**
   * Least time between the starts of two successful submissions to one
   * witness, ms (default 1,000; 0: none). Under continuous writes this bounds
   * each witness's load and the cosignature writes to one per interval; after
   * a quiet period a new checkpoint is still submitted at once.
   */
  readonly minIntervalMs?: number;
  /** How requests are sent (default: global fetch). */
  readonly transport?: WitnessTransport;
  /** Source of the times in status() and event durations. */
  readonly clock: Clock;
  /** Told about every cosignature, conflict and failure (for structured logs). */
  readonly onEvent?: (event: WitnessEvent) => void;
}

export type WitnessEvent =
  | { readonly type: 'request'; readonly witness: string; readonly oldSize: number; readonly size: number }
  | { readonly type: 'cosigned'; readonly witness: string; readonly size: number; readonly ms: number }
  | { readonly type: 'conflict'; readonly witness: string; readonly witnessSize: number }
  /** The log rotated: the worker submits the new tree's checkpoints from size 0. */
  | { readonly type: 'rotated'; readonly witness: string; readonly treeId: string }
  | { readonly type: 'failed'; readonly witness: string; readonly size: number; readonly error: string; readonly code: string | undefined; readonly failures: number; readonly retryInMs: number };

/** One witness's state, for /metrics and logs. */
export interface WitnessStatus {
  readonly name: string;
  readonly url: string;
  /** Largest checkpoint size this witness's cosignature was attached to, since start. */
  readonly cosignedSize: number | undefined;
  /** The size the witness is believed to have cosigned (the next request's `old`). */
  readonly witnessSize: number;
  readonly consecutiveFailures: number;
  readonly lastError: string | undefined;
  /** Clock time (ms) of the last cosignature. */
  readonly lastSuccessMs: number | undefined;
  readonly cosignatures: number;
  readonly conflicts: number;
  readonly failures: number;
}

interface Worker {
  readonly endpoint: WitnessEndpoint;
  /** The tree (tree ID) the worker's sizes are about. */
  treeId: string;
  status: { -readonly [K in keyof WitnessStatus]: WitnessStatus[K] };
  wake: (() => void) | undefined;
  abort: AbortController;
  done: Promise<void>;
}

export class WitnessCollector {
  readonly #log: LogService;
  readonly #opts: Required<Omit<WitnessCollectorOptions, 'onEvent'>> & Pick<WitnessCollectorOptions, 'onEvent'>;
  readonly #workers: Worker[] = [];
  readonly #waiters: Array<{ name: string; size: number; resolve: () => void }> = [];
  #latest: CheckpointRow;
  #wakeScheduled: NodeJS.Immediate | undefined;
  #closed = false;

  /** Starts one worker per endpoint right away; they submit the latest checkpoint first. */
  constructor(log: LogService, endpoints: readonly WitnessEndpoint[], opts: WitnessCollectorOptions) {
    this.#log = log;
    this.#opts = {
      backoffInitialMs: opts.backoffInitialMs ?? 1_000,
      backoffMaxMs: opts.backoffMaxMs ?? 60_000,
      requestTimeoutMs: opts.requestTimeoutMs ?? 10_000,
      minIntervalMs: opts.minIntervalMs ?? 1_000,
      transport: opts.transport ?? fetchTransport,
      clock: opts.clock,
      onEvent: opts.onEvent,
    };
    this.#latest = log.reader.latest();
    log.onPublish((result) => {
      this.#latest = result.checkpoint;
      // Wake the workers on a later turn of the event loop: the batch's
      // submitters are answered first, and several publications coalesce.
      this.#wakeScheduled ??= setImmediate(() => {
        this.#wakeScheduled = undefined;
        for (const w of this.#workers) w.wake?.();
      });
    });
    for (const endpoint of endpoints) {
      const w: Worker = {
        endpoint,
        status: {
          name: endpoint.verifier.name, url: endpoint.url, cosignedSize: undefined, witnessSize: 0, consecutiveFailures: 0,
          lastError: undefined, lastSuccessMs: undefined, cosignatures: 0, conflicts: 0, failures: 0,
        },
        treeId: log.identity.treeId,
        wake: undefined,
        abort: new AbortController(),
        done: Promise.resolve(),
      };
      this.#workers.push(w);
      w.done = this.#run(w);
    }
  }

  /** A snapshot of every witness's state. */
  status(): WitnessStatus[] {
    return this.#workers.map((w) => ({ ...w.status }));
  }

  /**
   * Resolves once witness `name` (its key name) has cosigned a checkpoint of
   * size ≥ `size` (immediately if it already has). For tests and tools.
   */
  whenCosigned(name: string, size: number): Promise<void> {
    const w = this.#workers.find((x) => x.status.name === name);
    if (w !== undefined && (w.status.cosignedSize ?? -1) >= size) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ name, size, resolve }));
  }

  /** Stops every worker: aborts requests in flight and cuts backoffs short. Resolves when all have stopped. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#wakeScheduled !== undefined) clearImmediate(this.#wakeScheduled);
    for (const w of this.#workers) {
      w.abort.abort();
      w.wake?.();
    }
    await Promise.all(this.#workers.map((w) => w.done));
  }

  async #run(w: Worker): Promise<void> {
    while (!this.#closed) {
      const tree = this.#log.identity.treeId;
      if (w.treeId !== tree) {
        // A rotation: the sizes known so far are the frozen tree's; the new tree's start at 0.
        w.treeId = tree;
        w.status.cosignedSize = undefined;
        w.status.witnessSize = 0;
        w.status.consecutiveFailures = 0;
        this.#opts.onEvent?.({ type: 'rotated', witness: w.status.name, treeId: tree });
      }
      const target = this.#latest;
      if (!target.note.startsWith(`${this.#log.identity.origin}\n`) || (w.status.cosignedSize ?? -1) >= target.size) {
        // Up to date, or the latest publication is still the frozen tree's: wait for the new tree's first.
        await this.#sleep(w, undefined);
        continue;
      }
      const started = performance.now();
      try {
        await this.#submit(w, target);
        const wait = this.#opts.minIntervalMs - (performance.now() - started);
        if (wait > 0) await this.#sleep(w, wait);
      } catch (err) {
        if (this.#closed) break;
        const s = w.status;
        s.consecutiveFailures++;
        s.failures++;
        s.lastError = describeError(err);
        const retryInMs = Math.min(this.#opts.backoffMaxMs, this.#opts.backoffInitialMs * 2 ** Math.min(30, s.consecutiveFailures - 1));
        const code = isLogError(err) ? err.code : undefined;
        this.#opts.onEvent?.({ type: 'failed', witness: s.name, size: target.size, error: s.lastError, code, failures: s.consecutiveFailures, retryInMs });
        await this.#sleep(w, retryInMs);
      }
    }
  }

  async #submit(w: Worker, target: CheckpointRow): Promise<void> {
    const s = w.status;
    const started = this.#opts.clock.now();
    const signal = AbortSignal.any([w.abort.signal, AbortSignal.timeout(this.#opts.requestTimeoutMs)]);
    this.#opts.onEvent?.({ type: 'request', witness: s.name, oldSize: s.witnessSize, size: target.size });
    const result = await exchange(this.#log.reader, w.endpoint.url, w.endpoint.verifier, target, s.witnessSize, this.#opts.transport, signal, (size) => {
      s.witnessSize = size;
      s.conflicts++;
      this.#opts.onEvent?.({ type: 'conflict', witness: s.name, witnessSize: size });
    });
    for (const line of result.lines) await this.#log.attachCosignature(target.size, w.endpoint.verifier, line.line);
    s.witnessSize = target.size;
    s.cosignedSize = target.size;
    s.consecutiveFailures = 0;
    s.lastError = undefined;
    s.cosignatures++;
    s.lastSuccessMs = this.#opts.clock.now();
    this.#opts.onEvent?.({ type: 'cosigned', witness: s.name, size: target.size, ms: s.lastSuccessMs - started });
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i]!;
      if (waiter.name === s.name && waiter.size <= target.size) {
        this.#waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  /** Waits for a publication (ms undefined) or for `ms` (publications ignored), or until close. */
  #sleep(w: Worker, ms: number | undefined): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        w.wake = undefined;
        resolve();
      };
      if (ms === undefined) w.wake = done;
      else {
        timer = setTimeout(done, ms);
        timer.unref();
        w.wake = () => {
          if (this.#closed) done();
        };
      }
    });
  }
}
