/**
 * The log as a sigstore `SigningConfig` (protobuf-specs
 * `dev.sigstore.trustroot.v1.SigningConfig`, media type v0.2, JSON form):
 * which transparency log endpoints signing clients submit to, each with its
 * major API version. Cairn names itself twice at its public URL: Rekor v2
 * (POST /api/v2/log/entries) and Rekor v1 (POST /api/v1/log/entries), newest
 * first as the spec asks; a client takes the highest version it speaks
 * (sigstore-js 4.1: `majorApiVersion: 2`). No CA, OIDC or timestamp
 * authority: Cairn's signers are keys. It goes with the trusted root
 * (trusted-root.ts), which holds the key both trees' checkpoints verify with.
 */
import type { LogIdentity } from './identity.js';

export const SIGNING_CONFIG_MEDIA_TYPE = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';

/** A `Service`: URL, major API version, validity window, operator (a scheme-less URI). */
export interface SigningService {
  readonly url: string;
  readonly majorApiVersion: number;
  readonly validFor: { readonly start: string };
  readonly operator: string;
}

export interface SigningConfigJson {
  readonly mediaType: typeof SIGNING_CONFIG_MEDIA_TYPE;
  readonly caUrls: readonly never[];
  readonly oidcUrls: readonly never[];
  readonly rekorTlogUrls: readonly SigningService[];
  readonly rekorTlogConfig: { readonly selector: 'ANY' };
  readonly tsaUrls: readonly never[];
  readonly tsaConfig: { readonly selector: 'ANY' };
}

/**
 * The signing config of the log `identity` names, whose v1 tree came into
 * being at `v1StartMs` and v2 tree at `v2StartMs` (their size-0 checkpoints;
 * whole seconds, as trusted-root.ts).
 */
export function signingConfig(identity: LogIdentity, v1StartMs: number, v2StartMs: number): SigningConfigJson {
  const iso = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString();
  const url = identity.publicUrl.replace(/\/+$/, '');
  return {
    mediaType: SIGNING_CONFIG_MEDIA_TYPE,
    caUrls: [],
    oidcUrls: [],
    rekorTlogUrls: [
      { url, majorApiVersion: 2, validFor: { start: iso(v2StartMs) }, operator: identity.host },
      { url, majorApiVersion: 1, validFor: { start: iso(v1StartMs) }, operator: identity.host },
    ],
    rekorTlogConfig: { selector: 'ANY' },
    tsaUrls: [],
    tsaConfig: { selector: 'ANY' },
  };
}
