/**
 * RFC 6962 §2.1 Merkle hashing (SHA-256 with domain-separation prefixes).
 *
 * This is the hot path of the sequencer, so it uses node:crypto's one-shot
 * `hash()` (Node ≥ 20.12) and avoids copies: a node hash copies its two
 * children into one reusable 65-byte scratch buffer and hashes that.
 *
 * Every function returns a fresh 32-byte array that the caller owns.
 */
import { hash } from 'node:crypto';

import { LogError } from '../errors.js';
import { HASH_SIZE, hashesEqual, type MerkleHasher } from './hasher.js';

export { HASH_SIZE, hashesEqual };

/** RFC 6962 §2.1 domain-separation prefixes. */
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** Reused for every node hash; safe because hashing is synchronous. */
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeScratch[0] = NODE_PREFIX;

/**
 * RFC 6962 §2.1 leaf hash: `SHA-256(0x00 ‖ data)`. Used for entry UUIDs and
 * level-0 tile hashes. `data` may be any length (entries are ≤ 65,535 bytes).
 */
export function leafHash(data: Uint8Array): Uint8Array {
  const buf = Buffer.allocUnsafe(1 + data.length);
  buf[0] = LEAF_PREFIX;
  buf.set(data, 1);
  return hash('sha256', buf, 'buffer');
}

/**
 * RFC 6962 §2.1 interior node hash: `SHA-256(0x01 ‖ left ‖ right)`.
 * `left` and `right` MUST be 32 bytes each (throws INTERNAL otherwise: a
 * caller bug, never attacker input, which verify.ts checks first).
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new LogError('INTERNAL', `couldn't hash node: children are ${left.length} and ${right.length} bytes, not 32`);
  }
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return hash('sha256', nodeScratch, 'buffer');
}

/**
 * Node hash of two adjacent hashes stored contiguously in `buf` at byte
 * offset `at` (left at `at`, right at `at + 32`). Internal to the merkle
 * module: tiles store sibling pairs next to each other, so this saves a copy.
 */
export function nodeHashOfPair(buf: Uint8Array, at: number): Uint8Array {
  nodeScratch.set(buf.subarray(at, at + 2 * HASH_SIZE), 1);
  return hash('sha256', nodeScratch, 'buffer');
}

/** RFC 6962 §2.1 `MTH({})`: SHA-256 of the empty string (`e3b0c442…b855`). Do not mutate. */
export const EMPTY_ROOT: Uint8Array = hash('sha256', Buffer.alloc(0), 'buffer');

/** RFC 6962 hashing on node:crypto, for the code shared with the portable client (rfc9162.ts). */
export const nodeHasher: MerkleHasher = { leafHash, nodeHash, emptyRoot: EMPTY_ROOT };
