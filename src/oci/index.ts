/**
 * The OCI registry room: the only code that talks to registries
 * (distribution-spec v1.1; OCI image-spec v1.1 descriptors and manifests).
 */
export { parseImageReference, formatReference, repositoryName, withDigest, DOCKER_HUB } from './reference.js';
export type { ImageReference } from './reference.js';
export { RegistryClient, MAX_MANIFEST_BYTES, DEFAULT_MAX_BLOB_BYTES } from './client.js';
export type { ReadOptions, RegistryClientOptions } from './client.js';
export { loadCredentials, environmentCredentials } from './credentials.js';
export type { Credentials, CredentialSource } from './credentials.js';
export { sha256Digest, isSha256Digest, fallbackTag } from './digest.js';
export {
  OCI_MANIFEST,
  OCI_INDEX,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_CONFIG,
  DOCKER_CONFIG,
  OCI_LAYER_GZIP,
  DOCKER_LAYER_GZIP,
  OCI_EMPTY,
  EMPTY_JSON,
  EMPTY_JSON_DIGEST,
  MANIFEST_MEDIA_TYPES,
  isIndexMediaType,
} from './media-types.js';
export type { Descriptor } from './media-types.js';
