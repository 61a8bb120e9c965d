/**
 * The log service: the facade the HTTP layer and the CLI use. Opening it runs
 * the start-up self-check; a log that fails it serves reads but refuses
 * writes, saying why (`status().readOnly`).
 */
import type { Clock } from '../clock.js';
import { LogError, describeError } from '../errors.js';
import { EMPTY_ROOT, RightEdge } from '../merkle/index.js';
import { formatCheckpoint, parseNote, signNote, type NoteVerifier } from '../note/index.js';
import type { CheckpointRow, LogStore } from '../storage/types.js';
import type { LogIdentity } from './identity.js';
import type { IntegrateResult } from './integrate.js';
import { LogReader } from './reader.js';
import { selfCheck } from './self-check.js';
import { Sequencer } from './sequencer.js';
import { TileCache } from './tile-cache.js';
import type { LogSigner } from './signer.js';
import type { Sequenced, SequencerOptions, Submission } from './types.js';
import { verifyWitnessLine } from './witness-signature.js';

export interface LogServiceOptions extends SequencerOptions {
  /** Most hash tiles kept in memory (≈16 KiB each). */
  readonly tileCacheSize: number;
}

export interface LogStatus {
  readonly size: number;
  readonly poolSize: number;
  /** Why writes are refused, if they are. */
  readonly readOnly: string | undefined;
  readonly batches: number;
  readonly failedBatches: number;
}

export type PublishListener = (result: IntegrateResult) => void;

export class LogService {
  readonly identity: LogIdentity;
  readonly reader: LogReader;
  readonly #store: LogStore;
  readonly #sequencer: Sequencer;
  readonly #listeners: PublishListener[] = [];
  #published: CheckpointRow;
  #readOnly: string | undefined;
  #batches = 0;
  #failedBatches = 0;

  private constructor(store: LogStore, identity: LogIdentity, clock: Clock, opts: LogServiceOptions) {
    this.identity = identity;
    this.#store = store;
    let latest = store.latestCheckpoint();
    if (latest === undefined) latest = createEmptyLog(store, identity, clock);
    this.#published = latest;
    let edge: RightEdge;
    try {
      edge = selfCheck(store, identity, latest);
    } catch (err) {
      this.#readOnly = describeError(err);
      edge = RightEdge.fromTiles(0, () => undefined);
    }
    const tiles = new TileCache(store, opts.tileCacheSize);
    this.reader = new LogReader(store, tiles, () => this.#published);
    this.#sequencer = new Sequencer(store, identity, clock, edge, latest, opts, {
      onPublish: (result) => {
        tiles.put(result.batch.tiles);
        this.#published = result.checkpoint;
        this.#batches++;
        for (const l of this.#listeners) l(result);
      },
      onFatal: (reason) => {
        this.#readOnly = reason;
      },
      onBatchFailed: () => {
        this.#failedBatches++;
      },
    });
  }

  /**
   * Open the log on a store: creates the size-0 checkpoint of a new log, then
   * runs the self-check. Never throws for a failed self-check (see status()).
   */
  static open(store: LogStore, identity: LogIdentity, clock: Clock, opts: LogServiceOptions): LogService {
    return new LogService(store, identity, clock, opts);
  }

  /** Submit an admitted entry; see Sequencer.add for the contract. */
  submit(sub: Submission): Promise<Sequenced> {
    if (this.#readOnly !== undefined) return Promise.reject(new LogError('READ_ONLY', `the log refuses writes: ${this.#readOnly}`));
    return this.#sequencer.add(sub);
  }

  /**
   * Sign SETs with `signer` (e.g. the admission worker pool) instead of on the
   * event loop, from the next batch on; undefined goes back to the event loop.
   */
  useSigner(signer: LogSigner | undefined): void {
    this.#sequencer.useSigner(signer);
  }

  /** Called synchronously after each published batch. */
  onPublish(listener: PublishListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Verifies a witness's signature line over the text of the checkpoint
   * published at `size` with `verifier` (tlog-cosignature, or a plain Ed25519
   * note signature) and stores it, so /checkpoint and the checkpoint history
   * serve it after the log's own signatures. Idempotent per (size, witness
   * name): a second line from the same witness is ignored. Durable on return.
   * Throws NOT_FOUND when no checkpoint was published at `size`,
   * NOTE_INVALID when the line does not verify (nothing stored).
   */
  attachCosignature(size: number, verifier: NoteVerifier, line: string): void {
    const cp = this.reader.checkpointAt(size);
    if (cp === undefined) throw new LogError('NOT_FOUND', `couldn't attach cosignature: no checkpoint was published at size ${size}`);
    const verified = verifyWitnessLine(verifier, parseNote(cp.note).text, line);
    this.#store.addCosignature({ size, witness: verifier.name, line: verified.line });
  }

  status(): LogStatus {
    return {
      size: this.#published.size,
      poolSize: this.#sequencer.poolSize,
      readOnly: this.#readOnly,
      batches: this.#batches,
      failedBatches: this.#failedBatches,
    };
  }

  /** Sequence everything pooled now. */
  flush(): Promise<void> {
    return this.#sequencer.flush();
  }

  /** Drain the pool and stop. The store is the caller's to close. */
  close(): Promise<void> {
    return this.#sequencer.close();
  }
}

/** A new log publishes a signed size-0 checkpoint (root SHA-256("")) so /checkpoint always answers. */
function createEmptyLog(store: LogStore, identity: LogIdentity, clock: Clock): CheckpointRow {
  if (store.entryByIndex(0) !== undefined) {
    throw new LogError('CORRUPT', 'the store holds entries but no checkpoint');
  }
  const text = formatCheckpoint({ origin: identity.origin, size: 0, root: EMPTY_ROOT });
  const checkpoint: CheckpointRow = { size: 0, root: EMPTY_ROOT, time: clock.now(), note: signNote(text, identity.checkpointSigners) };
  store.appendBatch(0, { entries: [], searchKeys: [], tiles: [], checkpoint });
  return checkpoint;
}
