/**
 * Timestamped Ed25519 cosignatures (c2sp.org/tlog-cosignature v1.0.1), the
 * note signatures witnesses add to a checkpoint.
 *
 * A cosignature is a signature line `— <name> base64(keyID ‖ ts ‖ sig)` where
 * keyID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ pubkey)[:4], ts is a big-endian u64 of
 * POSIX seconds and sig is an Ed25519 signature over
 * `cosignature/v1\ntime <ts>\n<checkpoint text>`. Pure: time is a parameter.
 */
import { sign, type KeyObject } from 'node:crypto';
import { LogError } from '../errors.js';
import { concatBytes, isValidKeyName } from './encoding.js';
import { checkTimestamp, cosignatureMessage, splitTimestampedSignature } from './cosignature-message.js';

export { cosignatureMessage };
import {
  c2spKeyId,
  ed25519PublicKeyBytes,
  keyIdHex,
  SIG_TYPE_COSIGNATURE,
  toPublicKey,
  verifyEd25519,
} from './keys.js';
import { formatSignatureLine, parseSignatureLine, type NoteSignature, type NoteSigner, type NoteVerifier } from './note.js';

/** An Ed25519 cosigner key: signs cosignature messages. */
export interface Cosigner {
  readonly name: string;
  /** C2SP key ID with signature type 0x04. */
  readonly keyId: number;
  /** Ed25519-signs exactly `msg` (a {@link cosignatureMessage}); returns 64 bytes. */
  signMessage(msg: Uint8Array): Uint8Array;
}

/**
 * A note verifier for one cosigner key: `verify(text, sig)` checks a
 * timestamped signature blob (8-byte timestamp ‖ 64-byte signature) over the
 * checkpoint text, so it can be passed to openNote like any other verifier.
 */
export interface CosignatureVerifier extends NoteVerifier {
  /** Always 0x04: marks the verifier as checking timestamped cosignatures. */
  readonly type: typeof SIG_TYPE_COSIGNATURE;
  /** The timestamp (POSIX seconds) if `sig` is a valid cosignature of `text`, else undefined. Never throws. */
  timestampOf(text: Uint8Array, sig: Uint8Array): number | undefined;
}

const encoder = new TextEncoder();


/** A cosigner for an Ed25519 private key under key name `name` (key ID type 0x04). */
export function ed25519Cosigner(name: string, privateKey: KeyObject): Cosigner {
  if (!isValidKeyName(name)) throw new LogError('NOTE_INVALID', `couldn't use key: invalid key name ${JSON.stringify(name)}`);
  if (privateKey.type !== 'private') throw new RangeError('need an Ed25519 private key');
  return {
    name,
    keyId: c2spKeyId(name, SIG_TYPE_COSIGNATURE, ed25519PublicKeyBytes(privateKey)),
    signMessage: (msg) => new Uint8Array(sign(null, msg, privateKey)),
  };
}

/**
 * Cosigns `checkpointText` as of `timestampSec` and returns the signature
 * line (final newline included), ready to append to the checkpoint note or to
 * answer a tlog-witness add-checkpoint request.
 */
export function cosign(cosigner: Cosigner, checkpointText: string, timestampSec: number): string {
  return formatSignatureLine(cosigner.name, cosigner.keyId, timestampedSignature(cosigner, encoder.encode(checkpointText), timestampSec));
}

/**
 * A cosigner whose key signs asynchronously (a key in a PKCS#11 token):
 * the same name and type-0x04 key ID, Ed25519 over the cosignature message.
 */
export interface AsyncCosigner {
  readonly name: string;
  readonly keyId: number;
  signMessage(msg: Uint8Array): Promise<Uint8Array>;
}

/** {@link cosign} with a cosigner that may sign asynchronously; the same line. */
export async function cosignAsync(cosigner: Cosigner | AsyncCosigner, checkpointText: string, timestampSec: number): Promise<string> {
  const text = encoder.encode(checkpointText);
  const msg = cosignatureMessage(text, timestampSec);
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, BigInt(timestampSec), false);
  const sig = await cosigner.signMessage(msg);
  if (sig.length !== 64) throw new LogError('NOTE_INVALID', `couldn't cosign: the key returned a ${sig.length}-byte signature, not an Ed25519 one`);
  return formatSignatureLine(cosigner.name, cosigner.keyId, concatBytes(ts, sig));
}

/** Adapts a cosigner to a NoteSigner for signNote: every note it signs is cosigned as of `timestampSec`. */
export function cosignatureNoteSigner(cosigner: Cosigner, timestampSec: number): NoteSigner {
  checkTimestamp(timestampSec);
  return {
    name: cosigner.name,
    keyId: cosigner.keyId,
    sign: (text) => timestampedSignature(cosigner, text, timestampSec),
  };
}

/** A cosignature verifier for an Ed25519 public key (KeyObject or 32 raw bytes) under `name`. */
export function ed25519CosignatureVerifier(name: string, publicKey: KeyObject | Uint8Array): CosignatureVerifier {
  if (!isValidKeyName(name)) throw new LogError('NOTE_INVALID', `couldn't use key: invalid key name ${JSON.stringify(name)}`);
  const pub = toPublicKey(publicKey);
  const timestampOf = (text: Uint8Array, sig: Uint8Array): number | undefined => {
    const parts = splitTimestampedSignature(text, sig);
    return parts !== undefined && verifyEd25519(pub, parts.message, parts.signature) ? parts.timestamp : undefined;
  };
  return {
    name,
    keyId: c2spKeyId(name, SIG_TYPE_COSIGNATURE, ed25519PublicKeyBytes(pub)),
    type: SIG_TYPE_COSIGNATURE,
    timestampOf,
    verify: (text, sig) => timestampOf(text, sig) !== undefined,
  };
}

/**
 * Verifies one cosignature over `checkpointText` and returns its timestamp
 * (POSIX seconds). `signature` is a signature line (as a witness returns it)
 * or a parsed note signature. Throws LogError('NOTE_INVALID') when the line is
 * malformed, its (name, key ID) is not the verifier's, or the signature fails.
 * Timestamps above 2^53-1 are rejected (not representable as numbers).
 */
export function verifyCosignature(verifier: CosignatureVerifier, checkpointText: string, signature: string | NoteSignature): number {
  const sig = typeof signature === 'string' ? parseSignatureLine(signature) : signature;
  if (sig.name !== verifier.name || sig.keyId !== verifier.keyId) {
    throw new LogError(
      'NOTE_INVALID',
      `couldn't verify cosignature: signature is by ${sig.name}+${keyIdHex(sig.keyId)}, expected ${verifier.name}+${keyIdHex(verifier.keyId)}`,
    );
  }
  const ts = verifier.timestampOf(encoder.encode(checkpointText), sig.sig);
  if (ts === undefined) throw new LogError('NOTE_INVALID', `couldn't verify cosignature: invalid signature by ${sig.name}`);
  return ts;
}

function timestampedSignature(cosigner: Cosigner, text: Uint8Array, timestampSec: number): Uint8Array {
  const msg = cosignatureMessage(text, timestampSec);
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, BigInt(timestampSec), false);
  return concatBytes(ts, cosigner.signMessage(msg));
}
