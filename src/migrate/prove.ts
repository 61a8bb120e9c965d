/**
 * Proving a copy made by copy.ts: the target is the source's log, row for
 * row, and a sound tree by its own rows, not only by comparison.
 *
 * Against the source snapshot:
 * - the same meta rows (origin, tree ID, pinned keys…), the same checkpoints
 *   (size, root, time and the signed note, byte for byte), the same
 *   cosignatures of each in the same order, the same entries (every field),
 *   the same search keys, and no row more (counts).
 * From the copy's own rows:
 * - every checkpoint's note is signed by a note key the copy pinned (meta
 *   `vkey`, and `vkey.<n>` of a log whose note key changed) and names the
 *   pinned origin, its size and its root;
 * - every entry's body hashes to its stored leaf hash, and the leaf-hash
 *   index finds it at its index;
 * - the tree is rebuilt from those leaf hashes (the right-edge append the
 *   sequencer uses): its root at every checkpoint's size is that
 *   checkpoint's root, every full tile it makes is the copy's stored tile
 *   (the 16 leaf-group rows of a full level-0 tile), and at the end every
 *   partial tile of the right edge is the stored one.
 *
 * Reads go window by window (4,096 entries), so memory stays bounded by a
 * window plus the checkpoints. Throws CORRUPT naming the first difference.
 */
import { LogError, describeError } from '../errors.js';
import { LEAF_GROUPS_PER_TILE, RightEdge, TILE_WIDTH, hashesEqual, leafGroupsOfTile, leafHash, type Tile } from '../merkle/index.js';
import { openNote, parseCheckpoint, parseVkey, type NoteVerifier } from '../note/index.js';
import type { CheckpointRow, CosignatureRow, PostgresImport, SearchKey, SqliteSnapshot, StoredEntry, TileRow } from '../storage/index.js';

export interface CopyProofSummary {
  readonly size: number;
  /** Hex root at `size`, recomputed from the copy's leaf hashes. */
  readonly root: string;
  readonly entries: number;
  readonly checkpoints: number;
  readonly cosignatures: number;
  readonly searchKeys: number;
  /** Stored tile rows checked: tiles, and leaf groups counted as their tiles. */
  readonly tiles: number;
  readonly meta: number;
}

