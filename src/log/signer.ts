/**
 * The one way the log signs: Ed25519 signatures by the log key over a
 * batch's messages, its SET payloads (set.ts) and its checkpoint text
 * (c2sp.org/tlog-checkpoint; both signature lines of a checkpoint carry the
 * same Ed25519 signature, as Ed25519 is deterministic). Signing on the event
 * loop (inlineSigner) is one implementation; the worker pool (src/workers) is
 * another, so the key itself never needs to reach the HTTP layer.
 */
import { sign, type KeyObject } from 'node:crypto';

export interface LogSigner {
  /**
   * One Ed25519 signature (64 bytes) per message, in order, by the log key.
   * MAY run elsewhere (worker threads) and concurrently with other calls.
   * Rejects when it cannot sign; the commit routine then fails the batch
   * (not fatal: nothing was written).
   */
  sign(messages: readonly Uint8Array[]): Promise<Uint8Array[]>;
}

/** Signing on the calling thread with `key` (an Ed25519 private key). */
export function inlineSigner(key: KeyObject): LogSigner {
  return {
    sign(messages) {
      try {
        return Promise.resolve(messages.map((m) => sign(null, m, key)));
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}
