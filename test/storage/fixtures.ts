/**
 * Deterministic batches for store tests: every byte is derived from a seed,
 * so a failing test shows the same data on every run.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { TILE_WIDTH, buildTile } from '../../src/merkle/index.js';
import type { Batch, CheckpointRow, SearchKey, StoredEntry, TileRow } from '../../src/storage/types.js';

/** SHA-256 of the parts joined with '/': 32 stable pseudo-random bytes. */
export function bytes32(...parts: (string | number)[]): Buffer {
  return createHash('sha256').update(parts.join('/')).digest();
}

/** Entry `index`; `salt` varies the body (and so the leaf hash) between otherwise equal entries. */
export function entry(index: number, salt = ''): StoredEntry {
  const body = Buffer.from(`{"entry":${index},"salt":"${salt}"}`);
  return {
    index,
    leafHash: createHash('sha256').update(Buffer.from([0])).update(body).digest(),
    body,
    kind: index % 2 === 0 ? 'raw' : 'hashedrekord/0.0.1',
    integratedTime: 1_700_000_000 + index,
    set: index % 3 === 0 ? new Uint8Array(0) : bytes32('set', index, salt),
  };
}

/**
 * A tile row whose level-0 hashes depend only on (level, index, position), so
 * a wider row of the same tile extends a narrower one as the merkle layer's
 * would. Partial tiles get interior bytes that depend on the width (stores
 * treat them as opaque); a full tile has the real full-tile layout, which a
 * full level-0 tile MUST have (the SQLite store splits it into leaf groups).
 */
export function tile(level: number, index: number, width: number): TileRow {
  const level0 = Array.from({ length: width }, (_, j) => bytes32('tile', level, index, j));
  if (width === TILE_WIDTH) return buildTile(level, index, Buffer.concat(level0));
  const interior = Array.from({ length: width - 1 }, (_, j) => bytes32('interior', level, index, width, j));
  return { level, index, width, hashes: Buffer.concat([...level0, ...interior]) };
}

/** The checkpoint a batch ending at `size` publishes. */
export function checkpoint(size: number, salt = ''): CheckpointRow {
  return {
    size,
    root: bytes32('root', size, salt),
    time: 1_700_000_000_000 + size * 1000,
    note: `example.com/log - 42\n${size}\n${bytes32('root', size, salt).toString('base64')}\n\n— example.com/log sig${salt}${size}\n`,
  };
}

export interface BatchOptions {
  readonly salt?: string;
  readonly searchKeys?: readonly SearchKey[];
  readonly tiles?: readonly TileRow[];
  readonly entries?: readonly StoredEntry[];
  readonly checkpoint?: CheckpointRow;
}

/** A well-formed batch of `count` entries on a log of `previousSize`, with one search key per entry. */
export function batch(previousSize: number, count: number, options: BatchOptions = {}): Batch {
  const salt = options.salt ?? '';
  const entries = options.entries ?? Array.from({ length: count }, (_, i) => entry(previousSize + i, salt));
  return {
    entries,
    searchKeys: options.searchKeys ?? entries.map((e) => ({ key: `sha256:${Buffer.from(e.leafHash).toString('hex')}`, index: e.index })),
    tiles: options.tiles ?? [],
    checkpoint: options.checkpoint ?? checkpoint(previousSize + entries.length, salt),
  };
}

/** Assert two byte arrays hold the same bytes (Buffer vs Uint8Array safe). */
export function assertBytes(actual: Uint8Array | undefined, expected: Uint8Array, message?: string): void {
  assert.ok(actual !== undefined, message ?? 'bytes missing');
  assert.equal(Buffer.compare(Buffer.from(actual), Buffer.from(expected)), 0, message ?? 'bytes differ');
}

/** Assert a stored entry equals the one written, field by field. */
export function assertEntry(actual: StoredEntry | undefined, expected: StoredEntry): void {
  assert.ok(actual !== undefined, `entry ${expected.index} missing`);
  assert.equal(actual.index, expected.index);
  assertBytes(actual.leafHash, expected.leafHash, 'leafHash');
  assertBytes(actual.body, expected.body, 'body');
  assert.equal(actual.kind, expected.kind);
  assert.equal(actual.integratedTime, expected.integratedTime);
  assertBytes(actual.set, expected.set, 'set');
}

/** Assert a stored checkpoint equals the one written. */
export function assertCheckpoint(actual: CheckpointRow | undefined, expected: CheckpointRow): void {
  assert.ok(actual !== undefined, `checkpoint ${expected.size} missing`);
  assert.equal(actual.size, expected.size);
  assertBytes(actual.root, expected.root, 'root');
  assert.equal(actual.time, expected.time);
  assert.equal(actual.note, expected.note);
}

/** Assert a stored tile equals the one written. */
export function assertTile(actual: TileRow | undefined, expected: TileRow): void {
  assert.ok(actual !== undefined, `tile ${expected.level}/${expected.index} missing`);
  assert.deepEqual([actual.level, actual.index, actual.width], [expected.level, expected.index, expected.width]);
  assertBytes(actual.hashes, expected.hashes, 'hashes');
}
