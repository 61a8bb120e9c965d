/**
 * Copying one tree of a log (copy.ts): its entries chunk by chunk, each
 * chunk one transaction on the target from one of the tree's checkpoint
 * sizes to a later one, with the tree's tiles recomputed from the entries'
 * leaf hashes by the right-edge append the sequencer uses (every chunk's root
 * MUST be the root of the source's checkpoint at its end: CORRUPT
 * otherwise), and the tree's checkpoints in between.
 */
import { LogError } from '../errors.js';
import { RightEdge, TILE_WIDTH, hashesEqual, type Tile } from '../merkle/index.js';
import type { CheckpointRow, PostgresImport } from '../storage/index.js';
import type { CopyOptions } from './copy.js';
import { allCheckpoints, type SourceTree } from './source-trees.js';

const DEFAULT_CHUNK = 16_384;
const DEFAULT_BATCH = 4_096;

/**
 * Copy `tree`'s entries from its size `from` (the target's head: 0 for a
 * tree not begun, whose first chunk moves the head into it) up to its latest
 * checkpoint. A copy resumed at `from` > 0 first rebuilds the tree's right
 * edge from the target's tiles, which MUST give the source's root at `from`
 * (CORRUPT otherwise). Progress is reported in global entries out of
 * `total`. Resolves with the number of chunks committed.
 */
export async function copyTree(tree: SourceTree, target: PostgresImport, from: number, total: number, options: CopyOptions): Promise<number> {
  const checkpoints = allCheckpoints(tree.reads);
  const bySize = new Map(checkpoints.map((c) => [c.size, c]));
  let position = from;
  const edge = position === 0 ? RightEdge.empty() : await edgeAt(target, tree.ordinal, position);
  if (position > 0 && !hashesEqual(edge.root(), (bySize.get(position) as CheckpointRow).root)) {
    throw new LogError('CORRUPT', `couldn't resume the copy at size ${position} of tree ${tree.ordinal}: the copy's tiles do not give the source's root at that size`);
  }
  const chunkEntries = Math.max(1, options.chunkEntries ?? DEFAULT_CHUNK);
  const batchEntries = Math.max(1, options.batchEntries ?? DEFAULT_BATCH);
  const sizes = checkpoints.map((c) => c.size);
  let chunks = 0;
  do {
    const end = nextBoundary(sizes, position, chunkEntries);
    const chunk = await target.chunk(position, tree.ordinal);
    // One statement in flight while the next rows are read and hashed here: the server writes while this process reads.
    let inflight: Promise<void> | undefined;
    try {
      const tiles = new Map<string, Tile>();
      for (let at = position; at < end; at += batchEntries) {
        const n = Math.min(batchEntries, end - at);
        const entries = tree.reads.entriesInRange(tree.firstIndex + at, n);
        if (entries.length !== n) throw new LogError('CORRUPT', `couldn't copy: the source holds ${entries.length} of its entries ${tree.firstIndex + at}..${tree.firstIndex + at + n - 1}`);
        const full: Tile[] = [];
        for (const t of edge.append(entries.map((e) => e.leafHash)).tiles) {
          const key = `${t.level}/${t.index}`;
          if (t.level === 0 && t.width === TILE_WIDTH) {
            tiles.delete(key);
            full.push(t);
          } else {
            tiles.set(key, t);
          }
        }
        await inflight;
        inflight = chunk.addEntries(entries, full);
        inflight.catch(() => undefined); // met by the await above or below; never left unhandled meanwhile
      }
      await inflight;
      if (!hashesEqual(edge.root(), (bySize.get(end) as CheckpointRow).root)) {
        throw new LogError('CORRUPT', `couldn't copy: the source's entries up to ${end} of tree ${tree.ordinal} do not hash to the root of its checkpoint at that size (run cairn check on it)`);
      }
      await chunk.commit({ size: end, checkpoints: checkpoints.filter((c) => c.size >= position && c.size <= end), tiles: [...tiles.values()] });
    } catch (err) {
      await inflight?.catch(() => undefined);
      await chunk.abort();
      throw err;
    }
    position = end;
    chunks++;
    options.onProgress?.({ phase: 'entries', done: tree.firstIndex + position, total });
  } while (position < tree.latest.size);
  return chunks;
}

/** The end of the next chunk after `position`: the largest checkpoint size within `most` entries, else the next one. */
export function nextBoundary(sizes: readonly number[], position: number, most: number): number {
  let best: number | undefined;
  for (const s of sizes) {
    if (s <= position) continue;
    if (s <= position + most) best = s;
    else return best ?? s;
  }
  return best ?? position;
}

/** The right edge of the copy's tree `ordinal` at `size`, from its stored tiles (one per level), checked as RightEdge.fromTiles does. */
async function edgeAt(target: PostgresImport, ordinal: number, size: number): Promise<RightEdge> {
  const reads = target.treeReads(ordinal);
  const tiles = new Map<string, Tile | undefined>();
  for (let level = 0; Math.floor(size / TILE_WIDTH ** level) > 0; level++) {
    const index = Math.floor(size / TILE_WIDTH ** (level + 1));
    if (Math.floor(size / TILE_WIDTH ** level) % TILE_WIDTH !== 0) tiles.set(`${level}/${index}`, await reads.tile(level, index));
  }
  return RightEdge.fromTiles(size, (level, index) => tiles.get(`${level}/${index}`));
}
