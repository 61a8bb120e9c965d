/**
 * Copying a log from a SQLite snapshot into PostgreSQL (`cairn migrate`).
 *
 * The copy follows the source's published checkpoints: each chunk is one
 * transaction on the target from one checkpoint's size to a later one's (the
 * largest within `chunkEntries`, or the next when none is), holding the
 * entries, the leaf groups and tiles of the tree at that size and the
 * checkpoints in between (src/storage/postgres/import.ts). So after every
 * commit the target is the source's log at one of its published sizes, and a
 * copy that stops (a failure, a kill, a lost server) resumes from the
 * target's head: the tree's right edge is rebuilt from the target's tiles and
 * must give the source's root at that size before anything more is copied.
 *
 * Tiles are not read from the source: they are recomputed from the entries'
 * leaf hashes by the same right-edge append the sequencer uses, and each
 * chunk's root must be the root of the source's checkpoint at its end
 * (CORRUPT otherwise: the source does not prove out). After the entries,
 * search keys, cosignatures and meta rows are added (idempotent, so a resumed
 * copy adds them again).
 */
import { LogError } from '../errors.js';
import { RightEdge, TILE_WIDTH, hashesEqual, type Tile } from '../merkle/index.js';
import type { CheckpointRow, ImportStatus, LogStore, PostgresImport, SqliteSnapshot } from '../storage/index.js';

export interface CopyOptions {
  /** What the target records as the copy's source (the data dir), for messages. */
  readonly sourceLabel: string;
  /** When the copy begins, ms since the epoch. */
  readonly nowMs: number;
  /** Most entries per target transaction, when the source's checkpoints allow it (default 16,384). */
  readonly chunkEntries?: number;
  /** Entries per statement (default 4,096). */
  readonly batchEntries?: number;
  /** Called after each chunk and page. */
  readonly onProgress?: (progress: CopyProgress) => void;
}

export interface CopyProgress {
  readonly phase: 'entries' | 'search keys' | 'cosignatures';
  readonly done: number;
  readonly total: number;
}

export interface CopyResult {
  /** The target's size when this run began, when it resumed an unfinished copy. */
  readonly resumedAt: number | undefined;
  /** The target held this log already, finished, at the snapshot's latest checkpoint: nothing was written. */
  readonly alreadyFinished: boolean;
  /** The copy's size: the source snapshot's latest checkpoint's. */
  readonly size: number;
  readonly entriesCopied: number;
  readonly chunks: number;
  readonly checkpoints: number;
  readonly searchKeys: number;
  readonly cosignatures: number;
}

const DEFAULT_CHUNK = 16_384;
const DEFAULT_BATCH = 4_096;
const PAGE = 10_000;

/**
 * What {@link copyLog} does with a target, decided by {@link planCopy}
 * before anything is written: `new`, an empty target to begin; `begun`, one
 * {@link beginCopy} began (nothing copied yet); `resume`, this log's
 * unfinished copy at `size`; `finished`, this log's finished copy at the
 * snapshot's latest checkpoint (nothing to write).
 */
export type CopyPlan =
  | { readonly state: 'new' | 'begun' | 'finished' }
  | { readonly state: 'resume'; readonly size: number };

/**
 * Decide what copying the snapshot's log into `target` takes, writing
 * nothing. Rejects as {@link copyLog} does before it writes: CONFIG_INVALID
 * (`details.notEmpty`) for a target holding a log or another log's copy,
 * CONFIG_INVALID for a source with several trees, NOT_FOUND for a source
 * without a checkpoint, and as the target does.
 */
export async function planCopy(source: SqliteSnapshot, target: PostgresImport): Promise<CopyPlan> {
  const store = source.store;
  const latest = store.latestCheckpoint();
  if (latest === undefined) throw new LogError('NOT_FOUND', `couldn't copy ${source.path}: it holds no checkpoint yet`);
  refuseRotated(store, source.path);
  const meta = source.meta();
  const status = await target.status();
  if (status.state === 'empty') return { state: 'new' };
  if (status.state === 'log' && (await finishedCopyOf(target, meta, latest))) return { state: 'finished' };
  await checkResumable(status, meta, (size) => store.checkpointAt(size), target);
  return { state: 'resume', size: (status as Extract<ImportStatus, { state: 'importing' }>).size };
}

/**
 * Begin the copy planned as `new` (the target's `import_state` row and the
 * source's meta rows, one transaction), so that the target is marked
 * unfinished before any log's entries are copied; any other plan is
 * returned as it is.
 */
export async function beginCopy(source: SqliteSnapshot, target: PostgresImport, plan: CopyPlan, options: Pick<CopyOptions, 'sourceLabel' | 'nowMs'>): Promise<CopyPlan> {
  if (plan.state !== 'new') return plan;
  await target.begin(options.sourceLabel, source.meta(), options.nowMs);
  return { state: 'begun' };
}

