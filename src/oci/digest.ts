/**
 * Content digests (image-spec descriptor.md "Digests"). Only sha256 is
 * produced or accepted: it is the one algorithm every registry and every
 * signature format here uses.
 */
import { createHash } from 'node:crypto';
import { LogError } from '../errors.js';

const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

/** `sha256:<hex>` of `bytes`. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** True when `text` is `sha256:` followed by 64 lowercase hex digits. */
export function isSha256Digest(text: string): boolean {
  return SHA256_DIGEST.test(text);
}

/** Throws REGISTRY_PROTOCOL unless `digest` is a sha256 digest; `what` names it in the message. */
export function requireSha256Digest(digest: unknown, what: string): string {
  if (typeof digest !== 'string' || !SHA256_DIGEST.test(digest)) {
    throw new LogError('REGISTRY_PROTOCOL', `couldn't use ${what}: ${JSON.stringify(digest)} is not a sha256 digest`);
  }
  return digest;
}

/**
 * The referrers tag schema's tag for `digest` (distribution-spec spec.md
 * "Referrers Tag Schema"): `<alg>-<ref>`, alg cut to 32 and ref to 64
 * characters, every character outside `[a-zA-Z0-9._-]` replaced by `-`.
 */
export function fallbackTag(digest: string): string {
  const colon = digest.indexOf(':');
  if (colon <= 0) throw new LogError('REGISTRY_PROTOCOL', `couldn't make a referrers tag: "${digest}" is not a digest`);
  const clean = (s: string): string => s.replace(/[^a-zA-Z0-9._-]/g, '-');
  return `${clean(digest.slice(0, colon).slice(0, 32))}-${clean(digest.slice(colon + 1).slice(0, 64))}`;
}
