/**
 * A Rekor v1 API client (rekor-v1.md §1) for Cairn or any Rekor v1 log:
 * submit a proposed entry, read an entry by UUID or index (each read carries
 * an inclusion proof against the log's latest checkpoint), read the log info
 * and the latest (cosigned) checkpoint; and the tlog-tiles routes of any
 * tiled log (c2sp.org/tlog-tiles: `/checkpoint`, hash tiles, entry bundles),
 * which is all a monitor reads (TiledLog).
 *
 * Browser-safe: global fetch only. Nothing it returns is trusted: answers
 * are parsed defensively (log-entry.ts) and the caller verifies SETs, proofs
 * and checkpoints against the log key it was configured with.
 *
 * Errors (LogError codes): LOG_UNREACHABLE (no usable answer after the
 * retries), LOG_REJECTED (the log refused the request: 4xx, with its
 * message), LOG_RESPONSE_INVALID (an answer that is not what the API
 * promises).
 */
import { LogError } from '../errors.js';
import { HASH_SIZE, TILE_WIDTH, formatTilePath, type TileLevel } from '../merkle/portable.js';
import { fromHex, toHex } from './bytes.js';
import { MAX_BUNDLE_BYTES, bundlePrefix } from './entry-bundle.js';
import { exchange, type Answer, type TransportOptions } from './http.js';
import { leafHashOfBody, parseLogEntry, type RekorEntry } from './log-entry.js';
import type { TiledLog } from './tiles.js';

/** Settings of a RekorClient. */
export interface RekorClientOptions extends TransportOptions {
  /** A bearer token sent with every request (Cairn's `--tokens-file`, role submit). */
  readonly token?: string;
  /** User-Agent to send (ignored by browsers). */
  readonly userAgent?: string;
}

/** The answer to a submission. */
export interface Submitted {
  readonly entry: RekorEntry;
  /** False when the log already held an equal entry (409) and `entry` is that one. */
  readonly created: boolean;
}

/** A Rekor searchIndex query (rekor-v1.md §1): at least one criterion. */
export interface SearchQuery {
  /** `sha256:<hex>` (or bare hex) of an artifact. */
  readonly hash?: string;
  /** A PEM public key or certificate, base64-encoded, format x509. */
  readonly publicKey?: { readonly format: 'x509'; readonly content: string };
  /** A certificate's email SAN. */
  readonly email?: string;
  /** A certificate's URI (or other) SAN. */
  readonly subject?: string;
  readonly operator?: 'and' | 'or';
}

/** One checkpoint of the history route, unverified. */
export interface HistoryCheckpoint {
  readonly treeSize: number;
  /** When the log published it, ms since the epoch. */
  readonly timeMs: number;
  /** The signed note with the cosignatures collected for it. */
  readonly checkpoint: string;
}

/** One tree's part of LogInfo, unverified. */
export interface TreeInfo {
  readonly rootHash: string;
  readonly treeSize: number;
  readonly signedTreeHead: string;
  readonly treeId: string;
}

/** The log's LogInfo (rekor-v1.md §1, §7), unverified: the active tree, and the frozen ones oldest first. */
export interface LogInfo extends TreeInfo {
  readonly inactiveShards: readonly TreeInfo[];
}

const ENTRIES = '/api/v1/log/entries';
const ENTRY_ID_IN = /([0-9a-fA-F]{80}|[0-9a-fA-F]{64})(?![0-9a-fA-F])/;

export class RekorClient implements TiledLog {
  readonly baseUrl: string;
  readonly #opts: RekorClientOptions;

  /** `baseUrl` is the log's root (`https://log.example`, `http://127.0.0.1:3000`); a trailing slash is ignored. */
  constructor(baseUrl: string, opts: RekorClientOptions = {}) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new LogError('BAD_REQUEST', `couldn't use the log URL ${JSON.stringify(baseUrl)}: not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new LogError('BAD_REQUEST', `couldn't use the log URL ${JSON.stringify(baseUrl)}: not http or https`);
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#opts = opts;
  }

