/**
 * The trees of a source log, as the copy (copy.ts) and its proof (prove.ts)
 * read them: the snapshot's `shards` rows, oldest first (a rotated log has
 * several, the last the active one; a frozen log's last is frozen too), each
 * tree's checkpoints, cosignatures and tiles through its own reads, and the
 * log's entries at their global indices (tree k's leaf i is entry
 * `firstIndex(k) + i`). A log whose trees are not recorded is one tree from
 * index 0.
 */
import { LogError } from '../errors.js';
import type { CheckpointRow, CosignatureRow, ShardRow, SqliteSnapshot, TreeReads } from '../storage/index.js';

/** One tree of the source. */
export interface SourceTree {
  readonly ordinal: number;
  /** Its `shards` row as stored; undefined for a log whose trees are not recorded. */
  readonly row: ShardRow | undefined;
  /** Global index of its first entry. */
  readonly firstIndex: number;
  /** Its checkpoints, cosignatures and tiles; the log's entries. */
  readonly reads: TreeReads;
  /** Its latest checkpoint: a tree before the last one, its final one (at its frozen size). */
  readonly latest: CheckpointRow;
  /** Its cosignatures, by checkpoint size, each size's in insertion order. */
  cosignatures(): CosignatureRow[];
}

const PAGE = 10_000;

/**
 * The source's trees, oldest first. Throws NOT_FOUND when the active tree
 * holds no checkpoint yet, CORRUPT when the rows do not chain (ordinals 0, 1,
 * 2…; each tree but the last frozen, its final checkpoint at its frozen
 * size; each tree starting where the one before it ends).
 */
export function sourceTrees(source: SqliteSnapshot): SourceTree[] {
  const store = source.store;
  const rows = store.shards();
  const latest = store.latestCheckpoint();
  if (latest === undefined) throw new LogError('NOT_FOUND', `couldn't copy ${source.path}: it holds no checkpoint yet`);
  if (rows.length === 0) return [{ ordinal: 0, row: undefined, firstIndex: 0, reads: store, latest, cosignatures: () => source.cosignatures() }];
  let next = 0;
  return rows.map((row, i) => {
    const last = i === rows.length - 1;
    const reads = last ? store : store.frozenTree(row.ordinal);
    const final = last ? latest : reads.latestCheckpoint();
    const where = `tree ${row.ordinal} (${row.treeId}) of ${source.path}`;
    if (row.ordinal !== i || row.firstIndex !== next) throw new LogError('CORRUPT', `couldn't copy ${where}: it is not tree ${i} starting at entry ${next}`);
    if (!last && row.frozenSize === undefined) throw new LogError('CORRUPT', `couldn't copy ${where}: a later tree follows it, but it is not frozen`);
    if (final === undefined || (row.frozenSize !== undefined && final.size !== row.frozenSize)) {
      throw new LogError('CORRUPT', `couldn't copy ${where}: its latest checkpoint (size ${final?.size}) is not at its frozen size ${row.frozenSize}`);
    }
    next = row.firstIndex + final.size;
    return { ordinal: row.ordinal, row, firstIndex: row.firstIndex, reads, latest: final, cosignatures: () => source.cosignatures(row.ordinal) };
  });
}

/** Every checkpoint of `tree`, ascending. */
export function allCheckpoints(tree: Pick<TreeReads, 'listCheckpoints'>): CheckpointRow[] {
  const out: CheckpointRow[] = [];
  for (let from = 0; ; ) {
    const page = tree.listCheckpoints(from, PAGE);
    out.push(...page);
    if (page.length < PAGE) return out;
    from = (page[page.length - 1] as CheckpointRow).size + 1;
  }
}

/** Global index one past the last tree's latest entry: the number of entries of the log. */
export function entryEnd(trees: readonly SourceTree[]): number {
  const last = trees[trees.length - 1] as SourceTree;
  return last.firstIndex + last.latest.size;
}
