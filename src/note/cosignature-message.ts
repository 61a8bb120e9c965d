/**
 * The signed message of a timestamped cosignature (c2sp.org/tlog-cosignature
 * v1.0.1 "Signed message") and the split of a cosignature blob into its
 * timestamp and Ed25519 signature. Portable: no node: imports, so the
 * browser-safe client verifies cosignatures with this same text.
 */
import { LogError } from '../errors.js';
import { concatBytes } from './encoding.js';

const encoder = new TextEncoder();
const TIMESTAMPED_SIG_LENGTH = 8 + 64;

/**
 * The exact bytes a cosigner signs (tlog-cosignature "Signed message"):
 * `cosignature/v1\ntime <ts>\n` followed by the checkpoint note text (with
 * extension lines and final newline, without signature lines).
 * `timestampSec` MUST be a non-negative safe integer; `checkpointText` MUST end
 * with '\n' (else LogError('NOTE_INVALID')).
 */
export function cosignatureMessage(checkpointText: string | Uint8Array, timestampSec: number): Uint8Array {
  checkTimestamp(timestampSec);
  const text = typeof checkpointText === 'string' ? encoder.encode(checkpointText) : checkpointText;
  if (text.length === 0 || text[text.length - 1] !== 0x0a) {
    throw new LogError('NOTE_INVALID', "couldn't build cosignature message: checkpoint text must end with a newline");
  }
  return concatBytes(encoder.encode(`cosignature/v1\ntime ${timestampSec}\n`), text);
}

/** A cosignature blob split, with the message its signature must cover. */
export interface TimestampedSignature {
  /** POSIX seconds (a safe integer). */
  readonly timestamp: number;
  /** The 64-byte Ed25519 signature. */
  readonly signature: Uint8Array;
  /** {@link cosignatureMessage} of the text at that timestamp. */
  readonly message: Uint8Array;
}

/**
 * Splits `sig` (8-byte big-endian timestamp ‖ 64-byte signature) made over
 * checkpoint `text`; undefined when it is not 72 bytes, the timestamp is above
 * 2^53 − 1 or the text does not end in a newline. Never throws.
 */
export function splitTimestampedSignature(text: Uint8Array, sig: Uint8Array): TimestampedSignature | undefined {
  if (sig.length !== TIMESTAMPED_SIG_LENGTH) return undefined;
  const ts = new DataView(sig.buffer, sig.byteOffset, 8).getBigUint64(0, false);
  if (ts > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  if (text.length === 0 || text[text.length - 1] !== 0x0a) return undefined;
  const timestamp = Number(ts);
  return { timestamp, signature: sig.subarray(8), message: cosignatureMessage(text, timestamp) };
}

export function checkTimestamp(t: number): void {
  if (!Number.isSafeInteger(t) || t < 0) {
    throw new LogError('NOTE_INVALID', `couldn't cosign: timestamp ${t} is not a non-negative integer number of seconds`);
  }
}