export interface ProveOptions {
  /** Entries per window (default 4,096). */
  readonly windowEntries?: number;
  /** Called after each window with the entries proved so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

const PAGE = 10_000;

export async function proveCopy(source: SqliteSnapshot, target: PostgresImport, options: ProveOptions = {}): Promise<CopyProofSummary> {
  const latest = source.store.latestCheckpoint();
  if (latest === undefined) throw corrupt('the source holds no checkpoint');
  const n = latest.size;
  const meta = await sameMeta(source, target);
  const checkpoints = await sameCheckpoints(source, target, meta);
  const cosignatures = await sameCosignatures(source, target);
  // The tree and the search keys are checked at once: two streams of reads for the server.
  const [tree, keys] = await Promise.allSettled([sameTree(source, target, checkpoints, options), sameSearchKeys(source, target)]);
  if (tree.status === 'rejected') throw tree.reason;
  if (keys.status === 'rejected') throw keys.reason;
  const tiles = tree.value;
  const searchKeys = keys.value;
  const counts = await target.counts();
  const expect = (what: string, found: number, want: number): void => {
    if (found !== want) throw corrupt(`the copy holds ${found} ${what}, the source ${want}`);
  };
  expect('entries', counts.entries, n);
  expect('as its entries’ end index', counts.entryEnd, n);
  expect('checkpoints', counts.checkpoints, checkpoints.length);
  expect('cosignatures', counts.cosignatures, cosignatures);
  expect('search keys', counts.searchKeys, searchKeys);
  expect('leaf-group rows', counts.leafGroups, Math.floor(n / TILE_WIDTH) * LEAF_GROUPS_PER_TILE);
  expect('tile rows', counts.tiles, tiles.rows);
  return {
    size: n,
    root: Buffer.from(latest.root).toString('hex'),
    entries: n,
    checkpoints: checkpoints.length,
    cosignatures,
    searchKeys,
    tiles: tiles.rows + Math.floor(n / TILE_WIDTH),
    meta: meta.size,
  };
}

async function sameMeta(source: SqliteSnapshot, target: PostgresImport): Promise<Map<string, string>> {
  const want = new Map(source.meta());
  const found = await target.meta();
  for (const [k, v] of want) {
    if (found.get(k) !== v) throw corrupt(`meta ${k} is ${JSON.stringify(found.get(k))} in the copy, ${JSON.stringify(v)} in the source`);
  }
  const extra = [...found.keys()].find((k) => !want.has(k));
  if (extra !== undefined) throw corrupt(`meta ${extra} is in the copy, not in the source`);
  return found;
}

/** Checkpoints equal to the source's, each signed by a pinned note key, naming the pinned origin, its size and its root. */
async function sameCheckpoints(source: SqliteSnapshot, target: PostgresImport, meta: Map<string, string>): Promise<CheckpointRow[]> {
  const origin = meta.get('origin');
  if (origin === undefined) throw corrupt("the copy's pinned origin (meta origin) is missing");
  const verifiers = noteVerifiers(meta);
  const out: CheckpointRow[] = [];
  for (let from = 0; ; ) {
    const want = source.store.listCheckpoints(from, PAGE);
    const found = await target.reads.listCheckpoints(from, PAGE);
    for (let i = 0; i < Math.max(want.length, found.length); i++) {
      const w = want[i];
      const f = found[i];
      if (f === undefined || w === undefined || f.size !== w.size) throw corrupt(`checkpoint ${(w ?? f)?.size} is ${f === undefined || f.size !== w?.size ? 'missing from' : 'extra in'} the copy`);
      if (!hashesEqual(f.root, w.root) || f.time !== w.time || f.note !== w.note) throw corrupt(`the checkpoint at size ${f.size} differs from the source's (root, time or signed note)`);
      let text: string;
      try {
        text = openNote(f.note, verifiers).text;
      } catch (err) {
        throw corrupt(`the checkpoint at size ${f.size} is not signed by the copy's pinned note key: ${describeError(err)}`);
      }
      const cp = parseCheckpoint(text);
      if (cp.origin !== origin || cp.size !== f.size || !hashesEqual(cp.root, f.root)) {
        throw corrupt(`the signed checkpoint at size ${f.size} names origin ${JSON.stringify(cp.origin)}, size ${cp.size} and another root than its row`);
      }
      out.push(f);
    }
    if (want.length < PAGE) return out;
    from = (want[want.length - 1] as CheckpointRow).size + 1;
  }
}

/** The note keys a log pinned: `vkey`, and `vkey.1`, `vkey.2`… after a change of note key. */
function noteVerifiers(meta: Map<string, string>): NoteVerifier[] {
  const vkeys = [...meta].filter(([k]) => k === 'vkey' || /^vkey\.\d+$/.test(k)).map(([, v]) => v);
  if (vkeys.length === 0) throw corrupt("the copy's pinned note key (meta vkey) is missing");
  return vkeys.map((v) => parseVkey(v));
}

async function sameCosignatures(source: SqliteSnapshot, target: PostgresImport): Promise<number> {
  const want = source.cosignatures();
  const found = await target.allCosignatures();
  const key = (c: CosignatureRow | undefined): string => (c === undefined ? '(none)' : `${c.size} ${c.witness} ${c.line}`);
  for (let i = 0; i < Math.max(want.length, found.length); i++) {
    if (key(want[i]) !== key(found[i])) {
      const at = want[i] ?? found[i];
      throw corrupt(`the cosignatures of the checkpoint at size ${at?.size} differ from the source's (by ${at?.witness}, or their order)`);
    }
  }
  return want.length;
}

/**
 * Entries equal to the source's and sound, the tree rebuilt from the copy's
 * leaf hashes checked against every checkpoint root and every stored tile.
 * Returns the number of rows of the tiles table checked.
 */
async function sameTree(source: SqliteSnapshot, target: PostgresImport, checkpoints: readonly CheckpointRow[], options: ProveOptions): Promise<{ rows: number }> {
  const n = checkpoints[checkpoints.length - 1]?.size ?? 0;
  const window = Math.max(TILE_WIDTH, Math.floor((options.windowEntries ?? 4096) / TILE_WIDTH) * TILE_WIDTH);
  const edge = RightEdge.empty();
  let next = 0; // the next checkpoint to meet
  const checkRoot = (): void => {
    while (next < checkpoints.length && (checkpoints[next] as CheckpointRow).size === edge.size) {
      const cp = checkpoints[next] as CheckpointRow;
      if (!hashesEqual(edge.root(), cp.root)) throw corrupt(`the copy's leaf hashes give another root at size ${cp.size} than its checkpoint there`);
      next++;
    }
  };
  const partial = new Map<string, Tile>();
  let rows = 0;
  checkRoot();
  // The copy's rows of a window: its entries, where the leaf-hash index finds them, its full tiles' leaf groups.
  const fetch = async (at: number): Promise<{ found: StoredEntry[]; indices: Map<string, number>; groups: { grp: number; hashes: Uint8Array }[] }> => {
    const count = Math.min(window, n - at);
    const groups = target.leafGroupsInRange((at / TILE_WIDTH) * LEAF_GROUPS_PER_TILE, Math.floor((at + count) / TILE_WIDTH) * LEAF_GROUPS_PER_TILE);
    groups.catch(() => undefined);
    const found = await target.reads.entriesInRange(at, count);
    return { found, indices: await target.indicesOfLeafHashes(found.map((e) => e.leafHash)), groups: await groups };
  };
  // The next window is read from the copy while this one is checked here.
  let ahead = n > 0 ? fetch(0) : undefined;
  for (let at = 0; at < n; at += window) {
    const count = Math.min(window, n - at);
    const { found, indices, groups } = await (ahead as ReturnType<typeof fetch>);
    ahead = at + window < n ? fetch(at + window) : undefined;
    ahead?.catch(() => undefined);
    const want = source.store.entriesInRange(at, count);
    sameEntries(at, count, want, found);
    for (const e of found) {
      if (indices.get(Buffer.from(e.leafHash).toString('hex')) !== e.index) throw corrupt(`the copy's leaf-hash index does not find entry ${e.index}`);
    }
    // Append in segments ending at checkpoint sizes, so that each checkpoint's root is met.
    const made: Tile[] = [];
    for (let k = 0; k < found.length; ) {
      const stop = Math.min(found.length, (checkpoints[next]?.size ?? Number.MAX_SAFE_INTEGER) - at);
      made.push(...edge.append(found.slice(k, stop).map((e) => e.leafHash)).tiles);
      k = stop;
      checkRoot();
    }
    sameLeafGroups(made.filter((t) => t.level === 0 && t.width === TILE_WIDTH), groups);
    for (const t of made) {
      const key = `${t.level}/${t.index}`;
      if (t.width < TILE_WIDTH) partial.set(key, t);
      else {
        partial.delete(key);
        if (t.level > 0) {
          await sameTile(target, t);
          rows++;
        }
      }
    }
    options.onProgress?.(at + count, n);
  }
  if (next !== checkpoints.length) throw corrupt(`the checkpoint at size ${checkpoints[next]?.size} is beyond the copy's entries`);
  for (const t of partial.values()) {
    await sameTile(target, t);
    rows++;
  }
  return { rows };
}

function sameEntries(at: number, count: number, want: readonly StoredEntry[], found: readonly StoredEntry[]): void {
  if (want.length !== count) throw corrupt(`the source holds ${want.length} of its entries ${at}..${at + count - 1}`);
  for (let i = 0; i < count; i++) {
    const w = want[i] as StoredEntry;
    const f = found[i];
    if (f === undefined || f.index !== w.index) throw corrupt(`entry ${w.index} is missing from the copy`);
    const differs = !hashesEqual(f.leafHash, w.leafHash) ? 'leaf hash' : !equalBytes(f.body, w.body) ? 'body' : f.kind !== w.kind ? 'kind' : f.integratedTime !== w.integratedTime ? 'integrated time' : !equalBytes(f.set, w.set) ? 'SET' : undefined;
    if (differs !== undefined) throw corrupt(`entry ${f.index}'s ${differs} differs from the source's`);
    if (!hashesEqual(leafHash(f.body), f.leafHash)) throw corrupt(`entry ${f.index}'s body does not hash to its stored leaf hash`);
  }
}

/** The full level-0 tiles rebuilt from one window's leaf hashes against the copy's leaf-group rows of that window. */
function sameLeafGroups(tiles: readonly Tile[], stored: readonly { grp: number; hashes: Uint8Array }[]): void {
  if (stored.length > tiles.length * LEAF_GROUPS_PER_TILE) throw corrupt(`leaf group ${stored[tiles.length * LEAF_GROUPS_PER_TILE]?.grp} is in the copy, beyond its full tiles`);
  tiles.forEach((t, j) => {
    leafGroupsOfTile(t).forEach((want, k) => {
      const grp = t.index * LEAF_GROUPS_PER_TILE + k;
      const row = stored[j * LEAF_GROUPS_PER_TILE + k];
      if (row?.grp !== grp) throw corrupt(`leaf group ${grp} of tile 0/${t.index} is missing from the copy`);
      if (!equalBytes(row.hashes, want)) throw corrupt(`leaf group ${grp} of tile 0/${t.index} does not hold the hashes of the copy's entries`);
    });
  });
}

async function sameTile(target: PostgresImport, t: Tile): Promise<void> {
  const stored: TileRow | undefined = (await target.tilesAtLevel(t.level, t.index, t.index + 1))[0];
  if (stored === undefined) throw corrupt(`tile ${t.level}/${t.index} is missing from the copy`);
  if (stored.width !== t.width || !equalBytes(stored.hashes, t.hashes)) {
    throw corrupt(`tile ${t.level}/${t.index} (width ${stored.width}) is not the tile of the copy's entries (width ${t.width})`);
  }
}

async function sameSearchKeys(source: SqliteSnapshot, target: PostgresImport): Promise<number> {
  let count = 0;
  let pending: Promise<SearchKey[]> | undefined;
  const check = async (lookup: Promise<SearchKey[]> | undefined): Promise<void> => {
    const missing = (await lookup) ?? [];
    if (missing.length > 0) throw corrupt(`search key ${JSON.stringify(missing[0]?.key)} → entry ${missing[0]?.index} is missing from the copy`);
  };
  try {
    for (let page = source.searchKeys(undefined, PAGE); page.length > 0; page = source.searchKeys(page[page.length - 1], PAGE)) {
      // The next page is read here while the server looks up this one.
      const previous = pending;
      pending = target.missingSearchKeys(page);
      pending.catch(() => undefined);
      await check(previous);
      count += page.length;
    }
    await check(pending);
  } finally {
    await pending?.catch(() => undefined);
  }
  return count;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function corrupt(what: string): LogError {
  return new LogError('CORRUPT', `the copy does not prove out: ${what}`);
}
