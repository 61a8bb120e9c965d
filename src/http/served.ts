/**
 * What the dispatcher reports of every request it answers (dispatch.ts), for
 * the access log and the request metrics, and the request ID each answer
 * carries. http knows no logging library: the composition root turns a
 * `Served` into a log line.
 *
 * Request IDs: a client's (or a proxy's) `X-Request-Id` is kept when it is
 * sane, 1 to 128 characters of letters, digits and `._:+/=@-`, starting with
 * a letter or digit; otherwise (absent, too long, anything else) a random
 * UUID is made. Either way the answer carries it in `X-Request-Id`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface Served {
  /** The request ID, also sent in the answer's X-Request-Id. */
  readonly requestId: string;
  /** The request's method as sent. */
  readonly method: string;
  /** The matched route's path template (`/api/v1/log/entries/{entryUUID}`), never the raw path; `none` when no route matched. */
  readonly route: string;
  readonly status: number;
  /** An error answer's code (`DUPLICATE`, `RATE_LIMITED`, …; src/errors.ts); undefined for other answers. */
  readonly error?: string;
  /** Milliseconds from the request reaching the dispatcher to its answer being handed to node:http. */
  readonly durationMs: number;
}

/** Called once per answered request, after the answer was written. MUST NOT throw. */
export type ServedListener = (served: Served) => void;

/** One listener calling `first`, then `then` when there is one. */
export function bothServed(first: ServedListener, then: ServedListener | undefined): ServedListener {
  return then === undefined
    ? first
    : (s) => {
        first(s);
        then(s);
      };
}

/** The route label of a request no route matched. */
export const NO_ROUTE = 'none';

const SANE_ID = /^[A-Za-z0-9][A-Za-z0-9._:+/=@-]{0,127}$/;

/** The request's X-Request-Id when sane, else a new random UUID. */
export function requestId(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}
