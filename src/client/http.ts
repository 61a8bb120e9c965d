/**
 * One bounded HTTP exchange with a log, over the global fetch: a timeout per
 * attempt, a cap on the response size (read as a stream, so a hostile log
 * cannot make the client buffer more), and retries with exponential backoff
 * on what is worth retrying (no answer, 429, 502, 503, 504).
 *
 * Failures are LogErrors: LOG_UNREACHABLE when no usable answer came after
 * the retries (the CLI's exit 3), LOG_RESPONSE_INVALID when the answer is too
 * large. Other statuses are returned to the caller, which knows what they mean.
 */
import { LogError, describeError } from '../errors.js';

/** Transport settings of a client. */
export interface TransportOptions {
  /** Milliseconds per attempt (connect, send, and read the whole answer). Default 30,000. */
  readonly timeoutMs?: number;
  /** Largest answer body in bytes. Default 4 MiB. */
  readonly maxResponseBytes?: number;
  /** Further attempts after the first, for retryable failures. Default 2. */
  readonly retries?: number;
  /** First backoff in ms, doubled per retry (a Retry-After of up to 10 s wins). Default 250. */
  readonly backoffMs?: number;
  /** The fetch to use; default the global one. */
  readonly fetch?: typeof fetch;
  /** Waits `ms` before a retry; default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** An answer read in full, within the size cap. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

const RETRYABLE = new Set([429, 502, 503, 504]);
const MAX_RETRY_AFTER_MS = 10_000;

/** Performs `init` against `url` with the transport's bounds and retries. */
export async function exchange(url: string, init: RequestInit, opts: TransportOptions = {}): Promise<Answer> {
  const retries = opts.retries ?? 2;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let delay = opts.backoffMs ?? 250;
  for (let attempt = 0; ; attempt++) {
    let answer: Answer;
    try {
      answer = await attempt1(url, init, opts);
    } catch (err) {
      if (attempt >= retries || !(err instanceof LogError && err.code === 'LOG_UNREACHABLE')) throw err;
      await sleep(delay);
      delay *= 2;
      continue;
    }
    if (!RETRYABLE.has(answer.status)) return answer;
    if (attempt >= retries) {
      throw new LogError('LOG_UNREACHABLE', `couldn't reach the log at ${url}: HTTP ${answer.status} after ${attempt + 1} attempts`, {
        details: { url, status: answer.status },
      });
    }
    await sleep(Math.max(delay, retryAfterMs(answer.headers)));
    delay *= 2;
  }
}

async function attempt1(url: string, init: RequestInit, opts: TransportOptions): Promise<Answer> {
  const doFetch = opts.fetch ?? fetch;
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
  let res: Response;
  try {
    res = await doFetch(url, { ...init, signal, redirect: 'error' });
  } catch (err) {
    throw new LogError('LOG_UNREACHABLE', `couldn't reach the log at ${url}: ${causeOf(err)}`, { cause: err, details: { url } });
  }
  const body = await readBounded(res, url, opts.maxResponseBytes ?? 4 * 1024 * 1024);
  return { status: res.status, headers: res.headers, body };
}

/** Reads the body as a stream, giving up past `max` bytes. */
async function readBounded(res: Response, url: string, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) {
    await res.body?.cancel();
    throw tooLarge(url, max);
  }
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > max) {
        await reader.cancel();
        throw tooLarge(url, max);
      }
      parts.push(value);
    }
  } catch (err) {
    if (err instanceof LogError) throw err;
    throw new LogError('LOG_UNREACHABLE', `couldn't read the answer of the log at ${url}: ${causeOf(err)}`, { cause: err, details: { url } });
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function tooLarge(url: string, max: number): LogError {
  return new LogError('LOG_RESPONSE_INVALID', `couldn't read the answer of the log at ${url}: larger than ${max} bytes`, { details: { url } });
}

function retryAfterMs(headers: Headers): number {
  const v = Number(headers.get('retry-after'));
  return Number.isFinite(v) && v > 0 ? Math.min(v * 1000, MAX_RETRY_AFTER_MS) : 0;
}

function causeOf(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  return cause === undefined ? describeError(err) : `${describeError(err)} (${describeError(cause)})`;
}
