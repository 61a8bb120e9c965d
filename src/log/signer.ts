/**
 * How the log signs. Two keys may be involved (identity.ts):
 *
 * - the **log key** (Ed25519 or ECDSA P-256) signs the SETs (set.ts) and the
 *   Rekor-style checkpoint line (key hint = first 4 bytes of the logID);
 * - the **note key** (Ed25519) signs the C2SP checkpoint line
 *   (c2sp.org/signed-note key ID) that Go's x/mod, witnesses and monitors
 *   verify. For an Ed25519 log key it is the log key itself, and one
 *   signature serves both lines (Ed25519 is deterministic).
 *
 * A {@link KeySigner} signs with one key wherever the key lives: on the event
 * loop (keyObjectSigner), in the worker pool's threads (src/workers), or in
 * a PKCS#11 token (cli/log-keys.ts over src/keys). A {@link LogSigner} is what
 * the commit routine calls: one batch's SETs and its checkpoint at once.
 */
import { sign, type KeyObject } from 'node:crypto';
import { LogError } from '../errors.js';

/** The log key types Cairn signs with (SETs and checkpoints). */
export type LogKeyType = 'ed25519' | 'ecdsa-p256';

/**
 * Signatures by one key. Ed25519 signs the message itself (RFC 8032, 64
 * bytes); ECDSA P-256 signs its SHA-256 and returns ASN.1 DER
 * `SEQUENCE { r, s }` (RFC 3279 §2.2.3), as Rekor's SETs and checkpoints.
 */
export interface KeySigner {
  /**
   * One signature per message, in order. MAY run elsewhere (threads, a
   * token) and concurrently with other calls. Rejects when it cannot sign.
   */
  sign(messages: readonly Uint8Array[]): Promise<Uint8Array[]>;
}

/** What the commit routine signs for one batch. */
export interface LogSigned {
  /** sets[i]: the log key's signature over setPayloads[i]. */
  readonly sets: Uint8Array[];
  /** The checkpoint's signatures, one per identity.checkpointLines entry, in that order. */
  readonly checkpoint: Uint8Array[];
}

export interface LogSigner {
  /**
   * Signs a batch's SET payloads and its checkpoint text. MAY run elsewhere
   * and concurrently with other calls. Rejects when it cannot sign; the
   * commit routine then fails the batch (not fatal: nothing was written).
   */
  sign(setPayloads: readonly Uint8Array[], checkpoint: Uint8Array): Promise<LogSigned>;
}

/**
 * The log's signer from its key signers. Without `noteKey` the log key is
 * Ed25519 and signs both checkpoint lines with one signature; with it, the
 * note key's signature is the C2SP line (first) and the log key's the Rekor
 * line (second), signed concurrently.
 */
export function logSigner(logKey: KeySigner, noteKey?: KeySigner): LogSigner {
  return {
    async sign(setPayloads, checkpoint) {
      const [mine, note] = await Promise.all([logKey.sign([...setPayloads, checkpoint]), noteKey?.sign([checkpoint])]);
      if (mine.length !== setPayloads.length + 1 || (note !== undefined && note.length !== 1)) {
        throw new LogError('INTERNAL', `a key signer returned ${mine.length} + ${note?.length ?? 0} signatures for ${setPayloads.length + 1} messages`);
      }
      const cp = mine.pop() as Uint8Array;
      return { sets: mine, checkpoint: [note?.[0] ?? cp, cp] };
    },
  };
}

/** The type of a log key (private or public), or undefined when Cairn cannot sign a log with it. */
export function logKeyTypeOf(key: KeyObject): LogKeyType | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  return undefined;
}

/** One signature by `key` (an Ed25519 or ECDSA P-256 private key), on the calling thread. */
export function signWithKey(key: KeyObject, message: Uint8Array): Uint8Array {
  return key.asymmetricKeyType === 'ed25519' ? sign(null, message, key) : sign('sha256', message, { key, dsaEncoding: 'der' });
}

/** Signing on the calling thread with `key` (an Ed25519 or ECDSA P-256 private key). */
export function keyObjectSigner(key: KeyObject): KeySigner {
  return {
    sign(messages) {
      try {
        return Promise.resolve(messages.map((m) => signWithKey(key, m)));
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}

/** The log's signer on the calling thread, from private keys (the note key only when it is not the log key). */
export function inlineSigner(logKey: KeyObject, noteKey?: KeyObject): LogSigner {
  return logSigner(keyObjectSigner(logKey), noteKey === undefined ? undefined : keyObjectSigner(noteKey));
}
