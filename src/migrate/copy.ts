/**
 * Copying a log from a SQLite snapshot into PostgreSQL (`cairn migrate`).
 *
 * Every tree of the log is copied, oldest first (a rotated log has several,
 * each frozen but the last; a frozen log's last is frozen too:
 * source-trees.ts): first the source's `shards` rows, as stored, with each
 * tree's tables on the target (src/storage/postgres/import.ts), then each
 * tree's entries, tiles and checkpoints (copy-tree.ts). Each chunk is one
 * transaction on the target from one of a tree's checkpoint sizes to a later
 * one (the largest within `chunkEntries`, or the next when none is); a
 * tree's first chunk moves the target's head from the previous tree's final
 * size into it. So after every commit the target is the source's log at one
 * of its published sizes of one tree, and a copy that stops (a failure, a
 * kill, a lost server) resumes from the target's head: the tree's right edge
 * is rebuilt from the target's tiles and must give the source's root at that
 * size before anything more is copied.
 *
 * Tiles are not read from the source: they are recomputed from the entries'
 * leaf hashes by the same right-edge append the sequencer uses, and each
 * chunk's root must be the root of the source's checkpoint at its end
 * (CORRUPT otherwise: the source does not prove out). After the entries,
 * meta rows, search keys and every tree's cosignatures are added
 * (idempotent, so a resumed copy adds them again; a checkpoint's
 * cosignature by a witness the copy holds one of already keeps the copy's:
 * kept-cosignatures.ts).
 *
 * A finished copy whose source has grown since (its server kept serving
 * during the copy) is extended the same way: reopened as unfinished at its
 * head and resumed from there (extend.ts says when it may be).
 */
import { LogError } from '../errors.js';
import { hashesEqual } from '../merkle/index.js';
import type { ImportStatus, PostgresImport, ShardRow, SqliteSnapshot } from '../storage/index.js';
import { copyTree } from './copy-tree.js';
import { checkCosignatures, checkExtendable } from './extend.js';
import { metaDifference } from './server-meta.js';
import { allCheckpoints, entryEnd, sourceTrees, type SourceTree } from './source-trees.js';

export { nextBoundary } from './copy-tree.js';

export interface CopyOptions {
  /** What the target records as the copy's source (the data dir), for messages. */
  readonly sourceLabel: string;
  /** When the copy begins, ms since the epoch. */
  readonly nowMs: number;
  /** Most entries per target transaction, when the source's checkpoints allow it (default 16,384). */
  readonly chunkEntries?: number;
  /** Entries per statement (default 4,096). */
  readonly batchEntries?: number;
  /** Called after each chunk and page. */
  readonly onProgress?: (progress: CopyProgress) => void;
}

export interface CopyProgress {
  readonly phase: 'entries' | 'search keys' | 'cosignatures';
  /** Entries: global entries copied (every tree's); otherwise rows. */
  readonly done: number;
  readonly total: number;
}

export interface CopyResult {
  /** The number of entries the target held (every tree's) when this run began, when it resumed an unfinished copy or extended a finished one. */
  readonly resumedAt: number | undefined;
  /** The target held this log already, finished, at the snapshot's latest checkpoint: nothing was written. */
  readonly alreadyFinished: boolean;
  /** The copy's size: the snapshot's active (last) tree's latest checkpoint's. */
  readonly size: number;
  /** The log's trees (1 for a log never rotated). */
  readonly trees: number;
  readonly entriesCopied: number;
  readonly chunks: number;
  /** Every tree's. */
  readonly checkpoints: number;
  readonly searchKeys: number;
  /** Every tree's. */
  readonly cosignatures: number;
}

const PAGE = 10_000;

/**
 * What {@link copyLog} does with a target, decided by {@link planCopy}
 * before anything is written: `new`, an empty target to begin; `begun`, one
 * {@link beginCopy} began (nothing copied yet); `resume`, this log's
 * unfinished copy at `size` of tree `tree`; `finished`, this log's finished
 * copy at the snapshot's latest checkpoint (nothing to write); `extend`,
 * this log's finished copy at an earlier size `size` of tree `tree` that the
 * source published (extend.ts), to reopen and resume there.
 */
export type CopyPlan =
  | { readonly state: 'new' | 'begun' | 'finished' }
  | { readonly state: 'resume' | 'extend'; readonly tree: number; readonly size: number };

