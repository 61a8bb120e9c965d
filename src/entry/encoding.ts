/**
 * Strict text encodings for attacker-controlled fields. Node's own decoders
 * are lenient (they skip invalid characters), so every decode here validates
 * the whole string first: what is accepted is exactly what was meant.
 */
import { invalid } from './fields.js';

const STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_SAFE = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;
const STD_UNPADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2,3})?$/;
const HEX = /^[0-9a-fA-F]*$/;

/**
 * Decode standard, padded base64 (Go's `base64.StdEncoding`, which also skips
 * CR and LF). Throws ENTRY_INVALID naming `field`; `nonEmpty` rejects "".
 */
export function decodeBase64Std(text: string, field: string, nonEmpty = true): Buffer {
  const compact = text.includes('\n') || text.includes('\r') ? text.replace(/[\r\n]/g, '') : text;
  if (!STD.test(compact)) throw invalid(field, 'not valid standard base64');
  return checkedDecode(compact, 'base64', field, nonEmpty);
}

/**
 * Decode base64 as DSSE allows it: standard or URL-safe alphabet, padding
 * optional (but correct when present). Throws ENTRY_INVALID naming `field`.
 */
export function decodeBase64Dsse(text: string, field: string, nonEmpty = true): Buffer {
  if (STD.test(text) || STD_UNPADDED.test(text)) return checkedDecode(text, 'base64', field, nonEmpty);
  if (URL_SAFE.test(text)) return checkedDecode(text, 'base64url', field, nonEmpty);
  throw invalid(field, 'not valid base64');
}

/** Decode hex of exactly `bytes` bytes (either case). Throws ENTRY_INVALID naming `field`. */
export function decodeHex(text: string, bytes: number, field: string): Buffer {
  if (text.length !== bytes * 2) {
    throw invalid(field, `expected ${bytes * 2} hex characters, got ${text.length}`);
  }
  if (!HEX.test(text)) throw invalid(field, 'not valid hex');
  return Buffer.from(text, 'hex');
}

/** Standard padded base64 of `bytes`. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function checkedDecode(text: string, enc: 'base64' | 'base64url', field: string, nonEmpty: boolean): Buffer {
  const out = Buffer.from(text, enc);
  if (nonEmpty && out.length === 0) throw invalid(field, 'must not be empty');
  return out;
}
