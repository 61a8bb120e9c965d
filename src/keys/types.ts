/**
 * The key-source contract of the signing system: what a signer needs from a
 * private key it may never see (a PKCS#11 token) or holds in a file.
 */

/**
 * A signature algorithm, named by key type and digest. The signature formats
 * carry no algorithm field (oci-signatures.md §3): the verifier's key decides.
 * - `ecdsa-p256-sha256`: required for cosign interop (legacy `.sig` and bundles).
 * - `ecdsa-p384-sha384`: sigstore bundles (PKIX_ECDSA_P384_SHA_384); not read by every legacy verifier.
 * - `ed25519`: seen in cosign legacy signatures; sigstore bundles (PKIX_ED25519), pure Ed25519 over the message.
 * - `rsa-pkcs1v15-sha256`: cosign legacy signatures and sigstore bundles (PKIX_RSA_PKCS1V15_*_SHA256).
 */
export type SigningAlgorithm = 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384' | 'ed25519' | 'rsa-pkcs1v15-sha256';

/**
 * A private key that signs on request. Implementations MUST NOT expose the
 * private key: a token-held key signs inside the token.
 */
export interface SigningKey {
  readonly algorithm: SigningAlgorithm;
  /** The public key, DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). */
  readonly publicKeySpki: Uint8Array;
  /** The public key as a `-----BEGIN PUBLIC KEY-----` PEM (RFC 7468 §13), newline-terminated. */
  readonly publicKeyPem: string;
  /**
   * Signs `message` (the key hashes it per its algorithm: SHA-256 for P-256
   * and RSA, SHA-384 for P-384, none for Ed25519). ECDSA signatures are
   * ASN.1 DER `SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279 §2.2.3); RSA is
   * PKCS#1 v1.5 (RFC 8017 §8.2). Rejects with a LogError after close().
   */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** Releases the key (for tokens: logs out, closes the session, finalizes the module). Idempotent. */
  close(): Promise<void>;
}

/**
 * A parsed RFC 7512 PKCS#11 URI. Path attributes select the token and the
 * object; query attributes say how to reach the module and the PIN.
 * Values are percent-decoded; `id` is raw bytes (CKA_ID).
 */
export interface Pkcs11Uri {
  /** CKA_LABEL of the token (RFC 7512 §2.3 `token`). */
  readonly token?: string;
  /** CKA_LABEL of the object (`object`). */
  readonly object?: string;
  /** CKA_ID of the object (`id`), usually percent-encoded bytes. */
  readonly id?: Uint8Array;
  /** Slot ID, a decimal number (`slot-id`). */
  readonly slotId?: number;
  /** Token manufacturer ID (`manufacturer`). */
  readonly manufacturer?: string;
  /** Token serial number (`serial`). */
  readonly serial?: string;
  /** Token model (`model`). */
  readonly model?: string;
  /** Slot description and manufacturer (`slot-description`, `slot-manufacturer`). */
  readonly slotDescription?: string;
  readonly slotManufacturer?: string;
  /** Module (library) description, manufacturer and version `M[.m]` (`library-*`), matched against C_GetInfo. */
  readonly libraryDescription?: string;
  readonly libraryManufacturer?: string;
  readonly libraryVersion?: { readonly major: number; readonly minor: number };
  /** Object class (`type`): a signing key is `private` (or left out). */
  readonly type?: 'private' | 'public' | 'cert' | 'secret-key' | 'data';
  /** Absolute path of the PKCS#11 module (`module-path`, query). */
  readonly modulePath?: string;
  /** Module name resolved in the system's PKCS#11 module directories (`module-name`, query). */
  readonly moduleName?: string;
  /** The PIN itself (`pin-value`, query). */
  readonly pinValue?: string;
  /** Where to read the PIN: a `file:` URI or a path (`pin-source`, query). */
  readonly pinSource?: string;
}