/**
 * Copy the snapshot's log into `target` (empty, or holding an unfinished copy
 * of the same log; a target holding this log's finished copy at the
 * snapshot's latest checkpoint is left as it is, `alreadyFinished`), as
 * `plan` says (default: {@link planCopy}'s, made now; one made earlier MUST
 * be of this source and target, with nothing else writing the target since).
 * Rejects as {@link planCopy} does, with CORRUPT when the source's entries
 * do not give its checkpoints' roots, and as the target does (STORE_FAILED:
 * the target is left at its last chunk's size).
 */
export async function copyLog(source: SqliteSnapshot, target: PostgresImport, options: CopyOptions, plan?: CopyPlan): Promise<CopyResult> {
  const store = source.store;
  const planned = plan ?? (await planCopy(source, target));
  const latest = store.latestCheckpoint();
  if (latest === undefined) throw new LogError('NOT_FOUND', `couldn't copy ${source.path}: it holds no checkpoint yet`);
  const checkpoints = allCheckpoints(store);
  const bySize = new Map(checkpoints.map((c) => [c.size, c]));
  const meta = source.meta();
  if (planned.state === 'finished') {
    const cosignatures = source.cosignatures().length;
    return { resumedAt: undefined, alreadyFinished: true, size: latest.size, entriesCopied: 0, chunks: 0, checkpoints: checkpoints.length, searchKeys: source.searchKeyCount(), cosignatures };
  }
  if (planned.state === 'new') await target.begin(options.sourceLabel, meta, options.nowMs);
  let position = planned.state === 'resume' ? planned.size : 0;
  const resumedAt = planned.state === 'resume' ? planned.size : undefined;
  const edge = position === 0 ? RightEdge.empty() : await edgeAt(target, position);
  if (position > 0 && !hashesEqual(edge.root(), (bySize.get(position) as CheckpointRow).root)) {
    throw new LogError('CORRUPT', `couldn't resume the copy at size ${position}: the copy's tiles do not give the source's root at that size`);
  }

  const chunkEntries = Math.max(1, options.chunkEntries ?? DEFAULT_CHUNK);
  const batchEntries = Math.max(1, options.batchEntries ?? DEFAULT_BATCH);
  const sizes = checkpoints.map((c) => c.size);
  let chunks = 0;
  const start = position;
  do {
    const end = nextBoundary(sizes, position, chunkEntries);
    const chunk = await target.chunk(position);
    // One statement in flight while the next rows are read and hashed here: the server writes while this process reads.
    let inflight: Promise<void> | undefined;
    try {
      const tiles = new Map<string, Tile>();
      for (let at = position; at < end; at += batchEntries) {
        const n = Math.min(batchEntries, end - at);
        const entries = store.entriesInRange(at, n);
        if (entries.length !== n) throw new LogError('CORRUPT', `couldn't copy: the source holds ${entries.length} of its entries ${at}..${at + n - 1}`);
        const full: Tile[] = [];
        for (const t of edge.append(entries.map((e) => e.leafHash)).tiles) {
          const key = `${t.level}/${t.index}`;
          if (t.level === 0 && t.width === TILE_WIDTH) {
            tiles.delete(key);
            full.push(t);
          } else {
            tiles.set(key, t);
          }
        }
        await inflight;
        inflight = chunk.addEntries(entries, full);
        inflight.catch(() => undefined); // met by the await above or below; never left unhandled meanwhile
      }
      await inflight;
      if (!hashesEqual(edge.root(), (bySize.get(end) as CheckpointRow).root)) {
        throw new LogError('CORRUPT', `couldn't copy: the source's entries up to ${end} do not hash to the root of its checkpoint at that size (run cairn check on it)`);
      }
      await chunk.commit({ size: end, checkpoints: checkpoints.filter((c) => c.size >= position && c.size <= end), tiles: [...tiles.values()] });
    } catch (err) {
      await inflight?.catch(() => undefined);
      await chunk.abort();
      throw err;
    }
    position = end;
    chunks++;
    options.onProgress?.({ phase: 'entries', done: position, total: latest.size });
  } while (position < latest.size);

  await target.addMeta(meta);
  const searchKeys = await copySearchKeys(source, target, options.onProgress);
  const cosignatures = source.cosignatures();
  for (let i = 0; i < cosignatures.length; i += PAGE) {
    await target.addCosignatures(cosignatures.slice(i, i + PAGE));
    options.onProgress?.({ phase: 'cosignatures', done: Math.min(i + PAGE, cosignatures.length), total: cosignatures.length });
  }
  return { resumedAt, alreadyFinished: false, size: latest.size, entriesCopied: latest.size - start, chunks, checkpoints: checkpoints.length, searchKeys, cosignatures: cosignatures.length };
}

