/**
 * Text encodings of note keys: C2SP verifier keys (c2sp.org/signed-note
 * "Verifier keys": `<name>+<8 hex key ID>+<base64(type ‖ public key)>`) and
 * Go x/mod private key strings (`PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 ‖ seed)>`,
 * not part of C2SP but what note.NewSigner, Tessera and Sunlight tooling use).
 */
import type { KeyObject } from 'node:crypto';
import { LogError } from '../errors.js';
import { type CosignatureVerifier, ed25519CosignatureVerifier } from './cosignature.js';
import { concatBytes, decodeBase64, encodeBase64, isValidKeyName } from './encoding.js';
import {
  c2spKeyId,
  ed25519KeyFromSeed,
  ed25519NoteVerifier,
  ed25519PublicKeyBytes,
  ed25519Seed,
  keyIdHex,
  SIG_TYPE_COSIGNATURE,
  SIG_TYPE_ED25519,
} from './keys.js';
import type { NoteVerifier } from './note.js';
import { checkedVkey, splitPlus } from './vkey-text.js';

/** A parsed x/mod private key string. */
export interface NotePrivateKey {
  readonly name: string;
  /** C2SP key ID (type 0x01) of the key's public half. */
  readonly keyId: number;
  /** Ed25519 private KeyObject. */
  readonly privateKey: KeyObject;
}

const HEX8_RE = /^[0-9a-fA-F]{8}$/;

/**
 * Formats a verifier key `<name>+<key ID hex>+<base64(type ‖ publicKey)>`
 * with the C2SP key ID for `type`. Throws LogError('NOTE_INVALID') for an
 * invalid name.
 */
export function formatVkey(name: string, type: number, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new LogError('NOTE_INVALID', `couldn't format verifier key: invalid key name ${JSON.stringify(name)}`);
  const keyId = c2spKeyId(name, type, publicKey);
  return `${name}+${keyIdHex(keyId)}+${encodeBase64(concatBytes(new Uint8Array([type]), publicKey))}`;
}

/**
 * Parses a verifier key into a NoteVerifier. Splits on the first two '+' only
 * (the base64 part may contain '+'), checks the key ID against
 * SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4], and supports type 0x01 (Ed25519 note
 * signatures) and 0x04 (timestamped Ed25519 cosignatures: the result is then a
 * {@link CosignatureVerifier}). Throws LogError('NOTE_INVALID') otherwise.
 */
export function parseVkey(vkey: string): NoteVerifier {
  const { name, type, publicKey } = checkedVkey(vkey, c2spKeyId);
  return type === SIG_TYPE_ED25519 ? ed25519NoteVerifier(name, publicKey, 'c2sp') : ed25519CosignatureVerifier(name, publicKey);
}

/** True when `v` checks timestamped cosignatures (type 0x04), e.g. a parseVkey result. */
export function isCosignatureVerifier(v: NoteVerifier): v is CosignatureVerifier {
  return (v as Partial<CosignatureVerifier>).type === SIG_TYPE_COSIGNATURE && typeof (v as Partial<CosignatureVerifier>).timestampOf === 'function';
}

/**
 * Parses `PRIVATE+KEY+<name>+<key ID hex>+<base64(0x01 ‖ 32-byte seed)>` and
 * checks the key ID against the derived public key, as x/mod note.NewSigner
 * does. Throws LogError('NOTE_INVALID') (never quoting the key material).
 */
export function parsePrivateKeyString(skey: string): NotePrivateKey {
  const [p1, p2, name, hex, b64] = splitPlus(skey, 4);
  if (p1 !== 'PRIVATE' || p2 !== 'KEY' || name === undefined || hex === undefined || b64 === undefined) {
    throw badSkey('want PRIVATE+KEY+<name>+<key ID>+<key>');
  }
  if (!isValidKeyName(name)) throw badSkey(`invalid key name ${JSON.stringify(name)}`);
  if (!HEX8_RE.test(hex)) throw badSkey('key ID must be 8 hex digits');
  const key = decodeBase64(b64);
  if (key === undefined || key.length !== 33 || key[0] !== SIG_TYPE_ED25519) throw badSkey('key must be base64 of 0x01 ‖ 32-byte Ed25519 seed');
  const privateKey = ed25519KeyFromSeed(key.subarray(1));
  const keyId = c2spKeyId(name, SIG_TYPE_ED25519, ed25519PublicKeyBytes(privateKey));
  if (Number.parseInt(hex, 16) !== keyId) throw badSkey('key ID does not match the key');
  return { name, keyId, privateKey };
}

/** Formats an Ed25519 private key as an x/mod private key string under `name`. */
export function formatPrivateKeyString(name: string, privateKey: KeyObject): string {
  if (!isValidKeyName(name)) throw badSkey(`invalid key name ${JSON.stringify(name)}`);
  const keyId = c2spKeyId(name, SIG_TYPE_ED25519, ed25519PublicKeyBytes(privateKey));
  const seed = concatBytes(new Uint8Array([SIG_TYPE_ED25519]), ed25519Seed(privateKey));
  return `PRIVATE+KEY+${name}+${keyIdHex(keyId)}+${encodeBase64(seed)}`;
}



function badSkey(why: string): LogError<'NOTE_INVALID'> {
  return new LogError('NOTE_INVALID', `couldn't parse private key string: ${why}`);
}
