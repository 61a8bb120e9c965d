/**
 * The two hottest requests, answered before express's router and body
 * parser see them (both cost more than the work behind them):
 *
 * - `POST /api/v1/log/entries` with a plain JSON body: the body's bytes go
 *   to admission (`admit`: parsed, schema-checked and prepared in the
 *   worker pool), so the event loop neither parses nor clones it;
 * - `GET /api/v1/log/entries?logIndex=N` with a plain decimal N;
 * - `GET /tile/…` without a query (c2sp.org/tlog-tiles).
 *
 * Everything else — other paths, query strings, content types or encodings,
 * HEAD — falls through to the express routes, which give the same answers
 * (the replies are built by the same functions: submit.ts, routes/entries.ts,
 * errors.ts). createApp runs it before express, or after the request guards
 * (rate limit, access control) when there are any, so those apply here
 * exactly as to every other route; errors go to the error handler through
 * `next(err)`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LogError } from '../errors.js';
import type { RouteContext } from './context.js';
import { writeReply } from './reply.js';
import { entryByIndexReply } from './routes/entries.js';
import { tileReply } from './routes/tiles.js';
import { ENTRIES_PATH, admitAndSubmit } from './submit.js';

/** Media types express.json parses here (`application/json`, `application/*+json`), optionally with charset=utf-8. */
const JSON_TYPE = /^application\/(?:json|[a-z0-9!#$&^_.+-]+\+json)[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:utf-8|"utf-8")[ \t]*)?$/i;
/** A plain decimal index that is certainly a safe integer (15 digits); longer ones take the express path and its checks. */
const BY_INDEX = /^\/api\/v1\/log\/entries\?logIndex=([0-9]{1,15})$/;

/** A handler on bare node:http objects (so usable with or without express); `next()` passes the request on, `next(err)` fails it. */
export type HotHandler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export function hotRoutes({ log, limits, admission, timings }: RouteContext, maxRequestBytes: number): HotHandler {
  const entryLimits = { maxBodyBytes: limits.maxEntryBytes, maxChainLength: limits.maxChainLength };
  return (req, res, next) => {
    if (req.method === 'POST' && req.url === ENTRIES_PATH && isPlainJson(req)) {
      readBody(req, maxRequestBytes)
        .then((raw) => admitAndSubmit(log, timings, () => admission.admit(raw, entryLimits)))
        .then((reply) => writeReply(res, reply))
        .catch(next);
      return;
    }
    if (req.method === 'GET') {
      const url = req.url ?? '';
      const m = BY_INDEX.exec(url);
      if (m !== null || (url.startsWith('/tile/') && !url.includes('?'))) {
        try {
          writeReply(res, m !== null ? entryByIndexReply(log, Number(m[1])) : tileReply(log, url));
        } catch (err) {
          next(err);
        }
        return;
      }
    }
    next();
  };
}

/** A body express.json would read without transformation: declared, JSON-typed, UTF-8, not content-encoded. */
function isPlainJson(req: IncomingMessage): boolean {
  const h = req.headers;
  if (h['content-length'] === undefined && h['transfer-encoding'] === undefined) return false;
  const enc = h['content-encoding'];
  if (enc !== undefined && enc.toLowerCase() !== 'identity') return false;
  return JSON_TYPE.test(h['content-type'] ?? '');
}

/**
 * The whole request body, at most `limit` bytes; TOO_LARGE (413) as soon as
 * the declared or received length exceeds it, BAD_REQUEST when the client
 * goes away mid-body (as express.json).
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = (): LogError => new LogError('TOO_LARGE', `request body exceeds the limit of ${limit} bytes`);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (err: LogError | undefined): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      if (err !== undefined) reject(err);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) {
        settle(tooLarge());
        req.resume(); // discard the rest; node keeps or closes the connection as for any unread body
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => settle(undefined));
    req.on('error', () => settle(new LogError('BAD_REQUEST', 'request aborted')));
    req.on('close', () => {
      if (!req.complete) settle(new LogError('BAD_REQUEST', 'request aborted'));
    });
  });
}
