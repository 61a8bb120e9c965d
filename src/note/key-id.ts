/**
 * The two key-ID conventions a log's checkpoint lines use, with the
 * caller's SHA-256 (node:crypto on the server, @noble/hashes in the
 * browser-safe client), so both compute them from one definition:
 * - C2SP (c2sp.org/signed-note "Signatures"): the first 4 bytes, big-endian,
 *   of SHA-256(name ‖ 0x0A ‖ type ‖ public key), `type` the signature type
 *   byte (0x01 Ed25519, 0x04 cosignature);
 * - Rekor's key hint (rekor-v1.md §5): the first 4 bytes of SHA-256 of the
 *   key's DER SubjectPublicKeyInfo, i.e. of the logID.
 * Pure and portable: no node: imports.
 */
import { concatBytes, readUint32BE } from './encoding.js';

/** SHA-256 of `data`, from whichever implementation the caller has. */
export type Sha256 = (data: Uint8Array) => Uint8Array;

/** The C2SP key ID of `publicKey` under `name` and signature type `type`. Throws RangeError when `type` is not a byte. */
export function c2spKeyIdWith(sha256: Sha256, name: string, type: number, publicKey: Uint8Array): number {
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`signature type ${type} is not a byte`);
  return readUint32BE(sha256(concatBytes(new TextEncoder().encode(name), new Uint8Array([0x0a, type]), publicKey)));
}

/** Rekor's checkpoint key hint of the key whose DER SPKI is `spkiDer`. */
export function rekorKeyHintWith(sha256: Sha256, spkiDer: Uint8Array): number {
  return readUint32BE(sha256(spkiDer));
}
