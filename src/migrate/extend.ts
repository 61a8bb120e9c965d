/**
 * Whether a finished copy may be extended (copy.ts's `extend` plan): the
 * source took more entries after the copy finished (its server kept serving
 * during a long first copy), so the copy is the source's log at one of its
 * earlier published sizes, and `cairn migrate` run again copies only what
 * was added since. Extending is the resume of an unfinished copy from the
 * copy's head; what it takes is that the copy is that prefix, unchanged:
 *
 * - the same meta rows, except those a PostgreSQL server adds when it starts
 *   (server-meta.ts);
 * - the source's trees (its `shards` rows as the copy recorded them; the
 *   source may have frozen the copy's last tree and rotated since);
 * - the copy's head checkpoint (size, root, note) one the source published
 *   in that tree, and no entry at or past the head;
 * - the source's cosignatures, and beside them only those a server on the
 *   copy collected from witnesses for checkpoints the source published
 *   (kept-cosignatures.ts: they are kept).
 *
 * A copy that lacks one of the source's meta rows, holds another value for
 * one that makes a log what it is (server-meta.ts's IDENTITY_META_KEYS), or
 * whose trees differ is another log's. A copy of this log that a PostgreSQL
 * server has written to otherwise (sequenced into it, added a meta row the
 * source lacks, or a cosignature that is not kept) has diverged from the
 * source (a fork under the same keys once either is served on), and is
 * refused.
 */
import { LogError } from '../errors.js';
import { hashesEqual } from '../merkle/index.js';
import type { ImportStatus, PostgresImport, ShardRow } from '../storage/index.js';
import { compareCosignatures } from './kept-cosignatures.js';
import { metaDivergence } from './server-meta.js';
import type { SourceTree } from './source-trees.js';

/**
 * Throw CONFIG_INVALID (`details.notEmpty`) unless the finished copy in
 * `target` (at `status`) is this log's at a size the source published, with
 * nothing the source lacks (see the module's contract): `details.diverged`
 * when it is this log's copy (the source's meta rows, the same trees) and
 * its head checkpoint is not the source's, it holds entries past it, a meta
 * row the source does not (or with another value), or cosignatures that are
 * not kept ({@link checkCosignatures}). `sameTrees` says whether the copy's
 * `shards` rows are the source's (copy.ts). Writes nothing.
 */
export async function checkExtendable(
  status: Extract<ImportStatus, { state: 'log' }>,
  meta: readonly [string, string][],
  trees: readonly SourceTree[],
  target: PostgresImport,
  sameTrees: (stored: readonly ShardRow[]) => boolean,
): Promise<void> {
  const at = `size ${status.size}${status.tree === 0 ? '' : ` of tree ${status.tree}`}`;
  const stored = metaDivergence(await target.meta(), meta);
  const other = stored.another;
  const active = trees[trees.length - 1] as SourceTree;
  // A source whose trees are not recorded: a server on the copy records tree 0 at its first start.
  const why = other !== undefined ? `its meta ${other} differs` : active.row !== undefined && !sameTrees(await target.shards()) ? 'its trees differ' : undefined;
  if (why !== undefined) {
    throw new LogError('CONFIG_INVALID', `couldn't copy into ${target.label}: it holds a log (${at}) that is not this log's copy (${why}); cairn migrate copies only into an empty database (or schema), finishes its own unfinished copy, or extends its own finished one`, {
      details: { notEmpty: true },
    });
  }
  const diverged =
    (await divergence(status, trees, target)) ??
    (stored.diverged === undefined ? undefined : `it holds meta ${stored.diverged}, which the source ${new Map(meta).has(stored.diverged) ? 'holds with another value' : 'does not'}`);
  if (diverged !== undefined) throw divergedError(target, at, diverged);
  await checkCosignatures(status, trees, target);
}

/**
 * Throw CONFIG_INVALID (`details.diverged`) unless the cosignatures of this
 * log's finished copy in `target` (at `status`) are the source's and those
 * it keeps (kept-cosignatures.ts), each kept one of a checkpoint the copy
 * holds as the source published it. Writes nothing.
 */
export async function checkCosignatures(status: Extract<ImportStatus, { state: 'log' }>, trees: readonly SourceTree[], target: PostgresImport): Promise<void> {
  const at = `size ${status.size}${status.tree === 0 ? '' : ` of tree ${status.tree}`}`;
  for (const tree of trees.slice(0, status.tree + 1)) {
    const of = tree.ordinal === 0 ? '' : ` of tree ${tree.ordinal}`;
    const reads = target.treeReads(tree.ordinal);
    const compared = compareCosignatures(tree.cosignatures(), await target.allCosignatures(tree.ordinal), false, of);
    if (compared.why !== undefined) throw divergedError(target, at, compared.why);
    for (const size of new Set(compared.kept.map((r) => r.size))) {
      const mine = await reads.checkpointAt(size);
      const published = tree.reads.checkpointAt(size);
      if (mine === undefined || published === undefined || !hashesEqual(mine.root, published.root) || mine.note !== published.note) {
        throw divergedError(target, at, `it holds cosignatures of its checkpoint at size ${size}${of}, which is not one the source published`);
      }
    }
  }
}

function divergedError(target: PostgresImport, at: string, why: string): LogError {
  return new LogError('CONFIG_INVALID', `couldn't copy into ${target.label}: its copy of this log (${at}) has diverged from the source: ${why}; a PostgreSQL server has written to it, so it cannot be extended (copy into an empty database, or serve it as it is)`, {
    details: { notEmpty: true, diverged: true },
  });
}

/** Why the copy is not the source's log at its head, if it is not. */
async function divergence(status: Extract<ImportStatus, { state: 'log' }>, trees: readonly SourceTree[], target: PostgresImport): Promise<string | undefined> {
  const tree = trees[status.tree];
  if (tree === undefined) return `its head is in tree ${status.tree}, which the source does not have`;
  const reads = target.treeReads(status.tree);
  const head = await reads.latestCheckpoint();
  const published = tree.reads.checkpointAt(status.size);
  if (head === undefined || head.size !== status.size || published === undefined || !hashesEqual(head.root, published.root) || head.note !== published.note) {
    return `its head checkpoint (size ${head?.size ?? status.size}) is not one the source published`;
  }
  // Entries are dense: one at the head's end is one the source's copy does not hold there.
  const end = tree.firstIndex + status.size;
  if ((await reads.entryByIndex(end)) !== undefined) return `it holds entry ${end}, past its head`;
  return undefined;
}
