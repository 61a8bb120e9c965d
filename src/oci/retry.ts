/**
 * Retry policy for registry requests: exponential backoff with full jitter
 * on 429, 5xx (but not 501/505, which a retry cannot change) and broken
 * connections, honouring `Retry-After` (distribution-spec spec.md mentions
 * 429 TOOMANYREQUESTS; RFC 9110 §10.2.3) up to a bound.
 */

export interface RetryPolicy {
  /** Attempts after the first; 0 disables retries. */
  readonly retries: number;
  /** First backoff, in ms; doubles per attempt up to {@link RetryPolicy.maxDelayMs}. */
  readonly baseDelayMs: number;
  /** Largest wait between attempts, in ms, whatever `Retry-After` asks. */
  readonly maxDelayMs: number;
  /** Waits `ms`; injected so tests do not sleep. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); injected so tests are deterministic. */
  readonly random: () => number;
  /** Wall clock in ms, for HTTP-date `Retry-After` values. */
  readonly now: () => number;
}

export const DEFAULT_RETRIES = 4;

/** True when a response with this status may succeed if sent again. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * How long to wait before attempt `attempt + 1` (attempt counts from 0).
 * `Retry-After` in seconds or as an HTTP-date wins when present; otherwise
 * a random delay in [0, base·2^attempt), at most `maxDelayMs`.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfter?: string): number {
  const asked = parseRetryAfter(retryAfter, policy.now());
  if (asked !== undefined) return Math.min(asked, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(policy.random() * ceiling);
}

function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** A real sleep, for production use. */
export function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
