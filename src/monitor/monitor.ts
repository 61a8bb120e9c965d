/**
 * One monitoring step: fetch the log's checkpoint, verify it (signature,
 * origin, cosignatures), and when it grew, prove it consistent with the last
 * verified one by recomputing the tree from tiles (tree.ts), reporting new
 * entries that concern watched items. Fetching goes through a LogClient;
 * every check is in the pure modules.
 */
import { LogError } from '../errors.js';
import type { Tile, TileRef } from '../merkle/index.js';
import type { NoteVerifier } from '../note/index.js';
import type { LogClient } from './client.js';
import type { KnownCheckpoint } from './evidence.js';
import { TreeRebuild, edgeTiles, leafTiles, parseEntryBundle, tileFromBytes, tileKey } from './tree.js';
import { compareWithLast, verifyCheckpointNote, type VerifiedCheckpoint } from './verify.js';
import type { WatchMatch, Watchlist } from './watch.js';

export interface MonitorDeps {
  readonly client: LogClient;
  /** The log's checkpoint verifiers. */
  readonly logVerifiers: readonly NoteVerifier[];
  /** Witnesses whose cosignatures count. */
  readonly witnessVerifiers: readonly NoteVerifier[];
  /** Cosignatures by distinct listed witnesses a checkpoint needs before it is accepted. */
  readonly minWitnesses: number;
  /** Expected origin (undefined: accept the first one seen; the caller pins it). */
  readonly origin: string | undefined;
  /** Items to report entries for; undefined or empty: entry bundles are not fetched. */
  readonly watch?: Watchlist;
  /** Tiles fetched at once (default 8). */
  readonly concurrency?: number;
}

export type StepOutcome =
  | { readonly status: 'unchanged'; readonly checkpoint: VerifiedCheckpoint }
  /** Not accepted yet: fewer than `need` listed witnesses cosigned it (they may still be collecting). */
  | { readonly status: 'awaiting-cosignatures'; readonly checkpoint: VerifiedCheckpoint; readonly need: number }
  | { readonly status: 'advanced'; readonly from: number; readonly checkpoint: VerifiedCheckpoint; readonly matches: readonly WatchMatch[] };

/**
 * Checks the log's current checkpoint against `last` (size 0 with the empty
 * root on a first run). Throws LogError: INCONSISTENT with evidence
 * (details, see evidence.ts) for a fork, a rollback, tiles or bundles that
 * contradict the checkpoint; NOTE_INVALID for a checkpoint the log key did
 * not sign; UPSTREAM_FAILED when the log cannot be read.
 */
export async function monitorStep(last: KnownCheckpoint, deps: MonitorDeps): Promise<StepOutcome> {
  const note = await deps.client.checkpoint();
  const checkpoint = verifyCheckpointNote(note, deps.logVerifiers, deps.witnessVerifiers, deps.origin);
  const cmp = compareWithLast(last, checkpoint);
  if (cmp === 'same') return { status: 'unchanged', checkpoint };
  if (checkpoint.witnesses.length < deps.minWitnesses) return { status: 'awaiting-cosignatures', checkpoint, need: deps.minWitnesses };

  const current: KnownCheckpoint = { size: checkpoint.checkpoint.size, root: checkpoint.checkpoint.root, note };
  const fetchTiles = tileFetcher(deps.client, deps.concurrency ?? 8);
  const edge = new Map<string, Tile>();
  for (const t of await fetchTiles([...edgeTiles(last.size, current.size), ...edgeTiles(current.size, current.size)])) {
    edge.set(tileKey(t.level, t.index), t);
  }
  const rebuild = TreeRebuild.start(last, current, edge);

  const watching = deps.watch !== undefined && deps.watch.size > 0;
  const matches: WatchMatch[] = [];
  const refs = leafTiles(last.size, current.size);
  const step = deps.concurrency ?? 8;
  for (let i = 0; i < refs.length; i += step) {
    const window = refs.slice(i, i + step);
    const [tiles, bundles] = await Promise.all([
      fetchTiles(window),
      watching ? Promise.all(window.map(async (r) => parseEntryBundle(await deps.client.entryBundle(r.index, r.width), r.width))) : undefined,
    ]);
    tiles.forEach((tile, k) => {
      const entries = rebuild.appendTile(tile, bundles?.[k]);
      for (const e of entries) {
        const m = deps.watch!.match(e.body);
        if (m.matched.length > 0) matches.push({ index: e.index, uuid: Buffer.from(e.leafHash).toString('hex'), kind: m.kind, matched: m.matched });
      }
    });
  }
  rebuild.finish();
  return { status: 'advanced', from: last.size, checkpoint, matches };
}

/** Fetches tiles (deduplicated, `concurrency` at a time) and checks each has exactly its width. */
function tileFetcher(client: LogClient, concurrency: number): (refs: readonly TileRef[]) => Promise<Tile[]> {
  const cache = new Map<string, Promise<Tile>>();
  const one = (r: TileRef): Promise<Tile> => {
    const key = `${tileKey(r.level, r.index)}@${r.width}`;
    let p = cache.get(key);
    if (p === undefined) {
      p = client.tile(r.level, r.index, r.width).then((bytes) => tileFromBytes(r, bytes));
      cache.set(key, p);
    }
    return p;
  };
  return async (refs) => {
    if (concurrency < 1) throw new LogError('INTERNAL', 'concurrency must be ≥ 1');
    const out: Tile[] = [];
    for (let i = 0; i < refs.length; i += concurrency) out.push(...(await Promise.all(refs.slice(i, i + concurrency).map(one))));
    return out;
  };
}
