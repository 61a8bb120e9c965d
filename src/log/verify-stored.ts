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
import type { CheckpointRow, TreeReads } from '../storage/types.js';

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
export function verifyStoredLog(store: TreeReads, latest: CheckpointRow, progress?: (entries: number) => void, firstIndex = 0): StoredLogSummary {
  const n = latest.size;
  let tiles = 0;
  let below: Uint8Array[] = [];
  for (let level = 0, count = n; count > 0; level++, count = Math.floor(count / TILE_WIDTH)) {
    const roots: Uint8Array[] = [];
    for (let i = 0; i * TILE_WIDTH < count; i++) {
      const w = Math.min(TILE_WIDTH, count - i * TILE_WIDTH);
      const tile = checkedTile(store, level, i, w);
      if (level === 0) {
        checkEntries(store, tile, i * TILE_WIDTH, w, firstIndex);
        if (w === TILE_WIDTH) checkLeafGroups(store, tile);
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
  return { entries: n, tiles, checkpoints: checkCheckpoints(store, n) };
}

/** The stored tile (level, index) of width exactly `w`, its interior recomputed from its row 0. */
function checkedTile(store: TreeReads, level: number, index: number, w: number): Tile {
  const tile = store.tile(level, index);
  if (tile === undefined) corrupt(`tile ${level}/${index} is missing`);
  checkTile(tile, level, index);
  if (tile.width !== w) corrupt(`tile ${level}/${index} has width ${tile.width}, the latest checkpoint implies ${w}`);
  const rebuilt = buildTile(level, index, c2spTileBytes(tile, w));
  if (!equal(rebuilt.hashes, tile.hashes)) corrupt(`the interior hashes of tile ${level}/${index} do not recompute from its first row`);
  return tile;
}

function checkEntries(store: TreeReads, tile: Tile, leaf: number, w: number, firstIndex: number): void {
  const start = firstIndex + leaf;
  const entries = store.entriesInRange(start, w);
  if (entries.length !== w) corrupt(`entries ${start}..${start + w - 1}: ${entries.length} of ${w} are stored`);
  for (let k = 0; k < w; k++) {
    const e = entries[k]!;
    if (e.index !== start + k) corrupt(`entry ${start + k} is missing (found ${e.index})`);
    const h = leafHash(e.body);
    if (!equal(h, e.leafHash)) corrupt(`entry ${e.index}'s body does not hash to its stored leaf hash`);
    if (!equal(h, tileNode(tile, 0, k))) corrupt(`entry ${e.index}'s leaf hash is not hash ${k} of tile 0/${tile.index}`);
    if (store.indexOfLeafHash(h) !== e.index) corrupt(`the leaf-hash index does not find entry ${e.index}`);
  }
}

/** The 16 leaf-group rows of full level-0 tile `tile` (already checked) equal the ones it implies. */
function checkLeafGroups(store: TreeReads, tile: Tile): void {
  if (store.leafGroup === undefined) return;
  const first = tile.index * LEAF_GROUPS_PER_TILE;
  leafGroupsOfTile(tile).forEach((want, k) => {
    const row = store.leafGroup?.(first + k);
    if (row === undefined) corrupt(`leaf group ${first + k} of tile 0/${tile.index} is missing`);
    if (!equal(row, want)) corrupt(`leaf group ${first + k} of tile 0/${tile.index} does not match the tile's hashes`);
  });
}

/** Every stored checkpoint's root, recomputed from the tiles at its size. Returns how many were checked. */
function checkCheckpoints(store: TreeReads, n: number): number {
  const cache = new Map<string, Tile | undefined>();
  const read = tileNodeReader(n, (level, index) => {
    const key = `${level}/${index}`;
    if (!cache.has(key)) {
      if (cache.size >= 4096) cache.clear();
      cache.set(key, store.tile(level, index));
    }
    return cache.get(key);
  });
  let checked = 0;
  for (let from = 0; ; ) {
    const page = store.listCheckpoints(from, 1000);
    for (const cp of page) {
      if (cp.size > n) corrupt(`a checkpoint of size ${cp.size} is stored beyond the latest (${n})`);
      if (!equal(rootAt(cp.size, read), cp.root)) corrupt(`the checkpoint at size ${cp.size} has a root the stored tree does not have`);
      checked++;
    }
    if (page.length < 1000) return checked;
    from = page[page.length - 1]!.size + 1;
  }
}

function corrupt(what: string): never {
  throw new LogError('CORRUPT', `the stored log is damaged: ${what}`);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
