/**
 * A minimal HTTP/1.1 client on node:http for harnesses that kill the server
 * under load: every failure (refused, reset, timeout) is a rejected promise
 * the caller can classify, and connections are kept alive through `agent`.
 */
import { Agent, request, type IncomingHttpHeaders } from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A keep-alive agent with at most `sockets` connections. */
export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets });
}

/** One request; rejects on any transport failure or after `timeoutMs`. */
export function httpRequest(
  baseUrl: string,
  method: string,
  path: string,
  opts: { agent?: Agent; body?: string | Buffer; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, baseUrl);
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
    const req = request(
      url,
      {
        method,
        ...(opts.agent === undefined ? {} : { agent: opts.agent }),
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(body.length) }),
          ...opts.headers,
        },
        timeout: opts.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** GET `path` and parse JSON; rejects unless the status is 200. */
export async function getJson<T = unknown>(baseUrl: string, path: string, agent?: Agent): Promise<T> {
  const r = await httpRequest(baseUrl, 'GET', path, agent === undefined ? {} : { agent });
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
  return JSON.parse(r.body.toString('utf8')) as T;
}

/** GET `path` as bytes; rejects unless the status is 200. */
export async function getBytes(baseUrl: string, path: string, agent?: Agent): Promise<Buffer> {
  const r = await httpRequest(baseUrl, 'GET', path, agent === undefined ? {} : { agent });
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
  return r.body;
}
