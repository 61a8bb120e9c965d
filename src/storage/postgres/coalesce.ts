/**
 * Coalescing of concurrent keyed reads into shared statements: while
 * `window` statements are in flight, further reads wait in a queue, and when
 * one statement returns the queue leaves together as the next one (at most
 * `maxKeys` distinct keys; the rest wait for the next slot). A read that
 * finds a free slot is sent at once: no timer, no added latency when the
 * store is idle. Under load, many requests share one round trip, one
 * statement's parse/bind/execute on the server and one result to parse.
 */

/** Reads the values of distinct keys in one statement: `values[k]` answers `keys[k]`. */
export type ReadMany<K, V> = (keys: readonly K[]) => Promise<readonly V[]>;

interface Waiter<V> {
  resolve(value: V): void;
  reject(err: unknown): void;
}

export class Coalescer<K, V> {
  readonly #window: number;
  readonly #maxKeys: number;
  readonly #idOf: (key: K) => string;
  readonly #readMany: ReadMany<K, V>;
  /** Keys waiting for a slot, by id, in arrival order; several callers of one key share its read. */
  #queue = new Map<string, { key: K; waiters: Array<Waiter<V>> }>();
  #inFlight = 0;

  /**
   * `idOf(key)` identifies a key (equal ids: the same read, sent once);
   * `readMany` rejects as a whole, and every caller of its keys gets that
   * rejection.
   */
  constructor(window: number, maxKeys: number, idOf: (key: K) => string, readMany: ReadMany<K, V>) {
    this.#window = window;
    this.#maxKeys = maxKeys;
    this.#idOf = idOf;
    this.#readMany = readMany;
  }

  /** The value of `key`, read alone if a slot is free, else with the reads queued beside it. */
  read(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const id = this.#idOf(key);
      const queued = this.#queue.get(id);
      if (queued !== undefined) queued.waiters.push({ resolve, reject });
      else this.#queue.set(id, { key, waiters: [{ resolve, reject }] });
      if (this.#inFlight < this.#window) this.#send();
    });
  }

  /** Send up to maxKeys queued keys as one statement; when it settles, the next queued ones. */
  #send(): void {
    const batch: Array<{ key: K; waiters: Array<Waiter<V>> }> = [];
    for (const [id, item] of this.#queue) {
      if (batch.length === this.#maxKeys) break;
      batch.push(item);
      this.#queue.delete(id);
    }
    if (batch.length === 0) return;
    this.#inFlight++;
    let read: Promise<readonly V[]>;
    try {
      read = this.#readMany(batch.map((b) => b.key));
    } catch (err) {
      read = Promise.reject(err);
    }
    read
      .then(
        (values) => batch.forEach((b, k) => b.waiters.forEach((w) => w.resolve(values[k] as V))),
        (err: unknown) => batch.forEach((b) => b.waiters.forEach((w) => w.reject(err))),
      )
      .finally(() => {
        this.#inFlight--;
        if (this.#queue.size > 0) this.#send();
      });
  }
}
