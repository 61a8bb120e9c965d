/**
 * What the API needs to know when it is one node of several on one database
 * (src/cluster builds it): where an admitted submission goes, how the
 * internal forwarding route authenticates a peer, and the node's role for
 * the probes and metrics. Without it the node is alone and sequences
 * everything it admits.
 *
 * The forwarded entry's wire format (POST {@link CLUSTER_ENTRIES_PATH}) is
 * defined here, beside the route that reads it: a JSON object
 * `{"kind", "body", "leafHash", "searchKeys", "api"?}` (bytes in base64) of a
 * PreparedEntry the forwarding node admitted (parsed, checked, signatures
 * verified), `api` `"v2"` for an entry of the Rekor v2 tree (else the v1
 * log), authenticated by `X-Cairn-Cluster-Mac`: the hex HMAC-SHA256 of the
 * request body's bytes under the cluster secret. The answer is exactly the
 * 201/409/503 the sequencing node gives its own clients of that API.
 */
import { createHash } from 'node:crypto';
import type { PreparedEntry } from '../entry/index.js';
import { LogError } from '../errors.js';
import type { Reply } from './reply.js';

/** The internal route a follower forwards admitted entries to. */
export const CLUSTER_ENTRIES_PATH = '/internal/v1/cluster/entries';
/** The header carrying the request body's HMAC. */
export const CLUSTER_MAC_HEADER = 'x-cairn-cluster-mac';

/** Which log a forwarded entry goes to: the Rekor v1 log, or the Rekor v2 tree. */
export type ForwardedApi = 'v1' | 'v2';

/** The node's view of the cluster (src/cluster ClusterCoordinator.status). */
export interface ClusterView {
  readonly nodeId: string;
  readonly nodeUrl: string;
  readonly role: 'follower' | 'taking over' | 'sequencer';
  readonly holder: string | undefined;
  readonly holderUrl: string | undefined;
  readonly epoch: number;
  readonly takeovers: number;
  readonly databaseReachable: boolean;
}

export interface ClusterHooks {
  /**
   * The answer to an admitted Rekor v1 submission when another node
   * sequences (its 201/409, or a retryable 503 NOT_SEQUENCER when it cannot
   * be reached); undefined when this node sequences it itself.
   */
  forward(prepared: PreparedEntry, api?: ForwardedApi): Promise<Reply> | undefined;
  /** Whether `mac` (the X-Cairn-Cluster-Mac header) authenticates `body` as a peer's. Constant time. */
  authenticates(body: Uint8Array, mac: string | undefined): boolean;
  /** Whether this node sequences now (holds the lease, state rebuilt). */
  sequencing(): boolean;
  status(): ClusterView;
}

/** The forwarded entry's request body. */
export function encodeForwardedEntry(p: PreparedEntry, api: ForwardedApi = 'v1'): Buffer {
  const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  return Buffer.from(JSON.stringify({ kind: p.kind, body: b64(p.body), leafHash: b64(p.leafHash), searchKeys: p.searchKeys, ...(api === 'v2' ? { api } : {}) }));
}

/**
 * Parse a forwarded entry (authenticated already; parsed defensively all the
 * same). BAD_REQUEST for anything but the format above, a body over
 * 65,535 bytes, or a leaf hash that is not SHA-256(0x00 ‖ body).
 */
export function decodeForwardedEntry(raw: Uint8Array): { prepared: PreparedEntry; api: ForwardedApi } {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch {
    throw bad('not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('not an object');
  const o = v as Record<string, unknown>;
  const { kind, body, leafHash, searchKeys, api } = o;
  if (api !== undefined && api !== 'v2') throw bad('api');
  if (typeof kind !== 'string' || kind.length === 0 || kind.length > 64) throw bad('kind');
  if (typeof body !== 'string' || typeof leafHash !== 'string') throw bad('body and leafHash must be base64 strings');
  if (!Array.isArray(searchKeys) || searchKeys.length > 1024 || !searchKeys.every((k): k is string => typeof k === 'string' && k.length <= 1024)) throw bad('searchKeys');
  const bodyBytes = Buffer.from(body, 'base64');
  if (bodyBytes.length === 0 || bodyBytes.length > 65_535) throw bad('body size');
  const hash = createHash('sha256').update(Buffer.from([0])).update(bodyBytes).digest();
  if (!hash.equals(Buffer.from(leafHash, 'base64'))) throw bad('leafHash is not SHA-256(0x00 ‖ body)');
  return { prepared: { kind, body: bodyBytes, leafHash: hash, searchKeys }, api: api === 'v2' ? 'v2' : 'v1' };
}

function bad(what: string): LogError {
  return new LogError('BAD_REQUEST', `couldn't read the forwarded entry: ${what}`);
}
