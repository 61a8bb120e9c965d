/**
 * Per-client rate limiting: a token bucket per client key (the bearer token's
 * name when the request carries a valid one, else the client address). A
 * bucket holds at most `burst` requests and refills at `ratePerSecond`; a
 * request finding it empty gets 429 RATE_LIMITED with `Retry-After` (whole
 * seconds until a token is back). `/healthz` and `/readyz` are never limited,
 * nor the internal route nodes forward entries on (cluster.ts: its requests
 * were limited where their clients sent them).
 *
 * Every limited answer, allowed or refused, carries the IETF draft's
 * headers (draft-ietf-httpapi-ratelimit-headers, RateLimit-* fields):
 * `RateLimit-Limit` (the burst: requests the quota holds), `RateLimit-Remaining`
 * (whole requests left now) and `RateLimit-Reset` (seconds until the bucket
 * is full again; with none left, until the next request is allowed).
 *
 * Memory is bounded: at most `maxClients` buckets are kept, least recently
 * used first out (an evicted client simply starts again with a full bucket).
 */
import { CLUSTER_ENTRIES_PATH } from './cluster.js';
import { LogError } from '../errors.js';
import { errorReply } from './errors.js';
import type { GuardRequest } from './guards.js';
import type { Reply } from './reply.js';

export interface RateLimitOptions {
  /** Sustained requests per second per client (> 0). */
  readonly ratePerSecond: number;
  /** Bucket size: requests a client may make at once after being idle (≥ 1). */
  readonly burst: number;
  /** Most clients tracked at once (default 100,000). */
  readonly maxClients?: number;
  /** Milliseconds clock (default Date.now); tests pass a manual one. */
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

/** The limiter as a class, so tests can drive it without HTTP. */
export class TokenBuckets {
  readonly #rate: number;
  readonly #burst: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(o: RateLimitOptions) {
    if (!(o.ratePerSecond > 0) || !(o.burst >= 1)) throw new LogError('CONFIG_INVALID', 'rate limit: ratePerSecond must be > 0 and burst ≥ 1');
    this.#rate = o.ratePerSecond;
    this.#burst = o.burst;
    this.#max = o.maxClients ?? 100_000;
    this.#now = o.now ?? Date.now;
  }

  /** Number of clients tracked. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Take one token for `key`: 0 when allowed, else the seconds (≥ 1) until one is available. */
  take(key: string): number {
    return this.takeWithState(key).wait;
  }

  /**
   * Take one token for `key`: `wait` as take() answers, and the bucket after
   * it: whole tokens `remaining`, and `reset`, seconds until it is full again.
   */
  takeWithState(key: string): { wait: number; remaining: number; reset: number } {
    const now = this.#now();
    const b = this.#buckets.get(key) ?? { tokens: this.#burst, updated: now };
    b.tokens = Math.min(this.#burst, b.tokens + (Math.max(0, now - b.updated) / 1000) * this.#rate);
    b.updated = now;
    this.#buckets.delete(key); // re-insert: Map order is recency order
    this.#buckets.set(key, b);
    if (this.#buckets.size > this.#max) this.#buckets.delete(this.#buckets.keys().next().value as string);
    const wait = b.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / this.#rate));
    if (wait === 0) b.tokens -= 1;
    return { wait, remaining: Math.floor(b.tokens), reset: Math.ceil((this.#burst - b.tokens) / this.#rate) };
  }
}

/** The guard limiting each client (named by `keyOf`) to `o`; `/healthz`, `/readyz` and the nodes' internal route are never limited. */
export function rateLimitGuard(o: RateLimitOptions, keyOf: (req: GuardRequest) => string): (req: GuardRequest) => Reply | undefined {
  const buckets = new TokenBuckets(o);
  return (req) => {
    if (req.path === '/healthz' || req.path === '/readyz' || req.path === CLUSTER_ENTRIES_PATH) return undefined;
    const { wait, remaining, reset } = buckets.takeWithState(keyOf(req));
    req.answerHeaders['RateLimit-Limit'] = String(o.burst);
    req.answerHeaders['RateLimit-Remaining'] = String(remaining);
    req.answerHeaders['RateLimit-Reset'] = String(wait === 0 ? reset : wait);
    if (wait === 0) return undefined;
    const r = errorReply(new LogError('RATE_LIMITED', `too many requests from this client; retry in ${wait} s`, { details: { retryAfterSeconds: wait } }));
    return { ...r, headers: { 'Retry-After': String(wait), ...r.headers } };
  };
}
