/**
 * The full start-up check of stored data (`--startup-check full`), beyond the
 * O(log n) self-check: SQLite's quick_check finds damaged pages, but not bytes
 * changed inside a record (an entry body, a tile's hashes, a checkpoint's
 * root). This rehashes everything the latest checkpoint commits to:
 *
 * - every entry: its body hashes to its stored leaf hash, which is hash i of
 *   its level-0 tile, and the leaf-hash index finds it at its own index;
 * - every tile: its interior rows recompute from its row 0, and row 0 of a
 *   tile above level 0 holds the roots of the full tiles below it;
 * - every leaf-group row of a full level-0 tile (if the store keeps them,
 *   src/merkle/leaf-group.ts): each of its 34 hashes, since proofs read them
 *   there and the tile rebuilt from the rows shows only one copy of each
 *   hash above tree level 3;
 * - every stored checkpoint: its root is the tree's root at its size.
 *
 * Cost: O(size) reads and hashes (each body once, each tile once), a few
 * seconds per million entries. Memory: one tile and its entries at a time,
 * plus one hash per full tile of the level below (n/256 hashes).
 * Throws CORRUPT naming the first thing that does not match.
 */
import { LogError } from '../errors.js';
import {
  LEAF_GROUPS_PER_TILE,
  TILE_WIDTH,
  buildTile,
  c2spTileBytes,
  checkTile,
  leafGroupsOfTile,
  leafHash,
  rootAt,
  tileNode,
  tileNodeReader,
  tileRoot,
  type Tile,
} from '../merkle/index.js';
import type { AsyncTreeReads } from '../storage/index.js';
import type { CheckpointRow } from '../storage/types.js';

export interface StoredLogSummary {
  readonly entries: number;
  readonly tiles: number;
  readonly checkpoints: number;
}

/**
 * `progress`, if given, hears the number of entries checked so far after each
 * level-0 tile. `firstIndex`: global index of the tree's first entry (a
 * frozen tree's, or the active one's after a rotation).
 */
export async function verifyStoredLog(store: AsyncTreeReads, latest: CheckpointRow, progress?: (entries: number) => void, firstIndex = 0): Promise<StoredLogSummary> {
  const n = latest.size;
  let tiles = 0;
  let below: Uint8Array[] = [];
  for (let level = 0, count = n; count > 0; level++, count = Math.floor(count / TILE_WIDTH)) {
    const roots: Uint8Array[] = [];
    for (let i = 0; i * TILE_WIDTH < count; i++) {
      const w = Math.min(TILE_WIDTH, count - i * TILE_WIDTH);
      const tile = await checkedTile(store, level, i, w);
      if (level === 0) {
        await checkEntries(store, tile, i * TILE_WIDTH, w, firstIndex);
        if (w === TILE_WIDTH) await checkLeafGroups(store, tile);
        progress?.(i * TILE_WIDTH + w);
      }
      else {
        for (let k = 0; k < w; k++) {
          if (!equal(tileNode(tile, 0, k), below[i * TILE_WIDTH + k]!)) corrupt(`hash ${k} of tile ${level}/${i} is not the root of tile ${level - 1}/${i * TILE_WIDTH + k}`);
        }
      }
      if (w === TILE_WIDTH) roots.push(tileRoot(tile));
      tiles++;
    }
    below = roots;
  }
  return { entries: n, tiles, checkpoints: await checkCheckpoints(store, n) };
}

/** The stored tile (level, index) of width exactly `w`, its interior recomputed from its row 0. */
async function checkedTile(store: AsyncTreeReads, level: number, index: number, w: number): Promise<Tile> {
  const tile = await store.tile(level, index);
  if (tile === undefined) corrupt(`tile ${level}/${index} is missing`);
  checkTile(tile, level, index);
  if (tile.width !== w) corrupt(`tile ${level}/${index} has width ${tile.width}, the latest checkpoint implies ${w}`);
  const rebuilt = buildTile(level, index, c2spTileBytes(tile, w));
  if (!equal(rebuilt.hashes, tile.hashes)) corrupt(`the interior hashes of tile ${level}/${index} do not recompute from its first row`);
  return tile;
}

