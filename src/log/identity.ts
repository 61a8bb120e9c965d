/**
 * The log's identity: key, tree ID, origin and the names clients look for.
 *
 * - logID = hex SHA-256 of the public key's DER SubjectPublicKeyInfo (Rekor).
 * - origin = `<host> - <treeID>` as Rekor v1 checkpoints (rekor-v1.md §5).
 * - key name = `<host>` of the public URL: Rekor clients require it to be a
 *   substring of the log URL they trust; C2SP signed-note names must not
 *   contain spaces or '+', which `<host>` satisfies.
 * - The checkpoint carries two Ed25519 signatures by the same key under that
 *   name: one with the C2SP key ID SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pubkey)[:4]
 *   (c2sp.org/signed-note), one with Rekor's key hint SHA-256(SPKI)[:4].
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { LogError } from '../errors.js';
import {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  ed25519PublicKeyBytes,
  formatVkey,
  logIdOf,
  spkiDer,
  type NoteSigner,
  type NoteVerifier,
} from '../note/index.js';

export interface LogIdentity {
  /** Positive 63-bit tree ID, as a decimal string (Rekor's LogInfo.treeID). */
  readonly treeId: string;
  /** Tree ID as 16 lowercase hex digits: the prefix of 80-hex entry IDs. */
  readonly treeIdHex: string;
  readonly host: string;
  readonly origin: string;
  readonly publicUrl: string;
  /** Hex SHA-256 of the DER SPKI. */
  readonly logId: string;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  /** C2SP verifier key `name+keyid+base64(0x01‖pub)`. */
  readonly vkey: string;
  /** Signers for checkpoints: C2SP key ID first, then Rekor key hint. */
  readonly checkpointSigners: readonly NoteSigner[];
  /** Verifiers matching checkpointSigners (same order). */
  readonly checkpointVerifiers: readonly NoteVerifier[];
  /** The log's private key, for its signers (log/signer.ts on the event loop, the worker pool's in threads). */
  readonly privateKey: KeyObject;
}

/** Largest tree ID: 2^63 - 1 (a positive int64). */
const MAX_TREE_ID = (1n << 63n) - 1n;

/** Validates and derives the identity. Throws CONFIG_INVALID on a bad key, URL or tree ID. */
export function makeIdentity(privateKey: KeyObject, treeId: string, publicUrl: string): LogIdentity {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new LogError('CONFIG_INVALID', 'the log key must be an Ed25519 private key');
  }
  if (!/^[1-9][0-9]{0,18}$/.test(treeId) || BigInt(treeId) > MAX_TREE_ID) {
    throw new LogError('CORRUPT', `stored tree ID ${JSON.stringify(treeId)} is not a positive 63-bit integer`);
  }
  let host: string;
  try {
    host = new URL(publicUrl).host;
  } catch {
    throw new LogError('CONFIG_INVALID', `public URL ${JSON.stringify(publicUrl)} is not a URL`);
  }
  if (host === '' || /[\s+]/.test(host)) throw new LogError('CONFIG_INVALID', `public URL host ${JSON.stringify(host)} cannot name a key`);
  const publicKey = createPublicKey(privateKey);
  const spki = spkiDer(publicKey);
  const pub = ed25519PublicKeyBytes(publicKey);
  return {
    treeId,
    treeIdHex: BigInt(treeId).toString(16).padStart(16, '0'),
    host,
    origin: `${host} - ${treeId}`,
    publicUrl,
    logId: logIdOf(spki),
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    vkey: formatVkey(host, 0x01, pub),
    checkpointSigners: [ed25519NoteSigner(host, privateKey, 'c2sp'), ed25519NoteSigner(host, privateKey, 'rekor')],
    checkpointVerifiers: [ed25519NoteVerifier(host, publicKey, 'c2sp'), ed25519NoteVerifier(host, publicKey, 'rekor')],
    privateKey,
  };
}

/** A fresh random positive 63-bit tree ID, decimal. `random` supplies 8 random bytes. */
export function newTreeId(random: (n: number) => Uint8Array): string {
  for (;;) {
    const b = random(8);
    let v = 0n;
    for (const byte of b) v = v * 256n + BigInt(byte);
    v = v % (MAX_TREE_ID + 1n);
    if (v > 0n) return v.toString();
  }
}
