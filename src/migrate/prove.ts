/**
 * Proving a copy made by copy.ts: the target is the source's log, row for
 * row, and a sound tree by its own rows, not only by comparison; every tree
 * of a rotated or frozen log.
 *
 * Against the source snapshot:
 * - the same meta rows (origin, tree ID, pinned keys…; the copy may hold
 *   those a server adds at its start too: server-meta.ts), the same `shards`
 *   rows (every field), the copy's head at the active tree's latest size,
 *   and for every tree the same checkpoints (size, root, time and the signed
 *   note, byte for byte), the same cosignatures of each in the same order
 *   (beside them, those a server on the copy collected from witnesses for
 *   these checkpoints, kept: kept-cosignatures.ts);
 *   the same entries (every field) and search keys, and no row more (counts).
 * From the copy's own rows:
 * - every checkpoint's note is signed by its tree's note key (tree 0's: one
 *   the copy pinned, meta `vkey`, and `vkey.<n>` of a log whose note key
 *   changed; tree k's: its row's) and names the tree's origin (the pinned
 *   one; `<pinned host> - <tree ID>` for tree k), its size and its root;
 * - every entry's body hashes to its stored leaf hash, and the leaf-hash
 *   index finds it at its global index;
 * - each tree is rebuilt from its entries' leaf hashes (the right-edge
 *   append the sequencer uses): its root at every checkpoint's size is that
 *   checkpoint's root, every full tile it makes is the copy's stored tile of
 *   that tree (the 16 leaf-group rows of a full level-0 tile), and at the
 *   end every partial tile of its right edge is the stored one
 *   (prove-tree.ts).
 *
 * Reads go window by window (4,096 entries), so memory stays bounded by a
 * window plus a tree's checkpoints. Throws CORRUPT naming the first
 * difference.
 */
import { LEAF_GROUPS_PER_TILE, TILE_WIDTH } from '../merkle/index.js';
import type { PostgresImport, SearchKey, ShardRow, SqliteSnapshot } from '../storage/index.js';
import { SERVER_META_KEYS } from './server-meta.js';
import { corrupt, sameCheckpoints, sameCosignatures, sameTree } from './prove-tree.js';
import { entryEnd, sourceTrees, type SourceTree } from './source-trees.js';

export interface CopyProofSummary {
  /** The active (last) tree's size. */
  readonly size: number;
  /** Hex root at `size`, recomputed from the copy's leaf hashes. */
  readonly root: string;
  /** The active tree's ordinal. */
  readonly tree: number;
  /** The log's trees (1 for a log never rotated). */
  readonly trees: number;
  /** Every tree's. */
  readonly entries: number;
  readonly checkpoints: number;
  /** The copy's (every tree's), kept ones included. */
  readonly cosignatures: number;
  /** Of them, those the source does not hold, kept (kept-cosignatures.ts). */
  readonly keptCosignatures: number;
  /** The source's not in the copy, which holds the same witness's cosignature of that checkpoint in place of each. */
  readonly cosignaturesInPlaceOfSource: number;
  readonly searchKeys: number;
  /** Stored tile rows checked: tiles, and leaf groups counted as their tiles. */
  readonly tiles: number;
  readonly meta: number;
}

export interface ProveOptions {
  /** Entries per window (default 4,096). */
  readonly windowEntries?: number;
  /** Called after each window with the entries proved so far (global: every tree's). */
  readonly onProgress?: (done: number, total: number) => void;
}

const PAGE = 10_000;

export async function proveCopy(source: SqliteSnapshot, target: PostgresImport, options: ProveOptions = {}): Promise<CopyProofSummary> {
  let trees: SourceTree[];
  try {
    trees = sourceTrees(source);
  } catch (err) {
    throw corrupt(`the source's trees: ${(err as Error).message}`);
  }
  const active = trees[trees.length - 1] as SourceTree;
  const n = entryEnd(trees);
  const meta = await sameMeta(source, target);
  await sameShards(trees, target);
  // The trees and the search keys are checked at once: two streams of reads for the server.
  const [proved, keys] = await Promise.allSettled([sameTrees(trees, target, meta, options, n), sameSearchKeys(source, target)]);
  if (proved.status === 'rejected') throw proved.reason;
  if (keys.status === 'rejected') throw keys.reason;
  const searchKeys = keys.value;
  const counts = await target.counts();
  expect('entries', counts.entries, n);
  expect('as its entries’ end index', counts.entryEnd, n);
  expect('search keys', counts.searchKeys, searchKeys);
  return {
    size: active.latest.size,
    root: Buffer.from(active.latest.root).toString('hex'),
    tree: active.ordinal,
    trees: trees.length,
    entries: n,
    checkpoints: proved.value.checkpoints,
    cosignatures: proved.value.cosignatures,
    keptCosignatures: proved.value.kept,
    cosignaturesInPlaceOfSource: proved.value.inPlaceOfSource,
    searchKeys,
    tiles: proved.value.tiles,
    meta: meta.size,
  };
}

