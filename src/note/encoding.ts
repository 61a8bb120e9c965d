/**
 * Small byte-level helpers shared by the signed-note modules: strict standard
 * base64 (RFC 4648 §4, padded), key-name validation and big-endian integers.
 * Internal to `src/note/`; not exported from the barrel. Portable: the
 * platform's atob/btoa (Node ≥ 16 and browsers), no Buffer.
 */

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard padded base64 (RFC 4648 §4), returning undefined for
 * anything else. Non-canonical encodings (non-zero padding bits) are rejected
 * too, so one byte string has exactly one textual form: duplicate detection
 * on signature lines then cannot be dodged by re-encoding.
 */
export function decodeBase64(s: string): Uint8Array | undefined {
  if (!BASE64_RE.test(s)) return undefined;
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  if (encodeBase64(bytes) !== s) return undefined;
  return bytes;
}

/** Standard padded base64 (RFC 4648 §4). */
export function encodeBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Lowercase hex. */
export function encodeHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Lowercase 8-hex-digit form of a uint32 key ID, as in vkeys and x/mod private key strings. */
export function keyIdHex(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

// Exactly Go's unicode.IsSpace, which x/mod's isValidName uses.
const UNICODE_SPACE_RE = /[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;

/**
 * True when `name` is a valid signed-note key name (c2sp.org/signed-note
 * "Signatures"): non-empty, well-formed Unicode, no Unicode spaces, no '+'.
 */
export function isValidKeyName(name: string): boolean {
  return name !== '' && isWellFormed(name) && !UNICODE_SPACE_RE.test(name) && !name.includes('+');
}

/** True when `s` has no lone UTF-16 surrogates, i.e. it can be encoded as UTF-8. */
export function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** True when `n` is an integer in [0, 2^32). */
export function isUint32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** `n` as 4 big-endian bytes; `n` MUST be a uint32. */
export function uint32BE(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

/** The big-endian uint32 at `bytes[offset..offset+4)`; the caller checks the length. */
export function readUint32BE(bytes: Uint8Array, offset = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
