/**
 * The served bytes of FULL tiles and entry bundles (c2sp.org/tlog-tiles
 * `/tile/<L>/<N>` and `/tile/entries/<N>` without `.p/<W>`), kept in memory
 * so that a tile read again is answered without a store read.
 *
 * Only full tiles may be kept: a full tile of a published tree never
 * changes ("full tiles are immutable"), so a cached one is never stale on
 * any node, a follower's included, whatever the tree has grown to since.
 * Partial tiles are never kept here (the caller does not offer them): the
 * right edge grows with every batch.
 *
 * Bounded by bytes: the bodies held plus {@link ENTRY_OVERHEAD} bytes per
 * entry for its key and map slot stay within `maxBytes` (least recently used
 * out). A body that is a view into a larger buffer is copied before it is
 * kept, so the bytes counted are the bytes held. Concurrent misses on one key
 * share one read.
 */

/** Bytes counted per entry besides its body: the key string and the Map's slot (an estimate). */
export const ENTRY_OVERHEAD = 128;

/** The default bound of {@link FullTileCache}: 64 MiB (8,000 full hash tiles: the level-0 tiles of 2M entries). */
export const DEFAULT_FULL_TILE_CACHE_BYTES = 64 * 2 ** 20;

export class FullTileCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, Uint8Array>();
  readonly #pending = new Map<string, Promise<Uint8Array>>();
  #bytes = 0;
  hits = 0;
  misses = 0;

  /** At most `maxBytes` held (0: nothing is kept, every read goes to `read`). */
  constructor(maxBytes = DEFAULT_FULL_TILE_CACHE_BYTES) {
    this.#maxBytes = Math.max(0, maxBytes);
  }

  /** Bytes counted against the bound: bodies plus ENTRY_OVERHEAD per entry. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The bytes `key` names: from memory, or `read()` now and kept. `key` MUST
   * name a full tile or bundle of one tree (its bytes never change); `read`
   * is called only on a miss, and what it rejects with, the answer rejects
   * with (nothing is kept).
   */
  get(key: string, read: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.hits++;
      this.#entries.delete(key); // re-insert: Map order is recency order
      this.#entries.set(key, hit);
      return Promise.resolve(hit);
    }
    this.misses++;
    if (this.#maxBytes === 0) return read();
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = read().then(
        (body) => {
          this.#pending.delete(key);
          return this.#keep(key, body);
        },
        (err: unknown) => {
          this.#pending.delete(key);
          throw err;
        },
      );
      this.#pending.set(key, pending);
    }
    return pending;
  }

  /** Keep `body` under `key` (a copy if it is a view into a larger buffer), evicting the least recently used beyond the bound. */
  #keep(key: string, body: Uint8Array): Uint8Array {
    const cost = body.byteLength + ENTRY_OVERHEAD;
    if (cost > this.#maxBytes || this.#entries.has(key)) return body;
    const own = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : new Uint8Array(body);
    this.#entries.set(key, own);
    this.#bytes += cost;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= v.byteLength + ENTRY_OVERHEAD;
    }
    return own;
  }
}
