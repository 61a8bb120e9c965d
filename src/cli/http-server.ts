/**
 * The node:http server `cairn serve` listens with, and its limits against
 * slow and greedy clients (all from the config, see the README settings):
 *
 * - headersTimeoutMs: the whole header block must arrive within it, else 408
 *   and close (a slowloris client sending a byte at a time is cut off);
 * - requestTimeoutMs: the whole request, body included;
 * - keepAliveTimeoutMs: idle keep-alive connections are closed after it;
 * - maxRequestsPerSocket: a connection is closed after that many requests;
 * - maxConnections: connections beyond it are closed as they are accepted.
 *
 * Node checks the two request timeouts every `connectionsCheckingInterval`
 * (30 s by default, which would let a slow client hold a connection 30 s past
 * its deadline): it is set to a quarter of the headers timeout (at most 1 s).
 * Requests the parser refuses get a JSON error body (clientErrorHandler).
 * closeHttpServer drains it within a deadline (see there).
 */
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Config } from '../config/index.js';
import { LogError } from '../errors.js';
import { clientErrorHandler } from '../http/index.js';

export type ServerLimits = Pick<Config, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'maxRequestsPerSocket' | 'maxConnections'>;

/** Throws CONFIG_INVALID, naming the flags, for limits node would refuse or that contradict each other. */
export function checkServerLimits(l: ServerLimits): void {
  if (l.requestTimeoutMs > 0 && l.headersTimeoutMs > l.requestTimeoutMs) {
    throw new LogError(
      'CONFIG_INVALID',
      `invalid configuration: --headers-timeout-ms (${l.headersTimeoutMs}) must not exceed --request-timeout-ms (${l.requestTimeoutMs})`,
    );
  }
}

/** Responses not yet finished, and whether the server is draining; kept per server by trackResponses. */
interface Drain {
  readonly open: Set<ServerResponse>;
  draining: boolean;
}
const drains = new WeakMap<Server, Drain>();

/** An HTTP server for `app` with the limits of `l` applied, whose responses closeHttpServer can drain. */
export function createHttpServer(app: RequestListener, l: ServerLimits): Server {
  checkServerLimits(l);
  const server = createServer(
    {
      headersTimeout: l.headersTimeoutMs,
      requestTimeout: l.requestTimeoutMs,
      keepAliveTimeout: l.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(l.headersTimeoutMs / 4))),
    },
    app,
  );
  server.maxRequestsPerSocket = l.maxRequestsPerSocket;
  if (l.maxConnections > 0) server.maxConnections = l.maxConnections;
  server.on('clientError', clientErrorHandler());
  trackResponses(server);
  return server;
}

/**
 * Track `server`'s unfinished responses, so that once it drains every
 * further response says `Connection: close`. The listener runs before the
 * app's, so the header is set before any handler writes.
 */
export function trackResponses(server: Server): void {
  const d: Drain = { open: new Set(), draining: false };
  drains.set(server, d);
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (d.draining) res.setHeader('Connection', 'close');
    d.open.add(res);
    res.once('close', () => d.open.delete(res));
  });
}

/**
 * Stop `server` within `graceMs`:
 * 1. stop accepting connections (new ones are refused by the kernel);
 * 2. close idle keep-alive connections at once;
 * 3. answer the requests in flight and any that still arrive on open
 *    connections, each with `Connection: close` (for a server made by
 *    createHttpServer/trackResponses), so every connection closes after its
 *    current response; a response whose headers went out before the drain
 *    began closes its connection once it is finished;
 * 4. resolve when every connection is closed, or at `graceMs`, when the
 *    remaining connections are cut (destroyed).
 */
export function closeHttpServer(server: Server, graceMs = 10_000): Promise<void> {
  const d = drains.get(server);
  if (d !== undefined && !d.draining) {
    d.draining = true;
    for (const res of d.open) {
      if (!res.headersSent) res.setHeader('Connection', 'close');
      else res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
    }
  }
  return new Promise<void>((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
