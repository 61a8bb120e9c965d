/**
 * Media types and descriptors of the OCI image-spec (descriptor.md,
 * manifest.md, image-index.md) and their Docker v2 schema 2 equivalents
 * (distribution docs/content/spec/manifest-v2-2.md).
 */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

/** image-spec manifest.md "Guidance for an Empty Descriptor": media type, bytes `{}` and their digest. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const EMPTY_JSON = new Uint8Array([0x7b, 0x7d]);
export const EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

/** The four manifest types a registry may hold for an image; every manifest request accepts all of them. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST];

/** True for the index types (OCI index, Docker manifest list). */
export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}

/** image-spec descriptor.md: what a manifest or index says about one piece of content. */
export interface Descriptor {
  mediaType: string;
  /** `sha256:<64 lowercase hex>` of the exact bytes. */
  digest: string;
  /** Size of the exact bytes, in bytes. */
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}
