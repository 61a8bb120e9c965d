/**
 * The log as a sigstore trust root: a `TrustedRoot` (sigstore protobuf-specs
 * `dev.sigstore.trustroot.v1.TrustedRoot`, JSON form) whose `tlogs` name this
 * log: base URL, hash algorithm, the log key (DER SPKI, its key details and
 * the window it is valid for) and the log ID. Given to sigstore-js, cosign or
 * sigstore-go as their trusted root (or merged into one), it points them at
 * Cairn in one step. One entry per log key: a key rotation adds an entry whose
 * window starts where the previous one ends.
 */
import type { LogIdentity } from './identity.js';

/** `TransparencyLogInstance` (protobuf JSON: bytes as standard base64, timestamps RFC 3339). */
export interface TrustedTlog {
  readonly baseUrl: string;
  readonly hashAlgorithm: 'SHA2_256';
  readonly publicKey: {
    readonly rawBytes: string;
    readonly keyDetails: 'PKIX_ECDSA_P256_SHA_256' | 'PKIX_ED25519';
    readonly validFor: { readonly start: string; readonly end?: string };
  };
  readonly logId: { readonly keyId: string };
}

export interface TrustedRootJson {
  readonly mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';
  readonly tlogs: readonly TrustedTlog[];
  readonly certificateAuthorities: readonly never[];
  readonly ctlogs: readonly never[];
  readonly timestampAuthorities: readonly never[];
}

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

/**
 * The tlog entry of a log key, valid from `startMs` (the log's creation: the
 * time of its size-0 checkpoint, rounded down to a second, since clients
 * compare it with integratedTime in seconds) and, for a retired key, until
 * `endMs`.
 */
export function trustedTlog(identity: LogIdentity, startMs: number, endMs?: number): TrustedTlog {
  const iso = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString();
  return {
    baseUrl: identity.publicUrl.replace(/\/+$/, ''),
    hashAlgorithm: 'SHA2_256',
    publicKey: {
      rawBytes: identity.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      keyDetails: identity.keyType === 'ed25519' ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256',
      validFor: { start: iso(startMs), ...(endMs === undefined ? {} : { end: iso(endMs + 999) }) },
    },
    logId: { keyId: Buffer.from(identity.logId, 'hex').toString('base64') },
  };
}

/** A TrustedRoot naming only these logs (no CAs, CT logs or timestamp authorities: Cairn's signers are keys). */
export function trustedRoot(tlogs: readonly TrustedTlog[]): TrustedRootJson {
  return { mediaType: TRUSTED_ROOT_MEDIA_TYPE, tlogs, certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
}
