/**
 * The text of C2SP verifier keys (c2sp.org/signed-note "Verifier keys"):
 * `<name>+<8 hex key ID>+<base64(type ‖ public key)>`, split and checked for
 * syntax. Checking the key ID against the key needs SHA-256, which the caller
 * brings (key-strings.ts node:crypto, the portable client @noble/hashes).
 * Portable: no node: imports.
 */
import { LogError } from '../errors.js';
import { decodeBase64, isValidKeyName } from './encoding.js';

/** Signature type byte for Ed25519 note signatures (c2sp.org/signed-note "Signature types"). */
export const SIG_TYPE_ED25519 = 0x01;
/** Signature type byte for timestamped Ed25519 cosignatures (c2sp.org/tlog-cosignature). */
export const SIG_TYPE_COSIGNATURE = 0x04;

/** A verifier key's parts; the key ID is as written, not yet checked against the key. */
export interface VkeyParts {
  readonly name: string;
  readonly keyId: number;
  /** The signature type byte (0x01 Ed25519, 0x04 cosignature, …). */
  readonly type: number;
  /** The public key bytes after the type byte. */
  readonly publicKey: Uint8Array;
}

const HEX8_RE = /^[0-9a-fA-F]{8}$/;

/**
 * Splits a verifier key on its first two '+' (the base64 part may contain
 * '+') and checks the syntax of each part. Throws LogError('NOTE_INVALID').
 */
export function splitVkey(vkey: string): VkeyParts {
  const [name, hex, b64] = splitPlus(vkey, 2);
  if (name === undefined || hex === undefined || b64 === undefined) throw badVkey('want <name>+<key ID>+<key>');
  if (!isValidKeyName(name)) throw badVkey(`invalid key name ${JSON.stringify(name)}`);
  if (!HEX8_RE.test(hex)) throw badVkey('key ID must be 8 hex digits');
  const key = decodeBase64(b64);
  if (key === undefined || key.length < 2) throw badVkey('bad base64 key');
  return { name, keyId: Number.parseInt(hex, 16), type: key[0] ?? 0, publicKey: key.slice(1) };
}

/**
 * A verifier key of an Ed25519 note key (type 0x01) or witness cosignature
 * key (type 0x04): split, its type and 32-byte length checked, and its key
 * ID checked against `keyIdOf` (the C2SP key ID with the caller's SHA-256).
 * Throws LogError('NOTE_INVALID').
 */
export function checkedVkey(
  vkey: string,
  keyIdOf: (name: string, type: number, publicKey: Uint8Array) => number,
): VkeyParts & { readonly type: typeof SIG_TYPE_ED25519 | typeof SIG_TYPE_COSIGNATURE } {
  const parts = splitVkey(vkey);
  const { name, type, publicKey } = parts;
  if (type !== SIG_TYPE_ED25519 && type !== SIG_TYPE_COSIGNATURE) throw badVkey(`${name}: unsupported key type 0x${type.toString(16)}`);
  if (publicKey.length !== 32) throw badVkey(`${name}: Ed25519 key must be 32 bytes, got ${publicKey.length}`);
  if (parts.keyId !== keyIdOf(name, type, publicKey)) throw badVkey(`${name}: key ID does not match the key`);
  return { ...parts, type };
}

/** Splits at the first `n` '+' signs: at most n + 1 parts, the last holding any further '+'. */
export function splitPlus(s: string, n: number): (string | undefined)[] {
  const parts: string[] = [];
  let rest = s;
  for (let i = 0; i < n; i++) {
    const at = rest.indexOf('+');
    if (at < 0) break;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts.length === n + 1 ? parts : [];
}

export function badVkey(why: string): LogError<'NOTE_INVALID'> {
  return new LogError('NOTE_INVALID', `couldn't parse verifier key: ${why}`);
}
