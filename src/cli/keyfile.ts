/**
 * The log key file: an Ed25519 private key, PKCS#8 PEM. Created with mode
 * 0600 on first start (or ahead of time by `cairn keygen`); a key file that
 * group or others can read is refused. The key is never logged or served.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { LogError, describeError } from '../errors.js';
import { writeNewFile } from '../keys/index.js';

/**
 * Write a fresh Ed25519 key to `path` (mode 0600, fsynced). Refuses to
 * overwrite an existing file. Crash-safe (writeNewFile): a crash leaves
 * either no key file or a complete one, never an empty or partial key that
 * would keep the log from starting again.
 */
export function generateKeyFile(path: string): KeyObject {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeNewFile(path, pem, 0o600);
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't create the log key file ${path}: ${describeError(err)}`);
  }
  return privateKey;
}

/** Read the key at `path`. Throws CONFIG_INVALID when it is unreadable, readable by others, or not Ed25519. */
export function readKeyFile(path: string): KeyObject {
  let mode: number;
  let pem: string;
  try {
    mode = statSync(path).mode;
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't read the log key file ${path}: ${describeError(err)}`);
  }
  if (process.platform !== 'win32' && mode % 0o100 !== 0) {
    throw new LogError(
      'CONFIG_INVALID',
      `the log key file ${path} is accessible by group or others (mode ${(mode % 0o1000).toString(8)}); run: chmod 600 ${path}`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `the log key file ${path} is not a PEM private key: ${describeError(err)}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new LogError('CONFIG_INVALID', `the log key file ${path} holds a ${key.asymmetricKeyType} key; Cairn needs Ed25519`);
  }
  return key;
}

/** Read the key, creating it first when the file does not exist. */
export function loadOrCreateKey(path: string): { key: KeyObject; created: boolean } {
  try {
    statSync(path);
  } catch {
    return { key: generateKeyFile(path), created: true };
  }
  return { key: readKeyFile(path), created: false };
}
