/**
 * Proving one tree of a copy (prove.ts): its checkpoints, signed by the
 * tree's note key over its origin, its cosignatures, and its entries, leaf
 * groups and tiles, against the source's and by the copy's own hashes.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { LogError, describeError } from '../errors.js';
import { LEAF_GROUPS_PER_TILE, RightEdge, TILE_WIDTH, hashesEqual, leafGroupsOfTile, leafHash, type Tile } from '../merkle/index.js';
import { ed25519NoteVerifier, openNote, parseCheckpoint, parseVkey, type NoteVerifier } from '../note/index.js';
import type { CheckpointRow, PostgresImport, StoredEntry, TileRow } from '../storage/index.js';
import { compareCosignatures } from './kept-cosignatures.js';
import type { ProveOptions } from './prove.js';
import type { SourceTree } from './source-trees.js';

const PAGE = 10_000;

/**
 * Tree `tree`'s checkpoints equal to the source's, each signed by the tree's
 * note key (tree 0: a pinned one) naming the tree's origin (tree 0: the
 * pinned one), its size and its root.
 */
export async function sameCheckpoints(tree: SourceTree, target: PostgresImport, meta: Map<string, string>): Promise<CheckpointRow[]> {
  const { origin, verifiers } = signedBy(tree, meta);
  const reads = target.treeReads(tree.ordinal);
  const of = tree.ordinal === 0 ? '' : ` of tree ${tree.ordinal}`;
  const out: CheckpointRow[] = [];
  for (let from = 0; ; ) {
    const want = tree.reads.listCheckpoints(from, PAGE);
    const found = await reads.listCheckpoints(from, PAGE);
    for (let i = 0; i < Math.max(want.length, found.length); i++) {
      const w = want[i];
      const f = found[i];
      if (f === undefined || w === undefined || f.size !== w.size) throw corrupt(`checkpoint ${(w ?? f)?.size}${of} is ${f === undefined || f.size !== w?.size ? 'missing from' : 'extra in'} the copy`);
      if (!hashesEqual(f.root, w.root) || f.time !== w.time || f.note !== w.note) throw corrupt(`the checkpoint at size ${f.size}${of} differs from the source's (root, time or signed note)`);
      let text: string;
      try {
        text = openNote(f.note, verifiers).text;
      } catch (err) {
        throw corrupt(`the checkpoint at size ${f.size}${of} is not signed by ${tree.ordinal === 0 ? "the copy's pinned note key" : "its tree's note key"}: ${describeError(err)}`);
      }
      const cp = parseCheckpoint(text);
      if (cp.origin !== origin || cp.size !== f.size || !hashesEqual(cp.root, f.root)) {
        throw corrupt(`the signed checkpoint at size ${f.size}${of} names origin ${JSON.stringify(cp.origin)}, size ${cp.size} and another root than its row`);
      }
      out.push(f);
    }
    if (want.length < PAGE) return out;
    from = (want[want.length - 1] as CheckpointRow).size + 1;
  }
}

/**
 * What a tree's checkpoints are signed with: tree 0's, the log's pins (meta
 * `origin` and its note keys); tree k's, the note key its row records and the
 * origin `<pinned host> - <its tree ID>` (src/log/identity.ts).
 */
function signedBy(tree: SourceTree, meta: Map<string, string>): { origin: string; verifiers: NoteVerifier[] } {
  const origin = meta.get('origin');
  if (origin === undefined) throw corrupt("the copy's pinned origin (meta origin) is missing");
  if (tree.ordinal === 0 || tree.row === undefined) return { origin, verifiers: pinnedVerifiers(meta) };
  const host = origin.slice(0, origin.lastIndexOf(' - '));
  let key: KeyObject;
  try {
    key = createPublicKey(tree.row.noteKeyPem ?? tree.row.publicKeyPem);
  } catch (err) {
    throw corrupt(`the note key of tree ${tree.ordinal} (${tree.row.treeId}) cannot be read: ${describeError(err)}`);
  }
  return { origin: `${host} - ${tree.row.treeId}`, verifiers: [ed25519NoteVerifier(host, key, 'c2sp')] };
}

/** The note keys a log pinned: `vkey`, and `vkey.1`, `vkey.2`… after a change of note key. */
function pinnedVerifiers(meta: Map<string, string>): NoteVerifier[] {
  const vkeys = [...meta].filter(([k]) => k === 'vkey' || /^vkey\.\d+$/.test(k)).map(([, v]) => v);
  if (vkeys.length === 0) throw corrupt("the copy's pinned note key (meta vkey) is missing");
  return vkeys.map((v) => parseVkey(v));
}

/**
 * Tree `tree`'s cosignatures: the source's, in the same order, and beside
 * them those the copy keeps (kept-cosignatures.ts), each of one of the
 * tree's `checkpoints` (the copy's, equal to the source's: {@link
 * sameCheckpoints}). Resolves with the
 * copy's rows, those it keeps, and the source's it holds the same
 * witness's in place of.
 */
export async function sameCosignatures(tree: SourceTree, target: PostgresImport, checkpoints: readonly CheckpointRow[]): Promise<{ rows: number; kept: number; inPlaceOfSource: number }> {
  const found = await target.allCosignatures(tree.ordinal);
  const of = tree.ordinal === 0 ? '' : ` of tree ${tree.ordinal}`;
  const compared = compareCosignatures(tree.cosignatures(), found, true, of);
  if (compared.why !== undefined) throw corrupt(compared.why);
  const sizes = new Set(checkpoints.map((c) => c.size));
  const stray = compared.kept.find((r) => !sizes.has(r.size));
  if (stray !== undefined) throw corrupt(`the copy holds a cosignature by ${stray.witness} at size ${stray.size}${of}, where it holds no checkpoint`);
  return { rows: found.length, kept: compared.kept.length, inPlaceOfSource: compared.inPlaceOfSource };
}

