/**
 * One monitoring step: fetch the log's checkpoint, verify it (signature,
 * origin, cosignatures), and when it grew, prove it consistent with the last
 * verified one by recomputing the tree from tiles (tree.ts), reporting new
 * entries that concern watched items. Fetching and checkpoint verification
 * are the client library's (src/client: a TiledLog, RekorClient over HTTP);
 * the tree's recomputation and the evidence are in the pure modules here.
 */
import { parseEntryBundle, rootFromTiles, type CheckpointTrust, type TiledLog } from '../client/index.js';
import { LogError } from '../errors.js';
import { hashesEqual, type Tile, type TileRef } from '../merkle/index.js';
import { hex, inconsistency, type KnownCheckpoint } from './evidence.js';
import { TreeRebuild, edgeTiles, leafTiles, tileFromBytes, tileKey, type NewEntry, type RebuildPoint } from './tree.js';
import { compareWithLast, verifyCheckpointNote, type VerifiedCheckpoint } from './verify.js';
import type { WatchMatch, Watchlist } from './watch.js';

export interface MonitorDeps {
  readonly client: TiledLog;
  /** The log's note key (and log keys, if pinned) and the witnesses whose cosignatures count; its origin is ignored (see `origin`). */
  readonly trust: CheckpointTrust;
  /** Cosignatures by distinct listed witnesses a checkpoint needs before it is accepted. */
  readonly minWitnesses: number;
  /** Expected origin (undefined: accept the first one seen; the caller pins it). */
  readonly origin: string | undefined;
  /** Items to report entries for; undefined or empty (and no `onEntry`): entry bundles are not fetched. */
  readonly watch?: Watchlist;
  /**
   * Given it, the entry bundles are fetched and every new entry, checked to
   * hash to its leaf in the tiles, is handed to it in index order (as each
   * window is verified: before the catch-up's end is).
   */
  readonly onEntry?: (entry: NewEntry) => void;
  /** Tiles fetched at once (default 8): also the most level-0 tiles (and bundles) held at a time. */
  readonly concurrency?: number;
  /**
   * Called after each window of `concurrency` level-0 tiles is verified,
   * awaited before the next window is fetched. Given it, matches are
   * delivered here as they are found, and not again in the outcome.
   */
  readonly onProgress?: (p: CatchUpProgress) => void | Promise<void>;
}

/** Where a catch-up towards a new checkpoint is (see {@link MonitorDeps.onProgress}). */
export interface CatchUpProgress {
  /** Size of the last verified checkpoint, where the catch-up started. */
  readonly from: number;
  /** The checkpoint being caught up to. */
  readonly target: VerifiedCheckpoint;
  /** Leaves appended so far and their recomputed root: what a resumed catch-up starts from. */
  readonly point: RebuildPoint;
  /** Level-0 tiles verified in this run. */
  readonly tiles: number;
  /** Bytes of hashes held now: the right edge and the tiles of the window just verified. */
  readonly heldBytes: number;
  /** Watched entries found in the window. */
  readonly matches: readonly WatchMatch[];
}

/** A catch-up interrupted before its end: its target checkpoint's note and the point reached. */
export interface ResumeFrom {
  readonly note: string;
  readonly point: RebuildPoint;
}

export type StepOutcome =
  | { readonly status: 'unchanged'; readonly checkpoint: VerifiedCheckpoint }
  /** Not accepted yet: fewer than `need` listed witnesses cosigned it (they may still be collecting). */
  | { readonly status: 'awaiting-cosignatures'; readonly checkpoint: VerifiedCheckpoint; readonly need: number }
  | {
    readonly status: 'advanced';
    readonly from: number;
    readonly checkpoint: VerifiedCheckpoint;
    /** Watched entries not already delivered through `onProgress`. */
    readonly matches: readonly WatchMatch[];
    /** The leaf this run started at, when it resumed an interrupted catch-up. */
    readonly resumedAt?: number;
  };

/**
 * Checks the log's current checkpoint against `last` (size 0 with the empty
 * root on a first run), or, with `resume`, finishes the interrupted catch-up
 * towards `resume.note` from `resume.point`. Memory is bounded whatever the
 * log's size: the right edge of the tree, and one window of tiles at a time.
 * Throws LogError: INCONSISTENT with evidence (details, see evidence.ts) for
 * a fork, a rollback, tiles or bundles that contradict the checkpoint;
 * NOTE_INVALID for a checkpoint the log key did not sign; LOG_UNREACHABLE,
 * LOG_REJECTED or LOG_RESPONSE_INVALID (the client's) when the log cannot be
 * read or answers outside tlog-tiles.
 */