/**
 * Decide what copying the snapshot's log into `target` takes, writing
 * nothing. Rejects as {@link copyLog} does before it writes: CONFIG_INVALID
 * (`details.notEmpty`) for a target holding a log or another log's copy
 * (`details.diverged` too for this log's copy that a server has written to:
 * extend.ts), NOT_FOUND for a source without a checkpoint, CORRUPT for a source whose
 * trees do not chain, and as the target does.
 */
export async function planCopy(source: SqliteSnapshot, target: PostgresImport): Promise<CopyPlan> {
  const trees = sourceTrees(source);
  const meta = source.meta();
  const status = await target.status();
  if (status.state === 'empty') return { state: 'new' };
  if (status.state === 'log') {
    if (await finishedCopyOf(target, meta, trees, status)) {
      await checkCosignatures(status, trees, target);
      return { state: 'finished' };
    }
    await checkExtendable(status, meta, trees, target, (stored) => sameShards(stored, trees, false));
    return { state: 'extend', tree: status.tree, size: status.size };
  }
  await checkResumable(status, meta, trees, target);
  return { state: 'resume', tree: status.tree, size: status.size };
}

/**
 * Begin the copy planned as `new` (the target's `import_state` row and the
 * source's meta rows, one transaction), or reopen the one planned as
 * `extend` (the `import_state` row again, the head still where planned:
 * CONFIG_INVALID otherwise, nothing written), so that the target is marked unfinished before
 * any log's entries are copied; resolves with the plan that continues it
 * (`begun`, or `resume` at the head). Any other plan is returned as it is.
 */
export async function beginCopy(source: SqliteSnapshot, target: PostgresImport, plan: CopyPlan, options: Pick<CopyOptions, 'sourceLabel' | 'nowMs'>): Promise<CopyPlan> {
  if (plan.state === 'extend') {
    await target.reopen(options.sourceLabel, options.nowMs, plan.size, plan.tree);
    return { state: 'resume', tree: plan.tree, size: plan.size };
  }
  if (plan.state !== 'new') return plan;
  await target.begin(options.sourceLabel, source.meta(), options.nowMs);
  return { state: 'begun' };
}

/**
 * Copy the snapshot's log, every tree of it, into `target` (empty, holding
 * an unfinished copy of the same log, or its finished copy at a size the
 * source published before, which is extended; a target holding this log's
 * finished copy at the snapshot's latest checkpoint is left as it is,
 * `alreadyFinished`), as `plan` says (default: {@link planCopy}'s, made now;
 * one made earlier MUST be of this source and target, with nothing else
 * writing the target since). Rejects as {@link planCopy} does, with CORRUPT
 * when the source's entries do not give its checkpoints' roots, and as the
 * target does (STORE_FAILED: the target is left at its last chunk's size).
 */
export async function copyLog(source: SqliteSnapshot, target: PostgresImport, options: CopyOptions, plan?: CopyPlan): Promise<CopyResult> {
  const planned = await beginCopy(source, target, plan ?? (await planCopy(source, target)), options);
  const trees = sourceTrees(source);
  const active = trees[trees.length - 1] as SourceTree;
  const total = entryEnd(trees);
  const checkpoints = trees.reduce((n, t) => n + allCheckpoints(t.reads).length, 0);
  const meta = source.meta();
  if (planned.state === 'finished') {
    const cosignatures = trees.reduce((n, t) => n + t.cosignatures().length, 0);
    return { resumedAt: undefined, alreadyFinished: true, size: active.latest.size, trees: trees.length, entriesCopied: 0, chunks: 0, checkpoints, searchKeys: source.searchKeyCount(), cosignatures };
  }
  await target.addShards(trees.flatMap((t) => (t.row === undefined ? [] : [t.row])));
  const [first, from] = planned.state === 'resume' ? [planned.tree, planned.size] : [0, 0];
  const start = (trees[first]?.firstIndex ?? 0) + from;
  let chunks = 0;
  for (const tree of trees.slice(first)) chunks += await copyTree(tree, target, tree.ordinal === first ? from : 0, total, options);

  await target.addMeta(meta);
  const searchKeys = await copySearchKeys(source, target, options.onProgress);
  let cosignatures = 0;
  const byTree = trees.map((t) => t.cosignatures());
  const allCosignatures = byTree.reduce((n, rows) => n + rows.length, 0);
  for (const [k, tree] of trees.entries()) {
    const rows = byTree[k] ?? [];
    for (let i = 0; i < rows.length; i += PAGE) {
      await target.addCosignatures(rows.slice(i, i + PAGE), tree.ordinal);
      cosignatures += Math.min(PAGE, rows.length - i);
      options.onProgress?.({ phase: 'cosignatures', done: cosignatures, total: allCosignatures });
    }
  }
  return { resumedAt: planned.state === 'resume' ? start : undefined, alreadyFinished: false, size: active.latest.size, trees: trees.length, entriesCopied: total - start, chunks, checkpoints, searchKeys, cosignatures };
}