/**
 * Tree `tree`'s entries equal to the source's and sound, the tree rebuilt
 * from the copy's leaf hashes checked against every checkpoint root and
 * every stored tile of that tree. Progress is reported in global entries out
 * of `total`. Returns the number of rows of the tree's tiles table checked.
 */
export async function sameTree(tree: SourceTree, target: PostgresImport, checkpoints: readonly CheckpointRow[], options: ProveOptions, total: number): Promise<{ rows: number }> {
  const n = checkpoints[checkpoints.length - 1]?.size ?? 0;
  const first = tree.firstIndex;
  const of = tree.ordinal === 0 ? '' : ` of tree ${tree.ordinal}`;
  const window = Math.max(TILE_WIDTH, Math.floor((options.windowEntries ?? 4096) / TILE_WIDTH) * TILE_WIDTH);
  const edge = RightEdge.empty();
  let next = 0; // the next checkpoint to meet
  const checkRoot = (): void => {
    while (next < checkpoints.length && (checkpoints[next] as CheckpointRow).size === edge.size) {
      const cp = checkpoints[next] as CheckpointRow;
      if (!hashesEqual(edge.root(), cp.root)) throw corrupt(`the copy's leaf hashes give another root at size ${cp.size}${of} than its checkpoint there`);
      next++;
    }
  };
  const partial = new Map<string, Tile>();
  let rows = 0;
  checkRoot();
  // The copy's rows of a window: its entries, where the leaf-hash index finds them, its full tiles' leaf groups.
  const fetch = async (at: number): Promise<{ found: StoredEntry[]; indices: Map<string, number>; groups: { grp: number; hashes: Uint8Array }[] }> => {
    const count = Math.min(window, n - at);
    const groups = target.leafGroupsInRange((at / TILE_WIDTH) * LEAF_GROUPS_PER_TILE, Math.floor((at + count) / TILE_WIDTH) * LEAF_GROUPS_PER_TILE, tree.ordinal);
    groups.catch(() => undefined);
    const found = await target.reads.entriesInRange(first + at, count);
    return { found, indices: await target.indicesOfLeafHashes(found.map((e) => e.leafHash)), groups: await groups };
  };
  // The next window is read from the copy while this one is checked here.
  let ahead = n > 0 ? fetch(0) : undefined;
  for (let at = 0; at < n; at += window) {
    const count = Math.min(window, n - at);
    const { found, indices, groups } = await (ahead as ReturnType<typeof fetch>);
    ahead = at + window < n ? fetch(at + window) : undefined;
    ahead?.catch(() => undefined);
    const want = tree.reads.entriesInRange(first + at, count);
    sameEntries(first + at, count, want, found);
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
    sameLeafGroups(made.filter((t) => t.level === 0 && t.width === TILE_WIDTH), groups, of);
    for (const t of made) {
      const key = `${t.level}/${t.index}`;
      if (t.width < TILE_WIDTH) partial.set(key, t);
      else {
        partial.delete(key);
        if (t.level > 0) {
          await sameTile(target, t, tree.ordinal);
          rows++;
        }
      }
    }
    options.onProgress?.(first + at + count, total);
  }
  if (next !== checkpoints.length) throw corrupt(`the checkpoint at size ${checkpoints[next]?.size}${of} is beyond the copy's entries`);
  for (const t of partial.values()) {
    await sameTile(target, t, tree.ordinal);
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
function sameLeafGroups(tiles: readonly Tile[], stored: readonly { grp: number; hashes: Uint8Array }[], of: string): void {
  if (stored.length > tiles.length * LEAF_GROUPS_PER_TILE) throw corrupt(`leaf group ${stored[tiles.length * LEAF_GROUPS_PER_TILE]?.grp}${of} is in the copy, beyond its full tiles`);
  tiles.forEach((t, j) => {
    leafGroupsOfTile(t).forEach((want, k) => {
      const grp = t.index * LEAF_GROUPS_PER_TILE + k;
      const row = stored[j * LEAF_GROUPS_PER_TILE + k];
      if (row?.grp !== grp) throw corrupt(`leaf group ${grp} of tile 0/${t.index}${of} is missing from the copy`);
      if (!equalBytes(row.hashes, want)) throw corrupt(`leaf group ${grp} of tile 0/${t.index}${of} does not hold the hashes of the copy's entries`);
    });
  });
}

async function sameTile(target: PostgresImport, t: Tile, ordinal: number): Promise<void> {
  const stored: TileRow | undefined = (await target.tilesAtLevel(t.level, t.index, t.index + 1, ordinal))[0];
  const of = ordinal === 0 ? '' : ` of tree ${ordinal}`;
  if (stored === undefined) throw corrupt(`tile ${t.level}/${t.index}${of} is missing from the copy`);
  if (stored.width !== t.width || !equalBytes(stored.hashes, t.hashes)) {
    throw corrupt(`tile ${t.level}/${t.index}${of} (width ${stored.width}) is not the tile of the copy's entries (width ${t.width})`);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

export function corrupt(what: string): LogError {
  return new LogError('CORRUPT', `the copy does not prove out: ${what}`);
}
