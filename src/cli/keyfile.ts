/**
 * Key files of the log and the witness: PKCS#8 PEM private keys. The log key
 * is ECDSA P-256 or Ed25519 (the type is read from the file), the note key
 * and the witness key Ed25519. Created with mode 0600 on first start (or
 * ahead of time by `cairn keygen`); a key file that group or others can read
 * is refused. Keys are never logged or served.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { LogError, describeError } from '../errors.js';
import { writeNewFile } from '../keys/index.js';
import { logKeyTypeOf, type LogKeyType } from '../log/index.js';

/** What a key file is for: names it in messages and says which key types it may hold. */
export interface KeyRole {
  /** "log key", "note key", "witness key". */
  readonly what: string;
  readonly accept: readonly LogKeyType[];
}

export const LOG_KEY: KeyRole = { what: 'log key', accept: ['ecdsa-p256', 'ed25519'] };
export const NOTE_KEY: KeyRole = { what: 'note key', accept: ['ed25519'] };
export const WITNESS_KEY: KeyRole = { what: 'witness key', accept: ['ed25519'] };

/**
 * Write a fresh key of `type` to `path` (mode 0600, fsynced). Refuses to
 * overwrite an existing file. Crash-safe (writeNewFile): a crash leaves
 * either no key file or a complete one, never an empty or partial key that
 * would keep the log from starting again.
 */
export function generateKeyFile(path: string, type: LogKeyType = 'ed25519', what = 'log key'): KeyObject {
  const { privateKey } = type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeNewFile(path, pem, 0o600);
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't create the ${what} file ${path}: ${describeError(err)}`);
  }
  return privateKey;
}

/** Read the key at `path`. Throws CONFIG_INVALID when it is unreadable, readable by others, or of a type `role` does not accept. */
export function readKeyFile(path: string, role: KeyRole = LOG_KEY): KeyObject {
  const { what } = role;
  let mode: number;
  let pem: string;
  try {
    mode = statSync(path).mode;
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't read the ${what} file ${path}: ${describeError(err)}`);
  }
  if (process.platform !== 'win32' && mode % 0o100 !== 0) {
    throw new LogError(
      'CONFIG_INVALID',
      `the ${what} file ${path} is accessible by group or others (mode ${(mode % 0o1000).toString(8)}); run: chmod 600 ${path}`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `the ${what} file ${path} is not a PEM private key: ${describeError(err)}`);
  }
  const type = logKeyTypeOf(key);
  if (type === undefined || !role.accept.includes(type)) {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const held = `${key.asymmetricKeyType ?? 'unknown'}${curve === undefined ? '' : ` (${curve})`}`;
    throw new LogError('CONFIG_INVALID', `the ${what} file ${path} holds a ${held} key; a ${what} must be ${role.accept.map(typeName).join(' or ')}`);
  }
  return key;
}

/** Read the key, creating it first (of type `create`) when the file does not exist. */
export function loadOrCreateKey(path: string, role: KeyRole = LOG_KEY, create: LogKeyType = role.accept[0] ?? 'ed25519'): { key: KeyObject; created: boolean } {
  try {
    statSync(path);
  } catch {
    return { key: generateKeyFile(path, create, role.what), created: true };
  }
  return { key: readKeyFile(path, role), created: false };
}

function typeName(type: LogKeyType): string {
  return type === 'ed25519' ? 'Ed25519' : 'ECDSA P-256';
}
