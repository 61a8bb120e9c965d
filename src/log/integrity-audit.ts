/**
 * The integrity audit: while the log serves, rehash what it stored, in small
 * chunks at a bounded rate, so that damage inside records (an entry body, a
 * tile hash: what SQLite's quick_check cannot see) is found without
 * rehashing the whole log at start-up.
 *
 * One pass checks everything the latest checkpoint at the pass's start
 * commits to, 64 entries per chunk, tile by tile:
 *
 * - each entry's body hashes to its stored leaf hash, which is its hash in
 *   the level-0 tile, and the leaf-hash index finds it at its own index;
 * - each tile's interior rows recompute from its row 0, and the leaf-group
 *   rows of a full level-0 tile (if the store keeps them) hold its hashes;
 * - each full tile's root is its hash in the row 0 of the tile above (checked
 *   as tiles complete, so memory is O(1) whatever the log's size);
 * - at the end of the pass, the root rebuilt from the right edge of the
 *   stored tiles is the checkpoint's root.
 *
 * Stored rows below a published size never change, so chunks read the store
 * directly (never the tile cache), between requests, on the event loop: a
 * chunk costs 64 body hashes and index lookups, a few milliseconds (the whole
 * audit runs at about 16,000 entries/s flat out on a loaded 2-core machine,
 * so the default 1,000/s takes some 6% of the event loop). After a chunk of n
 * entries the next waits n / rate seconds. A mismatch stops the audit and
 * turns the log read-only (LogService.stopWriting), saying where: the index
 * or tile, the hash expected and the one found.
 */
import { LogError, describeError, isLogError } from '../errors.js';
import {
  LEAF_GROUPS_PER_TILE,
  type RightEdge,
  TILE_HEIGHT,
  TILE_WIDTH,
  buildTile,
  c2spTileBytes,
  checkTile,
  hashesEqual,
  leafGroupsOfTile,
  leafHash,
  tileNode,
  tileRoot,
  type Tile,
} from '../merkle/index.js';
import type { AsyncTreeReads } from '../storage/index.js';
import type { CheckpointRow } from '../storage/types.js';
import { readEdge } from './edge.js';

/** What the audit found that does not match. */
export interface AuditMismatch {
  /** Entry index, when the mismatch is about one entry. */
  readonly index?: number;
  /** Tile `level/index`, when it is about a tile. */
  readonly tile?: string;
  readonly what: string;
  /** Hex hash expected (from the row that commits to it) and found (recomputed). */
  readonly expected?: string;
  readonly found?: string;
}

/** The audit's progress, for GET /metrics and logs. */
export interface IntegrityAuditStatus {
  /** Entries per second; 0 when the audit is off. */
  readonly ratePerSecond: number;
  /** Next entry the current pass checks. */
  readonly position: number;
  /** Size of the checkpoint the current pass checks up to. */
  readonly target: number;
  /** Passes completed since start. */
  readonly passes: number;
  /** Entries rehashed since start. */
  readonly entriesChecked: number;
  /** When the last pass completed (ms since the epoch), if one did. */
  readonly lastPassCompletedMs: number | undefined;
  /** The first mismatch found (the audit then stops). */
  readonly mismatch: AuditMismatch | undefined;
}

export interface IntegrityAuditDeps {
  readonly store: Pick<AsyncTreeReads, 'tile' | 'entriesInRange' | 'indexOfLeafHash' | 'leafGroup'>;
  /** The latest published checkpoint (a pass checks up to it). */
  readonly latest: () => CheckpointRow;
  /**
   * The active tree (shard): its ID and the global index of its first entry
   * (default: one tree from index 0). A pass checks one tree; after a
   * rotation the next step starts a pass of the new tree.
   */
  readonly tree?: () => AuditedTree;
  /** Called once with the mismatch and a one-line reason; the caller turns the log read-only and logs it. */
  readonly onMismatch: (reason: string, mismatch: AuditMismatch) => void;
  /** Called after each completed pass. */
  readonly onPass?: (status: IntegrityAuditStatus) => void;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly ratePerSecond: number;
  /** Least time from the start of one pass to the start of the next, ms (default 60,000): a small log is not rehashed in a loop. */
  readonly minPassIntervalMs?: number;
}

/** A log of one tree. */
const ONE_TREE: AuditedTree = { id: '', firstIndex: 0 };

/**
 * The tree a pass audits: its ID, the global index of its first entry, and
 * the reads of its own rows when the store has a view per tree
 * (AsyncLogStore.tree; default: `store`, whose rows are the active tree's).
 */
export interface AuditedTree {
  readonly id: string;
  readonly firstIndex: number;
  readonly store?: IntegrityAuditDeps['store'];
}

/** Entries rehashed per step: a few milliseconds on the event loop. */
const CHUNK_ENTRIES = 64;

/** Thrown inside a chunk to stop at the first mismatch. */
class Mismatch extends Error {
  constructor(readonly found: AuditMismatch) {
    super(found.what);
  }
}

