/**
 * CORS (the Fetch standard's CORS protocol) on the read routes, so that a
 * page served from elsewhere can read the log: GET and HEAD answers to a
 * request with an `Origin` the settings allow carry
 * `Access-Control-Allow-Origin` and `Access-Control-Expose-Headers`; a
 * preflight (OPTIONS with `Access-Control-Request-Method`) for GET or HEAD on
 * a path a route serves is answered 204 before any guard runs (a preflight
 * carries no credentials). Writes (POST) get no CORS headers: browsers keep
 * refusing them cross-origin.
 *
 * Origins: `*` (any page; no credentials are involved, since tokens travel
 * in the Authorization header a page sets itself), or a list of exact
 * origins (`https://explorer.example`), echoed back with `Vary: Origin`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from './reply.js';

export interface CorsOptions {
  /** `*`, or the exact origins (scheme://host[:port]) allowed to read. */
  readonly origins: '*' | readonly string[];
}

/** Headers a page's script may read from an answer. */
const EXPOSED = 'X-Request-Id, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, ETag, Location';
/** Request headers a page may send with a read (read-auth tokens, its own request IDs). */
const ALLOWED_HEADERS = 'Authorization, X-Request-Id';
const READ_METHODS = new Set(['GET', 'HEAD']);

/** The value of Access-Control-Allow-Origin for `origin`, or undefined when it may not read. */
function allowOrigin(o: CorsOptions, origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  if (o.origins === '*') return '*';
  return o.origins.includes(origin) ? origin : undefined;
}

/** `reply` with the CORS headers a read by `headers.origin` gets; `reply` itself for anything else. */
export function withCors(o: CorsOptions, method: string, headers: IncomingHttpHeaders, reply: Reply): Reply {
  if (!READ_METHODS.has(method)) return reply;
  const allow = allowOrigin(o, headers.origin);
  if (allow === undefined) return reply;
  const vary = allow === '*' ? reply.headers['Vary'] : [reply.headers['Vary'], 'Origin'].filter((v) => v !== undefined).join(', ');
  return {
    ...reply,
    headers: { ...reply.headers, 'Access-Control-Allow-Origin': allow, 'Access-Control-Expose-Headers': EXPOSED, ...(vary === undefined ? {} : { Vary: vary }) },
  };
}

/**
 * The answer to a CORS preflight for a read of a path whose routes allow
 * `allowed` methods; undefined when the request is no such preflight (an
 * ordinary OPTIONS, a preflight for a write, an origin not allowed), which
 * the dispatcher then answers as any other request.
 */
export function preflight(o: CorsOptions, headers: IncomingHttpHeaders, allowed: readonly string[]): Reply | undefined {
  const wanted = headers['access-control-request-method'];
  if (wanted === undefined || !READ_METHODS.has(wanted) || !allowed.includes(wanted)) return undefined;
  const allow = allowOrigin(o, headers.origin);
  if (allow === undefined) return undefined;
  return {
    status: 204,
    headers: {
      'Access-Control-Allow-Origin': allow,
      'Access-Control-Allow-Methods': 'GET, HEAD',
      'Access-Control-Allow-Headers': ALLOWED_HEADERS,
      'Access-Control-Max-Age': '86400',
      ...(allow === '*' ? {} : { Vary: 'Origin' }),
    },
    body: '',
  };
}
