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
 */
import { createServer, type RequestListener, type Server } from 'node:http';
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

/** An HTTP server for `app` with the limits of `l` applied. */
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
  return server;
}

/** Stop accepting connections, close idle keep-alive sockets, and resolve once in-flight requests are done. */
export function closeHttpServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
