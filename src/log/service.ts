/**
 * The log service: the facade the HTTP layer and the CLI use. Opening it runs
 * the start-up self-check; a log that fails it serves reads but refuses
 * writes, saying why (`status().readOnly`).
 *
 * Parts: LogState (state.ts) owns the published checkpoint and the read-only
 * reason; the Sequencer (sequencer.ts) pools, dedups and schedules; the
 * Committer (commit.ts) runs the commit protocol; the LogReader (reader.ts)
 * serves reads at the published size.
 */
import type { Clock } from '../clock.js';
import { LogError, describeError } from '../errors.js';
import { EMPTY_ROOT, RightEdge } from '../merkle/index.js';
import { formatCheckpoint, parseNote, type NoteVerifier } from '../note/index.js';
import type { CheckpointRow, LogStore } from '../storage/types.js';
import { checkpointNote, signCheckpointNow } from './checkpoint-note.js';
import { Committer } from './commit.js';
import type { LogIdentity } from './identity.js';
import { LogReader } from './reader.js';
import { selfCheck } from './self-check.js';
import { Sequencer } from './sequencer.js';
import { inlineSigner, type LogSigner } from './signer.js';
import { LogState, type PublishListener } from './state.js';
import { TileCache } from './tile-cache.js';
import type { Sequenced, SequencerOptions, Submission } from './types.js';
import { verifyWitnessLine } from './witness-signature.js';

export interface LogServiceOptions extends SequencerOptions {
  /** Most hash tiles kept in memory (≈16 KiB each). */
  readonly tileCacheSize: number;
  /**
   * How batches are signed; default: on the event loop with the identity's
   * private keys (an identity without them, keys in a token, needs one).
   */
  readonly signer?: LogSigner;
}

export interface LogStatus {
  readonly size: number;
  readonly poolSize: number;
  /** Why writes are refused, if they are. */
  readonly readOnly: string | undefined;
  readonly batches: number;
  readonly failedBatches: number;
}

export class LogService {
  readonly identity: LogIdentity;
  readonly reader: LogReader;
  readonly #store: LogStore;
  readonly #state: LogState;
  readonly #committer: Committer;
  readonly #sequencer: Sequencer;

  private constructor(store: LogStore, identity: LogIdentity, clock: Clock, opts: LogServiceOptions) {
    this.identity = identity;
    this.#store = store;
    let latest = store.latestCheckpoint();
    if (latest === undefined) latest = createEmptyLog(store, identity, clock);
    let edge: RightEdge;
    let readOnly: string | undefined;
    try {
      edge = selfCheck(store, identity, latest);
    } catch (err) {
      readOnly = describeError(err);
      edge = RightEdge.fromTiles(0, () => undefined);
    }
    this.#state = new LogState(latest, readOnly);
    const tiles = new TileCache(store, opts.tileCacheSize);
    this.#state.onPublish((published) => tiles.put(published.batch.tiles));
    this.reader = new LogReader(store, tiles, () => this.#state.published);
    this.#committer = new Committer(store, identity, clock, this.#state, edge, opts.signer ?? defaultSigner(identity), opts.signEntryTimestamps);
    this.#sequencer = new Sequencer(store, this.#state, this.#committer, opts);
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
    return this.#sequencer.add(sub);
  }

  /**
   * Sign SETs and checkpoints with `signer` (e.g. the worker pool's) from the
   * next batch on; undefined goes back to signing on the event loop.
   */
  useSigner(signer: LogSigner | undefined): void {
    this.#committer.useSigner(signer ?? defaultSigner(this.identity));
  }

  /** Called synchronously after each published batch, before its submitters are answered. */
  onPublish(listener: PublishListener): void {
    this.#state.onPublish(listener);
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

  /**
   * Refuse writes from now on, saying why (`status().readOnly`; the first
   * reason is kept): for damage found while serving (the integrity audit).
   */
  stopWriting(reason: string): void {
    this.#state.stopWriting(reason);
  }

  status(): LogStatus {
    const s = this.#state;
    return { size: s.published.size, poolSize: this.#sequencer.poolSize, readOnly: s.readOnly, batches: s.batches, failedBatches: s.failedBatches };
  }

  /** Sequence everything pooled now. */
  flush(): Promise<void> {
    return this.#sequencer.flush();
  }

  /** Drain the pool and the batches in flight, and stop. The store is the caller's to close. */
  close(): Promise<void> {
    return this.#sequencer.close();
  }
}

/** Signing with the identity's private keys on the event loop; without them, every batch fails until useSigner. */
function defaultSigner(identity: LogIdentity): LogSigner {
  const keys = identity.privateKeys;
  if (keys !== undefined) return inlineSigner(keys.log, keys.note);
  return { sign: () => Promise.reject(new LogError('INTERNAL', 'this log has no signer: its keys are not in files and none was given')) };
}

/**
 * A new log publishes a signed size-0 checkpoint (root SHA-256("")) so
 * /checkpoint always answers. `initLog` does it with any signer (a token's)
 * before LogService.open; open does it itself with the identity's private keys.
 * A store that already has a checkpoint is left alone.
 */
export async function initLog(store: LogStore, identity: LogIdentity, clock: Clock, signer: LogSigner): Promise<void> {
  if (store.latestCheckpoint() !== undefined) return;
  const text = emptyCheckpointText(store, identity);
  const { checkpoint: sigs } = await signer.sign([], Buffer.from(text));
  if (store.latestCheckpoint() !== undefined) return;
  store.appendBatch(0, { entries: [], searchKeys: [], tiles: [], checkpoint: { size: 0, root: EMPTY_ROOT, time: clock.now(), note: checkpointNote(identity, text, sigs) } });
}

function createEmptyLog(store: LogStore, identity: LogIdentity, clock: Clock): CheckpointRow {
  const text = emptyCheckpointText(store, identity);
  const checkpoint: CheckpointRow = { size: 0, root: EMPTY_ROOT, time: clock.now(), note: signCheckpointNow(identity, text) };
  store.appendBatch(0, { entries: [], searchKeys: [], tiles: [], checkpoint });
  return checkpoint;
}

function emptyCheckpointText(store: LogStore, identity: LogIdentity): string {
  if (store.entryByIndex(0) !== undefined) {
    throw new LogError('CORRUPT', 'the store holds entries but no checkpoint');
  }
  return formatCheckpoint({ origin: identity.origin, size: 0, root: EMPTY_ROOT });
}
