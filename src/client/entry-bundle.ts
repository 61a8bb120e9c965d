/**
 * Entry bundles (c2sp.org/tlog-tiles "Log entries"): a tile of up to 256
 * entries, each a big-endian uint16 length and that many bytes. Parsed
 * strictly: what the log sends is attacker-controlled until each entry is
 * hashed to its leaf in the level-0 tile (the caller's check).
 */
import { LogError } from '../errors.js';

/** Largest entry bundle read: 256 entries of the largest size (2 + 65,535 bytes) with room to spare. */
export const MAX_BUNDLE_BYTES = 20 * 1024 * 1024;

/** The `count` entries of bundle `bytes`. Throws LOG_RESPONSE_INVALID when it is truncated or holds another count. */
export function parseEntryBundle(bytes: Uint8Array, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) throw new LogError('LOG_RESPONSE_INVALID', 'entry bundle is truncated');
    const n = (bytes[at] ?? 0) * 256 + (bytes[at + 1] ?? 0);
    if (at + 2 + n > bytes.length) throw new LogError('LOG_RESPONSE_INVALID', 'entry bundle is truncated');
    out.push(bytes.subarray(at + 2, at + 2 + n));
    at += 2 + n;
  }
  if (out.length !== count) throw new LogError('LOG_RESPONSE_INVALID', `entry bundle has ${out.length} entries, expected ${count}`);
  return out;
}

/** The bytes of the first `count` entries of a (full) bundle; stops early on a truncated one, which the parser then refuses. */
export function bundlePrefix(bundle: Uint8Array, count: number): Uint8Array {
  let at = 0;
  for (let i = 0; i < count && at + 2 <= bundle.length; i++) at += 2 + ((bundle[at] ?? 0) * 256 + (bundle[at + 1] ?? 0));
  return bundle.subarray(0, Math.min(at, bundle.length));
}
