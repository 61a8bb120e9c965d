/**
 * A log's public key as a client pins it: the PEM served at
 * `/api/v1/log/publicKey` (rekor-v1.md §1), ECDSA P-256 or Ed25519. From it
 * follow the logID (hex SHA-256 of the DER SPKI, the key's fingerprint), the
 * Rekor checkpoint key hint (the logID's first 4 bytes, rekor-v1.md §5) and
 * how the key signs: Ed25519 over the message itself, ECDSA as ASN.1 DER over
 * SHA-256 of it (SETs, rekor-v1.md §4, and checkpoint lines alike).
 */
import { LogError } from '../errors.js';
import { SIG_TYPE_ED25519, c2spKeyIdWith, rekorKeyHintWith } from '../note/portable.js';
import { fromBase64, fromHex, toHex } from './bytes.js';
import { importEcdsaP256, sha256, verifyEcdsaP256With, verifyEd25519, type WebCryptoKey } from './crypto.js';

export type LogKeyType = 'ecdsa-p256' | 'ed25519';

// RFC 8410 and RFC 5480 SubjectPublicKeyInfo prefixes: id-Ed25519; id-ecPublicKey with prime256v1, uncompressed point.
const ED25519_SPKI = fromHex('302a300506032b6570032100') as Uint8Array;
const P256_SPKI = fromHex('3059301306072a8648ce3d020106082a8648ce3d030107034200') as Uint8Array;

export class LogKey {
  readonly type: LogKeyType;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** 64 lowercase hex: SHA-256 of the SPKI, the Rekor logID and the key's fingerprint. */
  readonly logId: string;
  /** The Rekor checkpoint key hint: the logID's first 4 bytes as a uint32. */
  readonly keyHint: number;
  /** The WebCrypto key of an ECDSA key, imported at its first verification. */
  #webCryptoKey: Promise<WebCryptoKey | undefined> | undefined;

  private constructor(spki: Uint8Array, type: LogKeyType) {
    this.spki = spki;
    this.type = type;
    this.logId = toHex(sha256(spki));
    this.keyHint = rekorKeyHintWith(sha256, spki);
  }

  /** The key of a PEM `PUBLIC KEY` block. Throws KEY_INVALID for anything but an Ed25519 or uncompressed P-256 key. */
  static fromPem(pem: string): LogKey {
    const m = /-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----/.exec(pem);
    const der = m === null ? undefined : fromBase64((m[1] ?? '').replace(/\s+/g, ''));
    if (der === undefined) throw new LogError('KEY_INVALID', "couldn't read the log key: not a PEM PUBLIC KEY block");
    return LogKey.fromSpki(der);
  }

  /** The key of a DER SubjectPublicKeyInfo. Throws KEY_INVALID for anything but an Ed25519 or uncompressed P-256 key. */
  static fromSpki(der: Uint8Array): LogKey {
    if (der.length === ED25519_SPKI.length + 32 && startsWith(der, ED25519_SPKI)) return new LogKey(der.slice(), 'ed25519');
    if (der.length === P256_SPKI.length + 65 && startsWith(der, P256_SPKI) && der[P256_SPKI.length] === 0x04) return new LogKey(der.slice(), 'ecdsa-p256');
    throw new LogError('KEY_INVALID', "couldn't read the log key: neither Ed25519 nor an uncompressed ECDSA P-256 key");
  }

  /** The 32 raw public-key bytes of an Ed25519 key; undefined for ECDSA. */
  get ed25519(): Uint8Array | undefined {
    return this.type === 'ed25519' ? this.spki.subarray(ED25519_SPKI.length) : undefined;
  }

  /** The key's fingerprint as people compare it: `SHA256:` and the logID in groups of four. */
  get fingerprint(): string {
    return `SHA256:${this.logId.match(/.{4}/g)?.join(' ') ?? this.logId}`;
  }

  /** The C2SP key ID (signed-note) this key would have under `name` for Ed25519 note lines; undefined for ECDSA. */
  c2spKeyId(name: string): number | undefined {
    const raw = this.ed25519;
    return raw === undefined ? undefined : c2spKeyId(name, SIG_TYPE_ED25519, raw);
  }

  /** True iff `sig` by this key covers `msg`. Never throws. */
  verify(msg: Uint8Array, sig: Uint8Array): Promise<boolean> {
    const raw = this.ed25519;
    if (raw !== undefined) return verifyEd25519(raw, msg, sig);
    this.#webCryptoKey ??= importEcdsaP256(this.spki);
    return verifyEcdsaP256With(this.#webCryptoKey, msg, sig);
  }
}

/** C2SP key ID: SHA-256(name ‖ 0x0A ‖ type ‖ publicKey)[:4] big-endian (c2sp.org/signed-note "Signatures"). */
export function c2spKeyId(name: string, type: number, publicKey: Uint8Array): number {
  return c2spKeyIdWith(sha256, name, type, publicKey);
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}
