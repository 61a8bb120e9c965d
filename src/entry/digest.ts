/** Hashing helpers: SHA-2 digests, the RFC 6962 leaf hash and the entry UUID. */
import { createHash } from 'node:crypto';
import { LogError } from '../errors.js';

/** The digest algorithms entries may name. */
export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** Digest length in bytes of each algorithm. */
export const DIGEST_BYTES: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** `alg` digest of `data`. */
export function digest(alg: HashAlgorithm, ...data: Uint8Array[]): Buffer {
  const h = createHash(alg);
  for (const d of data) h.update(d);
  return h.digest();
}

/** SHA-256 of `data`, lowercase hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const LEAF_PREFIX = Uint8Array.of(0x00);

/** RFC 6962 §2.1 leaf hash: SHA-256(0x00 ‖ body). */
export function leafHashOf(body: Uint8Array): Uint8Array {
  return new Uint8Array(digest('sha256', LEAF_PREFIX, body));
}

/**
 * The entry UUID: the leaf hash in lowercase hex (64 characters). Throws
 * LogError('INTERNAL') when `leafHash` is not 32 bytes (a caller bug).
 */
export function entryUuid(leafHash: Uint8Array): string {
  if (leafHash.length !== 32) {
    throw new LogError('INTERNAL', `couldn't format entry UUID: leaf hash has ${leafHash.length} bytes, not 32`);
  }
  return Buffer.from(leafHash.buffer, leafHash.byteOffset, leafHash.byteLength).toString('hex');
}
