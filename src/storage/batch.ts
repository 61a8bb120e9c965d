/**
 * Shape checks every {@link LogStore} runs on a batch before writing
 * anything: they turn a sequencer bug into an INCONSISTENT error instead of a
 * half-sensible row on disk.
 */

import { LogError } from '../errors.js';
import { TILE_WIDTH, tileLayoutBytes } from '../merkle/index.js';
import type { Batch, StoredEntry, TileRow } from './types.js';

/** Largest canonical body, in bytes (C2SP entry bundles prefix bodies with a uint16 length). */
export const MAX_BODY_BYTES = 65_535;
const HASH_BYTES = 32;

/**
 * Throw LogError('INCONSISTENT') unless `batch` fits on a tree of
 * `previousSize` entries whose first entry has global index `firstIndex`:
 * entry indices dense from `firstIndex + previousSize`, checkpoint
 * size = previousSize + entries, 32-byte hashes, search keys pointing into the
 * batch, tile coordinates and widths in range, a full level-0 tile in the
 * full-tile layout (stores split it into leaf groups). Does not look at stored data:
 * the compare-and-swap on the stored size is the store's job, in its transaction.
 */
export function validateBatch(previousSize: number, batch: Batch, firstIndex = 0): void {
  if (!isIndex(previousSize)) fail(`previous size ${previousSize} is not a non-negative safe integer`);
  validateEntries(firstIndex + previousSize, batch.entries);
  const end = previousSize + batch.entries.length;
  const cp = batch.checkpoint;
  if (cp.size !== end) fail(`checkpoint size ${cp.size} is not previous size + entries = ${end}`);
  if (cp.root.length !== HASH_BYTES) fail(`checkpoint root has ${cp.root.length} bytes, not ${HASH_BYTES}`);
  if (!Number.isSafeInteger(cp.time)) fail(`checkpoint time ${cp.time} is not an integer number of milliseconds`);
  for (const k of batch.searchKeys) {
    if (!Number.isSafeInteger(k.index) || k.index < firstIndex + previousSize || k.index >= firstIndex + end) {
      fail(`search key ${JSON.stringify(k.key)} points at index ${k.index}, outside the batch [${firstIndex + previousSize}, ${firstIndex + end})`);
    }
  }
  for (const t of batch.tiles) validateTile(t);
}

/** Throw LogError('INCONSISTENT') unless `entries` have dense indices from `first`, 32-byte leaf hashes, bodies in bounds and integer times. */
export function validateEntries(first: number, entries: readonly StoredEntry[]): void {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as StoredEntry;
    if (e.index !== first + i) {
      fail(`entry ${i} of the batch has index ${e.index}, not ${first + i}: indices must be dense from the previous size`);
    }
    if (e.leafHash.length !== HASH_BYTES) fail(`entry ${e.index} has a ${e.leafHash.length}-byte leaf hash`);
    if (e.body.length > MAX_BODY_BYTES) fail(`entry ${e.index} has a ${e.body.length}-byte body (max ${MAX_BODY_BYTES})`);
    if (!Number.isSafeInteger(e.integratedTime)) fail(`entry ${e.index} has integrated time ${e.integratedTime}`);
  }
}

/** Throw LogError('INCONSISTENT') unless `t` has coordinates and a width in range and enough hashes (a full level-0 tile: the full-tile layout). */
export function validateTile(t: TileRow): void {
  if (!isIndex(t.level) || !isIndex(t.index)) fail(`tile ${t.level}/${t.index} has invalid coordinates`);
  if (!Number.isInteger(t.width) || t.width < 1 || t.width > 256) fail(`tile ${t.level}/${t.index} has width ${t.width}, not 1..256`);
  if (t.hashes.length < t.width * HASH_BYTES) {
    fail(`tile ${t.level}/${t.index} of width ${t.width} has only ${t.hashes.length} bytes of hashes`);
  }
  if (t.level === 0 && t.width === TILE_WIDTH && t.hashes.length !== tileLayoutBytes(TILE_WIDTH)) {
    fail(`full tile 0/${t.index} has ${t.hashes.length} bytes, not the ${tileLayoutBytes(TILE_WIDTH)} of the full-tile layout`);
  }
}

/**
 * The INCONSISTENT error naming the first entry of `batch` whose leaf hash is
 * already stored (`storedIndex`) or repeats inside the batch, or undefined if
 * none does: what a store rejects with after a uniqueness violation.
 */
export function duplicateLeafError(batch: Batch, storedIndex: (leafHash: Uint8Array) => number | undefined, cause: unknown): LogError | undefined {
  const seen = new Map<string, number>();
  for (const e of batch.entries) {
    const hex = Buffer.from(e.leafHash).toString('hex');
    const existingIndex = seen.get(hex) ?? storedIndex(e.leafHash);
    if (existingIndex !== undefined) {
      return new LogError('INCONSISTENT', `couldn't commit batch: entry ${e.index} duplicates the leaf hash of entry ${existingIndex}`, {
        cause,
        details: { leafHash: hex, index: e.index, existingIndex },
      });
    }
    seen.set(hex, e.index);
  }
  return undefined;
}

function isIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function fail(why: string): never {
  throw new LogError('INCONSISTENT', `couldn't commit batch: ${why}`);
}
