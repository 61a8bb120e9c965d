/**
 * The log service: the facade the HTTP layer and the CLI use. Opening it runs
 * the start-up self-check; a log that fails it serves reads but refuses
 * writes, saying why (`status().readOnly`).
 *
 * Parts: LogState (state.ts) owns the published checkpoint and the read-only
 * reason; the Sequencer (sequencer.ts) pools, dedups and schedules; the
 * Committer (commit.ts) runs the commit protocol; the LogReader (reader.ts)
 * serves reads at the published size.
 *
 * The store is an AsyncLogStore (SQLite is passed through toAsyncStore):
 * what the log keeps in memory (the published checkpoint, tiles, the right
 * edge) is answered from memory, the rest is read from the store.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { LogError, describeError, isLogError } from '../errors.js';
import { EMPTY_ROOT, RightEdge } from '../merkle/index.js';
import { formatCheckpoint, parseNote, type NoteVerifier } from '../note/index.js';
import type { AsyncLogStore } from '../storage/index.js';
import type { CheckpointRow, ShardRow, StoredEntry } from '../storage/types.js';
import { CatchUp } from './catch-up.js';
import { checkpointNote, signCheckpointNow } from './checkpoint-note.js';
import { Committer } from './commit.js';
import { makeIdentity, type LogIdentity } from './identity.js';
import { LogReader } from './reader.js';
import { checkSignature, selfCheck } from './self-check.js';
import { freezeTree, rotateTree, type FreezeResult, type RotationContext, type RotationResult, type TreeKeys } from './rotation.js';
import { Sequencer } from './sequencer.js';
import { identityOfShard, shardKeys, type Shard } from './shard.js';
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
  /** The keys rotate() starts the next tree with (staged); default: the active tree's keys. */
  readonly nextKeys?: TreeKeys;
  /** Random bytes for new tree IDs (default node:crypto's). */
  readonly random?: (n: number) => Uint8Array;
}

export interface LogStatus {
  readonly size: number;
  readonly poolSize: number;
  /** Why writes are refused, if they are. */
  readonly readOnly: string | undefined;
  /** Writes are refused because the log was frozen (an admin freeze): `readOnly` says so too. */
  readonly frozen: boolean;
  readonly batches: number;
  readonly failedBatches: number;
  /**
   * Why the store cannot be reached, while a batch failed with STORE_FAILED
   * and the rebuild from the store is retried (submissions are refused at
   * once meanwhile, 503); undefined otherwise.
   */
  readonly storeUnreachable: string | undefined;
}

/** The active tree and what writes to it. */
interface ActiveTree {
  readonly shard: Shard;
  /** The store bound to this tree (AsyncLogStore.tree), or the store itself when it has no views. */
  readonly store: AsyncLogStore;
  readonly state: LogState;
  readonly committer: Committer;
  readonly tiles: TileCache;
}

export class LogService {
  readonly #store: AsyncLogStore;
  readonly #clock: Clock;
  readonly #opts: LogServiceOptions;
  readonly #sequencer: Sequencer;
  /** Hear every published batch of whichever tree is active. */
  readonly #listeners: PublishListener[];
  #active: ActiveTree;
  #frozen: Shard[];
  #signer: LogSigner;
  /** The rotation or freeze in progress, if any: one at a time. */
  #changing: Promise<unknown> | undefined;
  /** Why this node does not sequence now (another node does: standBy()), or undefined while it does. */
  #standingBy: string | undefined;
  /** The last {@link followTrees} (or the rotation, freeze or take-over it is chained with): one at a time. */
  #treeChange: Promise<unknown> = Promise.resolve();
  /** Reads beyond the published tree while standing by adopt the store's latest checkpoint first (catch-up.ts). */
  readonly #catchUp = new CatchUp(() => this.adoptLatest());

  private constructor(store: AsyncLogStore, clock: Clock, opts: LogServiceOptions, signer: LogSigner, active: ActiveTree, frozen: Shard[], listeners: PublishListener[]) {
    this.#store = store;
    this.#listeners = listeners;
    this.#clock = clock;
    this.#opts = opts;
    this.#signer = signer;
    this.#frozen = frozen;
    this.#active = active;
    this.#sequencer = new Sequencer(store, active.state, active.committer, opts);
  }

