/**
 * gzip for immutable answers (tlog-tiles entry bundles): whether a request
 * accepts gzip (RFC 9110 §12.5.3), and a cache of compressed bodies by URL,
 * so each bundle is compressed once, on libuv's thread pool (zlib.gzip),
 * never on the event loop, and concurrent misses share one compression.
 *
 * The cache is bounded by bytes (least recently used out). Only answers
 * whose URL always names the same bytes may be cached: a tile or bundle URL
 * (a `.p/<W>` partial is a fixed prefix, never changed).
 */
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';

const gzipAsync = promisify(gzip);

/**
 * Whether `acceptEncoding` (the request's Accept-Encoding) allows gzip: it
 * names `gzip` (or `x-gzip`) or `*` with a weight above 0, and does not give
 * gzip itself weight 0. Absent: no (identity only, as most API clients mean).
 */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined || acceptEncoding === '') return false;
  let star = false;
  for (const part of acceptEncoding.split(',')) {
    const [coding = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (coding === 'gzip' || coding === 'x-gzip') return weight > 0;
    if (coding === '*') star = weight > 0;
  }
  return star;
}

export class GzipCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, Uint8Array>();
  readonly #pending = new Map<string, Promise<Uint8Array>>();
  #bytes = 0;

  /** At most `maxBytes` of compressed bodies are kept (default 32 MiB). */
  constructor(maxBytes = 32 * 2 ** 20) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes of compressed bodies held. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * The gzip of `body()`, the body `key` always names: from the cache, or
   * compressed now and kept. `body` is called only on a miss; what it throws
   * or rejects with, the answer rejects with (nothing is cached).
   */
  get(key: string, body: () => Uint8Array | Promise<Uint8Array>): Promise<Uint8Array> {
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key); // re-insert: Map order is recency order
      this.#entries.set(key, hit);
      return Promise.resolve(hit);
    }
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = Promise.resolve()
        .then(body)
        .then(gzipAsync)
        .then(
        (gz) => {
          this.#pending.delete(key);
          this.#keep(key, gz);
          return gz;
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

  #keep(key: string, gz: Uint8Array): void {
    if (gz.byteLength > this.#maxBytes) return;
    this.#entries.set(key, gz);
    this.#bytes += gz.byteLength;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= v.byteLength;
    }
  }
}
