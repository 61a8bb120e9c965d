/**
 * `cairn keygen --signing`: a fresh ECDSA P-256 pair written as a private key
 * file (mode 0600) and the public key beside it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { LogError, describeError } from '../errors.js';
import { writeNewFile } from './new-file.js';

/** What {@link generateSigningKeyFiles} wrote. */
export interface GeneratedKeyFiles {
  readonly privatePath: string;
  readonly publicPath: string;
  readonly publicKeyPem: string;
}

/** `key.pem` → `key.pub`; any other name gets `.pub` appended. */
export function publicPathFor(outPrivate: string): string {
  return outPrivate.endsWith('.pem') ? `${outPrivate.slice(0, -'.pem'.length)}.pub` : `${outPrivate}.pub`;
}

/**
 * Generates an ECDSA P-256 key pair (the one algorithm every cosign-format
 * verifier accepts) and writes the private key to `outPrivate` as PKCS#8 PEM,
 * mode 0600, or, with a non-empty `passphrase`, as an encrypted PKCS#8
 * (PBES2, AES-256-CBC); the SPKI public key goes to {@link publicPathFor}
 * (mode 0644). Refuses (KEY_INVALID) when either file exists, and writes
 * nothing then. Each file is written and fsynced under a temporary name and
 * hard-linked into place, so a crash never leaves a partial key.
 */
export function generateSigningKeyFiles(outPrivate: string, opts?: { passphrase?: string }): GeneratedKeyFiles {
  const publicPath = publicPathFor(outPrivate);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const passphrase = opts?.passphrase;
  const privatePem = (
    passphrase === undefined || passphrase === ''
      ? privateKey.export({ type: 'pkcs8', format: 'pem' })
      : privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
  ).toString();
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  try {
    mkdirSync(dirname(outPrivate), { recursive: true });
    mkdirSync(dirname(publicPath), { recursive: true });
  } catch (err) {
    throw new LogError('KEY_INVALID', `couldn't create the directory for ${outPrivate}: ${describeError(err)}`);
  }
  writeKeyFile(outPrivate, privatePem, 0o600);
  try {
    writeKeyFile(publicPath, publicKeyPem, 0o644);
  } catch (err) {
    unlinkSync(outPrivate);
    throw err;
  }
  return { privatePath: outPrivate, publicPath, publicKeyPem };
}

/** Writes `text` to the new file `path` with `mode`; KEY_INVALID if `path` exists or cannot be written. */
function writeKeyFile(path: string, text: string, mode: number): void {
  try {
    writeNewFile(path, text, mode);
  } catch (err) {
    const exists = (err as NodeJS.ErrnoException).code === 'EEXIST';
    throw new LogError('KEY_INVALID', exists ? `${path} already exists; refusing to overwrite it` : `couldn't write ${path}: ${describeError(err)}`);
  }
}
