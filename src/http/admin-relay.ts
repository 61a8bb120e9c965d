/**
 * Admin operations on the log itself (routes marked Route.sequencer: rotate,
 * freeze) asked of a node that does not sequence: the node's admin gate
 * checks the caller (role, one-time code: admin.ts) and, once it allowed the
 * request, relays it to the sequencing node, which runs it and records it
 * in the admin audit log as if asked directly, plus `relayedBy` (the
 * follower's node ID). The follower answers with the sequencing node's
 * answer: status, headers and body of the operation's reply.
 *
 * The wire format (POST {@link ADMIN_RELAY_PATH}) is defined here:
 *
 *     {"method", "path", "query", "contentType", "body", "who", "client",
 *      "requestId", "node", "epoch", "nonce", "time"}
 *
 * the client's request (`body` in base64, `query` the raw query string,
 * `contentType` or null), the follower's verdict (`who` the token's name,
 * `client` its address, `requestId` its X-Request-Id), and the relay's stamp:
 * `node` the follower's ID, `epoch` the lease epoch under which it believes
 * the receiving node sequences, `nonce` 32 random hex digits, `time` the
 * follower's clock (ms since the epoch). The request is authenticated by
 * `X-Cairn-Cluster-Mac`, the HMAC-SHA256 of the body under the cluster
 * secret, as forwarded entries are (cluster.ts): the sequencing node trusts
 * the follower's verdict on that MAC alone.
 *
 * A relayed operation runs at most once: a nonce is spent by the first relay
 * that carries it, whatever the answer. The receiving node refuses, before
 * recording or running anything (the follower may then send it elsewhere,
 * with a new nonce, or tell its client it did not run), in this order:
 * - 401 when the MAC does not authenticate the body; 400 when it is not this
 *   format;
 * - 401 when `time` is more than {@link RELAY_WINDOW_MS} from the node's
 *   clock, or a relay with that `nonce` came already (a request seen on the
 *   wire and sent again);
 * - 503 NOT_SEQUENCER when it does not sequence, or sequences under another
 *   epoch (a replay to a later sequencer is refused this way too);
 * - 404 when no sequencer route serves the method and path.
 * Otherwise it answers 200 with `{"replies": [reply]}`, the operation's
 * answer in the forwarded-replies format (cluster.ts), whatever its status.
 */
import { LogError } from '../errors.js';
import type { AdminGate } from './admin.js';
import type { ClusterHooks } from './cluster.js';
import { encodeForwardedReplies } from './cluster.js';
import { parseJsonObject } from './json-object.js';
import { jsonTextReply, type Reply } from './reply.js';

/** The internal route a follower relays admin operations to. */
export const ADMIN_RELAY_PATH = '/internal/v1/cluster/admin';

/** How far a relay's `time` may be from the receiving node's clock, ms; its nonce is remembered twice as long. */
export const RELAY_WINDOW_MS = 5 * 60_000;

/** An admin request a node's gate allowed, to be run by the sequencing node. */
export interface RelayedAdmin {
  readonly method: string;
  /** The path as sent, without the query. */
  readonly path: string;
  /** The query string as sent (without `?`), or empty. */
  readonly query: string;
  readonly contentType: string | null;
  readonly body: Uint8Array;
  /** The allowed token's name. */
  readonly who: string;
  /** The client's address. */
  readonly client: string;
  /** The request's ID (X-Request-Id) at the node that was asked. */
  readonly requestId: string;
}

/** Who relays, and under which lease. */
export interface RelayStamp {
  /** The relaying node's ID. */
  readonly node: string;
  readonly epoch: number;
  /** 32 lower-case hex digits, new for every request sent. */
  readonly nonce: string;
  /** Milliseconds since the epoch, the relaying node's clock. */
  readonly time: number;
}

const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** The request body relaying `r` under `stamp`. */
export function encodeAdminRelay(r: RelayedAdmin, stamp: RelayStamp): Buffer {
  return Buffer.from(
    JSON.stringify({
      method: r.method,
      path: r.path,
      query: r.query,
      contentType: r.contentType,
      body: b64(r.body),
      who: r.who,
      client: r.client,
      requestId: r.requestId,
      node: stamp.node,
      epoch: stamp.epoch,
      nonce: stamp.nonce,
      time: stamp.time,
    }),
  );
}

