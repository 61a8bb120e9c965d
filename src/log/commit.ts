/**
 * The commit protocol (docs/ARCHITECTURE.md "The write path"): one routine,
 * `Committer.commit`, that takes a batch from the sequencer and reads top to
 * bottom: fix its indices and time, extend the right edge, sign its SETs and
 * checkpoint, one transaction, await durability, publish, answer. The
 * crash-safety invariant holds at every step and is stated there.
 *
 * Pipelining: batches run this routine concurrently, up to the sequencer's
 * pipeline depth. While batch N awaits durability (its WAL fdatasync, off the
 * event loop), batch N+1 may be signed and committed. Order is kept by two
 * promises per batch (a Turn): a transaction waits for the one before it to
 * be committed, a publication for the one before it to be published. So
 * - transactions go in index order, each a compare-and-swap on the size the
 *   one before it left;
 * - publications and answers go strictly in order;
 * - a batch whose sync fails is never published, nor is any batch after it:
 *   the log stops writing (a restart re-verifies the store);
 * - a batch that fails before its transaction (signing, the transaction
 *   itself) fails every batch taken after it, whose indices assumed it; once
 *   none is in flight, the edge is rebuilt from the store.
 *
 * Errors: a FatalError (Sunlight's errFatal) means "stop writing"; any other
 * error means "fail this batch" and the log keeps serving.
 */
import type { Clock } from '../clock.js';
import { LogError, describeError, isLogError } from '../errors.js';
import { RightEdge } from '../merkle/index.js';
import { formatCheckpoint } from '../note/index.js';
import type { AsyncLogStore } from '../storage/index.js';
import type { Batch, CheckpointRow, SearchKey, StoredEntry } from '../storage/types.js';
import { checkpointNote } from './checkpoint-note.js';
import { readEdge } from './edge.js';
import type { LogIdentity } from './identity.js';
import { setPayload } from './set.js';
import type { LogSigned, LogSigner } from './signer.js';
import type { LogState } from './state.js';
import type { Sequenced, Submission } from './types.js';

/** One entry of a batch and how to answer its submitter(s). */
export interface BatchWaiter {
  readonly sub: Submission;
  /** When it was pooled (performance.now(), ms), if known: the batch's pool step counts from its oldest entry. */
  readonly at?: number;
  /** The entry is durable and published. Called once, in index order. */
  answer(result: Sequenced): void;
  /** The entry was not committed, or will never be published. Called once. */
  fail(err: LogError): void;
}

/** An error after which the log MUST stop writing: the store may hold what was never published, or disagrees with the log. */
export class FatalError extends Error {
  /** What the batch's submitters are told. */
  readonly answer: LogError;
  constructor(reason: string, answer: LogError) {
    super(reason, { cause: answer });
    this.answer = answer;
  }
}

/** A batch's place in the pipeline: whether it committed, and whether it was published. */
interface Turn {
  readonly committed: Promise<boolean>;
  readonly published: Promise<boolean>;
  commit(ok: boolean): void;
  publish(ok: boolean): void;
}

