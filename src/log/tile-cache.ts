/**
 * The tiles proofs read whole, kept in memory: a bounded cache in front of
 * the store. Full tiles never change, so caching them is always safe; the
 * right-edge partial tiles are replaced by `put` with each published batch,
 * so the cache never holds a stale one.
 *
 * On a store with leaf groups (LogStore.leafGroup) that is every tile of
 * level ≥ 1 plus the right-most partial level-0 tile: 1/128 of the tree's
 * hashes (~2.5 MB at 10M entries), so with the default bound they all stay in
 * memory and the only per-proof store read is one leaf-group row. FULL
 * level-0 tiles are then never kept here: proofs read them by group, and the
 * tile API reads them from the store (immutable, so any HTTP cache can keep
 * them). On a store without leaf groups, level-0 tiles are cached like the rest.
 */
import { TILE_WIDTH, type Tile } from '../merkle/index.js';
import type { TileRow, TreeReads } from '../storage/types.js';

export class TileCache {
  readonly #store: TreeReads;
  readonly #max: number;
  readonly #skipFullLevel0: boolean;
  /** Key: index · 64 + level (level ≤ 63; index · 64 stays below 2^53 for every tile of a log below 2^53 leaves). */
  #map = new Map<number, TileRow>();
  hits = 0;
  misses = 0;

  /** `maxTiles` ≥ 1: each full tile costs about 16 KiB. */
  constructor(store: TreeReads, maxTiles: number) {
    this.#store = store;
    this.#max = Math.max(1, maxTiles);
    this.#skipFullLevel0 = store.leafGroup !== undefined;
  }

  /**
   * The newest stored tile at (level, index), or undefined. A hit does not
   * reorder (that costs more than the rest of the lookup): eviction is by age
   * of insertion, and the tiles proofs need all fit below the bound anyway.
   */
  get(level: number, index: number): Tile | undefined {
    const key = index * 64 + level;
    const hit = this.#map.get(key);
    if (hit !== undefined) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const row = this.#store.tile(level, index);
    if (row !== undefined && this.#keeps(row)) this.#insert(key, row);
    return row;
  }

  /** Record tiles just committed (replacing narrower versions). */
  put(tiles: readonly TileRow[]): void {
    for (const t of tiles) {
      const key = t.index * 64 + t.level;
      if (this.#keeps(t)) this.#insert(key, t);
      else this.#map.delete(key);
    }
  }

  /** Forget everything (after a failed commit nothing cached is wrong, but tests use it). */
  clear(): void {
    this.#map.clear();
  }

  #keeps(t: TileRow): boolean {
    return !(this.#skipFullLevel0 && t.level === 0 && t.width === TILE_WIDTH);
  }

  #insert(key: number, row: TileRow): void {
    this.#map.delete(key);
    this.#map.set(key, row);
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value;
      if (oldest === undefined) break;
      this.#map.delete(oldest);
    }
  }
}
