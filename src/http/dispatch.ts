/**
 * The dispatcher: the node:http request listener that serves a route table.
 * For every request, in this order:
 *
 * 1. split the request target into path and query (node:querystring: a
 *    repeated key gives an array, which a parameter schema then refuses);
 * 2. run the guard chain (guards.ts); a guard's refusal is the answer; a
 *    path under `/api/v1/admin/` goes through the admin gate (admin.ts:
 *    role, one-time code, a durable audit record before the answer), which
 *    on a node of several that does not sequence relays an operation of the
 *    sequencing node's there (admin-relay.ts); a relay from another node
 *    (POST {@link ADMIN_RELAY_PATH}, authenticated by its MAC, not by the
 *    guards) runs such an operation here through the gate;
 * 3. find the route (router.ts); none → 404 NOT_FOUND (OPTIONS on a known
 *    path → 200 with Allow);
 * 4. read the body as the route says (body.ts);
 * 5. run the handler and write its Reply; anything it throws becomes the
 *    error reply of its LogError (an unknown error is INTERNAL, 500, and is
 *    reported to `logError`).
 *
 * An answer written while a large body is still arriving (413, a guard's
 * refusal) closes the connection lingering (lingering-close.ts), so the
 * client reads it even while still sending.
 *
 * Every answer carries the request's ID in `X-Request-Id` (served.ts), and
 * once written is reported to `onServed` (access log, request metrics).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { LogError } from '../errors.js';
import { hasBody, readBody } from './body.js';
import { STATUS, toLogError } from './errors.js';
import { clientAddress, guardRequest, type Guard } from './guards.js';
import { currentTokens, type TokenSource } from './auth.js';
import { isAdminPath, type AdminGate, type AdminVerdict } from './admin.js';
import { ADMIN_RELAY_PATH, RelayNonces, receiveAdminRelay, type RelayedAdmin } from './admin-relay.js';
import { CLUSTER_MAC_HEADER, type ClusterHooks } from './cluster.js';
import { closeLingering } from './lingering-close.js';
import { parseJsonBody } from '../api/index.js';
import { typedReply, writeReply, type Reply } from './reply.js';
import type { RequestParts, Route } from './route.js';
import { Router } from './router.js';
import { NO_ROUTE, requestId, type ServedListener } from './served.js';
import { preflight, withCors, type CorsOptions } from './cors.js';

export interface DispatchOptions {
  readonly routes: readonly Route[];
  /** Run in order before any route; default none. */
  readonly guards?: readonly Guard[];
  /** Tokens the guards authenticate requests against (a function: read per request, so a reload takes effect at once). */
  readonly tokens?: TokenSource;
  /** The admin gate for paths under /api/v1/admin/; default none (they are served as any other path). */
  readonly admin?: AdminGate;
  /** Proxy hops whose X-Forwarded-For is trusted for the client address (clientAddress); default 0. */
  readonly trustProxy?: number;
  /** Largest accepted request body, bytes, unless the route sets its own (Route.maxBodyBytes); beyond it 413 TOO_LARGE. */
  readonly maxRequestBytes: number;
  /** The reply for an error (the Rekor API's JSON, or another surface's format). */
  readonly errorReply: (err: LogError) => Reply;
  /** Where 5xx causes are reported. */
  readonly logError?: (msg: string, err: unknown) => void;
  /** Told of every answered request (served.ts); default none. */
  readonly onServed?: ServedListener;
  /** CORS on the read routes (cors.ts); default none. */
  readonly cors?: CorsOptions;
  /**
   * One node of several (cluster.ts): admin operations the sequencing node
   * runs (Route.sequencer) are relayed there while this node does not
   * sequence, and relays from the other nodes are taken; default none.
   */
  readonly cluster?: ClusterHooks;
  /** Wall-clock milliseconds since the epoch, for relays' times; default Date.now. */
  readonly now?: () => number;
}

/** A request being answered: its ID, arrival time (performance.now()) and, once matched, its route template. */
interface Arrival {
  readonly id: string;
  readonly t0: number;
  route: string;
}

/** A listener serving `o.routes`; `.routes` lists them (for documentation checks). */
export type Dispatcher = RequestListener & { readonly routes: readonly Route[] };

const NO_QUERY: RequestParts['query'] = Object.freeze({});

