/**
 * A tiny HTTP front for a real test registry, for fault injection: each
 * request is first offered to `fault`, which may answer it (a status such
 * as 429 or 503, with headers), reset the connection, or let it through
 * with the upstream body rewritten. Everything else is forwarded untouched
 * (Host rewritten, Location headers pointing back at the proxy).
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './token-issuer.js';

export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, e.g. `/v2/app/manifests/latest`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export type Fault =
  | { readonly kind: 'answer'; readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  | { readonly kind: 'reset' }
  /** Never answer (the connection stays open until the client gives up). */
  | { readonly kind: 'hang' }
  /** Forward with this request body instead (as if another writer's request had won). */
  | { readonly kind: 'replace-request'; readonly body: Buffer }
  | { readonly kind: 'rewrite'; readonly body: (upstream: Buffer) => Buffer; readonly headers?: (h: IncomingHttpHeaders) => IncomingHttpHeaders };

export interface FaultProxy {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  /** Decides per request; undefined lets it through. Replace it at will. */
  fault: (req: ProxiedRequest) => Fault | undefined;
  /** Every request seen, in order. */
  readonly seen: ProxiedRequest[];
  /** `127.0.0.1:<port>` requests are forwarded to; replace it to put another server behind the same URL. */
  upstream: string;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 in front of `upstreamHost` (`127.0.0.1:<port>`, plain HTTP). */
export async function startFaultProxy(upstreamHost: string): Promise<FaultProxy> {
  const proxy: { fault: FaultProxy['fault']; seen: ProxiedRequest[]; upstream: string } = { fault: () => undefined, seen: [], upstream: upstreamHost };
  let self = '';
  const server: Server = createServer((req, res) => {
    void readAll(req).then((body) => {
      const seen: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
      proxy.seen.push(seen);
      const fault = proxy.fault(seen);
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'answer') {
        res.writeHead(fault.status, { 'Content-Type': 'application/json', ...fault.headers });
        res.end(fault.body ?? '');
        return;
      }
      const sent = fault?.kind === 'replace-request' ? fault.body : body;
      const upstreamHost = proxy.upstream;
      const [upHost, upPort] = upstreamHost.split(':');
      const upHeaders = { ...req.headers, host: upstreamHost, ...(req.headers['content-length'] === undefined ? {} : { 'content-length': String(sent.length) }) };
      const up = request({ host: upHost, port: Number(upPort), method: seen.method, path: seen.url, headers: upHeaders }, (upRes) => {
        void readAll(upRes).then((upBody) => {
          let headers = { ...upRes.headers };
          if (typeof headers.location === 'string') headers.location = headers.location.replace(`//${upstreamHost}`, `//${self}`);
          let out = upBody;
          if (fault?.kind === 'rewrite') {
            out = fault.body(upBody);
            if (fault.headers !== undefined) headers = fault.headers(headers);
            if (headers['content-length'] !== undefined) headers['content-length'] = String(out.length);
          }
          res.writeHead(upRes.statusCode ?? 502, headers);
          res.end(seen.method === 'HEAD' ? undefined : out);
        });
      });
      up.on('error', () => res.destroy());
      up.end(sent);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host: self,
    get fault() {
      return proxy.fault;
    },
    set fault(f) {
      proxy.fault = f;
    },
    seen: proxy.seen,
    get upstream() {
      return proxy.upstream;
    },
    set upstream(u) {
      proxy.upstream = u;
    },
    close: () => closeServer(server),
  };
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
