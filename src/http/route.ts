/**
 * A route of the HTTP API, declared once: its method, its path template, how
 * its body is read, and a handler from the parsed request to a {@link Reply}.
 * Handlers never see node's request or response objects: the dispatcher
 * (dispatch.ts) parses the request once, runs the guards, reads the body and
 * writes the reply, so every rule about requests lives in one place.
 *
 * Path templates:
 * - literal segments match case-insensitively, and one trailing slash is
 *   ignored (express's default matching, which Rekor clients may rely on);
 * - `{name}` matches one non-empty segment, percent-decoded into `params`;
 * - a template ending in `/*` matches every path under that prefix
 *   (case-sensitively); the handler parses the rest from `path`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from './reply.js';

export type Method = 'GET' | 'POST';

/**
 * How the dispatcher reads a route's body (body.ts):
 * - `none`: not read (GET routes);
 * - `json`: read and parsed as JSON; `body` is the value, or undefined when
 *   the request has no JSON body (no body, or another content type);
 * - `json-bytes`: a JSON body read but not parsed: `raw` holds its (decoded)
 *   bytes, for handlers that parse elsewhere (the admission workers);
 * - `bytes`: the body's bytes whatever its content type, in `raw`.
 */
export type BodyMode = 'none' | 'json' | 'json-bytes' | 'bytes';

/** A request as handlers see it. */
export interface RequestParts {
  readonly method: string;
  /** The path as sent (not decoded), without the query. */
  readonly path: string;
  /** `{name}` segments of the template, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The query string parsed by node:querystring: a repeated key gives an array. */
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  readonly headers: IncomingHttpHeaders;
  /** With body mode `json`: the parsed body; undefined without a JSON body. */
  readonly body?: unknown;
  /** With body modes `json-bytes` and `bytes`: the body's bytes; undefined without one. */
  readonly raw?: Uint8Array;
}

export interface Route {
  readonly method: Method;
  readonly path: string;
  readonly body: BodyMode;
  /** Largest body read, bytes (413 beyond); default the dispatcher's maxRequestBytes. */
  readonly maxBodyBytes?: number;
  /** The reply; a thrown (or rejected) LogError becomes its JSON error reply. */
  readonly handle: (req: RequestParts) => Reply | Promise<Reply>;
  /**
   * An admin operation on the log itself, which only the sequencing node
   * can run: on a node of several that does not sequence, the admin gate
   * relays the request there instead of running the handler (admin-relay.ts).
   */
  readonly sequencer?: true;
}

/** `route`, run by the sequencing node only (Route.sequencer). */
export function onSequencer(route: Route): Route {
  return { ...route, sequencer: true };
}

/** A GET route (its body is never read). */
export function get(path: string, handle: Route['handle']): Route {
  return { method: 'GET', path, body: 'none', handle };
}

/** A POST route whose body is read as `body`, at most `maxBodyBytes` (default: the dispatcher's maxRequestBytes). */
export function post(path: string, body: Exclude<BodyMode, 'none'>, handle: Route['handle'], maxBodyBytes?: number): Route {
  return { method: 'POST', path, body, handle, ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }) };
}