export function dispatcher(o: DispatchOptions): Dispatcher {
  const router = new Router(o.routes);
  const guards = o.guards ?? [];
  const tokens = o.tokens ?? [];
  const trustProxy = o.trustProxy ?? 0;
  const logError = o.logError ?? (() => undefined);
  const onServed = o.onServed;

  const cors = o.cors;
  const send = (req: IncomingMessage, res: ServerResponse, answer: Reply, at: Arrival): void => {
    if (res.headersSent || res.writableEnded) return;
    const reply = cors === undefined || req.headers.origin === undefined ? answer : withCors(cors, req.method ?? 'GET', req.headers, answer);
    if (mustLinger(req, reply, o.maxRequestBytes)) closeLingering(req, res);
    writeReply(res, reply);
    onServed?.({ requestId: at.id, method: req.method ?? 'GET', route: at.route, status: reply.status, error: reply.code, durationMs: performance.now() - at.t0 });
  };
  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown, at: Arrival): void => {
    const le = toLogError(err);
    if (STATUS[le.code] >= 500) logError(`${req.method ?? '?'} ${req.url ?? '?'} failed with ${le.code} (request ${at.id})`, le.cause ?? le);
    send(req, res, o.errorReply(le), at);
  };
  const read = async (req: IncomingMessage, route: Route, parts: RequestParts): Promise<Reply> => {
    const bytes = await readBody(req, route.maxBodyBytes ?? o.maxRequestBytes, route.body === 'bytes' ? 'any' : 'json');
    const withBody = route.body === 'json' ? { ...parts, body: bytes === undefined ? undefined : parseJsonBody(bytes) } : { ...parts, raw: bytes };
    return route.handle(withBody);
  };
  /** Steps 3-5: the route's reply (throws, or rejects, as its handler does). */
  const route = (req: IncomingMessage, method: string, path: string, url: string, q: number, at: Arrival): Reply | Promise<Reply> => {
    const match = router.match(method, path);
    if (match === undefined) return noRoute(router, method, path);
    at.route = match.route.path;
    const parts: RequestParts = { method, path, params: match.params, query: q < 0 ? NO_QUERY : parseQuery(url.slice(q + 1)), headers: req.headers };
    return match.route.body === 'none' ? match.route.handle(parts) : read(req, match.route, parts);
  };
  /** Errors as replies, for what must not reject (the admin gate's `run` and `relay`). */
  const replyOf = (method: string, url: string, at: Arrival, err: unknown): Reply => {
    const le = toLogError(err);
    if (STATUS[le.code] >= 500) logError(`${method} ${url} failed with ${le.code} (request ${at.id})`, le.cause ?? le);
    return o.errorReply(le);
  };
  /** The route of `method path` if an operation of the sequencing node's (Route.sequencer). */
  const sequencerRoute = (method: string, path: string): ReturnType<Router['match']> => {
    try {
      const m = router.match(method, path);
      return m?.route.sequencer === true ? m : undefined;
    } catch {
      return undefined;
    }
  };
  /** Relays an allowed admin request to the sequencing node (admin-relay.ts); undefined when it runs here. */
  const relayFor = (req: IncomingMessage, method: string, path: string, url: string, q: number, at: Arrival): ((v: AdminVerdict) => Promise<Reply>) | undefined => {
    const cluster = o.cluster;
    if (cluster?.relayAdmin === undefined || cluster.sequencing()) return undefined;
    const match = sequencerRoute(method, path);
    if (match === undefined) return undefined;
    return async (verdict) => {
      at.route = match.route.path;
      try {
        const raw = await readBody(req, match.route.maxBodyBytes ?? o.maxRequestBytes, match.route.body === 'json' ? 'json' : 'any');
        const contentType = raw === undefined ? null : (req.headers['content-type'] ?? null);
        return await cluster.relayAdmin!({ ...verdict, method, path, query: q < 0 ? '' : url.slice(q + 1), contentType, body: raw ?? new Uint8Array(0) });
      } catch (err) {
        return replyOf(method, url, at, err);
      }
    };
  };
  /** The run of a relayed request's sequencer route (admin-relay.ts RelayReceiver.prepare). */
  const prepareRelayed = (r: RelayedAdmin): (() => Promise<Reply>) | undefined => {
    const match = sequencerRoute(r.method, r.path);
    if (match === undefined) return undefined;
    const route = match.route;
    const parts: RequestParts = { method: r.method, path: r.path, params: match.params, query: r.query === '' ? NO_QUERY : parseQuery(r.query), headers: r.contentType === null ? {} : { 'content-type': r.contentType } };
    return async () => {
      try {
        if (route.body === 'none') return await route.handle(parts);
        if (route.body === 'json') return await route.handle({ ...parts, body: r.body.length === 0 ? undefined : parseJsonBody(r.body) });
        return await route.handle({ ...parts, raw: r.body });
      } catch (err) {
        return replyOf(r.method, r.path, { id: r.requestId, t0: 0, route: route.path }, err);
      }
    };
  };
  const nonces = new RelayNonces();
  /** A relay from another node: run through the admin gate, answered in the relay's format. */
  const relayed = (gate: AdminGate, cluster: ClusterHooks, req: IncomingMessage, res: ServerResponse, at: Arrival): void => {
    at.route = ADMIN_RELAY_PATH;
    const mac = req.headers[CLUSTER_MAC_HEADER];
    // The relayed request's body in base64 beside its verdict.
    const limit = Math.ceil((o.maxRequestBytes * 4) / 3) + 65_536;
    readBody(req, limit, 'any')
      .then((raw) => receiveAdminRelay({ cluster, nonces, gate, now: o.now ?? Date.now, prepare: prepareRelayed }, raw ?? new Uint8Array(0), typeof mac === 'string' ? mac : undefined))
      .then(
        (r) => send(req, res, r, at),
        (err: unknown) => fail(req, res, err, at),
      );
  };
  /** An admin request: the guards' answer and the route's reply go through the admin gate, which records them. */
  const admin = (gate: AdminGate, req: IncomingMessage, res: ServerResponse, method: string, path: string, url: string, q: number, at: Arrival): void => {
    const g = guardRequest(method, path, req.headers, clientAddress(req.socket.remoteAddress, forwardedFor(req), trustProxy), currentTokens(tokens));
    let refused: Reply | undefined;
    for (const guard of guards) if ((refused = guard(g)) !== undefined) break;
    setHeaders(res, g.answerHeaders);
    if (refused !== undefined) at.route = routeLabel(router, method, path);
    const run = async (): Promise<Reply> => {
      try {
        return await route(req, method, path, url, q, at);
      } catch (err) {
        return replyOf(method, url, at, err);
      }
    };
    gate.serve(g, at.id, refused, run, refused === undefined ? relayFor(req, method, path, url, q, at) : undefined).then(
      (r) => send(req, res, r, at),
      (err: unknown) => fail(req, res, err, at),
    );
  };

  const listener: RequestListener = (req, res) => {
    const at: Arrival = { id: requestId(req.headers), t0: performance.now(), route: NO_ROUTE };
    res.setHeader('X-Request-Id', at.id);
    try {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const method = req.method ?? 'GET';
      if (cors !== undefined && method === 'OPTIONS') {
        const pre = preflight(cors, req.headers, router.allowed(path));
        if (pre !== undefined) {
          at.route = routeLabel(router, 'GET', path);
          return send(req, res, pre, at);
        }
      }
      if (o.admin !== undefined && isAdminPath(path)) return admin(o.admin, req, res, method, path, url, q, at);
      if (o.admin !== undefined && o.cluster !== undefined && method === 'POST' && path === ADMIN_RELAY_PATH) return relayed(o.admin, o.cluster, req, res, at);
      if (guards.length > 0) {
        const g = guardRequest(method, path, req.headers, clientAddress(req.socket.remoteAddress, forwardedFor(req), trustProxy), currentTokens(tokens));
        for (const guard of guards) {
          const refused = guard(g);
          if (refused !== undefined) {
            setHeaders(res, g.answerHeaders);
            at.route = routeLabel(router, method, path);
            return send(req, res, refused, at);
          }
        }
        setHeaders(res, g.answerHeaders);
      }
      const reply = route(req, method, path, url, q, at);
      if (reply instanceof Promise) {
        reply.then(
          (r) => send(req, res, r, at),
          (err: unknown) => fail(req, res, err, at),
        );
      } else {
        send(req, res, reply, at);
      }
    } catch (err) {
      fail(req, res, err, at);
    }
  };
  return Object.assign(listener, { routes: router.routes });
}

