/**
 * The forwarding client: a follower sends the entries it admitted to the
 * sequencing node's internal route (src/http/cluster.ts for the wire format)
 * and gets back that node's answer to each, to pass on to its own client
 * unchanged. Connections are kept alive (one pool per process).
 *
 * Entries to one node share its requests: an entry leaves at once, alone,
 * while fewer than {@link WINDOW} requests to that node are in flight;
 * otherwise it waits in the node's outbox, and when an answer frees a slot
 * everything waiting leaves in one request (at most MAX_FORWARDED_ENTRIES
 * entries and FORWARD_BATCH_CHARS of them; the rest in the next). A lone
 * entry waits for nothing; under load one HTTP exchange, one HMAC and one
 * JSON parse serve many entries.
 *
 * Each entry's promise settles on its own. Failures are LogErrors with code
 * NOT_SEQUENCER (a retryable 503), and `details.sent` tells whether the
 * request carrying the entry may have reached the node: false when the
 * connection was refused or failed before the request was written (safe to
 * send elsewhere at once), true otherwise (the entry may be sequenced: its
 * submitter retries, and a 409 then tells it was). An answer other than 200
 * (the node refused the whole request) is every entry's answer.
 */
import http from 'node:http';
import https from 'node:https';
import { describeError, LogError } from '../errors.js';
import type { PreparedEntry } from '../entry/index.js';
import {
  CLUSTER_ENTRIES_PATH,
  CLUSTER_MAC_HEADER,
  FORWARD_BATCH_CHARS,
  MAX_FORWARDED_ENTRIES,
  decodeForwardedReplies,
  encodeForwardedEntry,
  forwardedBatch,
  type ForwardedApi,
  type Reply,
} from '../http/index.js';
import { clusterMac } from './secret.js';

/** Answer headers passed on to the client when the node refused a whole request. */
const PASSED_ON = ['content-type', 'retry-after'];

/**
 * Most requests in flight to one node at once. Below it an entry leaves at
 * once (no wait when entries are few); at it, entries queue and leave
 * together when an answer comes back, so under load each request carries
 * what arrived meanwhile. A few requests keep the sequencing node's pool fed
 * while one batch of commits is awaited (an answer comes after the entries'
 * commit), and few enough make the queue form, and the batches grow, as soon
 * as entries come faster than single requests would carry them (the worker
 * pool's WINDOW, src/workers/pool.ts, for the same reason).
 */
const WINDOW = 4;

export interface ForwarderOptions {
  readonly secret: Uint8Array;
  /** Longest wait for the sequencing node's answer, ms (it answers once the entries are committed). */
  readonly timeoutMs: number;
  /** Most connections to one node (default 256). */
  readonly maxSockets?: number;
}

/** An entry waiting to leave: its encoding and its caller's promise. */
interface Waiting {
  readonly text: string;
  readonly resolve: (reply: Reply) => void;
  readonly reject: (err: unknown) => void;
}

/** A node entries are forwarded to. */
interface Peer {
  readonly target: URL;
  /** Entries not yet sent, oldest first. */
  outbox: Waiting[];
  /** Requests sent and not yet answered (≤ WINDOW). */
  posted: number;
}

export class Forwarder {
  readonly #o: ForwarderOptions;
  readonly #agents = { http: new http.Agent({ keepAlive: true, maxSockets: 256 }), https: new https.Agent({ keepAlive: true, maxSockets: 256 }) };
  readonly #peers = new Map<string, Peer>();
  #requests = 0;
  #entries = 0;
  #closed = false;

  constructor(o: ForwarderOptions) {
    this.#o = o;
    const maxSockets = o.maxSockets ?? 256;
    this.#agents.http.maxSockets = maxSockets;
    this.#agents.https.maxSockets = maxSockets;
  }

