/**
 * What the API needs to know when it is one node of several on one database
 * (src/cluster builds it): where an admitted submission goes, how the
 * internal forwarding route authenticates a peer, and the node's role for
 * the probes and metrics. Without it the node is alone and sequences
 * everything it admits.
 *
 * The wire format of forwarding (POST {@link CLUSTER_ENTRIES_PATH}) is
 * defined here, beside the route that reads it. A request carries a batch of
 * one or more entries the forwarding node admitted (parsed, checked,
 * signatures verified):
 *
 *     {"entries": [{"kind", "body", "leafHash", "searchKeys", "api"?}, …]}
 *
 * each a PreparedEntry (bytes in base64), `api` `"v2"` for an entry of the
 * Rekor v2 tree, `"admin"` for a record of the admin audit log (kind
 * `cairn-admin-record/v1`, answered 201 `{"index"}`), else the v1 log; at most {@link MAX_FORWARDED_ENTRIES}
 * entries and {@link MAX_FORWARDED_BODY_BYTES} bytes. The request is
 * authenticated by `X-Cairn-Cluster-Mac`: the hex HMAC-SHA256 of the whole
 * body's bytes under the cluster secret. The answer is 200 with
 *
 *     {"replies": [{"status", "headers", "body", "code"?}, …]}
 *
 * in the order of the entries, each exactly the answer the sequencing node
 * gives its own clients of that API for that entry alone (201 with the
 * entry, 409 for a duplicate, 503 NOT_SEQUENCER when it does not sequence…;
 * `body` as text), `code` the Cairn error code of an error answer
 * (src/errors.ts: the forwarding node retries NOT_SEQUENCER elsewhere, and a
 * Rekor v2 error body carries only a gRPC code). The whole request is refused only before any entry is
 * read into the log: 401 when the MAC does not authenticate it, 400 when it
 * is not this format, 413 beyond the size limit.
 */
import { createHash } from 'node:crypto';
import type { PreparedEntry } from '../entry/index.js';
import { LogError } from '../errors.js';
import { ADMIN_RECORD_KIND } from '../log/index.js';
import type { RelayedAdmin } from './admin-relay.js';
import { parseJsonObject } from './json-object.js';
import type { Reply } from './reply.js';

/** The internal route a follower forwards admitted entries to. */
export const CLUSTER_ENTRIES_PATH = '/internal/v1/cluster/entries';
/** The header carrying the request body's HMAC. */
export const CLUSTER_MAC_HEADER = 'x-cairn-cluster-mac';

/** Which log a forwarded entry goes to: the Rekor v1 log, the Rekor v2 tree, or the admin audit log (a follower's admin records). */
export type ForwardedApi = 'v1' | 'v2' | 'admin';

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
  /** Why the last lease operation failed (no password), while it did. */
  readonly databaseError?: string | undefined;
  /** Forwarding to the sequencing node since start: requests sent and entries they carried (their ratio is the mean batch). */
  readonly forwarding?: { readonly requests: number; readonly entries: number };
}

export interface ClusterHooks {
  /**
   * The answer to an admitted submission to `api`'s log (default the Rekor
   * v1 log) when another node sequences (its 201/409, or a retryable 503
   * NOT_SEQUENCER when it cannot be reached); undefined when this node
   * sequences it itself.
   */
  forward(prepared: PreparedEntry, api?: ForwardedApi): Promise<Reply> | undefined;
  /**
   * Relay an admin operation run by the sequencing node (Route.sequencer),
   * which this node's gate allowed, to that node (admin-relay.ts); call only
   * while this node does not sequence. Resolves with that node's answer to
   * the operation (any status); rejects with NOT_SEQUENCER (503, retryable)
   * when the operation certainly did not run (no node could be reached, or
   * each refused it before running it), or with UPSTREAM_FAILED (502) when
   * it may have run (no answer came after it was sent), or did not run
   * because the node refused the relay for another reason (`details.ran`
   * false). Never sends it again once it may have arrived. Absent: admin
   * operations run where they are asked.
   */
  relayAdmin?(request: RelayedAdmin): Promise<Reply>;
  /** Whether `mac` (the X-Cairn-Cluster-Mac header) authenticates `body` as a peer's. Constant time. */
  authenticates(body: Uint8Array, mac: string | undefined): boolean;
  /** Whether this node sequences now (holds the lease, state rebuilt). */
  sequencing(): boolean;
  status(): ClusterView;
}

/** An entry of a forwarded batch. */
export interface ForwardedEntry {
  readonly prepared: PreparedEntry;
  readonly api: ForwardedApi;
}

/** Most entries in one forwarded request; the route refuses more (400). */
export const MAX_FORWARDED_ENTRIES = 512;

/**
 * Encoded entries (characters) past which a forwarder starts another
 * request: ~1 MiB, a body the sequencing node reads and parses in a few
 * milliseconds. An entry larger than this alone still goes, alone.
 */
export const FORWARD_BATCH_CHARS = 1 << 20;

