/**
 * A bounded LRU of hash tiles in front of the store. Full tiles never change,
 * so caching them is always safe; the right-edge partial tiles are replaced by
 * `put` with each published batch, so the cache never holds a stale one.
 */
import type { Tile } from '../merkle/index.js';
import type { LogStore, TileRow } from '../storage/types.js';

export class TileCache {
  readonly #store: LogStore;
  readonly #max: number;
  #map = new Map<string, TileRow>();
  hits = 0;
  misses = 0;

  /** `maxTiles` ≥ 1: each full tile costs about 16 KiB. */
  constructor(store: LogStore, maxTiles: number) {
    this.#store = store;
    this.#max = Math.max(1, maxTiles);
  }

  /** The newest stored tile at (level, index), or undefined. */
  get(level: number, index: number): Tile | undefined {
    const key = `${level}/${index}`;
    const hit = this.#map.get(key);
    if (hit !== undefined) {
      this.hits++;
      this.#map.delete(key);
      this.#map.set(key, hit);
      return hit;
    }
    this.misses++;
    const row = this.#store.tile(level, index);
    if (row !== undefined) this.#insert(key, row);
    return row;
  }

  /** Record tiles just committed (replacing narrower versions). */
  put(tiles: readonly TileRow[]): void {
    for (const t of tiles) this.#insert(`${t.level}/${t.index}`, t);
  }

  /** Forget everything (after a failed commit nothing cached is wrong, but tests use it). */
  clear(): void {
    this.#map.clear();
  }

  #insert(key: string, row: TileRow): void {
    this.#map.delete(key);
    this.#map.set(key, row);
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value;
      if (oldest === undefined) break;
      this.#map.delete(oldest);
    }
  }
}