  /** Requests sent and the entries they carried, since start. */
  stats(): { requests: number; entries: number } {
    return { requests: this.#requests, entries: this.#entries };
  }

  /** Forward `prepared` to the node at `nodeUrl`; resolves with its answer (any status), rejects with NOT_SEQUENCER when none came. */
  send(nodeUrl: string, prepared: PreparedEntry, api: ForwardedApi = 'v1'): Promise<Reply> {
    if (this.#closed) return Promise.reject(new LogError('NOT_SEQUENCER', "couldn't forward the entry: this node is shutting down", { details: { sent: false } }));
    const peer = this.#peer(nodeUrl);
    if (peer === undefined) {
      return Promise.reject(new LogError('NOT_SEQUENCER', `couldn't forward the entry: the sequencing node's URL ${JSON.stringify(nodeUrl)} is not a URL`, { details: { sent: false } }));
    }
    const text = encodeForwardedEntry(prepared, api);
    return new Promise<Reply>((resolve, reject) => {
      peer.outbox.push({ text, resolve, reject });
      if (peer.posted < WINDOW) this.#post(peer);
    });
  }

  /**
   * POST `body` (authenticated by its MAC) to `path` of the node at
   * `nodeUrl`, alone, on a connection of its own (closed after the answer);
   * resolves with the answer (any status), rejects with NOT_SEQUENCER,
   * `details.sent` telling whether the request may have reached the node,
   * when none came. A kept-alive connection is never reused here: the node
   * may have closed it meanwhile, and a request written to it fails after
   * being sent, so whether it ran could not be told.
   */
  post(nodeUrl: string, path: string, body: Buffer): Promise<{ status: number; headers: Record<string, string>; text: string }> {
    if (this.#closed) return Promise.reject(new LogError('NOT_SEQUENCER', "couldn't reach the sequencing node: this node is shutting down", { details: { sent: false } }));
    let target: URL;
    try {
      target = new URL(path, nodeUrl.endsWith('/') ? nodeUrl : `${nodeUrl}/`);
    } catch {
      return Promise.reject(new LogError('NOT_SEQUENCER', `couldn't reach the sequencing node: its URL ${JSON.stringify(nodeUrl)} is not a URL`, { details: { sent: false } }));
    }
    return this.#request(target, body, false);
  }

  /** Close the kept-alive connections; entries still waiting fail (not sent). */
  close(): void {
    this.#closed = true;
    for (const peer of this.#peers.values()) {
      const waiting = peer.outbox;
      peer.outbox = [];
      for (const w of waiting) w.reject(new LogError('NOT_SEQUENCER', "couldn't forward the entry: this node is shutting down", { details: { sent: false } }));
    }
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  #peer(nodeUrl: string): Peer | undefined {
    let peer = this.#peers.get(nodeUrl);
    if (peer !== undefined) return peer;
    let target: URL;
    try {
      target = new URL(CLUSTER_ENTRIES_PATH, nodeUrl.endsWith('/') ? nodeUrl : `${nodeUrl}/`);
    } catch {
      return undefined;
    }
    peer = { target, outbox: [], posted: 0 };
    this.#peers.set(nodeUrl, peer);
    return peer;
  }

  /** Send what waits for `peer` (up to one request's worth) in one request. */
  #post(peer: Peer): void {
    let n = 0;
    let chars = 0;
    for (const w of peer.outbox) {
      if (n === MAX_FORWARDED_ENTRIES || (n > 0 && chars + w.text.length > FORWARD_BATCH_CHARS)) break;
      chars += w.text.length + 1;
      n++;
    }
    const batch = peer.outbox.splice(0, n);
    peer.posted++;
    this.#requests++;
    this.#entries += batch.length;
    const done = (): void => {
      peer.posted--;
      if (peer.outbox.length > 0 && peer.posted < WINDOW && !this.#closed) this.#post(peer);
    };
    this.#request(peer.target, forwardedBatch(batch.map((w) => w.text))).then(
      (answer) => {
        done();
        const replies = answer.status === 200 ? decodeForwardedReplies(answer.text, batch.length) : undefined;
        if (answer.status === 200 && replies === undefined) {
          const err = new LogError('NOT_SEQUENCER', `couldn't forward the entries to the sequencing node ${peer.target.origin}: its answer is not ${batch.length} replies; retry`, { details: { sent: true } });
          for (const w of batch) w.reject(err);
          return;
        }
        batch.forEach((w, i) => {
          const r = replies?.[i] ?? { status: answer.status, headers: answer.headers, body: answer.text };
          w.resolve(r.code !== undefined ? r : { ...r, ...(codeOf(r.body) ?? {}) });
        });
      },
      (err: unknown) => {
        done();
        for (const w of batch) w.reject(err);
      },
    );
  }

  /**
   * POST `body` to `target` (on the kept-alive connections unless `keepAlive` is false); resolves with the answer
   * (any status), rejects with NOT_SEQUENCER when none came. A forwarded batch whose kept-alive connection the node
   * had closed (reset, or ended before any answer, on a reused socket: Node's documented sign of that race) is sent
   * once more on a connection of its own. Were it in fact received the first time, the node answers each entry
   * again with its existing index (409), as a client's own retry would get.
   */
  #request(target: URL, body: Buffer, keepAlive = true): Promise<{ status: number; headers: Record<string, string>; text: string }> {
    const secure = target.protocol === 'https:';
    return new Promise((resolve, reject) => {
      let written = false;
      let answered = false;
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
          agent: keepAlive ? (secure ? this.#agents.https : this.#agents.http) : false,
          timeout: this.#o.timeoutMs,
          headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, [CLUSTER_MAC_HEADER]: clusterMac(this.#o.secret, body) },
        },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', fail);
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const name of PASSED_ON) {
              const v = res.headers[name];
              if (typeof v === 'string') headers[name] = v;
            }
            resolve({ status: res.statusCode ?? 502, headers, text: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#o.timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (keepAlive && req.reusedSocket && !answered && err.code === 'ECONNRESET' && !this.#closed) this.#request(target, body, false).then(resolve, reject);
        else fail(err);
      });
      req.end(body, () => (written = true));
    });
  }
}

/** The error code of a v1 error answer's JSON body (`{"error": CODE}`), when the reply does not name it (a whole request refused, or a node that does not send codes), for logs, metrics and retries. */
function codeOf(body: string | Uint8Array): { code: string } | undefined {
  if (typeof body !== 'string' || !body.startsWith('{"code":')) return undefined;
  const m = /"error":"([A-Z_]+)"/.exec(body);
  return m?.[1] === undefined ? undefined : { code: m[1] };
}
