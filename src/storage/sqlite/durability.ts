/**
 * The WAL durability policy of a SQLite file store opened for deferred sync
 * (db.ts: `synchronous=OFF`, autocheckpoint off). The store commits; this
 * decides when what it committed is on disk:
 *
 * - Deferred fdatasync: sync() fdatasyncs the WAL on libuv's thread pool,
 *   one call after the other; a call covers every commit made before it
 *   started. The WAL's frame checksums make a torn tail recover to a prefix
 *   of transactions, so a power loss keeps everything synced and nothing
 *   half-written.
 * - Checkpointing cadence: SQLite's autocheckpoint would run on the committing
 *   connection, on the event loop, without syncing. Here, every
 *   CHECKPOINT_EVERY_ENTRIES entries or CHECKPOINT_EVERY_BATCHES batches, a
 *   PASSIVE checkpoint runs in the background on the checkpointer's own thread
 *   and connection (checkpoint-thread.ts), which runs with
 *   `synchronous=NORMAL`: SQLite then syncs the WAL before it copies a frame
 *   into the database file and syncs the file before it records a complete
 *   checkpoint, the only state in which a writer restarts the WAL over old
 *   frames. So no commit and no sync() waits for a checkpoint, and a
 *   checkpoint never copies what is not durable in the WAL.
 * - Restarting the WAL: under steady load a commit usually lands while the
 *   checkpoint copies, which then stays partial (the WAL cannot restart and
 *   would grow without bound). Then the file is synced in the background and
 *   a short catch-up checkpoint runs while commits wait (writeBarrier): it
 *   copies only what came during the first and completes.
 * - A failed checkpoint fails the next sync() (the log stops writing).
 * - Inode check: should the file at the WAL's path ever be another one, its
 *   descriptor is reopened rather than syncing a file SQLite no longer writes.
 */