export async function monitorStep(last: KnownCheckpoint, deps: MonitorDeps, resume?: ResumeFrom): Promise<StepOutcome> {
  const note = resume?.note ?? (await latestNote(deps.client));
  const checkpoint = await verifyCheckpointNote(note, deps.trust, deps.origin);
  const cmp = compareWithLast(last, checkpoint);
  if (cmp === 'same') return { status: 'unchanged', checkpoint };
  if (checkpoint.witnesses.length < deps.minWitnesses) return { status: 'awaiting-cosignatures', checkpoint, need: deps.minWitnesses };

  const current: KnownCheckpoint = { size: checkpoint.checkpoint.size, root: checkpoint.checkpoint.root, note };
  const concurrency = deps.concurrency ?? 8;
  if (concurrency < 1) throw new LogError('INTERNAL', 'concurrency must be ≥ 1');
  const fetchTiles = (refs: readonly TileRef[]) => fetchWindow(deps.client, refs, concurrency);
  const startAt = resume?.point.next ?? last.size;
  const edgeRefs = resume === undefined
    ? [...edgeTiles(last.size, current.size), ...edgeTiles(current.size, current.size)]
    : edgeTiles(startAt, current.size);
  const edge = new Map<string, Tile>();
  for (const t of await fetchTiles(edgeRefs)) edge.set(tileKey(t.level, t.index), t);
  const rebuild = resume === undefined ? TreeRebuild.start(last, current, edge) : TreeRebuild.resume(last, current, resume.point, edge);
  edge.clear();

  const watch = deps.watch !== undefined && deps.watch.size > 0 ? deps.watch : undefined;
  const readBundles = watch !== undefined || deps.onEntry !== undefined;
  const kept: WatchMatch[] = [];
  const refs = leafTiles(startAt, current.size);
  for (let i = 0; i < refs.length; i += concurrency) {
    const window = refs.slice(i, i + concurrency);
    const [tiles, bundles] = await Promise.all([
      fetchTiles(window),
      readBundles ? Promise.all(window.map(async (r) => parseEntryBundle(await deps.client.entryBundle(r.index, r.width), r.width))) : undefined,
    ]);
    const matches: WatchMatch[] = [];
    tiles.forEach((tile, k) => {
      const entries = rebuild.appendTile(tile, bundles?.[k]);
      for (const e of entries) {
        deps.onEntry?.(e);
        const m = watch?.match(e.body);
        if (m !== undefined && m.matched.length > 0) matches.push({ index: e.index, uuid: Buffer.from(e.leafHash).toString('hex'), kind: m.kind, matched: m.matched });
      }
    });
    if (deps.onProgress === undefined) {
      kept.push(...matches);
      continue;
    }
    const windowBytes = tiles.reduce((sum, t) => sum + t.hashes.byteLength, 0);
    await deps.onProgress({
      from: last.size, target: checkpoint, point: rebuild.point(), tiles: i + window.length, heldBytes: rebuild.heldBytes() + windowBytes, matches,
    });
  }
  rebuild.finish();
  return { status: 'advanced', from: last.size, checkpoint, matches: kept, ...(resume === undefined ? {} : { resumedAt: startAt }) };
}

/**
 * Fetches one window of tiles, `concurrency` at a time, each coordinate once,
 * and checks each has exactly its width. Nothing is kept between windows.
 */
async function fetchWindow(client: TiledLog, refs: readonly TileRef[], concurrency: number): Promise<Tile[]> {
  const once = new Map<string, Promise<Tile>>();
  const one = (r: TileRef): Promise<Tile> => {
    const key = `${tileKey(r.level, r.index)}@${r.width}`;
    let p = once.get(key);
    if (p === undefined) {
      p = client.tile(r.level, r.index, r.width).then((bytes) => tileFromBytes(r, bytes));
      once.set(key, p);
    }
    return p;
  };
  const out: Tile[] = [];
  for (let i = 0; i < refs.length; i += concurrency) out.push(...(await Promise.all(refs.slice(i, i + concurrency).map(one))));
  return out;
}

/**
 * A first run that begins at the log's current checkpoint rather than at 0
 * (`--start latest`): verifies its signature, origin and cosignatures, and
 * that the tiles at its right edge give its root, but not the leaves before
 * it, which are trusted as signed. Outcome 'advanced' from its own size, or
 * 'awaiting-cosignatures'. Throws as {@link monitorStep}.
 */
export async function startAtLatest(deps: MonitorDeps): Promise<StepOutcome> {
  const note = await latestNote(deps.client);
  const checkpoint = await verifyCheckpointNote(note, deps.trust, deps.origin);
  if (checkpoint.witnesses.length < deps.minWitnesses) return { status: 'awaiting-cosignatures', checkpoint, need: deps.minWitnesses };
  const current: KnownCheckpoint = { size: checkpoint.checkpoint.size, root: checkpoint.checkpoint.root, note };
  const root = await rootFromTiles(current.size, (level, index, width) => deps.client.tile(level, index, width));
  if (!hashesEqual(root, current.root)) {
    throw inconsistency(`the tiles the log serves for size ${current.size} do not give its checkpoint's root`, current, current, {
      [`root of all ${current.size} leaves, from the tiles`]: hex(root),
    });
  }
  return { status: 'advanced', from: current.size, checkpoint, matches: [] };
}

/** The log's latest checkpoint note; LOG_RESPONSE_INVALID when it serves none (not a tiled log). */
async function latestNote(client: TiledLog): Promise<string> {
  const note = await client.checkpoint();
  if (note === undefined) throw new LogError('LOG_RESPONSE_INVALID', "couldn't read the log's checkpoint: it serves no /checkpoint");
  return note;
}
