/**
 * Shared test helpers for src/note: an assertion on LogError codes, fixed
 * keys, and the Tessera test vectors (test/fixtures/tessera-log) and the constants their README gives.
 */
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TESSERA_DIR } from './fixtures.js';
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

/** Absolute path of the tessera-log fixture directory. */
export function tesseraDir(): string {
  return TESSERA_DIR;
}

/** The bytes of `checkpoint.<size>` as a string. */
export function tesseraCheckpoint(size: number): string {
  return readFileSync(join(tesseraDir(), `checkpoint.${size}`), 'utf8');
}
