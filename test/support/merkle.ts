/** Shared helpers for the merkle tests. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

import { isLogError, type ErrorCode } from '../../src/errors.js';
import type { Tile } from '../../src/merkle/index.js';

export function hex(h: Uint8Array): string {
  return Buffer.from(h).toString('hex');
}

export function hexList(hs: readonly Uint8Array[]): string[] {
  return hs.map(hex);
}

/** Distinct entry bytes for leaf i. */
export function entry(i: number): Uint8Array {
  return new TextEncoder().encode(`entry ${i}`);
}

export function entries(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => entry(i));
}

/** Deterministic pseudo-random integers in [0, max), from SHA-256 of a seed and a counter. */
export function seededRandom(seed: string): (max: number) => number {
  let counter = 0;
  return (max) => {
    const d = createHash('sha256').update(`${seed}/${counter++}`).digest();
    return Math.floor((d.readUInt32BE(0) / 2 ** 32) * max);
  };
}

/** Asserts that fn throws a LogError with `code` and returns it. */
export function throwsCode(fn: () => unknown, code: ErrorCode): Error {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(isLogError(caught, code), `expected LogError ${code}, got ${String(caught)}`);
  return caught;
}

/** An in-memory tile store with the storage contract's replace-by-(level, index) semantics. */
export class TileStore {
  readonly tiles = new Map<string, Tile>();

  put(tiles: readonly Tile[]): void {
    for (const t of tiles) this.tiles.set(`${t.level}/${t.index}`, t);
  }

  get = (level: number, index: number): Tile | undefined => this.tiles.get(`${level}/${index}`);

  clone(): TileStore {
    const c = new TileStore();
    for (const [k, v] of this.tiles) c.tiles.set(k, v);
    return c;
  }

  /** Comparable summary: key → width and hex of the layout bytes. */
  snapshot(): Map<string, string> {
    return new Map([...this.tiles].map(([k, t]) => [k, `${t.width}:${hex(t.hashes)}`]));
  }
}

/** Flips one bit of a copy of h. */
export function flipBit(h: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(h);
  const byte = Math.floor(bit / 8) % out.length;
  const v = out[byte] ?? 0;
  const mask = 2 ** (bit % 8);
  out[byte] = Math.floor(v / mask) % 2 === 1 ? v - mask : v + mask;
  return out;
}
