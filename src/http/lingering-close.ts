/**
 * Closing a connection whose request body is still arriving, without losing
 * the answer: a lingering close (RFC 9112 §9.6).
 *
 * When the server answers before it has read the whole request (413 for a
 * body over the limit, 401 before a body is read), it must close the
 * connection: the rest of the body is not worth reading. Closing a socket
 * with unread data makes the kernel send a reset, and a reset that reaches
 * the client before it has read the answer destroys the answer on the
 * client's side too (the client, still writing, sees EPIPE or ECONNRESET
 * and never the 413). So the answer goes out with `Connection: close`, then:
 *
 * 1. the server half-closes (FIN after the answer): the client reads the
 *    whole answer and then the end of the stream;
 * 2. it keeps reading and discarding what the client still sends, for at
 *    most {@link LINGER_MS} and {@link LINGER_MAX_BYTES}, so that the kernel
 *    has no unread data to reset the connection over;
 * 3. it closes the socket when the client has closed its side, or at either
 *    bound.
 *
 * node:http ends and destroys a `Connection: close` socket as soon as the
 * response is written (`socket.destroySoon()`); this module replaces that
 * step for the one socket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Longest time, ms, a half-closed connection is drained before it is closed. */
export const LINGER_MS = 2_000;
/** Most bytes drained from a half-closed connection before it is closed. */
export const LINGER_MAX_BYTES = 64 * 1024 * 1024;

/** Answer `req` with `res` (written next by the caller), then close its connection lingering. Call before writing the response. */
export function closeLingering(req: IncomingMessage, res: ServerResponse, limits = { ms: LINGER_MS, bytes: LINGER_MAX_BYTES }): void {
  res.setHeader('Connection', 'close');
  const socket = req.socket as Socket & { destroySoon?: () => void };
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > limits.bytes) socket.destroy();
  });
  req.resume();
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), limits.ms);
    timer.unref();
    socket.once('end', () => socket.destroy());
    socket.once('close', () => clearTimeout(timer));
  };
}
