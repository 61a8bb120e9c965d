/**
 * What RFC 6962 §2.1 hashing needs, independent of where SHA-256 comes from:
 * the server binds it to node:crypto (hash.ts, the sequencer's hot path),
 * the browser-safe client to @noble/hashes. Portable: no node: imports.
 */

/** Length in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

/** RFC 6962 §2.1 hashing with one SHA-256 implementation. Every function returns a fresh array. */
export interface MerkleHasher {
  /** `SHA-256(0x00 ‖ data)`. */
  leafHash(data: Uint8Array): Uint8Array;
  /** `SHA-256(0x01 ‖ left ‖ right)`; both MUST be 32 bytes. */
  nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array;
  /** `MTH({})`: SHA-256 of the empty string. Do not mutate. */
  readonly emptyRoot: Uint8Array;
}

/** Byte equality of two hashes (public data, so no constant-time requirement). */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lowercase hex of a hash, for messages. */
export function hashHex(h: Uint8Array): string {
  let s = '';
  for (const b of h) s += b.toString(16).padStart(2, '0');
  return s;
}