/**
 * Whether `target` (holding a finished log) holds this log's finished copy at
 * the snapshot's latest checkpoint: the same meta rows, the same trees, and
 * its head at the active tree's latest checkpoint, the same one (the proof
 * checks the rest).
 */
async function finishedCopyOf(target: PostgresImport, meta: readonly [string, string][], trees: readonly SourceTree[], status: Extract<ImportStatus, { state: 'log' }>): Promise<boolean> {
  if (metaDifference(await target.meta(), meta, true) !== undefined) return false;
  const active = trees[trees.length - 1] as SourceTree;
  // A source whose trees are not recorded: a server on the copy records tree 0 at its first start.
  if (active.row !== undefined && !sameShards(await target.shards(), trees, true)) return false;
  const head = await target.treeReads(status.tree).latestCheckpoint();
  return status.tree === active.ordinal && head !== undefined && head.size === active.latest.size && head.note === active.latest.note && hashesEqual(head.root, active.latest.root);
}

/**
 * Whether the copy's `shards` rows are the source's: each the same tree
 * (ordinal, ID, first index, keys, creation time) and frozen alike, or
 * (unless `exactly`) not yet frozen where the source has frozen it since;
 * no row more than the source's, and (when `exactly`) none fewer.
 */
function sameShards(stored: readonly ShardRow[], trees: readonly SourceTree[], exactly: boolean): boolean {
  const rows = trees.flatMap((t) => (t.row === undefined ? [] : [t.row]));
  if (stored.length > rows.length || (exactly && stored.length !== rows.length)) return false;
  return stored.every((s, i) => {
    const r = rows[i] as ShardRow;
    const same = s.ordinal === r.ordinal && s.treeId === r.treeId && s.firstIndex === r.firstIndex && s.publicKeyPem === r.publicKeyPem && s.noteKeyPem === r.noteKeyPem && s.createdMs === r.createdMs;
    return same && ((s.frozenSize === r.frozenSize && s.frozenMs === r.frozenMs) || (!exactly && s.frozenSize === undefined));
  });
}

/**
 * An unfinished copy may be resumed only from the same log: every meta row
 * the same (but those a server adds: server-meta.ts), its trees the
 * source's (sameShards), its head at a size the source's tree published.
 */
async function checkResumable(status: Extract<ImportStatus, { state: 'importing' }>, meta: readonly [string, string][], trees: readonly SourceTree[], target: PostgresImport): Promise<void> {
  const differs = metaDifference(await target.meta(), meta, false);
  const tree = trees[status.tree];
  const cp = tree?.reads.checkpointAt(status.size);
  const why =
    differs !== undefined ? `, whose ${differs} differs`
    : !sameShards(await target.shards(), trees, false) ? ', whose trees differ'
    : tree === undefined || (status.hasCheckpoint && cp === undefined) ? `, at a size ${status.size} of tree ${status.tree} this log never published`
    : undefined;
  if (why !== undefined) {
    throw new LogError('CONFIG_INVALID', `couldn't copy into ${target.label}: it holds an unfinished copy of another log (from ${status.source}${why})`, {
      details: { notEmpty: true },
    });
  }
  if (!status.hasCheckpoint && status.size !== 0) throw new LogError('CORRUPT', `couldn't resume the copy in ${target.label}: it has no checkpoint at its size ${status.size}`);
}

async function copySearchKeys(source: SqliteSnapshot, target: PostgresImport, onProgress: CopyOptions['onProgress']): Promise<number> {
  const total = source.searchKeyCount();
  let done = 0;
  let inflight: Promise<void> | undefined;
  try {
    for (let page = source.searchKeys(undefined, PAGE); page.length > 0; page = source.searchKeys(page[page.length - 1], PAGE)) {
      // Pages go in their own transactions: two on the server at once while the next is read here.
      const previous = inflight;
      inflight = target.addSearchKeys(page);
      inflight.catch(() => undefined);
      await previous;
      done += previous === undefined ? 0 : PAGE;
      onProgress?.({ phase: 'search keys', done, total });
    }
    await inflight;
  } finally {
    await inflight?.catch(() => undefined);
  }
  onProgress?.({ phase: 'search keys', done: total, total });
  return total;
}
