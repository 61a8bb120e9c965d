/**
 * A log read through a RekorClient and verified with pinned keys: the one
 * object a verifier, a monitor or the web explorer holds. Everything it
 * returns has been checked (LogTrust: the log key, optionally the note key
 * and witnesses); anything that does not verify is a thrown LogError whose
 * message says why:
 * - NOTE_INVALID: a checkpoint not signed by the pinned keys;
 * - PROOF_INVALID: an inclusion or consistency proof, or tiles, that do not
 *   hash to the signed roots;
 * - INCONSISTENT: the log shows a tree that does not extend one it showed
 *   before (a smaller one, or the same size with another root): a fork;
 * - LOG_RESPONSE_INVALID: an entry from another log, a bad SET, an answer
 *   outside the API; LOG_UNREACHABLE / LOG_REJECTED as RekorClient.
 */
import { LogError } from '../errors.js';
import { hashHex, hashesEqual } from '../merkle/portable.js';
import type { Checkpoint } from '../note/portable.js';
import { verifyCheckpoint, type LogTrust, type VerifiedCheckpoint } from './checkpoint.js';
import { proofs } from './crypto.js';
import type { RekorEntry } from './log-entry.js';
import { RekorClient, type HistoryCheckpoint, type RekorClientOptions, type SearchQuery } from './rekor.js';
import { verifyTiles } from './tiles.js';
import { verifyEntry, type VerifiedEntry } from './verify-entry.js';

export class VerifiedLog {
  readonly client: RekorClient;
  readonly trust: LogTrust;

  /** `baseUrl` as RekorClient's; `trust` the pinned keys. */
  constructor(baseUrl: string, trust: LogTrust, opts: RekorClientOptions = {}) {
    this.client = new RekorClient(baseUrl, opts);
    this.trust = trust;
  }

  /** The log's latest checkpoint (`/checkpoint`), verified, with its cosignatures checked. */
  async latestCheckpoint(): Promise<VerifiedCheckpoint> {
    const note = await this.client.checkpoint();
    if (note === undefined) throw new LogError('LOG_RESPONSE_INVALID', `couldn't read the checkpoint of ${this.client.baseUrl}: the log has no /checkpoint`);
    return verifyCheckpoint(note, this.trust);
  }

  /** The entry with this UUID or entry ID, verified; undefined when the log has none. */
  async entryByUuid(id: string): Promise<VerifiedEntry | undefined> {
    const entry = await this.client.entryByUuid(id);
    return entry === undefined ? undefined : verifyEntry(entry, this.trust);
  }

  /** The entry at this global index, verified; undefined when the log has none. */
  async entryByIndex(index: number): Promise<VerifiedEntry | undefined> {
    const entry = await this.client.entryByIndex(index);
    return entry === undefined ? undefined : verifyEntry(entry, this.trust);
  }

  /** Verifies an entry read with `client` (SET, inclusion proof, checkpoint) with the pinned keys. */
  verify(entry: RekorEntry): Promise<VerifiedEntry> {
    return verifyEntry(entry, this.trust);
  }

  /** Entry IDs under a search query (unverified list: read each entry to verify it). */
  search(query: SearchQuery): Promise<string[]> {
    return this.client.search(query);
  }

  /**
   * Checks that `newer` (verified) extends `older` (a checkpoint this client
   * verified before): the same tree at the same size, the empty tree, or a
   * consistency proof from the log (RFC 9162 §2.1.4.2). Throws INCONSISTENT
   * when `newer` is smaller or another tree of the same size, PROOF_INVALID
   * when the proof fails, both meaning the log showed two histories.
   */
  async verifyExtends(older: Checkpoint, newer: Checkpoint): Promise<void> {
    if (older.origin !== newer.origin) {
      throw new LogError('INCONSISTENT', `couldn't verify consistency: the log's origin changed from ${JSON.stringify(older.origin)} to ${JSON.stringify(newer.origin)}`);
    }
    if (newer.size < older.size) {
      throw new LogError('INCONSISTENT', `couldn't verify consistency: the log shows size ${newer.size}, smaller than the ${older.size} it showed before`);
    }
    if (newer.size === older.size) {
      if (!hashesEqual(newer.root, older.root)) {
        throw new LogError('INCONSISTENT', `couldn't verify consistency: two different trees of size ${newer.size} (${hashHex(older.root)} and ${hashHex(newer.root)})`);
      }
      return;
    }
    const hashes = older.size === 0 ? [] : (await this.client.consistencyProof(older.size, newer.size)).hashes;
    proofs.verifyConsistency(older.size, newer.size, older.root, newer.root, hashes);
  }

  /** One page of the log's checkpoint history (ascending by size), each verified with the pinned keys. */
  async checkpointHistory(from = 0, limit = 100): Promise<{ checkpoints: (VerifiedCheckpoint & { timeMs: number })[]; next?: number }> {
    const page = await this.client.checkpoints(from, limit);
    const checkpoints: (VerifiedCheckpoint & { timeMs: number })[] = [];
    for (const c of page.checkpoints as HistoryCheckpoint[]) {
      const v = await verifyCheckpoint(c.checkpoint, this.trust);
      if (v.checkpoint.size !== c.treeSize) throw new LogError('LOG_RESPONSE_INVALID', `couldn't read the checkpoint history: an item says size ${c.treeSize}, its note ${v.checkpoint.size}`);
      checkpoints.push({ ...v, timeMs: c.timeMs });
    }
    return page.next === undefined ? { checkpoints } : { checkpoints, next: page.next };
  }

  /** Checks that the log's hash tiles (c2sp.org/tlog-tiles) hash to `checkpoint`'s root. Throws PROOF_INVALID. */
  verifyTiles(checkpoint: Checkpoint): Promise<void> {
    return verifyTiles(checkpoint, (level, index, width) => this.client.tile(level, index, width));
  }
}