export class Committer {
  readonly #store: AsyncLogStore;
  readonly #identity: LogIdentity;
  /** Global index of the tree's first entry: entry i of the tree is log entry firstIndex + i. */
  readonly #firstIndex: number;
  readonly #clock: Clock;
  readonly #state: LogState;
  readonly #signEntryTimestamps: boolean;
  #signer: LogSigner;
  /** The tree after the last batch taken (published, or still in flight). */
  #edge: RightEdge;
  /** Size and time of that tree: the next batch starts at this index, no earlier than this time. */
  #tip: { size: number; time: number };
  /** The last batch taken: the next one commits after it and publishes after it. */
  #last: Turn = settledTurn();
  #inFlight = 0;
  /** Batches taken and not yet committed (steps 1–5). */
  #preparing = 0;
  #listeners: Array<() => void> = [];
  /** A batch failed before its transaction: batches taken after it fail; the edge is rebuilt once none is in flight. */
  #broken = false;
  /**
   * A batch was refused because this process no longer holds the sequencer
   * lease (NOT_SEQUENCER: another node sequences). Nothing is taken until
   * resync(), which rebuilds the edge from the store: the store moving on
   * without this process is expected then, not damage.
   */
  #fenced = false;
  /** The edge is being rebuilt from the store (after a failed batch, or to follow batches another writer published). */
  #rebuilding: Promise<void> | undefined;
  /**
   * A batch whose commit failed with an unknown outcome (the connection died
   * during COMMIT) and the size it followed: the rebuild publishes it if the
   * store shows it committed, right after the published tree.
   */
  #uncertain: { readonly from: number; readonly batch: Batch } | undefined;
  /** Why the store cannot be reached, while a rebuild waits to be tried again (STORE_FAILED); undefined otherwise. */
  #unreachable: string | undefined;
  /** The next rebuild attempt while the store cannot be reached. */
  #retry: NodeJS.Timeout | undefined;
  /** The wait before that attempt (ms): doubled at each attempt that fails, forgotten once one succeeds. */
  #retryWaitMs: number | undefined;
  /**
   * Counts {@link standDown} and {@link resync} calls: a rebuild started
   * before the latest of them is superseded and changes nothing when it
   * finishes (the published checkpoint it compared the store with may have
   * been replaced by one another node published meanwhile).
   */
  #generation = 0;
  #idle: Array<() => void> = [];

  constructor(
    store: AsyncLogStore,
    identity: LogIdentity,
    clock: Clock,
    state: LogState,
    edge: RightEdge,
    signer: LogSigner,
    signEntryTimestamps: boolean,
    firstIndex = 0,
  ) {
    this.#store = store;
    this.#identity = identity;
    this.#firstIndex = firstIndex;
    this.#clock = clock;
    this.#state = state;
    this.#edge = edge;
    this.#signer = signer;
    this.#signEntryTimestamps = signEntryTimestamps;
    this.#tip = { size: state.published.size, time: state.published.time };
  }

  /** Sign with `signer` from the next batch on. */
  useSigner(signer: LogSigner): void {
    this.#signer = signer;
  }

  /** Batches taken and not yet published or failed. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Batches taken and not yet committed: being signed, or waiting for the batch before to commit. */
  get preparing(): number {
    return this.#preparing;
  }

