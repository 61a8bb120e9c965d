/** Reading public keys (PEM SubjectPublicKeyInfo) that verifiers are given. */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LogError, describeError } from '../errors.js';

const PEM_PUBLIC = /-----BEGIN PUBLIC KEY-----/;

/**
 * Reads a PEM public key: `pathOrPem` is the PEM text itself when it contains
 * a `-----BEGIN PUBLIC KEY-----` line (RFC 7468 §13), else a file path.
 * Throws KEY_INVALID when the file is unreadable, holds no PEM public key
 * (a private key or a certificate is refused: give the public key), or the
 * key does not parse.
 */
export function readPublicKey(pathOrPem: string): KeyObject {
  const isPem = PEM_PUBLIC.test(pathOrPem);
  const what = isPem ? 'the public key' : `the public key file ${pathOrPem}`;
  let text: string;
  if (isPem) {
    text = pathOrPem;
  } else {
    try {
      text = readFileSync(pathOrPem, 'utf8');
    } catch (err) {
      throw new LogError('KEY_INVALID', `couldn't read ${what}: ${describeError(err)}`);
    }
  }
  const begin = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text);
  if (begin === null) throw new LogError('KEY_INVALID', `${what} is not PEM (no -----BEGIN PUBLIC KEY----- line)`);
  if (begin[1] !== 'PUBLIC KEY') {
    throw new LogError('KEY_INVALID', `${what} holds a PEM "${begin[1] ?? ''}", not a "PUBLIC KEY" (SubjectPublicKeyInfo)`);
  }
  try {
    return createPublicKey({ key: text, format: 'pem' });
  } catch (err) {
    throw new LogError('KEY_INVALID', `couldn't parse ${what}: ${describeError(err)}`);
  }
}

/** The PEM of a DER SubjectPublicKeyInfo, newline-terminated, 64-column base64 (RFC 7468 §2). */
export function spkiToPem(spki: Uint8Array): string {
  const b64 = Buffer.from(spki).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}