/**
 * Largest request body the route reads, bytes (413 beyond): a batch of
 * {@link FORWARD_BATCH_CHARS} characters is at most 3 MiB in UTF-8, and a
 * lone entry at its largest (a 65,535-byte body, 87,380 characters of
 * base64, and 1,024 search keys of 1,024 characters each escaped as JSON)
 * under 6.5 MiB.
 */
export const MAX_FORWARDED_BODY_BYTES = 8 << 20;

/** One entry of a batch as JSON text; {@link forwardedBatch} joins them. */
export function encodeForwardedEntry(p: PreparedEntry, api: ForwardedApi = 'v1'): string {
  const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  return JSON.stringify({ kind: p.kind, body: b64(p.body), leafHash: b64(p.leafHash), searchKeys: p.searchKeys, ...(api === 'v1' ? {} : { api }) });
}

/** The request body of a batch of entries encoded by {@link encodeForwardedEntry}, in order. */
export function forwardedBatch(entries: readonly string[]): Buffer {
  return Buffer.from(`{"entries":[${entries.join(',')}]}`);
}

/**
 * Parse a forwarded batch (authenticated already; parsed defensively all the
 * same). BAD_REQUEST for anything but the format above: no entries or more
 * than {@link MAX_FORWARDED_ENTRIES}, or an entry that is malformed, has a
 * body over 65,535 bytes, or a leaf hash that is not SHA-256(0x00 ‖ body).
 */
export function decodeForwardedBatch(raw: Uint8Array): ForwardedEntry[] {
  const entries = parseJsonObject(raw, bad)['entries'];
  if (!Array.isArray(entries) || entries.length === 0) throw bad('entries must be a non-empty array');
  if (entries.length > MAX_FORWARDED_ENTRIES) throw bad(`more than ${MAX_FORWARDED_ENTRIES} entries`);
  return entries.map((e: unknown, i) => decodeEntry(e, i));
}

function decodeEntry(v: unknown, i: number): ForwardedEntry {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`entries[${i}] is not an object`);
  const { kind, body, leafHash, searchKeys, api } = v as Record<string, unknown>;
  if (api !== undefined && api !== 'v2' && api !== 'admin') throw bad(`entries[${i}].api`);
  if (api === 'admin' && kind !== ADMIN_RECORD_KIND) throw bad(`entries[${i}].kind of an admin record`);
  if (typeof kind !== 'string' || kind.length === 0 || kind.length > 64) throw bad(`entries[${i}].kind`);
  if (typeof body !== 'string' || typeof leafHash !== 'string') throw bad(`entries[${i}].body and leafHash must be base64 strings`);
  if (!Array.isArray(searchKeys) || searchKeys.length > 1024 || !searchKeys.every((k): k is string => typeof k === 'string' && k.length <= 1024)) throw bad(`entries[${i}].searchKeys`);
  const bodyBytes = Buffer.from(body, 'base64');
  if (bodyBytes.length === 0 || bodyBytes.length > 65_535) throw bad(`entries[${i}].body size`);
  const hash = createHash('sha256').update(Buffer.from([0])).update(bodyBytes).digest();
  if (!hash.equals(Buffer.from(leafHash, 'base64'))) throw bad(`entries[${i}].leafHash is not SHA-256(0x00 ‖ body)`);
  return { prepared: { kind, body: bodyBytes, leafHash: hash, searchKeys }, api: api === 'v2' || api === 'admin' ? api : 'v1' };
}

/** The answer's body: `replies` (one per entry, in order) as the format above says. */
export function encodeForwardedReplies(replies: readonly Reply[]): string {
  const text = (b: string | Uint8Array): string => (typeof b === 'string' ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'));
  return JSON.stringify({ replies: replies.map((r) => ({ status: r.status, headers: r.headers, body: text(r.body), ...(r.code === undefined ? {} : { code: r.code }) })) });
}

/**
 * The replies of an answer's body to a batch of `count` entries, header
 * names in lower case, with their `code` when the answer names one; undefined when it is not the format above (or
 * holds another number of replies).
 */
export function decodeForwardedReplies(text: string, count: number): Reply[] | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const replies = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)['replies'] : undefined;
  if (!Array.isArray(replies) || replies.length !== count) return undefined;
  const out: Reply[] = [];
  for (const r of replies as unknown[]) {
    if (typeof r !== 'object' || r === null) return undefined;
    const { status, headers, body, code } = r as Record<string, unknown>;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599 || typeof body !== 'string') return undefined;
    if (code !== undefined && (typeof code !== 'string' || !/^[A-Z_]{1,64}$/.test(code))) return undefined;
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return undefined;
    const h: Record<string, string> = {};
    for (const [k, hv] of Object.entries(headers)) {
      if (typeof hv !== 'string') return undefined;
      h[k.toLowerCase()] = hv;
    }
    out.push({ status, headers: h, body, ...(code === undefined ? {} : { code }) });
  }
  return out;
}

function bad(what: string): LogError {
  return new LogError('BAD_REQUEST', `couldn't read the forwarded entries: ${what}`);
}
