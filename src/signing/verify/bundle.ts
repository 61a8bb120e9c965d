/**
 * Verifying a Sigstore bundle attached to an image (oci-signatures.md §5,
 * §6 "Reading"): the artifact manifest (subject = D, one bundle layer), then
 * the bundle: media type v0.1–v0.3, key-based signer, DSSE content, what its
 * version requires of the log entry (v0.1 a SET, v0.2+ an inclusion proof),
 * then the log entry, body, PAE signature and statement
 * (verify/statement.ts). Message-signature and certificate bundles are
 * refused with their own codes.
 */
import { BUNDLE_MEDIA_TYPE_PREFIX } from '../media-types.js';
import { bundleVersionOf, parseBundle, type BundleTlogEntry, type ParsedBundle } from '../bundle-parse.js';
import { get, isRecord, parseJson } from '../json.js';
import { sha256Digest } from '../digest.js';
import { parseImageManifest, type Descriptor } from '../oci-descriptor.js';
import type { TlogEntry } from '../tlog-entry.js';
import { checkBlob } from './blob.js';
import { verifySignedStatement, type StatementVerified } from './statement.js';
import type { Trust } from './trust.js';
import { readOr, refuse, verdictOf, verdictOfAsync, type Verdict } from './verdict.js';

/** A bundle and what it must be about. */
export interface BundleVerifyInput {
  /** The bundle's bytes (the artifact's layer blob, or a `.sigstore.json` file). */
  readonly bundle: Uint8Array;
  /** The layer descriptor the bundle was fetched by; its digest and size are checked. */
  readonly descriptor?: Descriptor;
  /** D: the image digest resolved now. */
  readonly imageDigest: string;
  /** Required predicate type; any when undefined. */
  readonly predicateType?: string;
  /** The entry as the log serves it now (with a fresh inclusion proof), fetched by the caller. */
  readonly online?: TlogEntry;
}

/** A verified bundle. */
export interface BundleVerified extends StatementVerified {
  readonly bundleVersion: string;
}

/** Verifies a bundle. */
export function verifyBundle(input: BundleVerifyInput, trust: Trust): Promise<Verdict<BundleVerified>> {
  return verdictOfAsync(async () => {
    if (input.descriptor !== undefined) checkBlob(input.descriptor, input.bundle, 'the bundle');
    const json = readOr('BUNDLE_INVALID', 'bundle', () => parseJson(input.bundle, 'bundle'));
    const mediaType = isRecord(json) ? get(json, 'mediaType') : undefined;
    if (typeof mediaType !== 'string' || bundleVersionOf(mediaType) === undefined) {
      refuse('BUNDLE_MEDIA_TYPE_UNSUPPORTED', `${JSON.stringify(String(mediaType).slice(0, 80))} is not a sigstore bundle v0.1–v0.3`);
    }
    const bundle = readOr('BUNDLE_INVALID', 'bundle', () => parseBundle(json));
    if (bundle.certificate !== undefined) refuse('CERTIFICATE_UNSUPPORTED', 'the bundle is certificate-based; only trusted keys are supported');
    if (bundle.content.type !== 'dsse') refuse('BUNDLE_CONTENT_UNSUPPORTED', 'a message-signature bundle cannot sign an image');
    const entry = pickEntry(bundle, input.online);
    const verified = await verifySignedStatement(bundle.content.envelope, entry, trust, {
      imageDigest: input.imageDigest,
      ...(input.predicateType === undefined ? {} : { predicateType: input.predicateType }),
    });
    return { ...verified, bundleVersion: bundle.version };
  });
}

/** The bundle's entry (the first; bundles carry one), checked against what its version requires. */
function pickEntry(bundle: ParsedBundle, online: TlogEntry | undefined): TlogEntry | undefined {
  const entry: BundleTlogEntry | undefined = bundle.tlogEntries[0];
  if (entry === undefined) return online;
  if (bundle.version === '0.1' && entry.signedEntryTimestamp === undefined) refuse('BUNDLE_INVALID', 'a v0.1 bundle needs an inclusion promise');
  if (bundle.version !== '0.1' && entry.inclusionProof === undefined) refuse('BUNDLE_INVALID', `a v${bundle.version} bundle needs an inclusion proof`);
  const body = readOr('TLOG_ENTRY_MALFORMED', 'canonicalized body', () => parseJson(entry.body, 'canonicalizedBody'));
  if (!isRecord(body) || get(body, 'kind') !== entry.kind || get(body, 'apiVersion') !== entry.kindVersion) {
    refuse('BODY_MISMATCH', `the bundle says ${entry.kind} ${entry.kindVersion}, the logged body is another kind`);
  }
  return online?.inclusionProof === undefined ? entry : { ...entry, inclusionProof: online.inclusionProof };
}

/** What the artifact manifest says about its bundle. */
export interface BundleManifestVerified {
  readonly layer: Descriptor;
  readonly artifactType: string | undefined;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * §6 "Reading" step 4: the manifest fetched by digest hashes to that digest,
 * its subject is D, and it has exactly one layer of a bundle media type.
 * Refuses BLOB_DIGEST_MISMATCH, MANIFEST_INVALID or SUBJECT_MISMATCH.
 */
export function verifyBundleManifest(manifest: Uint8Array, manifestDigest: string, imageDigest: string): Verdict<BundleManifestVerified> {
  return verdictOf(() => {
    if (sha256Digest(manifest) !== manifestDigest) refuse('BLOB_DIGEST_MISMATCH', `the manifest does not hash to ${manifestDigest}`);
    const m = readOr('MANIFEST_INVALID', 'manifest', () => parseImageManifest(manifest));
    if (m.subject?.digest !== imageDigest) refuse('SUBJECT_MISMATCH', `the manifest's subject is ${m.subject?.digest ?? 'absent'}, not ${imageDigest}`);
    const bundles = m.layers.filter((l) => l.mediaType.startsWith(BUNDLE_MEDIA_TYPE_PREFIX));
    if (m.layers.length !== 1 || bundles.length !== 1) refuse('MANIFEST_INVALID', `expected exactly one bundle layer, found ${m.layers.length} layers`);
    return { layer: bundles[0] as Descriptor, artifactType: m.artifactType, annotations: m.annotations ?? {} };
  });
}
