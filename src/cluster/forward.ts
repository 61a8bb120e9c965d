/**
 * The forwarding client: a follower sends an entry it admitted to the
 * sequencing node's internal route (src/http/cluster.ts for the wire format)
 * and gets back that node's answer, to pass on to its own client unchanged.
 * Connections are kept alive (one pool per process).
 *
 * Failures are LogErrors with code NOT_SEQUENCER (a retryable 503), and
 * `details.sent` tells whether the request may have reached the node: false
 * when the connection was refused or failed before the request was written
 * (safe to send elsewhere at once), true otherwise (the entry may be
 * sequenced: its submitter retries, and a 409 then tells it was).
 */
import http from 'node:http';
import https from 'node:https';
import { describeError, LogError } from '../errors.js';
import type { PreparedEntry } from '../entry/index.js';
import { CLUSTER_ENTRIES_PATH, CLUSTER_MAC_HEADER, encodeForwardedEntry, type ForwardedApi, type Reply } from '../http/index.js';
import { clusterMac } from './secret.js';

/** Answer headers passed on to the client. */
const PASSED_ON = ['content-type', 'etag', 'location', 'retry-after'];

export interface ForwarderOptions {
  readonly secret: Uint8Array;
  /** Longest wait for the sequencing node's answer, ms (it answers once the entry is committed). */
  readonly timeoutMs: number;
  /** Most connections to one node (default 256). */
  readonly maxSockets?: number;
}

export class Forwarder {
  readonly #o: ForwarderOptions;
  readonly #agents = { http: new http.Agent({ keepAlive: true, maxSockets: 256 }), https: new https.Agent({ keepAlive: true, maxSockets: 256 }) };

  constructor(o: ForwarderOptions) {
    this.#o = o;
    const maxSockets = o.maxSockets ?? 256;
    this.#agents.http.maxSockets = maxSockets;
    this.#agents.https.maxSockets = maxSockets;
  }

  /** POST `prepared` to the node at `nodeUrl`; resolves with its answer (any status), rejects with NOT_SEQUENCER when none came. */
  send(nodeUrl: string, prepared: PreparedEntry, api: ForwardedApi = 'v1'): Promise<Reply> {
    const body = encodeForwardedEntry(prepared, api);
    let target: URL;
    try {
      target = new URL(CLUSTER_ENTRIES_PATH, nodeUrl.endsWith('/') ? nodeUrl : `${nodeUrl}/`);
    } catch {
      return Promise.reject(new LogError('NOT_SEQUENCER', `couldn't forward the entry: the sequencing node's URL ${JSON.stringify(nodeUrl)} is not a URL`, { details: { sent: false } }));
    }
    const secure = target.protocol === 'https:';
    return new Promise<Reply>((resolve, reject) => {
      let written = false;
      const fail = (err: unknown): void =>
        reject(
          new LogError('NOT_SEQUENCER', `couldn't forward the entry to the sequencing node ${target.origin}: ${describeError(err)}; retry`, {
            cause: err,
            details: { sent: written },
          }),
        );
      const req = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          agent: secure ? this.#agents.https : this.#agents.http,
          timeout: this.#o.timeoutMs,
          headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, [CLUSTER_MAC_HEADER]: clusterMac(this.#o.secret, body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', fail);
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const name of PASSED_ON) {
              const v = res.headers[name];
              if (typeof v === 'string') headers[name] = v;
            }
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 502, headers, body: text, ...(codeOf(text) ?? {}) });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#o.timeoutMs} ms`)));
      req.on('error', fail);
      req.end(body, () => (written = true));
    });
  }

  /** Close the kept-alive connections. */
  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }
}

/** The error code of an error answer's JSON body (`{"error": CODE}`), for logs, metrics and retries. */
function codeOf(text: string): { code: string } | undefined {
  if (!text.startsWith('{"code":')) return undefined;
  const m = /"error":"([A-Z_]+)"/.exec(text);
  return m?.[1] === undefined ? undefined : { code: m[1] };
}
