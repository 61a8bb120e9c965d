/**
 * The right edge of a stored tree (RightEdge.fromTiles) read from a store
 * that answers asynchronously: the O(log n) tiles it needs are read at once,
 * then the edge is rebuilt from them. Throws what fromTiles throws (CORRUPT
 * for a missing, narrow or inconsistent tile) and what the store rejects with.
 */
import { RightEdge, type Tile } from '../merkle/index.js';
import type { AsyncTreeReads } from '../storage/index.js';

export async function readEdge(store: Pick<AsyncTreeReads, 'tile'>, size: number): Promise<RightEdge> {
  const refs = RightEdge.tilesRead(size);
  const rows = await Promise.all(refs.map((r) => store.tile(r.level, r.index)));
  const read = new Map<number, Tile | undefined>(refs.map((r, i) => [r.index * 64 + r.level, rows[i]]));
  return RightEdge.fromTiles(size, (level, index) => read.get(index * 64 + level));
}
