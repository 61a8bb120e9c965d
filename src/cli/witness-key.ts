/**
 * The witness's key: an Ed25519 private key as PKCS#8 PEM (created 0600 on
 * first start, like the log's), as an x/mod private key string
 * `PRIVATE+KEY+<name>+<key ID>+<base64>` (what Go tooling and other
 * witnesses generate), which also names the key, or an Ed25519 key in a
 * PKCS#11 token named by an RFC 7512 `pkcs11:` URI (it signs in the token).
 * The cosigner signs with key ID type 0x04 (c2sp.org/tlog-cosignature).
 */
import { createPublicKey } from 'node:crypto';
import { statSync, readFileSync } from 'node:fs';
import { LogError, describeError } from '../errors.js';
import { openSigningKey, redactPin } from '../keys/index.js';
import {
  SIG_TYPE_COSIGNATURE,
  c2spKeyId,
  ed25519Cosigner,
  ed25519PublicKeyBytes,
  formatVkey,
  parsePrivateKeyString,
  type AsyncCosigner,
  type Cosigner,
} from '../note/index.js';
import { WITNESS_KEY, loadOrCreateKey } from './keyfile.js';

/** Key name used when neither `--name` nor an x/mod key string gives one. */
export const DEFAULT_WITNESS_NAME = 'cairn-witness';

export interface WitnessKey {
  readonly cosigner: Cosigner | AsyncCosigner;
  /** The cosignature verifier key `<name>+<key ID>+<base64(0x04 ‖ pubkey)>` logs and monitors configure. */
  readonly vkey: string;
  readonly created: boolean;
  /** Releases the key (a token session); a no-op for files. */
  close(): Promise<void>;
}

/** A witness key from a file: it signs on the calling thread. */
export interface FileWitnessKey extends WitnessKey {
  readonly cosigner: Cosigner;
}

/**
 * Opens the Ed25519 key a `pkcs11:` URI names, under key name `name`: it
 * signs in the token. CONFIG_INVALID for a key that is not Ed25519;
 * KEY_INVALID / KEY_UNAVAILABLE from the token.
 */
export async function openWitnessKey(ref: string, name: string | undefined): Promise<WitnessKey> {
  if (!/^pkcs11:/i.test(ref)) return loadWitnessKey(ref, name);
  const key = await openSigningKey(ref);
  if (key.algorithm !== 'ed25519') {
    await key.close();
    throw new LogError('CONFIG_INVALID', `the witness key ${redactPin(ref)} is a ${key.algorithm} key in its token; cosignatures need Ed25519`);
  }
  const keyName = name ?? DEFAULT_WITNESS_NAME;
  const pub = ed25519PublicKeyBytes(createPublicKey({ key: Buffer.from(key.publicKeySpki), format: 'der', type: 'spki' }));
  let keyId: number;
  try {
    keyId = c2spKeyId(keyName, SIG_TYPE_COSIGNATURE, pub);
    formatVkey(keyName, SIG_TYPE_COSIGNATURE, pub); // checks the name
  } catch (err) {
    await key.close();
    throw new LogError('CONFIG_INVALID', `couldn't use the witness key: ${describeError(err)}`);
  }
  const cosigner: AsyncCosigner = { name: keyName, keyId, signMessage: (msg) => key.sign(msg) };
  return { cosigner, vkey: formatVkey(keyName, SIG_TYPE_COSIGNATURE, pub), created: false, close: () => key.close() };
}

/**
 * Loads the key at `path` (creating a PEM key there when missing) under key
 * name `name`. Throws CONFIG_INVALID for an unreadable file, one readable by
 * group or others, a non-Ed25519 key, a malformed x/mod string, or a `name`
 * that contradicts the x/mod string's.
 */
export function loadWitnessKey(path: string, name: string | undefined): FileWitnessKey {
  const text = readIfExists(path);
  if (text !== undefined && text.trimStart().startsWith('PRIVATE+KEY+')) {
    checkMode(path);
    let parsed;
    try {
      parsed = parsePrivateKeyString(text.trim());
    } catch (err) {
      throw new LogError('CONFIG_INVALID', `the witness key file ${path} is not a valid x/mod key string: ${describeError(err)}`);
    }
    if (name !== undefined && name !== parsed.name) {
      throw new LogError('CONFIG_INVALID', `--name ${JSON.stringify(name)} differs from the name in the key file ${path}: ${JSON.stringify(parsed.name)}`);
    }
    return make(parsed.name, parsed.privateKey, false);
  }
  const { key, created } = loadOrCreateKey(path, WITNESS_KEY);
  return make(name ?? DEFAULT_WITNESS_NAME, key, created);
}

function make(name: string, key: Parameters<typeof ed25519Cosigner>[1], created: boolean): FileWitnessKey {
  let cosigner: Cosigner;
  try {
    cosigner = ed25519Cosigner(name, key);
  } catch (err) {
    throw new LogError('CONFIG_INVALID', `couldn't use the witness key: ${describeError(err)}`);
  }
  return { cosigner, vkey: formatVkey(name, SIG_TYPE_COSIGNATURE, ed25519PublicKeyBytes(key)), created, close: () => Promise.resolve() };
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LogError('CONFIG_INVALID', `couldn't read the witness key file ${path}: ${describeError(err)}`);
  }
}

function checkMode(path: string): void {
  const mode = statSync(path).mode;
  if (process.platform !== 'win32' && mode % 0o100 !== 0) {
    throw new LogError(
      'CONFIG_INVALID',
      `the witness key file ${path} is accessible by group or others (mode ${(mode % 0o1000).toString(8)}); run: chmod 600 ${path}`,
    );
  }
}
