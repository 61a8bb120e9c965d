/**
 * The one body reader: every request body the dispatcher reads comes through
 * {@link readBody}, with one set of rules.
 *
 * - A request has a body when it declares one (Content-Length or
 *   Transfer-Encoding, RFC 9112 §6.3); without one the result is undefined.
 * - JSON routes read only JSON: `application/json` or `application/*+json`.
 *   Another (or no) content type gives undefined and the body is left
 *   unread; the route then answers that the body is missing. JSON is UTF-8
 *   (RFC 8259 §8.1): a charset parameter other than utf-8 is 400 BAD_REQUEST.
 *   Routes that take any content type get the bytes as sent.
 * - Content-Encoding `gzip`, `deflate` and `br` are decoded; another is 400.
 * - At most `limit` bytes, counted on the wire and again after decoding: a
 *   larger declared Content-Length is 413 TOO_LARGE before anything is read,
 *   a chunked body as soon as it passes the limit. The dispatcher then closes
 *   the connection without resetting it (lingering-close.ts).
 * - A client that goes away mid-body is 400 BAD_REQUEST.
 *
 * The JSON text itself is parsed by parseJsonBody (src/api/json-body.ts), on
 * the event loop or where admission runs.
 */
import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate, type Gunzip } from 'node:zlib';
import { LogError } from '../errors.js';

/** `application/json`, `application/*+json`; group 1: the parameters. */
const JSON_MEDIA = /^application\/(?:json|[a-z0-9!#$&^_.+-]+\+json)[ \t]*(;.*)?$/i;
const CHARSET = /;[ \t]*charset[ \t]*=[ \t]*(?:"([^"]*)"|([^; \t]*))/i;

/** True when the request declares a body (RFC 9112 §6.3). */
export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
}

/**
 * The request's body as bytes (decoded, at most `limit`), or undefined when
 * it has none or, for `json`, is not JSON; rejects with the LogError the
 * module comment names.
 */
export async function readBody(req: IncomingMessage, limit: number, type: 'json' | 'any'): Promise<Uint8Array | undefined> {
  if (!hasBody(req)) return undefined;
  if (type === 'json') {
    const m = JSON_MEDIA.exec(req.headers['content-type'] ?? '');
    if (m === null) return undefined;
    const cs = CHARSET.exec(m[1] ?? '');
    const charset = cs === null ? 'utf-8' : (cs[1] ?? cs[2] ?? '').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') throw new LogError('BAD_REQUEST', `unsupported charset "${charset.toUpperCase()}": JSON bodies are UTF-8`);
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const wire = await readStream(req, limit);
  return encoding === 'identity' ? wire : decode(wire, encoding, limit);
}

function tooLarge(limit: number): LogError {
  return new LogError('TOO_LARGE', `request body exceeds the limit of ${limit} bytes`);
}

/** The whole body as sent, at most `limit` bytes. */
function readStream(req: IncomingMessage, limit: number): Promise<Buffer> {
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
      if (received > limit) settle(tooLarge(limit));
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => settle(undefined));
    req.once('error', () => settle(new LogError('BAD_REQUEST', 'request aborted')));
    req.once('close', () => {
      if (!req.complete) settle(new LogError('BAD_REQUEST', 'request aborted'));
    });
  });
}

/** Decode a content-coded body (RFC 9110 §8.4.1), at most `limit` bytes decoded. */
function decode(wire: Buffer, encoding: string, limit: number): Promise<Buffer> {
  let z: Gunzip | ReturnType<typeof createInflate> | ReturnType<typeof createBrotliDecompress>;
  if (encoding === 'gzip' || encoding === 'x-gzip') z = createGunzip();
  else if (encoding === 'deflate') z = createInflate();
  else if (encoding === 'br') z = createBrotliDecompress();
  else return Promise.reject(new LogError('BAD_REQUEST', `unsupported content encoding "${encoding}"`));
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let n = 0;
    z.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limit) {
        z.destroy();
        reject(tooLarge(limit));
      } else out.push(c);
    });
    z.once('error', (err: Error) => reject(new LogError('BAD_REQUEST', `couldn't decode the ${encoding} body: ${err.message}`)));
    z.once('end', () => resolve(Buffer.concat(out, n)));
    z.end(wire);
  });
}
