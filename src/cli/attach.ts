/**
 * Putting signatures into a registry: appending a layer to a cosign legacy
 * signature manifest (`sha256-<hex>.sig` / `.att`), and attaching a bundle
 * as an OCI 1.1 referrer (oci-signatures.md §2 "Several signatures", §6
 * "Writing").
 */
import { LogError } from '../errors.js';
import type { ImageReference, RegistryClient } from '../oci/index.js';
import { ANNOTATION_SIGNATURE, appendSignatureLayer, parseImageManifest, type Blob, type ManifestToPush } from '../signing/index.js';
import { manifestIfAny } from '../verifier/index.js';

/** Rounds of read-append-write before giving up on writers replacing the tag under us. */
const APPEND_ROUNDS = 4;

/** Uploads the blobs a manifest references (each skipped when the registry has it). */
export async function pushBlobs(registry: RegistryClient, ref: ImageReference, manifest: ManifestToPush): Promise<void> {
  for (const b of manifest.blobs) await registry.putBlob(ref, b.bytes, b.descriptor.mediaType);
}

/**
 * Appends `layer` to the signature manifest at `tag` (never replacing a
 * signature). The tag has no atomic update, so after writing, the tag is
 * read back: when a concurrent writer replaced it without our layer, the
 * append is redone on top of theirs. Returns the digest of the manifest now
 * at the tag and whether the layer was new.
 */
export async function appendLayerAtTag(registry: RegistryClient, ref: ImageReference, tag: string, layer: Blob): Promise<{ digest: string; appended: boolean }> {
  const sig = layer.descriptor.annotations?.[ANNOTATION_SIGNATURE];
  const holdsLayer = (bytes: Uint8Array): boolean =>
    parseImageManifest(bytes).layers.some((l) => l.digest === layer.descriptor.digest && l.annotations?.[ANNOTATION_SIGNATURE] === sig);
  for (let round = 0; round < APPEND_ROUNDS; round++) {
    const existing = await manifestIfAny(registry, ref, tag);
    const { appended, manifest } = appendSignatureLayer(existing?.bytes, layer);
    if (!appended) return { digest: manifest.digest, appended: false };
    await pushBlobs(registry, ref, manifest);
    await registry.putManifest(ref, tag, manifest.bytes, manifest.mediaType);
    const now = await manifestIfAny(registry, ref, tag);
    if (now !== undefined && holdsLayer(now.bytes)) return { digest: now.digest, appended: true };
  }
  throw new LogError('REGISTRY_PROTOCOL', `couldn't append the signature at ${tag}: other writers replaced the tag ${APPEND_ROUNDS} times`);
}

/** Uploads a bundle artifact's blobs and attaches it as a referrer of its subject. Returns the artifact's digest. */
export async function attachBundle(registry: RegistryClient, ref: ImageReference, artifact: ManifestToPush): Promise<string> {
  await pushBlobs(registry, ref, artifact);
  const desc = await registry.attachReferrer(ref, artifact.bytes, artifact.mediaType);
  return desc.digest;
}
