/**
 * Rotation and freeze of the log's active tree, while the server keeps
 * serving (docs/ARCHITECTURE.md "Shards").
 *
 * A rotation, in order:
 * 1. Before anything pauses: pick the new tree ID and keys (the staged next
 *    keys, else the active tree's), and sign the new tree's size-0
 *    checkpoint. Nothing is written; a failure here changes nothing.
 * 2. Pause the sequencer: no batch is taken, submissions keep pooling (and
 *    deduplicating); wait for the batches in flight to be published. The
 *    active tree's latest published checkpoint is now its final one.
 * 3. One store transaction (LogStore.rotate): the active tree frozen at that
 *    size, the new tree recorded with its checkpoint. A crash before it
 *    commits leaves the old state, after it the new one; nothing in between.
 * 4. Durable (sync), then the new tree is installed (reads, writes) and the
 *    sequencer resumes into it: the pooled submissions become its first
 *    entries, at global indices right after the frozen tree's last.
 * The pause lasts the batches in flight (at most one batch interval plus
 * its commit) and one small transaction; no submission fails because of it.
 */
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../clock.js';
import { LogError, describeError, isLogError } from '../errors.js';
import { EMPTY_ROOT } from '../merkle/index.js';
import { formatCheckpoint } from '../note/index.js';
import type { AsyncLogStore } from '../storage/index.js';
import type { CheckpointRow, ShardRow } from '../storage/types.js';
import { checkpointNote } from './checkpoint-note.js';
import { makeIdentity, newTreeId, type LogIdentity } from './identity.js';
import type { Sequencer } from './sequencer.js';
import { shardKeys, type Shard } from './shard.js';
import type { LogSigner } from './signer.js';
import type { LogState } from './state.js';

/** The keys of a tree: public ones (for its identity) and how they sign. */
export interface TreeKeys {
  /** The log key, private (a file) or public (a token's, signed by `signer`). */
  readonly logKey: KeyObject;
  /** The Ed25519 note key, for an ECDSA log key. */
  readonly noteKey?: KeyObject | undefined;
  readonly signer: LogSigner;
}

/** What a rotation or freeze works on: the service's parts, handed over for the operation. */
export interface RotationContext {
  readonly store: AsyncLogStore;
  readonly clock: Clock;
  readonly sequencer: Sequencer;
  readonly active: Shard;
  readonly state: LogState;
  /** How the active tree signs now. */
  readonly signer: LogSigner;
  /** The staged keys of the next tree; default the active tree's. */
  readonly nextKeys?: TreeKeys;
  readonly random: (n: number) => Uint8Array;
  /** The Shard of a tree the store has just frozen. */
  frozenShard(row: ShardRow): Promise<Shard>;
}

/** A frozen tree as clients see it in Rekor's LogInfo.inactiveShards. */
export interface FrozenTreeInfo {
  readonly treeID: string;
  readonly treeSize: number;
  /** Hex. */
  readonly rootHash: string;
  /** The final checkpoint (signed note). */
  readonly signedTreeHead: string;
}

export interface RotationResult {
  readonly frozen: FrozenTreeInfo;
  /** The new active tree: its ID, logID and the global index of its first entry. */
  readonly active: { readonly treeID: string; readonly logID: string; readonly firstIndex: number };
  /** How long no batch was taken, ms (wall clock). */
  readonly pausedMs: number;
}

export type FreezeResult = FrozenTreeInfo;

/** What rotateTree hands the service to install. */
export interface NextTree {
  readonly frozen: Shard;
  readonly identity: LogIdentity;
  readonly checkpoint: CheckpointRow;
  readonly row: ShardRow;
  readonly signer: LogSigner;
}

/**
 * Rotate (the header's steps); `install` makes the new tree active and
 * resumes the sequencer into it. READ_ONLY when the log refuses writes
 * (nothing changed); a failed transaction changes nothing and the active
 * tree goes on (one whose COMMIT's outcome is unknown counts as done when
 * the store records the new tree); a failed sync after it stops writing
 * (restart to re-verify).
 */
