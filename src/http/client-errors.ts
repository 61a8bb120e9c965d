/**
 * Answers for requests node's HTTP parser refuses before the dispatcher sees them
 * (malformed request lines, oversized headers, header/request timeouts):
 * the same statuses node would send, but with Cairn's JSON error body, so
 * every 4xx a client gets is JSON. Install with `server.on('clientError', …)`.
 */
import type { Socket } from 'node:net';

const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

/** The status node's own handler would answer for a parser error code. */
function statusOf(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return 413;
  return 400;
}

export function clientErrorHandler(): (err: Error & { code?: string }, socket: Socket) => void {
  return (err, socket) => {
    // As node's own handler: answer only on a socket nothing was written to yet, then destroy it.
    if (err.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten > 0) {
      socket.destroy();
      return;
    }
    const status = statusOf(err.code);
    const error = status === 431 || status === 413 ? 'TOO_LARGE' : 'BAD_REQUEST';
    const message = status === 408 ? 'the request was not received in time' : status === 431 ? 'request headers too large' : `malformed HTTP request (${err.code ?? 'parse error'})`;
    const body = JSON.stringify({ code: status, message, error });
    socket.write(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    socket.destroy();
  };
}
