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
 *   before (a smaller one, the same size with another root, or another
 *   tree without a rotation that froze the one seen): a fork;
 * - LOG_RESPONSE_INVALID: an entry from another log, a bad SET, an answer
 *   outside the API; LOG_UNREACHABLE / LOG_REJECTED as RekorClient.
 *
 * Across rotations (rekor-v1.md §7): the log is a sequence of trees, each
 * with its own origin and possibly its own key (LogTrust.logKeys). An entry
 * of a frozen tree verifies against that tree's final checkpoint, which must
 * be the one the log lists in `inactiveShards`; the active tree's entries
 * against its latest checkpoint. A checkpoint of another tree extends one
 * seen before only when the log lists the seen tree as frozen before it and
 * the seen checkpoint is consistent with that tree's final one.
 */
import { LogError } from '../errors.js';
import { hashHex, hashesEqual } from '../merkle/portable.js';
import type { Checkpoint } from '../note/portable.js';
import { verifyCheckpoint, type LogTrust, type VerifiedCheckpoint } from './checkpoint.js';
import { fromHex } from './bytes.js';
import { proofs } from './crypto.js';
import type { RekorEntry } from './log-entry.js';
import { RekorClient, type HistoryCheckpoint, type RekorClientOptions, type SearchQuery } from './rekor.js';
import { verifyTiles } from './tiles.js';
import { verifyEntry, type VerifiedEntry } from './verify-entry.js';

/** One tree of the log as LogInfo lists it, its checkpoint verified: a frozen tree's final one, or the active tree's latest. */
export interface VerifiedTree {
  readonly treeId: string;
  readonly frozen: boolean;
  readonly checkpoint: VerifiedCheckpoint;
}

/** How a newer checkpoint extends an older one: in the same tree, or across rotations from the older tree's final checkpoint. */
export type Extension = { readonly rotated: false } | { readonly rotated: true; readonly frozen: VerifiedTree };

export class VerifiedLog {
  readonly client: RekorClient;
  readonly trust: LogTrust;
  /** The frozen trees by origin, as last read (they never change). */
  #frozen = new Map<string, VerifiedTree>();
  /** The active tree's origin, as last read. */
  #activeOrigin: string | undefined;

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

  /**
   * Verifies an entry read with `client` (SET, inclusion proof, checkpoint)
   * with the pinned keys; an entry of a frozen tree against that tree's final
   * checkpoint as the log lists it (LOG_RESPONSE_INVALID when its proof is
   * against another checkpoint of that tree).
   */
  async verify(entry: RekorEntry): Promise<VerifiedEntry> {
    const v = await verifyEntry(entry, this.trust);
    const origin = v.checkpoint.checkpoint.origin;
    if (origin === this.#activeOrigin) return v;
    let frozen = this.#frozen.get(origin);
    if (frozen === undefined) {
      if ((await this.trees()).some((t) => !t.frozen && t.checkpoint.checkpoint.origin === origin)) return v;
      frozen = this.#frozen.get(origin);
      if (frozen === undefined) throw new LogError('LOG_RESPONSE_INVALID', `couldn't verify entry ${entry.logIndex}: its proof is against a tree the log does not list (${JSON.stringify(origin)})`);
    }
    {
      const final = frozen.checkpoint.checkpoint;
      if (final.size !== v.checkpoint.checkpoint.size || !hashesEqual(final.root, v.checkpoint.checkpoint.root)) {
        throw new LogError(
          'LOG_RESPONSE_INVALID',
          `couldn't verify entry ${entry.logIndex}: its tree ${frozen.treeId} is frozen at size ${final.size}, but the proof is against size ${v.checkpoint.checkpoint.size} or another root`,
        );
      }
    }
    return v;
  }

  /**
   * The log's trees as `/api/v1/log` lists them, oldest first: each frozen
   * tree with its final checkpoint (`inactiveShards[].signedTreeHead`), then
   * the active one with its latest, each verified with the pinned keys and
   * checked against the size and root LogInfo states.
   */
  async trees(): Promise<VerifiedTree[]> {
    const info = await this.client.logInfo();
    const out: VerifiedTree[] = [];
    for (const [i, t] of [...info.inactiveShards, info].entries()) {
      const frozen = i < info.inactiveShards.length;
      const checkpoint = await verifyCheckpoint(t.signedTreeHead, this.trust);
      const root = /^[0-9a-f]{64}$/.test(t.rootHash) ? fromHex(t.rootHash) : undefined;
      if (checkpoint.checkpoint.size !== t.treeSize || root === undefined || !hashesEqual(root, checkpoint.checkpoint.root)) {
        throw new LogError('LOG_RESPONSE_INVALID', `couldn't read the log's trees: tree ${t.treeId}'s signed tree head does not state its treeSize and rootHash`);
      }
      const tree = { treeId: t.treeId, frozen, checkpoint };
      if (frozen) this.#frozen.set(checkpoint.checkpoint.origin, tree);
      else this.#activeOrigin = checkpoint.checkpoint.origin;
      out.push(tree);
    }
    return out;
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
   *
   * When `newer` is of another tree (another origin), the log must have
   * rotated: it lists `older`'s tree as frozen, `newer`'s as a later tree, and
   * `older` extends to the frozen tree's final checkpoint; else INCONSISTENT.
   */
  async verifyExtends(older: Checkpoint, newer: Checkpoint): Promise<Extension> {
    if (older.origin === newer.origin) {
      await this.#extendsInTree(older, newer);
      return { rotated: false };
    }
    const changed = `the log's origin changed from ${JSON.stringify(older.origin)} to ${JSON.stringify(newer.origin)}`;
    const trees = await this.trees();
    const from = trees.findIndex((t) => t.frozen && t.checkpoint.checkpoint.origin === older.origin);
    if (from < 0) throw new LogError('INCONSISTENT', `couldn't verify consistency: ${changed}, and the log lists no frozen tree with the origin seen before`);
    const to = trees.findIndex((t) => t.checkpoint.checkpoint.origin === newer.origin);
    if (to <= from) throw new LogError('INCONSISTENT', `couldn't verify consistency: ${changed}, and the log lists no such tree after the one seen before`);
    const frozen = trees[from] as VerifiedTree;
    await this.#extendsInTree(older, frozen.checkpoint.checkpoint, frozen.treeId);
    return { rotated: true, frozen };
  }

  async #extendsInTree(older: Checkpoint, newer: Checkpoint, treeId?: string): Promise<void> {
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
    const hashes = older.size === 0 ? [] : (await this.client.consistencyProof(older.size, newer.size, treeId)).hashes;
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
