/**
 * The JSON object of an internal request body (a forwarded batch, a relayed
 * admin request): authenticated already, parsed defensively all the same.
 * Pure; never throws anything but what `bad` makes.
 */
import type { LogError } from '../errors.js';

/** The object `raw` (UTF-8 JSON, RFC 8259) holds; throws `bad('not JSON')` or `bad('not an object')`. */
export function parseJsonObject(raw: Uint8Array, bad: (what: string) => LogError): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch {
    throw bad('not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('not an object');
  return v as Record<string, unknown>;
}
