/**
 * Byte encodings for the client, with the platform's globals only (atob,
 * btoa, TextEncoder), so the client runs unchanged in a browser. Decoders are
 * strict: what the log sends is attacker-controlled until verified.
 */

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Standard padded base64 → bytes; undefined when `text` is not exactly that. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || !STD_BASE64.test(text)) return undefined;
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Bytes → standard padded base64. */
export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Hex (either case) → bytes; undefined when `text` is not hex of whole bytes. */
export function fromHex(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || !HEX.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Bytes → lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
