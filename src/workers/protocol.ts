/**
 * Messages between the worker pool (pool.ts) and its threads (thread.ts).
 * Each message carries a list: every postMessage costs a wake-up of the
 * other thread and a serialisation, so tasks (and replies) that arise in the
 * same turn of the event loop travel together.
 */
import type { KeyObject } from 'node:crypto';
import type { RequestForm } from '../admission/index.js';
import type { EntryLimits } from '../entry/index.js';
import type { ErrorCode } from '../errors.js';

/** The two tasks: admit a request body (admitSubmission), sign messages with the log key or the note key. */
/**
 * Bytes travel as latin1 strings (one char per byte): a string costs a
 * fraction of what an ArrayBuffer costs to post, moved or cloned (~2 against
 * ~3–18 µs per task, measured with node 20).
 */
export type Task =
  | { readonly task: 'admit'; readonly raw: string; readonly limits: EntryLimits; readonly form?: RequestForm }
  | { readonly task: 'sign'; readonly key: SigningKeyName; readonly messages: readonly string[] };

/** Which of the log's keys a `sign` task uses (src/log/signer.ts). */
export type SigningKeyName = 'log' | 'note';
export type TaskRequest = Task & { readonly id: number };

/** A PreparedEntry whose body and leaf hash travel as latin1 strings. */
export interface AdmittedEntry {
  readonly kind: string;
  readonly body: string;
  readonly leafHash: string;
  readonly searchKeys: string[];
}

export type TaskReply =
  | { readonly id: number; readonly admitted: AdmittedEntry }
  | { readonly id: number; readonly signatures: string[] }
  | { readonly id: number; readonly err: { code: ErrorCode; message: string; details?: Record<string, unknown> } };

/** What each thread is started with. */
export interface ThreadData {
  /** openapi.yaml for the createLogEntry schema; default: the one loadApiSpec finds. */
  readonly openapiPath?: string;
  /** The log's private keys (Ed25519 or ECDSA P-256 log key, Ed25519 note key), for `sign` tasks; without them they fail. */
  readonly signingKeys?: PoolSigningKeys;
}

/** One message each way. */
export interface TaskBatch {
  readonly tasks: readonly TaskRequest[];
}
export interface ReplyBatch {
  readonly replies: readonly TaskReply[];
}

/**
 * The keys a pool signs with: the log key, and the note key when it is not
 * the log key. Each is a private KeyObject (a key file), or the RFC 7512
 * `pkcs11:` URI of a key in a token: each thread then opens its own session
 * on it and signs there, so the token's work (C_SignInit runs on the calling
 * thread) stays off the event loop.
 */
export interface PoolSigningKeys {
  readonly log: PoolKey;
  readonly note?: PoolKey | undefined;
}
export type PoolKey = KeyObject | string;