import { closeSync, fdatasync, fdatasyncSync, fstatSync, openSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import { LogError } from '../../errors.js';
import type { CheckpointReply, CheckpointRequest, CheckpointThreadData } from './checkpoint-thread.js';
import { toLogError } from './errors.js';

/** Entries (or batches) committed between two checkpoints of the WAL into the database file. */
const CHECKPOINT_EVERY_ENTRIES = 4096;
const CHECKPOINT_EVERY_BATCHES = 512;
/** How long close() waits for the checkpointer's thread to close its connection (the default shutdown grace period). */
const CLOSE_WAIT_MS = 10_000;

const fdatasyncAsync = promisify(fdatasync);

export class WalDurability {
  readonly #db: Database;
  #walFd: number | undefined;
  #chain: Promise<void> = Promise.resolve();
  /** Commits so far. */
  #commits = 0;
  #uncheckpointedEntries = 0;
  #uncheckpointedBatches = 0;
  /** The checkpointer's thread, started at the first checkpoint. */
  #thread: CheckpointThread | undefined;
  /** The checkpoint running in the background, if any. */
  #checkpoint: Promise<void> | undefined;
  /** Set while a catch-up checkpoint runs: commits wait for it. */
  #barrier: Promise<void> | undefined;
  /** Why the last checkpoint failed: the next sync() rejects with it. */
  #failure: LogError | undefined;
  #closed = false;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Count a committed batch of `entries` entries (called after its transaction returned). */
  committed(entries: number): void {
    this.#commits++;
    this.#uncheckpointedEntries += entries;
    this.#uncheckpointedBatches++;
  }

  /** Make every commit so far durable; rejects with STORE_FAILED when an fdatasync (or the last checkpoint) failed. */
  sync(): Promise<void> {
    const run = this.#chain.then(() => this.#syncOnce());
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Undefined when a write may go ahead at once; else a promise that settles
   * once a catch-up checkpoint has finished (see the header), so the next
   * commit waits for it off the event loop.
   */
  writeBarrier(): Promise<void> | undefined {
    return this.#barrier;
  }

  /** Resolves once no checkpoint runs in the background (tests; close() does not need it). */
  checkpointsSettled(): Promise<void> {
    return this.#checkpoint ?? Promise.resolve();
  }

  /** After a small write outside a batch (cosignature, meta): durable on return. */
  afterSmallWrite(): void {
    fdatasyncSync(this.#fd());
  }

  /**
   * Stop the checkpointer (waiting, bounded, for its checkpoint in progress and
   * its connection to close) and close the WAL's descriptor; later syncs
   * resolve at once (the store checkpoints and syncs at close).
   */
  close(): void {
    this.#closed = true;
    this.#thread?.close();
    this.#thread = undefined;
    if (this.#walFd !== undefined) closeSync(this.#walFd);
    this.#walFd = undefined;
  }

  async #syncOnce(): Promise<void> {
    if (this.#closed) return; // close() synced everything
    if (this.#failure !== undefined) throw this.#failure;
    try {
      await fdatasyncAsync(this.#fd());
    } catch (err) {
      throw toLogError('sync the database to disk', err, 'STORE_FAILED');
    }
    if (this.#checkpoint !== undefined || this.#closed) return;
    if (this.#uncheckpointedEntries < CHECKPOINT_EVERY_ENTRIES && this.#uncheckpointedBatches < CHECKPOINT_EVERY_BATCHES) return;
    this.#uncheckpointedEntries = 0;
    this.#uncheckpointedBatches = 0;
    this.#checkpoint = this.#checkpointInBackground().finally(() => {
      this.#checkpoint = undefined;
    });
  }

  /** One checkpoint, and a catch-up checkpoint behind a write barrier when commits came while it copied. Never rejects. */
  async #checkpointInBackground(): Promise<void> {
    let release: (() => void) | undefined;
    try {
      const thread = (this.#thread ??= new CheckpointThread(this.#db.name));
      const before = this.#commits;
      await thread.run('checkpoint');
      if (this.#commits === before || this.#closed) return; // complete: SQLite synced the file and the WAL may restart
      await thread.run('syncFile'); // the bulk of what was copied reaches the disk while commits go on
      if (this.#closed) return;
      this.#barrier = new Promise<void>((resolve) => (release = resolve));
      await thread.run('checkpoint'); // only what came during the first; complete, as no commit runs now
    } catch (err) {
      if (!this.#closed) this.#failure = toLogError('checkpoint the WAL into the database file', err, 'STORE_FAILED');
    } finally {
      this.#barrier = undefined;
      release?.();
    }
  }

  /** The descriptor of the WAL, opened read-only for fdatasync; reopened if the path names another inode. */
  #fd(): number {
    const path = `${this.#db.name}-wal`;
    if (this.#walFd !== undefined && fstatSync(this.#walFd).ino !== statSync(path).ino) {
      closeSync(this.#walFd);
      this.#walFd = undefined;
    }
    return (this.#walFd ??= openSync(path, 'r'));
  }
}

/**
 * The checkpointer's thread (checkpoint-thread.ts): one request at a time,
 * each answered in order. A thread that fails or exits fails its pending
 * requests.
 */
class CheckpointThread {
  readonly #worker: Worker;
  readonly #closedFlag = new SharedArrayBuffer(4);
  readonly #pending: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  #gone: Error | undefined;

  constructor(path: string) {
    const data: CheckpointThreadData = { path, closed: this.#closedFlag };
    this.#worker = new Worker(new URL('./checkpoint-thread.js', import.meta.url), { workerData: data });
    this.#worker.unref();
    this.#worker.on('message', (reply: CheckpointReply) => {
      const p = this.#pending.shift();
      if (reply.ok) p?.resolve();
      else p?.reject(Object.assign(new Error(reply.message), reply.code === undefined ? {} : { code: reply.code }));
    });
    const fail = (err: Error): void => {
      this.#gone ??= err;
      for (const p of this.#pending.splice(0)) p.reject(err);
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`the checkpoint thread exited (code ${code})`)));
  }

  run(op: 'checkpoint' | 'syncFile'): Promise<void> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#worker.postMessage({ op } satisfies CheckpointRequest);
    });
  }

  /** Close the thread's connection, waiting for it (bounded) on this thread: the store's close() is synchronous. */
  close(): void {
    if (this.#gone === undefined) {
      this.#worker.postMessage({ op: 'close' } satisfies CheckpointRequest);
      Atomics.wait(new Int32Array(this.#closedFlag), 0, 0, CLOSE_WAIT_MS);
    }
    this.#gone ??= new LogError('SHUTTING_DOWN', 'the store is closed');
    for (const p of this.#pending.splice(0)) p.reject(this.#gone);
    void this.#worker.terminate();
  }
}
