/**
 * A bounded map whose entries expire `ttlMs` after they were set, on an
 * injected clock: the verified-digest cache and the tag cache of the
 * evaluator. Least recently used entries are evicted first beyond `max`.
 */
import type { Clock } from '../clock.js';

export class TtlCache<V> {
  readonly #map = new Map<string, { value: V; expires: number }>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #clock: Clock;

  /** `ttlMs` ≤ 0 disables the cache (nothing is kept). */
  constructor(ttlMs: number, max: number, clock: Clock) {
    this.#ttlMs = ttlMs;
    this.#max = Math.max(1, Math.floor(max));
    this.#clock = clock;
  }

  /** The value set under `key` less than `ttlMs` ago, else undefined. */
  get(key: string): V | undefined {
    const hit = this.#map.get(key);
    if (hit === undefined) return undefined;
    this.#map.delete(key);
    if (this.#clock.now() >= hit.expires) return undefined;
    this.#map.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V): void {
    if (this.#ttlMs <= 0) return;
    this.#map.delete(key);
    this.#map.set(key, { value, expires: this.#clock.now() + this.#ttlMs });
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#map.size;
  }
}