  /**
   * POST `proposed` (a ProposedEntry: `{apiVersion, kind, spec}`) to
   * `/api/v1/log/entries`. 201 → the new entry. 409 → the existing equal
   * entry, read from the answer's Location (or the UUID in its message).
   * Retrying a submission is safe: a repeat is a 409 for the same entry.
   */
  async submit(proposed: unknown): Promise<Submitted> {
    const url = `${this.baseUrl}${ENTRIES}`;
    const answer = await exchange(url, { method: 'POST', headers: this.#headers(true), body: JSON.stringify(proposed) }, this.#opts);
    if (answer.status === 201) return { entry: parseLogEntry(text(answer), url), created: true };
    if (answer.status === 409) {
      const id = ENTRY_ID_IN.exec(answer.headers.get('location') ?? '')?.[1] ?? ENTRY_ID_IN.exec(errorMessage(answer) ?? '')?.[1];
      if (id === undefined) throw new LogError('LOG_RESPONSE_INVALID', `couldn't read the existing entry: the log's 409 at ${url} names none`);
      const entry = await this.entryByUuid(id);
      if (entry === undefined) throw new LogError('LOG_RESPONSE_INVALID', `couldn't read the existing entry ${id}: the log answered 409, then 404`);
      return { entry, created: false };
    }
    throw refused(url, answer);
  }

  /** The entry with this 64- or 80-hex ID, with a proof against the latest checkpoint; undefined on 404. */
  async entryByUuid(id: string): Promise<RekorEntry | undefined> {
    if (!/^(?:[0-9a-fA-F]{16})?[0-9a-fA-F]{64}$/.test(id)) throw new LogError('BAD_REQUEST', `couldn't read entry ${JSON.stringify(id)}: not a 64- or 80-hex ID`);
    const entry = await this.#getEntry(`${this.baseUrl}${ENTRIES}/${id.toLowerCase()}`);
    if (entry !== undefined && entry.uuid !== id.slice(-64).toLowerCase()) {
      throw new LogError('LOG_RESPONSE_INVALID', `couldn't read entry ${id}: the log answered with entry ${entry.entryId}`);
    }
    return entry;
  }

  /** The entry at global index `index`, with a proof against the latest checkpoint; undefined on 404. */
  async entryByIndex(index: number): Promise<RekorEntry | undefined> {
    if (!Number.isSafeInteger(index) || index < 0) throw new LogError('BAD_REQUEST', `couldn't read entry at index ${index}: not a non-negative integer`);
    const entry = await this.#getEntry(`${this.baseUrl}${ENTRIES}?logIndex=${index}`);
    if (entry !== undefined && entry.logIndex !== index) {
      throw new LogError('LOG_RESPONSE_INVALID', `couldn't read entry at index ${index}: the log answered with index ${entry.logIndex}`);
    }
    return entry;
  }

  /**
   * The entry whose canonical body is `body` (found by its UUID), freshly
   * read: its inclusion proof is against the log's latest checkpoint. For
   * online verification of an entry known from a SET or bundle.
   */
  entryByBody(body: Uint8Array): Promise<RekorEntry | undefined> {
    return this.entryByUuid(toHex(leafHashOfBody(body)));
  }

  /**
   * The log's latest checkpoint as served at `/checkpoint` (c2sp.org/tlog-tiles),
   * a signed note that may carry witness cosignatures after the log's own
   * signatures. Unverified text; undefined when the log has no such route (404).
   */
  async checkpoint(): Promise<string | undefined> {
    const url = `${this.baseUrl}/checkpoint`;
    const answer = await exchange(url, { method: 'GET', headers: { ...this.#headers(false), Accept: 'text/plain' } }, { maxResponseBytes: 64 * 1024, ...this.#opts });
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw refused(url, answer);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(answer.body);
    } catch {
      throw new LogError('LOG_RESPONSE_INVALID', `couldn't read the checkpoint from ${url}: not UTF-8`);
    }
  }

  /** GET `/api/v1/log`. */
  async logInfo(): Promise<LogInfo> {
    const url = `${this.baseUrl}/api/v1/log`;
    const answer = await exchange(url, { method: 'GET', headers: this.#headers(false) }, this.#opts);
    if (answer.status !== 200) throw refused(url, answer);
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(text(answer)) as Record<string, unknown>;
    } catch {
      throw new LogError('LOG_RESPONSE_INVALID', `couldn't read the log info from ${url}: not JSON`);
    }
    const tree = (o: unknown): TreeInfo => {
      const { rootHash, treeSize, signedTreeHead, treeID } = (o ?? {}) as Record<string, unknown>;
      if (typeof rootHash !== 'string' || typeof signedTreeHead !== 'string' || typeof treeID !== 'string' || !Number.isSafeInteger(treeSize)) {
        throw new LogError('LOG_RESPONSE_INVALID', `couldn't read the log info from ${url}: not a LogInfo`);
      }
      return { rootHash, treeSize: treeSize as number, signedTreeHead, treeId: treeID };
    };
    const inactive = (v as { inactiveShards?: unknown } | undefined)?.inactiveShards;
    if (inactive !== undefined && !Array.isArray(inactive)) throw new LogError('LOG_RESPONSE_INVALID', `couldn't read the log info from ${url}: inactiveShards is not a list`);
    return { ...tree(v), inactiveShards: (inactive ?? []).map(tree) };
  }

  /**
   * POST `/api/v1/index/retrieve` (Rekor searchIndex): the entry IDs of the
   * entries under the query's keys (`hash`, `publicKey`, `email`, `subject`,
   * `operator`), as the log lists them. Unverified: read each entry to verify it.
   */
  async search(query: SearchQuery): Promise<string[]> {
    const url = `${this.baseUrl}/api/v1/index/retrieve`;
    const answer = await exchange(url, { method: 'POST', headers: this.#headers(true), body: JSON.stringify(query) }, this.#opts);
    if (answer.status !== 200) throw refused(url, answer);
    const ids = parseJsonAnswer(answer, url, 'search results');
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && /^(?:[0-9a-f]{16})?[0-9a-f]{64}$/.test(id))) {
      throw new LogError('LOG_RESPONSE_INVALID', `couldn't read the search results from ${url}: not a list of entry IDs`);
    }
    return ids as string[];
  }

  /** GET `/api/v1/log/proof`: the consistency proof from `firstSize` (≥ 1) to `lastSize` in the active tree (or tree `treeId`), unverified. */
  async consistencyProof(firstSize: number, lastSize: number, treeId?: string): Promise<{ rootHash: Uint8Array; hashes: Uint8Array[] }> {
    const url = `${this.baseUrl}/api/v1/log/proof?firstSize=${firstSize}&lastSize=${lastSize}${treeId === undefined ? '' : `&treeID=${encodeURIComponent(treeId)}`}`;
    const answer = await exchange(url, { method: 'GET', headers: this.#headers(false) }, this.#opts);
    if (answer.status !== 200) throw refused(url, answer);
    const v = parseJsonAnswer(answer, url, 'consistency proof') as { rootHash?: unknown; hashes?: unknown };
    const rootHash = typeof v?.rootHash === 'string' ? fromHex(v.rootHash) : undefined;
    const list = v?.hashes;
    const hashes = Array.isArray(list) && list.length <= 128 ? list.map((h) => (typeof h === 'string' ? fromHex(h) : undefined)) : [undefined];
    if (rootHash?.length !== 32 || !hashes.every((h) => h?.length === 32)) {
      throw new LogError('LOG_RESPONSE_INVALID', `couldn't read the consistency proof from ${url}: not {rootHash, hashes} of 32-byte hex hashes`);
    }
    return { rootHash, hashes: hashes as Uint8Array[] };
  }

  /** GET `/api/v1/log/checkpoints?from=&limit=`: the log's published checkpoints by size, ascending, unverified. */
  async checkpoints(from = 0, limit = 100): Promise<{ checkpoints: HistoryCheckpoint[]; next?: number }> {
    const url = `${this.baseUrl}/api/v1/log/checkpoints?from=${from}&limit=${limit}`;
    const answer = await exchange(url, { method: 'GET', headers: this.#headers(false) }, this.#opts);
    if (answer.status !== 200) throw refused(url, answer);
    const v = parseJsonAnswer(answer, url, 'checkpoint history') as { checkpoints?: unknown; next?: unknown };
    const list = v?.checkpoints;
    const ok = (c: unknown): c is HistoryCheckpoint => {
      const o = c as Record<string, unknown>;
      return typeof o === 'object' && o !== null && Number.isSafeInteger(o['treeSize']) && Number.isSafeInteger(o['timeMs']) && typeof o['checkpoint'] === 'string';
    };
    if (!Array.isArray(list) || !list.every(ok)) throw new LogError('LOG_RESPONSE_INVALID', `couldn't read the checkpoint history from ${url}: not a page of checkpoints`);
    const page = list.map((c) => ({ treeSize: c.treeSize, timeMs: c.timeMs, checkpoint: c.checkpoint }));
    return Number.isSafeInteger(v.next) ? { checkpoints: page, next: v.next as number } : { checkpoints: page };
  }

  /**
   * GET `/tile/<level>/<index>[.p/<width>]` (c2sp.org/tlog-tiles): the tile's
   * bytes, unverified. A partial tile the log no longer serves (404: it grew
   * past it) is read as the full tile, whose prefix it is (tlog-tiles: clients
   * may fall back to the full tile); the length is the caller's to check.
   */
  tile(level: number, index: number, width: number): Promise<Uint8Array> {
    return this.#partialOrFull(level, index, width, 'application/octet-stream', this.#opts, (full) => full.subarray(0, width * HASH_SIZE));
  }

  /**
   * GET `/tile/entries/<index>[.p/<width>]`: the entry bundle's bytes
   * (uint16-length-prefixed bodies, see entry-bundle.ts), unverified, with
   * the same fallback as {@link tile}. Up to {@link MAX_BUNDLE_BYTES}.
   */
  entryBundle(index: number, width: number): Promise<Uint8Array> {
    const opts = { ...this.#opts, maxResponseBytes: Math.max(MAX_BUNDLE_BYTES, this.#opts.maxResponseBytes ?? 0) };
    return this.#partialOrFull('entries', index, width, 'application/octet-stream', opts, (full) => bundlePrefix(full, width));
  }

  async #partialOrFull(level: TileLevel, index: number, width: number, accept: string, opts: TransportOptions, prefix: (full: Uint8Array) => Uint8Array): Promise<Uint8Array> {
    const get = async (w: number): Promise<Answer> => {
      const url = `${this.baseUrl}/${formatTilePath(level, index, w)}`;
      const answer = await exchange(url, { method: 'GET', headers: { ...this.#headers(false), Accept: accept } }, opts);
      if (answer.status !== 200 && !(answer.status === 404 && w < TILE_WIDTH)) throw refused(url, answer);
      return answer;
    };
    const answer = await get(width);
    if (answer.status === 200) return answer.body;
    const full = await get(TILE_WIDTH);
    return prefix(full.body);
  }

  /** GET `/api/v1/log/publicKey`: the log key's PEM, as the log serves it (for a person to compare, never to trust blindly). */
  async publicKey(): Promise<string> {
    const url = `${this.baseUrl}/api/v1/log/publicKey`;
    const answer = await exchange(url, { method: 'GET', headers: { ...this.#headers(false), Accept: 'application/x-pem-file' } }, this.#opts);
    if (answer.status !== 200) throw refused(url, answer);
    return text(answer);
  }

  async #getEntry(url: string): Promise<RekorEntry | undefined> {
    const answer = await exchange(url, { method: 'GET', headers: this.#headers(false) }, this.#opts);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw refused(url, answer);
    return parseLogEntry(text(answer), url);
  }

  #headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = { Accept: 'application/json' };
    if (json) h['Content-Type'] = 'application/json';
    if (this.#opts.token !== undefined) h['Authorization'] = `Bearer ${this.#opts.token}`;
    if (this.#opts.userAgent !== undefined) h['User-Agent'] = this.#opts.userAgent;
    return h;
  }
}

function parseJsonAnswer(answer: Answer, url: string, what: string): unknown {
  try {
    return JSON.parse(text(answer));
  } catch {
    throw new LogError('LOG_RESPONSE_INVALID', `couldn't read the ${what} from ${url}: not JSON`);
  }
}

function text(answer: Answer): string {
  return new TextDecoder().decode(answer.body);
}

/** The `message` of a Rekor error body `{code, message}`, if there is one. */
function errorMessage(answer: Answer): string | undefined {
  try {
    const m = (JSON.parse(text(answer)) as { message?: unknown }).message;
    return typeof m === 'string' ? m.slice(0, 500) : undefined;
  } catch {
    return undefined;
  }
}

function refused(url: string, answer: Answer): LogError {
  const message = errorMessage(answer);
  const why = `HTTP ${answer.status}${message === undefined ? '' : `: ${message}`}`;
  if (answer.status >= 500) return new LogError('LOG_UNREACHABLE', `couldn't use the log at ${url}: ${why}`, { details: { url, status: answer.status } });
  return new LogError('LOG_REJECTED', `the log at ${url} refused the request: ${why}`, { details: { url, status: answer.status } });
}