/** Whether `target` holds this log's finished copy at `latest`: the same meta rows and the same latest checkpoint (the proof checks the rest). */
async function finishedCopyOf(target: PostgresImport, meta: readonly [string, string][], latest: CheckpointRow): Promise<boolean> {
  const stored = await target.meta();
  const head = await target.reads.latestCheckpoint();
  return stored.size === meta.length && meta.every(([k, v]) => stored.get(k) === v) && head !== undefined && head.size === latest.size && head.note === latest.note && hashesEqual(head.root, latest.root);
}

/**
 * The copy is of one active tree from index 0 (import.ts writes tree 0's tables); a rotated or frozen log's trees
 * are not copied (the PostgreSQL store can hold them, but the copy of frozen trees is not implemented): refused
 * before anything is written.
 */
function refuseRotated(store: LogStore, path: string): void {
  const trees = store.shards?.() ?? [];
  if (trees.length > 1 || trees[0]?.frozenSize !== undefined) {
    throw new LogError('CONFIG_INVALID', `couldn't copy ${path}: the log ${trees.length > 1 ? `has ${trees.length} trees (it was rotated)` : 'is frozen'}, and cairn migrate copies one active tree only; keep serving it from its data dir`, {
      details: { trees: trees.length },
    });
  }
}

function allCheckpoints(store: LogStore): CheckpointRow[] {
  const out: CheckpointRow[] = [];
  for (let from = 0; ; ) {
    const page = store.listCheckpoints(from, PAGE);
    out.push(...page);
    if (page.length < PAGE) return out;
    from = (page[page.length - 1] as CheckpointRow).size + 1;
  }
}

/** The end of the next chunk after `position`: the largest checkpoint size within `most` entries, else the next one. */
export function nextBoundary(sizes: readonly number[], position: number, most: number): number {
  let best: number | undefined;
  for (const s of sizes) {
    if (s <= position) continue;
    if (s <= position + most) best = s;
    else return best ?? s;
  }
  return best ?? position;
}

/** An unfinished copy may be resumed only from the same log: every meta row the same, its head a source checkpoint's size. */
async function checkResumable(status: Exclude<ImportStatus, { state: 'empty' }>, meta: readonly [string, string][], checkpointAt: (size: number) => CheckpointRow | undefined, target: PostgresImport): Promise<void> {
  if (status.state === 'log') {
    throw new LogError('CONFIG_INVALID', `couldn't copy into ${target.label}: it holds a log (size ${status.size}) that is not this log's finished copy; cairn migrate copies only into an empty database (or schema), or finishes its own unfinished copy`, {
      details: { notEmpty: true },
    });
  }
  const source = new Map(meta);
  const stored = await target.meta();
  const other = [...stored].find(([k, v]) => source.get(k) !== v);
  const cp = checkpointAt(status.size);
  if (other !== undefined || (status.hasCheckpoint && cp === undefined)) {
    throw new LogError('CONFIG_INVALID', `couldn't copy into ${target.label}: it holds an unfinished copy of another log (from ${status.source}${other === undefined ? `, at a size ${status.size} this log never published` : `, whose ${other[0]} differs`})`, {
      details: { notEmpty: true },
    });
  }
  if (!status.hasCheckpoint && status.size !== 0) throw new LogError('CORRUPT', `couldn't resume the copy in ${target.label}: it has no checkpoint at its size ${status.size}`);
}

/** The right edge of the copy at `size`, from its stored tiles (one per level), checked as RightEdge.fromTiles does. */
async function edgeAt(target: PostgresImport, size: number): Promise<RightEdge> {
  const tiles = new Map<string, Tile | undefined>();
  for (let level = 0; Math.floor(size / TILE_WIDTH ** level) > 0; level++) {
    const index = Math.floor(size / TILE_WIDTH ** (level + 1));
    if (Math.floor(size / TILE_WIDTH ** level) % TILE_WIDTH !== 0) tiles.set(`${level}/${index}`, await target.reads.tile(level, index));
  }
  return RightEdge.fromTiles(size, (level, index) => tiles.get(`${level}/${index}`));
}

async function copySearchKeys(source: SqliteSnapshot, target: PostgresImport, onProgress: CopyOptions['onProgress']): Promise<number> {
  const total = source.searchKeyCount();
  let done = 0;
  let inflight: Promise<void> | undefined;
  try {
    for (let page = source.searchKeys(undefined, PAGE); page.length > 0; page = source.searchKeys(page[page.length - 1], PAGE)) {
      // Pages go in their own transactions: two on the server at once while the next is read here.
      const previous = inflight;
      inflight = target.addSearchKeys(page);
      inflight.catch(() => undefined);
      await previous;
      done += previous === undefined ? 0 : PAGE;
      onProgress?.({ phase: 'search keys', done, total });
    }
    await inflight;
  } finally {
    await inflight?.catch(() => undefined);
  }
  onProgress?.({ phase: 'search keys', done: total, total });
  return total;
}
