/**
 * Shared test helpers for src/note: an assertion on LogError codes, fixed
 * keys, and the Tessera test vectors (shared/testvectors/tessera-log, beside the
 * repository: /work/shared locally, ../shared in CI's fresh clone) and the
 * constants their README gives.
 */
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLogError } from '../../src/errors.js';
import { ed25519KeyFromSeed } from '../../src/note/index.js';

/** Asserts that `fn` throws LogError('NOTE_INVALID'). */
export function assertNoteInvalid(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => isLogError(err, 'NOTE_INVALID'));
}

/** A fixed Ed25519 private key from a seed of 32 copies of `byte`. */
export function fixedKey(byte: number): KeyObject {
  return ed25519KeyFromSeed(new Uint8Array(32).fill(byte));
}

/** Bytes from hex. */
export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export const TESSERA_ORIGIN = 'example.com/log/testdata';
export const TESSERA_SKEY = 'PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg';
export const TESSERA_VKEY = 'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx';
/** The largest size with a `checkpoint.N` file. */
export const TESSERA_MAX_SIZE = 15;

/** Absolute path of the tessera-log directory; throws if it cannot be found. */
export function tesseraDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    for (const candidate of [join(dir, 'shared', 'testvectors', 'tessera-log'), join(dir, 'testvectors', 'tessera-log')]) {
      if (existsSync(join(candidate, 'checkpoint'))) return candidate;
    }
    dir = resolve(dir, '..');
  }
  throw new Error("couldn't find shared/testvectors/tessera-log above the compiled tests");
}

/** The bytes of `checkpoint.<size>` as a string. */
export function tesseraCheckpoint(size: number): string {
  return readFileSync(join(tesseraDir(), `checkpoint.${size}`), 'utf8');
}