  /**
   * Open the log on a store: creates the size-0 checkpoint of a new log, then
   * runs the self-check. Never throws for a failed self-check (see status());
   * rejects with what the store rejects with when it cannot be read
   * (STORE_FAILED), and CORRUPT for a frozen tree whose final checkpoint does
   * not check out. `identity` MUST be the active tree's (open-log.ts picks its keys).
   */
  static async open(store: AsyncLogStore, identity: LogIdentity, clock: Clock, opts: LogServiceOptions): Promise<LogService> {
    let latest = await store.latestCheckpoint();
    if (latest === undefined) latest = await createEmptyLog(store, identity, clock);
    const rows = await recordedShards(store, identity, latest);
    const activeRow = rows[rows.length - 1] as ShardRow;
    const frozen = await Promise.all(rows.slice(0, -1).map((row) => frozenShard(store, row, identity.publicUrl)));
    const signer = opts.signer ?? defaultSigner(identity);
    const listeners: PublishListener[] = [];
    let service: LogService | undefined;
    const catchUp = (): Promise<boolean> => (service === undefined ? Promise.resolve(false) : service.#catchUpRead());
    const active = await activeTree(store, clock, opts, identity, latest, activeRow, signer, catchUp, (published) => {
      for (const l of listeners) l(published);
    });
    service = new LogService(store, clock, opts, signer, active, frozen, listeners);
    return service;
  }

  /** A read beyond the published tree: while standing by, adopt the store's latest checkpoint first (shared rounds). */
  #catchUpRead(): Promise<boolean> {
    return this.#standingBy === undefined ? Promise.resolve(false) : this.#catchUp.request();
  }

  /** The active tree's identity: the tree new entries go into. */
  get identity(): LogIdentity {
    return this.#active.shard.identity;
  }

  /** Reads of the active tree. */
  get reader(): LogReader {
    return this.#active.shard.reader;
  }

  /** The store bound to the active tree (AsyncLogStore.tree), or the store itself when it has no views. */
  get activeStore(): AsyncLogStore {
    return this.#active.store;
  }

