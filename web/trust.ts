/**
 * The keys the visitor pinned, kept in this browser's localStorage under the
 * page's origin, and the checkpoint the visitor saw last (per log key).
 *
 * Pinning: on a first visit nothing is trusted. The key page fetches the
 * log's public key from `/api/v1/log/publicKey` and shows its fingerprint
 * (SHA-256 of the key, the Rekor logID) to compare with one obtained
 * elsewhere (the operator's documentation, `cairn trust-root`), or takes a
 * pasted PEM; only a key the visitor confirms is stored. Or, for a log that
 * rotates its key, the log's sigstore trusted root (`/api/v1/log/trusted-root`,
 * every key it has signed with and each key's window), fetched and confirmed
 * by its fingerprints or pasted. Optional: the note key's vkey and
 * witnesses' cosignature vkeys. Every verification on the other pages uses
 * only what is stored here.
 */
import { LogError, LogKey, fromBase64, parseVerifierKey, toBase64, trustFromTrustedRoot, type Checkpoint, type LogTrust } from '../src/client/index.js';

const PIN_KEY = 'cairn.explorer.pin.v1';
const SEEN_PREFIX = 'cairn.explorer.seen.v1.';

/** What is stored: the texts the visitor confirmed (a PEM key, or a trusted root's JSON). */
export interface Pin {
  readonly pem: string;
  /** The trusted root's JSON text; when present it gives the log keys and `pem` is unused. */
  readonly trustedRoot?: string;
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
    return {
      pem: v.pem,
      ...(typeof v.trustedRoot === 'string' ? { trustedRoot: v.trustedRoot } : {}),
      ...(typeof v.noteVkey === 'string' ? { noteVkey: v.noteVkey } : {}),
      witnessVkeys,
    };
  } catch {
    return undefined;
  }
}

/** Checks every key of `pin` (throws a LogError saying which is unusable) and returns the trust it gives. */
export function trustOf(pin: Pin): LogTrust {
  const keys = pin.trustedRoot === undefined ? { logKey: LogKey.fromPem(pin.pem) } : trustFromTrustedRoot(parseRoot(pin.trustedRoot));
  const noteKey = pin.noteVkey === undefined || pin.noteVkey.trim() === '' ? undefined : parseVerifierKey(pin.noteVkey);
  const witnesses = pin.witnessVkeys.filter((w) => w.trim() !== '').map((w) => parseVerifierKey(w));
  return noteKey === undefined ? { ...keys, witnesses } : { ...keys, noteKey, witnesses };
}

/** The JSON of a trusted root; KEY_INVALID when it is not JSON. */
export function parseRoot(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LogError('KEY_INVALID', "couldn't read the trusted root: not JSON");
  }
}

/**
 * Under which key the checkpoints seen are recorded: the log's first pinned
 * key (a trusted root's oldest), so that the record outlives the log's key
 * rotations and a re-pin from a single key to the trusted root that
 * includes it.
 */
export function seenId(trust: LogTrust): string {
  return (trust.logKeys?.[0]?.key ?? trust.logKey).logId;
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
