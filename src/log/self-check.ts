/**
 * Start-up self-check (docs/ARCHITECTURE.md "Invariants"): the latest checkpoint must carry
 * a valid signature by this log's key over this log's origin, and the root
 * recomputed from the stored tiles must equal it; the right-most stored
 * entries must hash to the leaves of the right-most level-0 tile.
 */
import { LogError, describeError, isLogError } from '../errors.js';
import { TILE_WIDTH, leafHash, tileNode, type RightEdge } from '../merkle/index.js';
import { openNote, parseCheckpoint } from '../note/index.js';
import type { AsyncTreeReads } from '../storage/index.js';
import type { CheckpointRow } from '../storage/types.js';
import { readEdge } from './edge.js';
import type { LogIdentity } from './identity.js';

/**
 * Returns the right edge rebuilt from storage. Throws CORRUPT with a message
 * saying what does not match (the caller turns that into read-only mode), or
 * what the store rejected with (STORE_FAILED: it could not be read).
 * `firstIndex`: global index of the tree's first entry; `frozen`: the tree is
 * a frozen one (the next tree's entries follow its last).
 */
export async function selfCheck(store: AsyncTreeReads, identity: LogIdentity, latest: CheckpointRow, firstIndex = 0, frozen = false): Promise<RightEdge> {
  checkSignature(identity, latest);
  let edge: RightEdge;
  try {
    edge = await readEdge(store, latest.size);
  } catch (err) {
    if (isLogError(err, 'STORE_FAILED')) throw err;
    throw new LogError('CORRUPT', `couldn't rebuild the tree of size ${latest.size} from stored tiles: ${describeError(err)}`);
  }
  const root = edge.root();
  if (!equal(root, latest.root)) {
    throw new LogError(
      'CORRUPT',
      `the root recomputed from stored tiles (${hex(root)}) differs from the latest checkpoint's (${hex(latest.root)}) at size ${latest.size}`,
    );
  }
  await checkEntries(store, latest.size, firstIndex, frozen);
  return edge;
}

/**
 * The checkpoint carries a valid signature by this log's key over this log's
 * origin, and its signed size and root are the stored ones. CORRUPT otherwise.
 */
export function checkSignature(identity: LogIdentity, latest: CheckpointRow): void {
  let opened;
  try {
    opened = openNote(latest.note, [...identity.checkpointVerifiers]);
  } catch (err) {
    throw new LogError('CORRUPT', `the latest checkpoint (size ${latest.size}) is not validly signed by this log's key: ${describeError(err)}`);
  }
  const cp = parseCheckpoint(opened.text);
  if (cp.origin !== identity.origin) {
    throw new LogError('CORRUPT', `the latest checkpoint's origin is ${JSON.stringify(cp.origin)}, this log's is ${JSON.stringify(identity.origin)}`);
  }
  if (cp.size !== latest.size || !equal(cp.root, latest.root)) {
    throw new LogError('CORRUPT', `the latest checkpoint's signed text (size ${cp.size}) disagrees with its stored size ${latest.size} or root`);
  }
}

/** The tree's last entries (global indices from `firstIndex`) against its last level-0 tile; none beyond its size. */
async function checkEntries(store: AsyncTreeReads, size: number, firstIndex: number, frozen: boolean): Promise<void> {
  if (!frozen && (await store.entryByIndex(firstIndex + size)) !== undefined) {
    throw new LogError('CORRUPT', `an entry is stored at index ${firstIndex + size}, beyond the latest checkpoint's size ${size}`);
  }
  if (size === 0) return;
  const start = Math.floor((size - 1) / TILE_WIDTH) * TILE_WIDTH;
  const [entries, tile] = await Promise.all([store.entriesInRange(firstIndex + start, size - start), store.tile(0, start / TILE_WIDTH)]);
  if (entries.length !== size - start || tile === undefined) {
    throw new LogError('CORRUPT', `entries ${start}..${size - 1} or their level-0 tile are missing`);
  }
  for (const e of entries) {
    const h = leafHash(e.body);
    if (!equal(h, e.leafHash) || !equal(h, tileNode(tile, 0, e.index - firstIndex - start))) {
      throw new LogError('CORRUPT', `entry ${e.index}'s body does not hash to its stored leaf hash and tile`);
    }
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
