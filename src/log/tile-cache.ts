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
 * tile API reads them from the store, keeping the bytes it serves in a cache
 * of its own (src/http/full-tiles.ts; immutable, so any HTTP cache can keep
 * them too). On a store without leaf groups, level-0 tiles are cached like the rest.
 *
 * `peek` answers from memory only (proofs are computed synchronously over
 * what is in memory); `get` reads a miss from the store.
 */
import { TILE_WIDTH, type Tile } from '../merkle/index.js';
import type { AsyncTreeReads } from '../storage/index.js';
import type { TileRow } from '../storage/types.js';

export class TileCache {
  readonly #store: AsyncTreeReads;
  readonly #max: number;
  readonly #skipFullLevel0: boolean;
  /** Key: index · 64 + level (level ≤ 63; index · 64 stays below 2^53 for every tile of a log below 2^53 leaves). */
  #map = new Map<number, TileRow>();
  hits = 0;
  misses = 0;

  /** `maxTiles` ≥ 1: each full tile costs about 16 KiB. */
  constructor(store: AsyncTreeReads, maxTiles: number) {
    this.#store = store;
    this.#max = Math.max(1, maxTiles);
    this.#skipFullLevel0 = store.leafGroup !== undefined;
  }

  /**
   * The tile at (level, index) if it is in memory (a hit), else undefined (a
   * miss: read it with {@link get}). A hit does not reorder (that costs more
   * than the rest of the lookup): eviction is by age of insertion, and the
   * tiles proofs need all fit below the bound anyway.
   */
  peek(level: number, index: number): Tile | undefined {
    const hit = this.#map.get(index * 64 + level);
    if (hit !== undefined) this.hits++;
    return hit;
  }

  /** The newest stored tile at (level, index), from memory or else from the store; undefined if none is stored. */
  async get(level: number, index: number): Promise<Tile | undefined> {
    const hit = this.peek(level, index);
    if (hit !== undefined) return hit;
    this.misses++;
    const row = await this.#store.tile(level, index);
    // A batch published while the read was under way may have put a wider version: keep the wider one.
    const key = index * 64 + level;
    const now = this.#map.get(key);
    if (now !== undefined && row !== undefined && now.width >= row.width) return now;
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

  /**
   * Forget every partial tile (width < 256): the tree grew by batches this
   * process did not publish (another node's), so the right edge kept here may
   * be narrower than the stored one. Full tiles never change and stay.
   */
  dropPartial(): void {
    for (const [key, t] of this.#map) if (t.width < TILE_WIDTH) this.#map.delete(key);
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