  /** Every tree of the log, oldest first; the last is the active one. */
  shards(): readonly Shard[] {
    return [...this.#frozen, this.#active.shard];
  }

  /** The tree with this decimal tree ID, if the log has it. */
  shardByTreeId(treeId: string): Shard | undefined {
    return this.shards().find((s) => s.identity.treeId === treeId);
  }

  /** The tree whose 16-hex tree ID prefixes 80-hex entry IDs, if the log has it. */
  shardByTreeIdHex(treeIdHex: string): Shard | undefined {
    return this.shards().find((s) => s.identity.treeIdHex === treeIdHex);
  }

  /** The tree holding the published entry at global index `index`, if any. */
  shardOfIndex(index: number): Shard | undefined {
    return this.shards().find((s) => s.reader.holds(index));
  }

  /** The published entry at global index `index` and its tree. */
  async entryByIndex(index: number): Promise<{ entry: StoredEntry; shard: Shard } | undefined> {
    let shard = this.shardOfIndex(index);
    const active = this.reader;
    if (shard === undefined && Number.isSafeInteger(index) && index >= active.firstIndex && (await active.reach(index - active.firstIndex + 1))) shard = this.shardOfIndex(index);
    const entry = await shard?.reader.entryByIndex(index);
    return shard === undefined || entry === undefined ? undefined : { entry, shard };
  }

  /** The published entry with this leaf hash (in whichever tree holds it) and its tree. */
  async entryByLeafHash(leafHash: Uint8Array): Promise<{ entry: StoredEntry; shard: Shard } | undefined> {
    const index = await this.#store.indexOfLeafHash(leafHash);
    return index === undefined ? undefined : this.entryByIndex(index);
  }

  /**
   * Submit an admitted entry; see Sequencer.add for the contract. While the
   * log stands by (another node sequences: {@link standBy}) it rejects with
   * NOT_SEQUENCER.
   */
  submit(sub: Submission): Promise<Sequenced> {
    if (this.#standingBy !== undefined) return Promise.reject(notSequencer(this.#standingBy));
    return this.#sequencer.add(sub);
  }

  /**
   * Several nodes on one database: another node sequences (or none yet).
   * From now on no batch is taken, submissions and what is pooled fail with
   * NOT_SEQUENCER (503, retryable); resolves once no batch is in flight (a
   * batch in flight whose node lost the lease is refused by the store's
   * fence). A rebuild of the right edge after a failed batch is abandoned
   * (Committer.standDown): the sequencing node moves the store on, and
   * {@link takeOver} rebuilds from it. Reads go on; {@link adoptLatest}
   * follows the sequencing node.
   */
  async standBy(reason: string): Promise<void> {
    this.#standingBy = reason;
    await this.#sequencer.pause();
    this.#active.committer.standDown();
    this.#sequencer.rejectPool(notSequencer(reason));
  }

  /**
   * Sequence again after {@link standBy} (this node took the sequencer
   * lease): the store's latest checkpoint is checked and published when it is
   * beyond this node's, the right edge rebuilt from the store at it, then
   * batches are taken. Rejects (still standing by) when the store cannot be
   * read, or holds a smaller tree than this node published (it lost commits:
   * the log then refuses writes).
   */
  async takeOver(): Promise<void> {
    await this.followTrees();
    const a = this.#active;
    const stored = await a.store.latestCheckpoint();
    const published = a.state.published;
    if (stored === undefined || stored.size < published.size) {
      const reason = `the database holds a tree of size ${stored?.size ?? 0}, smaller than the published ${published.size}: it lost commits; restore it`;
      a.state.stopWriting(reason);
      throw new LogError('CORRUPT', `couldn't take over sequencing: ${reason}`);
    }
    if (stored.size > published.size) {
      checkSignature(a.shard.identity, stored);
      a.state.adopt(stored);
      a.tiles.dropPartial();
    }
    await a.committer.resync();
    this.#standingBy = undefined;
    this.#sequencer.resume();
  }

  /**
   * Sign SETs and checkpoints with `signer` (e.g. the worker pool's) from the
   * next batch on; undefined goes back to signing on the event loop.
   */
  useSigner(signer: LogSigner | undefined): void {
    this.#signer = signer ?? defaultSigner(this.identity);
    this.#active.committer.useSigner(this.#signer);
  }

  /** Called synchronously after each published batch, before its submitters are answered (whichever tree is active). */
  onPublish(listener: PublishListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Freeze the active tree and start a new one (rotation.ts), while
   * submissions keep arriving. One at a time: BUSY while another rotation or
   * freeze runs; READ_ONLY on a log that refuses writes.
   */
  rotate(): Promise<RotationResult> {
    if (this.#standingBy !== undefined) return Promise.reject(notSequencer(this.#standingBy));
    return this.#exclusive(() =>
      rotateTree(this.#rotationContext(), async (next) => {
        if (next.signer !== undefined) this.#signer = next.signer;
        const active = await activeTree(this.#store, this.#clock, this.#opts, next.identity, next.checkpoint, next.row, this.#signer, () => this.#catchUpRead(), (p) => {
          for (const l of this.#listeners) l(p);
        });
        this.#frozen = [...this.#frozen, next.frozen];
        this.#active = active;
        this.#sequencer.resume({ state: this.#active.state, committer: this.#active.committer });
      }),
    );
  }

  /**
   * Freeze the log: the active tree stops taking writes for good (recorded in
   * the store, so a restart keeps it frozen); reads go on. Submissions pooled
   * are sequenced first. BUSY while a rotation runs; READ_ONLY if writes are refused already.
   */
  freeze(): Promise<FreezeResult> {
    if (this.#standingBy !== undefined) return Promise.reject(notSequencer(this.#standingBy));
    return this.#exclusive(async () => {
      const result = await freezeTree(this.#rotationContext());
      this.#active.state.stopWriting(FROZEN);
      this.#sequencer.rejectPool(new LogError('READ_ONLY', `the log refuses writes: ${FROZEN}`));
      this.#sequencer.resume();
      return result;
    });
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
  async attachCosignature(size: number, verifier: NoteVerifier, line: string): Promise<void> {
    const cp = await this.reader.checkpointAt(size);
    if (cp === undefined) throw new LogError('NOT_FOUND', `couldn't attach cosignature: no checkpoint was published at size ${size}`);
    const verified = verifyWitnessLine(verifier, parseNote(cp.note).text, line);
    await this.#active.store.addCosignature({ size, witness: verifier.name, line: verified.line });
  }

  /**
   * Follow the store: when its latest checkpoint is beyond the published one
   * (batches another writer on the same data committed), check its signature
   * and origin (this tree's keys) and publish it, so reads serve it; the tile
   * cache drops its partial tiles. The committer's edge is not touched: it is
   * rebuilt from the store by {@link takeOver} before this process writes
   * again. Resolves with the published checkpoint. MUST NOT be called while
   * this process sequences (a follower does not write); may run alongside
   * itself, and alongside a take-over (the store does not move under the
   * lease holder, so both adopt the same checkpoint). Rejects with CORRUPT when the stored checkpoint does not
   * check out (nothing changes), or with the store's STORE_FAILED.
   */
  async adoptLatest(): Promise<CheckpointRow> {
    await this.followTrees();
    const a = this.#active;
    const stored = await a.store.latestCheckpoint();
    if (stored === undefined || stored.size <= a.state.published.size) return a.state.published;
    checkSignature(a.shard.identity, stored);
    a.state.adopt(stored);
    a.tiles.dropPartial();
    return stored;
  }

  /**
   * Follow the store's trees: serve (and, holding the lease, sequence into)
   * the trees another process sharing the store made by a rotation or a
   * freeze (several nodes on one PostgreSQL database). The sequencing node
   * changes the trees only in one store transaction whose compare-and-swap
   * names the tree and its size (AsyncLogStore.rotate, freeze); every other
   * node calls this before it adopts a checkpoint ({@link adoptLatest}, when
   * told of a commit and by its poll: src/cli/cluster.ts) and before it takes over ({@link takeOver}), so:
   *
   * - until it has followed, it serves the tree it knew, at its last
   *   published checkpoint, read through that tree's own view of the store
   *   (never the next tree's rows), and it cannot commit into a tree it does
   *   not know to be active (the compare-and-swap names the tree);
   * - once it has followed, its trees, inactive shards, `/shard/<treeID>/`
   *   tiles and entries by global index are the sequencing node's, and a
   *   take-over sequences into the active tree, with its keys when they are
   *   this node's --key-file or --next-key-file keys (otherwise the log
   *   refuses writes on this node, saying so);
   * - a freeze makes it refuse writes as frozen (/readyz `frozen`).
   *
   * Only for a node that does not sequence (the rotation of this node is
   * installed by {@link rotate}); one at a time. Rejects with what the store
   * rejects with, or CORRUPT when a frozen tree does not check out (nothing
   * changes then).
   */
  followTrees(): Promise<void> {
    const run = this.#treeChange.catch(() => undefined).then(() => this.#followTrees());
    this.#treeChange = run;
    return run;
  }

  async #followTrees(): Promise<void> {
    if (this.#store.shards === undefined || this.#store.tree === undefined || this.#changing !== undefined) return;
    const rows = await this.#store.shards();
    const a = this.#active;
    const mine = rows[a.shard.ordinal];
    if (mine === undefined || mine.treeId !== a.shard.identity.treeId) {
      throw new LogError('CORRUPT', `the store no longer records tree ${a.shard.identity.treeId} as tree ${a.shard.ordinal}`);
    }
    if (mine.frozenSize === undefined) return;
    const last = rows[rows.length - 1] as ShardRow;
    if (last === mine) {
      // Frozen for good by another node: its final checkpoint is adopted as any other, and writes are refused.
      a.state.stopWriting(FROZEN);
      this.#sequencer.rejectPool(new LogError('READ_ONLY', `the log refuses writes: ${FROZEN}`));
      return;
    }
    const publicUrl = a.shard.identity.publicUrl;
    const frozen = [];
    for (const row of rows.slice(a.shard.ordinal, -1)) frozen.push(await frozenShard(this.#store, row, publicUrl));
    const view = this.#store.tree(last.ordinal);
    const latest = await view.latestCheckpoint();
    if (latest === undefined) throw new LogError('CORRUPT', `the active tree ${last.treeId} has no checkpoint`);
    const keys = this.#keysOf(last);
    const active = await activeTree(
      view,
      this.#clock,
      this.#opts,
      keys.identity,
      latest,
      last,
      keys.signer,
      () => this.#catchUpRead(),
      (p) => {
        for (const l of this.#listeners) l(p);
      },
      true,
    );
    if (keys.refused !== undefined) active.state.stopWriting(keys.refused);
    this.#signer = keys.signer;
    this.#frozen = [...this.#frozen, ...frozen];
    this.#active = active;
    this.#sequencer.use({ state: active.state, committer: active.committer });
  }

  /** How this node signs the recorded tree `row`: with the active tree's keys or the staged ones, whichever it was started with. */
  #keysOf(row: ShardRow): { identity: LogIdentity; signer: LogSigner; refused?: string } {
    const current = this.#active.shard.identity;
    const own: TreeKeys = {
      logKey: current.privateKeys?.log ?? current.publicKey,
      noteKey: current.keyType === 'ed25519' ? undefined : (current.privateKeys?.note ?? current.notePublicKey),
      signer: this.#signer,
    };
    for (const k of [own, this.#opts.nextKeys]) {
      if (k === undefined) continue;
      const identity = makeIdentity(k.logKey, row.treeId, current.publicUrl, k.noteKey);
      const keys = shardKeys(identity);
      if (keys.publicKeyPem === row.publicKeyPem && keys.noteKeyPem === row.noteKeyPem) return { identity, signer: k.signer };
    }
    const refused = `the active tree ${row.treeId} is signed by a key this node was not started with (neither --key-file nor --next-key-file); restart it with that key`;
    return { identity: identityOfShard(row, current.publicUrl), signer: { sign: () => Promise.reject(new LogError('KEY_UNAVAILABLE', refused)) }, refused };
  }

  /**
   * Refuse writes from now on, saying why (`status().readOnly`; the first
   * reason is kept): for damage found while serving (the integrity audit).
   */
  stopWriting(reason: string): void {
    this.#active.state.stopWriting(reason);
  }

  status(): LogStatus {
    const s = this.#active.state;
    return {
      size: s.published.size,
      poolSize: this.#sequencer.poolSize,
      readOnly: s.readOnly,
      frozen: s.readOnly === FROZEN,
      batches: s.batches,
      failedBatches: s.failedBatches,
      storeUnreachable: this.#active.committer.unreachable,
    };
  }

  /** Sequence everything pooled now. */
  flush(): Promise<void> {
    return this.#sequencer.flush();
  }

  /** Drain the pool and the batches in flight, and stop. The store is the caller's to close. */
  async close(): Promise<void> {
    await this.#changing?.catch(() => undefined);
    return this.#sequencer.close();
  }

  /** Run `change` alone: BUSY while another runs. */
  async #exclusive<T>(change: () => Promise<T>): Promise<T> {
    if (this.#changing !== undefined) throw new LogError('BUSY', 'another rotation or freeze of the log is in progress');
    const running = this.#treeChange.catch(() => undefined).then(change);
    this.#treeChange = running;
    this.#changing = running;
    try {
      return await running;
    } finally {
      this.#changing = undefined;
    }
  }

  #rotationContext(): RotationContext {
    const a = this.#active;
    return {
      store: a.store,
      clock: this.#clock,
      sequencer: this.#sequencer,
      active: a.shard,
      state: a.state,
      signer: this.#signer,
      ...(this.#opts.nextKeys === undefined ? {} : { nextKeys: this.#opts.nextKeys }),
      random: this.#opts.random ?? ((n) => randomBytes(n)),
      frozenShard: (row) => frozenShard(this.#store, row, a.shard.identity.publicUrl),
    };
  }

}

function notSequencer(reason: string): LogError {
  return new LogError('NOT_SEQUENCER', `this node does not sequence now (${reason}); retry`);
}

/** Why a frozen log refuses writes. */
const FROZEN = 'the log is frozen';

/** Tiles kept in memory per frozen tree (proofs into frozen trees are rarer than into the active one). */
const FROZEN_TILE_CACHE = 256;

/**
 * The writable tree from its identity and latest checkpoint, after its
 * self-check (a failed one makes it read-only; a store that cannot be read
 * rejects). `onPublish` hears its published batches. `othersWrite`: another
 * node may be committing into the tree meanwhile.
 */
async function activeTree(
  store: AsyncLogStore,
  clock: Clock,
  opts: LogServiceOptions,
  identity: LogIdentity,
  latest: CheckpointRow,
  row: ShardRow,
  signer: LogSigner,
  catchUp: () => Promise<boolean>,
  onPublish: PublishListener,
  othersWrite = false,
): Promise<ActiveTree> {
  store = store.tree?.(row.ordinal) ?? store;
  let edge: RightEdge;
  let readOnly: string | undefined = row.frozenSize === undefined ? undefined : FROZEN;
  try {
    // Another node sequencing meanwhile may have stored entries beyond `latest`: not checked then.
    edge = await selfCheck(store, identity, latest, row.firstIndex, othersWrite);
  } catch (err) {
    if (isLogError(err, 'STORE_FAILED')) throw err;
    readOnly = describeError(err);
    edge = RightEdge.fromTiles(0, () => undefined);
  }
  const state = new LogState(latest, readOnly);
  const tiles = new TileCache(store, opts.tileCacheSize);
  state.onPublish((published) => tiles.put(published.batch.tiles));
  state.onPublish(onPublish);
  const reader = new LogReader(store, tiles, () => state.published, row.firstIndex, catchUp);
  const shard: Shard = { ordinal: row.ordinal, identity, firstIndex: row.firstIndex, reader, createdMs: row.createdMs, frozenSize: row.frozenSize, frozenMs: row.frozenMs };
  const committer = new Committer(store, identity, clock, state, edge, signer, opts.signEntryTimestamps, row.firstIndex);
  return { shard, store, state, committer, tiles };
}

/** A frozen tree, read at its final checkpoint (whose signature and root are checked now). */
async function frozenShard(store: AsyncLogStore, row: ShardRow, publicUrl: string): Promise<Shard> {
  const tree = await store.frozenTree?.(row.ordinal);
  const final = row.frozenSize === undefined ? undefined : await tree?.checkpointAt(row.frozenSize);
  if (tree === undefined || final === undefined) throw new LogError('CORRUPT', `the final checkpoint of frozen tree ${row.treeId} is missing`);
  const identity = identityOfShard(row, publicUrl);
  await selfCheck(tree, identity, final, row.firstIndex, true);
  const reader = new LogReader(tree, new TileCache(tree, FROZEN_TILE_CACHE), () => final, row.firstIndex);
  return { ordinal: row.ordinal, identity, firstIndex: row.firstIndex, reader, createdMs: row.createdMs, frozenSize: row.frozenSize, frozenMs: row.frozenMs };
}

/**
 * The store's trees; a store that has none recorded gets tree 0 from
 * `identity` (an existing single-tree log keeps its data where it is). A
 * store without shard support holds one tree at index 0.
 */
async function recordedShards(store: AsyncLogStore, identity: LogIdentity, latest: CheckpointRow): Promise<ShardRow[]> {
  const first = { ...shardKeys(identity), createdMs: (await store.checkpointAt(0))?.time ?? latest.time };
  const shards = store.shards?.bind(store);
  if (shards === undefined || store.addFirstShard === undefined) {
    return [{ ...first, ordinal: 0, firstIndex: 0, frozenSize: undefined, frozenMs: undefined }];
  }
  if ((await shards()).length === 0) {
    // Several nodes starting at once on a new database: one records tree 0, the others find it recorded.
    await store.addFirstShard(first).catch((err: unknown) => {
      if (!isLogError(err, 'INCONSISTENT')) throw err;
    });
  }
  const rows = await shards();
  const active = rows[rows.length - 1] as ShardRow;
  if (active.treeId !== identity.treeId) {
    throw new LogError('CONFIG_INVALID', `the log's active tree is ${active.treeId}, but the log was opened as tree ${identity.treeId}`);
  }
  return rows;
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
 * A store that already has a checkpoint is left alone (also when another
 * process created it meanwhile: the compare-and-swap refuses the second).
 */
export async function initLog(store: AsyncLogStore, identity: LogIdentity, clock: Clock, signer: LogSigner): Promise<void> {
  if ((await store.latestCheckpoint()) !== undefined) return;
  const text = await emptyCheckpointText(store, identity);
  const { checkpoint: sigs } = await signer.sign([], Buffer.from(text));
  if ((await store.latestCheckpoint()) !== undefined) return;
  await appendFirst(store, { size: 0, root: EMPTY_ROOT, time: clock.now(), note: checkpointNote(identity, text, sigs) });
}

async function createEmptyLog(store: AsyncLogStore, identity: LogIdentity, clock: Clock): Promise<CheckpointRow> {
  const text = await emptyCheckpointText(store, identity);
  const checkpoint: CheckpointRow = { size: 0, root: EMPTY_ROOT, time: clock.now(), note: signCheckpointNow(identity, text) };
  return appendFirst(store, checkpoint);
}

/** Commit the size-0 checkpoint; when another process committed one first, that one (INCONSISTENT is a lost race, not damage). */
async function appendFirst(store: AsyncLogStore, checkpoint: CheckpointRow): Promise<CheckpointRow> {
  try {
    await store.appendBatch(0, { entries: [], searchKeys: [], tiles: [], checkpoint });
    return checkpoint;
  } catch (err) {
    const stored = isLogError(err, 'INCONSISTENT') ? await store.latestCheckpoint() : undefined;
    if (stored === undefined) throw err;
    return stored;
  }
}

async function emptyCheckpointText(store: AsyncLogStore, identity: LogIdentity): Promise<string> {
  if ((await store.entryByIndex(0)) !== undefined) {
    throw new LogError('CORRUPT', 'the store holds entries but no checkpoint');
  }
  return formatCheckpoint({ origin: identity.origin, size: 0, root: EMPTY_ROOT });
}
