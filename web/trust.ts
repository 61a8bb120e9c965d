/**
 * The keys the visitor pinned, kept in this browser's localStorage under the
 * page's origin, and the checkpoint the visitor saw last (per log key).
 *
 * Pinning: on a first visit nothing is trusted. The key page fetches the
 * log's public key from `/api/v1/log/publicKey` and shows its fingerprint
 * (SHA-256 of the key, the Rekor logID) to compare with one obtained
 * elsewhere (the operator's documentation, `cairn trust-root`), or takes a
 * pasted PEM; only a key the visitor confirms is stored. Optional: the note
 * key's vkey and witnesses' cosignature vkeys. Every verification on the
 * other pages uses only what is stored here.
 */
import { LogKey, fromBase64, parseVerifierKey, toBase64, type Checkpoint, type LogTrust } from '../src/client/index.js';

const PIN_KEY = 'cairn.explorer.pin.v1';
const SEEN_PREFIX = 'cairn.explorer.seen.v1.';

/** What is stored: the texts the visitor confirmed. */
export interface Pin {
  readonly pem: string;
  readonly noteVkey?: string;
  readonly witnessVkeys: readonly string[];
}

/** The stored pin, or undefined on a first visit (or when storage holds something unusable). */
export function loadPin(): Pin | undefined {
  const text = localStorage.getItem(PIN_KEY);
  if (text === null) return undefined;
  try {
    const v = JSON.parse(text) as Partial<Pin>;
    if (typeof v.pem !== 'string') return undefined;
    const witnessVkeys = Array.isArray(v.witnessVkeys) ? v.witnessVkeys.filter((w): w is string => typeof w === 'string') : [];
    return typeof v.noteVkey === 'string' ? { pem: v.pem, noteVkey: v.noteVkey, witnessVkeys } : { pem: v.pem, witnessVkeys };
  } catch {
    return undefined;
  }
}

/** Checks every key of `pin` (throws a LogError saying which is unusable) and returns the trust it gives. */
export function trustOf(pin: Pin): LogTrust {
  const logKey = LogKey.fromPem(pin.pem);
  const noteKey = pin.noteVkey === undefined || pin.noteVkey.trim() === '' ? undefined : parseVerifierKey(pin.noteVkey);
  const witnesses = pin.witnessVkeys.filter((w) => w.trim() !== '').map((w) => parseVerifierKey(w));
  return noteKey === undefined ? { logKey, witnesses } : { logKey, noteKey, witnesses };
}

/** Stores `pin` after checking it. */
export function savePin(pin: Pin): LogTrust {
  const trust = trustOf(pin);
  localStorage.setItem(PIN_KEY, JSON.stringify(pin));
  return trust;
}

/** Forgets the pin (the checkpoints seen stay, per key). */
export function clearPin(): void {
  localStorage.removeItem(PIN_KEY);
}

/** The checkpoint last seen from the log with key `logId`, if any. */
export function loadSeen(logId: string): Checkpoint | undefined {
  const text = localStorage.getItem(SEEN_PREFIX + logId);
  if (text === null) return undefined;
  try {
    const v = JSON.parse(text) as { origin?: unknown; size?: unknown; root?: unknown };
    const root = typeof v.root === 'string' ? fromBase64(v.root) : undefined;
    if (typeof v.origin !== 'string' || !Number.isSafeInteger(v.size) || root?.length !== 32) return undefined;
    return { origin: v.origin, size: v.size as number, root };
  } catch {
    return undefined;
  }
}

/** Records `cp` as the checkpoint last seen from the log with key `logId`. */
export function saveSeen(logId: string, cp: Checkpoint): void {
  localStorage.setItem(SEEN_PREFIX + logId, JSON.stringify({ origin: cp.origin, size: cp.size, root: toBase64(cp.root) }));
}
