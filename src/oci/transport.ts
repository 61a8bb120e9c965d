/**
 * One HTTP exchange with a registry or its token service, over node:https
 * (system CAs plus an optional private CA bundle) or, when allowed, plain
 * node:http. Bodies are bounded; network and TLS failures become
 * REGISTRY_UNREACHABLE with `details.retryable` saying whether a retry may help.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { LogError, describeError } from '../errors.js';

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  readonly method: HttpMethod;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** Largest body accepted; a longer answer is cut off with REGISTRY_PROTOCOL. */
  readonly maxBytes: number;
  /** Aborts the exchange (connecting, sending or reading): it fails with REGISTRY_UNREACHABLE, reason ABORT_ERR, not retryable. */
  readonly signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
  readonly url: URL;
}

export interface TransportOptions {
  /** PEM file of extra trusted CAs, added to Node's bundled roots. */
  readonly caFile?: string | undefined;
  /** Socket inactivity limit per exchange, in ms. */
  readonly timeoutMs: number;
  readonly userAgent: string;
}

/** Error bodies are read up to this size; beyond it they are cut. */
const MAX_ERROR_BODY = 65_536;
/** Errors a fresh attempt may cure: the connection broke or stalled mid-way. */
const RETRYABLE_NET = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT']);

/** Sends requests; owns the keep-alive agents. Call {@link Transport.close} when done. */
export class Transport {
  readonly #https: HttpsAgent;
  readonly #http: HttpAgent;
  readonly #opts: TransportOptions;

  constructor(opts: TransportOptions) {
    this.#opts = opts;
    const ca = opts.caFile === undefined ? undefined : [...rootCertificates, readCaFile(opts.caFile)];
    this.#https = new HttpsAgent({ keepAlive: true, maxSockets: 8, ...(ca === undefined ? {} : { ca }) });
    this.#http = new HttpAgent({ keepAlive: true, maxSockets: 8 });
  }

  /** One exchange; never follows redirects. */
  send(req: HttpRequest): Promise<HttpResponse> {
    const secure = req.url.protocol === 'https:';
    const doRequest = secure ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { 'User-Agent': this.#opts.userAgent, ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = String(req.body.length);
    return new Promise((resolve, reject) => {
      const r = doRequest(req.url, { method: req.method, headers, agent: secure ? this.#https : this.#http, ...(req.signal === undefined ? {} : { signal: req.signal }) }, (res) => {
        const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
        const limit = req.method === 'HEAD' ? 0 : ok ? req.maxBytes : MAX_ERROR_BODY;
        readBody(res, limit, req.url, !ok).then(
          (body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, url: req.url }),
          (err: unknown) => reject(req.signal?.aborted === true ? networkError(req, req.signal.reason ?? err, 'ABORT_ERR') : err),
        );
      });
      r.setTimeout(this.#opts.timeoutMs, () => r.destroy(Object.assign(new Error(`no answer within ${this.#opts.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      r.on('error', (err) => reject(networkError(req, err, req.signal?.aborted === true ? 'ABORT_ERR' : undefined)));
      r.end(req.body === undefined ? undefined : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength));
    });
  }

  close(): void {
    this.#https.destroy();
    this.#http.destroy();
  }
}

function readCaFile(path: string): string {
  try {
    const pem = readFileSync(path, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
    return pem;
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't read the registry CA file ${path}: ${describeError(err)}`, { cause: err });
  }
}

/**
 * Reads at most `maxBytes`. A longer success body is an error; a longer
 * error body (`truncate`) is cut, since only its start is ever shown.
 */
function readBody(res: IncomingMessage, maxBytes: number, url: URL, truncate: boolean): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length'] ?? NaN);
    if (!truncate && Number.isFinite(declared) && declared > maxBytes && maxBytes > 0) {
      res.destroy();
      reject(tooLarge(url, maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    res.on('data', (chunk: Buffer) => {
      if (total + chunk.length > maxBytes && truncate) {
        chunks.push(chunk.subarray(0, maxBytes - total));
        total = maxBytes;
        res.destroy();
        resolve(new Uint8Array(Buffer.concat(chunks, total)));
        return;
      }
      total += chunk.length;
      if (total > maxBytes) {
        res.destroy();
        reject(tooLarge(url, maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks, total))));
    res.on('error', (err) => reject(networkError({ method: 'GET', url }, err)));
  });
}

function tooLarge(url: URL, maxBytes: number): LogError {
  return new LogError('REGISTRY_PROTOCOL', `couldn't read ${url.pathname} from ${url.host}: the answer is larger than ${maxBytes} bytes`, {
    details: { limit: maxBytes },
  });
}

/** Maps a socket/TLS/DNS failure to REGISTRY_UNREACHABLE with a hint a user can act on. */
function networkError(req: { method: string; url: URL }, err: unknown, forced?: string): LogError {
  if (err instanceof LogError && forced === undefined) return err;
  const code = forced ?? (err as { code?: unknown }).code;
  const c = typeof code === 'string' ? code : 'UNKNOWN';
  let hint = '';
  if (c === 'ECONNREFUSED') hint = ' (connection refused: is the registry running on that port?)';
  else if (c === 'ENOTFOUND' || c === 'EAI_AGAIN') hint = ' (the host name does not resolve)';
  else if (c === 'ABORT_ERR') hint = ' (aborted by the caller)';
  else if (/CERT|SSL|TLS|EPROTO|SELF_SIGNED|VERIFY/.test(c)) {
    hint = req.url.protocol === 'https:'
      ? ' (TLS failed: give the registry\'s CA with --registry-ca, or use --insecure-registry for a plain-HTTP registry)'
      : ' (TLS failure)';
  }
  return new LogError('REGISTRY_UNREACHABLE', `couldn't reach ${req.url.host} (${req.method} ${req.url.pathname}): ${describeError(err)}${hint}`, {
    cause: err,
    details: { host: req.url.host, reason: c, retryable: RETRYABLE_NET.has(c) },
  });
}
