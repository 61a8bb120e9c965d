/**
 * Signing keys held in files: PEM PKCS#8 private keys, optionally encrypted
 * (PKCS#8 EncryptedPrivateKeyInfo, RFC 5958 §3, PBES2 per RFC 8018).
 * node:crypto does all parsing, decryption and signing.
 */
import { createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LogError, describeError } from '../errors.js';
import { algorithmOfKey, digestOf } from './algorithm.js';
import { spkiToPem } from './public-key.js';
import type { SigningAlgorithm, SigningKey } from './types.js';

/** PEM labels accepted for private keys (RFC 7468 §10, §11; SEC1 and PKCS#1 as OpenSSL writes them). */
const ACCEPTED_LABELS = ['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY'];

/**
 * Opens the private key in the PEM file at `path`. An `ENCRYPTED PRIVATE KEY`
 * needs `passphrase` (a missing or wrong one throws KEY_INVALID, and says so);
 * a passphrase given for an unencrypted key is ignored. The key must be one
 * {@link algorithmOfKey} accepts. Throws KEY_INVALID for everything else
 * (unreadable file, not PEM, a public key, cosign's scrypt-encrypted format).
 */
export function openFileKey(path: string, passphrase?: string): SigningKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LogError('KEY_INVALID', `couldn't read the key file ${path}: ${describeError(err)}`);
  }
  const key = parsePrivateKey(text, `the key file ${path}`, passphrase);
  return fileSigningKey(key, algorithmOfKey(key, `the key in ${path}`));
}

/** Decrypts/parses a PEM private key; `what` names it in errors. */
function parsePrivateKey(text: string, what: string, passphrase: string | undefined): KeyObject {
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
  if (label === undefined) throw new LogError('KEY_INVALID', `${what} is not a PEM private key (no -----BEGIN line)`);
  if (!ACCEPTED_LABELS.includes(label)) {
    const hint = label === 'PUBLIC KEY' ? ' (that is a public key; give the private key)' : label.includes('SIGSTORE') ? " (cosign's own encrypted format is not supported; convert it to PKCS#8)" : '';
    throw new LogError('KEY_INVALID', `${what} holds a PEM "${label}"${hint}; expected a PKCS#8 "PRIVATE KEY" or "ENCRYPTED PRIVATE KEY"`);
  }
  const encrypted = label === 'ENCRYPTED PRIVATE KEY' || /^Proc-Type: 4,ENCRYPTED/m.test(text);
  if (encrypted && (passphrase === undefined || passphrase === '')) {
    throw new LogError('KEY_INVALID', `${what} is encrypted and no passphrase was given (cairn reads it from CAIRN_KEY_PASSWORD)`);
  }
  try {
    return createPrivateKey(encrypted ? { key: text, format: 'pem', passphrase: passphrase ?? '' } : { key: text, format: 'pem' });
  } catch (err) {
    if (encrypted) throw new LogError('KEY_INVALID', `couldn't decrypt ${what}: wrong passphrase (or a damaged key)`, { cause: err });
    throw new LogError('KEY_INVALID', `couldn't parse ${what}: ${describeError(err)}`, { cause: err });
  }
}

/** A {@link SigningKey} over a node private KeyObject. */
export function fileSigningKey(key: KeyObject, algorithm: SigningAlgorithm): SigningKey {
  const spki = new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  const digest = digestOf(algorithm);
  let closed = false;
  return {
    algorithm,
    publicKeySpki: spki,
    publicKeyPem: spkiToPem(spki),
    sign(message: Uint8Array): Promise<Uint8Array> {
      if (closed) return Promise.reject(new LogError('KEY_UNAVAILABLE', "couldn't sign: the key was closed"));
      return new Promise((resolve, reject) => {
        cryptoSign(digest, message, { key, dsaEncoding: 'der' }, (err, sig) => {
          if (err !== null) reject(new LogError('KEY_UNAVAILABLE', `couldn't sign: ${describeError(err)}`, { cause: err }));
          else resolve(new Uint8Array(sig));
        });
      });
    },
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
  };
}
