/**
 * Ed25519 keys for signed notes and the two key-ID conventions a log's
 * checkpoint must satisfy: C2SP's (c2sp.org/signed-note "Signatures",
 * `SHA-256(name ‖ 0x0A ‖ type ‖ pubkey)[:4]`) for Go's x/mod, witnesses and
 * tlog-tiles clients, and Rekor's key hint (`SHA-256(DER SPKI)[:4]`, the first
 * 4 bytes of the logID) for sigstore clients. Uses node:crypto KeyObjects
 * (native speed); pure otherwise.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { LogError } from '../errors.js';
import { SIG_TYPE_COSIGNATURE, SIG_TYPE_ED25519 } from './vkey-text.js';
import { isValidKeyName, keyIdHex } from './encoding.js';
import { c2spKeyIdWith, rekorKeyHintWith } from './key-id.js';

export { keyIdHex };
import type { NoteSigner, NoteVerifier } from './note.js';

export { SIG_TYPE_COSIGNATURE, SIG_TYPE_ED25519 };

/**
 * Which key ID a note signer or verifier uses: 'c2sp' = C2SP key ID with type
 * 0x01; 'rekor' = Rekor v1 key hint over the DER SPKI. Both sign the raw note
 * text with Ed25519.
 */
export type KeyIdFlavor = 'c2sp' | 'rekor';

// RFC 8410 DER prefixes: PKCS#8 PrivateKeyInfo and SubjectPublicKeyInfo for id-Ed25519 (1.3.101.112).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * C2SP key ID: the first 4 bytes, big-endian, of
 * SHA-256(name ‖ 0x0A ‖ type ‖ publicKey) (c2sp.org/signed-note "Signatures").
 * `type` is the signature type byte (0x01 Ed25519, 0x04 cosignature).
 */
export function c2spKeyId(name: string, type: number, publicKey: Uint8Array): number {
  return c2spKeyIdWith(sha256, name, type, publicKey);
}

/** Rekor v1 checkpoint key hint: the first 4 bytes, big-endian, of SHA-256(DER SPKI) (rekor-v1.md §5). */
export function rekorKeyHint(spkiDer: Uint8Array): number {
  return rekorKeyHintWith(sha256, spkiDer);
}

function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

/** Rekor logID: 64 lowercase hex digits of SHA-256(DER SubjectPublicKeyInfo). */
export function logIdOf(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}

/**
 * An Ed25519 private KeyObject from a 32-byte RFC 8032 seed (the form x/mod
 * private key strings carry). Throws RangeError unless the seed is 32 bytes.
 */
export function ed25519KeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new RangeError(`Ed25519 seed must be 32 bytes, got ${seed.length}`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** An Ed25519 public KeyObject from its 32 raw bytes. Throws RangeError unless 32 bytes. */
export function ed25519PublicKeyFromBytes(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError(`Ed25519 public key must be 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The DER SubjectPublicKeyInfo of a key (a private key yields its public key's SPKI). */
export function spkiDer(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return new Uint8Array(pub.export({ format: 'der', type: 'spki' }));
}

/** The 32 raw public-key bytes of an Ed25519 key (public, or private → its public key). */
export function ed25519PublicKeyBytes(key: KeyObject): Uint8Array {
  assertEd25519(key);
  const der = spkiDer(key);
  return der.slice(der.length - 32);
}

/** The 32-byte seed of an Ed25519 private key (what x/mod private key strings carry). */
export function ed25519Seed(privateKey: KeyObject): Uint8Array {
  assertEd25519(privateKey);
  if (privateKey.type !== 'private') throw new RangeError('need an Ed25519 private key');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return new Uint8Array(der.subarray(der.length - 32));
}

/**
 * A note signer for an Ed25519 private key under key name `name`, with the
 * key ID of `flavor`. Signs the raw note text (RFC 8032, deterministic).
 * Throws LogError('NOTE_INVALID') for an invalid key name.
 */
export function ed25519NoteSigner(name: string, privateKey: KeyObject, flavor: KeyIdFlavor): NoteSigner {
  assertEd25519(privateKey);
  if (privateKey.type !== 'private') throw new RangeError('need an Ed25519 private key');
  checkName(name);
  const keyId = keyIdFor(name, privateKey, flavor);
  return {
    name,
    keyId,
    sign: (msg) => new Uint8Array(sign(null, msg, privateKey)),
  };
}

/**
 * A note verifier for an Ed25519 public key (KeyObject, a private key's public
 * half, or 32 raw bytes) under key name `name`, with the key ID of `flavor`.
 * Throws LogError('NOTE_INVALID') for an invalid key name.
 */
export function ed25519NoteVerifier(name: string, publicKey: KeyObject | Uint8Array, flavor: KeyIdFlavor): NoteVerifier {
  const pub = toPublicKey(publicKey);
  checkName(name);
  return {
    name,
    keyId: keyIdFor(name, pub, flavor),
    verify: (msg, sig) => verifyEd25519(pub, msg, sig),
  };
}

/**
 * A note verifier for a Rekor v1 log key of any type Cairn signs with, under
 * key name `name` and Rekor's key hint SHA-256(DER SPKI)[:4] (rekor-v1 §5):
 * Ed25519 verifies the raw note text (RFC 8032); ECDSA verifies an ASN.1 DER
 * signature over SHA-256 of it, as Rekor's ECDSA checkpoints are signed.
 * Throws LogError('NOTE_INVALID') for an invalid key name, RangeError for a
 * key that is neither Ed25519 nor EC.
 */
export function rekorNoteVerifier(name: string, publicKey: KeyObject): NoteVerifier {
  const pub = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  checkName(name);
  const type = pub.asymmetricKeyType;
  if (type !== 'ed25519' && type !== 'ec') throw new RangeError(`need an Ed25519 or EC key, got ${type ?? pub.type}`);
  return {
    name,
    keyId: rekorKeyHint(spkiDer(pub)),
    verify: (msg, sig) => (type === 'ed25519' ? verifyEd25519(pub, msg, sig) : verifyEcdsaSha256(pub, msg, sig)),
  };
}

/** ECDSA verification of an ASN.1 DER signature over SHA-256(msg) that never throws. */
function verifyEcdsaSha256(publicKey: KeyObject, msg: Uint8Array, sig: Uint8Array): boolean {
  try {
    return verify('sha256', msg, { key: publicKey, dsaEncoding: 'der' }, sig);
  } catch {
    return false;
  }
}

/** RFC 8032 Ed25519 verification that never throws: false for any malformed input. */
export function verifyEd25519(publicKey: KeyObject, msg: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== 64) return false;
  try {
    return verify(null, msg, publicKey, sig);
  } catch {
    return false;
  }
}

/** A public Ed25519 KeyObject from a KeyObject (public or private) or 32 raw bytes. */
export function toPublicKey(key: KeyObject | Uint8Array): KeyObject {
  if (key instanceof Uint8Array) return ed25519PublicKeyFromBytes(key);
  assertEd25519(key);
  return key.type === 'private' ? createPublicKey(key) : key;
}

function keyIdFor(name: string, key: KeyObject, flavor: KeyIdFlavor): number {
  switch (flavor) {
    case 'c2sp':
      return c2spKeyId(name, SIG_TYPE_ED25519, ed25519PublicKeyBytes(key));
    case 'rekor':
      return rekorKeyHint(spkiDer(key));
  }
}

function checkName(name: string): void {
  if (!isValidKeyName(name)) throw new LogError('NOTE_INVALID', `couldn't use key: invalid key name ${JSON.stringify(name)}`);
}

function assertEd25519(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ed25519') throw new RangeError(`need an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
}
