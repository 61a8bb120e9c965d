/**
 * Verifier keys (c2sp.org/signed-note "Verifier keys") as the client pins
 * them: the log's note key (type 0x01, Ed25519 note signatures, served at
 * `/api/v1/log/vkey`) and witnesses' cosignature keys (type 0x04,
 * c2sp.org/tlog-cosignature).
 */
import { LogError } from '../errors.js';
import { SIG_TYPE_COSIGNATURE, SIG_TYPE_ED25519, keyIdHex, splitVkey } from '../note/portable.js';
import { c2spKeyId } from './log-key.js';

/** A parsed, checked verifier key. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  /** 0x01: signs notes (a log's note key); 0x04: cosigns checkpoints (a witness). */
  readonly type: typeof SIG_TYPE_ED25519 | typeof SIG_TYPE_COSIGNATURE;
  /** 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The vkey string it was parsed from. */
  readonly vkey: string;
}

/**
 * Parses `<name>+<key ID>+<base64(type ‖ key)>`, checking the key ID against
 * SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4]. Types 0x01 and 0x04 with a 32-byte
 * Ed25519 key only. Throws LogError('NOTE_INVALID').
 */
export function parseVerifierKey(vkey: string): VerifierKey {
  const parts = splitVkey(vkey.trim());
  const bad = (why: string): LogError => new LogError('NOTE_INVALID', `couldn't parse verifier key ${parts.name}: ${why}`);
  if (parts.type !== SIG_TYPE_ED25519 && parts.type !== SIG_TYPE_COSIGNATURE) throw bad(`unsupported key type 0x${parts.type.toString(16)}`);
  if (parts.publicKey.length !== 32) throw bad(`Ed25519 key must be 32 bytes, got ${parts.publicKey.length}`);
  if (parts.keyId !== c2spKeyId(parts.name, parts.type, parts.publicKey)) throw bad(`key ID ${keyIdHex(parts.keyId)} does not match the key`);
  return { name: parts.name, keyId: parts.keyId, type: parts.type, publicKey: parts.publicKey, vkey: vkey.trim() };
}
