/**
 * Opening the log's keys from the settings: the log key (`--key-file`) and,
 * for an ECDSA log key, the Ed25519 note key (`--note-key-file`). Each is a
 * PKCS#8 PEM file (created on first start when missing: an ECDSA P-256 log
 * key, an Ed25519 note key) or an RFC 7512 `pkcs11:` URI of a key that stays
 * in its token (src/keys). Identity is derived from the public keys in
 * src/log/identity.ts; this module only finds the keys and makes their signers.
 *
 * A token key signs through several sessions at once, each signature off the
 * event loop (C_SignAsync on libuv's thread pool): PKCS#11 allows one
 * operation at a time per session (v2.40 §5.2), so sessions are what lets the
 * token sign a batch's SETs in parallel.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LogError } from '../errors.js';
import { openSigningKey, redactPin, type SigningKey } from '../keys/index.js';
import { keyObjectSigner, logKeyTypeOf, logSigner, type KeySigner, type LogKeyType, type LogSigner } from '../log/index.js';
import type { WorkerPool } from '../workers/index.js';
import { LOG_KEY, NOTE_KEY, loadOrCreateKey, type KeyRole } from './keyfile.js';

/** Sessions a token-held key signs through, unless told otherwise. */
export const DEFAULT_TOKEN_SESSIONS = 4;

/** One opened key of the log. */
export interface OpenedKey {
  /** The file path, or the `pkcs11:` URI with any PIN redacted. */
  readonly ref: string;
  readonly type: LogKeyType;
  readonly publicKey: KeyObject;
  /** The private key when it is in a file (then it may sign in worker threads); undefined in a token. */
  readonly privateKey: KeyObject | undefined;
  /** Signing on the event loop (a file key) or in the token. */
  readonly signer: KeySigner;
  /** What the worker pool's threads sign with: the private key, or the token key's URI (each thread opens a session). */
  readonly poolKey: KeyObject | string;
  /** True when this start created the key file. */
  readonly created: boolean;
  close(): Promise<void>;
}

export interface LogKeys {
  readonly log: OpenedKey;
  /** The note key; undefined for an Ed25519 log key, which signs for C2SP clients itself. */
  readonly note: OpenedKey | undefined;
  close(): Promise<void>;
}

export interface LogKeySettings {
  readonly dataDir: string;
  readonly keyFile: string;
  readonly noteKeyFile?: string | undefined;
}

/**
 * Opens the log key and, when it is ECDSA, the note key. CONFIG_INVALID for
 * a note key given to an Ed25519 log key, or keys of the wrong type;
 * KEY_INVALID / KEY_UNAVAILABLE from the token.
 */
export async function openLogKeys(settings: LogKeySettings, opts: { tokenSessions?: number } = {}): Promise<LogKeys> {
  const sessions = opts.tokenSessions ?? DEFAULT_TOKEN_SESSIONS;
  const log = await openKey(settings.keyFile, LOG_KEY, sessions);
  try {
    if (log.type === 'ed25519') {
      if (settings.noteKeyFile !== undefined) {
        throw new LogError('CONFIG_INVALID', `--note-key-file is set, but the log key ${log.ref} is Ed25519 and signs checkpoints for C2SP clients itself; unset it`);
      }
      return { log, note: undefined, close: () => log.close() };
    }
    return withNoteKey(log, await openKey(settings.noteKeyFile ?? join(settings.dataDir, 'note-key.pem'), NOTE_KEY, sessions));
  } catch (err) {
    await log.close();
    throw err;
  }
}

/**
 * The signer for the log: with a worker pool made with poolKeys(keys), every
 * key signs in its threads (a token key through each thread's own session);
 * without one, file keys sign on the event loop and token keys in the token
 * (C_SignInit on the event loop, C_SignAsync off it).
 */
export function signerFor(keys: LogKeys, pool?: WorkerPool): LogSigner {
  const pick = (k: OpenedKey, name: 'log' | 'note'): KeySigner => pool?.keySigner(name) ?? k.signer;
  return logSigner(pick(keys.log, 'log'), keys.note === undefined ? undefined : pick(keys.note, 'note'));
}