export async function rotateTree(ctx: RotationContext, install: (next: NextTree) => Promise<void>): Promise<RotationResult> {
  const rotate = ctx.store.rotate?.bind(ctx.store);
  const shards = ctx.store.shards?.bind(ctx.store);
  if (rotate === undefined || shards === undefined) throw new LogError('UNSUPPORTED', "couldn't rotate: not supported on this store (it keeps one tree)");
  refuseIfReadOnly(ctx.state, 'rotate');

  // 1. Prepare: identity and signed size-0 checkpoint of the new tree. Nothing paused, nothing written.
  const taken = new Set((await shards()).map((s) => s.treeId));
  let treeId = newTreeId(ctx.random);
  while (taken.has(treeId)) treeId = newTreeId(ctx.random);
  const keys = pickKeys(ctx);
  const identity = makeIdentity(keys.logKey, treeId, ctx.active.identity.publicUrl, keys.noteKey);
  const text = formatCheckpoint({ origin: identity.origin, size: 0, root: EMPTY_ROOT });
  let sigs: Uint8Array[];
  try {
    sigs = (await keys.signer.sign([], Buffer.from(text))).checkpoint;
  } catch (err) {
    throw new LogError('KEY_UNAVAILABLE', `couldn't rotate: couldn't sign the new tree's first checkpoint: ${describeError(err)}`, { cause: err });
  }
  const note = checkpointNote(identity, text, sigs);

  // 2. Pause: the batches in flight are published (or failed); submissions pool meanwhile.
  const t0 = performance.now();
  await ctx.sequencer.pause();
  let resumed = false;
  try {
    refuseIfReadOnly(ctx.state, 'rotate');
    const final = ctx.state.published;
    const now = Math.max(ctx.clock.now(), final.time);
    const checkpoint: CheckpointRow = { size: 0, root: EMPTY_ROOT, time: now, note };

    // 3. One transaction: old tree frozen at its published size, new tree recorded with its first checkpoint. A
    //    connection lost during its COMMIT leaves it done or not: the store's trees tell which (when they can be read;
    //    otherwise the active tree goes on, and its next batch's compare-and-swap, which names the tree, tells).
    try {
      await rotate({ frozenSize: final.size, frozenMs: now, next: { ...shardKeys(identity), createdMs: now }, checkpoint });
    } catch (err) {
      await unlessItTookEffect(err, shards, (rows) => rows[rows.length - 1]?.treeId === treeId);
    }

    // 4. Durable before anyone sees the new tree; then install it and resume into it.
    try {
      await ctx.store.sync?.();
    } catch (err) {
      ctx.state.stopWriting(`the rotation could not be synced to disk (${describeError(err)}); restart to re-verify the store`);
      throw new LogError('STORE_FAILED', `couldn't make the rotation durable: ${describeError(err)}`, { cause: err });
    }
    const rows = await shards();
    const frozen = await ctx.frozenShard(rows[rows.length - 2] as ShardRow);
    const row = rows[rows.length - 1] as ShardRow;
    await install({ frozen, identity, checkpoint, row, signer: keys.signer });
    resumed = true;
    return {
      frozen: frozenInfo(ctx.active.identity.treeId, final),
      active: { treeID: identity.treeId, logID: identity.logId, firstIndex: row.firstIndex },
      pausedMs: performance.now() - t0,
    };
  } finally {
    if (!resumed) {
      if (ctx.state.readOnly !== undefined) ctx.sequencer.rejectPool(new LogError('READ_ONLY', `the log refuses writes: ${ctx.state.readOnly}`));
      ctx.sequencer.resume();
    }
  }
}

/**
 * Freeze the active tree for good at its published size (LogStore.freeze):
 * pooled submissions are sequenced first. The caller then refuses writes.
 * A freeze whose COMMIT's outcome is unknown counts as done when the store
 * records the tree frozen at that size.
 */
export async function freezeTree(ctx: RotationContext): Promise<FreezeResult> {
  const freeze = ctx.store.freeze?.bind(ctx.store);
  if (freeze === undefined) throw new LogError('UNSUPPORTED', "couldn't freeze: not supported on this store (it cannot record a frozen tree)");
  refuseIfReadOnly(ctx.state, 'freeze');
  await ctx.sequencer.flush();
  await ctx.sequencer.pause();
  try {
    refuseIfReadOnly(ctx.state, 'freeze');
    const final = ctx.state.published;
    try {
      await freeze(final.size, Math.max(ctx.clock.now(), final.time));
    } catch (err) {
      await unlessItTookEffect(err, ctx.store.shards?.bind(ctx.store), (rows) => rows[rows.length - 1]?.frozenSize === final.size);
    }
    await ctx.store.sync?.();
    return frozenInfo(ctx.active.identity.treeId, final);
  } catch (err) {
    ctx.sequencer.resume();
    throw err;
  }
}

/** The staged keys when they differ from the active tree's; else the active tree's own. */
function pickKeys(ctx: RotationContext): TreeKeys {
  const current = ctx.active.identity;
  const next = ctx.nextKeys;
  if (next !== undefined && makeIdentity(next.logKey, current.treeId, current.publicUrl, next.noteKey).logId !== current.logId) return next;
  const priv = current.privateKeys;
  return {
    logKey: priv?.log ?? current.publicKey,
    noteKey: current.keyType === 'ed25519' ? undefined : (priv?.note ?? current.notePublicKey),
    signer: ctx.signer,
  };
}

function refuseIfReadOnly(state: LogState, what: string): void {
  const refused = state.readOnly;
  if (refused !== undefined) throw new LogError('READ_ONLY', `couldn't ${what}: the log refuses writes: ${refused}`);
}

function frozenInfo(treeId: string, final: CheckpointRow): FrozenTreeInfo {
  return { treeID: treeId, treeSize: final.size, rootHash: Buffer.from(final.root).toString('hex'), signedTreeHead: final.note };
}

/**
 * Rethrows `err` unless it is a COMMIT whose outcome is unknown (STORE_FAILED
 * with `details.outcome = 'unknown'`: the connection died during it) and the
 * store's trees, read now, show that it took effect (`took`). Trees that
 * cannot be read tell nothing: `err` stands.
 */
async function unlessItTookEffect(err: unknown, shards: (() => Promise<ShardRow[]>) | undefined, took: (rows: readonly ShardRow[]) => boolean): Promise<void> {
  if (!isLogError(err, 'STORE_FAILED') || err.details?.['outcome'] !== 'unknown' || shards === undefined) throw err;
  if (!took(await shards().catch((): ShardRow[] => []))) throw err;
}
