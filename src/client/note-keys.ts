/**
 * Verifier keys (c2sp.org/signed-note "Verifier keys") as the client pins
 * them: the log's note key (type 0x01, Ed25519 note signatures, served at
 * `/api/v1/log/vkey`) and witnesses' cosignature keys (type 0x04,
 * c2sp.org/tlog-cosignature).
 */
import { checkedVkey, type SIG_TYPE_COSIGNATURE, type SIG_TYPE_ED25519 } from '../note/portable.js';
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
  const { name, keyId, type, publicKey } = checkedVkey(vkey.trim(), c2spKeyId);
  return { name, keyId, type, publicKey, vkey: vkey.trim() };
}
