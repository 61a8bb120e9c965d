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
 * - Checkpointing cadence: SQLite's autocheckpoint would copy frames into the
 *   database file before they are on disk. Here, every CHECKPOINT_EVERY_ENTRIES
 *   entries or CHECKPOINT_EVERY_BATCHES batches, once a sync has covered
 *   *every* commit so far (no commit came while its fdatasync ran: with
 *   pipelined commits one may have), a PASSIVE checkpoint copies the WAL into
 *   the file and the file is fdatasynced. Copying an unsynced commit into the
 *   file could mix its pages with an older WAL after a power loss.
 * - No write restarts the WAL over copied frames before the file holds them
 *   durably: beforeWrite() syncs the file first if its fdatasync is pending.
 * - Inode check: should the file at the WAL's path ever be another one, its
 *   descriptor is reopened rather than syncing a file SQLite no longer writes.
 */
import { closeSync, fdatasync, fdatasyncSync, fstatSync, openSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Database } from 'better-sqlite3';
import { toLogError } from './errors.js';

/** Entries (or batches) committed between two checkpoints of the WAL into the database file. */
const CHECKPOINT_EVERY_ENTRIES = 4096;
const CHECKPOINT_EVERY_BATCHES = 512;

const fdatasyncAsync = promisify(fdatasync);

export class WalDurability {
  readonly #db: Database;
  #walFd: number | undefined;
  #dbFd: number | undefined;
  #chain: Promise<void> = Promise.resolve();
  /** Commits so far, and how many of them the last finished WAL fdatasync covered. */
  #commits = 0;
  #uncheckpointedEntries = 0;
  #uncheckpointedBatches = 0;
  /** A checkpoint copied the WAL into the file, whose fdatasync has not finished: no write may restart the WAL yet. */
  #fileSyncPending = false;
  /** Settles when that fdatasync has finished (or failed). */
  #fileSync: Promise<void> | undefined;
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

  /** Make every commit so far durable; rejects with STORE_FAILED when an fdatasync fails. */
  sync(): Promise<void> {
    const run = this.#chain.then(() => this.#syncOnce());
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Undefined when a write may go ahead at once; else a promise that settles
   * once the database file's fdatasync after a checkpoint has finished, so the
   * next commit can wait for it off the event loop rather than in beforeWrite.
   */
  writeBarrier(): Promise<void> | undefined {
    return this.#fileSyncPending ? this.#fileSync : undefined;
  }

  /** Before any write: never restart the WAL over frames the file does not durably hold yet. */
  beforeWrite(): void {
    if (!this.#fileSyncPending) return;
    fdatasyncSync(this.#fd(''));
    this.#fileSyncPending = false;
  }

  /** After a small write outside a batch (cosignature, meta): durable on return. */
  afterSmallWrite(): void {
    fdatasyncSync(this.#fd('-wal'));
  }

  /** Close the descriptors; later syncs resolve at once (the store checkpoints and syncs at close). */
  close(): void {
    this.#closed = true;
    for (const fd of [this.#walFd, this.#dbFd]) if (fd !== undefined) closeSync(fd);
    this.#walFd = undefined;
    this.#dbFd = undefined;
  }

  async #syncOnce(): Promise<void> {
    if (this.#closed) return; // close() synced everything
    try {
      const covered = this.#commits;
      await fdatasyncAsync(this.#fd('-wal'));
      if (this.#uncheckpointedEntries < CHECKPOINT_EVERY_ENTRIES && this.#uncheckpointedBatches < CHECKPOINT_EVERY_BATCHES) return;
      if (this.#closed || this.#commits !== covered) return; // a later commit is not yet durable: its own sync checkpoints
      this.#db.pragma('wal_checkpoint(PASSIVE)');
      this.#uncheckpointedEntries = 0;
      this.#uncheckpointedBatches = 0;
      this.#fileSyncPending = true;
      const fileSync = fdatasyncAsync(this.#fd(''));
      this.#fileSync = fileSync.catch(() => undefined);
      await fileSync;
      this.#fileSyncPending = false;
    } catch (err) {
      throw toLogError('sync the database to disk', err, 'STORE_FAILED');
    }
  }

  /**
   * The descriptor of the database file ('') or its WAL ('-wal'), opened
   * read-only for fdatasync; the WAL's is reopened if the path names another inode.
   */
  #fd(suffix: '' | '-wal'): number {
    if (suffix === '') return (this.#dbFd ??= openSync(this.#db.name, 'r'));
    const path = `${this.#db.name}-wal`;
    if (this.#walFd !== undefined && fstatSync(this.#walFd).ino !== statSync(path).ino) {
      closeSync(this.#walFd);
      this.#walFd = undefined;
    }
    return (this.#walFd ??= openSync(path, 'r'));
  }
}
