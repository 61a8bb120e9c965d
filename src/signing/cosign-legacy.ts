/**
 * cosign's legacy tag scheme (oci-signatures.md §2): signatures at tag
 * `sha256-<hex>.sig`, attestations at `sha256-<hex>.att`, each an OCI image
 * manifest with one layer per signature. A new signature is appended to the
 * manifest already at the tag, never replacing one; an identical duplicate is
 * skipped.
 */
import { bad, toB64 } from './json.js';
import { digestHex } from './digest.js';
import {
  ANNOTATION_BUNDLE,
  ANNOTATION_CERTIFICATE,
  ANNOTATION_CHAIN,
  ANNOTATION_PREDICATE_TYPE,
  ANNOTATION_SIGNATURE,
  DSSE_ENVELOPE_MEDIA_TYPE,
  OCI_IMAGE_CONFIG,
  OCI_MANIFEST,
  SIMPLE_SIGNING_MEDIA_TYPE,
} from './media-types.js';
import { describe, jsonBytes, MAX_SIGNATURE_LAYERS, parseImageManifest, type Blob, type Descriptor, type ManifestToPush } from './oci-descriptor.js';
import { cosignBundleAnnotation, type TlogEntry } from './tlog-entry.js';
import { envelopeJson, type DsseEnvelope } from './dsse-envelope.js';

/** The tag cosign keeps signatures of `digest` under: `sha256-<hex>.sig`. */
export function signatureTag(digest: string): string {
  return `sha256-${digestHex(digest)}.sig`;
}

/** The tag cosign keeps attestations of `digest` under: `sha256-<hex>.att`. */
export function attestationTag(digest: string): string {
  return `sha256-${digestHex(digest)}.att`;
}

/** What a legacy signature layer carries besides the payload. */
export interface LegacySignatureParts {
  /** The simple-signing payload (the layer blob). */
  readonly payload: Uint8Array;
  /** Signature over the payload. */
  readonly signature: Uint8Array;
  /** The log entry; its SET goes into `dev.sigstore.cosign/bundle`. */
  readonly entry?: TlogEntry;
  /** PEM leaf certificate and chain, for certificate-based signers. */
  readonly certificatePem?: string;
  readonly chainPem?: string;
}

/** The `.sig` layer: blob = payload, media type simple-signing, cosign's annotations. */
export function legacySignatureLayer(parts: LegacySignatureParts): Blob {
  if (parts.signature.length === 0) throw bad('signature', 'must not be empty');
  const annotations: Record<string, string> = { [ANNOTATION_SIGNATURE]: toB64(parts.signature) };
  if (parts.entry !== undefined) annotations[ANNOTATION_BUNDLE] = cosignBundleAnnotation(parts.entry);
  if (parts.certificatePem !== undefined) {
    annotations[ANNOTATION_CERTIFICATE] = parts.certificatePem;
    annotations[ANNOTATION_CHAIN] = parts.chainPem ?? '';
  }
  return { descriptor: describe(SIMPLE_SIGNING_MEDIA_TYPE, parts.payload, annotations), bytes: parts.payload };
}

/**
 * The `.att` layer: blob = the DSSE envelope JSON (cosign spelling), the
 * signature annotation empty, `predicateType` annotated (oci-signatures.md §2).
 */
export function legacyAttestationLayer(envelope: DsseEnvelope, predicateType: string, entry?: TlogEntry): Blob {
  const bytes = new TextEncoder().encode(envelopeJson(envelope));
  const annotations: Record<string, string> = { [ANNOTATION_SIGNATURE]: '', [ANNOTATION_PREDICATE_TYPE]: predicateType };
  if (entry !== undefined) annotations[ANNOTATION_BUNDLE] = cosignBundleAnnotation(entry);
  return { descriptor: describe(DSSE_ENVELOPE_MEDIA_TYPE, bytes, annotations), bytes };
}

/** The result of appending a layer to a signature manifest. */
export interface AppendResult {
  /** False when the layer was an identical duplicate: nothing needs pushing. */
  readonly appended: boolean;
  /** The manifest to PUT at the tag; its blobs are the new config and the new layer. */
  readonly manifest: ManifestToPush;
}

/**
 * Appends `layer` to the signature manifest `existing` (its exact bytes from
 * the registry, or undefined when the tag does not exist yet). Existing
 * layer descriptors and manifest annotations are kept exactly; the config is
 * rebuilt (an OCI image config whose `rootfs.diff_ids` are the layer digests,
 * as ggcr writes it; readers ignore it). A layer with the same digest and
 * signature annotation as an existing one, or one `isDuplicate` accepts, is
 * not appended (`appended: false`, manifest unchanged). Throws
 * ARTIFACT_INVALID when `existing` is not an image manifest or already holds
 * MAX_SIGNATURE_LAYERS layers.
 */
export function appendSignatureLayer(
  existing: Uint8Array | undefined,
  layer: Blob,
  isDuplicate?: (existingLayer: Descriptor) => boolean,
): AppendResult {
  const parsed = existing === undefined ? undefined : parseImageManifest(existing);
  const rawLayers: unknown[] = parsed === undefined ? [] : [...(parsed.json['layers'] as unknown[])];
  const layers = parsed?.layers ?? [];
  const sig = layer.descriptor.annotations?.[ANNOTATION_SIGNATURE];
  const dup = layers.some(
    (l) => (l.digest === layer.descriptor.digest && l.annotations?.[ANNOTATION_SIGNATURE] === sig) || (isDuplicate?.(l) ?? false),
  );
  if (dup && parsed !== undefined && existing !== undefined) {
    return { appended: false, manifest: manifestToPush(existing, parsed.json, []) };
  }
  if (layers.length >= MAX_SIGNATURE_LAYERS) throw bad('manifest.layers', `already holds ${MAX_SIGNATURE_LAYERS} signatures`);
  const digests = [...layers.map((l) => l.digest), layer.descriptor.digest];
  const configBytes = jsonBytes({
    architecture: '',
    config: {},
    created: '0001-01-01T00:00:00Z',
    history: digests.map(() => ({ created: '0001-01-01T00:00:00Z' })),
    os: '',
    rootfs: { type: 'layers', diff_ids: digests },
  });
  const config = describe(OCI_IMAGE_CONFIG, configBytes);
  const json: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config,
    layers: [...rawLayers, layer.descriptor],
  };
  const annotations = parsed?.annotations;
  if (annotations !== undefined) json['annotations'] = annotations;
  const bytes = jsonBytes(json);
  return { appended: true, manifest: manifestToPush(bytes, json, [{ descriptor: config, bytes: configBytes }, layer]) };
}

function manifestToPush(bytes: Uint8Array, json: Record<string, unknown>, blobs: readonly Blob[]): ManifestToPush {
  const mediaType = typeof json['mediaType'] === 'string' ? json['mediaType'] : OCI_MANIFEST;
  return { mediaType, bytes, digest: describe(mediaType, bytes).digest, blobs };
}