/** Parse a relay (authenticated already; parsed defensively all the same): BAD_REQUEST for anything but the format above. */
export function decodeAdminRelay(raw: Uint8Array): { request: RelayedAdmin; stamp: RelayStamp } {
  const o = parseJsonObject(raw, bad);
  const text = (k: string, max: number): string => {
    const s = o[k];
    if (typeof s !== 'string' || s.length > max) throw bad(k);
    return s;
  };
  const method = text('method', 16);
  const path = text('path', 2048);
  if (!path.startsWith('/')) throw bad('path');
  const contentType = o['contentType'] === null ? null : text('contentType', 256);
  const body = text('body', 64 << 20);
  const epoch = o['epoch'];
  const time = o['time'];
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) throw bad('epoch');
  if (typeof time !== 'number' || !Number.isSafeInteger(time)) throw bad('time');
  const nonce = text('nonce', 32);
  if (!/^[0-9a-f]{32}$/.test(nonce)) throw bad('nonce');
  return {
    request: {
      method,
      path,
      query: text('query', 8192),
      contentType,
      body: Buffer.from(body, 'base64'),
      who: text('who', 256),
      client: text('client', 256),
      requestId: text('requestId', 256),
    },
    stamp: { node: text('node', 256), epoch, nonce, time },
  };
}

/**
 * The nonces of relays taken within the window (module comment): each is
 * kept {@link RELAY_WINDOW_MS} × 2 after it was taken, so any relay whose
 * `time` is still acceptable and whose nonce was seen is refused.
 */
export class RelayNonces {
  readonly #seen = new Map<string, number>();

  /** Why a relay stamped `stamp` is refused at `now` (ms since the epoch), or undefined: then its nonce is taken. */
  take(stamp: RelayStamp, now: number): string | undefined {
    for (const [nonce, until] of this.#seen) {
      if (until > now) break; // in insertion order: the rest are younger
      this.#seen.delete(nonce);
    }
    if (Math.abs(now - stamp.time) > RELAY_WINDOW_MS) {
      return `the relay's time is ${Math.round((stamp.time - now) / 1000)} s from this node's clock (more than ${RELAY_WINDOW_MS / 1000} s)`;
    }
    if (this.#seen.has(stamp.nonce)) return 'a relay with this nonce was taken already';
    this.#seen.set(stamp.nonce, now + 2 * RELAY_WINDOW_MS);
    return undefined;
  }
}

export interface RelayReceiver {
  readonly cluster: Pick<ClusterHooks, 'authenticates' | 'sequencing' | 'status'>;
  readonly nonces: RelayNonces;
  readonly gate: AdminGate;
  /** Wall-clock milliseconds since the epoch. */
  readonly now: () => number;
  /**
   * The run of the sequencer route (Route.sequencer) serving `r`, never
   * rejecting (errors are replies); undefined when no such route serves it.
   */
  readonly prepare: (r: RelayedAdmin) => (() => Promise<Reply>) | undefined;
}

/** The answer to a relay of body `raw` with MAC `mac` (module comment); a refusal throws its LogError. */
export async function receiveAdminRelay(o: RelayReceiver, raw: Uint8Array, mac: string | undefined): Promise<Reply> {
  if (!o.cluster.authenticates(raw, mac)) throw new LogError('UNAUTHENTICATED', `${ADMIN_RELAY_PATH} takes admin requests from the log's own nodes only`);
  const { request, stamp } = decodeAdminRelay(raw);
  // The nonce is spent whatever follows: a relay refused now can never run later.
  const refused = o.nonces.take(stamp, o.now());
  if (refused !== undefined) throw new LogError('UNAUTHENTICATED', `couldn't take the relayed admin request: ${refused}`);
  const view = o.cluster.status();
  if (!o.cluster.sequencing()) throw new LogError('NOT_SEQUENCER', `node ${view.nodeId} does not sequence now (${view.role}); retry`, { details: { role: view.role } });
  if (stamp.epoch !== view.epoch) {
    throw new LogError('NOT_SEQUENCER', `the relay was meant for the sequencer of lease epoch ${stamp.epoch}; node ${view.nodeId} sequences under epoch ${view.epoch}; retry`, {
      details: { epoch: view.epoch },
    });
  }
  const run = o.prepare(request);
  if (run === undefined) throw new LogError('NOT_FOUND', `no admin operation run by the sequencing node serves ${request.method} ${request.path.slice(0, 512)}`);
  const reply = await o.gate.serveRelayed(
    { who: request.who, client: request.client, operation: `${request.method} ${request.path.slice(0, 512)}`, requestId: request.requestId, relayedBy: stamp.node },
    run,
  );
  return jsonTextReply(encodeForwardedReplies([reply]));
}

function bad(what: string): LogError {
  return new LogError('BAD_REQUEST', `couldn't read the relayed admin request: ${what}`);
}
