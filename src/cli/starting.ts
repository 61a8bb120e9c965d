/**
 * What `cairn serve` answers while it starts: the port opens before the log
 * is opened and checked (`--startup-check`), so probes get an answer instead
 * of a refused connection:
 *
 * - GET /healthz: 200 `{"status": "starting"}` (the process is alive);
 * - GET /readyz: 503 `{"ready": false, "reason": "checking"}`;
 * - anything else: 503 `{"code": "STARTING", "message"}` with `Retry-After: 1`.
 *
 * The start-up check runs on the event loop in phases (opening the database
 * with SQLite's quick_check, then the rehash); requests are answered between
 * phases. Once the log is open, serve.ts hands the server to the API.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { requestId } from '../http/index.js';

function reply(req: IncomingMessage, res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Request-Id': requestId(req.headers),
    ...headers,
  });
  res.end(text);
}

export function startingListener(): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!.toLowerCase().replace(/(.)\/$/, '$1');
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (get && path === '/healthz') return reply(req, res, 200, { status: 'starting' });
    if (get && path === '/readyz') return reply(req, res, 503, { ready: false, reason: 'checking' });
    req.resume(); // discard a body: the connection stays usable
    return reply(req, res, 503, { code: 'STARTING', message: 'the log is starting (start-up check under way); retry shortly' }, { 'Retry-After': '1' });
  };
}
