/**
 * The client's cryptography, with what every browser and Node ≥ 20 has:
 * SHA-256 from @noble/hashes, Ed25519 (RFC 8032) from @noble/ed25519, and
 * ECDSA P-256 through WebCrypto (`crypto.subtle`, a global in both). Every
 * verification resolves to a boolean and never throws: inputs come from the
 * log and are attacker-controlled.
 */
import { verifyAsync as ed25519VerifyAsync } from '@noble/ed25519';
import { sha256 } from '@noble/hashes/sha2.js';
import { proofVerifier, type MerkleHasher } from '../merkle/portable.js';
import { concatBytes as concat } from '../note/portable.js';

export { sha256 };

const EMPTY = new Uint8Array(0);

/** RFC 6962 §2.1 hashing on @noble/hashes. */
export const nobleHasher: MerkleHasher = {
  leafHash: (data) => sha256(concat(new Uint8Array([0x00]), data)),
  nodeHash: (left, right) => sha256(concat(new Uint8Array([0x01]), left, right)),
  emptyRoot: sha256(EMPTY),
};

/** RFC 9162 proof verification (src/merkle/rfc9162.ts) with @noble/hashes. Throws PROOF_INVALID. */
export const proofs = proofVerifier(nobleHasher);

/** RFC 8032 Ed25519 (strict, not ZIP-215) of `sig` over `msg` under the 32-byte key `publicKey`. */
export async function verifyEd25519(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): Promise<boolean> {
  if (publicKey.length !== 32 || sig.length !== 64) return false;
  try {
    return await ed25519VerifyAsync(sig, msg, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * ECDSA P-256 of an ASN.1 DER signature over SHA-256(`msg`) (what Rekor and
 * Cairn sign SETs and checkpoints with), under the key whose DER
 * SubjectPublicKeyInfo is `spki`. WebCrypto wants the signature as r ‖ s
 * (IEEE P1363), so the DER is converted first; a malformed one is false.
 */
export async function verifyEcdsaP256(spki: Uint8Array, msg: Uint8Array, derSig: Uint8Array): Promise<boolean> {
  return verifyEcdsaP256With(importEcdsaP256(spki), msg, derSig);
}

/** A key imported into WebCrypto (the global `crypto.subtle`'s CryptoKey, typed without the DOM library). */
export type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/**
 * The WebCrypto key of a P-256 SubjectPublicKeyInfo, for
 * {@link verifyEcdsaP256With}: importing costs several times a
 * verification, so a key that verifies often (LogKey) imports once.
 * Undefined when WebCrypto refuses the key.
 */
export async function importEcdsaP256(spki: Uint8Array): Promise<WebCryptoKey | undefined> {
  try {
    return await crypto.subtle.importKey('spki', new Uint8Array(spki), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  } catch {
    return undefined;
  }
}

/** {@link verifyEcdsaP256} with a key imported by {@link importEcdsaP256}. */
export async function verifyEcdsaP256With(key: Promise<WebCryptoKey | undefined>, msg: Uint8Array, derSig: Uint8Array): Promise<boolean> {
  const raw = derToP1363(derSig, 32);
  const k = await key;
  if (raw === undefined || k === undefined) return false;
  try {
    return await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, k, raw, new Uint8Array(msg));
  } catch {
    return false;
  }
}

/**
 * `SEQUENCE { INTEGER r, INTEGER s }` (DER, minimal lengths) → r ‖ s, each
 * left-padded to `size` bytes; undefined for anything else.
 */
export function derToP1363(der: Uint8Array, size: number): Uint8Array<ArrayBuffer> | undefined {
  if (der.length < 8 || der[0] !== 0x30) return undefined;
  let at = 2;
  const seqLen = der[1] ?? 0;
  if (seqLen & 0x80) {
    if (seqLen !== 0x81) return undefined;
    at = 3;
    if ((der[2] ?? 0) < 0x80 || der[2] !== der.length - 3) return undefined;
  } else if (seqLen !== der.length - 2) return undefined;
  const out = new Uint8Array(2 * size);
  for (let i = 0; i < 2; i++) {
    if (der[at] !== 0x02) return undefined;
    const len = der[at + 1] ?? 0;
    if (len === 0 || len > size + 1 || at + 2 + len > der.length) return undefined;
    let int = der.subarray(at + 2, at + 2 + len);
    if ((int[0] ?? 0) & 0x80) return undefined; // negative
    if (int[0] === 0 && len > 1 && !((int[1] ?? 0) & 0x80)) return undefined; // not minimal
    if (int[0] === 0 && len > 1) int = int.subarray(1);
    if (int.length > size) return undefined;
    out.set(int, (i + 1) * size - int.length);
    at += 2 + len;
  }
  return at === der.length ? out : undefined;
}