/** Every tree proved in turn (prove-tree.ts), and no row more in its tables than the source's; sums. */
async function sameTrees(trees: readonly SourceTree[], target: PostgresImport, meta: Map<string, string>, options: ProveOptions, total: number): Promise<{ checkpoints: number; cosignatures: number; kept: number; inPlaceOfSource: number; tiles: number }> {
  const sum = { checkpoints: 0, cosignatures: 0, kept: 0, inPlaceOfSource: 0, tiles: 0 };
  for (const tree of trees) {
    const checkpoints = await sameCheckpoints(tree, target, meta);
    const cosignatures = await sameCosignatures(tree, target, checkpoints);
    const tiles = await sameTree(tree, target, checkpoints, options, total);
    const size = tree.latest.size;
    const counts = await target.counts(tree.ordinal);
    const of = tree.ordinal === 0 ? '' : ` of tree ${tree.ordinal}`;
    expect(`checkpoints${of}`, counts.checkpoints, checkpoints.length);
    expect(`cosignatures${of}`, counts.cosignatures, cosignatures.rows);
    expect(`leaf-group rows${of}`, counts.leafGroups, Math.floor(size / TILE_WIDTH) * LEAF_GROUPS_PER_TILE);
    expect(`tile rows${of}`, counts.tiles, tiles.rows);
    sum.checkpoints += checkpoints.length;
    sum.cosignatures += cosignatures.rows;
    sum.kept += cosignatures.kept;
    sum.inPlaceOfSource += cosignatures.inPlaceOfSource;
    sum.tiles += tiles.rows + Math.floor(size / TILE_WIDTH);
  }
  return sum;
}

function expect(what: string, found: number, want: number): void {
  if (found !== want) throw corrupt(`the copy holds ${found} ${what}, the source ${want}`);
}

async function sameMeta(source: SqliteSnapshot, target: PostgresImport): Promise<Map<string, string>> {
  const want = new Map(source.meta());
  const found = await target.meta();
  for (const [k, v] of want) {
    if (found.get(k) !== v) throw corrupt(`meta ${k} is ${JSON.stringify(found.get(k))} in the copy, ${JSON.stringify(v)} in the source`);
  }
  const extra = [...found.keys()].find((k) => !want.has(k) && !SERVER_META_KEYS.has(k));
  if (extra !== undefined) throw corrupt(`meta ${extra} is in the copy, not in the source`);
  return found;
}

/**
 * The copy's `shards` rows are the source's, every field (none for a source
 * whose trees are not recorded), and its head is at the active tree's latest
 * size.
 */
async function sameShards(trees: readonly SourceTree[], target: PostgresImport): Promise<void> {
  const want = trees.flatMap((t) => (t.row === undefined ? [] : [t.row]));
  const found = await target.shards();
  const fields = (r: ShardRow | undefined): string => JSON.stringify(r === undefined ? null : [r.ordinal, r.treeId, r.firstIndex, r.publicKeyPem, r.noteKeyPem ?? null, r.createdMs, r.frozenSize ?? null, r.frozenMs ?? null]);
  for (let i = 0; i < Math.max(want.length, found.length); i++) {
    if (fields(want[i]) !== fields(found[i])) throw corrupt(`tree ${i}'s row (shards) ${found[i] === undefined ? 'is missing from' : want[i] === undefined ? 'is extra in' : 'differs in'} the copy`);
  }
  const active = trees[trees.length - 1] as SourceTree;
  const status = await target.status();
  const head = status.state === 'empty' ? undefined : status;
  if (head?.tree !== active.ordinal || head.size !== active.latest.size) {
    throw corrupt(`the copy's head is at size ${head?.size} of tree ${head?.tree}, the source's at size ${active.latest.size} of tree ${active.ordinal}`);
  }
}

async function sameSearchKeys(source: SqliteSnapshot, target: PostgresImport): Promise<number> {
  let count = 0;
  let pending: Promise<SearchKey[]> | undefined;
  const check = async (lookup: Promise<SearchKey[]> | undefined): Promise<void> => {
    const missing = (await lookup) ?? [];
    if (missing.length > 0) throw corrupt(`search key ${JSON.stringify(missing[0]?.key)} → entry ${missing[0]?.index} is missing from the copy`);
  };
  try {
    for (let page = source.searchKeys(undefined, PAGE); page.length > 0; page = source.searchKeys(page[page.length - 1], PAGE)) {
      // The next page is read here while the server looks up this one.
      const previous = pending;
      pending = target.missingSearchKeys(page);
      pending.catch(() => undefined);
      await check(previous);
      count += page.length;
    }
    await check(pending);
  } finally {
    await pending?.catch(() => undefined);
  }
  return count;
}

