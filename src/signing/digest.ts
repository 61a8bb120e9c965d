/**
 * OCI content digests (`sha256:<64 lowercase hex>`, OCI image-spec
 * "Digests"): the only algorithm the signature formats use.
 */
import { createHash } from 'node:crypto';
import { LogError } from '../errors.js';

/** A `sha256:<hex>` digest string. */
export type Sha256Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** `sha256:<hex>` of `bytes`. */
export function sha256Digest(bytes: Uint8Array): Sha256Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** True for a well-formed `sha256:<64 lowercase hex>`. */
export function isSha256Digest(value: unknown): value is Sha256Digest {
  return typeof value === 'string' && DIGEST_RE.test(value);
}

/** The 64 hex digits of a digest; throws ARTIFACT_INVALID for anything but `sha256:<64 hex>`. */
export function digestHex(digest: string): string {
  if (!isSha256Digest(digest)) throw new LogError('ARTIFACT_INVALID', `${JSON.stringify(digest.slice(0, 80))} is not a sha256:<64 hex> digest`);
  return digest.slice('sha256:'.length);
}