export class IntegrityAudit {
  readonly #deps: IntegrityAuditDeps;
  #target: CheckpointRow | undefined;
  /** The tree the current pass checks. */
  #tree: AuditedTree = ONE_TREE;
  #position = 0;
  #passes = 0;
  #checked = 0;
  #lastPass: number | undefined;
  #mismatch: AuditMismatch | undefined;
  #passStartedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(deps: IntegrityAuditDeps) {
    if (!Number.isFinite(deps.ratePerSecond) || deps.ratePerSecond < 0) {
      throw new LogError('CONFIG_INVALID', `the integrity audit rate ${deps.ratePerSecond} is not a number ≥ 0`);
    }
    this.#deps = deps;
  }

  status(): IntegrityAuditStatus {
    return {
      ratePerSecond: this.#deps.ratePerSecond,
      position: this.#position,
      target: this.#target?.size ?? this.#deps.latest().size,
      passes: this.#passes,
      entriesChecked: this.#checked,
      lastPassCompletedMs: this.#lastPass,
      mismatch: this.#mismatch,
    };
  }

  /** Runs chunks on a timer until stop() or a mismatch; does nothing when the rate is 0. */
  start(): void {
    if (this.#deps.ratePerSecond === 0 || this.#stopped) return;
    const next = async (): Promise<void> => {
      if (this.#stopped) return;
      const passes = this.#passes;
      const n = await this.step();
      if (this.#stopped) return;
      if (this.#mismatch !== undefined) return;
      // n entries at the rate; an empty log: look again in a second; a pass done: the next no sooner than the interval allows.
      let delay = n === 0 ? 1000 : (n / this.#deps.ratePerSecond) * 1000;
      if (this.#passes > passes) delay = Math.max(delay, this.#passStartedAt + (this.#deps.minPassIntervalMs ?? 60_000) - this.#deps.now());
      this.#timer = setTimeout(() => void next(), delay);
      this.#timer.unref();
    };
    this.#timer = setTimeout(() => void next(), 0);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  /** The reads of the tree this pass audits: its own view of the store when it has one. */
  get #store(): IntegrityAuditDeps['store'] {
    return this.#tree.store ?? this.#deps.store;
  }

  /**
   * One chunk: the next level-0 tile's entries of the current pass (ending
   * the pass with the root check when it reaches its target). Returns the
   * entries rehashed (0 when the log is empty, after a mismatch, or when the
   * store could not be read now: STORE_FAILED is no mismatch, and the chunk
   * is tried again).
   */
  async step(): Promise<number> {
    if (this.#mismatch !== undefined) return 0;
    const tree = this.#deps.tree?.() ?? ONE_TREE;
    if (this.#target !== undefined && tree.id !== this.#tree.id) {
      // The log rotated during the pass: its tree is frozen (checked at start-up); audit the new one from its start.
      this.#target = undefined;
      this.#position = 0;
    }
    if (this.#target === undefined) {
      this.#target = this.#deps.latest();
      this.#tree = tree;
      this.#passStartedAt = this.#deps.now();
    }
    const target = this.#target;
    try {
      if (this.#position >= target.size) {
        await this.#finishPass(target);
        return 0;
      }
      const start = this.#position;
      const index = Math.floor(start / TILE_WIDTH);
      const w = Math.min(TILE_WIDTH, target.size - index * TILE_WIDTH); // the tile's width in the pass's tree
      const end = Math.min(start + CHUNK_ENTRIES, index * TILE_WIDTH + w);
      await this.#checkEntries(index, w, start, end);
      if (end === index * TILE_WIDTH + w) await this.#checkTileUp(index, w);
      this.#checked += end - start;
      this.#position = end;
      if (this.#position >= target.size) await this.#finishPass(target);
      return end - start;
    } catch (err) {
      // A store that cannot be reached now (STORE_FAILED) found nothing wrong: the same chunk is tried again next time.
      if (isLogError(err, 'STORE_FAILED')) return 0;
      const found = err instanceof Mismatch ? err.found : { what: `couldn't audit from entry ${this.#position}: ${describeError(err)}` };
      this.#mismatch = found;
      this.#deps.onMismatch(describeMismatch(found), found);
      return 0;
    }
  }

  async #finishPass(target: CheckpointRow): Promise<void> {
    let edge: RightEdge;
    try {
      edge = await readEdge(this.#store, target.size);
    } catch (err) {
      if (isLogError(err, 'STORE_FAILED')) throw err;
      throw new Mismatch({ what: `the right edge of the tree of size ${target.size} does not rebuild from the stored tiles: ${describeError(err)}` });
    }
    if (!hashesEqual(edge.root(), target.root)) {
      throw new Mismatch({
        what: `the root recomputed from the stored tiles is not the checkpoint's at size ${target.size}`,
        expected: hex(target.root),
        found: hex(edge.root()),
      });
    }
    this.#passes++;
    this.#lastPass = this.#deps.now();
    const done = this.status();
    this.#position = 0;
    this.#target = undefined;
    this.#deps.onPass?.(done);
  }

  /** Entries start..end−1 against level-0 tile `index` (of width `w` in the pass's tree). */
  async #checkEntries(index: number, w: number, start: number, end: number): Promise<void> {
    const store = this.#store;
    const tile = await this.#readTile(0, index, w, false);
    const first = index * TILE_WIDTH;
    const base = this.#tree.firstIndex; // leaf i of the tree is entry base + i of the log
    const entries = await store.entriesInRange(base + start, end - start);
    const indexed = await Promise.all(entries.map((e) => store.indexOfLeafHash(e.leafHash)));
    for (let i = start; i < end; i++) {
      const e = entries[i - start];
      const k = i - first;
      if (e === undefined || e.index !== base + i) throw new Mismatch({ index: base + i, what: `entry ${base + i} is missing` });
      const h = leafHash(e.body);
      if (!hashesEqual(h, e.leafHash)) {
        throw new Mismatch({ index: e.index, what: `entry ${e.index}'s body does not hash to its stored leaf hash`, expected: hex(e.leafHash), found: hex(h) });
      }
      const inTile = tileNode(tile, 0, k);
      if (!hashesEqual(h, inTile)) {
        throw new Mismatch({ index: e.index, tile: `0/${index}`, what: `entry ${e.index}'s leaf hash is not hash ${k} of tile 0/${index}`, expected: hex(inTile), found: hex(h) });
      }
      if (indexed[i - start] !== e.index) throw new Mismatch({ index: e.index, what: `the leaf-hash index does not find entry ${e.index}` });
    }
  }

  /** Level-0 tile `index`, its entries checked: its interior, its leaf groups, and the tiles above as they complete. */
  async #checkTileUp(index: number, w: number): Promise<void> {
    const store = this.#store;
    const tile = await this.#readTile(0, index, w, true);
    const readGroup = store.leafGroup?.bind(store);
    if (w === TILE_WIDTH && readGroup !== undefined) {
      const groups = leafGroupsOfTile(tile);
      const rows = await Promise.all(groups.map((_, g) => readGroup(index * LEAF_GROUPS_PER_TILE + g)));
      for (let g = 0; g < groups.length; g++) {
        const at = index * LEAF_GROUPS_PER_TILE + g;
        const row = rows[g];
        if (row === undefined || !hashesEqual(row, groups[g]!)) {
          throw new Mismatch({ tile: `0/${index}`, what: `leaf group ${at} of tile 0/${index} ${row === undefined ? 'is missing' : 'does not match the tile\'s hashes'}` });
        }
      }
    }
    // Up the tree while a tile completes: its root is a hash in the tile above.
    let child = tile;
    let childWidth = w;
    for (let level = 0; childWidth === TILE_WIDTH; level++) {
      const parentIndex = Math.floor(child.index / TILE_WIDTH);
      const k = child.index % TILE_WIDTH;
      const parent = await this.#readTile(level + 1, parentIndex, k + 1);
      const root = tileRoot(child);
      if (!hashesEqual(root, tileNode(parent, 0, k))) {
        throw new Mismatch({
          tile: `${level + 1}/${parentIndex}`,
          what: `hash ${k} of tile ${level + 1}/${parentIndex} is not the root of tile ${level}/${child.index}`,
          expected: hex(tileNode(parent, 0, k)),
          found: hex(root),
        });
      }
      child = parent;
      childWidth = k + 1;
    }
  }

  /** Stored tile (level, index) with at least `w` hashes; with `interior`, its interior rows recomputed from its first `w`. */
  async #readTile(level: number, index: number, w: number, interior = true): Promise<Tile> {
    const where = `tile ${level}/${index}`;
    const stored = await this.#store.tile(level, index);
    if (stored === undefined) throw new Mismatch({ tile: `${level}/${index}`, what: `${where} is missing` });
    try {
      checkTile(stored, level, index);
    } catch (err) {
      throw new Mismatch({ tile: `${level}/${index}`, what: `${where} is malformed: ${describeError(err)}` });
    }
    if (stored.width < w) throw new Mismatch({ tile: `${level}/${index}`, what: `${where} has width ${stored.width}, the checkpoint needs ${w}` });
    if (!interior) return stored;
    const rebuilt = buildTile(level, index, c2spTileBytes(stored, w));
    for (let r = 1; r < TILE_HEIGHT; r++) {
      for (let k = 0; k < Math.floor(w / 2 ** r); k++) {
        const want = tileNode(rebuilt, r, k);
        const got = tileNode(stored, r, k);
        if (!hashesEqual(want, got)) {
          throw new Mismatch({ tile: `${level}/${index}`, what: `row ${r} hash ${k} of ${where} does not recompute from its row ${r - 1}`, expected: hex(want), found: hex(got) });
        }
      }
    }
    return stored;
  }
}

/** One line: what, where, expected vs found. */
export function describeMismatch(m: AuditMismatch): string {
  const hashes = m.expected === undefined ? '' : ` (expected ${m.expected}, found ${m.found ?? 'nothing'})`;
  return `integrity audit: ${m.what}${hashes}`;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
