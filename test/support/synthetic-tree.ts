/**
 * A large tree without a log behind it: leaf i is the RFC 6962 leaf hash of
 * the 8-byte big-endian i; level-0 tiles are computed on demand, upper-level
 * tiles kept from one pass of RightEdge. Serves the tiles as a TiledLog with
 * a checkpoint signed by a test key, for tests of the monitor at sizes a
 * SQLite-backed test log would take minutes to reach.
 */
import { ed25519PublicKeyBytes, ed25519NoteSigner, formatCheckpoint, formatVkey, signNote } from '../../src/note/index.js';
import { HASH_SIZE, RightEdge, TILE_WIDTH, buildTile, leafHash, type Tile } from '../../src/merkle/index.js';
import type { TiledLog } from '../../src/client/index.js';
import { testKey } from './test-log.js';

export const SYNTHETIC_ORIGIN = 'synthetic.test/log';

export interface SyntheticTree {
  readonly size: number;
  readonly root: Uint8Array;
  /** The signed checkpoint note of the whole tree. */
  readonly note: string;
  /** The verifier key of `note`. */
  readonly vkey: string;
  /** Tile (level, index) at `width` hashes, as a Tile. */
  tile(level: number, index: number, width: number): Tile;
  /** A TiledLog serving the tiles and the checkpoint (no entry bundles). */
  client(onTile?: (level: number, index: number) => void): TiledLog;
}

function leafOf(i: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(i));
  return leafHash(b);
}

function row0(index: number, width: number): Uint8Array {
  const out = new Uint8Array(width * HASH_SIZE);
  for (let k = 0; k < width; k++) out.set(leafOf(index * TILE_WIDTH + k), k * HASH_SIZE);
  return out;
}

export function syntheticTree(size: number): SyntheticTree {
  const edge = RightEdge.empty();
  const upper = new Map<string, Tile>();
  for (let at = 0; at < size; at += TILE_WIDTH) {
    const hashes: Uint8Array[] = [];
    for (let i = at; i < Math.min(size, at + TILE_WIDTH); i++) hashes.push(leafOf(i));
    for (const t of edge.append(hashes).tiles) if (t.level > 0) upper.set(`${t.level}/${t.index}`, t);
  }
  const root = edge.root();
  const key = testKey(91);
  const note = signNote(formatCheckpoint({ origin: SYNTHETIC_ORIGIN, size, root }), [ed25519NoteSigner(SYNTHETIC_ORIGIN, key, 'c2sp')]);
  const vkey = formatVkey(SYNTHETIC_ORIGIN, 0x01, ed25519PublicKeyBytes(key));
  const tile = (level: number, index: number, width: number): Tile => {
    if (level === 0) return buildTile(0, index, row0(index, width));
    const t = upper.get(`${level}/${index}`);
    if (t === undefined || t.width < width) throw new Error(`no tile ${level}/${index} of width ${width}`);
    return buildTile(level, index, t.hashes.subarray(0, width * HASH_SIZE));
  };
  return {
    size,
    root,
    note,
    vkey,
    tile,
    client: (onTile) => ({
      checkpoint: async () => note,
      tile: async (level, index, width) => {
        onTile?.(level, index);
        return tile(level, index, width).hashes.subarray(0, width * HASH_SIZE);
      },
      entryBundle: async () => {
        throw new Error('the synthetic tree has no entry bundles');
      },
    }),
  };
}
