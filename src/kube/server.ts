/**
 * The webhook's HTTPS server (the apiserver calls webhooks over TLS only):
 * node:https with the certificate and key given as PEM text, and their
 * replacement without a restart. `setSecureContext` applies to handshakes
 * from then on; connections already open, and the requests in flight on
 * them, keep the context they were made with, so nothing is dropped.
 *
 * Limits against slow clients as `cairn serve` has them: the header block
 * within 10 s, the whole request within the timeout plus 10 s, idle
 * keep-alive connections closed after 65 s (longer than the apiserver's
 * idle pool timeout, so the apiserver closes first and never writes into a
 * closing connection). Requests the parser refuses get a JSON error body.
 */
import { createServer, type Server } from 'node:https';
import { createSecureContext } from 'node:tls';
import { LogError, describeError } from '../errors.js';
import { clientErrorHandler, type Dispatcher } from '../http/index.js';

export interface TlsPem {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

/** Throws CONFIG_INVALID when `pem` is not a certificate (chain) and its matching private key. */
export function checkTls(pem: TlsPem): void {
  try {
    createSecureContext({ cert: pem.cert, key: pem.key });
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't use the TLS certificate and key: ${describeError(err)}`, { cause: err });
  }
}

export function createWebhookServer(app: Dispatcher, pem: TlsPem, requestTimeoutMs: number): Server {
  checkTls(pem);
  const server = createServer(
    {
      cert: pem.cert,
      key: pem.key,
      minVersion: 'TLSv1.2',
      headersTimeout: 10_000,
      requestTimeout: requestTimeoutMs + 10_000,
      keepAliveTimeout: 65_000,
      connectionsCheckingInterval: 1000,
    },
    app,
  );
  server.on('clientError', clientErrorHandler());
  return server;
}

/** Serves new connections with `pem`; throws CONFIG_INVALID (and keeps the old one) when it is unusable. */
export function replaceTls(server: Server, pem: TlsPem): void {
  checkTls(pem);
  server.setSecureContext({ cert: pem.cert, key: pem.key, minVersion: 'TLSv1.2' });
}