async function checkEntries(store: AsyncTreeReads, tile: Tile, leaf: number, w: number, firstIndex: number): Promise<void> {
  const start = firstIndex + leaf;
  const entries = await store.entriesInRange(start, w);
  const indexed = await Promise.all(entries.map((e) => store.indexOfLeafHash(e.leafHash)));
  if (entries.length !== w) corrupt(`entries ${start}..${start + w - 1}: ${entries.length} of ${w} are stored`);
  for (let k = 0; k < w; k++) {
    const e = entries[k]!;
    if (e.index !== start + k) corrupt(`entry ${start + k} is missing (found ${e.index})`);
    const h = leafHash(e.body);
    if (!equal(h, e.leafHash)) corrupt(`entry ${e.index}'s body does not hash to its stored leaf hash`);
    if (!equal(h, tileNode(tile, 0, k))) corrupt(`entry ${e.index}'s leaf hash is not hash ${k} of tile 0/${tile.index}`);
    if (indexed[k] !== e.index) corrupt(`the leaf-hash index does not find entry ${e.index}`);
  }
}

/** The 16 leaf-group rows of full level-0 tile `tile` (already checked) equal the ones it implies. */
async function checkLeafGroups(store: AsyncTreeReads, tile: Tile): Promise<void> {
  const read = store.leafGroup?.bind(store);
  if (read === undefined) return;
  const first = tile.index * LEAF_GROUPS_PER_TILE;
  const wanted = leafGroupsOfTile(tile);
  const rows = await Promise.all(wanted.map((_, k) => read(first + k)));
  wanted.forEach((want, k) => {
    const row = rows[k];
    if (row === undefined) corrupt(`leaf group ${first + k} of tile 0/${tile.index} is missing`);
    if (!equal(row, want)) corrupt(`leaf group ${first + k} of tile 0/${tile.index} does not match the tile's hashes`);
  });
}

/** Every stored checkpoint's root, recomputed from the tiles at its size. Returns how many were checked. */
async function checkCheckpoints(store: AsyncTreeReads, n: number): Promise<number> {
  // The tiles of the tree at n, level ≥ 1 and the right edge, read as roots need them and kept (n/256 hashes at most
  // above level 0); level-0 tiles as each checkpoint's root needs them, the last few kept.
  const cache = new Map<string, Tile | undefined>();
  let checked = 0;
  for (let from = 0; ; ) {
    const page = await store.listCheckpoints(from, 1000);
    for (const cp of page) {
      if (cp.size > n) corrupt(`a checkpoint of size ${cp.size} is stored beyond the latest (${n})`);
      if (!equal(await rootFromTiles(store, cache, n, cp.size), cp.root)) corrupt(`the checkpoint at size ${cp.size} has a root the stored tree does not have`);
      checked++;
    }
    if (page.length < 1000) return checked;
    from = page[page.length - 1]!.size + 1;
  }
}

/** The root at `size` of the stored tree of `n`, computed over tiles in `cache`; the ones it lacks are read and the root computed again. */
async function rootFromTiles(store: AsyncTreeReads, cache: Map<string, Tile | undefined>, n: number, size: number): Promise<Uint8Array> {
  for (;;) {
    let missing: [number, number] | undefined;
    const read = tileNodeReader(n, (level, index) => {
      const key = `${level}/${index}`;
      if (cache.has(key)) return cache.get(key);
      missing = [level, index];
      throw MISSING;
    });
    try {
      return rootAt(size, read);
    } catch (err) {
      if (err !== MISSING || missing === undefined) throw err;
      if (cache.size >= 4096) cache.clear();
      cache.set(`${missing[0]}/${missing[1]}`, await store.tile(missing[0], missing[1]));
    }
  }
}

/** Thrown through the (synchronous) merkle code when a tile is not read yet. */
const MISSING = Symbol('missing');

function corrupt(what: string): never {
  throw new LogError('CORRUPT', `the stored log is damaged: ${what}`);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