  /** Call `listener` whenever a batch was committed or settled (the sequencer may then take the next). */
  onProgress(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** Whether a batch may be taken now: writes are accepted, no failed batch is still being unwound, and the store did not fence this process off. */
  get ready(): boolean {
    return !this.#broken && !this.#fenced && this.#rebuilding === undefined && this.#state.readOnly === undefined;
  }

  /**
   * Why the store cannot be reached (a rebuild of the edge after a failed
   * batch got STORE_FAILED and is retried every few seconds), or undefined.
   * Meanwhile no batch is taken and submissions are refused at once (503).
   */
  get unreachable(): string | undefined {
    return this.#unreachable;
  }

  /** Whether nothing is in flight and no rebuild of the edge is under way. */
  get idleNow(): boolean {
    return this.#inFlight === 0 && this.#rebuilding === undefined;
  }

  /** Resolves once no batch is in flight and the edge is not being rebuilt (at once if so). */
  idle(): Promise<void> {
    return this.idleNow ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Take the tree from the published checkpoint again: the edge and the next
   * batch's size and time are rebuilt from the store at `state.published`
   * (which the caller moved to a checkpoint another writer published). MUST
   * be called while idle (no batch in flight); batches wait until it is done.
   * Rejects with the store's error when it cannot be read; no batch is then
   * taken until a resync succeeds (it also ends a fence: see #fenced). A
   * rebuild after a failed batch, pending or under way, is superseded: it
   * would compare the store with the checkpoint published before.
   */
  async resync(): Promise<void> {
    if (this.#inFlight > 0) throw new LogError('INTERNAL', "couldn't resync the committer: batches are in flight");
    this.#generation++;
    this.#cancelRetry();
    // A rebuild still running (after a failed batch) is superseded: it changes nothing once it finishes.
    while (this.#rebuilding !== undefined) await this.#rebuilding.catch(() => undefined);
    return this.#startRebuild(false);
  }

  /**
   * Another process sequences now (this log stands by, the batches it had in
   * flight settled): a rebuild after a failed batch, pending or under way, is
   * abandoned rather than compared with a store that another node moves on,
   * and the store is no longer reported unreachable on its account. Nothing
   * is taken until {@link resync}, which rebuilds the edge at the checkpoint
   * this log then publishes.
   */
  standDown(): void {
    this.#generation++;
    this.#cancelRetry();
    this.#retryWaitMs = undefined;
    this.#unreachable = undefined;
  }

  #cancelRetry(): void {
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  /**
   * Commit one batch of ≥ 1 entries, taken now. Resolves once every waiter
   * was answered or failed; never rejects. MUST only be called while `ready`.
   */
  async commit(waiters: readonly BatchWaiter[]): Promise<void> {
    const previous = this.#last;
    const turn = newTurn();
    this.#last = turn;
    this.#inFlight++;
    this.#preparing++;
    let preparing = true;
    const committed = (): void => {
      if (!preparing) return;
      preparing = false;
      this.#preparing--;
      for (const l of this.#listeners) l();
    };
    const t0 = performance.now();
    const mark = { signed: t0, ordered: t0, committed: t0, synced: t0 };
    try {
      // 1. Fix indices and time. Indices are dense after the last batch taken (published or in flight); the time is now,
      //    but never before that batch's: checkpoint times never go backwards, even if the clock does. Nobody outside
      //    this process has seen anything of this batch; the SET payloads are made once, here.
      const subs = waiters.map((w) => w.sub);
      const from = this.#tip.size;
      const time = Math.max(this.#clock.now(), this.#tip.time);
      const integratedTime = Math.floor(time / 1000);
      const { logId, origin } = this.#identity;
      const first = this.#firstIndex + from; // global index of the batch's first entry (SETs carry global indices, as Rekor's)
      const payloads = this.#signEntryTimestamps ? subs.map((s, i) => setPayload(s.body, integratedTime, logId, first + i)) : [];

      // 2. Append to the right edge in memory: the new root and changed tiles. From here until the transaction the edge is
      //    ahead of the store; should this batch fail before committing, so does every batch taken after it (step 4), and
      //    the edge is rebuilt from the store once none is in flight.
      const grown = this.#edge.append(subs.map((s) => s.leafHash));
      if (grown.size !== from + subs.length) throw stop(`the tree grew to ${grown.size}, not ${from + subs.length}`);
      this.#tip = { size: grown.size, time };
      const text = formatCheckpoint({ origin, size: grown.size, root: grown.root });

      // 3. Sign the SETs and the checkpoint, maybe off the event loop and alongside the batch before. Nothing is
      //    written yet: a failure here fails this batch (and those after it), not the log.
      const sigs = await this.#sign(payloads, Buffer.from(text), subs.length);
      mark.signed = performance.now();
      const checkpoint: CheckpointRow = { size: grown.size, root: grown.root, time, note: checkpointNote(this.#identity, text, sigs.checkpoint) };
      const entries: StoredEntry[] = new Array(subs.length);
      const searchKeys: SearchKey[] = [];
      const empty = new Uint8Array(0);
      subs.forEach((s, i) => {
        entries[i] = { index: first + i, leafHash: s.leafHash, body: s.body, kind: s.kind, integratedTime, set: this.#signEntryTimestamps ? sigs.sets[i]! : empty };
        for (const key of s.searchKeys) searchKeys.push({ key, index: first + i });
      });
      const batch: Batch = { entries, searchKeys, tiles: grown.tiles, checkpoint };

      // 4. Wait for the batch before to be committed: transactions go in index order. If it failed, this batch's indices
      //    assumed entries that do not exist: fail it too. Still nothing written.
      if (!(await previous.committed)) throw new LogError('STORE_FAILED', `couldn't commit a batch of ${subs.length}: the batch before it failed`);
      await this.#store.writeBarrier?.(); // the store's own housekeeping (a short catch-up checkpoint), off the event loop
      const refused = this.#state.readOnly;
      if (refused !== undefined) throw new LogError('READ_ONLY', `the log refuses writes: ${refused}`);
      mark.ordered = performance.now();

      // 5. One transaction: entries, search keys, tiles, checkpoint, with a compare-and-swap on the size the batch before
      //    left. It commits whole or not at all. Committed is not yet durable, and not visible to any reader: readers
      //    see only the published checkpoint.
      await this.#append(from, batch);
      mark.committed = performance.now();
      turn.commit(true);
      committed();

      // 6. Await durability: a sync covering this commit (the WAL's fdatasync, off the event loop). If it fails the batch
      //    may or may not be on disk: it MUST NOT be published, nor anything after it, so the log stops writing.
      try {
        await this.#store.sync?.();
      } catch (err) {
        throw new FatalError(
          `a committed batch could not be synced to disk (${describeError(err)}); restart to re-verify the store`,
          new LogError('STORE_FAILED', `couldn't make the batch durable: ${describeError(err)}`, { cause: err }),
        );
      }

      mark.synced = performance.now();

      // 7. Publish, strictly in order: after the batch before was published. If it was not, neither is this one (it is
      //    durable but follows a batch that may not be: the log has stopped writing and a restart re-verifies the store).
      if (!(await previous.published)) throw stop('a batch before this one was not published', 'STORE_FAILED');
      let pooledAt = t0;
      for (const w of waiters) if (w.at !== undefined && w.at < pooledAt) pooledAt = w.at;
      const steps = {
        pool: t0 - pooledAt,
        sign: mark.signed - t0,
        order: mark.ordered - mark.signed,
        commit: mark.committed - mark.ordered,
        sync: mark.synced - mark.committed,
        publish: performance.now() - mark.synced,
      };
      this.#state.publish({ checkpoint, entries, batch, steps });
      turn.publish(true);

      // 8. Answer: each submitter learns its index, time and SET, and the checkpoint that first includes its entry.
      waiters.forEach((w, i) => w.answer({ index: first + i, integratedTime, set: entries[i]!.set, checkpoint, treeId: this.#identity.treeId }));
    } catch (err) {
      // A failed batch: fatal errors stop writing at once; its submitters are told once the batch before it settled,
      // so that answers, failures included, go strictly in order.
      const answer = this.#failed(err);
      await previous.published;
      for (const w of waiters) w.fail(answer);
    } finally {
      turn.commit(false); // no-ops once settled
      turn.publish(false);
      if (preparing) {
        preparing = false;
        this.#preparing--;
      }
      this.#settle();
      for (const l of this.#listeners) l();
    }
  }

  /** Step 3: one signature per SET payload, and the checkpoint's lines. A signing failure is a batch failure. */
  async #sign(payloads: readonly Uint8Array[], checkpoint: Uint8Array, entries: number): Promise<LogSigned> {
    let sigs: LogSigned;
    try {
      sigs = await this.#signer.sign(payloads, checkpoint);
    } catch (err) {
      throw new LogError('STORE_FAILED', `couldn't sign a batch of ${entries}: ${describeError(err)}`, { cause: err });
    }
    const lines = this.#identity.checkpointLines.length;
    if (sigs.sets.length !== payloads.length || sigs.checkpoint.length !== lines) {
      throw stop(`the signer returned ${sigs.sets.length} SETs and ${sigs.checkpoint.length} checkpoint signatures for ${payloads.length} and ${lines}`);
    }
    return sigs;
  }

  /** Step 5: the transaction. STORE_FAILED: nothing was written. INCONSISTENT, CORRUPT: the store disagrees with the log. */
  async #append(from: number, batch: Batch): Promise<void> {
    try {
      await this.#store.appendBatch(from, batch);
    } catch (err) {
      if (isLogError(err, 'INCONSISTENT') || isLogError(err, 'CORRUPT')) {
        throw new FatalError(describeError(err), new LogError('READ_ONLY', `the log refuses writes: ${describeError(err)}`, { cause: err }));
      }
      if (isLogError(err, 'STORE_FAILED')) {
        if (err.details?.['outcome'] === 'unknown') this.#uncertain = { from, batch };
        throw err;
      }
      if (isLogError(err, 'NOT_SEQUENCER')) throw err;
      throw new LogError('STORE_FAILED', `couldn't commit a batch of ${batch.entries.length} at size ${from}: ${describeError(err)}`, { cause: err });
    }
  }

  /** What a failed batch's submitters are told; fatal errors stop writing, others leave the edge to be rebuilt. */
  #failed(err: unknown): LogError {
    this.#state.batchFailed();
    if (err instanceof FatalError) {
      this.#state.stopWriting(err.message);
      return err.answer;
    }
    if (isLogError(err, 'NOT_SEQUENCER')) this.#fenced = true;
    // Once fenced off, later batches fail too ("the batch before it failed"): the edge waits for resync().
    if (!this.#fenced) this.#broken = true;
    return err instanceof LogError ? err : new LogError('STORE_FAILED', `couldn't sequence a batch: ${describeError(err)}`, { cause: err });
  }

  /** One batch fewer in flight; the last one out rebuilds the edge after a failure (then wakes idle() waiters). */
  #settle(): void {
    if (--this.#inFlight > 0) return;
    if (this.#broken && this.#state.readOnly === undefined) {
      void this.#startRebuild(true);
      return;
    }
    this.#broken = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /**
   * Rebuild the edge (any retry pending is dropped: this is it); meanwhile no
   * batch is taken; once done, idle() waiters and progress listeners hear of
   * it. A rebuild superseded meanwhile (#generation) leaves everything as it
   * found it.
   */
  #startRebuild(afterFailure: boolean): Promise<void> {
    this.#cancelRetry();
    const generation = this.#generation;
    const settle = (outcome: Rebuilt): void => {
      this.#rebuilding = undefined;
      if (outcome === undefined) {
        this.#unreachable = undefined;
        this.#retryWaitMs = undefined;
        this.#broken = false;
      } else if (outcome !== SUPERSEDED) {
        // The store cannot be reached: try again, every 0.25 s at first, then at most every 4 s, until it answers.
        this.#unreachable = outcome.unreachable;
        const waitMs = Math.min(4_000, (this.#retryWaitMs ?? 125) * 2);
        this.#retryWaitMs = waitMs;
        const timer = setTimeout(() => {
          this.#retry = undefined;
          void this.#startRebuild(afterFailure);
        }, waitMs);
        timer.unref();
        this.#retry = timer;
      } // superseded: nothing learnt, the flags wait for the rebuild that superseded it
      for (const resolve of this.#idle.splice(0)) resolve();
      for (const l of this.#listeners) l();
    };
    this.#rebuilding ??= this.#rebuild(afterFailure, generation).then(settle, (err: unknown) => {
      settle(undefined); // a resync that could not read the store: fenced until the next one (see #rebuild)
      throw err;
    });
    return this.#rebuilding;
  }

  /**
   * After a failed batch, with none in flight: the store MUST hold exactly the
   * published tree. A commit that reported failure yet left its batch in the
   * store cannot be undone, nor trusted to be durable: stop writing until a
   * restart re-verifies the store (as Sunlight does when it cannot tell whether
   * a checkpoint was persisted). `afterFailure` false (resync): the published
   * checkpoint was read from the store, and the edge is rebuilt at it.
   */
  async #rebuild(afterFailure: boolean, generation: number): Promise<Rebuilt> {
    let published = this.#state.published;
    const superseded = (): boolean => generation !== this.#generation;
    try {
      const latest = afterFailure ? await this.#store.latestCheckpoint() : published;
      if (superseded()) return SUPERSEDED;
      const uncertain = this.#uncertain;
      if (uncertain !== undefined && uncertain.from === published.size && latest !== undefined && sameCheckpoint(latest, uncertain.batch.checkpoint)) {
        // Its commit did take effect, durably (a store without sync() is durable once committed): publish it in its
        // place, after the tree it follows. Its submitters were told to retry; a retry finds it (DUPLICATE).
        this.#state.publish({ checkpoint: uncertain.batch.checkpoint, entries: uncertain.batch.entries, batch: uncertain.batch });
        published = uncertain.batch.checkpoint;
      }
      this.#uncertain = undefined;
      const stored = latest?.size;
      if (stored !== published.size) {
        this.#state.stopWriting(`a failed commit left the store at size ${stored}, not the published ${published.size}; restart to re-verify it`);
        return undefined;
      }
      const edge = await readEdge(this.#store, published.size);
      if (superseded()) return SUPERSEDED;
      this.#edge = edge;
      this.#tip = { size: published.size, time: published.time };
      this.#last = settledTurn();
      if (!afterFailure) this.#fenced = false;
      return undefined;
    } catch (err) {
      if (superseded()) return SUPERSEDED;
      // A resync that could not read the store leaves nothing taken until the next one succeeds (the store may be
      // unreachable for now): not damage, so the log does not stop writing for it.
      if (!afterFailure) {
        this.#fenced = true;
        throw err;
      }
      // After a failed batch, a store that cannot be reached (a database restarting, a network cut) has told nothing
      // about the tree: the rebuild is tried again (an uncertain batch stays uncertain until then). Anything else is a
      // store that disagrees with the log.
      if (isLogError(err, 'STORE_FAILED') && this.#state.readOnly === undefined) return { unreachable: describeError(err) };
      this.#state.stopWriting(`couldn't rebuild the tree after a failed commit: ${describeError(err)}`);
      return undefined;
    }
  }

}

/** A rebuild superseded by a later standDown() or resync(): it changed nothing. */
const SUPERSEDED = Symbol('superseded');

/** How a rebuild ended: done (undefined), the store could not be reached (retried), or superseded. */
type Rebuilt = undefined | { readonly unreachable: string } | typeof SUPERSEDED;

/** The same checkpoint: size, root and signed note. */
function sameCheckpoint(a: CheckpointRow, b: CheckpointRow): boolean {
  return a.size === b.size && a.note === b.note && Buffer.from(a.root).equals(b.root);
}

/** A fatal error whose submitters are told the log refuses writes (or `code`). */
function stop(reason: string, code: 'READ_ONLY' | 'STORE_FAILED' = 'READ_ONLY'): FatalError {
  return new FatalError(`couldn't commit: ${reason}`, new LogError(code, code === 'READ_ONLY' ? `the log refuses writes: ${reason}` : `couldn't publish the batch: ${reason}`));
}

function newTurn(): Turn {
  let commit!: (ok: boolean) => void;
  let publish!: (ok: boolean) => void;
  const committed = new Promise<boolean>((r) => (commit = r));
  const published = new Promise<boolean>((r) => (publish = r));
  return { committed, published, commit, publish };
}

function settledTurn(): Turn {
  const t = newTurn();
  t.commit(true);
  t.publish(true);
  return t;
}
