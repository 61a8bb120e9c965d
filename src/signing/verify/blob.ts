/** Fetched content against its descriptor (OCI image-spec "Descriptors": digest and size). */
import { sha256Digest } from '../digest.js';
import type { Descriptor } from '../oci-descriptor.js';
import { refuse } from './verdict.js';

/** Refuses BLOB_DIGEST_MISMATCH unless `bytes` has the descriptor's size and sha256 digest. */
export function checkBlob(descriptor: Descriptor, bytes: Uint8Array, what: string): void {
  if (bytes.length !== descriptor.size) refuse('BLOB_DIGEST_MISMATCH', `${what} is ${bytes.length} bytes, its descriptor says ${descriptor.size}`);
  const actual = sha256Digest(bytes);
  if (actual !== descriptor.digest) refuse('BLOB_DIGEST_MISMATCH', `${what} hashes to ${actual}, its descriptor says ${descriptor.digest}`);
}
