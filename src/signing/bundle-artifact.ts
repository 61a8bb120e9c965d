/**
 * A bundle stored as an OCI 1.1 artifact whose `subject` is the image
 * (oci-signatures.md §6 "Writing"): artifactType = the bundle media type,
 * the empty config `{}`, one layer (the bundle), and the annotations
 * `org.opencontainers.image.created`, `dev.sigstore.bundle.content` and
 * `dev.sigstore.bundle.predicateType`.
 */
import { bad } from './json.js';
import {
  ANNOTATION_BUNDLE_CONTENT,
  ANNOTATION_BUNDLE_PREDICATE_TYPE,
  ANNOTATION_CREATED,
  BUNDLE_V03_MEDIA_TYPE,
  OCI_EMPTY,
  OCI_EMPTY_BLOB,
  OCI_MANIFEST,
} from './media-types.js';
import { describe, jsonBytes, type Descriptor, type ManifestToPush } from './oci-descriptor.js';

/** What goes into a bundle artifact manifest. */
export interface BundleArtifactInput {
  /** The bundle's bytes (the one layer). */
  readonly bundle: Uint8Array;
  /** Defaults to the v0.3 media type. */
  readonly bundleMediaType?: string;
  /** The image: its manifest's media type, digest and size, as the registry served it. */
  readonly subject: Descriptor;
  /** RFC 3339 creation time (the caller's clock), e.g. `2026-12-02T06:26:10Z`. */
  readonly created: string;
  readonly content: 'dsse-envelope' | 'message-signature';
  /** The statement's predicate type (DSSE bundles). */
  readonly predicateType?: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The artifact manifest and its two blobs (empty config, bundle). PUT it by
 * digest. Throws ARTIFACT_INVALID for a `created` that is not RFC 3339.
 */
export function bundleArtifactManifest(input: BundleArtifactInput): ManifestToPush {
  if (!RFC3339.test(input.created)) throw bad('created', 'expected an RFC 3339 time');
  const mediaType = input.bundleMediaType ?? BUNDLE_V03_MEDIA_TYPE;
  const config = describe(OCI_EMPTY, OCI_EMPTY_BLOB);
  const layer = describe(mediaType, input.bundle);
  const annotations: Record<string, string> = {
    [ANNOTATION_CREATED]: input.created,
    [ANNOTATION_BUNDLE_CONTENT]: input.content,
  };
  if (input.predicateType !== undefined) annotations[ANNOTATION_BUNDLE_PREDICATE_TYPE] = input.predicateType;
  const s = input.subject;
  const bytes = jsonBytes({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: mediaType,
    config,
    layers: [layer],
    subject: { mediaType: s.mediaType, digest: s.digest, size: s.size },
    annotations,
  });
  return {
    mediaType: OCI_MANIFEST,
    bytes,
    digest: describe(OCI_MANIFEST, bytes).digest,
    blobs: [
      { descriptor: config, bytes: OCI_EMPTY_BLOB },
      { descriptor: layer, bytes: input.bundle },
    ],
  };
}