/** The keys for the worker pool's threads. */
export function poolKeys(keys: LogKeys): { log: KeyObject | string; note?: KeyObject | string | undefined } {
  return { log: keys.log.poolKey, note: keys.note?.poolKey };
}

/**
 * The keys staged for the next tree (`--next-key-file`, never created): its
 * log key and, when that is ECDSA, a note key: the current one (shared, so
 * C2SP clients keep their vkey), else `--note-key-file` or the default file.
 * Closing them closes only what this opened.
 */
export async function openNextLogKeys(settings: LogKeySettings & { readonly nextKeyFile: string }, current: LogKeys, opts: { tokenSessions?: number } = {}): Promise<LogKeys> {
  const sessions = opts.tokenSessions ?? DEFAULT_TOKEN_SESSIONS;
  const log = await openKey(settings.nextKeyFile, LOG_KEY, sessions, false);
  if (log.type === 'ed25519') return { log, note: undefined, close: () => log.close() };
  if (current.note !== undefined) return { log, note: current.note, close: () => log.close() };
  try {
    return withNoteKey(log, await openKey(settings.noteKeyFile ?? join(settings.dataDir, 'note-key.pem'), NOTE_KEY, sessions));
  } catch (err) {
    await log.close();
    throw err;
  }
}

/** An ECDSA log key with its note key; closing closes both. */
function withNoteKey(log: OpenedKey, note: OpenedKey): LogKeys {
  return {
    log,
    note,
    close: async () => {
      await log.close();
      await note.close();
    },
  };
}

async function openKey(ref: string, role: KeyRole, sessions: number, create = true): Promise<OpenedKey> {
  if (/^pkcs11:/i.test(ref)) return openTokenKey(ref, role, sessions);
  if (!create && !existsSync(ref)) throw new LogError('CONFIG_INVALID', `the ${role.what} file ${ref} does not exist (a staged key is never created: make it with cairn keygen)`);
  const { key, created } = loadOrCreateKey(ref, role);
  const type = logKeyTypeOf(key) as LogKeyType; // loadOrCreateKey accepted it
  return { ref, type, publicKey: createPublicKey(key), privateKey: key, signer: keyObjectSigner(key), poolKey: key, created, close: () => Promise.resolve() };
}

/** `sessions` sessions on the token key the URI names, signing round-robin. */
async function openTokenKey(uri: string, role: KeyRole, sessions: number): Promise<OpenedKey> {
  const ref = redactPin(uri);
  const keys: SigningKey[] = [];
  const closeAll = async (): Promise<void> => {
    for (const k of keys.splice(0)) await k.close();
  };
  try {
    for (let i = 0; i < Math.max(1, sessions); i++) keys.push(await openSigningKey(uri));
  } catch (err) {
    await closeAll();
    throw err;
  }
  const first = keys[0] as SigningKey;
  const publicKey = createPublicKey({ key: Buffer.from(first.publicKeySpki), format: 'der', type: 'spki' });
  const type = logKeyTypeOf(publicKey);
  if (type === undefined || !role.accept.includes(type)) {
    await closeAll();
    throw new LogError('CONFIG_INVALID', `the ${role.what} ${ref} is a ${first.algorithm} key in its token; a ${role.what} must be ${role.accept.join(' or ')}`);
  }
  let next = 0;
  const signer: KeySigner = {
    sign(messages) {
      if (keys.length === 0) return Promise.reject(new LogError('KEY_UNAVAILABLE', `couldn't sign: the ${role.what} was closed`));
      // Each session signs one message at a time (its SigningKey queues them); spread the batch over all sessions.
      return Promise.all(messages.map((m) => (keys[next++ % keys.length] as SigningKey).sign(m)));
    },
  };
  return { ref, type, publicKey, privateKey: undefined, signer, poolKey: uri, created: false, close: closeAll };
}
