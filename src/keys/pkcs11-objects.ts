/**
 * Token objects: finding them by template, reading their attributes, and
 * the public key (DER SubjectPublicKeyInfo) of a public-key object (EC
 * CKA_EC_PARAMS/CKA_EC_POINT, PKCS#11 v2.40 §2.3.3; Ed25519 as EC_EDWARDS,
 * v3.0 §2.3.10; RSA CKA_MODULUS/CKA_PUBLIC_EXPONENT, §2.1.2, also present on
 * an RSA private key) or of a certificate object (CKA_VALUE, X.509 DER).
 */
import { X509Certificate, createPublicKey } from 'node:crypto';
import type * as Pkcs11js from 'pkcs11js';
import { LogError, describeError } from '../errors.js';
import { ecSpki, ed25519Spki } from './ec-encoding.js';
import type { Handle } from './pkcs11-module.js';
import type { TokenSession } from './pkcs11-token.js';
import type { Pkcs11Uri } from './types.js';

/** PKCS#11 v3.0 CKK_EC_EDWARDS, which pkcs11js (a v2.40 binding) does not name. */
export const CKK_EC_EDWARDS = 0x40;

/** `"label" id 0a0b…`, for messages. */
export function describeObject(uri: Pkcs11Uri): string {
  return [uri.object === undefined ? '' : `"${uri.object}"`, uri.id === undefined ? '' : `id ${Buffer.from(uri.id).toString('hex')}`].filter((s) => s !== '').join(' ');
}

/** The objects matching `template` in the token. */
export function findObjects(token: TokenSession, template: Pkcs11js.Template): Handle[] {
  const { p11 } = token.module;
  p11.C_FindObjectsInit(token.session, template);
  try {
    return p11.C_FindObjects(token.session, 16);
  } finally {
    p11.C_FindObjectsFinal(token.session);
  }
}

/** Reads attributes of `object`; each value is a Buffer. */
export function readAttributes(token: TokenSession, object: Handle, types: number[]): Buffer[] {
  const got = token.module.p11.C_GetAttributeValue(token.session, object, types.map((type) => ({ type })));
  return got.map((a) => (Buffer.isBuffer(a.value) ? a.value : Buffer.alloc(0)));
}

/** CKA_KEY_TYPE of a key object (a CK_ULONG, 8 or 4 bytes). */
export function keyTypeOf(token: TokenSession, key: Handle): number {
  const [keyType] = readAttributes(token, key, [token.module.binding.CKA_KEY_TYPE]) as [Buffer];
  return keyType.length >= 8 ? Number(keyType.readBigUInt64LE(0)) : keyType.readUInt32LE(0);
}

/** The SPKI of an EC or Ed25519 public-key object, or of an RSA key object. KEY_INVALID for other key types. */
export function keyObjectSpki(token: TokenSession, key: Handle, what: string): Uint8Array {
  const b = token.module.binding;
  const type = keyTypeOf(token, key);
  if (type === b.CKK_EC || type === CKK_EC_EDWARDS) {
    const [params, point] = readAttributes(token, key, [b.CKA_EC_PARAMS, b.CKA_EC_POINT]) as [Buffer, Buffer];
    return type === b.CKK_EC ? ecSpki(params, point) : ed25519Spki(params, point);
  }
  if (type === b.CKK_RSA) {
    const [n, e] = readAttributes(token, key, [b.CKA_MODULUS, b.CKA_PUBLIC_EXPONENT]) as [Buffer, Buffer];
    const jwk = { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') };
    return new Uint8Array(createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' }));
  }
  throw new LogError('KEY_INVALID', `${what} has key type 0x${type.toString(16)}; Cairn uses EC (P-256, P-384), Ed25519 or RSA keys in tokens`);
}

/** The SPKI of a certificate object's key. */
export function certificateSpki(token: TokenSession, cert: Handle, what: string): Uint8Array {
  const [der] = readAttributes(token, cert, [token.module.binding.CKA_VALUE]) as [Buffer];
  try {
    return new Uint8Array(new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' }));
  } catch (err) {
    throw new LogError('KEY_INVALID', `the certificate ${what} in token "${token.label}" does not parse: ${describeError(err)}`);
  }
}