/**
 * Whether answering now means closing with a lingering close: the body is
 * still arriving and is either large (chunked, or declared beyond the limit)
 * or the reply closes the connection anyway. A small declared body left
 * unread is drained by node:http and the connection kept alive.
 */
function mustLinger(req: IncomingMessage, reply: Reply, limit: number): boolean {
  if (!hasBody(req) || req.complete) return false;
  const declared = req.headers['content-length'];
  return reply.headers['Connection'] === 'close' || declared === undefined || Number(declared) > limit;
}

/** The template of the route `path` would reach, for a request refused before routing; NO_ROUTE when none. */
function routeLabel(router: Router, method: string, path: string): string {
  try {
    return router.match(method, path)?.route.path ?? NO_ROUTE;
  } catch {
    return NO_ROUTE;
  }
}

/** Headers the guards gave for the answer, whatever it is (RateLimit-*). */
function setHeaders(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  for (const k in headers) res.setHeader(k, headers[k]!);
}

function forwardedFor(req: IncomingMessage): string | undefined {
  const h = req.headers['x-forwarded-for'];
  return Array.isArray(h) ? h.join(',') : h;
}

/** OPTIONS on a path some route serves: 200 with Allow; anything else 404. */
function noRoute(router: Router, method: string, path: string): Reply {
  const allowed = method === 'OPTIONS' ? router.allowed(path) : [];
  if (allowed.length === 0) throw new LogError('NOT_FOUND', `no route for ${method} ${path}`);
  return typedReply('text/plain; charset=utf-8', allowed.join(', '), { Allow: allowed.join(', ') });
}
