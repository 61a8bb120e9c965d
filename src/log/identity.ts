/**
 * The log's identity: keys, tree ID, origin and the names clients look for.
 * Everything a client pins is derived here, in one place, from the public
 * keys (a rotated key or a new shard gets its identity from the same call).
 *
 * - logID = hex SHA-256 of the log key's DER SubjectPublicKeyInfo (Rekor),
 *   for Ed25519 and ECDSA P-256 log keys alike.
 * - origin = `<host> - <treeID>` as Rekor v1 checkpoints (rekor-v1.md §5).
 * - key name = `<host>` of the public URL: Rekor clients require it to be a
 *   substring of the log URL they trust; C2SP signed-note names must not
 *   contain spaces or '+', which `<host>` satisfies.
 * - The checkpoint carries two signature lines under that name: the note
 *   key's Ed25519 signature with the C2SP key ID
 *   SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pubkey)[:4] (c2sp.org/signed-note), for
 *   Go's x/mod, witnesses and monitors; and the log key's signature with
 *   Rekor's key hint SHA-256(SPKI)[:4] (Ed25519 over the text, or ECDSA
 *   P-256 over its SHA-256, ASN.1 DER), for sigstore clients. An Ed25519 log
 *   key is its own note key.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { LogError } from '../errors.js';
import {
  ed25519NoteVerifier,
  ed25519PublicKeyBytes,
  formatVkey,
  logIdOf,
  rekorNoteVerifier,
  spkiDer,
  type NoteVerifier,
} from '../note/index.js';
import { logKeyTypeOf, type LogKeyType } from './signer.js';

export interface LogIdentity {
  /** Positive 63-bit tree ID, as a decimal string (Rekor's LogInfo.treeID). */
  readonly treeId: string;
  /** Tree ID as 16 lowercase hex digits: the prefix of 80-hex entry IDs. */
  readonly treeIdHex: string;
  readonly host: string;
  readonly origin: string;
  readonly publicUrl: string;
  /** The log key's type: what its SETs and Rekor checkpoint line are. */
  readonly keyType: LogKeyType;
  /** Hex SHA-256 of the log key's DER SPKI. */
  readonly logId: string;
  /** The log key (public). */
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  /** The note key (public, Ed25519): the log key itself for an Ed25519 log. */
  readonly notePublicKey: KeyObject;
  /** C2SP verifier key of the note key, `name+keyid+base64(0x01‖pub)`. */
  readonly vkey: string;
  /** The checkpoint's signature lines (name, key ID): C2SP note key first, then the log key's Rekor hint. */
  readonly checkpointLines: readonly { readonly name: string; readonly keyId: number }[];
  /** Verifiers matching checkpointLines (same order). */
  readonly checkpointVerifiers: readonly NoteVerifier[];
  /**
   * The private keys, when the identity was made from them (key files):
   * what the log signs with on the event loop unless given another signer.
   * Undefined for keys held in a token.
   */
  readonly privateKeys: { readonly log: KeyObject; readonly note: KeyObject | undefined } | undefined;
}

/** Largest tree ID: 2^63 - 1 (a positive int64). */
const MAX_TREE_ID = (1n << 63n) - 1n;

/**
 * Validates and derives the identity from the log key and, for an ECDSA log
 * key, the note key (each a private KeyObject, or public when the private
 * half lives in a token). Throws CONFIG_INVALID on a bad key, URL or a note
 * key where none belongs (or none where one must be), CORRUPT on a bad tree ID.
 */
export function makeIdentity(logKey: KeyObject, treeId: string, publicUrl: string, noteKey?: KeyObject): LogIdentity {
  const keyType = logKeyTypeOf(logKey);
  if (keyType === undefined) {
    throw new LogError('CONFIG_INVALID', `the log key is a ${describeKey(logKey)} key; Cairn signs logs with ECDSA P-256 or Ed25519 keys`);
  }
  if (keyType === 'ed25519' && noteKey !== undefined) {
    throw new LogError('CONFIG_INVALID', 'an Ed25519 log key signs its checkpoints for C2SP clients itself: give no separate note key');
  }
  if (keyType === 'ecdsa-p256' && noteKey === undefined) {
    throw new LogError('CONFIG_INVALID', 'an ECDSA log key needs an Ed25519 note key for the C2SP checkpoint signature');
  }
  if (noteKey !== undefined && noteKey.asymmetricKeyType !== 'ed25519') {
    throw new LogError('CONFIG_INVALID', `the note key is a ${describeKey(noteKey)} key; it must be Ed25519 (c2sp.org/signed-note)`);
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
  const publicKey = logKey.type === 'private' ? createPublicKey(logKey) : logKey;
  const noteSource = noteKey ?? logKey;
  const notePublicKey = noteSource.type === 'private' ? createPublicKey(noteSource) : noteSource;
  const checkpointVerifiers = [ed25519NoteVerifier(host, notePublicKey, 'c2sp'), rekorNoteVerifier(host, publicKey)];
  return {
    treeId,
    treeIdHex: BigInt(treeId).toString(16).padStart(16, '0'),
    host,
    origin: `${host} - ${treeId}`,
    publicUrl,
    keyType,
    logId: logIdOf(spkiDer(publicKey)),
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    notePublicKey,
    vkey: formatVkey(host, 0x01, ed25519PublicKeyBytes(notePublicKey)),
    checkpointLines: checkpointVerifiers.map((v) => ({ name: v.name, keyId: v.keyId })),
    checkpointVerifiers,
    privateKeys:
      logKey.type === 'private' && (noteKey === undefined || noteKey.type === 'private') ? { log: logKey, note: noteKey } : undefined,
  };
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `${key.asymmetricKeyType ?? key.type}${curve === undefined ? '' : ` (${curve})`}`;
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

/**
 * The identity of the Rekor v2 log served beside a Rekor v1 log by the same
 * keys: the same keys, key name and signature lines, with the origin Rekor v2
 * verifiers require, the public URL's host alone (rekor-tiles pkg/verify
 * parses checkpoints with the verifier's name, the host, as the origin). Its
 * checkpoints' log-key line carries SHA-256(SPKI)[:4], which is both Rekor's
 * key hint and the C2SP key ID Rekor v2 gives ECDSA keys; its note-key line
 * the C2SP Ed25519 key ID.
 */
export function rekorV2Identity(v1: LogIdentity): LogIdentity {
  return { ...v1, origin: v1.host };
}
